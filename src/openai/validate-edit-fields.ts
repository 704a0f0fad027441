/**
 * Decodes and checks one scalar form field against its JSON Schema, producing OpenAI's
 * exact error for each kind of violation. Only the keywords the edit schemas use are
 * interpreted: type (integer, boolean, string), enum, minimum, maximum, maxLength.
 */
import type { TSchema } from '@sinclair/typebox';
import { apiError } from './error-catalogue.ts';
import type { FieldValue } from './edit-field-schemas.ts';

const integerPattern = /^-?\d+$/;

function decodeInteger(param: string, raw: string, schema: TSchema): number {
  const text = raw.trim();
  if (!integerPattern.test(text)) throw apiError('invalid_type', { param, expected: 'an integer' });
  const value = Number(text);
  if (typeof schema.minimum === 'number' && value < schema.minimum) {
    throw apiError('integer_below_min_value', { param, minimum: schema.minimum, actual: value });
  }
  if (typeof schema.maximum === 'number' && value > schema.maximum) {
    throw apiError('integer_above_max_value', { param, maximum: schema.maximum, actual: value });
  }
  return value;
}

function decodeBoolean(param: string, raw: string): boolean {
  const text = raw.trim().toLowerCase();
  if (text === 'true') return true;
  if (text === 'false') return false;
  throw apiError('invalid_type', { param, expected: 'a boolean' });
}

function decodeString(param: string, raw: string, schema: TSchema): string {
  if (Array.isArray(schema.enum) && !schema.enum.includes(raw)) {
    throw apiError('invalid_value', { param, value: raw, supported: schema.enum as string[] });
  }
  if (typeof schema.maxLength === 'number') {
    // OpenAI counts characters (code points), not UTF-16 units or bytes.
    const length = [...raw].length;
    if (length > schema.maxLength) {
      throw apiError('string_above_max_length', { param, maximum: schema.maxLength, actual: length });
    }
  }
  return raw;
}

export function decodeField(param: string, raw: string, schema: TSchema): FieldValue {
  switch (schema.type) {
    case 'integer':
      return decodeInteger(param, raw, schema);
    case 'boolean':
      return decodeBoolean(param, raw);
    default:
      return decodeString(param, raw, schema);
  }
}
