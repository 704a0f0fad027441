/**
 * `pixelgate edit <inputs...> [--mask mask.png] [-n 3] [--out results/]`: runs the built-in fill
 * engine on files, without the server, and writes the results — through the same edit
 * pipeline as the API (the form checked by `pixelgate-fill`'s rules, routed to the built-in
 * engine's channel, settled), so a file the API would refuse is refused here with its message. An input may be a folder: every
 * image in it is edited, with the mask named `<name>.mask.png` beside it when there is one
 * (else the image's own transparent pixels are filled). Results are `<out>/<name>-<i>.<format>`,
 * i from 1 to n, output i using seed `seed + i - 1` exactly as the API does.
 */
import { randomBytes, randomInt } from 'node:crypto';
import { mkdir, mkdtemp, open, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, extname, join } from 'node:path';
import { SingleBar } from 'cli-progress';
import type { Command } from 'commander';
import { loadConfig } from '../config/load-config.ts';
import { createEditPipeline } from '../edits/create-edit-pipeline.ts';
import type { EditPipeline } from '../edits/edit-pipeline.ts';
import { closeEngines, createEngines } from '../engines/create-engines.ts';
import { engineFailureToApiError } from '../http/engine-failure.ts';
import { EngineError } from '../engines/engine.ts';
import type { ImageFormat } from '../images/image-facts.ts';
import { ApiError, apiError } from '../openai/error-catalogue.ts';
import type { FormPart } from '../openai/form-parts.ts';
import { DiskBlobStore } from '../storage/disk-blob-store.ts';
import { CliError } from './cli-error.ts';
import type { CliContext } from './cli-context.ts';

const IMAGE_EXTENSIONS = new Set(['.png', '.jpg', '.jpeg', '.webp']);
const MASK_SUFFIX = '.mask.png';
const OUTPUT_FORMATS: readonly ImageFormat[] = ['png', 'jpeg', 'webp'];
const MAX_INPUT_PIXELS = 50_000_000;

interface EditCommandOptions {
  readonly mask?: string;
  readonly n: string;
  readonly out: string;
  readonly seed?: string;
  readonly format: string;
  readonly threads?: string;
}

/** One image to edit and the mask that goes with it. */
interface EditTarget {
  readonly imagePath: string;
  readonly maskPath: string | null;
}

export function registerEditCommand(program: Command, context: CliContext): void {
  program
    .command('edit')
    .description('fill the transparent (or masked) region of images with the built-in engine and write the results')
    .argument('<inputs...>', 'image files, or folders of images (masks beside them as <name>.mask.png)')
    .option('--mask <path>', 'PNG mask whose fully transparent pixels mark the region to fill (single image only)')
    .option('-n, --n <count>', 'results per image, 1-10', '1')
    .option('--out <folder>', 'where to write the results', '.')
    .option('--seed <integer>', 'seed of the first result (default: random, printed)')
    .option('--format <format>', 'png, jpeg or webp', 'png')
    .option('--threads <count>', 'worker threads (default: one per core)')
    .action(async (inputs: string[], options: EditCommandOptions) => {
      await runEditCommand(inputs, options, context);
    });
}

async function runEditCommand(inputs: readonly string[], options: EditCommandOptions, context: CliContext): Promise<void> {
  const count = parseInteger('-n', options.n, 1, 10);
  const seed = options.seed === undefined ? randomInt(0, 2 ** 31) : parseInteger('--seed', options.seed, 0, 2 ** 32 - 1);
  const threads = options.threads === undefined ? undefined : parseInteger('--threads', options.threads, 1, 64);
  if (!OUTPUT_FORMATS.includes(options.format as ImageFormat)) throw new CliError(`--format must be one of ${OUTPUT_FORMATS.join(', ')}, got ${options.format}`);
  const format = options.format as ImageFormat;
  const targets = await collectTargets(inputs, options.mask ?? null);
  if (targets.length === 0) throw new CliError('no images found in the inputs');
  await mkdir(options.out, { recursive: true });
  context.errorOutput(`Editing ${targets.length} image(s), ${count} result(s) each, seed ${seed}.\n`);

  const scratch = await mkdtemp(join(tmpdir(), 'pixelgate-edit-'));
  const config = loadConfig(
    { DATA_DIR: scratch, LOG_LEVEL: 'silent' },
    {
      models: { defaultModel: 'pixelgate-fill', served: [{ id: 'pixelgate-fill', rules: 'pixelgate-fill', engine: 'local' }] },
      images: { maxInputPixels: MAX_INPUT_PIXELS },
      engines: { local: { threads: threads ?? null } },
    },
  );
  const engines = createEngines(config);
  const silent = { warn: () => {}, error: () => {} };
  const { pipeline } = createEditPipeline({
    config,
    engines,
    blobStore: new DiskBlobStore(join(scratch, 'results')),
    signingSecret: randomBytes(32),
    usageLedger: null,
    editRecords: null,
    clock: Date.now,
    log: silent,
  });
  const progress = new SingleBar(
    { format: 'edit [{bar}] {value}/{total} results | {duration_formatted}', noTTYOutput: true, notTTYSchedule: 1000, stream: progressStream(context) as never },
  );
  progress.start(targets.length * count, 0);
  const written: string[] = [];
  try {
    // One edit per result: results finish and are counted one by one, and both threads stay busy.
    const jobs = targets.flatMap((target) => Array.from({ length: count }, (_, index) => ({ target, index })));
    let next = 0;
    const runner = async () => {
      while (next < jobs.length) {
        const { target, index } = jobs[next];
        next += 1;
        const path = await editOne(pipeline, target, seed + index, format, join(options.out, `${stem(target.imagePath)}-${index + 1}.${format === 'jpeg' ? 'jpg' : format}`));
        written.push(path);
        progress.increment();
      }
    };
    await Promise.all(Array.from({ length: Math.max(2, (threads ?? 2) * 2) }, runner));
  } finally {
    progress.stop();
    await closeEngines(engines);
    await rm(scratch, { recursive: true, force: true });
  }
  context.output(written.sort().map((path) => `${path}\n`).join(''));
}

