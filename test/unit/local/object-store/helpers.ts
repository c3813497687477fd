/**
 * Test harness: a real HTTP server on an ephemeral 127.0.0.1 port in front of a store rooted in a
 * fresh temp folder, with a controllable clock and a record of every notification.
 */
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { PresignedUpload } from '../../../../lambdas/core/ports.js';
import { createLocalObjectStore } from '../../../../local/object-store/index.js';
import type { LocalObjectStore, S3Notification } from '../../../../local/object-store/index.js';

export const BUCKET = 'untxt-documents';
export const SECRET = 'test-secret-0123456789abcdef';

export interface StoreHarness {
  store: LocalObjectStore;
  rootDir: string;
  publicUrl: string;
  events: S3Notification[];
  /** Moves the store's clock forward. */
  advance(ms: number): void;
  /** Files left in the store's temp folder (must be none after any request). */
  tempFiles(): Promise<string[]>;
  close(): Promise<void>;
}

export async function startStore(
  options: { onObjectCreated?: (n: S3Notification) => Promise<void> | void } = {},
): Promise<StoreHarness> {
  const rootDir = await mkdtemp(path.join(tmpdir(), 'untxt-object-store-'));
  const events: S3Notification[] = [];
  let offset = 0;
  // The server must listen before the store exists (the store needs the port in its public URL).
  const holder: { store?: LocalObjectStore } = {};
  const server = createServer((req, res) => {
    void (holder.store as LocalObjectStore).handle(req, res).then((handled) => {
      if (!handled) res.writeHead(404).end('not the store');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const publicUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const store = createLocalObjectStore({
    rootDir,
    bucket: BUCKET,
    publicUrl,
    secret: SECRET,
    region: 'eu-central-1',
    now: () => Date.now() + offset,
    onObjectCreated: async (notification) => {
      await options.onObjectCreated?.(notification);
      events.push(notification);
    },
  });
  holder.store = store;
  return {
    store,
    rootDir,
    publicUrl,
    events,
    advance: (ms) => {
      offset += ms;
    },
    tempFiles: async () => readdir(path.join(rootDir, '.tmp', BUCKET)),
    close: async () => {
      await store.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await rm(rootDir, { recursive: true, force: true });
    },
  };
}

/** Posts a form exactly as a browser would: the presigned fields in order, then `file`. */
export function postForm(
  upload: PresignedUpload,
  file: Uint8Array<ArrayBuffer> | undefined,
  overrides: { fields?: Record<string, string>; fileName?: string; fileType?: string } = {},
): Promise<Response> {
  const form = new FormData();
  for (const [name, value] of Object.entries({ ...upload.fields, ...overrides.fields }))
    form.append(name, value);
  if (file) {
    form.append(
      'file',
      new Blob([file], { type: overrides.fileType ?? 'application/pdf' }),
      overrides.fileName ?? 'scan.pdf',
    );
  }
  return fetch(upload.url, { method: 'POST', body: form });
}

/** Reads `<Code>` and `<Message>` from an S3 XML error. */
export async function s3ErrorOf(response: Response): Promise<{ code: string; message: string }> {
  const xml = await response.text();
  return {
    code: /<Code>([^<]*)<\/Code>/.exec(xml)?.[1] ?? '',
    message: /<Message>([^<]*)<\/Message>/.exec(xml)?.[1] ?? '',
  };
}

/** A small fake PDF. */
export function pdfBytes(size = 64): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(size).fill(0x20);
  bytes.set(new TextEncoder().encode('%PDF-1.7\n'));
  return bytes;
}
