/**
 * `createApp(services)`: the whole HTTP application with no globals and no sockets. `main.ts`
 * wires real services and listens; tests build it in-process or listen on a loopback port.
 */
import path from 'node:path';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import multipart from '@fastify/multipart';
import type { KeyStore } from './accounts/key-store.ts';
import type { UsageLedger } from './accounts/usage-ledger.ts';
import type { EditRecordStore } from './accounts/edit-record-store.ts';
import type { PixelgateConfig } from './config/config-schema.ts';
import type { ImageEngine } from './engines/engine.ts';
import { registerAdminChannelsRoute } from './http/admin-channels-route.ts';
import { registerAdminKeysRoute } from './http/admin-keys-route.ts';
import { registerAdminUsageRoute } from './http/admin-usage-route.ts';
import { createAuthenticator } from './http/authenticate.ts';
import { registerBodyTimeout } from './http/body-timeout.ts';
import { createClientErrorHandler } from './http/client-error-handler.ts';
import { registerEditsRoute } from './http/edits-route.ts';
import { registerHostHeaderCheck } from './http/host-header-check.ts';
import { registerModelsRoute } from './http/models-route.ts';
import { frameworkErrorToApiError, sendApiError, toApiError } from './http/render-api-error.ts';
import { newRequestId, registerResponseHeaders, setResponseHeaders } from './http/response-headers.ts';
import { registerResultsRoute } from './http/results-route.ts';
import { registerRouteAccess } from './http/route-access.ts';
import { registerExpectationHandler } from './http/expectation-handler.ts';
import { registerShutdownConnections } from './http/shutdown-connections.ts';
import { sendUnmatchedRoute } from './http/unmatched-route.ts';
import { urlWithoutQuery } from './http/url-without-query.ts';
import { registerWebConsoleRoute } from './http/web-console-route.ts';
import { buildOpenApiDocument } from './openai/openapi-document.ts';
import { createEditPipeline } from './edits/create-edit-pipeline.ts';
import type { BlobStore } from './storage/blob-store.ts';
import type { NodeRegistration } from './storage/node-registry.ts';
import type { FileStore } from './accounts/file-store.ts';
import type { AdmissionStore } from './shared-state/admission-store.ts';
import type { CircuitSync } from './shared-state/circuit-sync.ts';
import { FileLibrary } from './files/file-library.ts';
import { registerFilesRoute } from './http/files-route.ts';
import { registerHealthRoute, type BackendProbe } from './http/health-route.ts';
import { registerTasksRoute } from './http/tasks-route.ts';
import { registerMetricsRoute } from './http/metrics-route.ts';
import { AddressPolicy } from './net/address-policy.ts';
import { Tracing } from './observability/tracing.ts';
import { registerRequestTracing } from './http/request-tracing.ts';
import { ImageUrlFetcher } from './net/image-url-fetcher.ts';
import { builtInLoads, PixelgateMetrics } from './observability/pixelgate-metrics.ts';
import { EditRecovery } from './edits/edit-recovery.ts';

export interface AppServices {
  readonly config: PixelgateConfig;
  readonly keyStore: KeyStore;
  readonly blobStore: BlobStore;
  readonly signingSecret: Buffer;
  /** Engines by channel name (`local`, `stand-in`, and each of `channels[].name`), as `createEngines` builds them. */
  readonly engines: ReadonlyMap<string, ImageEngine>;
  /** Key limits, credit and usage records; absent: keys are unlimited and no usage is recorded. */
  readonly usageLedger?: UsageLedger;
  /** Idempotency records and async tasks; absent: `Idempotency-Key` is refused and `Prefer: respond-async` not applied. */
  readonly editRecords?: EditRecordStore;
  /** Where key rate and concurrency limits are counted (Redis across nodes); this process's memory when absent. */
  readonly admissionStore?: AdmissionStore;
  /** What `/health` checks and reports; absent: none (in-process tests). */
  readonly backendProbes?: readonly BackendProbe[];
  /** Shares circuit-breaker verdicts with the other nodes (Redis); absent: each node on its own. */
  readonly circuitSync?: CircuitSync;
  /** Records of `POST /v1/files` uploads; absent: the files API is not served and `file_id` refers to nothing. */
  readonly fileStore?: FileStore;
  /** This process among those on the data directory (`registerNode`); absent: a random node id. */
  readonly node?: Pick<NodeRegistration, 'nodeId' | 'departedNodeIds' | 'forgetDeparted'>;
  readonly clock?: () => number;
  readonly logger?: FastifyServerOptions['logger'];
  /** Fixed seed for every edit, for reproducible tests. */
  readonly seed?: number;
}

