/**
 * `teleaFill`: Telea's (2004) fast-marching inpainting — hole pixels are filled in order of
 * their distance to the known pixels, each from a weighted mean of the already-known pixels
 * within `radius`, weighted by direction (along the distance gradient), closeness and level
 * (similar distance). The fast diffusion path for small holes in smooth, structured content
 * (objects in photos), where it keeps edges crossing the hole straighter than a membrane and
 * scores a higher hole PSNR than copied patches.
 */
import { holeDistance } from './hole-distance.ts';

/** Neighbourhood radius in pixels (OpenCV's usual 3). */
const TELEA_RADIUS = 3;

/**
 * Returns RGB floats per pixel: known pixels (`hole` 0) keep `color`, hole pixels (`hole` 1)
 * are filled. `color` holds 3 floats per pixel and is not modified.
 */
export function teleaFill(color: Float32Array, hole: Uint8Array, width: number, height: number): Float32Array {
  const result = color.slice();
  // Signed distance: positive inside the hole, negative outside (the level term compares them).
  const inside = holeDistance(hole, width, height);
  const known = new Uint8Array(hole.length);
  for (let pixel = 0; pixel < hole.length; pixel += 1) known[pixel] = hole[pixel] === 1 ? 0 : 1;
  const outside = holeDistance(known, width, height);
  const distance = new Float32Array(hole.length);
  for (let pixel = 0; pixel < hole.length; pixel += 1) distance[pixel] = hole[pixel] === 1 ? inside[pixel] : -outside[pixel];
  const order: number[] = [];
  for (let pixel = 0; pixel < hole.length; pixel += 1) if (hole[pixel] === 1) order.push(pixel);
  order.sort((first, second) => distance[first] - distance[second] || first - second);
  const at = (x: number, y: number) => distance[Math.min(height - 1, Math.max(0, y)) * width + Math.min(width - 1, Math.max(0, x))];
  for (const pixel of order) {
    const x = pixel % width;
    const y = (pixel - x) / width;
    const gradientX = (at(x + 1, y) - at(x - 1, y)) / 2;
    const gradientY = (at(x, y + 1) - at(x, y - 1)) / 2;
    let red = 0;
    let green = 0;
    let blue = 0;
    let total = 0;
    for (let neighbourY = Math.max(0, y - TELEA_RADIUS); neighbourY <= Math.min(height - 1, y + TELEA_RADIUS); neighbourY += 1) {
      for (let neighbourX = Math.max(0, x - TELEA_RADIUS); neighbourX <= Math.min(width - 1, x + TELEA_RADIUS); neighbourX += 1) {
        const neighbour = neighbourY * width + neighbourX;
        if (known[neighbour] === 0) continue;
        const offsetX = x - neighbourX;
        const offsetY = y - neighbourY;
        const squaredLength = offsetX * offsetX + offsetY * offsetY;
        if (squaredLength > TELEA_RADIUS * TELEA_RADIUS) continue;
        const closeness = 1 / (squaredLength * Math.sqrt(squaredLength));
        const level = 1 / (1 + Math.abs(distance[neighbour] - distance[pixel]));
        let direction = Math.abs(offsetX * gradientX + offsetY * gradientY);
        if (direction <= 0.01) direction = 0.000001;
        const weight = closeness * level * direction;
        red += weight * result[neighbour * 3];
        green += weight * result[neighbour * 3 + 1];
        blue += weight * result[neighbour * 3 + 2];
        total += weight;
      }
    }
    if (total > 0) {
      result[pixel * 3] = red / total;
      result[pixel * 3 + 1] = green / total;
      result[pixel * 3 + 2] = blue / total;
    }
    known[pixel] = 1;
  }
  return result;
}
