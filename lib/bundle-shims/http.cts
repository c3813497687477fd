/**
 * `node:http` for the function bundles (esbuild's `alias` points `http` and `node:http` here): the
 * built-in module itself, handed over as CommonJS. Importing `node:http` as an ES module makes Node
 * build its ES-module facade, which reads every export, including the lazy `WebSocket` getters that
 * load Node's bundled undici: 6–25 ms of every cold start for a client the functions never use.
 */
export = process.getBuiltinModule('node:http');
