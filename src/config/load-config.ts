/**
 * Loads the configuration once at boot: the optional file named by PIXELGATE_CONFIG (JSON or
 * YAML), then environment overrides, then schema defaults; checks it against `ConfigSchema`
 * and cross-field rules; returns it deeply frozen. Any problem throws `ConfigError` naming the key.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Value } from '@sinclair/typebox/value';
import { parse as parseYaml } from 'yaml';
import { ConfigSchema, type PixelgateConfig } from './config-schema.ts';

export class ConfigError extends Error {
  constructor(
    readonly key: string,
    problem: string,
  ) {
    super(`Invalid configuration at '${key}': ${problem}`);
    this.name = 'ConfigError';
  }
}

export const knownEngineIds = ['local', 'stand-in'] as const;

type Environment = Readonly<Record<string, string | undefined>>;

function readConfigFile(filePath: string): unknown {
  let text: string;
  try {
    text = readFileSync(filePath, 'utf8');
  } catch (error) {
    throw new ConfigError('PIXELGATE_CONFIG', `cannot read ${filePath} (${(error as NodeJS.ErrnoException).code})`);
  }
  try {
    return /\.json$/i.test(filePath) ? JSON.parse(text) : parseYaml(text);
  } catch (error) {
    throw new ConfigError('PIXELGATE_CONFIG', `${filePath} is not valid JSON/YAML: ${(error as Error).message}`);
  }
}

function setPath(target: Record<string, unknown>, keys: string[], value: unknown): void {
  let node = target;
  for (const key of keys.slice(0, -1)) {
    if (typeof node[key] !== 'object' || node[key] === null) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[keys[keys.length - 1]] = value;
}

/** Environment variables that override the file, with how each value is read. */
const environmentOverrides: ReadonlyArray<[string, string[], (raw: string) => unknown]> = [
  ['HOST', ['server', 'host'], (raw) => raw],
  ['PORT', ['server', 'port'], (raw) => (/^\d+$/.test(raw) ? Number(raw) : raw)],
  ['PIXELGATE_PUBLIC_BASE_URL', ['server', 'publicBaseUrl'], (raw) => raw.replace(/\/+$/, '')],
  ['DATA_DIR', ['dataDir'], (raw) => raw],
  ['PIXELGATE_ADMIN_KEY', ['adminKey'], (raw) => raw],
  ['PIXELGATE_DATABASE_URL', ['database', 'url'], (raw) => raw],
  ['LOG_LEVEL', ['logging', 'level'], (raw) => raw],
];

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

function checkCrossFieldRules(config: PixelgateConfig): void {
  const seen = new Set<string>();
  config.models.served.forEach((model, index) => {
    if (seen.has(model.id)) throw new ConfigError(`models.served[${index}].id`, `duplicate model id '${model.id}'`);
    seen.add(model.id);
    if (model.engine !== undefined && !(knownEngineIds as readonly string[]).includes(model.engine)) {
      throw new ConfigError(`models.served[${index}].engine`, `unknown engine '${model.engine}' (known: ${knownEngineIds.join(', ')})`);
    }
  });
  checkChannels(config, seen);
  checkPrices(config);
  if (!seen.has(config.models.defaultModel)) {
    throw new ConfigError('models.defaultModel', `'${config.models.defaultModel}' is not among models.served`);
  }
}

/** Channel names are unique, name served models, and every served model has a target. */
function checkChannels(config: PixelgateConfig, servedIds: ReadonlySet<string>): void {
  const names = new Set<string>(knownEngineIds);
  const channelServed = new Set<string>();
  config.channels.forEach((channel, index) => {
    if (names.has(channel.name)) throw new ConfigError(`channels[${index}].name`, `duplicate or reserved channel name '${channel.name}'`);
    names.add(channel.name);
    channel.models.forEach((model, modelIndex) => {
      if (!servedIds.has(model.id)) throw new ConfigError(`channels[${index}].models[${modelIndex}].id`, `'${model.id}' is not among models.served`);
      channelServed.add(model.id);
    });
    const upstream = channel.type !== 'local' && channel.type !== 'stand-in';
    if (upstream && channel.apiKey === undefined) throw new ConfigError(`channels[${index}].apiKey`, 'an upstream channel needs apiKey or apiKeyEnv');
    if ((channel.type === 'azure' || channel.type === 'openai-compatible') && channel.baseUrl === undefined) {
      throw new ConfigError(`channels[${index}].baseUrl`, `a channel of type '${channel.type}' needs baseUrl`);
    }
  });
  config.models.served.forEach((model, index) => {
    if (model.engine === undefined && !channelServed.has(model.id)) {
      throw new ConfigError(`models.served[${index}].engine`, `'${model.id}' has no engine and no channel lists it`);
    }
  });
}

