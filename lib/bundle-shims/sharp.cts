/**
 * `sharp` for the Download bundle (esbuild's `alias` points `sharp` here; the package itself stays
 * out of the bundle and comes from `SharpLayer`): the layer's CommonJS build, loaded with `require`
 * from the task root, so Lambda's `NODE_PATH` (`/opt/nodejs/node_modules`) finds it as it finds
 * every CommonJS package. Importing sharp as an ES module instead loads its ESM build, which makes
 * Node lex every CommonJS file it imports (cjs-module-lexer) and resolve each of its modules through
 * the runtime's ESM hooks: about twice the time of the same `require` (medians of 110 ms against
 * 51 ms on this project's machine). Same package and version, same default export (the `sharp` function).
 *
 * The `require` is built here rather than written as `require('sharp')`, which esbuild would send
 * back through the alias to this file.
 */
import type sharp from 'sharp';

const fromTaskRoot = process.getBuiltinModule('node:module').createRequire(`${process.cwd()}/`);
export = fromTaskRoot('sharp') as typeof sharp;
