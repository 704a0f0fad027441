import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig } from './load-config.ts';

function configFile(name: string, text: string): string {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'pixelgate-config-')), name);
  writeFileSync(file, text);
  return file;
}

function keyOf(action: () => unknown): string {
  try {
    action();
  } catch (error) {
    assert.ok(error instanceof ConfigError, String(error));
    return error.key;
  }
  assert.fail('expected a ConfigError');
}

describe('loadConfig', () => {
  it('works with no file and no environment: the documented defaults', () => {
    const config = loadConfig({});
    assert.equal(config.server.port, 8080);
    assert.equal(config.server.host, '127.0.0.1');
    assert.equal(config.dataDir, path.resolve('./data'));
    assert.equal(config.results.urlTtlSeconds, 3600);
    assert.equal(config.images.maxInputPixels, 50_000_000);
    assert.deepEqual(config.models.served.map((model) => model.id), ['dall-e-2', 'pixelgate-fill']);
    assert.ok(Object.isFrozen(config) && Object.isFrozen(config.server));
  });

  it('reads YAML and JSON files, with the environment taking precedence', () => {
    const yaml = configFile('pixelgate.yaml', 'server:\n  port: 9000\nresults:\n  urlTtlSeconds: 60\n');
    assert.equal(loadConfig({ PIXELGATE_CONFIG: yaml }).server.port, 9000);
    assert.equal(loadConfig({ PIXELGATE_CONFIG: yaml, PORT: '9100' }).server.port, 9100);
    const json = configFile('pixelgate.json', JSON.stringify({ dataDir: '/var/lib/pixelgate' }));
    assert.equal(loadConfig({ PIXELGATE_CONFIG: json, PIXELGATE_ADMIN_KEY: 'a-long-enough-admin-key' }).adminKey, 'a-long-enough-admin-key');
  });

  it('names the offending key', () => {
    assert.equal(keyOf(() => loadConfig({ PORT: 'eighty' })), 'server.port');
    assert.equal(keyOf(() => loadConfig({}, { server: { prot: 1 } })), 'server.prot');
    assert.equal(keyOf(() => loadConfig({}, { models: { served: [{ id: 'a', rules: 'nope', engine: 'local' }] } })), 'models.served.0.rules');
    assert.equal(keyOf(() => loadConfig({}, { models: { served: [{ id: 'a', rules: 'dall-e-2', engine: 'warp' }], defaultModel: 'a' } })), 'models.served[0].engine');
    assert.equal(keyOf(() => loadConfig({}, { models: { defaultModel: 'missing' } })), 'models.defaultModel');
    assert.equal(keyOf(() => loadConfig({ PIXELGATE_CONFIG: configFile('bad.yaml', 'server: [') })), 'PIXELGATE_CONFIG');
    assert.equal(keyOf(() => loadConfig({ PIXELGATE_ADMIN_KEY: 'short' })), 'adminKey');
  });
});
