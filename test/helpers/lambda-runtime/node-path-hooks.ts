/**
 * Module resolution hook of the Lambda stand-in: a bare specifier that Node's ES module resolution
 * cannot find is looked up in the `NODE_PATH` folders, as Lambda's Node.js runtimes do since
 * nodejs18.x ("the runtime searches the folders listed in NODE_PATH when loading ES modules"), which
 * is how an ESM function imports a package from a layer (`/opt/nodejs/node_modules`). Plain Node
 * ignores `NODE_PATH` for ES modules.
 *
 * Runs in Node's loader thread (registered by `bootstrap.ts`); imports nothing but Node built-ins,
 * because it is transpiled on its own, not bundled.
 */
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';

interface ResolveContext {
  conditions: string[];
  importAttributes: Record<string, string>;
  parentURL?: string;
}
type NextResolve = (specifier: string, context?: ResolveContext) => Promise<{ url: string }>;

const isBare = (specifier: string) => !/^(\.{0,2}\/|[a-z][a-z0-9+.-]*:)/i.test(specifier);

export async function resolve(specifier: string, context: ResolveContext, nextResolve: NextResolve) {
  try {
    return await nextResolve(specifier, context);
  } catch (error) {
    if ((error as { code?: string }).code !== 'ERR_MODULE_NOT_FOUND' || !isBare(specifier)) throw error;
    // A `node_modules` folder is searched by resolving from a file beside it.
    const folders = (process.env.NODE_PATH ?? '').split(':').filter((dir) => dir.endsWith('node_modules'));
    for (const folder of folders) {
      try {
        return await nextResolve(specifier, {
          ...context,
          parentURL: pathToFileURL(join(dirname(folder), 'node-path.mjs')).href,
        });
      } catch {
        // not in this folder
      }
    }
    throw error;
  }
}
