/**
 * The one closed catalogue of API errors. Each entry fixes the HTTP status, OpenAI's error
 * `type` and `code`, and how `param` and `message` are made from the entry's details. Handlers
 * throw `ApiError`s built from here; only `render-api-error.ts` turns them into bodies.
 * Messages follow `shared/spec/images-edits.md` (observed OpenAI wording where known).
 * `docs/errors.md` lists every entry with its cause and fix.
 */

interface CatalogueEntry<Details> {
  readonly status: number;
  readonly type: string;
  readonly code: string | null;
  readonly param: (details: Details) => string | null;
  readonly message: (details: Details) => string;
}

function entry<Details = void>(definition: CatalogueEntry<Details>): CatalogueEntry<Details> {
  return definition;
}

const noParam = (): null => null;

/** `'a'`, `'a' and 'b'`, `'a', 'b', and 'c'` — OpenAI's way of listing allowed values. */
export function quoteList(values: readonly string[]): string {
  const quoted = values.map((value) => `'${value}'`);
  if (quoted.length <= 2) return quoted.join(' and ');
  return `${quoted.slice(0, -1).join(', ')}, and ${quoted[quoted.length - 1]}`;
}

function megabytes(bytes: number): string {
  return `${Math.round((bytes / (1024 * 1024)) * 100) / 100} MB`;
}

