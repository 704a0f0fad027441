import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig } from './load-config.ts';

function problem(overrides: unknown, environment: Record<string, string> = {}): string {
  try {
    loadConfig(environment, overrides);
  } catch (error) {
    assert.ok(error instanceof ConfigError, String(error));
    return error.message;
  }
  assert.fail('expected a ConfigError');
}

const served = { served: [{ id: 'dall-e-2', rules: 'dall-e-2', engine: 'local' }, { id: 'gpt-image-1', rules: 'gpt-image-1' }] };
const channel = { name: 'main', type: 'openai', apiKeyEnv: 'UPSTREAM_KEY', models: [{ id: 'gpt-image-1' }] };

describe('channels in the configuration', () => {
  it('no channels by default; a channel gets its defaults and its key from the environment', () => {
    assert.deepEqual(loadConfig({}).channels, []);
    const config = loadConfig({ UPSTREAM_KEY: 'sk-from-env' }, { models: served, channels: [channel] });
    assert.deepEqual(config.channels[0], {
      ...channel,
      apiKey: 'sk-from-env',
      apiVersion: '2025-04-01-preview',
      priority: 0,
      weight: 1,
      connectTimeoutMs: 10_000,
      firstByteTimeoutMs: 300_000,
      requestTimeoutMs: 600_000,
      passUpstreamUrls: false,
    });
    assert.deepEqual(config.routing, { failureThreshold: 3, openDurationMs: 30_000, maxUpstreamResponseBytes: 512 * 1024 * 1024 });
  });

  it('names the offending key', () => {
    assert.equal(problem({ models: served, channels: [channel] }), "Invalid configuration at 'channels[0].apiKeyEnv': environment variable UPSTREAM_KEY is not set");
    assert.equal(
      problem({ models: served, channels: [{ ...channel, apiKeyEnv: undefined, apiKey: 'k', models: [{ id: 'nope' }] }] }),
      "Invalid configuration at 'channels[0].models[0].id': 'nope' is not among models.served",
    );
    assert.equal(problem({ models: served }), "Invalid configuration at 'models.served[1].engine': 'gpt-image-1' has no engine and no channel lists it");
    assert.equal(
      problem({ models: served, channels: [{ ...channel, apiKey: 'k', apiKeyEnv: undefined, name: 'local' }] }),
      "Invalid configuration at 'channels[0].name': duplicate or reserved channel name 'local'",
    );
    assert.equal(
      problem({ models: served, channels: [{ name: 'az', type: 'azure', apiKey: 'k', models: [{ id: 'gpt-image-1' }] }] }),
      "Invalid configuration at 'channels[0].baseUrl': a channel of type 'azure' needs baseUrl",
    );
    assert.equal(
      problem({ models: served, channels: [{ name: 'x', type: 'openai', models: [{ id: 'gpt-image-1' }] }] }),
      "Invalid configuration at 'channels[0].apiKey': an upstream channel needs apiKey or apiKeyEnv",
    );
  });

  it('refuses a relayed model without a price unless it is marked free', () => {
    const custom = { served: [{ id: 'house-model', rules: 'gpt-image-1' }], defaultModel: 'house-model' };
    const relayed = { ...channel, apiKey: 'k', apiKeyEnv: undefined, models: [{ id: 'house-model' }] };
    assert.equal(
      problem({ models: custom, channels: [relayed] }),
      `Invalid configuration at 'channels[0].models[0].id': 'house-model' is relayed upstream but billing.prices has no price for it; add one, or { "model": "house-model", "free": true } to serve it at no charge`,
    );
    // Prices replace the defaults: gpt-image-1 relayed with only dall-e-2 priced is refused too.
    assert.match(problem({ models: served, channels: [{ ...relayed, models: [{ id: 'gpt-image-1' }] }], billing: { prices: [{ model: 'dall-e-2', perImageUsd: { '*': 0.02 } }] } }), /'gpt-image-1' is relayed upstream/);
    assert.equal(loadConfig({}, { models: custom, channels: [relayed], billing: { prices: [{ model: 'house-model', free: true }] } }).billing.prices[0].free, true);
    assert.equal(
      problem({ models: custom, channels: [relayed], billing: { prices: [{ model: 'house-model', free: true, perImageUsd: { '*': 1 } }] } }),
      "Invalid configuration at 'billing.prices[0]': 'house-model' needs exactly one of perImageUsd, perMillionTokensUsd or free: true",
    );
    assert.equal(
      problem({ models: custom, channels: [relayed], billing: { prices: [{ model: 'house-model', free: true }, { model: 'house-model', free: true }] } }),
      "Invalid configuration at 'billing.prices[1].model': duplicate price for 'house-model'",
    );
  });
});
