import type { Context } from 'hono';
import type { z } from 'zod';
import { LightboxError } from '@lightbox/runtime';

/** Parses a JSON body against a schema; anything wrong becomes a 422 naming each failing field. */
export async function parseJsonBody<S extends z.ZodType>(c: Context, schema: S): Promise<z.infer<S>> {
  let raw: unknown;
  try {
    raw = await c.req.json();
  } catch {
    throw new LightboxError('validation_failed', 'the body is not valid JSON', {
      errors: [{ field: '', message: 'invalid JSON' }],
    });
  }
  const result = schema.safeParse(raw);
  if (!result.success) {
    throw new LightboxError('validation_failed', 'the body does not match the schema', {
      errors: result.error.issues.map((i) => ({ field: i.path.join('.'), message: i.message })),
    });
  }
  return result.data;
}

/** As `parseJsonBody`, for a route whose body may be left out: no body reads as `{}`. */
export async function parseOptionalJsonBody<S extends z.ZodType>(c: Context, schema: S): Promise<z.infer<S>> {
  const length = c.req.header('content-length');
  const hasBody = (length !== undefined && length !== '0') || c.req.header('transfer-encoding') !== undefined;
  if (!hasBody) return parseValue(schema, {});
  return parseJsonBody(c, schema);
}

function parseValue<S extends z.ZodType>(schema: S, raw: unknown): z.infer<S> {
  const result = schema.safeParse(raw);
  if (!result.success) {
    throw new LightboxError('validation_failed', 'the body does not match the schema', {
      errors: result.error.issues.map((i) => ({ field: i.path.join('.'), message: i.message })),
    });
  }
  return result.data;
}