export const errorCatalogue = {
  missing_api_key: entry({
    status: 401,
    type: 'invalid_request_error',
    code: null,
    param: noParam,
    message: () =>
      "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).",
  }),
  invalid_api_key: entry<{ maskedKey: string }>({
    status: 401,
    type: 'invalid_request_error',
    code: 'invalid_api_key',
    param: noParam,
    message: ({ maskedKey }) => `Incorrect API key provided: ${maskedKey}.`,
  }),
  admin_key_required: entry({
    status: 403,
    type: 'invalid_request_error',
    code: 'admin_key_required',
    param: noParam,
    message: () => 'This endpoint requires the admin key.',
  }),
  unsupported_file_mimetype: entry<{ param: string; mimetype: string; supported: readonly string[] }>({
    status: 400,
    type: 'invalid_request_error',
    code: 'unsupported_file_mimetype',
    param: ({ param }) => param,
    message: ({ param, mimetype, supported }) =>
      `Invalid file '${param}': unsupported mimetype ('${mimetype}'). Supported file formats are ${quoteList(supported)}.`,
  }),
  missing_file_mimetype: entry<{ param: string }>({
    status: 400,
    type: 'invalid_request_error',
    code: 'missing_file_mimetype',
    param: ({ param }) => param,
    message: ({ param }) =>
      `Invalid file '${param}': failed to determine mimetype. Ensure you are providing the file's mimetype as part of the 'Content-Type' header.`,
  }),
  invalid_image_file: entry<{ imageNumber: number }>({
    status: 400,
    type: 'image_generation_user_error',
    code: 'invalid_image_file',
    param: noParam,
    message: ({ imageNumber }) =>
      `Invalid image file or mode for image ${imageNumber}, please check your image file.`,
  }),
  image_mode_without_alpha: entry<{ mode: string }>({
    status: 400,
    type: 'invalid_request_error',
    code: 'invalid_image_format',
    param: () => 'image',
    message: ({ mode }) => `Invalid input image - format must be in ['RGBA', 'LA', 'L'], got ${mode}.`,
  }),
  image_not_png_or_too_large: entry({
    status: 400,
    type: 'invalid_request_error',
    code: 'invalid_image_format',
    param: () => 'image',
    message: () => 'Uploaded image must be a PNG and less than 4 MB.',
  }),
  image_not_square: entry({
    status: 400,
    type: 'invalid_request_error',
    code: 'invalid_image_format',
    param: () => 'image',
    message: () => 'Uploaded image must be square.',
  }),
  image_too_many_pixels: entry<{ param: string; pixels: number; maximum: number }>({
    status: 400,
    type: 'invalid_request_error',
    code: 'image_too_large',
    param: ({ param }) => param,
    message: ({ param, pixels, maximum }) =>
      `Invalid file '${param}': the image has ${pixels} pixels, more than the limit of ${maximum}.`,
  }),
  file_array_not_allowed: entry<{ param: string }>({
    status: 400,
    type: 'invalid_request_error',
    code: 'invalid_type',
    param: ({ param }) => param,
    message: ({ param }) => `Invalid type for '${param}': expected a file, but got an array instead.`,
  }),
  text_sent_as_file: entry<{ param: string; expected: string }>({
    status: 400,
    type: 'invalid_request_error',
    code: 'invalid_type',
    param: ({ param }) => param,
    message: ({ param, expected }) => `Invalid type for '${param}': expected ${expected}, but got a file instead.`,
  }),
  mask_size_mismatch: entry({
    status: 400,
    type: 'invalid_request_error',
    code: 'invalid_image_format',
    param: () => 'mask',
    message: () => 'Invalid mask image format - mask size does not match image size',
  }),
  mask_missing_alpha: entry({
    status: 400,
    type: 'invalid_request_error',
    code: 'invalid_image_format',
    param: () => 'mask',
    message: () => 'Invalid mask image format - mask image missing alpha channel',
  }),
  mask_not_png_or_too_large: entry({
    status: 400,
    type: 'invalid_request_error',
    code: 'invalid_image_format',
    param: () => 'mask',
    message: () => 'Uploaded mask must be a PNG and less than 4 MB.',
  }),
  markup_size_mismatch: entry({
    status: 400,
    type: 'invalid_request_error',
    code: 'invalid_image_format',
    param: () => 'markup',
    message: () => 'Invalid markup image format - markup size does not match image size',
  }),
  markup_missing_alpha: entry({
    status: 400,
    type: 'invalid_request_error',
    code: 'invalid_image_format',
    param: () => 'markup',
    message: () => 'Invalid markup image format - markup image must be a PNG with transparent pixels',
  }),
  missing_required_parameter: entry<{ param: string }>({
    status: 400,
    type: 'invalid_request_error',
    code: 'missing_required_parameter',
    param: ({ param }) => param,
    message: ({ param }) => `Missing required parameter: '${param}'.`,
  }),
  duplicate_parameter: entry<{ param: string }>({
    status: 400,
    type: 'invalid_request_error',
    code: 'duplicate_parameter',
    param: ({ param }) => param,
    message: ({ param }) => `Duplicate parameter: '${param}' was sent more than once.`,
  }),
  string_above_max_length: entry<{ param: string; maximum: number; actual: number }>({
    status: 400,
    type: 'invalid_request_error',
    code: 'string_above_max_length',
    param: ({ param }) => param,
    message: ({ param, maximum, actual }) =>
      `Invalid '${param}': string too long. Expected a string with maximum length ${maximum}, but got a string with length ${actual} instead.`,
  }),
  empty_string: entry<{ param: string }>({
    status: 400,
    type: 'invalid_request_error',
    code: 'empty_string',
    param: ({ param }) => param,
    message: ({ param }) =>
      `Invalid '${param}': empty string. Expected a string with minimum length 1, but got an empty string instead.`,
  }),
  field_value_too_large: entry<{ param: string; limitBytes: number }>({
    status: 400,
    type: 'invalid_request_error',
    code: 'string_above_max_length',
    param: ({ param }) => param,
    message: ({ param, limitBytes }) => `Invalid '${param}': the value is larger than ${limitBytes} bytes.`,
  }),
  integer_above_max_value: entry<{ param: string; maximum: number; actual: number }>({
    status: 400,
    type: 'invalid_request_error',
    code: 'integer_above_max_value',
    param: ({ param }) => param,
    message: ({ param, maximum, actual }) =>
      `Invalid '${param}': integer above maximum value. Expected a value <= ${maximum}, but got ${actual} instead.`,
  }),
  integer_below_min_value: entry<{ param: string; minimum: number; actual: number }>({
    status: 400,
    type: 'invalid_request_error',
    code: 'integer_below_min_value',
    param: ({ param }) => param,
    message: ({ param, minimum, actual }) =>
      `Invalid '${param}': integer below minimum value. Expected a value >= ${minimum}, but got ${actual} instead.`,
  }),
  invalid_type: entry<{ param: string; expected: string }>({
    status: 400,
    type: 'invalid_request_error',
    code: 'invalid_type',
    param: ({ param }) => param,
    message: ({ param, expected }) => `Invalid type for '${param}': expected ${expected}, but got a string instead.`,
  }),
  invalid_value: entry<{ param: string; value: string; supported: readonly string[] }>({
    status: 400,
    type: 'invalid_request_error',
    code: 'invalid_value',
    param: ({ param }) => param,
    message: ({ value, supported }) => `Invalid value: '${value}'. Supported values are: ${quoteList(supported)}.`,
  }),
  invalid_size: entry<{ value: string; rule: string }>({
    status: 400,
    type: 'invalid_request_error',
    code: 'invalid_value',
    param: () => 'size',
    message: ({ value, rule }) => `Invalid value: '${value}'. ${rule}`,
  }),
  unsupported_combination: entry<{ param: string; reason: string }>({
    status: 400,
    type: 'invalid_request_error',
    code: 'invalid_value',
    param: ({ param }) => param,
    message: ({ reason }) => reason,
  }),
  unknown_parameter: entry<{ param: string }>({
    status: 400,
    type: 'invalid_request_error',
    code: 'unknown_parameter',
    param: ({ param }) => param,
    message: ({ param }) => `Unknown parameter: '${param}'.`,
  }),
  image_array_too_long: entry<{ maximum: number; actual: number }>({
    status: 400,
    type: 'invalid_request_error',
    code: 'array_above_max_length',
    param: () => 'image',
    message: ({ maximum, actual }) =>
      `Invalid 'image': array too long. Expected an array with maximum length ${maximum}, but got an array with length ${actual} instead.`,
  }),
  file_too_large: entry<{ param: string; limitBytes: number }>({
    status: 400,
    type: 'invalid_request_error',
    code: 'file_too_large',
    param: ({ param }) => param,
    message: ({ param, limitBytes }) =>
      `Invalid file '${param}': the file is larger than the limit of ${megabytes(limitBytes)}.`,
  }),
  too_many_parts: entry<{ limit: number }>({
    status: 400,
    type: 'invalid_request_error',
    code: 'too_many_parts',
    param: noParam,
    message: ({ limit }) => `The request has more than ${limit} form parts.`,
  }),
  request_too_large: entry<{ limitBytes: number }>({
    status: 413,
    type: 'invalid_request_error',
    code: 'request_too_large',
    param: noParam,
    message: ({ limitBytes }) => `The request body is larger than this server's limit of ${megabytes(limitBytes)}.`,
  }),
  malformed_multipart: entry({
    status: 400,
    type: 'invalid_request_error',
    code: 'invalid_multipart',
    param: noParam,
    message: () => 'The multipart/form-data body could not be parsed: it is malformed or ended early.',
  }),
  request_timeout: entry<{ timeoutMs: number }>({
    status: 408,
    type: 'invalid_request_error',
    code: 'request_timeout',
    param: noParam,
    message: ({ timeoutMs }) => `The request body was not received within ${timeoutMs / 1000} seconds.`,
  }),
  request_receive_timeout: entry<{ headersTimeoutMs: number; requestTimeoutMs: number }>({
    status: 408,
    type: 'invalid_request_error',
    code: 'request_timeout',
    param: noParam,
    message: ({ headersTimeoutMs, requestTimeoutMs }) =>
      `The request was not received in time: its headers must arrive within ${headersTimeoutMs / 1000} seconds and the whole request within ${requestTimeoutMs / 1000} seconds.`,
  }),
  headers_too_large: entry<{ limitBytes: number }>({
    status: 431,
    type: 'invalid_request_error',
    code: 'request_header_fields_too_large',
    param: noParam,
    message: ({ limitBytes }) => `The request headers are larger than this server's limit of ${limitBytes / 1024} KB.`,
  }),
  expectation_failed: entry<{ expectation: string }>({
    status: 417,
    type: 'invalid_request_error',
    code: 'expectation_failed',
    param: noParam,
    message: ({ expectation }) => `The Expect header ${JSON.stringify(expectation)} is not supported; only 100-continue is.`,
  }),
  malformed_http_request: entry<{ reason: string }>({
    status: 400,
    type: 'invalid_request_error',
    code: 'invalid_http_request',
    param: noParam,
    message: ({ reason }) => `The request is not valid HTTP/1.1: ${reason}.`,
  }),
  path_segment_too_long: entry<{ limit: number }>({
    status: 414,
    type: 'invalid_request_error',
    code: 'uri_too_long',
    param: noParam,
    message: ({ limit }) => `A segment of the request path is longer than this server's limit of ${limit} characters.`,
  }),
  method_not_allowed: entry<{ method: string; url: string; allowed: readonly string[] }>({
    status: 405,
    type: 'invalid_request_error',
    code: 'method_not_allowed',
    param: noParam,
    message: ({ method, url, allowed }) => `Method not allowed (${method} ${url}). This URL takes ${allowed.join(', ')}.`,
  }),
  model_not_found: entry<{ model: string }>({
    status: 404,
    type: 'invalid_request_error',
    code: 'model_not_found',
    param: () => 'model',
    message: ({ model }) => `The model \`${model}\` does not exist or you do not have access to it.`,
  }),
  model_not_allowed: entry<{ model: string }>({
    status: 403,
    type: 'invalid_request_error',
    code: 'model_not_allowed',
    param: () => 'model',
    message: ({ model }) => `This API key is not allowed to use the model \`${model}\`.`,
  }),
  rate_limit_exceeded: entry<{ reason: string; retryAfterSeconds: number }>({
    status: 429,
    type: 'requests',
    code: 'rate_limit_exceeded',
    param: noParam,
    message: ({ reason, retryAfterSeconds }) => `${reason} Please try again in ${retryAfterSeconds}s.`,
  }),
  insufficient_quota: entry({
    status: 429,
    type: 'insufficient_quota',
    code: 'insufficient_quota',
    param: noParam,
    message: () => 'You exceeded your current quota, please check your plan and billing details.',
  }),
  invalid_content_type: entry<{ received: string; expected?: string }>({
    status: 400,
    type: 'invalid_request_error',
    code: 'invalid_content_type',
    param: noParam,
    message: ({ received, expected }) =>
      `Invalid Content-Type header (${received}): this endpoint expects ${expected ?? 'multipart/form-data'}.`,
  }),
  invalid_url: entry<{ method: string; url: string }>({
    status: 404,
    type: 'invalid_request_error',
    code: null,
    param: noParam,
    message: ({ method, url }) => `Invalid URL (${method} ${url})`,
  }),
  result_not_found: entry({
    status: 404,
    type: 'invalid_request_error',
    code: 'result_not_found',
    param: noParam,
    message: () => 'This result does not exist or its URL has expired.',
  }),
  key_not_found: entry<{ id: string }>({
    status: 404,
    type: 'invalid_request_error',
    code: 'key_not_found',
    param: () => 'id',
    message: ({ id }) => `No active API key has the id '${id}'.`,
  }),
  invalid_admin_request: entry<{ param: string; reason: string }>({
    status: 400,
    type: 'invalid_request_error',
    code: 'invalid_value',
    param: ({ param }) => param,
    message: ({ reason }) => reason,
  }),
  upstream_rejected: entry<{ message: string }>({
    status: 400,
    type: 'invalid_request_error',
    code: null,
    param: noParam,
    message: ({ message }) => `The upstream provider rejected the request: ${message}`,
  }),
  upstream_unavailable: entry<{ model: string; retryAfterSeconds: number }>({
    status: 503,
    type: 'server_error',
    code: 'upstream_unavailable',
    param: noParam,
    message: ({ model, retryAfterSeconds }) =>
      `No upstream provider could serve the model \`${model}\` right now. Please try again in ${retryAfterSeconds}s.`,
  }),
  upstream_failed: entry({
    status: 502,
    type: 'server_error',
    code: 'upstream_failed',
    param: noParam,
    message: () => 'The upstream provider failed while processing your request.',
  }),
  server_shutting_down: entry({
    status: 503,
    type: 'server_error',
    code: 'server_shutting_down',
    param: noParam,
    message: () => 'The server is shutting down and takes no new requests. Please retry the request.',
  }),
  idempotency_key_reused: entry({
    status: 400,
    type: 'invalid_request_error',
    code: 'idempotency_key_reused',
    param: noParam,
    message: () => 'This Idempotency-Key was already used with a different request. Use a new key for a new request; a retry must send the same fields and files.',
  }),
  idempotency_request_in_progress: entry<{ retryAfterSeconds: number }>({
    status: 409,
    type: 'invalid_request_error',
    code: 'idempotency_request_in_progress',
    param: noParam,
    message: () => 'The request with this Idempotency-Key is still running. Retry with the same key later to receive its result.',
  }),
  invalid_idempotency_key: entry<{ reason: string }>({
    status: 400,
    type: 'invalid_request_error',
    code: 'invalid_idempotency_key',
    param: noParam,
    message: ({ reason }) => `Invalid Idempotency-Key header: ${reason}`,
  }),
  task_not_found: entry<{ id: string }>({
    status: 404,
    type: 'invalid_request_error',
    code: 'task_not_found',
    param: noParam,
    message: ({ id }) => `No task with id '${id}' exists for this API key (tasks are kept for a limited time).`,
  }),
  task_interrupted: entry({
    status: 500,
    type: 'server_error',
    code: 'task_interrupted',
    param: noParam,
    message: () => 'The server running this task stopped before it finished; nothing was charged. Submit the edit again.',
  }),
  invalid_json_type: entry<{ param: string; expected: string; got: string }>({
    status: 400,
    type: 'invalid_request_error',
    code: 'invalid_type',
    param: ({ param }) => param,
    message: ({ param, expected, got }) => `Invalid type for '${param}': expected ${expected}, but got ${got} instead.`,
  }),
  json_body_not_supported: entry<{ model: string }>({
    status: 400,
    type: 'invalid_request_error',
    code: 'invalid_content_type',
    param: () => 'model',
    message: ({ model }) => `JSON request bodies are supported for GPT image models only; send multipart/form-data to edit with '${model}'.`,
  }),
  invalid_image_url: entry<{ param: string; reason: string }>({
    status: 400,
    type: 'invalid_request_error',
    code: 'invalid_image_url',
    param: ({ param }) => param,
    message: ({ param, reason }) => `Invalid '${param}': the image could not be fetched because ${reason}.`,
  }),
  file_not_found: entry<{ id: string }>({
    status: 404,
    type: 'invalid_request_error',
    code: 'file_not_found',
    param: noParam,
    message: ({ id }) => `No such File object: ${id}`,
  }),
  limits_unavailable: entry<{ retryAfterSeconds: number }>({
    status: 503,
    type: 'server_error',
    code: 'limits_unavailable',
    param: noParam,
    message: ({ retryAfterSeconds }) => `The server cannot check this API key's rate limits right now. Please retry in ${retryAfterSeconds}s.`,
  }),
  server_error: entry({
    status: 500,
    type: 'server_error',
    code: null,
    param: noParam,
    message: () => 'The server had an error while processing your request.',
  }),
} as const;

