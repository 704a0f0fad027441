/**
 * OpenCV.js `cv.inpaint` (Telea 2004 fast marching, and Navier–Stokes) in this process: the
 * diffusion baselines the engine benchmark and the quality tests measure the fill against.
 */
import cvModule from '@techstark/opencv-js';

export type OpenCvInpaintMethod = 'telea' | 'ns';

type OpenCv = typeof cvModule;
let ready: Promise<{ readonly cv: OpenCv }> | null = null;

/**
 * The module is an Emscripten thenable that resolves to itself: awaiting it, or resolving a
 * promise with it, never settles. So wait for the runtime and hand it over wrapped.
 */
function loadOpenCv(): Promise<{ readonly cv: OpenCv }> {
  ready ??= new Promise((resolve) => {
    if ((cvModule as { Mat?: unknown }).Mat !== undefined) resolve({ cv: cvModule });
    else (cvModule as { onRuntimeInitialized?: () => void }).onRuntimeInitialized = () => resolve({ cv: cvModule });
  });
  return ready;
}

/** Fills the hole (1 = fill) of RGBA pixels with `cv.inpaint`, radius 3; returns new opaque RGBA pixels. */
export async function openCvInpaint(
  rgba: Uint8Array,
  hole: Uint8Array,
  width: number,
  height: number,
  method: OpenCvInpaintMethod,
): Promise<Uint8Array> {
  const { cv } = await loadOpenCv();
  const rgb = new Uint8Array(width * height * 3);
  const mask = new Uint8Array(width * height);
  for (let pixel = 0; pixel < width * height; pixel += 1) {
    rgb.set(rgba.subarray(pixel * 4, pixel * 4 + 3), pixel * 3);
    mask[pixel] = hole[pixel] === 1 ? 255 : 0;
  }
  const source = new cv.Mat(height, width, cv.CV_8UC3);
  const maskMat = new cv.Mat(height, width, cv.CV_8UC1);
  const destination = new cv.Mat();
  try {
    source.data.set(rgb);
    maskMat.data.set(mask);
    cv.inpaint(source, maskMat, destination, 3, method === 'telea' ? cv.INPAINT_TELEA : cv.INPAINT_NS);
    const output = new Uint8Array(width * height * 4);
    const filled = destination.data as Uint8Array;
    for (let pixel = 0; pixel < width * height; pixel += 1) {
      output.set(filled.subarray(pixel * 3, pixel * 3 + 3), pixel * 4);
      output[pixel * 4 + 3] = 255;
    }
    return output;
  } finally {
    source.delete();
    maskMat.delete();
    destination.delete();
  }
}
