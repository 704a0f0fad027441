/**
 * `EditRun`: one admitted, parsed and reserved edit, from routing to settlement. `route` runs
 * it on the model's channels (failing over), `answer` turns the result into OpenAI's
 * `ImagesResponse` (publishing `url` results), and the run is settled exactly once — by
 * `succeeded` after the answer, or by the failure `route` and `answer` throw — so an edit is
 * never charged twice and a failed one never at all.
 */
import type { EditBilling, OpenCharge } from '../billing/edit-billing.ts';
import type { EditResult, PartialImage } from '../engines/engine.ts';
import type { RelayEditResult } from '../engines/openai/openai-image-engine.ts';
import type { UpstreamStreamEvent } from '../engines/openai/relay-edit-job.ts';
import { buildEditResponse, type ImageDatum, type ImagesResponse } from '../openai/edit-response.ts';
import type { ApiError } from '../openai/error-catalogue.ts';
import type { EditRequest } from '../openai/parse-edit-request.ts';
import type { ChannelRouter } from '../routing/channel-router.ts';
import { routedFailureToApiError } from '../routing/routed-failure-to-api-error.ts';
import { NoChannelAvailableError, RoutedEditError, runRoutedEdit, type ChannelAttempt, type RoutedEditResult } from '../routing/run-routed-edit.ts';
import type { EditSettlement } from '../observability/pixelgate-metrics.ts';
import { noEditTrace, type EditTrace } from '../observability/edit-trace.ts';
import type { ResultPublisher } from '../storage/result-publisher.ts';

/** Who asked, as the caller's edge knows it. */
export interface EditCaller {
  readonly requestId: string;
  /** Turns any failure into the catalogue error the client gets (logging what is unexpected). */
  readonly toApiError: (error: unknown) => ApiError;
  readonly log: { warn(fields: object, message: string): void };
  /** The request's trace; spans for each channel attempt and the answer open under it. */
  readonly trace?: EditTrace;
}

export interface RouteHooks {
  /**
   * Aborts the edit (the server is stopping). A client going away does not: an edit that has
   * begun is finished and charged, its answer parked for a retry or recorded `client_gone`.
   */
  readonly signal: AbortSignal;
  readonly onPartialImage?: (partial: PartialImage) => void;
  readonly onUpstreamEvent?: (event: UpstreamStreamEvent) => void;
  /** Seed of the first output (the CLI's `--seed`); else the service's, else random. */
  readonly seed?: number;
}

export interface EditRunServices {
  readonly router: ChannelRouter;
  readonly billing: EditBilling | null;
  readonly publisher: ResultPublisher;
  readonly clock: () => number;
  readonly seed?: number;
  /** Told of every settled edit (metrics). */
  readonly observer?: EditObserver;
}

export interface EditObserver {
  editSettled(edit: EditSettlement): void;
}

function attemptsOf(error: unknown): readonly ChannelAttempt[] {
  return error instanceof RoutedEditError || error instanceof NoChannelAvailableError ? error.attempts : [];
}

export class EditRun {
  readonly #services: EditRunServices;
  readonly #caller: EditCaller;
  readonly #charge: OpenCharge | null;
  readonly #startedAtMs: number;
  #routed: RoutedEditResult | null = null;
  #settled = false;

  constructor(services: EditRunServices, caller: EditCaller, readonly request: EditRequest, charge: OpenCharge | null, startedAtMs: number) {
    this.#services = services;
    this.#caller = caller;
    this.#charge = charge;
    this.#startedAtMs = startedAtMs;
  }

  get requestId(): string {
    return this.#caller.requestId;
  }

  /** Credit held for this edit until it is settled (micro-USD; 0 when nothing is held). */
  get reservedMicroUsd(): number {
    return this.#charge?.reservedMicroUsd ?? 0;
  }

