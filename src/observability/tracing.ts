/**
 * OpenTelemetry traces (off by default; `tracing.enabled`): a server span per request, parented
 * on an incoming W3C `traceparent`, with children the edit flow opens through `EditTrace`
 * (parsing and spooling, each channel attempt, the built-in fill, publication). Spans are
 * batched to an OTLP/HTTP endpoint (`tracing.otlpEndpoint`). Parents are passed explicitly —
 * no global context manager — so nothing else in the process is affected.
 */
import { context, SpanKind, SpanStatusCode, trace, type Context, type Span, type Tracer } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, NodeTracerProvider, type SpanExporter } from '@opentelemetry/sdk-trace-node';
import { noEditTrace, type EditTrace, type OpenSpan, type TraceAttributes } from './edit-trace.ts';

export interface TracingOptions {
  readonly serviceName: string;
  readonly serviceVersion: string;
  readonly otlpEndpoint: string;
  readonly exportDelayMs: number;
  /** Replaces the OTLP exporter (tests). */
  readonly exporter?: SpanExporter;
}

const propagator = new W3CTraceContextPropagator();
const headerGetter = {
  get: (carrier: Record<string, string | string[] | undefined>, key: string) => carrier[key],
  keys: (carrier: Record<string, string | string[] | undefined>) => Object.keys(carrier),
};

class SpanTrace implements EditTrace {
  constructor(
    private readonly tracer: Tracer,
    private readonly current: Span,
    private readonly inherited: TraceAttributes,
  ) {}

  #child(name: string, attributes: TraceAttributes): Span {
    const parent = trace.setSpan(context.active(), this.current);
    return this.tracer.startSpan(name, { attributes: { ...this.inherited, ...attributes } }, parent);
  }

  async span<T>(name: string, attributes: TraceAttributes, work: (child: EditTrace) => Promise<T>): Promise<T> {
    const span = this.#child(name, attributes);
    try {
      return await work(new SpanTrace(this.tracer, span, this.inherited));
    } catch (error) {
      recordError(span, error);
      throw error;
    } finally {
      span.end();
    }
  }

  start(name: string, attributes: TraceAttributes): OpenSpan {
    const span = this.#child(name, attributes);
    return {
      end: (final, error) => {
        if (final) span.setAttributes(final);
        if (error !== undefined) recordError(span, error);
        span.end();
      },
      traceparent: () => traceparentOf(span),
    };
  }

  set(attributes: TraceAttributes): void {
    this.current.setAttributes(attributes);
  }

  traceparent(): string | null {
    return traceparentOf(this.current);
  }
}

function traceparentOf(span: Span): string | null {
  const carrier: Record<string, string> = {};
  propagator.inject(trace.setSpan(context.active(), span), carrier, { set: (target, key, value) => ((target as Record<string, string>)[key] = value) });
  return carrier.traceparent ?? null;
}

function recordError(span: Span, error: unknown): void {
  span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
}

/** The request's trace: started by `startRequest`, ended by `end` with the response status. */
export interface RequestTrace {
  readonly trace: EditTrace;
  end(statusCode: number): void;
}

export class Tracing {
  readonly #provider: NodeTracerProvider | null;
  readonly #tracer: Tracer | null;

  private constructor(provider: NodeTracerProvider | null) {
    this.#provider = provider;
    this.#tracer = provider ? provider.getTracer('pixelgate') : null;
  }

  static off(): Tracing {
    return new Tracing(null);
  }

  static on(options: TracingOptions): Tracing {
    const exporter = options.exporter ?? new OTLPTraceExporter({ url: options.otlpEndpoint });
    const provider = new NodeTracerProvider({
      resource: resourceFromAttributes({ 'service.name': options.serviceName, 'service.version': options.serviceVersion }),
      spanProcessors: [new BatchSpanProcessor(exporter, { scheduledDelayMillis: options.exportDelayMs })],
    });
    return new Tracing(provider);
  }

  /** A server span for one request, child of the caller's `traceparent` when it sent one. */
  startRequest(name: string, headers: Record<string, string | string[] | undefined>, attributes: TraceAttributes): RequestTrace {
    if (this.#tracer === null) return { trace: noEditTrace, end: () => {} };
    const parent: Context = propagator.extract(context.active(), headers, headerGetter);
    const span = this.#tracer.startSpan(name, { kind: SpanKind.SERVER, attributes }, parent);
    return {
      trace: new SpanTrace(this.#tracer, span, { 'pixelgate.request_id': String(attributes['pixelgate.request_id'] ?? '') }),
      end: (statusCode) => {
        span.setAttribute('http.response.status_code', statusCode);
        if (statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
        span.end();
      },
    };
  }

  async shutdown(): Promise<void> {
    await this.#provider?.shutdown();
  }
}
