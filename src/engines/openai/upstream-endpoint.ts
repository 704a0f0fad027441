/**
 * Where an OpenAI-style upstream's edit endpoint lives and how it authenticates. OpenAI and
 * OpenAI-compatible relays take `<baseUrl>/images/edits` with a Bearer key; Azure OpenAI takes
 * `<endpoint>/openai/deployments/<deployment>/images/edits?api-version=<version>` with an
 * `api-key` header. Everything else about the call is the same adapter.
 */
export type UpstreamEndpoint =
  | { readonly kind: 'openai'; readonly baseUrl: string; readonly apiKey: string }
  | {
      readonly kind: 'azure';
      readonly baseUrl: string;
      readonly apiKey: string;
      /** Null: the job's model name is the deployment (one deployment per model). */
      readonly deployment: string | null;
      readonly apiVersion: string;
    };

export interface UpstreamTarget {
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
}

function withoutTrailingSlash(url: string): string {
  return url.replace(/\/+$/, '');
}

export function upstreamEditTarget(endpoint: UpstreamEndpoint, model: string): UpstreamTarget {
  const base = withoutTrailingSlash(endpoint.baseUrl);
  if (endpoint.kind === 'azure') {
    const deployment = encodeURIComponent(endpoint.deployment ?? model);
    return {
      url: `${base}/openai/deployments/${deployment}/images/edits?api-version=${encodeURIComponent(endpoint.apiVersion)}`,
      headers: { 'api-key': endpoint.apiKey },
    };
  }
  return { url: `${base}/images/edits`, headers: { authorization: `Bearer ${endpoint.apiKey}` } };
}
