/**
 * Builds the engines that `models.served` and `channels` name, from their configuration, keyed
 * by channel name (a built-in engine's channel is named after it: `local`, `stand-in`). Only
 * engines something uses are started (the local pool costs threads); channels of a built-in
 * type share the one instance.
 */
import type { ChannelConfig, PixelgateConfig } from '../config/config-schema.ts';
import type { ImageEngine } from './engine.ts';
import { LocalFillEngine } from './local/local-fill-engine.ts';
import { OpenAiImageEngine } from './openai/openai-image-engine.ts';
import type { UpstreamEndpoint } from './openai/upstream-endpoint.ts';
import { StandInEngine } from './stand-in/stand-in-engine.ts';

export const openAiDefaultBaseUrl = 'https://api.openai.com/v1';

function upstreamEndpoint(channel: ChannelConfig): UpstreamEndpoint {
  const apiKey = channel.apiKey ?? '';
  if (channel.type === 'azure') {
    return { kind: 'azure', baseUrl: channel.baseUrl!, apiKey, deployment: channel.deployment ?? null, apiVersion: channel.apiVersion };
  }
  return { kind: 'openai', baseUrl: channel.baseUrl ?? openAiDefaultBaseUrl, apiKey };
}

export function createEngines(config: PixelgateConfig): Map<string, ImageEngine> {
  const used = new Set<string>(config.models.served.flatMap((model) => (model.engine ? [model.engine] : [])));
  for (const channel of config.channels) if (channel.type === 'local' || channel.type === 'stand-in') used.add(channel.type);
  const engines = new Map<string, ImageEngine>();
  if (used.has('local')) {
    engines.set(
      'local',
      new LocalFillEngine({
        threads: config.engines.local.threads ?? undefined,
        maxQueue: config.engines.local.maxQueuedJobs,
        maxInputPixels: config.images.maxInputPixels,
        timeBudgetMs: config.engines.local.timeBudgetMs,
        threadsPerFill: config.engines.local.threadsPerFill ?? undefined,
        pixelBudget: config.engines.local.pixelBudget,
      }),
    );
  }
  if (used.has('stand-in')) engines.set('stand-in', new StandInEngine({ delayMs: config.engines['stand-in'].delayMs }));
  for (const channel of config.channels) {
    if (channel.type === 'local' || channel.type === 'stand-in') {
      engines.set(channel.name, engines.get(channel.type)!);
      continue;
    }
    engines.set(
      channel.name,
      new OpenAiImageEngine({
        id: channel.name,
        endpoint: upstreamEndpoint(channel),
        connectTimeoutMs: channel.connectTimeoutMs,
        firstByteTimeoutMs: channel.firstByteTimeoutMs,
        requestTimeoutMs: channel.requestTimeoutMs,
        maxResponseBytes: config.routing.maxUpstreamResponseBytes,
        passUpstreamUrls: channel.passUpstreamUrls,
        // OpenAI's own API takes JSON edits; Azure and OpenAI-compatible relays get multipart.
        jsonEdits: channel.type === 'openai',
      }),
    );
  }
  return engines;
}

/** Closes each engine once, even when several channels share it. */
export async function closeEngines(engines: ReadonlyMap<string, ImageEngine>): Promise<void> {
  await Promise.all([...new Set(engines.values())].map((engine) => engine.close()));
}
