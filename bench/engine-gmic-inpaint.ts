/**
 * G'MIC's `inpaint_matchpatch` (native C++ with OpenMP, patch-based) as a benchmark baseline,
 * run as the `gmic` command when it is installed (`apt-get install -y gmic`). Its time is the
 * command's wall time minus that of the same command without the inpaint (PNG read and write).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';

export function gmicAvailable(): boolean {
  return spawnSync('gmic', ['-v', '-1', '-version'], { stdio: 'ignore' }).status === 0;
}

export interface GmicRun {
  readonly rgba: Uint8Array;
  readonly milliseconds: number;
  readonly peakRssMegabytes: number;
}

export async function gmicInpaint(rgba: Uint8Array, hole: Uint8Array, width: number, height: number, repetitions: number): Promise<GmicRun> {
  const directory = mkdtempSync(join(tmpdir(), 'pixelgate-gmic-'));
  try {
    const inputPath = join(directory, 'input.png');
    const maskPath = join(directory, 'mask.png');
    const outputPath = join(directory, 'output.png');
    const ioOnlyPath = join(directory, 'io-only.png');
    const rgb = Buffer.alloc(width * height * 3);
    for (let pixel = 0; pixel < width * height; pixel += 1) rgb.set(rgba.subarray(pixel * 4, pixel * 4 + 3), pixel * 3);
    await sharp(rgb, { raw: { width, height, channels: 3 } }).png().toFile(inputPath);
    await sharp(Buffer.from(hole.map((value) => value * 255)), { raw: { width, height, channels: 1 } }).png().toFile(maskPath);
    const run = (inpaint: boolean) => {
      const commands = ['-v', '-1', inputPath, maskPath, ...(inpaint ? ['inpaint_matchpatch[0]', '[1]'] : []), 'rm[1]', 'o[0]', inpaint ? outputPath : ioOnlyPath];
      const startedAt = performance.now();
      const result = spawnSync('/usr/bin/time', ['-f', 'peak_kb=%M', 'gmic', ...commands], { encoding: 'utf8' });
      const milliseconds = performance.now() - startedAt;
      if (result.status !== 0) throw new Error(`gmic failed: ${result.stderr}`);
      const peakKilobytes = Number(/peak_kb=(\d+)/.exec(result.stderr)?.[1] ?? 0);
      return { milliseconds, peakKilobytes };
    };
    const inpaintTimes: number[] = [];
    const ioTimes: number[] = [];
    let peakKilobytes = 0;
    for (let repetition = 0; repetition < repetitions; repetition += 1) {
      const measured = run(true);
      inpaintTimes.push(measured.milliseconds);
      peakKilobytes = Math.max(peakKilobytes, measured.peakKilobytes);
      ioTimes.push(run(false).milliseconds);
    }
    const decoded = await sharp(readFileSync(outputPath)).ensureAlpha().raw().toBuffer();
    return {
      rgba: new Uint8Array(decoded),
      milliseconds: Math.max(0, median(inpaintTimes) - median(ioTimes)),
      peakRssMegabytes: peakKilobytes / 1024,
    };
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}
