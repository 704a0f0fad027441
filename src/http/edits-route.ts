/**
 * `POST /v1/images/edits` (and the seed's `/v1/images/edits/`): check the key's rate and
 * concurrency limits, read the multipart body as a stream, validate it against the model's
 * rules, check the key may use the model and reserve its estimated cost, run the edit on the
 * model's channels (failing over), publish `url` results, answer as OpenAI does, then settle
 * and record usage. Spooled uploads are removed when the request ends, whatever happens.
 */
import { rm } from 'node:fs/promises';
import path from 'node:path';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AdmissionOutcome, KeyAdmission } from '../accounts/key-admission.ts';
import type { KeyAccount, UsageLedger } from '../accounts/usage-ledger.ts';
import type { EditBilling, OpenCharge } from '../billing/edit-billing.ts';
import type { EditResult, PartialImage } from '../engines/engine.ts';
import type { RelayEditResult } from '../engines/openai/openai-image-engine.ts';
import type { UpstreamStreamEvent } from '../engines/openai/relay-edit-job.ts';
import { buildEditResponse, type ImageDatum } from '../openai/edit-response.ts';
import { apiError, type ApiError } from '../openai/error-catalogue.ts';
import type { ServedModels } from '../openai/model-directory.ts';
import { parseEditRequest, type EditRequest } from '../openai/parse-edit-request.ts';
import type { ChannelRouter } from '../routing/channel-router.ts';
import { routedFailureToApiError } from '../routing/routed-failure-to-api-error.ts';
import { NoChannelAvailableError, RoutedEditError, runRoutedEdit, type RoutedEditResult } from '../routing/run-routed-edit.ts';
import type { ResultPublisher } from '../storage/result-publisher.ts';
import { readMultipartForm, type MultipartLimits } from './read-multipart-form.ts';
import { toApiError } from './render-api-error.ts';
import { sendEditStream } from './send-edit-stream.ts';

/** Key limits, credit and usage records; absent: every key is unlimited and nothing is recorded. */
export interface EditAccounting {
  readonly ledger: UsageLedger;
  readonly billing: EditBilling;
  readonly admission: KeyAdmission;
}

export interface EditsRouteOptions {
  readonly models: ServedModels;
  readonly router: ChannelRouter;
  readonly accounting: EditAccounting | null;
  readonly publisher: ResultPublisher;
  readonly uploadsDirectory: string;
  readonly maxInputPixels: number;
  readonly maxRequestBytes: number;
  readonly maxFormParts: number;
  readonly bodyTimeoutMs: number;
  readonly publicBaseUrl: string | null;
  readonly clock: () => number;
  /** Interval of the `: keepalive` comments on a stream before its first event. */
  readonly streamKeepaliveMs: number;
  /** Fixed seed for every edit (tests); random per request when absent. */
  readonly seed?: number;
}

const MAX_FIELD_BYTES = 256 * 1024;

/** Aborted when the client goes away before the response is complete. */
function abortOnDisconnect(reply: FastifyReply): AbortController {
  const controller = new AbortController();
  reply.raw.on('close', () => {
    if (!reply.raw.writableFinished) controller.abort();
  });
  return controller;
}

function failedChannel(error: unknown): string | null {
  if (error instanceof RoutedEditError) return error.channel;
  if (error instanceof NoChannelAvailableError) return error.lastChannel;
  return null;
}

function admissionRefusal(outcome: Extract<AdmissionOutcome, { admitted: false }>, account: KeyAccount): ApiError {
  const reason =
    outcome.reason === 'requests_per_minute'
      ? `This API key allows ${account.limits.requestsPerMinute} requests per minute.`
      : `This API key allows ${account.limits.maxConcurrentEdits} edits in flight at once.`;
  return apiError('rate_limit_exceeded', { reason, retryAfterSeconds: Math.max(1, Math.ceil(outcome.retryAfterMs / 1000)) });
}

