/**
 * Checks `size` against a model's size rule. Returns the requested dimensions, or null for
 * `auto` (the engine decides: the input's size for the built-in engine).
 */
import type { ImageSize } from '../engines/engine.ts';
import { apiError } from './error-catalogue.ts';
import type { SizeRule } from './model-rules.ts';

const dimensionsPattern = /^(\d{1,5})x(\d{1,5})$/;

function parseDimensions(value: string): ImageSize | null {
  const match = dimensionsPattern.exec(value);
  return match ? { width: Number(match[1]), height: Number(match[2]) } : null;
}

export function validateSize(value: string, rule: SizeRule): ImageSize | null {
  if (value === 'auto' && (rule.kind === 'dimensions' ? rule.presets : rule.values).includes('auto')) return null;
  if (rule.kind === 'enum') {
    // The generic enum check has already run; only a listed WxH can arrive here.
    return parseDimensions(value);
  }
  const dimensions = parseDimensions(value);
  const rejected = (reason: string) => apiError('invalid_size', { value, rule: reason });
  if (!dimensions) throw rejected(`Expected 'auto' or WIDTHxHEIGHT, for example '1024x768'.`);
  const { width, height } = dimensions;
  const longest = Math.max(width, height);
  const shortest = Math.min(width, height);
  if (shortest < rule.minSide || longest > rule.maxSide) {
    throw rejected(`Both sides must be between ${rule.minSide} and ${rule.maxSide} pixels.`);
  }
  if (width % rule.multipleOf !== 0 || height % rule.multipleOf !== 0) {
    throw rejected(`Both sides must be multiples of ${rule.multipleOf}.`);
  }
  if (width * height > rule.maxPixels) throw rejected(`The image may have at most ${rule.maxPixels} pixels.`);
  if (longest / shortest > rule.maxAspectRatio) {
    throw rejected(`The aspect ratio must be at most ${rule.maxAspectRatio}:1.`);
  }
  return dimensions;
}
