import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

const SPECIFIERS =
  /(?:^|[;\n])\s*(import|export)\s+(type\s+)?(?:[^'";]*?\sfrom\s*)?['"]([^'"]+)['"]|import\s*\(\s*['"]([^'"]+)['"]\s*\)/g;

/** The `.ts` file a relative `.js` specifier (NodeNext style) points at, if any. */
function resolveRelative(from: string, specifier: string): string | undefined {
  const base = resolve(dirname(from), specifier);
  return [base.replace(/\.js$/, '.ts'), base, `${base}.ts`, resolve(base, 'index.ts')].find((p) =>
    existsSync(p),
  );
}

/**
 * Whether `entry`'s runtime module graph (relative imports followed, `import type` ignored, dynamic
 * imports counted) imports the package `name`. Used to decide which functions ship a native
 * dependency: a cheap scan over the sources, no bundling.
 */
export function moduleGraphImports(entry: string, name: string): boolean {
  const seen = new Set<string>();
  const queue = [entry];
  while (queue.length > 0) {
    const file = queue.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    const source = readFileSync(file, 'utf8');
    for (const match of source.matchAll(SPECIFIERS)) {
      if (match[2]) continue; // type-only
      const specifier = match[3] ?? match[4]!;
      if (specifier === name || specifier.startsWith(`${name}/`)) return true;
      if (specifier.startsWith('.')) {
        const next = resolveRelative(file, specifier);
        if (next) queue.push(next);
      }
    }
  }
  return false;
}
