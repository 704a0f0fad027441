/**
 * OpenTelemetry traces end to end: the real server (tracing on) exports over OTLP/HTTP to a
 * receiver this test runs on loopback. A relayed edit that fails over from a 500 to a second
 * channel, sent with a W3C `traceparent`, gives one trace: the server span parented on the
 * caller's span, with children for parsing, both attempts (channel, outcome) and the answer —
 * each carrying the request id — and each upstream receives its attempt's `traceparent`.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { startFakeUpstream, type FakeUpstream } from '../support/fake-upstream.ts';
import { opaquePng } from '../support/images.ts';
import { buildMultipart } from '../support/multipart.ts';
import { createKey, startServer, type RunningServer } from '../support/start-server.ts';

interface ReceivedSpan {
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId?: string;
  readonly name: string;
  readonly kind: number;
  readonly attributes: Record<string, string | number | boolean>;
}

let receiver: http.Server;
let receiverUrl = '';
const received: ReceivedSpan[] = [];
let primary: FakeUpstream;
let backup: FakeUpstream;
let server: RunningServer;

function attributeValue(value: Record<string, unknown>): string | number | boolean {
  if ('stringValue' in value) return value.stringValue as string;
  if ('intValue' in value) return Number(value.intValue);
  if ('boolValue' in value) return value.boolValue as boolean;
  if ('doubleValue' in value) return Number(value.doubleValue);
  return JSON.stringify(value);
}

before(async () => {
  receiver = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      for (const resource of body.resourceSpans ?? []) {
        for (const scope of resource.scopeSpans ?? []) {
          for (const span of scope.spans ?? []) {
            const attributes: Record<string, string | number | boolean> = {};
            for (const attribute of span.attributes ?? []) attributes[attribute.key] = attributeValue(attribute.value);
            received.push({ traceId: span.traceId, spanId: span.spanId, parentSpanId: span.parentSpanId || undefined, name: span.name, kind: span.kind, attributes });
          }
        }
      }
      response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/v1/traces`;
  primary = await startFakeUpstream();
  backup = await startFakeUpstream();
  const channel = (name: string, upstream: FakeUpstream, priority: number) => ({ name, type: 'openai', baseUrl: upstream.baseUrl, apiKey: `sk-${name}`, models: [{ id: 'gpt-image-1' }], priority });
  server = await startServer({
    config: {
      tracing: { enabled: true, otlpEndpoint: receiverUrl, exportDelayMs: 50 },
      models: { defaultModel: 'gpt-image-1', served: [{ id: 'gpt-image-1', rules: 'gpt-image-1' }] },
      channels: [channel('primary', primary, 2), channel('backup', backup, 1)],
      routing: { failureThreshold: 100 },
    },
  });
});
after(async () => {
  await server?.stop();
  await primary?.close();
  await backup?.close();
  await new Promise((resolve) => receiver.close(resolve));
});

describe('OpenTelemetry traces', () => {
  it('a failed-over edit is one trace under the caller’s span: parse, two attempts, answer, all with the request id', async () => {
    const { key } = await createKey(server, 'traced');
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const callerSpanId = '00f067aa0ba902b7';
    primary.cue({ kind: 'status', status: 500 });
    const form = buildMultipart([
      { name: 'model', value: 'gpt-image-1' },
      { name: 'prompt', value: 'traced' },
      { name: 'image', filename: 'a.png', data: await opaquePng(16, 16), contentType: 'image/png' },
    ]);
    const response = await fetch(`${server.baseUrl}/v1/images/edits`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': form.contentType, traceparent: `00-${traceId}-${callerSpanId}-01` },
      body: new Uint8Array(form.body),
    });
    assert.equal(response.status, 200);
    const requestId = response.headers.get('x-request-id');
    const deadline = Date.now() + 10_000;
    let spans: ReceivedSpan[] = [];
    while (Date.now() < deadline) {
      spans = received.filter((span) => span.traceId === traceId);
      if (spans.some((span) => span.kind === 2)) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const root = spans.find((span) => span.kind === 2);
    assert.ok(root, `a server span arrived; got ${JSON.stringify(spans.map((span) => span.name))}`);
    assert.equal(root.name, 'POST /v1/images/edits');
    assert.equal(root.parentSpanId, callerSpanId);
    assert.equal(root.attributes['http.response.status_code'], 200);
    const children = spans.filter((span) => span.parentSpanId === root.spanId);
    assert.deepEqual(children.map((span) => span.name).sort(), ['edit.answer', 'edit.attempt', 'edit.attempt', 'edit.parse']);
    const attempts = children.filter((span) => span.name === 'edit.attempt').sort((a, b) => Number(a.attributes['pixelgate.attempt']) - Number(b.attributes['pixelgate.attempt']));
    assert.deepEqual(attempts.map((span) => [span.attributes['pixelgate.channel'], span.attributes['pixelgate.outcome']]), [['primary', 'http_500'], ['backup', 'ok']]);
    assert.equal(attempts[0].attributes['pixelgate.retryable'], true);
    assert.equal(children.find((span) => span.name === 'edit.parse')!.attributes['pixelgate.model'], 'gpt-image-1');
    for (const span of spans) assert.equal(span.attributes['pixelgate.request_id'], requestId, span.name);
    // Each upstream was called inside its attempt's span, and was told so.
    assert.equal(primary.requests.at(-1)!.headers.traceparent, `00-${traceId}-${attempts[0].spanId}-01`);
    assert.equal(backup.requests.at(-1)!.headers.traceparent, `00-${traceId}-${attempts[1].spanId}-01`);
  });
});