export const PIXELGATE_VERSION = '0.1.0';

export function defaultLoggerOptions(level: string): FastifyServerOptions['logger'] {
  return {
    level,
    redact: ['req.headers.authorization', 'req.headers.cookie'],
    serializers: {
      req: (request: { method: string; url: string; id: string }) => ({ method: request.method, url: urlWithoutQuery(request.url), id: request.id }),
    },
  };
}

/** Longest path parameter (result key, model id, key id); longer ones get the 414 envelope. */
const maxParamLength = 100;

export async function createApp(services: AppServices): Promise<FastifyInstance> {
  const { config } = services;
  const clock = services.clock ?? Date.now;
  const timeouts = {
    headersTimeoutMs: config.server.headersTimeoutMs,
    requestTimeoutMs: config.server.headersTimeoutMs + config.server.bodyTimeoutMs,
  };
  const app = Fastify({
    logger: services.logger ?? defaultLoggerOptions(config.logging.level),
    genReqId: newRequestId,
    requestIdHeader: false,
    bodyLimit: 1024 * 1024,
    maxParamLength,
    trustProxy: config.server.publicBaseUrl !== null,
    keepAliveTimeout: config.server.keepAliveTimeoutMs,
    // Node's backstop for bodies no route reads; parsed bodies time out in body-timeout.ts.
    requestTimeout: timeouts.requestTimeoutMs,
    // Node checks its timeouts this often; its default of 30 s would let them fire that late.
    http: { headersTimeout: timeouts.headersTimeoutMs, requireHostHeader: false, connectionsCheckingInterval: 250 },
    clientErrorHandler: createClientErrorHandler(timeouts),
    frameworkErrors: (error, request, reply) => {
      setResponseHeaders(request, reply);
      sendApiError(frameworkErrorToApiError(error, maxParamLength), request, reply);
    },
    // Idle sockets close when shutdown begins; busy ones after their answer (shutdown-connections.ts).
    forceCloseConnections: 'idle',
    return503OnClosing: false,
  });
  await app.register(multipart);

  const metricsSources = {
    channels: () => router.views().map((view) => ({ name: view.name, builtIn: builtInChannels.has(view.name), state: view.state })),
    engineLoads: () => builtInLoads(services.engines),
    tasksRunning: () => tasks?.runningCount ?? 0,
    tasksByState: services.editRecords ? () => services.editRecords!.countTasksByStatus() : null,
  };
  const metrics = config.metrics.enabled ? new PixelgateMetrics(metricsSources) : null;
  const { pipeline, router, models, tasks, billing } = createEditPipeline({
    config,
    engines: services.engines,
    blobStore: services.blobStore,
    signingSecret: services.signingSecret,
    usageLedger: services.usageLedger ?? null,
    editRecords: services.editRecords ?? null,
    clock,
    log: app.log,
    seed: services.seed,
    nodeId: services.node?.nodeId,
    observer: metrics ?? undefined,
    admissionStore: services.admissionStore,
  });
  if (services.circuitSync) {
    const sync = services.circuitSync;
    app.addHook('onReady', () => sync.attach(router.health));
  }
  const builtInChannels = new Set(router.channels().filter((channel) => channel.builtIn).map((channel) => channel.name));
  if (tasks || billing) {
    const recovery = new EditRecovery({ tasks, billing }, services.node ?? null, app.log);
    app.addHook('onReady', () => recovery.start());
    // Tasks running here get most of the shutdown grace to finish.
    app.addHook('onClose', () => recovery.stop(Math.floor(config.server.shutdownGraceMs * 0.8)));
  }
  const imageUrls = config.imageUrls;
  const imageUrlFetcher = new ImageUrlFetcher({
    policy: new AddressPolicy({ allowedCidrs: imageUrls.allowedCidrs, deniedCidrs: imageUrls.deniedCidrs }),
    maxBytes: imageUrls.maxBytes,
    timeoutMs: imageUrls.timeoutMs,
    maxRedirects: imageUrls.maxRedirects,
    allowHttp: imageUrls.allowHttp,
    extraCaCertificates: imageUrls.extraCaCertificates,
  });
  app.addHook('onClose', () => imageUrlFetcher.close());
  const fileLibrary = services.fileStore
    ? new FileLibrary({ store: services.fileStore, blobStore: services.blobStore, clock, retentionSeconds: config.files.retentionSeconds })
    : null;
  const authenticate = createAuthenticator(services.keyStore, config.adminKey);
  const openApiDocument = buildOpenApiDocument(models, PIXELGATE_VERSION);

  const tracing = config.tracing.enabled
    ? Tracing.on({ serviceName: config.tracing.serviceName, serviceVersion: PIXELGATE_VERSION, otlpEndpoint: config.tracing.otlpEndpoint, exportDelayMs: config.tracing.exportDelayMs })
    : Tracing.off();
  app.addHook('onClose', () => tracing.shutdown());
  registerRequestTracing(app, tracing);
  registerResponseHeaders(app, clock);
  app.setErrorHandler((error, request, reply) => sendApiError(toApiError(error, request), request, reply));
  app.setNotFoundHandler((request, reply) => sendUnmatchedRoute(app, request, reply));

  registerHostHeaderCheck(app);
  registerShutdownConnections(app);
  registerExpectationHandler(app.server);
  registerBodyTimeout(app, config.server.bodyTimeoutMs);
  registerRouteAccess(app, authenticate);

  registerHealthRoute(app, services.backendProbes ?? []);
  app.get('/openapi.json', async () => openApiDocument);
  registerModelsRoute(app, models, Math.floor(clock() / 1000));
  registerEditsRoute(app, {
    pipeline,
    uploadsDirectory: path.join(config.dataDir, 'tmp', 'uploads'),
    maxRequestBytes: config.server.maxRequestBytes ?? models.largestRequestBytes(),
    maxFormParts: config.server.maxFormParts,
    bodyTimeoutMs: config.server.bodyTimeoutMs,
    publicBaseUrl: config.server.publicBaseUrl,
    streamKeepaliveMs: config.server.streamKeepaliveMs,
    clock,
    json: { fetcher: imageUrlFetcher, files: fileLibrary, maxBodyBytes: config.imageUrls.maxJsonBodyBytes },
  });
  registerTasksRoute(app, tasks);
  if (fileLibrary) {
    registerFilesRoute(app, { library: fileLibrary, uploadsDirectory: path.join(config.dataDir, 'tmp', 'uploads'), maxFileBytes: config.files.maxBytes, bodyTimeoutMs: config.server.bodyTimeoutMs });
  }
  if (metrics) registerMetricsRoute(app, metrics, { listenPort: config.metrics.listenPort, listenHost: config.metrics.listenHost });
  registerResultsRoute(app, services.blobStore, services.signingSecret, clock);
  registerAdminKeysRoute(app, services.keyStore, services.usageLedger ?? null, config.models.served.map((model) => model.id));
  if (services.usageLedger) registerAdminUsageRoute(app, services.usageLedger, clock);
  registerAdminChannelsRoute(app, router);
  await registerWebConsoleRoute(app);
  return app;
}
