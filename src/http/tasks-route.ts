/**
 * `GET /v1/images/tasks/{id}`: an async task's state, to the key that submitted it (any other
 * key — or an id never issued, or removed after its retention — gets the same 404). Never
 * cached: `Cache-Control: no-store`; while it is open, `Retry-After` says when to poll again.
 */
import type { FastifyInstance } from 'fastify';
import type { EditTasks } from '../edits/edit-tasks.ts';
import { apiError } from '../openai/error-catalogue.ts';
import { principalScope } from './authenticate.ts';

const taskIdPattern = /^task_[A-Za-z0-9_-]{1,64}$/;
/** Seconds between polls suggested while a task is queued or running. */
export const taskPollSeconds = 2;

export function registerTasksRoute(app: FastifyInstance, tasks: EditTasks | null): void {
  app.get<{ Params: { id: string } }>('/v1/images/tasks/:id', async (request, reply) => {
    const { id } = request.params;
    const task = tasks !== null && taskIdPattern.test(id) ? await tasks.view(principalScope(request.principal), id) : null;
    if (task === null) throw apiError('task_not_found', { id: id.slice(0, 80) });
    reply.header('cache-control', 'no-store');
    if (task.status === 'queued' || task.status === 'in_progress') reply.header('retry-after', String(taskPollSeconds));
    return task;
  });
}
