/** The schema of `size` for the OpenAPI document; `validate-size.ts` applies the rule itself. */
import { Type, type TSchema } from '@sinclair/typebox';
import type { SizeRule } from './model-rules.ts';

export function sizeSchema(rule: SizeRule, defaultSize: string): TSchema {
  if (rule.kind === 'enum') return Type.Unsafe<string>({ type: 'string', enum: [...rule.values], default: defaultSize });
  return Type.Unsafe<string>({
    type: 'string',
    pattern: '^(auto|[0-9]+x[0-9]+)$',
    default: defaultSize,
    description: `One of ${rule.presets.join(', ')}, or WxH: sides ${rule.minSide}-${rule.maxSide} and multiples of ${rule.multipleOf}, at most ${rule.maxPixels} pixels, aspect ratio at most ${rule.maxAspectRatio}:1.`,
  });
}
