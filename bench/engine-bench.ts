/**
 * `npm run bench:engine`: the built-in fill (`patchFill`, the function each worker thread runs)
 * against OpenCV.js Telea and Navier–Stokes in this process, and G'MIC's `inpaint_matchpatch`
 * when the `gmic` command is installed (`apt-get install -y gmic`), over the vendored photos and
 * textures (bench/engine-fixtures, see NOTICE.md) and the masks of engine-masks.ts. Prints one
 * row per (method, image, mask) — hole PSNR, hole SSIM, texture distance, high-frequency ratio,
 * median time, peak RSS — then a summary against issue 3's goals and the engine's time on one
 * thread beside its two, and writes a contact sheet.
 *
 * Options: --repetitions N (timed runs per case, default 3), --images a,b  --masks a,b (subsets),
 * --no-gmic, --out DIR (default bench/output).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { kernelHelperThread } from '../src/engines/local/kernel-helper-thread.ts';
import { patchFill } from '../src/engines/local/patch-fill.ts';
import { highFrequencyRatio } from '../src/images/metrics/high-frequency-ratio.ts';
import { holePsnr } from '../src/images/metrics/hole-psnr.ts';
import { holeSsim } from '../src/images/metrics/hole-ssim.ts';
import { textureDistance } from '../src/images/metrics/texture-distance.ts';
import { showHole, writeContactSheet, type ContactSheetRow } from './engine-contact-sheet.ts';
import { gmicAvailable, gmicInpaint, median } from './engine-gmic-inpaint.ts';
import { createBenchMask, maskNames, type MaskName } from './engine-masks.ts';
import { openCvInpaint } from './engine-opencv-inpaint.ts';
import { summariseGoals, type BenchRow } from './engine-goals.ts';

const { values: options } = parseArgs({
  options: {
    repetitions: { type: 'string', default: '3' },
    images: { type: 'string' },
    masks: { type: 'string' },
    'no-gmic': { type: 'boolean', default: false },
    out: { type: 'string', default: 'bench/output' },
  },
});
const repetitions = Number(options.repetitions);

interface BenchImage { readonly name: string; readonly rgba: Uint8Array; readonly width: number; readonly height: number; readonly masks: readonly MaskName[] }

const fixtures = new URL('./engine-fixtures/', import.meta.url);

async function loadImage(name: string, file: string, masks: readonly MaskName[], side?: number): Promise<BenchImage> {
  let pipeline = sharp(new URL(file, fixtures).pathname).toColourspace('srgb').removeAlpha().ensureAlpha();
  if (side !== undefined) pipeline = pipeline.resize(side, side, { kernel: 'lanczos3' });
  const { data, info } = await pipeline.raw().toBuffer({ resolveWithObject: true });
  return { name, rgba: new Uint8Array(data), width: info.width, height: info.height, masks };
}

const wantedImages = options.images?.split(',') ?? null;
const wantedMasks = (options.masks?.split(',') ?? maskNames) as MaskName[];
const allImages = [
  ...['astronaut', 'coffee', 'chelsea', 'brick', 'grass'].map((name) => ({ name, file: `${name}.png`, masks: wantedMasks, side: undefined })),
  { name: 'astronaut-1024', file: 'astronaut.png', masks: (['box20'] as MaskName[]).filter((mask) => wantedMasks.includes(mask)), side: 1024 },
].filter((image) => wantedImages === null || wantedImages.includes(image.name));
const images = await Promise.all(allImages.map((image) => loadImage(image.name, image.file, image.masks, image.side)));

const useGmic = !options['no-gmic'] && gmicAvailable();
if (!useGmic) console.log(options['no-gmic'] ? '# G\'MIC skipped (--no-gmic)' : '# G\'MIC not installed: apt-get install -y gmic  (rows without it)');
const methods = ['engine', 'telea', 'ns', ...(useGmic ? ['gmic'] : [])];

type Fill = (rgba: Uint8Array, hole: Uint8Array, width: number, height: number) => Promise<Uint8Array>;
const inProcess: Record<string, Fill> = {
  engine: async (rgba, hole, width, height) => patchFill({ rgba, mask: hole, width, height, seed: 1 }),
  telea: (rgba, hole, width, height) => openCvInpaint(rgba, hole, width, height, 'telea'),
  ns: (rgba, hole, width, height) => openCvInpaint(rgba, hole, width, height, 'ns'),
};

async function runMethod(method: string, input: Uint8Array, hole: Uint8Array, width: number, height: number) {
  if (method === 'gmic') return gmicInpaint(input, hole, width, height, repetitions);
  const times: number[] = [];
  let output: Uint8Array = new Uint8Array(0);
  for (let repetition = 0; repetition < repetitions; repetition += 1) {
    const startedAt = performance.now();
    output = await inProcess[method](input, hole, width, height);
    times.push(performance.now() - startedAt);
  }
  return { rgba: output, milliseconds: median(times), peakRssMegabytes: process.resourceUsage().maxRSS / 1024 };
}

// The engine runs as in a worker with a free core: on two threads, its helper loaded first.
const helper = kernelHelperThread();
for (let waited = 0; !helper.ready && waited < 20_000; waited += 20) await new Promise((resolve) => setTimeout(resolve, 20));

const rows: BenchRow[] = [];
const sheetRows: ContactSheetRow[] = [];
const format = (value: number, digits: number) => (Number.isFinite(value) ? value.toFixed(digits) : String(value));
console.log('| method | image | mask | hole % | PSNR dB | SSIM | texture dist | HF ratio | median ms | peak RSS MB |');
console.log('|---|---|---|---|---|---|---|---|---|---|');
for (const image of images) {
  for (const maskName of image.masks) {
    const hole = createBenchMask(maskName, image.width, image.height);
    // The hole's pixels are wiped so that no method can read the ground truth through them.
    const input = new Uint8Array(image.rgba);
    for (let pixel = 0; pixel < hole.length; pixel += 1) if (hole[pixel] === 1) input.fill(0, pixel * 4, pixel * 4 + 4);
    const holePercent = (100 * hole.reduce((sum, value) => sum + value, 0)) / hole.length;
    const tiles = [image.rgba, showHole(image.rgba, hole)];
    for (const method of methods) {
      const run = await runMethod(method, input, hole, image.width, image.height);
      const measured = { truth: image.rgba, filled: run.rgba, hole, width: image.width, height: image.height };
      const row: BenchRow = {
        method, image: image.name, mask: maskName, width: image.width, height: image.height,
        psnr: holePsnr(measured), ssim: holeSsim(measured), textureDistance: textureDistance(measured),
        highFrequencyRatio: highFrequencyRatio(measured), milliseconds: run.milliseconds, peakRssMegabytes: run.peakRssMegabytes,
      };
      rows.push(row);
      tiles.push(run.rgba);
      console.log(`| ${method} | ${image.name} | ${maskName} | ${holePercent.toFixed(1)} | ${format(row.psnr, 2)} | ${format(row.ssim, 3)} | ${format(row.textureDistance, 1)} | ${format(row.highFrequencyRatio, 2)} | ${row.milliseconds.toFixed(0)} | ${row.peakRssMegabytes.toFixed(0)} |`);
    }
    sheetRows.push({ label: `${image.name} · ${maskName}`, width: image.width, height: image.height, tiles });
  }
}

console.log('\n' + summariseGoals(rows).join('\n'));
console.log('- the engine on one thread (threadsPerFill: 1; the same bytes), 20 % box:');
for (const image of images.filter((candidate) => candidate.masks.includes('box20') && candidate.name.startsWith('astronaut'))) {
  const hole = createBenchMask('box20', image.width, image.height);
  const times: number[] = [];
  for (let repetition = 0; repetition < repetitions; repetition += 1) {
    const startedAt = performance.now();
    patchFill({ rgba: image.rgba, mask: hole, width: image.width, height: image.height, seed: 1, threads: 1 });
    times.push(performance.now() - startedAt);
  }
  const twoThreads = rows.find((row) => row.method === 'engine' && row.image === image.name && row.mask === 'box20');
  console.log(`    ${image.name} ${image.width}x${image.height}: 1 thread ${median(times).toFixed(0)} ms, 2 threads ${twoThreads?.milliseconds.toFixed(0)} ms`);
}
mkdirSync(options.out, { recursive: true });
const sheetPath = join(options.out, 'engine-contact-sheet.png');
await writeContactSheet(sheetPath, ['ground truth', 'input', ...methods], sheetRows.filter((row) => !row.label.startsWith('astronaut-1024')));
console.log(`\ncontact sheet: ${sheetPath}`);
process.exit(0);
