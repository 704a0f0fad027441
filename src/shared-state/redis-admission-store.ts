/**
 * `AdmissionStore` on Redis, shared by every node: per key, a sorted set of request starts (the
 * 60-second window) and a sorted set of in-flight tickets scored by their lease's end. One Lua
 * script drops what has aged out, decides and records, atomically. A node renews the leases of
 * the tickets it holds every third of the lease, so a long edit stays counted; a node that dies
 * stops renewing and its edits stop counting once their leases end.
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { admissionWindowMs, type AdmissionDecision, type AdmissionLimits, type AdmissionStore } from './admission-store.ts';

// KEYS: starts, inFlight. ARGV: now, windowMs, leaseMs, rpm (-1: none), maxConcurrent (-1: none), ticket.
const admitScript = `
local now = tonumber(ARGV[1])
local windowMs = tonumber(ARGV[2])
local leaseMs = tonumber(ARGV[3])
local rpm = tonumber(ARGV[4])
local maxConcurrent = tonumber(ARGV[5])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - windowMs)
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
if maxConcurrent >= 0 and redis.call('ZCARD', KEYS[2]) >= maxConcurrent then
  return {0, 'concurrent_edits', 1000}
end
if rpm >= 0 then
  local count = redis.call('ZCARD', KEYS[1])
  if count >= rpm then
    local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
    local retry = tonumber(oldest[2]) + windowMs - now
    if retry < 1 then retry = 1 end
    return {0, 'requests_per_minute', retry}
  end
end
redis.call('ZADD', KEYS[1], now, ARGV[6])
redis.call('ZADD', KEYS[2], now + leaseMs, ARGV[6])
redis.call('PEXPIRE', KEYS[1], windowMs + 1000)
redis.call('PEXPIRE', KEYS[2], leaseMs + 1000)
return {1, ARGV[6], 0}
`;

// KEYS: inFlight per held ticket's key (pairs of key, ticket in ARGV after the lease end).
const renewScript = `
local leaseEnd = tonumber(ARGV[1])
for index = 1, #KEYS do
  redis.call('ZADD', KEYS[index], 'XX', leaseEnd, ARGV[index + 1])
  redis.call('PEXPIRE', KEYS[index], tonumber(ARGV[#ARGV]))
end
return #KEYS
`;

export interface RedisAdmissionStoreOptions {
  readonly url: string;
  /** Prefix of every key this store writes (several deployments may share one Redis). */
  readonly keyPrefix?: string;
  /** How long an in-flight edit counts without a renewal. */
  readonly leaseMs?: number;
  readonly clock?: () => number;
  readonly onError?: (error: Error) => void;
  /** Longest wait for one Redis answer. */
  readonly commandTimeoutMs?: number;
}

export class RedisAdmissionStore implements AdmissionStore {
  readonly #redis: Redis;
  readonly #prefix: string;
  readonly #leaseMs: number;
  readonly #clock: () => number;
  /** Tickets this node holds: ticket → its in-flight key. */
  readonly #held = new Map<string, string>();
  readonly #renewal: NodeJS.Timeout;

  constructor(options: RedisAdmissionStoreOptions) {
    // Fail fast while Redis is away: a command waits at most `commandTimeoutMs` — queued while
    // the connection is (re)made, so the first requests after a start are not refused — and the
    // caller decides what a missing answer means (`sharedState.whenUnavailable`).
    this.#redis = new Redis(options.url, { maxRetriesPerRequest: 1, enableOfflineQueue: true, commandTimeout: options.commandTimeoutMs ?? 500, lazyConnect: false });
    this.#redis.on('error', (error: Error) => options.onError?.(error));
    this.#prefix = options.keyPrefix ?? 'pixelgate:';
    this.#leaseMs = options.leaseMs ?? 60_000;
    this.#clock = options.clock ?? Date.now;
    this.#renewal = setInterval(() => void this.#renew().catch((error: Error) => options.onError?.(error)), Math.max(100, Math.floor(this.#leaseMs / 3)));
    this.#renewal.unref();
  }

  #keys(keyId: string): [string, string] {
    // One hash tag per API key, so both keys live on the same slot in a Redis Cluster.
    return [`${this.#prefix}{${keyId}}:starts`, `${this.#prefix}{${keyId}}:in-flight`];
  }

  async tryAdmit(keyId: string, limits: AdmissionLimits, nowMs: number): Promise<AdmissionDecision> {
    const ticket = randomUUID();
    const [starts, inFlight] = this.#keys(keyId);
    const reply = (await this.#redis.eval(
      admitScript,
      2,
      starts,
      inFlight,
      nowMs,
      admissionWindowMs,
      this.#leaseMs,
      limits.requestsPerMinute ?? -1,
      limits.maxConcurrentEdits ?? -1,
      ticket,
    )) as [number, string, number];
    if (reply[0] === 1) {
      this.#held.set(ticket, inFlight);
      return { admitted: true, ticket };
    }
    return { admitted: false, reason: reply[1] as 'requests_per_minute' | 'concurrent_edits', retryAfterMs: Number(reply[2]) };
  }

  async release(keyId: string, ticket: string): Promise<void> {
    if (!this.#held.delete(ticket)) return;
    await this.#redis.zrem(this.#keys(keyId)[1], ticket);
  }

  async #renew(): Promise<void> {
    if (this.#held.size === 0) return;
    const entries = [...this.#held.entries()];
    const leaseEnd = this.#clock() + this.#leaseMs;
    await this.#redis.eval(renewScript, entries.length, ...entries.map(([, key]) => key), leaseEnd, ...entries.map(([ticket]) => ticket), this.#leaseMs + 1000);
  }

  /** Resolves when Redis answers. */
  async ping(): Promise<void> {
    await this.#redis.ping();
  }

  async close(): Promise<void> {
    clearInterval(this.#renewal);
    await this.#redis.quit().catch(() => this.#redis.disconnect());
  }
}
