/**
 * What Pixelgate checks of an SVG an upstream made (it never renders or rewrites one): that it
 * is an SVG document, and its size from `width`/`height` or the `viewBox` of the root element.
 */
const head = (bytes: Buffer) => bytes.subarray(0, 4096).toString('utf8').replace(/^\uFEFF/, '');

export function looksLikeSvg(bytes: Buffer): boolean {
  const text = head(bytes).trimStart();
  return (text.startsWith('<?xml') || text.startsWith('<svg') || text.startsWith('<!--') || text.startsWith('<!DOCTYPE svg')) && /<svg[\s>]/i.test(text);
}

export function svgSize(bytes: Buffer): { width: number; height: number } {
  const root = /<svg\b[^>]*>/i.exec(head(bytes))?.[0] ?? '';
  const attribute = (name: string) => Number(new RegExp(`\\s${name}\\s*=\\s*["']\\s*([0-9.]+)(?:px)?\\s*["']`, 'i').exec(root)?.[1] ?? NaN);
  const width = attribute('width');
  const height = attribute('height');
  if (Number.isFinite(width) && Number.isFinite(height)) return { width: Math.round(width), height: Math.round(height) };
  const viewBox = /\sviewBox\s*=\s*["']\s*[-0-9.]+[\s,]+[-0-9.]+[\s,]+([0-9.]+)[\s,]+([0-9.]+)\s*["']/i.exec(root);
  if (viewBox) return { width: Math.round(Number(viewBox[1])), height: Math.round(Number(viewBox[2])) };
  return { width: 1024, height: 1024 };
}
