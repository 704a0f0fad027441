/**
 * The benchmark's contact sheet: one row per (image, mask) case, columns ground truth, input
 * (hole in magenta) and each method's fill, each tile scaled to a fixed width, with a header.
 */
import sharp, { type OverlayOptions } from 'sharp';

export interface ContactSheetRow {
  readonly label: string;
  readonly width: number;
  readonly height: number;
  /** RGBA tiles in column order. */
  readonly tiles: readonly Uint8Array[];
}

const TILE_WIDTH = 256;
const HEADER_HEIGHT = 28;
const GAP = 4;

export async function writeContactSheet(path: string, columns: readonly string[], rows: readonly ContactSheetRow[]): Promise<void> {
  const rowHeights = rows.map((row) => Math.round((row.height * TILE_WIDTH) / row.width));
  const sheetWidth = columns.length * (TILE_WIDTH + GAP) + GAP;
  const sheetHeight = HEADER_HEIGHT + rowHeights.reduce((sum, height) => sum + height + GAP + 16, 0) + GAP;
  const layers: OverlayOptions[] = [];
  const header = columns
    .map((name, column) => `<text x="${GAP + column * (TILE_WIDTH + GAP) + 4}" y="20" font-family="sans-serif" font-size="16" fill="#000">${escapeXml(name)}</text>`)
    .join('');
  layers.push({ input: Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" width="${sheetWidth}" height="${HEADER_HEIGHT}">${header}</svg>`), top: 0, left: 0 });
  let top = HEADER_HEIGHT;
  for (const [rowIndex, row] of rows.entries()) {
    const label = `<svg xmlns="http://www.w3.org/2000/svg" width="${sheetWidth}" height="16"><text x="${GAP}" y="13" font-family="sans-serif" font-size="13" fill="#333">${escapeXml(row.label)}</text></svg>`;
    layers.push({ input: Buffer.from(label), top, left: 0 });
    top += 16;
    for (const [column, tile] of row.tiles.entries()) {
      const input = await sharp(tile, { raw: { width: row.width, height: row.height, channels: 4 } }).resize(TILE_WIDTH, rowHeights[rowIndex]).png().toBuffer();
      layers.push({ input, top, left: GAP + column * (TILE_WIDTH + GAP) });
    }
    top += rowHeights[rowIndex] + GAP;
  }
  await sharp({ create: { width: sheetWidth, height: sheetHeight, channels: 4, background: '#ffffff' } }).composite(layers).png().toFile(path);
}

/** The input as a person sees it: hole pixels magenta. */
export function showHole(rgba: Uint8Array, hole: Uint8Array): Uint8Array {
  const shown = new Uint8Array(rgba);
  for (let pixel = 0; pixel < hole.length; pixel += 1) if (hole[pixel] === 1) shown.set([255, 0, 255, 255], pixel * 4);
  return shown;
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
