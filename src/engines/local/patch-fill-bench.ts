/**
 * Benchmark of `patchFill` alone (no decode/encode, no pool): a 20% square hole in the middle
 * of a synthetic landscape (turbulence-textured sky, hills and grass) at 512² and 1024².
 * Run: node --import tsx src/engines/local/patch-fill-bench.ts [--save DIR]
 */
import sharp from 'sharp';
import { patchFill } from './patch-fill.ts';

function landscapeSvg(size: number): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${size}" height="${size}" viewBox="0 0 512 512">
  <defs>
    <linearGradient id="sky" x1="0" y1="0" x2="0" y2="1"><stop offset="0" stop-color="#3b6fb6"/><stop offset="1" stop-color="#b9d6f2"/></linearGradient>
    <filter id="grain"><feTurbulence type="fractalNoise" baseFrequency="0.08" numOctaves="3" seed="4"/>
      <feColorMatrix values="0 0 0 0 0.15  0 0 0 0 0.45  0 0 0 0 0.1  0 0 0 1.4 -0.2"/><feComposite in2="SourceGraphic" operator="in"/></filter>
    <filter id="clouds"><feTurbulence type="fractalNoise" baseFrequency="0.012 0.04" numOctaves="4" seed="9"/>
      <feColorMatrix values="0 0 0 0 1  0 0 0 0 1  0 0 0 0 1  0 0 0 1.6 -0.7"/></filter>
  </defs>
  <rect width="512" height="512" fill="url(#sky)"/>
  <rect width="512" height="300" filter="url(#clouds)"/>
  <circle cx="400" cy="90" r="36" fill="#ffe9a8"/>
  <path d="M0 300 Q 120 220 250 290 T 512 270 V 512 H 0 Z" fill="#4d7a3a"/>
  <path d="M0 360 Q 160 320 300 370 T 512 350 V 512 H 0 Z" fill="#6f9e3f"/>
  <rect y="300" width="512" height="212" fill="#2f5f1f" filter="url(#grain)"/>
</svg>`;
}

async function measure(size: number, saveDirectory: string | null): Promise<void> {
  const { data } = await sharp(Buffer.from(landscapeSvg(size))).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  const mask = new Uint8Array(size * size);
  const side = Math.round(size * Math.sqrt(0.2));
  const start = Math.round((size - side) / 2);
  for (let y = start; y < start + side; y += 1) for (let x = start; x < start + side; x += 1) mask[y * size + x] = 1;
  const startedAt = performance.now();
  const filled = patchFill({ rgba: data, mask, width: size, height: size, seed: 1 });
  const elapsedMs = performance.now() - startedAt;
  console.log(`patchFill ${size}x${size}, ${side}x${side} hole (20%): ${elapsedMs.toFixed(0)} ms`);
  if (saveDirectory !== null) {
    const raw = { raw: { width: size, height: size, channels: 4 as const } };
    await sharp(data, raw).png().toFile(`${saveDirectory}/landscape-${size}.png`);
    await sharp(Buffer.from(filled), raw).png().toFile(`${saveDirectory}/landscape-${size}-filled.png`);
  }
}

const saveIndex = process.argv.indexOf('--save');
const saveDirectory = saveIndex >= 0 ? (process.argv[saveIndex + 1] ?? '.') : null;
for (const size of [512, 1024]) await measure(size, saveDirectory);
