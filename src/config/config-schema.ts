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
    /**
     * Which built-in engine serves it (`local`, `stand-in`); omit it for a model served by the
     * channels that list it in `channels[].models`.
     */
    engine: Type.Optional(Type.String({ minLength: 1 })),
    /** The model name the engine is given; defaults to `id`. */
    engineModel: Type.Optional(Type.String({ minLength: 1 })),
  },
  strict,
);

const ChannelModelSchema = Type.Object(
  {
    /** A served model id (`models.served[].id`). */
    id: Type.String({ minLength: 1 }),
    /** The model name sent upstream (the Azure deployment when `deployment` is not set); defaults to `id`. */
    upstreamModel: Type.Optional(Type.String({ minLength: 1 })),
  },
  strict,
);

/** One upstream (or built-in engine) that serves some models; see docs/relay.md. */
const ChannelSchema = Type.Object(
  {
    /** Unique; shown in usage records and `GET /admin/channels`. */
    name: Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9._-]+$' }),
    type: Type.Union(['openai', 'azure', 'openai-compatible', 'local', 'stand-in'].map((type) => Type.Literal(type))),
    /** API base: OpenAI `https://api.openai.com/v1` by default; Azure: the resource endpoint `https://<name>.openai.azure.com`. */
    baseUrl: Type.Optional(Type.String({ pattern: '^https?://[^\\s]+$' })),
    /** The upstream key in the file; prefer `apiKeyEnv`. */
    apiKey: Type.Optional(Type.String({ minLength: 1 })),
    /** Name of the environment variable holding the upstream key (read once at boot). */
    apiKeyEnv: Type.Optional(Type.String({ minLength: 1 })),
    /** Azure: the deployment name; when absent each model's `upstreamModel` is its deployment. */
    deployment: Type.Optional(Type.String({ minLength: 1 })),
    /** Azure: the `api-version` query parameter. */
    apiVersion: Type.String({ minLength: 1, default: '2025-04-01-preview' }),
    models: Type.Array(ChannelModelSchema, { minItems: 1 }),
    /** Higher first; lower priorities take traffic only when every higher one failed or is open. */
    priority: Type.Integer({ default: 0 }),
    /** Share of traffic among channels of equal priority. */
    weight: Type.Integer({ minimum: 1, maximum: 1000, default: 1 }),
    connectTimeoutMs: Type.Integer({ minimum: 1, default: 10_000 }),
    /** From the request sent until the upstream's response headers (image edits take long). */
    firstByteTimeoutMs: Type.Integer({ minimum: 1, default: 300_000 }),
    /** The whole upstream call, upload and download included. */
    requestTimeoutMs: Type.Integer({ minimum: 1, default: 600_000 }),
    /** Give clients that asked for `url` the upstream's own image URLs instead of Pixelgate's. */
    passUpstreamUrls: Type.Boolean({ default: false }),
  },
  strict,
);

const PerMillionTokensSchema = Type.Object(
  {
    textInput: Type.Number({ minimum: 0 }),
    imageInput: Type.Number({ minimum: 0 }),
    imageOutput: Type.Number({ minimum: 0 }),
    /** SVG authoring input tokens (`svg_usage.input_tokens`); absent: the `textInput` rate. */
    svgInput: Type.Optional(Type.Number({ minimum: 0 })),
    /** SVG authoring output tokens, reasoning included (`svg_usage.output_tokens`); absent: the `imageOutput` rate. */
    svgOutput: Type.Optional(Type.Number({ minimum: 0 })),
  },
  strict,
);

