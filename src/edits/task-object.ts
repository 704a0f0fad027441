/**
 * The JSON a client sees for an async task (`Prefer: respond-async`): what `POST
 * /v1/images/edits` answers with its 202, and what `GET /v1/images/tasks/{id}` answers —
 * once the task ended, with the `ImagesResponse` a synchronous call would have returned
 * (`result`) or the OpenAI error it failed with (`error`).
 */
import type { ImagesResponse } from '../openai/edit-response.ts';
import type { ErrorBody } from '../openai/error-catalogue.ts';

export type TaskObjectStatus = 'queued' | 'in_progress' | 'succeeded' | 'failed' | 'expired';

export interface TaskObject {
  readonly id: string;
  readonly object: 'image.edit.task';
  readonly status: TaskObjectStatus;
  /** Unix seconds. */
  readonly created_at: number;
  /** Unix seconds; once the task ended. */
  readonly completed_at?: number;
  /** Unix seconds after which the task and its images are gone; once the task ended. */
  readonly expires_at?: number;
  readonly result?: ImagesResponse;
  readonly error?: ErrorBody['error'];
}

export const unixSeconds = (milliseconds: number): number => Math.floor(milliseconds / 1000);

/** The 202's body: a task just accepted. */
export function acceptedTask(id: string, createdAtMs: number): TaskObject {
  return { id, object: 'image.edit.task', status: 'queued', created_at: unixSeconds(createdAtMs) };
}
