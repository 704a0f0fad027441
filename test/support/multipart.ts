/**
 * Builds raw multipart/form-data bodies part by part, so tests control every header: a file
 * part without Content-Type, odd orders, repeated fields, fields posing as files.
 */
export type TestPart =
  | { readonly name: string; readonly value: string }
  | { readonly name: string; readonly filename: string; readonly data: Buffer; readonly contentType: string | null };

export interface MultipartBody {
  readonly body: Buffer;
  readonly contentType: string;
}

export function buildMultipart(parts: readonly TestPart[]): MultipartBody {
  const boundary = `----pixelgate-test-${Math.random().toString(16).slice(2)}`;
  const chunks: Buffer[] = [];
  for (const part of parts) {
    let head = `--${boundary}\r\n`;
    if ('value' in part) {
      head += `Content-Disposition: form-data; name="${part.name}"\r\n\r\n`;
      chunks.push(Buffer.from(head), Buffer.from(part.value), Buffer.from('\r\n'));
    } else {
      head += `Content-Disposition: form-data; name="${part.name}"; filename="${part.filename}"\r\n`;
      if (part.contentType !== null) head += `Content-Type: ${part.contentType}\r\n`;
      head += '\r\n';
      chunks.push(Buffer.from(head), part.data, Buffer.from('\r\n'));
    }
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { body: Buffer.concat(chunks), contentType: `multipart/form-data; boundary=${boundary}` };
}

export function png(name: string, data: Buffer, contentType: string | null = 'image/png'): TestPart {
  return { name, filename: `${name.replace(/\W/g, '')}.png`, data, contentType };
}

export async function postEdit(
  baseUrl: string,
  key: string | null,
  parts: readonly TestPart[],
  path = '/v1/images/edits',
): Promise<{ status: number; headers: Headers; json: any }> {
  const { body, contentType } = buildMultipart(parts);
  const headers: Record<string, string> = { 'content-type': contentType };
  if (key !== null) headers.authorization = `Bearer ${key}`;
  const response = await fetch(baseUrl + path, { method: 'POST', headers, body: new Uint8Array(body) });
  const text = await response.text();
  let json: unknown = null;
  try {
    json = JSON.parse(text);
  } catch {
    json = text;
  }
  return { status: response.status, headers: response.headers, json };
}
