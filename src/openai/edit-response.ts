/**
 * The JSON body of a successful edit, shaped per model family as OpenAI answers it:
 * dall-e-2 gives `{created, data}`; GPT image models add the resolved `background`,
 * `output_format`, `quality`, `size` (never `auto`), `usage` and, when the upstream reported
 * SVG authoring, `svg_usage` — both exactly as the upstream sent them. No `id`, `model` or `object`.
 */
import type { EditOutputImage, EditUsage, SvgUsage } from '../engines/engine.ts';
import type { EditRequest } from './parse-edit-request.ts';

export type ImageDatum = { url: string } | { b64_json: string };

export interface ImagesResponse {
  created: number;
  background?: string;
  data: ImageDatum[];
  output_format?: string;
  quality?: string;
  size?: string;
  usage?: Omit<EditUsage, 'svg_usage'>;
  svg_usage?: SvgUsage;
}

/** `auto` resolved to what was produced. */
export function resolvedOptions(request: EditRequest, first: EditOutputImage): { size: string; quality: string; background: string } {
  return {
    size: `${first.width}x${first.height}`,
    quality: request.quality === null || request.quality === 'auto' ? 'high' : request.quality,
    background: request.background === 'transparent' ? 'transparent' : 'opaque',
  };
}

export function buildEditResponse(
  request: EditRequest,
  createdSeconds: number,
  images: readonly EditOutputImage[],
  data: ImageDatum[],
  usage: EditUsage | null,
): ImagesResponse {
  const { rules } = request.model;
  if (!rules.reportsResolvedOptions) return { created: createdSeconds, data };
  const resolved = resolvedOptions(request, images[0]);
  // Key order as OpenAI sends it: created, background, data, output_format, quality, size, usage, svg_usage.
  const response: Partial<ImagesResponse> = { created: createdSeconds };
  if ('background' in rules.fields) response.background = resolved.background;
  response.data = data;
  response.output_format = request.outputFormat;
  if ('quality' in rules.fields) response.quality = resolved.quality;
  response.size = resolved.size;
  if (rules.reportsUsage && usage) {
    const { svg_usage: svgUsage, ...renderingUsage } = usage;
    response.usage = renderingUsage;
    if (svgUsage !== undefined) response.svg_usage = svgUsage;
  }
  return response as ImagesResponse;
}
