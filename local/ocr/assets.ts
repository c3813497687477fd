/**
 * Where the OCR engine finds its data files inside node_modules. Nothing is ever downloaded: the
 * local host must work offline, so every path here points into an installed package.
 */
import { existsSync, mkdtempSync, rmSync, symlinkSync, copyFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';

const require = createRequire(import.meta.url);

/** Directory of an installed package, found through its package.json. */
function packageDir(name: string): string {
  return path.dirname(require.resolve(`${name}/package.json`));
}

/** Directories pdf.js reads fonts, CMaps, decoders (JBIG2/JPEG 2000) and ICC profiles from. */
export interface PdfjsAssets {
  standardFontDataUrl: string;
  cMapUrl: string;
  wasmUrl: string;
  iccUrl: string;
}

/**
 * Local pdf.js asset directories. In Node pdf.js reads these with `fs.readFile(dir + name)`, so
 * they are plain paths with a trailing separator, not URLs.
 *
 * @returns The four asset directories of the installed pdfjs-dist.
 */
export function pdfjsAssets(): PdfjsAssets {
  const root = packageDir('pdfjs-dist');
  const dir = (name: string): string => path.join(root, name) + path.sep;
  return {
    standardFontDataUrl: dir('standard_fonts'),
    cMapUrl: dir('cmaps'),
    wasmUrl: dir('wasm'),
    iccUrl: dir('iccs'),
  };
}

/**
 * Model flavours shipped by the `@tesseract.js-data/*` packages: `4.0.0` holds the legacy and LSTM
 * models (needed for orientation detection), `4.0.0_best_int` the LSTM-only "best" models.
 */
export type TraineddataVariant = '4.0.0' | '4.0.0_best_int';

/**
 * Gzipped traineddata of one language from its `@tesseract.js-data/<lang>` package.
 *
 * @param lang - Tesseract language code, e.g. `eng`.
 * @param variant - Model flavour directory.
 * @returns Absolute path of `<lang>.traineddata.gz`.
 * @throws Error when the language package is not installed.
 */
export function traineddataPath(lang: string, variant: TraineddataVariant): string {
  if (!/^[a-z][a-z_]{1,15}$/u.test(lang)) throw new Error(`Invalid OCR language code "${lang}"`);
  let dir: string;
  try {
    dir = packageDir(`@tesseract.js-data/${lang}`);
  } catch {
    throw new Error(
      `OCR language "${lang}" is not installed (package @tesseract.js-data/${lang} is missing)`,
    );
  }
  const file = path.join(dir, variant, `${lang}.traineddata.gz`);
  if (!existsSync(file)) throw new Error(`OCR language data not found: ${file}`);
  return file;
}

/** Language directories not removed yet, deleted at process exit as a fallback. */
const liveDirs = new Set<string>();
let exitHookInstalled = false;

/** A directory holding the traineddata of several languages side by side. */
export interface LanguageDir {
  path: string;
  remove(): void;
}

/**
 * tesseract.js reads every language from one `langPath`, but each language lives in its own
 * package; this links them into one temporary directory (copying where symlinks are not allowed).
 *
 * @param langs - Language codes, e.g. `['eng', 'deu']`.
 * @param variant - Model flavour directory.
 * @returns The directory and a function removing it.
 */
export function createLanguageDir(langs: readonly string[], variant: TraineddataVariant): LanguageDir {
  const sources = langs.map((lang) => [lang, traineddataPath(lang, variant)] as const);
  const dir = mkdtempSync(path.join(tmpdir(), 'untxt-tessdata-'));
  for (const [lang, source] of sources) {
    const target = path.join(dir, `${lang}.traineddata.gz`);
    try {
      symlinkSync(source, target);
    } catch {
      copyFileSync(source, target);
    }
  }
  liveDirs.add(dir);
  if (liveDirs.size === 1 && !exitHookInstalled) {
    exitHookInstalled = true;
    // An engine that is never closed must not leave its directory behind in the temp folder.
    process.once('exit', () => {
      for (const live of liveDirs) rmSync(live, { recursive: true, force: true });
    });
  }
  const remove = (): void => {
    liveDirs.delete(dir);
    rmSync(dir, { recursive: true, force: true });
  };
  return { path: dir, remove };
}

/**
 * Directory of the orientation-and-script-detection model (`osd.traineddata.gz`); only the
 * legacy-capable `4.0.0` flavour works for `detect()`.
 *
 * @returns Absolute directory path usable as tesseract.js `langPath`.
 */
export function osdLangPath(): string {
  return path.dirname(traineddataPath('osd', '4.0.0'));
}
