/**
 * Source-mapped stack traces for the function bundles, applied when a stack trace is formatted
 * instead of when the bundle loads. esbuild injects this module at the top of every bundle
 * (`untxtBundling`'s `inject`), so it runs before any bundled code.
 *
 * Node's `--enable-source-maps` reads and parses the bundle's map (1–4 MB) while loading the bundle,
 * on every cold start, whether or not an error ever happens. Here the map is read on the first stack
 * trace that has a frame in the bundle, once per process, and frames are mapped the way Node maps
 * them: `at createTask (…/lambdas/core/use-cases/create-task.ts:42:11)`. Errors whose `stack` is
 * never read cost nothing. If the map is missing or unreadable the frames stay minified, as
 * without source maps.
 */

/** The V8 call site API (`Error.prepareStackTrace`'s second argument), as far as it is used here. */
interface CallSite {
  getFileName(): string | undefined | null;
  getLineNumber(): number | null;
  getColumnNumber(): number | null;
  getEnclosingLineNumber?(): number | null;
  getEnclosingColumnNumber?(): number | null;
  getFunctionName(): string | null;
  getMethodName(): string | null;
  getTypeName(): string | null;
  toString(): string;
}

interface MapEntry {
  originalSource?: string;
  originalLine?: number;
  originalColumn?: number;
  name?: string;
}

interface LoadedMap {
  url: string;
  findEntry(line: number, column: number): MapEntry;
}

/** `file:///var/task/index.mjs`: esbuild keeps `import.meta.url` as is in ESM output. */
const bundleUrl = import.meta.url;

let loaded: LoadedMap | null | undefined;

/** The bundle's map, named by its `sourceMappingURL` comment; `null` when there is none to read. */
const sourceMap = (): LoadedMap | null => {
  if (loaded !== undefined) return loaded;
  loaded = null;
  try {
    const { readFileSync } = process.getBuiltinModule('node:fs');
    const { fileURLToPath } = process.getBuiltinModule('node:url');
    const { SourceMap } = process.getBuiltinModule('node:module');
    const bundle = readFileSync(fileURLToPath(bundleUrl), 'utf8');
    const reference = /\/\/# sourceMappingURL=(\S+)\s*$/.exec(bundle.slice(-1024));
    if (!reference) return loaded;
    const url = new URL(reference[1]!, bundleUrl).href;
    const map = new SourceMap(JSON.parse(readFileSync(fileURLToPath(url), 'utf8')));
    loaded = { url, findEntry: (line, column) => map.findEntry(line, column) as MapEntry };
  } catch {
    // No map, no mapping: the trace stays as V8 wrote it.
  }
  return loaded;
};

/** A path for the original source, resolved against the map as Node resolves it. */
const sourcePath = (map: LoadedMap, source: string): string => {
  try {
    const url = new URL(source, map.url);
    return url.protocol === 'file:' ? decodeURIComponent(url.pathname) : url.href;
  } catch {
    return source;
  }
};

/**
 * The original function name, found as Node finds it: the name the map gives the enclosing function,
 * else the name at the caller's call position (the next frame, when it is in the same file).
 */
const originalName = (map: LoadedMap, frames: CallSite[], index: number): string | undefined => {
  const frame = frames[index]!;
  const line = frame.getEnclosingLineNumber?.();
  const column = frame.getEnclosingColumnNumber?.();
  const enclosing = line && column ? map.findEntry(line - 1, column - 1).name : undefined;
  if (enclosing) return enclosing;
  const caller = frames[index + 1];
  const callerLine = caller?.getLineNumber();
  const callerColumn = caller?.getColumnNumber();
  if (!caller || caller.getFileName() !== frame.getFileName() || !callerLine || !callerColumn)
    return undefined;
  return map.findEntry(callerLine - 1, callerColumn - 1).name;
};

/**
 * One `at …` line. A frame in the bundle gets its original file, line, column and function name,
 * formatted as Node's `--enable-source-maps` formats it; any other frame is left as V8 wrote it.
 */
const mapFrame = (frame: CallSite, index: number, frames: CallSite[]): string => {
  const line = frame.getLineNumber();
  const column = frame.getColumnNumber();
  if (frame.getFileName() !== bundleUrl || line === null || column === null) return String(frame);
  const map = sourceMap();
  if (!map) return String(frame);
  const { originalSource, originalLine, originalColumn } = map.findEntry(line - 1, column - 1);
  if (originalSource === undefined || originalLine === undefined || originalColumn === undefined)
    return String(frame);
  const name = originalName(map, frames, index);
  const typeName = frame.getTypeName();
  const minifiedName = `${typeName !== null && typeName !== 'global' ? `${typeName}.` : ''}${
    frame.getFunctionName() ?? frame.getMethodName() ?? '<anonymous>'
  }`;
  return `${name || minifiedName} (${sourcePath(map, originalSource)}:${originalLine + 1}:${originalColumn + 1})`;
};

/** Node's default formatting (`Error: message` and one `    at …` line per frame), frames mapped. */
const prepareStackTrace = (error: unknown, frames: CallSite[]): string => {
  let header: string;
  try {
    header = Error.prototype.toString.call(error);
  } catch {
    header = Object.prototype.toString.call(error);
  }
  if (frames.length === 0) return header;
  // A frame that cannot be mapped stays as V8 wrote it: formatting a trace must never throw.
  const line = (frame: CallSite, index: number) => {
    try {
      return mapFrame(frame, index, frames);
    } catch {
      return String(frame);
    }
  };
  return `${header}\n    at ${frames.map(line).join('\n    at ')}`;
};

(Error as { prepareStackTrace?: unknown }).prepareStackTrace = prepareStackTrace;