  /** The edit's result; on failure the run is settled as failed and the client's error thrown. */
  async route(hooks: RouteHooks): Promise<RelayEditResult> {
    try {
      this.#routed = await runRoutedEdit(this.#services.router, this.request, {
        requestId: this.#caller.requestId,
        signal: hooks.signal,
        seed: hooks.seed ?? this.#services.seed,
        onPartialImage: hooks.onPartialImage,
        onUpstreamEvent: hooks.onUpstreamEvent,
        trace: this.#caller.trace,
      });
    } catch (error) {
      if (error instanceof RoutedEditError || error instanceof NoChannelAvailableError) {
        this.#caller.log.warn({ attempts: error.attempts }, 'edit failed on its channels');
      }
      throw await this.#fail(error);
    }
    if (this.#routed.attempts.length > 1) this.#caller.log.warn({ attempts: this.#routed.attempts }, 'edit served after failover');
    return this.#routed.result;
  }

  /** The JSON answer, `url` results published under `baseUrl`; a failure to publish settles the run as failed. */
  async answer(result: EditResult, baseUrl: string): Promise<ImagesResponse> {
    const span = (this.#caller.trace ?? noEditTrace).start('edit.answer', { 'pixelgate.response_format': this.request.responseFormat, 'pixelgate.images': result.images.length });
    try {
      const data: ImageDatum[] = [];
      const upstreamUrls = (result as RelayEditResult).upstreamUrls;
      if (upstreamUrls) {
        // Only channels configured with `passUpstreamUrls` answer this way, and only for `url`.
        for (const url of upstreamUrls) data.push({ url });
      } else if (this.request.responseFormat === 'url') {
        for (const image of result.images) data.push({ url: baseUrl + (await this.#services.publisher.publish(image.bytes, image.format)) });
      } else {
        for (const image of result.images) data.push({ b64_json: image.bytes.toString('base64') });
      }
      const response = buildEditResponse(this.request, Math.floor(this.#services.clock() / 1000), result.images, data, result.usage);
      span.end();
      return response;
    } catch (error) {
      span.end({}, error);
      throw await this.#fail(error);
    }
  }

  /**
   * Settles a run whose answer is ready: charged as the result's usage says. `delivered: false`
   * (the client had gone and no retry can fetch the answer) records it as `client_gone`.
   */
  async succeeded(options: { readonly delivered: boolean } = { delivered: true }): Promise<void> {
    await this.#settle(null, !options.delivered);
  }

  /** Settles the run as failed by `error` (unless it was settled already); returns the client's error. */
  async fail(error: unknown): Promise<ApiError> {
    return this.#fail(error);
  }

  async #fail(error: unknown): Promise<ApiError> {
    const failure = this.#caller.toApiError(routedFailureToApiError(error));
    await this.#settle({ failure, error }, false);
    return failure;
  }

  async #settle(failed: { failure: ApiError; error: unknown } | null, clientGone: boolean): Promise<void> {
    if (this.#settled) return;
    this.#settled = true;
    const { billing, clock, observer } = this.#services;
    const routed = failed ? null : this.#routed;
    const channel = routed ? { name: routed.channel.name, builtIn: routed.channel.builtIn } : this.#failedChannel(failed?.error);
    // A result nobody received is still charged (the upstream billed it): `client_gone`.
    const status = failed ? 'failed' : clientGone ? 'client_gone' : 'succeeded';
    const result = routed?.result ?? null;
    const costMicroUsd =
      this.#charge && billing
        ? await billing.close(this.#charge, {
            requestId: this.#caller.requestId,
            request: this.request,
            channel,
            status,
            httpStatus: failed ? failed.failure.status : clientGone ? 499 : 200,
            latencyMs: clock() - this.#startedAtMs,
            result,
          })
        : 0;
    observer?.editSettled({
      model: this.request.model.id,
      channel: channel?.name ?? null,
      status,
      images: result?.images.length ?? 0,
      usage: result?.usage ?? null,
      costMicroUsd,
      attempts: routed?.attempts ?? attemptsOf(failed?.error),
    });
  }

  #failedChannel(error: unknown): { name: string; builtIn: boolean } | null {
    const name = error instanceof RoutedEditError ? error.channel : error instanceof NoChannelAvailableError ? error.lastChannel : null;
    if (name === null) return null;
    const channel = this.#services.router.channels().find((candidate) => candidate.name === name);
    return { name, builtIn: channel?.builtIn ?? false };
  }
}
