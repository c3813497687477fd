import './polyfills.js';
import { loadLocalConfig } from './config.js';
import { startLocalHost } from './host.js';

/** `npm start`: the whole platform in one process. */
const main = async () => {
  let config;
  try {
    config = loadLocalConfig();
  } catch (error) {
    console.error((error as Error).message);
    process.exit(2);
  }
  const host = await startLocalHost(config);
  console.log(
    [
      '',
      `  untxt is running at ${host.url}`,
      `  REST API   ${host.url}/api   (OpenAPI: ${host.url}/api/openapi.json)`,
      `  WebSocket  ${host.url.replace(/^http/, 'ws')}/ws?token=<JWT>`,
      `  Database   ${host.database.kind === 'pglite' ? `embedded PostgreSQL in ${config.UNTXT_DATA_DIR}` : 'DATABASE_URL'}`,
      `  Admin      ${host.admin.email} / ${host.admin.password}`,
      '',
      '  Press Ctrl+C to stop.',
      '',
    ].join('\n'),
  );
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) process.exit(1);
    stopping = true;
    console.log(`\n  ${signal}: stopping…`);
    host.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
};

main().catch((error: unknown) => {
  console.error(`untxt could not start: ${(error as Error).message}`);
  process.exit(1);
});
