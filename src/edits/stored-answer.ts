/**
 * An edit's answer kept for replay (idempotency keys, async tasks): the images response, the
 * error, or the accepted task (a `Prefer: respond-async` request's 202) the client got.
 * `b64_json` images are not kept inline — they go to the blob store, and the stored body names
 * their blob keys — so the database holds kilobytes, not megabytes, per answer.
 */
import { randomBytes } from 'node:crypto';
import { apiError, ApiError, type ApiErrorName, type ErrorBody } from '../openai/error-catalogue.ts';
import type { ImagesResponse } from '../openai/edit-response.ts';
import type { BlobStore } from '../storage/blob-store.ts';
import type { TaskObject } from './task-object.ts';

/** What an edit answers: its images, or (asked to respond async) the task that will make them. */
export type EditAnswer = { readonly kind: 'images'; readonly response: ImagesResponse } | { readonly kind: 'task'; readonly task: TaskObject };

type StoredDatum = { readonly url: string } | { readonly blobKey: string };

export type StoredAnswer =
  | { readonly kind: 'images'; readonly response: Omit<ImagesResponse, 'data'> & { readonly data: readonly StoredDatum[] } }
  | { readonly kind: 'task'; readonly task: TaskObject }
  | { readonly kind: 'error'; readonly errorName: ApiErrorName; readonly status: number; readonly body: ErrorBody; readonly retryAfterSeconds: number | null };

export async function storeAnswer(answer: EditAnswer, blobStore: BlobStore, expiresAtMs: number): Promise<StoredAnswer> {
  return answer.kind === 'task' ? answer : storeImagesAnswer(answer.response, blobStore, expiresAtMs);
}

export async function storeImagesAnswer(response: ImagesResponse, blobStore: BlobStore, expiresAtMs: number): Promise<StoredAnswer> {
  const data: StoredDatum[] = [];
  for (const datum of response.data) {
    if ('url' in datum) {
      data.push({ url: datum.url });
      continue;
    }
    const blobKey = `answer_${randomBytes(16).toString('hex')}`;
    await blobStore.put(blobKey, Buffer.from(datum.b64_json, 'base64'), { contentType: 'application/octet-stream', expiresAtMs });
    data.push({ blobKey });
  }
  return { kind: 'images', response: { ...response, data } };
}

export function storeErrorAnswer(error: ApiError): StoredAnswer {
  return { kind: 'error', errorName: error.errorName, status: error.status, body: error.body, retryAfterSeconds: error.retryAfterSeconds };
}

/** The answer as first sent, or the `ApiError` to throw. */
export async function replayAnswer(answer: StoredAnswer, blobStore: BlobStore, nowMs: number): Promise<EditAnswer | ApiError> {
  if (answer.kind === 'error') return new ApiError(answer.errorName, answer.body, answer.status, answer.retryAfterSeconds);
  if (answer.kind === 'task') return answer;
  const data: ImagesResponse['data'] = [];
  for (const datum of answer.response.data) {
    if ('url' in datum) {
      data.push({ url: datum.url });
      continue;
    }
    const blob = await blobStore.get(datum.blobKey, nowMs);
    if (blob === null) return apiError('server_error');
    const chunks: Buffer[] = [];
    for await (const chunk of blob.body) chunks.push(chunk as Buffer);
    data.push({ b64_json: Buffer.concat(chunks).toString('base64') });
  }
  return { kind: 'images', response: { ...answer.response, data } };
}
