/**
 * Builds the engines that `models.served` names, from their configuration. Only engines some
 * served model uses are started (the local pool costs threads).
 */
import type { PixelgateConfig } from '../config/config-schema.ts';
import type { ImageEngine } from './engine.ts';
import { LocalFillEngine } from './local/local-fill-engine.ts';
import { StandInEngine } from './stand-in/stand-in-engine.ts';

export function createEngines(config: PixelgateConfig): Map<string, ImageEngine> {
  const used = new Set(config.models.served.map((model) => model.engine));
  const engines = new Map<string, ImageEngine>();
  if (used.has('local')) {
    engines.set(
      'local',
      new LocalFillEngine({
        threads: config.engines.local.threads ?? undefined,
        maxQueue: config.engines.local.maxQueuedJobs,
        maxInputPixels: config.images.maxInputPixels,
      }),
    );
  }
  if (used.has('stand-in')) engines.set('stand-in', new StandInEngine({ delayMs: config.engines['stand-in'].delayMs }));
  return engines;
}
