import type { z } from 'zod';
import { LightboxError } from '@lightbox/runtime';

/**
 * Parses a request's query parameters with the schema its operation documents as `query`; anything
 * wrong becomes a 422 naming each failing parameter.
 */
export function parseQuery<S extends z.ZodType>(schema: S, query: Record<string, string>): z.infer<S> {
  const parsed = schema.safeParse(query);
  if (!parsed.success) {
    throw new LightboxError('validation_failed', 'invalid query parameters', {
      errors: parsed.error.issues.map((i) => ({ field: i.path.join('.'), message: i.message })),
    });
  }
  return parsed.data;
}
