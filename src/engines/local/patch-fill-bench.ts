import { patchFill } from './patch-fill.ts';
import sharp from 'sharp';
async function run(size: number, save: boolean) {
  // textured image: stripes + noise-ish
  const { data } = await sharp({ create: { width: size, height: size, channels: 4, background: '#000' } }).raw().toBuffer({ resolveWithObject: true });
  for (let y = 0; y < size; y++) for (let x = 0; x < size; x++) {
    const p = (y * size + x) * 4;
    const stripe = Math.floor((x + y) / 12) % 2;
    data[p] = stripe ? 200 : 40; data[p + 1] = 100 + ((x * 7) % 50); data[p + 2] = stripe ? 60 : 180 + (y % 30); data[p + 3] = 255;
  }
  const mask = new Uint8Array(size * size);
  const side = Math.round(size * Math.sqrt(0.2));
  const start = Math.round((size - side) / 2);
  for (let y = start; y < start + side; y++) for (let x = start; x < start + side; x++) mask[y * size + x] = 1;
  const t0 = performance.now();
  const out = patchFill({ rgba: data, mask, width: size, height: size, seed: 1 });
  const t = performance.now() - t0;
  console.log(size, 'hole', side, 'ms', t.toFixed(0));
  if (save) await sharp(Buffer.from(out), { raw: { width: size, height: size, channels: 4 } }).png().toFile(`/tmp/fill-${size}.png`);
}
await run(512, true);
await run(1024, true);
