/** `GET /v1/models` in OpenAI's list format: the models this server serves. */
import type { FastifyInstance } from 'fastify';
import { apiError } from '../openai/error-catalogue.ts';
import type { ServedModels } from '../openai/model-directory.ts';

export function registerModelsRoute(app: FastifyInstance, models: ServedModels, startedAtSeconds: number): void {
  const list = () => ({
    object: 'list',
    data: models.list().map((model) => ({ id: model.id, object: 'model', created: startedAtSeconds, owned_by: 'pixelgate' })),
  });
  app.get('/v1/models', async () => list());
  app.get('/v1/models/:model', async (request) => {
    const { model } = request.params as { model: string };
    const found = list().data.find((entry) => entry.id === model);
    if (!found) throw apiError('model_not_found', { model });
    return found;
  });
}
