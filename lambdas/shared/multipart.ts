import busboy from 'busboy';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { PayloadTooLargeError, ValidationError } from '../core/errors.js';
import { header, rawBody } from './request.js';

export interface MultipartUpload {
  filename: string;
  bytes: Buffer;
  fields: Record<string, string>;
}

/** Parses a multipart/form-data body holding exactly one `file` part (curl -F file=@doc.pdf). */
export const parseMultipartUpload = (
  event: APIGatewayProxyEvent,
  maxBytes: number,
): Promise<MultipartUpload> =>
  new Promise((resolve, reject) => {
    const contentType = header(event, 'content-type') ?? '';
    let parser: busboy.Busboy;
    try {
      parser = busboy({
        headers: { 'content-type': contentType },
        limits: { files: 1, fileSize: maxBytes, fields: 10, fieldSize: 1024 },
      });
    } catch {
      reject(new ValidationError('Malformed multipart/form-data request (missing boundary?)'));
      return;
    }
    // Field names are the client's: without a prototype, `__proto__` or `constructor` is just a name.
    const fields: Record<string, string> = Object.create(null) as Record<string, string>;
    let file: { filename: string; chunks: Buffer[]; truncated: boolean } | undefined;
    let failed = false;
    const failWith = (error: Error) => {
      if (!failed) reject(error);
      failed = true;
    };
    parser.on('field', (name, value) => {
      fields[name] = value;
    });
    parser.on('file', (name, stream, info) => {
      if (name !== 'file' || file) {
        stream.resume();
        failWith(new ValidationError(`Unexpected file field '${name}'; send one file as 'file'`));
        return;
      }
      const current = { filename: info.filename ?? '', chunks: [] as Buffer[], truncated: false };
      file = current;
      stream.on('data', (chunk: Buffer) => current.chunks.push(chunk));
      stream.on('limit', () => {
        current.truncated = true;
      });
    });
    parser.on('filesLimit', () => failWith(new ValidationError('Send exactly one file per request')));
    parser.on('error', () => failWith(new ValidationError('Malformed multipart/form-data body')));
    parser.on('close', () => {
      if (failed) return;
      if (!file) return failWith(new ValidationError("The multipart body has no 'file' part"));
      if (file.truncated)
        return failWith(new PayloadTooLargeError(`Inline uploads are limited to ${maxBytes} bytes`));
      resolve({ filename: file.filename, bytes: Buffer.concat(file.chunks), fields });
    });
    parser.end(rawBody(event));
  });
