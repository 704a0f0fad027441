/**
 * The OpenAPI 3.1 document of the API as implemented, built from the same field schemas and
 * capability table that validate requests: one request schema per served model.
 */
import type { TSchema } from '@sinclair/typebox';
import type { ServedModels } from './model-directory.ts';

const binary = { type: 'string', format: 'binary' };

const errorSchema = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['message', 'type', 'param', 'code'],
      properties: {
        message: { type: 'string' },
        type: { type: 'string' },
        param: { type: ['string', 'null'] },
        code: { type: ['string', 'null'] },
      },
    },
  },
};

const imagesResponseSchema = {
  type: 'object',
  required: ['created', 'data'],
  properties: {
    created: { type: 'integer' },
    data: {
      type: 'array',
      items: { type: 'object', properties: { url: { type: 'string', format: 'uri' }, b64_json: { type: 'string' } } },
    },
    background: { type: 'string', enum: ['transparent', 'opaque'] },
    output_format: { type: 'string', enum: ['png', 'jpeg', 'webp'] },
    quality: { type: 'string', enum: ['low', 'medium', 'high', 'standard'] },
    size: { type: 'string' },
    usage: { type: 'object' },
    svg_usage: { type: 'object', description: 'Token usage of SVG authoring, apart from rendering (output_format=svg).' },
  },
};

const taskSchema = {
  type: 'object',
  required: ['id', 'object', 'status', 'created_at'],
  properties: {
    id: { type: 'string', pattern: '^task_' },
    object: { const: 'image.edit.task' },
    status: { enum: ['queued', 'in_progress', 'succeeded', 'failed', 'expired'] },
    created_at: { type: 'integer' },
    completed_at: { type: 'integer' },
    expires_at: { type: 'integer' },
    result: { $ref: '#/components/schemas/ImagesResponse' },
    error: { type: 'object', description: "The OpenAI error object (the envelope's `error`)." },
  },
};

function requestSchema(modelId: string, fields: Readonly<Record<string, TSchema>>, maxImages: number, markup: boolean) {
  const properties: Record<string, unknown> = {
    image:
      maxImages > 1
        ? { oneOf: [binary, { type: 'array', items: binary, maxItems: maxImages }], description: `The image(s) to edit (at most ${maxImages}).` }
        : { ...binary, description: 'The image to edit.' },
    mask: { ...binary, description: 'An image whose fully transparent pixels (alpha 0) mark where to edit.' },
  };
  if (markup) properties.markup = { ...binary, description: "A transparent PNG of annotations overlaid on the first image, of that image's size; not with mask." };
  for (const [name, schema] of Object.entries(fields)) properties[name] = name === 'model' ? { ...schema, const: modelId } : schema;
  // A pass-through model lists no fields: they go upstream as sent (any field, prompt optional).
  if (Object.keys(fields).length === 0) return { type: 'object', required: ['image'], properties, additionalProperties: true };
  return { type: 'object', required: ['image', 'prompt'], properties };
}

function errorResponse(description: string) {
  return { description, content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } };
}

export function buildOpenApiDocument(models: ServedModels, version: string) {
  const schemas: Record<string, unknown> = { Error: errorSchema, ImagesResponse: imagesResponseSchema, ImageEditTask: taskSchema };
  for (const model of models.list()) {
    schemas[`EditRequest_${model.id}`] = requestSchema(model.id, model.rules.fields, Math.min(model.rules.image.maxCount, model.capabilities.maxInputImages), model.rules.markup !== null);
  }
  const editOperation = {
    operationId: 'createImageEdit',
    summary: 'Creates an edited or extended image given one or more source images and a prompt.',
    security: [{ Bearer: [] }],
    parameters: [
      {
        name: 'Prefer',
        in: 'header',
        required: false,
        schema: { type: 'string', examples: ['respond-async'] },
        description: '`respond-async` (RFC 7240): answer 202 with a task at once and run the edit in the background (not with stream=true).',
      },
      {
        name: 'Idempotency-Key',
        in: 'header',
        required: false,
        schema: { type: 'string', minLength: 1, maxLength: 255 },
        description: 'Runs the request once per API key; a retry with the same key and request gets the same answer.',
      },
    ],
    requestBody: {
      required: true,
      content: {
        'multipart/form-data': {
          schema: { oneOf: models.list().map((model) => ({ $ref: `#/components/schemas/EditRequest_${model.id}` })) },
        },
      },
    },
    responses: {
      '200': {
        description: 'The edited images (JSON), or Server-Sent Events when stream=true.',
        content: { 'application/json': { schema: { $ref: '#/components/schemas/ImagesResponse' } }, 'text/event-stream': { schema: { type: 'string' } } },
      },
      '202': { description: 'With `Prefer: respond-async`: the accepted task.', content: { 'application/json': { schema: { $ref: '#/components/schemas/ImageEditTask' } } } },
      '400': errorResponse('The request is invalid.'),
      '401': errorResponse('Missing or incorrect API key.'),
      '404': errorResponse('Unknown model.'),
      '409': errorResponse('The request with this Idempotency-Key is still running.'),
      '413': errorResponse('The body is over the server limit.'),
      '429': errorResponse('Rate limit, capacity or quota exceeded.'),
      '500': errorResponse('Unexpected failure.'),
    },
  };
  return {
    openapi: '3.1.0',
    info: { title: 'Pixelgate', version, description: "OpenAI-compatible image edit API (POST /v1/images/edits)." },
    components: { securitySchemes: { Bearer: { type: 'http', scheme: 'bearer' } }, schemas },
    security: [{ Bearer: [] }],
    paths: {
      '/v1/images/edits': { post: editOperation },
      '/v1/images/edits/': { post: { ...editOperation, operationId: 'createImageEditTrailingSlash' } },
      '/v1/images/tasks/{id}': {
        get: {
          operationId: 'getImageEditTask',
          parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
          responses: {
            '200': { description: 'The task; with its result or error once it ended.', content: { 'application/json': { schema: { $ref: '#/components/schemas/ImageEditTask' } } } },
            '404': errorResponse('No such task for this API key.'),
          },
        },
      },
      '/v1/models': { get: { operationId: 'listModels', responses: { '200': { description: 'The served models.' } } } },
      '/health': { get: { operationId: 'health', security: [], responses: { '200': { description: 'Ready.' } } } },
      '/admin/keys': {
        get: { operationId: 'listKeys', responses: { '200': { description: 'Keys.' }, '403': errorResponse('Not the admin key.') } },
        post: { operationId: 'createKey', responses: { '201': { description: 'The new key, secret included once.' } } },
      },
      '/admin/keys/{id}': { delete: { operationId: 'revokeKey', responses: { '200': { description: 'Revoked.' }, '404': errorResponse('No such key.') } } },
    },
  };
}
