/**
 * Circuit-breaker verdicts shared by every node: a circuit that opens on one node is opened on
 * the others (and a probe that closed it, closed) within moments. `RedisCircuitSync` publishes
 * this node's verdicts on a Redis channel and keeps the open ones in a hash, so a node that
 * starts later begins with them; the breaker itself stays in each node's memory (the hot path
 * never waits on Redis).
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import type { ChannelHealth } from '../routing/channel-health.ts';

export interface CircuitSync {
  attach(health: ChannelHealth): Promise<void>;
  close(): Promise<void>;
}

interface CircuitMessage {
  readonly from: string;
  readonly channel: string;
  readonly openUntilMs: number | null;
  readonly message: string | null;
}

export class RedisCircuitSync implements CircuitSync {
  readonly #commands: Redis;
  readonly #subscriber: Redis;
  readonly #node = randomUUID();
  readonly #hashKey: string;
  readonly #topic: string;
  readonly #onError: (error: Error) => void;

  constructor(url: string, keyPrefix: string, onError: (error: Error) => void = () => {}) {
    this.#onError = onError;
    this.#commands = new Redis(url, { maxRetriesPerRequest: 1, enableOfflineQueue: true, commandTimeout: 500 });
    this.#subscriber = new Redis(url, { maxRetriesPerRequest: 1 });
    this.#commands.on('error', onError);
    this.#subscriber.on('error', onError);
    this.#hashKey = `${keyPrefix}circuits`;
    this.#topic = `${keyPrefix}circuit-events`;
  }

  async attach(health: ChannelHealth): Promise<void> {
    this.#subscriber.on('message', (_topic: string, text: string) => {
      try {
        const event = JSON.parse(text) as CircuitMessage;
        if (event.from !== this.#node) health.applyRemote(event.channel, event.openUntilMs, event.message);
      } catch (error) {
        this.#onError(error as Error);
      }
    });
    await this.#subscriber.subscribe(this.#topic);
    health.listen({
      opened: (channel, openUntilMs, message) => this.#publish({ from: this.#node, channel, openUntilMs, message: message.slice(0, 500) }),
      closed: (channel) => this.#publish({ from: this.#node, channel, openUntilMs: null, message: null }),
    });
    // Verdicts made before this node started.
    await this.#ready(2_000);
    const open = await this.#commands.hgetall(this.#hashKey).catch(() => ({}) as Record<string, string>);
    for (const [channel, text] of Object.entries(open)) {
      const verdict = JSON.parse(text) as { openUntilMs: number; message: string };
      if (verdict.openUntilMs > Date.now()) health.applyRemote(channel, verdict.openUntilMs, verdict.message);
    }
  }

  #ready(timeoutMs: number): Promise<void> {
    if (this.#commands.status === 'ready') return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      this.#commands.once('ready', () => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  #publish(event: CircuitMessage): void {
    const write =
      event.openUntilMs === null
        ? this.#commands.multi().hdel(this.#hashKey, event.channel).publish(this.#topic, JSON.stringify(event))
        : this.#commands
            .multi()
            .hset(this.#hashKey, event.channel, JSON.stringify({ openUntilMs: event.openUntilMs, message: event.message }))
            .publish(this.#topic, JSON.stringify(event));
    // A verdict not shared leaves the other nodes to find the failure themselves: never fatal.
    write.exec().catch(this.#onError);
  }

  async close(): Promise<void> {
    await this.#subscriber.quit().catch(() => this.#subscriber.disconnect());
    await this.#commands.quit().catch(() => this.#commands.disconnect());
  }
}
