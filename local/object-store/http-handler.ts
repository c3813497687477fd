/**
 * The store's HTTP face under `/_s3/`: browser POST uploads and presigned GET/HEAD downloads,
 * answering like S3 (status codes, XML errors, headers) and with CORS so a web page can use it.
 */
import { createHash } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';
import { open, rm } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import busboy from 'busboy';
import { NotFoundError, ValidationError } from '../../lambdas/core/errors.js';
import type { ObjectStoreEngine } from './engine.js';
import { encodeKeyForUrl, validateObjectKey } from './keys.js';
import { newRequestId } from './s3-event.js';
import { errorXml, s3Error, xmlEscape } from './s3-errors.js';
import type { S3ErrorSpec } from './s3-errors.js';
import { signDownload, signaturesMatch, verifyPostPolicy } from './signing.js';
import type { AuthorizedPost } from './signing.js';

/** URL prefix of every request this handler owns. */
export const S3_PATH_PREFIX = '/_s3/';

/**
 * Bytes of a rejected upload read and discarded so the browser still receives the error (most
 * clients report a reset connection, not the answer, when the server stops reading early). Past
 * this, the store answers at once and closes the connection.
 */
const MAX_DISCARD_BYTES = 64 * 1024 * 1024;

// S3 caps the form fields before the file at 20 KB; the counts only bound a hostile form.
const FORM_LIMITS = { fieldSize: 20 * 1024, fields: 64, parts: 128, files: 8 };

const EXPOSED_HEADERS = 'ETag, Location, Content-Length, Content-Type, Content-Disposition, x-amz-request-id';

/**
 * Serves one request when its path is under `/_s3/`.
 *
 * @returns `false` (without touching `res`) for any other path, so the host can route it.
 */
