/**
 * `localDetailShare`: around every pixel, the share of the known pixels' luminance variance that
 * is fine detail (luminance minus the 9×9 mean of known pixels), over a 33×33 window — how much
 * the surroundings are texture (brick, grass: 0.35–0.6) rather than smooth structure (objects in
 * photos: 0.05–0.1 in smooth parts). Tells where a thin hole should keep its patch fill (textures: diffusion
 * would leave a soft trail) and where diffusion scores better. NaN where no known pixel is near.
 */
import { boxMean } from '../../images/metrics/luminance.ts';

const DETAIL_RADIUS = 4;
const WINDOW_RADIUS = 16;

export function localDetailShare(rgba: Uint8Array, mask: Uint8Array, width: number, height: number): Float32Array {
  const count = width * height;
  const known = new Float32Array(count);
  const luminance = new Float32Array(count);
  for (let pixel = 0; pixel < count; pixel += 1) {
    if (mask[pixel] === 1) continue;
    known[pixel] = 1;
    luminance[pixel] = 0.299 * rgba[pixel * 4] + 0.587 * rgba[pixel * 4 + 1] + 0.114 * rgba[pixel * 4 + 2];
  }
  const nearKnown = boxMean(known, width, height, DETAIL_RADIUS);
  const nearSum = boxMean(luminance, width, height, DETAIL_RADIUS);
  const squares = new Float32Array(count);
  const detail = new Float32Array(count);
  for (let pixel = 0; pixel < count; pixel += 1) {
    if (known[pixel] === 0) continue;
    squares[pixel] = luminance[pixel] * luminance[pixel];
    detail[pixel] = (luminance[pixel] - nearSum[pixel] / nearKnown[pixel]) ** 2;
  }
  const windowKnown = boxMean(known, width, height, WINDOW_RADIUS);
  const windowSum = boxMean(luminance, width, height, WINDOW_RADIUS);
  const windowSquares = boxMean(squares, width, height, WINDOW_RADIUS);
  const windowDetail = boxMean(detail, width, height, WINDOW_RADIUS);
  const share = new Float32Array(count);
  for (let pixel = 0; pixel < count; pixel += 1) {
    const knownShare = windowKnown[pixel];
    if (knownShare <= 0) {
      share[pixel] = Number.NaN;
      continue;
    }
    const mean = windowSum[pixel] / knownShare;
    const variance = windowSquares[pixel] / knownShare - mean * mean;
    share[pixel] = variance <= 1e-6 ? 0 : windowDetail[pixel] / knownShare / variance;
  }
  return share;
}
