/**
 * What a relayed edit carries beyond the engine contract's `EditJob`: the client's own text
 * fields (forwarded as sent, in wire order), the requested `response_format`, whether the
 * client asked for a stream, and a sink for upstream stream events passed through unchanged.
 * The router fills these in; the built-in engines ignore them.
 */
import type { EditJob } from '../engine.ts';

export interface ForwardedField {
  readonly name: string;
  readonly value: string;
}

/** One Server-Sent Event as the upstream sent it: event name and the raw `data` text. */
export interface UpstreamStreamEvent {
  readonly event: string;
  readonly data: string;
}

export interface RelayJobExtras {
  /** The client's text fields in wire order, `model` included (the adapter rewrites it). */
  readonly forwardedFields: readonly ForwardedField[];
  /** What the client asked for; an upstream's URLs may be handed over as they are only for `url`. */
  readonly responseFormat: 'url' | 'b64_json';
  /** `stream=true` was asked for: the adapter streams from the upstream and emits events. */
  readonly stream: boolean;
  /** Called with each `image_edit.partial_image` event, before the completed one. */
  readonly onUpstreamEvent?: (event: UpstreamStreamEvent) => void;
  /** A JSON edit's body, sent as JSON to upstreams that take it (else the files go as multipart). */
  readonly upstreamJson?: { readonly raw: string | null; readonly body: Readonly<Record<string, unknown>> };
  /** The W3C `traceparent` of this attempt's span, sent upstream when tracing is on. */
  readonly traceparent?: string | null;
}

export type RelayEditJob = EditJob & Partial<RelayJobExtras>;
