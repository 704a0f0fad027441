/**
 * Options a model's rules allow but the engine serving it here cannot honour (from its declared
 * capabilities) are refused with a 400 naming the option — never dropped or clamped.
 */
import { apiError } from './error-catalogue.ts';
import type { ServedModel } from './parse-edit-request.ts';

export function checkEngineSupport(model: ServedModel, outputFormat: string, stream: boolean, n: number, hasMarkup: boolean): void {
  if (!(model.capabilities.outputFormats as readonly string[]).includes(outputFormat)) {
    throw apiError('invalid_value', { param: 'output_format', value: outputFormat, supported: model.capabilities.outputFormats });
  }
  if (stream && !model.capabilities.streaming) {
    throw apiError('unsupported_combination', {
      param: 'stream',
      reason: `Streaming is not supported for the model '${model.id}' on this server.`,
    });
  }
  if (stream && n > 1) {
    throw apiError('unsupported_combination', { param: 'n', reason: 'Streaming returns one image: use n=1 with stream=true.' });
  }
  if (hasMarkup && model.capabilities.markup !== true) {
    throw apiError('unsupported_combination', {
      param: 'markup',
      reason: `Markup is not supported for the model '${model.id}' on this server.`,
    });
  }
}

