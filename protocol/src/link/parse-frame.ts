import type { z } from 'zod';
import type { ErrorFrame } from './frames.js';

export type ParseResult<T> = { ok: true; frame: T } | { ok: false; error: ErrorFrame };

/**
 * Validates a raw frame against a side's schema. Never throws: whatever arrives on the wire becomes
 * either a typed frame or a typed error to send back.
 */
export function parseFrame<T extends { type: string }>(
  schema: z.ZodType<T>,
  knownTypes: readonly string[],
  raw: string,
): ParseResult<T> {
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    return fail('invalid-json', 'frame is not valid JSON');
  }
  const type = typeof json === 'object' && json !== null ? (json as { type?: unknown }).type : undefined;
  if (typeof type !== 'string' || !knownTypes.includes(type)) {
    return fail('unknown-frame-type', `unknown frame type ${JSON.stringify(type ?? null).slice(0, 64)}`);
  }
  const result = schema.safeParse(json);
  if (!result.success) {
    const issues = result.error.issues
      .slice(0, 20)
      .map((i) => ({ path: i.path.join('.'), message: i.message }));
    return fail('schema-violation', `invalid ${type} frame`, issues);
  }
  return { ok: true, frame: result.data };
}

function fail(code: ErrorFrame['code'], message: string, issues?: ErrorFrame['issues']): ParseResult<never> {
  return { ok: false, error: { type: 'error', code, message, ...(issues ? { issues } : {}) } };
}
