/**
 * The shared engine contract suite against the OpenAI adapter, pointed at the OpenAI-like fake
 * upstream on loopback (which answers at the requested size and format, as OpenAI does).
 */
import { after, before } from 'node:test';
import { startFakeUpstream, type FakeUpstream } from '../../../test/support/fake-upstream.ts';
import { defineEngineContractSuite } from '../engine-contract-suite.ts';
import { OpenAiImageEngine } from './openai-image-engine.ts';

let upstream: FakeUpstream;
before(async () => {
  upstream = await startFakeUpstream();
});
after(async () => upstream?.close());

defineEngineContractSuite(
  'openai adapter → fake upstream',
  async () =>
    new OpenAiImageEngine({
      id: 'contract',
      endpoint: { kind: 'openai', baseUrl: upstream.baseUrl, apiKey: 'sk-contract' },
      connectTimeoutMs: 1000,
      firstByteTimeoutMs: 5000,
      requestTimeoutMs: 10_000,
      maxResponseBytes: 16 * 1024 * 1024,
    }),
);
