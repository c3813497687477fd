import { request } from 'node:http';

/** What a client that kept sending got back: the answer, or the socket error that cut it off. */
export interface SlowUploadOutcome {
  status?: number;
  body?: string;
  error?: string;
}

/**
 * POSTs a body of `total` bytes in 64 KB pieces a few milliseconds apart, as a client on a real
 * network does, declaring the whole length up front. For servers that must answer (413) while the
 * client is still sending, instead of resetting the connection under it.
 */
export const uploadSlowly = (
  url: string,
  headers: Record<string, string>,
  total: number,
): Promise<SlowUploadOutcome> =>
  new Promise((resolve) => {
    const req = request(url, { method: 'POST', headers: { ...headers, 'Content-Length': total } }, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', (error: NodeJS.ErrnoException) => resolve({ error: error.code ?? error.message }));
    let sent = 0;
    const piece = Buffer.alloc(64 * 1024, 0x20);
    const writeMore = (): void => {
      if (sent >= total) return void req.end();
      sent += piece.length;
      req.write(piece);
      setTimeout(writeMore, 2);
    };
    writeMore();
  });
