/**
 * `EditTrace`: the tracing the edit flow sees — a span it is inside, whose children it can
 * open — without depending on OpenTelemetry (`tracing.ts` implements it; `noEditTrace` is the
 * one used when tracing is off). Attributes are plain values; the request id is on every span.
 */
export type TraceAttributes = Readonly<Record<string, string | number | boolean>>;

export interface EditTrace {
  /** Runs `work` inside a child span named `name`, ended (with the error recorded) when it settles. */
  span<T>(name: string, attributes: TraceAttributes, work: (child: EditTrace) => Promise<T>): Promise<T>;
  /** Opens a child span; `end` it with its final attributes (and the error, when it failed). */
  start(name: string, attributes: TraceAttributes): OpenSpan;
  /** Adds attributes to this span. */
  set(attributes: TraceAttributes): void;
  /** The W3C `traceparent` header naming this span, to pass upstream; null when not tracing. */
  traceparent(): string | null;
}

export interface OpenSpan {
  end(attributes?: TraceAttributes, error?: unknown): void;
  /** The W3C `traceparent` naming this span; null when not tracing. */
  traceparent(): string | null;
}

const noOpenSpan: OpenSpan = { end: () => {}, traceparent: () => null };

export const noEditTrace: EditTrace = {
  span: (_name, _attributes, work) => work(noEditTrace),
  start: () => noOpenSpan,
  set: () => {},
  traceparent: () => null,
};
