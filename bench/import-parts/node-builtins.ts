/** Import-cost part: the Node built-ins the pipeline functions load at import (TLS and HTTPS for the SDK and pg, crypto, streams, zlib, …), loaded as the bundles load them. */
const names = [
  'https',
  'tls',
  'net',
  'dns',
  'crypto',
  'stream',
  'stream/promises',
  'stream/web',
  'zlib',
  'fs',
  'fs/promises',
  'os',
  'path',
  'util',
  'console',
  'events',
  'string_decoder',
] as const;
const loaded = names.map((name) => process.getBuiltinModule(`node:${name}`));

export const handler = async () => loaded.length;
