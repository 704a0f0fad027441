/**
 * An `EditJob` with the neutral value of every optional option filled in: one image edit, PNG,
 * no GPT image options, no streaming, a signal that never aborts. Callers that run an engine
 * directly (the `pixelgate edit` command, engine tests) state only what differs, so a field
 * added to the contract gets its default here once.
 */
import type { EditJob, EngineInputImage } from './engine.ts';

export function editJobWithDefaults(required: { readonly images: readonly EngineInputImage[] } & Partial<EditJob>): EditJob {
  return {
    requestId: 'direct',
    model: 'pixelgate-fill',
    prompt: '',
    mask: null,
    n: 1,
    size: null,
    outputFormat: 'png',
    outputCompression: 100,
    quality: null,
    background: null,
    inputFidelity: null,
    user: null,
    partialImages: 0,
    seed: 1,
    signal: new AbortController().signal,
    ...required,
  };
}
