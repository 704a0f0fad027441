/**
 * Chamfer distance (3-4 weights, in pixels) from every hole pixel to the nearest known pixel;
 * 0 for known pixels. Tells a thin hole (strokes: diffusion fills it best) from a wide one
 * (patch completion), and where the border of a hole lies. The result is shared: do not modify it.
 */
export function holeDistance(hole: Uint8Array, width: number, height: number): Float32Array {
  // A fill asks for the same hole's distances several times (thin and smooth holes, the finest
  // level's vote confidence, the seam); within a fill, hole arrays are never changed once made.
  const cached = computed.get(hole);
  if (cached !== undefined && cached.width === width && cached.height === height) return cached.distance;
  const distance = chamferDistance(hole, width, height);
  computed.set(hole, { width, height, distance });
  return distance;
}

/** Distances computed during the current fill, per hole array. Callers only read them. */
let computed = new WeakMap<Uint8Array, { width: number; height: number; distance: Float32Array }>();

/** Forgets the distances computed so far (a fill ends: its caller may reuse its mask array). */
export function forgetHoleDistances(): void {
  computed = new WeakMap();
}

function chamferDistance(hole: Uint8Array, width: number, height: number): Float32Array {
  const far = 1e9;
  const distance = new Float32Array(width * height);
  for (let pixel = 0; pixel < hole.length; pixel += 1) distance[pixel] = hole[pixel] === 1 ? far : 0;
  // Two raster sweeps: down-right with the left, upper-left, upper and upper-right neighbours; then back.
  for (let y = 0; y < height; y += 1) {
    for (let x = 0; x < width; x += 1) {
      const pixel = y * width + x;
      let best = distance[pixel];
      if (best === 0) continue;
      if (x > 0) best = Math.min(best, distance[pixel - 1] + 3);
      if (y > 0) {
        const above = pixel - width;
        best = Math.min(best, distance[above] + 3);
        if (x > 0) best = Math.min(best, distance[above - 1] + 4);
        if (x < width - 1) best = Math.min(best, distance[above + 1] + 4);
      }
      distance[pixel] = best;
    }
  }
  for (let y = height - 1; y >= 0; y -= 1) {
    for (let x = width - 1; x >= 0; x -= 1) {
      const pixel = y * width + x;
      let best = distance[pixel];
      if (best === 0) continue;
      if (x < width - 1) best = Math.min(best, distance[pixel + 1] + 3);
      if (y < height - 1) {
        const below = pixel + width;
        best = Math.min(best, distance[below] + 3);
        if (x < width - 1) best = Math.min(best, distance[below + 1] + 4);
        if (x > 0) best = Math.min(best, distance[below - 1] + 4);
      }
      distance[pixel] = best;
    }
  }
  for (let pixel = 0; pixel < distance.length; pixel += 1) distance[pixel] /= 3;
  return distance;
}