export async function handleS3Request(
  engine: ObjectStoreEngine,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<boolean> {
  const rawUrl = req.url ?? '/';
  const queryAt = rawUrl.indexOf('?');
  // The raw path, not a WHATWG-normalized one: `..` must reach key validation, not be resolved.
  const rawPath = queryAt === -1 ? rawUrl : rawUrl.slice(0, queryAt);
  if (!rawPath.startsWith(S3_PATH_PREFIX) && rawPath !== '/_s3') return false;
  const query = new URLSearchParams(queryAt === -1 ? '' : rawUrl.slice(queryAt + 1));
  const requestId = newRequestId();
  res.setHeader('Access-Control-Allow-Origin', '*');
  res.setHeader('Access-Control-Expose-Headers', EXPOSED_HEADERS);
  res.setHeader('x-amz-request-id', requestId);

  const context: RequestContext = { engine, req, res, requestId };
  try {
    if (req.method === 'OPTIONS') {
      answerPreflight(req, res);
      return true;
    }
    const rest = rawPath.slice(S3_PATH_PREFIX.length);
    const slash = rest.indexOf('/');
    const bucket = slash === -1 ? rest : rest.slice(0, slash);
    const encodedKey = slash === -1 ? '' : rest.slice(slash + 1);
    if (bucket !== engine.options.bucket) {
      sendError(
        context,
        s3Error(404, 'NoSuchBucket', 'The specified bucket does not exist', { BucketName: bucket }),
      );
    } else if (encodedKey === '') {
      if (req.method === 'POST') await handleUpload(context);
      else sendError(context, methodNotAllowed(req.method));
    } else if (req.method === 'GET' || req.method === 'HEAD') {
      await handleDownload(context, encodedKey, query);
    } else {
      sendError(context, methodNotAllowed(req.method));
    }
  } catch (error) {
    console.error('[object-store] request failed', error);
    if (!res.headersSent)
      sendError(context, s3Error(500, 'InternalError', 'We encountered an internal error.'));
    else res.destroy();
  }
  return true;
}

interface RequestContext {
  engine: ObjectStoreEngine;
  req: IncomingMessage;
  res: ServerResponse;
  requestId: string;
}

function answerPreflight(req: IncomingMessage, res: ServerResponse): void {
  const requested = req.headers['access-control-request-headers'];
  res.writeHead(200, {
    'Access-Control-Allow-Methods': 'GET, HEAD, POST, OPTIONS',
    'Access-Control-Allow-Headers': typeof requested === 'string' && requested !== '' ? requested : '*',
    'Access-Control-Max-Age': '3000',
    Vary: 'Access-Control-Request-Headers',
    'Content-Length': '0',
  });
  res.end();
}

function methodNotAllowed(method: string | undefined): S3ErrorSpec {
  return s3Error(405, 'MethodNotAllowed', 'The specified method is not allowed against this resource.', {
    Method: method ?? '',
    ResourceType: 'OBJECT',
  });
}

function sendError(
  context: RequestContext,
  error: S3ErrorSpec,
  extraHeaders: Record<string, string> = {},
): void {
  const { req, res, requestId } = context;
  if (res.headersSent) return;
  // HEAD answers carry no body, as on S3.
  const body = req.method === 'HEAD' ? '' : errorXml(error, requestId);
  res.writeHead(error.status, {
    'Content-Type': 'application/xml',
    'Content-Length': String(Buffer.byteLength(body)),
    ...extraHeaders,
  });
  res.end(body);
}

/** `127.0.0.1` rather than `::ffff:127.0.0.1`, as S3 reports IPv4 clients. */
function sourceIpOf(req: IncomingMessage): string {
  return (req.socket.remoteAddress ?? '127.0.0.1').replace(/^::ffff:/, '');
}

// ---------------------------------------------------------------------------------------------
// Presigned GET / HEAD
// ---------------------------------------------------------------------------------------------

async function handleDownload(
  context: RequestContext,
  encodedKey: string,
  query: URLSearchParams,
): Promise<void> {
  const { engine, req, res } = context;
  let key: string;
  try {
    key = validateObjectKey(decodeURIComponent(encodedKey));
  } catch (error) {
    const message = error instanceof ValidationError ? error.message : 'Malformed key encoding';
    sendError(context, s3Error(400, 'InvalidArgument', message));
    return;
  }

  const expiresRaw = query.get('X-Untxt-Expires');
  const signature = query.get('X-Untxt-Signature');
  const expires = Number(expiresRaw);
  if (expiresRaw === null || signature === null || !Number.isSafeInteger(expires)) {
    sendError(context, s3Error(403, 'AccessDenied', 'Access Denied'));
    return;
  }
  const contentDisposition = query.get('response-content-disposition') ?? undefined;
  const contentType = query.get('response-content-type') ?? undefined;
  const expected = signDownload(
    { method: 'GET', bucket: engine.options.bucket, key, expires, contentDisposition, contentType },
    engine.options.secret,
  );
  if (!signaturesMatch(expected, signature)) {
    sendError(
      context,
      s3Error(
        403,
        'SignatureDoesNotMatch',
        'The request signature we calculated does not match the signature you provided. Check your key and signing method.',
      ),
    );
    return;
  }
  const nowSeconds = Math.floor(engine.options.now() / 1000);
  if (nowSeconds > expires) {
    sendError(
      context,
      s3Error(403, 'AccessDenied', 'Request has expired', {
        Expires: new Date(expires * 1000).toISOString(),
        ServerTime: new Date(engine.options.now()).toISOString(),
      }),
    );
    return;
  }

  let handle: FileHandle;
  try {
    handle = await engine.disk.openObject(key);
  } catch (error) {
    if (!(error instanceof NotFoundError)) throw error;
    sendError(context, s3Error(404, 'NoSuchKey', 'The specified key does not exist.', { Key: key }));
    return;
  }
  try {
    // Size from the open handle: a concurrent overwrite renames a new inode in, this one stays whole.
    const stat = await handle.stat();
    const described = await engine.describe(key);
    const meta = described?.meta && described.size === stat.size ? described.meta : undefined;
    const headers: Record<string, string> = {
      'Content-Type': contentType ?? meta?.contentType ?? 'application/octet-stream',
      'Content-Length': String(stat.size),
      'Last-Modified': stat.mtime.toUTCString(),
      // The store serves user uploads; never let a browser sniff them into something executable.
      'X-Content-Type-Options': 'nosniff',
    };
    if (meta) headers.ETag = `"${meta.etag}"`;
    if (contentDisposition !== undefined) headers['Content-Disposition'] = contentDisposition;
    res.writeHead(200, headers);
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    const stream = handle.createReadStream({ autoClose: false });
    try {
      await pipeline(stream, res);
    } catch (error) {
      // The client went away mid-download (closed tab, aborted fetch): nothing to answer.
      if ((error as { code?: unknown }).code !== 'ERR_STREAM_PREMATURE_CLOSE') throw error;
    }
  } finally {
    await handle.close();
  }
}

// ---------------------------------------------------------------------------------------------
// Browser POST upload
// ---------------------------------------------------------------------------------------------

type FileOutcome =
  | { ok: true; tmp: string; size: number; etag: string; auth: AuthorizedPost }
  | { ok: false; error: S3ErrorSpec | undefined };

/**
 * Parses a multipart form like S3: fields up to the `file` part are checked against the signed
 * policy, the file is streamed (counted and hashed) into a temp file, fields after it are ignored.
 * Only a complete, valid upload is renamed into place and announced.
 */
async function handleUpload(context: RequestContext): Promise<void> {
  const { engine, req, res, requestId } = context;
  let form: busboy.Busboy;
  try {
    form = busboy({ headers: req.headers, limits: FORM_LIMITS });
  } catch {
    sendError(
      context,
      s3Error(412, 'PreconditionFailed', 'Bucket POST must be of the enclosure-type multipart/form-data', {
        Condition: 'Bucket POST must be of the enclosure-type multipart/form-data',
      }),
    );
    return;
  }

  const fields = new Map<string, string>();
  let formError: S3ErrorSpec | undefined;
  let fileOutcome: Promise<FileOutcome> | undefined;
  let clientGone = false;
  let answered = false;

  /** Answers before the body is fully read, then drops the connection (it is not worth reading). */
  const answerAndClose = (error: S3ErrorSpec): void => {
    answered = true;
    sendError(context, error, { Connection: 'close' });
    req.unpipe(form);
    form.destroy();
  };

  const tooManyFields = () =>
    (formError ??= s3Error(
      400,
      'MaxPostPreDataLengthExceededError',
      'Your POST request fields preceding the upload file were too large.',
    ));
  form.on('field', (name, value, info) => {
    // S3 ignores everything after the file.
    if (fileOutcome) return;
    if (info.nameTruncated || info.valueTruncated) tooManyFields();
    fields.set(name.toLowerCase(), value);
  });
  form.on('fieldsLimit', tooManyFields);
  form.on('partsLimit', tooManyFields);
  form.on('file', (name, stream) => {
    if (fileOutcome || name.toLowerCase() !== 'file') {
      // Extra file parts are skipped, as S3 does; they must still be consumed for parsing to go on.
      stream.resume();
      return;
    }
    let decision = formError
      ? { ok: false as const, error: formError }
      : verifyPostPolicy({
          fields,
          bucket: engine.options.bucket,
          secret: engine.options.secret,
          now: engine.options.now(),
        });
    // A policy with `starts-with $key` lets the form choose the key: it must still be a safe one.
    if (decision.ok) {
      try {
        validateObjectKey(decision.value.key);
      } catch (error) {
        decision = { ok: false, error: s3Error(400, 'InvalidArgument', (error as Error).message) };
      }
    }
    fileOutcome = receiveFile(engine, stream, decision, answerAndClose);
  });

  const parsed = new Promise<void>((resolve, reject) => {
    form.once('close', resolve);
    form.once('error', reject);
    req.once('error', (error) => {
      clientGone = true;
      reject(error);
    });
    req.once('close', () => {
      if (req.complete) return;
      clientGone = true;
      reject(new Error('Client closed the connection during the upload'));
    });
  });
  req.pipe(form);

  let parseFailed = false;
  try {
    await parsed;
  } catch {
    parseFailed = true;
    // Unblocks a file stream still waiting for data, so the outcome below settles.
    form.destroy();
  }
  const outcome = fileOutcome ? await fileOutcome : undefined;
  if (parseFailed || !outcome?.ok) {
    if (outcome?.ok) await rm(outcome.tmp, { force: true });
    if (clientGone || answered) return;
    const malformed = s3Error(
      400,
      'MalformedPOSTRequest',
      'The body of your POST request is not well-formed multipart/form-data.',
    );
    const noFile = s3Error(400, 'InvalidArgument', 'POST requires exactly one file upload per request.', {
      ArgumentName: 'file',
      ArgumentValue: '0',
    });
    if (parseFailed) sendError(context, malformed);
    else if (!outcome) sendError(context, formError ?? noFile);
    else sendError(context, (outcome.ok ? undefined : outcome.error) ?? malformed);
    return;
  }

  const { auth, tmp, size, etag } = outcome;
  await engine.commit(
    tmp,
    auth.key,
    { contentType: auth.contentType, size, etag },
    { eventName: 'ObjectCreated:Post', sourceIp: sourceIpOf(req), requestId },
  );
  const location = `${engine.options.publicUrl}/_s3/${engine.options.bucket}/${encodeKeyForUrl(auth.key)}`;
  const headers = { ETag: `"${etag}"`, Location: location };
  const status = fields.get('success_action_status');
  if (status === '201') {
    const body =
      '<?xml version="1.0" encoding="UTF-8"?>\n' +
      `<PostResponse><Location>${xmlEscape(location)}</Location><Bucket>${xmlEscape(engine.options.bucket)}</Bucket>` +
      `<Key>${xmlEscape(auth.key)}</Key><ETag>"${etag}"</ETag></PostResponse>`;
    res.writeHead(201, {
      ...headers,
      'Content-Type': 'application/xml',
      'Content-Length': String(Buffer.byteLength(body)),
    });
    res.end(body);
  } else {
    // S3 answers 200 or 204 as asked, and 204 for anything else.
    res.writeHead(status === '200' ? 200 : 204, { ...headers, 'Content-Length': '0' });
    res.end();
  }
}

/**
 * Streams the file part to a temp file while counting and hashing it. Past the policy's maximum
 * (or when the form was rejected) the temp file is dropped and the rest is read and discarded,
 * never buffered; past {@link MAX_DISCARD_BYTES} the request is answered and closed at once.
 */
async function receiveFile(
  engine: ObjectStoreEngine,
  stream: Readable,
  decision: { ok: true; value: AuthorizedPost } | { ok: false; error: S3ErrorSpec },
  answerAndClose: (error: S3ErrorSpec) => void,
): Promise<FileOutcome> {
  let error: S3ErrorSpec | undefined = decision.ok ? undefined : decision.error;
  const maxBytes = decision.ok ? decision.value.maxBytes : 0;
  const tooLarge = (proposed: number) =>
    s3Error(400, 'EntityTooLarge', 'Your proposed upload exceeds the maximum allowed size', {
      ProposedSize: proposed,
      MaxSizeAllowed: maxBytes,
    });

  let tmp: string | undefined;
  let handle: FileHandle | undefined;
  const discardTemp = async () => {
    await handle?.close().catch(() => undefined);
    handle = undefined;
    if (tmp) await rm(tmp, { force: true });
    tmp = undefined;
  };

  const hash = createHash('md5');
  const internalError = (cause: unknown) => {
    console.error('[object-store] storing an upload failed', cause);
    return s3Error(500, 'InternalError', 'We encountered an internal error.');
  };
  let bytes = 0;
  let exceeded = false;
  let closedEarly = false;
  try {
    if (!error) {
      tmp = engine.disk.tempPath();
      handle = await open(tmp, 'wx', 0o644).catch((cause: unknown) => {
        error = internalError(cause);
        return undefined;
      });
    }
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      bytes += chunk.length;
      if (!error && !exceeded && bytes > maxBytes) {
        exceeded = true;
        await discardTemp();
      }
      if (error || exceeded) {
        // Keep reading: the form parser (and the answer) waits until this part is consumed.
        if (bytes - maxBytes > MAX_DISCARD_BYTES && !closedEarly) {
          closedEarly = true;
          answerAndClose(error ?? tooLarge(bytes));
        }
        continue;
      }
      hash.update(chunk);
      try {
        await (handle as FileHandle).write(chunk);
      } catch (cause) {
        error = internalError(cause);
        await discardTemp();
      }
    }
  } catch {
    // The part was cut short: client gone, malformed form, or the early answer above.
    await discardTemp();
    return { ok: false, error: undefined };
  }

  if (exceeded) error ??= tooLarge(bytes);
  if (error || !decision.ok) {
    await discardTemp();
    return { ok: false, error };
  }
  if (bytes < decision.value.minBytes) {
    await discardTemp();
    return {
      ok: false,
      error: s3Error(400, 'EntityTooSmall', 'Your proposed upload is smaller than the minimum allowed size', {
        ProposedSize: bytes,
        MinSizeAllowed: decision.value.minBytes,
      }),
    };
  }
  try {
    const file = handle as FileHandle;
    // Every write has resolved, so the rename below publishes the whole object (not fsynced: see
    // `writeTempFile` in disk.ts).
    await file.close();
    handle = undefined;
  } catch (cause) {
    await discardTemp();
    return { ok: false, error: internalError(cause) };
  }
  return { ok: true, tmp: tmp as string, size: bytes, etag: hash.digest('hex'), auth: decision.value };
}