/**
 * Every model an upstream channel serves has a price, or is marked free: a model that silently
 * cost nothing would let customers spend the operator's upstream credit for nothing.
 */
function checkPrices(config: PixelgateConfig): void {
  const priced = new Set<string>();
  config.billing.prices.forEach((price, index) => {
    if (priced.has(price.model)) throw new ConfigError(`billing.prices[${index}].model`, `duplicate price for '${price.model}'`);
    priced.add(price.model);
    const ways = [price.perImageUsd !== undefined, price.perMillionTokensUsd !== undefined, price.free === true].filter(Boolean).length;
    if (ways !== 1) throw new ConfigError(`billing.prices[${index}]`, `'${price.model}' needs exactly one of perImageUsd, perMillionTokensUsd or free: true`);
  });
  config.channels.forEach((channel, index) => {
    if (channel.type === 'local' || channel.type === 'stand-in') return;
    channel.models.forEach((model, modelIndex) => {
      if (priced.has(model.id)) return;
      throw new ConfigError(
        `channels[${index}].models[${modelIndex}].id`,
        `'${model.id}' is relayed upstream but billing.prices has no price for it; add one, or { "model": "${model.id}", "free": true } to serve it at no charge`,
      );
    });
  });
}

/** `apiKeyEnv` is replaced by the variable's value, so credentials never need to sit in the file. */
function resolveChannelCredentials(config: PixelgateConfig, environment: Environment): void {
  config.channels.forEach((channel, index) => {
    if (channel.apiKeyEnv === undefined) return;
    const value = environment[channel.apiKeyEnv];
    if (value === undefined || value === '') throw new ConfigError(`channels[${index}].apiKeyEnv`, `environment variable ${channel.apiKeyEnv} is not set`);
    channel.apiKey = value;
  });
}

export function loadConfig(environment: Environment = process.env, overrides: unknown = undefined): PixelgateConfig {
  const raw: Record<string, unknown> = {};
  const filePath = environment.PIXELGATE_CONFIG;
  if (filePath) {
    const fromFile = readConfigFile(filePath);
    if (fromFile !== null && fromFile !== undefined) {
      if (typeof fromFile !== 'object' || Array.isArray(fromFile)) throw new ConfigError('PIXELGATE_CONFIG', 'the file must hold an object');
      Object.assign(raw, fromFile);
    }
  }
  if (overrides && typeof overrides === 'object') Object.assign(raw, structuredClone(overrides));
  for (const [variable, keys, read] of environmentOverrides) {
    const value = environment[variable];
    if (value !== undefined && value !== '') setPath(raw, keys, read(value));
  }

  const withDefaults = Value.Default(ConfigSchema, raw) as unknown;
  const firstError = Value.Errors(ConfigSchema, withDefaults).First();
  if (firstError) {
    const key = firstError.path.replace(/^\//, '').replace(/\//g, '.') || '(root)';
    const allowed = (firstError.schema.anyOf as Array<{ const?: unknown }> | undefined)?.map((option) => option.const);
    const expectation = allowed?.every((value) => value !== undefined) ? `expected one of ${allowed.join(', ')}` : firstError.message;
    throw new ConfigError(key, expectation);
  }
  const config = withDefaults as PixelgateConfig;
  resolveChannelCredentials(config, environment);
  checkCrossFieldRules(config);
  config.dataDir = path.resolve(config.dataDir);
  return deepFreeze(config);
}
