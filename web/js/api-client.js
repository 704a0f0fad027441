/**
 * Calls this server's HTTP API with a Bearer key. Every failure comes back as a value
 * `{ ok: false, status, message, code }` whose message is the API's own `error.message`
 * (OpenAI envelope), or a plain description when the server could not be reached.
 */

/**
 * @typedef {{ ok: true, status: number, body: any, response: Response }} ApiSuccess
 * @typedef {{ ok: false, status: number, message: string, code: string | null }} ApiFailure
 */

/** Reads an error envelope `{error:{message,code}}` from a failed response. */
export async function readApiFailure(response) {
  let message = `HTTP ${response.status}`;
  let code = null;
  try {
    const body = await response.json();
    if (body && body.error && typeof body.error.message === 'string') {
      message = body.error.message;
      code = body.error.code ?? null;
    }
  } catch {
    // Not JSON (a proxy's page, say): the status line is all there is to show.
  }
  return { ok: false, status: response.status, message, code };
}

/**
 * @param {string} path e.g. "/admin/keys"
 * @param {{ key: string, method?: string, json?: unknown, body?: BodyInit, signal?: AbortSignal, raw?: boolean }} options
 *   raw: return the Response unread on success (for streams)
 * @returns {Promise<ApiSuccess | ApiFailure>}
 */
export async function callApi(path, { key, method = 'GET', json, body, signal, raw = false }) {
  const headers = { authorization: `Bearer ${key}` };
  if (json !== undefined) headers['content-type'] = 'application/json';
  let response;
  try {
    response = await fetch(path, { method, headers, body: json !== undefined ? JSON.stringify(json) : body, signal, cache: 'no-store' });
  } catch (error) {
    if (error && error.name === 'AbortError') return { ok: false, status: 0, message: 'Cancelled.', code: 'cancelled' };
    return { ok: false, status: 0, message: `Could not reach the server: ${error && error.message ? error.message : error}`, code: null };
  }
  if (!response.ok) return readApiFailure(response);
  if (raw) return { ok: true, status: response.status, body: null, response };
  const text = await response.text();
  return { ok: true, status: response.status, body: text ? JSON.parse(text) : null, response };
}
