/**
 * Model → channels. Channels come from `channels[]` in the config, plus one implicit channel
 * per built-in engine that a served model names with `engine` (`local`, `stand-in`), so the
 * zero-config server routes exactly as before and the built-in engine shows up as a channel.
 */
import type { PixelgateConfig } from '../config/config-schema.ts';
import type { ImageEngine } from '../engines/engine.ts';
import { ChannelHealth, type ChannelHealthSnapshot } from './channel-health.ts';
import { orderByPriorityAndWeight } from './order-by-priority-and-weight.ts';

export type ChannelType = 'openai' | 'azure' | 'openai-compatible' | 'local' | 'stand-in';

export interface RoutedChannel {
  readonly name: string;
  readonly type: ChannelType;
  readonly engine: ImageEngine;
  /** Served model id → the name this channel's engine is given. */
  readonly upstreamModels: ReadonlyMap<string, string>;
  readonly priority: number;
  readonly weight: number;
  /** A built-in engine: priced with `billing.builtInPerImageUsd`. */
  readonly builtIn: boolean;
}

export interface RouteTarget {
  readonly channel: RoutedChannel;
  readonly upstreamModel: string;
}

export interface ChannelView extends ChannelHealthSnapshot {
  readonly name: string;
  readonly type: ChannelType;
  readonly models: readonly string[];
}

function isBuiltIn(type: ChannelType): boolean {
  return type === 'local' || type === 'stand-in';
}

export class ChannelRouter {
  readonly health: ChannelHealth;
  readonly #channels: readonly RoutedChannel[];
  readonly #random: () => number;

  constructor(channels: readonly RoutedChannel[], health: ChannelHealth, random: () => number = Math.random) {
    this.#channels = channels;
    this.health = health;
    this.#random = random;
  }

  /** Engines must be keyed by channel name (`createEngines` does so). */
  static fromConfig(config: PixelgateConfig, engines: ReadonlyMap<string, ImageEngine>, clock: () => number = Date.now): ChannelRouter {
    const channels: RoutedChannel[] = [];
    for (const engineId of new Set(config.models.served.flatMap((model) => (model.engine ? [model.engine] : [])))) {
      const served = config.models.served.filter((model) => model.engine === engineId);
      channels.push({
        name: engineId,
        type: engineId as ChannelType,
        engine: engines.get(engineId)!,
        upstreamModels: new Map(served.map((model) => [model.id, model.engineModel ?? model.id])),
        priority: 0,
        weight: 1,
        builtIn: true,
      });
    }
    for (const channel of config.channels) {
      channels.push({
        name: channel.name,
        type: channel.type as ChannelType,
        engine: engines.get(channel.name)!,
        upstreamModels: new Map(channel.models.map((model) => [model.id, model.upstreamModel ?? model.id])),
        priority: channel.priority,
        weight: channel.weight,
        builtIn: isBuiltIn(channel.type as ChannelType),
      });
    }
    const health = new ChannelHealth({ failureThreshold: config.routing.failureThreshold, openDurationMs: config.routing.openDurationMs, clock });
    return new ChannelRouter(channels, health);
  }

  /** Every channel serving the model, in the order this request should try them. */
  targetsFor(modelId: string): RouteTarget[] {
    const serving = this.#channels.filter((channel) => channel.upstreamModels.has(modelId));
    return orderByPriorityAndWeight(serving, this.#random).map((channel) => ({ channel, upstreamModel: channel.upstreamModels.get(modelId)! }));
  }

  /** The channel whose engine's capabilities describe the model (its highest-priority one). */
  primaryChannelFor(modelId: string): RoutedChannel | null {
    const serving = this.#channels.filter((channel) => channel.upstreamModels.has(modelId));
    return serving.sort((a, b) => b.priority - a.priority)[0] ?? null;
  }

  channels(): readonly RoutedChannel[] {
    return this.#channels;
  }

  views(): ChannelView[] {
    return this.#channels.map((channel) => ({
      name: channel.name,
      type: channel.type,
      models: [...channel.upstreamModels.keys()],
      ...this.health.snapshot(channel.name),
    }));
  }
}