export function registerEditsRoute(app: FastifyInstance, options: EditsRouteOptions): void {
  const limits: MultipartLimits = {
    maxRequestBytes: options.maxRequestBytes,
    maxParts: options.maxFormParts,
    maxFieldBytes: MAX_FIELD_BYTES,
    bodyTimeoutMs: options.bodyTimeoutMs,
    largestFileBytes: options.models.largestFileBytes(),
    fileLimit: (fieldName, partsSoFar) => options.models.fileLimitFor(fieldName, partsSoFar),
  };
  const { accounting } = options;

  async function imagesResponse(request: FastifyRequest, editRequest: EditRequest, result: EditResult) {
    const data: ImageDatum[] = [];
    const upstreamUrls = (result as RelayEditResult).upstreamUrls;
    if (upstreamUrls) {
      // Only channels configured with `passUpstreamUrls` answer this way, and only for `url`.
      for (const url of upstreamUrls) data.push({ url });
    } else if (editRequest.responseFormat === 'url') {
      const base = options.publicBaseUrl ?? `${request.protocol}://${request.host}`;
      for (const image of result.images) data.push({ url: base + (await options.publisher.publish(image.bytes, image.format)) });
    } else {
      for (const image of result.images) data.push({ b64_json: image.bytes.toString('base64') });
    }
    return buildEditResponse(editRequest, Math.floor(options.clock() / 1000), result.images, data, result.usage);
  }

  /** Opens the charge (model allowed, credit reserved) or throws the refusal. */
  async function openCharge(account: KeyAccount | null, editRequest: EditRequest): Promise<OpenCharge | null> {
    if (!accounting) return null;
    const candidates = options.router.targetsFor(editRequest.model.id).map((target) => target.channel);
    const charge = await accounting.billing.open(account, editRequest, candidates);
    if (charge.kind === 'model_not_allowed') throw apiError('model_not_allowed', { model: editRequest.model.id });
    if (charge.kind === 'insufficient_quota') throw apiError('insufficient_quota');
    return charge;
  }

  async function handler(request: FastifyRequest, reply: FastifyReply) {
    if (!request.isMultipart()) {
      throw apiError('invalid_content_type', { received: String(request.headers['content-type'] ?? 'none') });
    }
    const declaredLength = Number(request.headers['content-length'] ?? 0);
    if (declaredLength > options.maxRequestBytes) throw apiError('request_too_large', { limitBytes: options.maxRequestBytes });
    const startedAtMs = options.clock();
    const principal = request.principal;
    const account = accounting && principal?.kind === 'key' ? await accounting.ledger.account(principal.key.id) : null;
    let admission: AdmissionOutcome | null = null;
    if (accounting && account) {
      admission = accounting.admission.admit(account.keyId, account.limits);
      if (!admission.admitted) throw admissionRefusal(admission, account);
    }
    const spoolDirectory = path.join(options.uploadsDirectory, request.id);
    try {
      const parts = await readMultipartForm(request, spoolDirectory, limits);
      const editRequest = parseEditRequest(parts, options.models, options.maxInputPixels);
      const charge = await openCharge(account, editRequest);
      const controller = abortOnDisconnect(reply);
      const finish = async (routed: RoutedEditResult | null, failure: ApiError | null, error: unknown) => {
        if (routed && routed.attempts.length > 1) request.log.warn({ attempts: routed.attempts }, 'edit served after failover');
        if (!charge || !accounting) return;
        const clientGone = controller.signal.aborted;
        await accounting.billing.close(charge, {
          requestId: request.id,
          request: editRequest,
          channel: routed ? { name: routed.channel.name, builtIn: routed.channel.builtIn } : failedChannelOf(error),
          // A client that went away is not a server error: recorded as 499, nothing charged.
          status: failure ? (clientGone ? 'client_closed' : 'failed') : 'succeeded',
          httpStatus: failure ? (clientGone ? 499 : failure.status) : 200,
          latencyMs: options.clock() - startedAtMs,
          result: routed?.result ?? null,
        });
      };
      const route = (onPartialImage?: (partial: PartialImage) => void, onUpstreamEvent?: (event: UpstreamStreamEvent) => void) =>
        runRoutedEdit(options.router, editRequest, { requestId: request.id, signal: controller.signal, seed: options.seed, onPartialImage, onUpstreamEvent });
      const failWith = async (error: unknown): Promise<never> => {
        if (error instanceof RoutedEditError || error instanceof NoChannelAvailableError) {
          request.log.warn({ attempts: error.attempts }, 'edit failed on its channels');
        }
        const failure = toApiError(routedFailureToApiError(error), request);
        await finish(null, failure, error);
        throw failure;
      };

      if (editRequest.stream) {
        await sendEditStream(
          request,
          reply,
          editRequest,
          async (onPartialImage, onUpstreamEvent) => {
            const routed = await route(onPartialImage, onUpstreamEvent).catch(failWith);
            await finish(routed, null, null);
            return routed.result;
          },
          options.clock,
          options.streamKeepaliveMs,
        );
        return reply;
      }
      const routed = await route().catch(failWith);
      const response = await imagesResponse(request, editRequest, routed.result).catch(failWith);
      await finish(routed, null, null);
      return response;
    } finally {
      if (admission?.admitted) admission.release();
      await rm(spoolDirectory, { recursive: true, force: true });
    }
  }

  function failedChannelOf(error: unknown): { name: string; builtIn: boolean } | null {
    const name = failedChannel(error);
    if (name === null) return null;
    const channel = options.router.channels().find((candidate) => candidate.name === name);
    return { name, builtIn: channel?.builtIn ?? false };
  }

  for (const url of ['/v1/images/edits', '/v1/images/edits/']) app.post(url, handler);
}