/** Price of one served model on upstream channels, in US dollars. */
const ModelPriceSchema = Type.Object(
  {
    model: Type.String({ minLength: 1 }),
    /** dall-e-2 style: dollars per output image by size (`"1024x1024"`), `"*"` for any other size. */
    perImageUsd: Type.Optional(Type.Record(Type.String(), Type.Number({ minimum: 0 }))),
    /** GPT image style: dollars per million tokens, from the upstream's `usage`. */
    perMillionTokensUsd: Type.Optional(PerMillionTokensSchema),
    /** Served at no charge on purpose. An upstream model with no price and no `free` refuses to start. */
    free: Type.Optional(Type.Boolean()),
    /** Output tokens assumed per image when estimating before the edit runs (the reservation). */
    estimatedOutputTokensPerImage: Type.Integer({ minimum: 0, default: 6240 }),
    /** Input image tokens assumed per input image when estimating. */
    estimatedInputTokensPerImage: Type.Integer({ minimum: 0, default: 1600 }),
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
        /**
         * A request body must arrive within this time from the end of its headers, whatever its
         * content type (slow or stalled clients get a 408 and the connection is closed).
         */
        bodyTimeoutMs: Type.Integer({ minimum: 100, default: 120_000 }),
        /**
         * A request's headers must arrive within this time from its first byte (or, on a kept-alive
         * connection, from the end of the previous answer); then the 408 envelope and close. Node
         * also ends any request not wholly received within `headersTimeoutMs + bodyTimeoutMs`.
         */
        headersTimeoutMs: Type.Integer({ minimum: 100, default: 30_000 }),
        /**
         * How long an idle kept-alive connection stays open after an answer (advertised in
         * `Keep-Alive: timeout=`; Node closes the socket 1 s after it). Keep it above the idle
         * timeout of any load balancer in front (60 s on AWS ALB) so the balancer closes first and
         * never reuses a socket this server is closing.
         */
        keepAliveTimeoutMs: Type.Integer({ minimum: 100, default: 72_000 }),
        /** Largest request body accepted; null: derived from the served models' file limits. */
        maxRequestBytes: Type.Union([Type.Integer({ minimum: 1024 }), Type.Null()], { default: null }),
        /** Most multipart parts in one request. */
        maxFormParts: Type.Integer({ minimum: 4, default: 64 }),
        /**
         * With `stream=true`, an SSE comment line (`: keepalive`) goes out this often until the
         * first event, so proxies and CDNs with idle timeouts (100 s on Cloudflare) keep the
         * stream open while the edit runs; SSE clients, the OpenAI SDKs among them, ignore it.
         */
        streamKeepaliveMs: Type.Integer({ minimum: 100, default: 15_000 }),
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
    storage: Type.Object(
      {
        /**
         * Keep results, stored answers and uploaded files in S3-compatible object storage (AWS S3,
         * Cloudflare R2, MinIO) instead of `DATA_DIR/results`, so every node serves what any node
         * stored. Credentials come from the environment variables named here.
         */
        s3: Type.Union(
          [
            Type.Object(
              {
                bucket: Type.String({ minLength: 1 }),
                /** Key prefix inside the bucket. */
                prefix: Type.String({ default: 'pixelgate/' }),
                region: Type.String({ default: 'us-east-1' }),
                /** Custom endpoint (R2, MinIO); absent: AWS S3. */
                endpoint: Type.Optional(Type.String({ minLength: 1 })),
                accessKeyIdEnv: Type.String({ default: 'AWS_ACCESS_KEY_ID' }),
                secretAccessKeyEnv: Type.String({ default: 'AWS_SECRET_ACCESS_KEY' }),
              },
              strict,
            ),
            Type.Null(),
          ],
          { default: null },
        ),
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
    /** Upstreams and their models (relay mode); empty: every model runs on its built-in engine. */
    channels: Type.Array(ChannelSchema, { default: [] }),
    routing: Type.Object(
      {
        /** Consecutive retryable failures after which a channel is taken out of rotation. */
        failureThreshold: Type.Integer({ minimum: 1, default: 3 }),
        /** How long a channel stays out before one probe request may try it again. */
        openDurationMs: Type.Integer({ minimum: 0, default: 30_000 }),
        /** Largest upstream response (JSON with base64 images, or a downloaded image URL). */
        maxUpstreamResponseBytes: Type.Integer({ minimum: 1024, default: 512 * 1024 * 1024 }),
      },
      { ...strict, default: {} },
    ),
    billing: Type.Object(
      {
        /** Price per output image of the built-in engines (`local`, `stand-in`). */
        builtInPerImageUsd: Type.Number({ minimum: 0, default: 0 }),
        prices: Type.Array(ModelPriceSchema, {
          default: [
            { model: 'dall-e-2', perImageUsd: { '256x256': 0.016, '512x512': 0.018, '1024x1024': 0.02 } },
            { model: 'gpt-image-1', perMillionTokensUsd: { textInput: 5, imageInput: 10, imageOutput: 40 } },
            { model: 'gpt-image-1-mini', perMillionTokensUsd: { textInput: 2, imageInput: 2.5, imageOutput: 8 } },
          ],
        }),
      },
      { ...strict, default: {} },
    ),
    files: Type.Object(
      {
        /** Largest file `POST /v1/files` takes, in bytes. */
        maxBytes: Type.Integer({ minimum: 1, default: 50 * 1024 * 1024 }),
        /** How long an uploaded file is kept unless its upload asks for less (`expires_after`). */
        retentionSeconds: Type.Integer({ minimum: 3600, default: 2_592_000 }),
      },
      { ...strict, default: {} },
    ),
    imageUrls: Type.Object(
      {
        /** Fetch `http:` image URLs too (default: `https:` only). */
        allowHttp: Type.Boolean({ default: false }),
        /** Address ranges fetched from although private (an internal image store), e.g. `10.20.0.0/16`. */
        allowedCidrs: Type.Array(Type.String(), { default: [] }),
        /** Address ranges refused besides loopback, private, link-local and reserved ones. */
        deniedCidrs: Type.Array(Type.String(), { default: [] }),
        /** Largest image fetched, in bytes. */
        maxBytes: Type.Integer({ minimum: 1, default: 50 * 1024 * 1024 }),
        /** Time for one image's download, redirects included. */
        timeoutMs: Type.Integer({ minimum: 100, default: 30_000 }),
        maxRedirects: Type.Integer({ minimum: 0, maximum: 10, default: 3 }),
        /** PEM certificates trusted for https image URLs besides the bundled roots (an internal store's CA). */
        extraCaCertificates: Type.Array(Type.String(), { default: [] }),
        /** Largest JSON edit body (data URLs included), in bytes. */
        maxJsonBodyBytes: Type.Integer({ minimum: 1024, default: 64 * 1024 * 1024 }),
      },
      { ...strict, default: {} },
    ),
    sharedState: Type.Object(
      {
        /**
         * Redis for what every node must agree on (key rate and concurrency limits), e.g.
         * `redis://10.0.0.5:6379/0`; null: counted in this process only (one node).
         */
        redisUrl: Type.Union([Type.String({ minLength: 1 }), Type.Null()], { default: null }),
        /** Prefix of the keys written, so deployments can share one Redis. */
        keyPrefix: Type.String({ default: 'pixelgate:' }),
        /**
         * While Redis does not answer: `closed` refuses keys that have rate or concurrency limits
         * (503 `limits_unavailable`); `open` lets them through uncounted. Keys without limits are
         * never affected.
         */
        whenUnavailable: Type.Union([Type.Literal('closed'), Type.Literal('open')], { default: 'closed' }),
        /** How long an edit in flight counts against its key's limit without its node renewing it (a node that died frees its slots after this). */
        leaseMs: Type.Integer({ minimum: 300, default: 60_000 }),
      },
      { ...strict, default: {} },
    ),
    tracing: Type.Object(
      {
        /** Send OpenTelemetry traces (a span per request, children per step) over OTLP/HTTP. */
        enabled: Type.Boolean({ default: false }),
        /** Where the OTLP/HTTP (JSON) trace exporter posts. */
        otlpEndpoint: Type.String({ default: 'http://127.0.0.1:4318/v1/traces' }),
        serviceName: Type.String({ default: 'pixelgate' }),
        /** Longest wait before a batch of ended spans is sent. */
        exportDelayMs: Type.Integer({ minimum: 10, default: 5000 }),
      },
      { ...strict, default: {} },
    ),
    metrics: Type.Object(
      {
        /** Serve Prometheus metrics at `GET /metrics` (admin key required on the main port). */
        enabled: Type.Boolean({ default: true }),
        /** Also serve them, without authentication, on this port (e.g. for a scraper on a private network); null: not. */
        listenPort: Type.Union([Type.Integer({ minimum: 0, maximum: 65535 }), Type.Null()], { default: null }),
        /** The address that port listens on. */
        listenHost: Type.String({ default: '127.0.0.1' }),
      },
      { ...strict, default: {} },
    ),
    tasks: Type.Object(
      {
        /** How long an async task (`Prefer: respond-async`) and its result are kept after it was submitted. */
        retentionSeconds: Type.Integer({ minimum: 60, default: 86_400 }),
      },
      { ...strict, default: {} },
    ),
    idempotency: Type.Object(
      {
        /** How long an `Idempotency-Key` binds its request and its answer is kept for replay (answer images in the result store). */
        retentionSeconds: Type.Integer({ minimum: 60, default: 86_400 }),
        /** How long a retry waits for the first request with its key, still running, before the 409. */
        waitMs: Type.Integer({ minimum: 0, default: 120_000 }),
      },
      { ...strict, default: {} },
    ),
    engines: Type.Object(
      {
        local: Type.Object(
          {
            /** Worker threads for the fill; null: one per core. */
            threads: Type.Union([Type.Integer({ minimum: 1, maximum: 64 }), Type.Null()], { default: null }),
            /** Threads a fill may run on: 2 adds a helper thread per worker, used while the engine's tasks in flight leave a core free; 1 never; null: 2 on two or more cores. The output is the same. */
            threadsPerFill: Type.Union([Type.Literal(1), Type.Literal(2), Type.Null()], { default: null }),
            /** Jobs waiting beyond the running ones; more get 429 with retry-after. */
            maxQueuedJobs: Type.Integer({ minimum: 0, default: 64 }),
            /** Wall time per request (queue wait included) after which fills stop iterating and return a coarser result instead of timing out; null: no budget. */
            timeBudgetMs: Type.Union([Type.Integer({ minimum: 1 }), Type.Null()], { default: 30000 }),
            /** Fills run side by side only while their output pixels together stay within this; the others wait in the queue (a fill above it runs alone). Bounds memory: a fill peaks near 130 bytes per output pixel. */
            pixelBudget: Type.Integer({ minimum: 1, default: 4194304 }),
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
export type ChannelConfig = Static<typeof ChannelSchema>;
export type ModelPriceConfig = Static<typeof ModelPriceSchema>;
