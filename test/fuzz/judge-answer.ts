/**
 * What every answer must be: never a 5xx; every refusal OpenAI's error envelope
 * `{"error":{"message","type","param","code"}}` with a JSON content type; valid requests 2xx.
 */
import type { RawResponse } from '../support/raw-http.ts';
import type { FuzzCase } from './fuzz-cases.ts';

/** Drops interim `1xx` answers (`100 Continue`) in front of the final one. */
export function withoutInterim(raw: Buffer): Buffer {
  let rest = raw;
  while (/^HTTP\/1\.[01] 1\d\d /.test(rest.subarray(0, 16).toString('latin1'))) {
    const end = rest.indexOf('\r\n\r\n');
    if (end < 0) break;
    rest = rest.subarray(end + 4);
  }
  return rest;
}

function envelopeProblem(body: string): string | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return `body is not JSON: ${JSON.stringify(body.slice(0, 120))}`;
  }
  const error = (parsed as { error?: Record<string, unknown> } | null)?.error;
  if (!error || typeof error !== 'object') return `no error object: ${body.slice(0, 120)}`;
  const keys = Object.keys(error).sort().join(',');
  if (keys !== 'code,message,param,type') return `envelope keys ${keys}`;
  if (typeof error.message !== 'string' || error.message.length === 0) return 'message is not a non-empty string';
  if (typeof error.type !== 'string') return 'type is not a string';
  if (error.param !== null && typeof error.param !== 'string') return 'param is neither null nor a string';
  if (error.code !== null && typeof error.code !== 'string') return 'code is neither null nor a string';
  return null;
}

/** Null when the answer is acceptable for the case, else what is wrong with it. */
export function judgeAnswer(fuzzCase: FuzzCase, response: RawResponse, isHead: boolean): string | null {
  const { status, headers, body } = response;
  if (status >= 500) return `${status}: ${body.slice(0, 200)}`;
  const contentType = headers['content-type'] ?? '';
  if (status >= 300) {
    if (!contentType.startsWith('application/json')) return `${status} with content-type ${JSON.stringify(contentType)}: ${body.slice(0, 120)}`;
    if (isHead) return null;
    const problem = envelopeProblem(body);
    return problem === null ? null : `${status}: ${problem}`;
  }
  if (status < 200) return `interim ${status} as the final answer`;
  if (fuzzCase.family.startsWith('valid') && !isHead && contentType.startsWith('application/json')) {
    try {
      const parsed = JSON.parse(body) as { data?: unknown[] };
      if (!Array.isArray(parsed.data) || parsed.data.length === 0) return `200 without data: ${body.slice(0, 120)}`;
    } catch {
      return `200 whose body is not JSON (${body.length} bytes)`;
    }
  }
  return null;
}

export function mustSucceedProblem(fuzzCase: FuzzCase, response: RawResponse): string | null {
  if (!fuzzCase.mustSucceed) return null;
  return response.status >= 200 && response.status < 300 ? null : `a valid request got ${response.status}: ${response.body.slice(0, 200)}`;
}