const runsToTheEnd = new AbortController().signal;

/** One result: the same admit, parse, reserve, route and settle as an API edit with n=1. */
async function editOne(pipeline: EditPipeline, target: EditTarget, seed: number, format: ImageFormat, outputPath: string): Promise<string> {
  const parts: FormPart[] = [
    { kind: 'field', fieldName: 'model', value: 'pixelgate-fill' },
    { kind: 'field', fieldName: 'prompt', value: 'fill the masked region' },
    { kind: 'field', fieldName: 'output_format', value: format },
    { kind: 'field', fieldName: 'output_compression', value: format === 'png' ? '100' : '90' },
    await filePart('image', target.imagePath),
    ...(target.maskPath === null ? [] : [await filePart('mask', target.maskPath)]),
  ];
  const requestId = `cli_${randomBytes(6).toString('hex')}`;
  const caller = {
    requestId,
    toApiError: (error: unknown) => (error instanceof ApiError ? error : error instanceof EngineError ? engineFailureToApiError(error) : apiError('server_error')),
    log: { warn: () => {} },
  };
  const admission = await pipeline.admit(null);
  try {
    const run = await pipeline.begin(admission, caller, pipeline.parse(parts));
    const result = await run.route({ signal: runsToTheEnd, seed });
    await writeFile(outputPath, result.images[0].bytes);
    await run.succeeded();
    return outputPath;
  } catch (error) {
    if (error instanceof ApiError && error.status < 500) throw new CliError(`${target.imagePath}: ${error.body.error.message}`);
    throw error;
  } finally {
    admission.release();
  }
}

/** A file as the multipart reader leaves it: its path, size and first bytes (for sniffing). */
async function filePart(fieldName: 'image' | 'mask', path: string): Promise<FormPart> {
  const handle = await open(path, 'r').catch(() => {
    throw new CliError(`cannot read ${path}`);
  });
  try {
    const { size } = await handle.stat();
    const header = Buffer.alloc(Math.min(size, 4096));
    await handle.read(header, 0, header.length, 0);
    return { kind: 'file', fieldName, filename: basename(path), contentType: 'application/octet-stream', path, byteLength: size, header };
  } finally {
    await handle.close();
  }
}

async function collectTargets(inputs: readonly string[], mask: string | null): Promise<EditTarget[]> {
  const targets: EditTarget[] = [];
  for (const input of inputs) {
    const info = await stat(input).catch(() => {
      throw new CliError(`no such file or folder: ${input}`);
    });
    if (!info.isDirectory()) {
      targets.push({ imagePath: input, maskPath: mask });
      continue;
    }
    const names = (await readdir(input)).sort();
    for (const name of names) {
      if (name.endsWith(MASK_SUFFIX) || !IMAGE_EXTENSIONS.has(extname(name).toLowerCase())) continue;
      const maskName = `${stem(name)}${MASK_SUFFIX}`;
      targets.push({ imagePath: join(input, name), maskPath: names.includes(maskName) ? join(input, maskName) : null });
    }
  }
  if (mask !== null && targets.length !== 1) throw new CliError('--mask applies to a single image; for folders put <name>.mask.png beside each image');
  return targets;
}

function stem(path: string): string {
  return basename(path, extname(path));
}

function parseInteger(name: string, text: string, minimum: number, maximum: number): number {
  const value = Number(text);
  if (!/^\d+$/.test(text) || value < minimum || value > maximum) throw new CliError(`${name} must be an integer from ${minimum} to ${maximum}, got ${text}`);
  return value;
}

/** cli-progress writes to a stream; this one forwards its non-TTY lines to the context's diagnostics. */
function progressStream(context: CliContext) {
  return { isTTY: false, write: (text: string) => (context.errorOutput(text), true) };
}
