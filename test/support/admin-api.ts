/**
 * The admin API calls the billing tests make: a JSON request with the admin key, a key's
 * balances in micro-dollars, and its usage records.
 */
import type { RunningServer } from './start-server.ts';

export async function adminRequest(server: RunningServer, method: string, route: string, body?: unknown): Promise<{ status: number; json: any }> {
  const response = await fetch(server.baseUrl + route, {
    method,
    headers: { authorization: `Bearer ${server.adminKey}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, json: (await response.json()) as any };
}

export const micro = (usd: number): number => Math.round(usd * 1_000_000);

/** The key's credit left, spent and reserved, in micro-dollars. */
export async function keyBalances(server: RunningServer, keyId: string): Promise<{ credit: number; spent: number; reserved: number }> {
  const key = (await adminRequest(server, 'GET', '/admin/keys')).json.data.find((candidate: { id: string }) => candidate.id === keyId);
  return { credit: micro(key.credit_usd), spent: micro(key.spent_usd), reserved: micro(key.reserved_usd) };
}

/** The key's usage records as `GET /admin/usage/requests` lists them, newest first. */
export async function usageRecordsOf(server: RunningServer, keyId: string): Promise<any[]> {
  return (await adminRequest(server, 'GET', `/admin/usage/requests?key_id=${keyId}&limit=100`)).json.data;
}
