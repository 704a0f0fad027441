/**
 * The rules OpenAI attaches to `output_format=gif` and `output_format=svg` (openai-node 7.60.0,
 * `ImageEditParams.frame_count` and `.svg`): GIF output takes no streaming, partial images, mask
 * or custom compression; SVG output needs `n=1` and takes no streaming, partial images or custom
 * compression. The GIF frame fields and the SVG author fields are refused with other formats.
 * Each violation is its own 400 naming the offending parameter.
 */
import { apiError } from './error-catalogue.ts';
import type { FieldValue } from './edit-field-schemas.ts';

const gifOnlyFields = ['frame_count', 'frame_duration_ms'];
const svgOnlyFields = ['svg[model]', 'svg[reasoning][effort]'];

export interface OutputFormatContext {
  /** Decoded values, defaults filled in. */
  readonly values: ReadonlyMap<string, FieldValue>;
  /** Names of the text fields the client sent. */
  readonly sent: ReadonlySet<string>;
  readonly hasMask: boolean;
}

function refuse(param: string, reason: string): never {
  throw apiError('unsupported_combination', { param, reason });
}

function checkOnlyWith(format: string, fieldNames: readonly string[], { values, sent }: OutputFormatContext): void {
  if (values.get('output_format') === format) return;
  for (const name of fieldNames) {
    if (sent.has(name)) refuse(name, `'${name}' is only supported with output_format '${format}'.`);
  }
}

function checkNotStreamed(format: string, { values, sent }: OutputFormatContext): void {
  if (values.get('stream') === true) refuse('stream', `Streaming is not supported for output_format '${format}'.`);
  if (Number(values.get('partial_images') ?? 0) > 0) refuse('partial_images', `Partial images are not supported for output_format '${format}'.`);
  if (sent.has('output_compression')) refuse('output_compression', `output_compression is not supported for output_format '${format}'.`);
}

export function checkOutputFormatRules(context: OutputFormatContext): void {
  checkOnlyWith('gif', gifOnlyFields, context);
  checkOnlyWith('svg', svgOnlyFields, context);
  const format = context.values.get('output_format');
  if (format === 'gif') {
    checkNotStreamed('gif', context);
    if (context.hasMask) refuse('mask', "A mask is not supported for output_format 'gif'.");
  }
  if (format === 'svg') {
    checkNotStreamed('svg', context);
    if (Number(context.values.get('n') ?? 1) !== 1) refuse('n', "output_format 'svg' requires n=1.");
  }
}