export type ApiErrorName = keyof typeof errorCatalogue;

type DetailsOf<Name extends ApiErrorName> =
  (typeof errorCatalogue)[Name] extends CatalogueEntry<infer Details> ? Details : never;

type DetailsArguments<Name extends ApiErrorName> = DetailsOf<Name> extends void ? [] : [DetailsOf<Name>];

/** The OpenAI error envelope: all four keys are always present. */
export interface ErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null };
}

export class ApiError extends Error {
  readonly status: number;
  readonly body: ErrorBody;
  /** Seconds for the `retry-after` header (429s). */
  readonly retryAfterSeconds: number | null;

  constructor(
    readonly errorName: ApiErrorName,
    body: ErrorBody,
    status: number,
    retryAfterSeconds: number | null,
  ) {
    super(body.error.message);
    this.name = 'ApiError';
    this.status = status;
    this.body = body;
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

export function apiError<Name extends ApiErrorName>(name: Name, ...details: DetailsArguments<Name>): ApiError {
  const definition = errorCatalogue[name] as CatalogueEntry<unknown>;
  const detail = details[0];
  const body: ErrorBody = {
    error: {
      message: definition.message(detail),
      type: definition.type,
      param: definition.param(detail),
      code: definition.code,
    },
  };
  const retryAfter =
    detail && typeof detail === 'object' && 'retryAfterSeconds' in detail
      ? Number((detail as { retryAfterSeconds: number }).retryAfterSeconds)
      : null;
  return new ApiError(name, body, definition.status, retryAfter);
}
