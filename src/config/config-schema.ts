/**
 * The one configuration schema: every setting, its default and its unit. `load-config.ts`
 * fills defaults, checks the result once at boot and freezes it; a bad value exits the
 * process with the offending key named. Unknown keys are errors (a typo must not pass).
 */
import { Type, type Static } from '@sinclair/typebox';
import { modelFamilies } from '../openai/model-rules.ts';

const strict = { additionalProperties: false } as const;

const ServedModelSchema = Type.Object(
  {
    /** The id clients send as `model` and see in `GET /v1/models`. */
    id: Type.String({ minLength: 1, maxLength: 128 }),
    /** Which family's rules apply (a key of the capability table). */
    rules: Type.Union(modelFamilies.map((family) => Type.Literal(family))),
    /** Which engine serves it (`local`, `stand-in`). */
    engine: Type.String({ minLength: 1 }),
    /** The model name the engine is given; defaults to `id`. */
    engineModel: Type.Optional(Type.String({ minLength: 1 })),
  },
  strict,
);

export const ConfigSchema = Type.Object(
  {
    server: Type.Object(
      {
        host: Type.String({ default: '127.0.0.1' }),
        port: Type.Integer({ minimum: 0, maximum: 65535, default: 8080 }),
        /** Base of the result URLs handed to clients, for servers behind a proxy; null: derived from the request's Host. */
        publicBaseUrl: Type.Union([Type.String({ pattern: '^https?://[^\\s]+$' }), Type.Null()], { default: null }),
        /** A request body must arrive within this time (slow clients get a 408). */
        bodyTimeoutMs: Type.Integer({ minimum: 100, default: 120_000 }),
        /** Largest request body accepted; null: derived from the served models' file limits. */
        maxRequestBytes: Type.Union([Type.Integer({ minimum: 1024 }), Type.Null()], { default: null }),
        /** Most multipart parts in one request. */
        maxFormParts: Type.Integer({ minimum: 4, default: 64 }),
        /** Time allowed to in-flight requests on SIGTERM before the process exits. */
        shutdownGraceMs: Type.Integer({ minimum: 0, default: 15_000 }),
      },
      { ...strict, default: {} },
    ),
    /** Everything the server writes lives under this directory. */
    dataDir: Type.String({ minLength: 1, default: './data' }),
    /** A key that may call everything, the admin API included (usually set from PIXELGATE_ADMIN_KEY). */
    adminKey: Type.Union([Type.String({ minLength: 16 }), Type.Null()], { default: null }),
    database: Type.Object(
      {
        /** `sqlite:/path/file.db` or `postgres://…`; null: `sqlite:<dataDir>/pixelgate.db`. */
        url: Type.Union([Type.String({ pattern: '^(sqlite:|postgres(ql)?://)' }), Type.Null()], { default: null }),
      },
      { ...strict, default: {} },
    ),
    results: Type.Object(
      {
        /** How long a `url` result stays downloadable. */
        urlTtlSeconds: Type.Integer({ minimum: 1, default: 3600 }),
        /** How often expired results are deleted from disk. */
        sweepIntervalMs: Type.Integer({ minimum: 100, default: 60_000 }),
      },
      { ...strict, default: {} },
    ),
    images: Type.Object(
      {
        /** Inputs declaring more pixels than this are refused from their header, before decoding. */
        maxInputPixels: Type.Integer({ minimum: 1, default: 50_000_000 }),
      },
      { ...strict, default: {} },
    ),
    models: Type.Object(
      {
        /** The model used when a request omits `model`. */
        defaultModel: Type.String({ default: 'dall-e-2' }),
        /** The model used when `model` is omitted but a GPT-image-only field is present (if served). */
        defaultGptImageModel: Type.String({ default: 'gpt-image-1' }),
        served: Type.Array(ServedModelSchema, {
          minItems: 1,
          default: [
            { id: 'dall-e-2', rules: 'dall-e-2', engine: 'local' },
            { id: 'pixelgate-fill', rules: 'pixelgate-fill', engine: 'local' },
          ],
        }),
      },
      { ...strict, default: {} },
    ),
    engines: Type.Object(
      {
        local: Type.Object(
          {
            /** Worker threads for the fill; null: one per core. */
            threads: Type.Union([Type.Integer({ minimum: 1, maximum: 64 }), Type.Null()], { default: null }),
            /** Jobs waiting beyond the running ones; more get 429 with retry-after. */
            maxQueuedJobs: Type.Integer({ minimum: 0, default: 64 }),
          },
          { ...strict, default: {} },
        ),
        'stand-in': Type.Object(
          {
            /** Delay before the stand-in engine answers (benchmarks and tests only). */
            delayMs: Type.Integer({ minimum: 0, default: 0 }),
          },
          { ...strict, default: {} },
        ),
      },
      { ...strict, default: {} },
    ),
    logging: Type.Object(
      {
        level: Type.Union(
          ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((level) => Type.Literal(level)),
          { default: 'info' },
        ),
      },
      { ...strict, default: {} },
    ),
  },
  strict,
);

export type PixelgateConfig = Static<typeof ConfigSchema>;
export type ServedModelConfig = Static<typeof ServedModelSchema>;
