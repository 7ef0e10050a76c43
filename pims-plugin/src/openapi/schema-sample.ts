import type { JsonSchema } from './openapi-document.js';

/** Strings tried, in order, for a string field: the first its documented constraints accept. */
const STRING_CANDIDATES = ['example', 'EXAMPLE', 'DX', '2026-11-23', '1.2.3', 'x', '1'];
const MAX_DEPTH = 12;

/**
 * A value the documented schema accepts, every optional field included, built from the schema alone
 * (examples, defaults and enums first). The docs page shows it where an operation gives no example.
 */
export function sampleFromSchema(
  schema: JsonSchema,
  components: Record<string, JsonSchema>,
  depth = 0,
): unknown {
  if (depth > MAX_DEPTH) return null;
  const s = resolveSchema(schema, components);
  const next = (sub: JsonSchema) => sampleFromSchema(sub, components, depth + 1);
  if ('example' in s) return s.example;
  if (Array.isArray(s.examples) && s.examples.length) return s.examples[0];
  if ('const' in s) return s.const;
  if ('default' in s) return s.default;
  if (Array.isArray(s.enum) && s.enum.length) return s.enum[0];
  if (Array.isArray(s.allOf)) {
    return Object.assign({}, ...(s.allOf.map((part) => next(part as JsonSchema)) as object[]));
  }
  const alternatives = (s.anyOf ?? s.oneOf) as JsonSchema[] | undefined;
  if (alternatives) return next(alternatives.find((a) => a.type !== 'null') ?? alternatives[0]!);
  const type = Array.isArray(s.type) ? (s.type as string[]).find((t) => t !== 'null') : (s.type as string);
  switch (type) {
    case 'object': {
      const properties = (s.properties ?? {}) as Record<string, JsonSchema>;
      return Object.fromEntries(Object.entries(properties).map(([k, v]) => [k, next(v)]));
    }
    case 'array': {
      const count = Math.max(1, typeof s.minItems === 'number' ? s.minItems : 1);
      return Array.from({ length: count }, () => next((s.items ?? {}) as JsonSchema));
    }
    case 'string':
      return sampleString(s);
    case 'integer':
    case 'number':
      return sampleNumber(s, type === 'integer');
    case 'boolean':
      return true;
    case 'null':
      return null;
    case undefined:
    default:
      return 'example';
  }
}

export function resolveSchema(schema: JsonSchema, components: Record<string, JsonSchema>): JsonSchema {
  let s = schema;
  for (let hops = 0; typeof s.$ref === 'string' && hops < 16; hops++) {
    const name = s.$ref.replace('#/components/schemas/', '');
    const target = components[name];
    if (!target) throw new Error(`unresolved reference ${s.$ref}`);
    s = target;
  }
  return s;
}

function sampleString(s: JsonSchema): string {
  if (s.format === 'date-time') return '2026-11-23T09:00:00Z';
  if (s.format === 'date') return '2026-11-23';
  const min = typeof s.minLength === 'number' ? s.minLength : 0;
  const max = typeof s.maxLength === 'number' ? s.maxLength : Infinity;
  const pattern = typeof s.pattern === 'string' ? new RegExp(s.pattern, 'u') : null;
  const fits = (v: string) => v.length >= min && v.length <= max && (!pattern || pattern.test(v));
  const found = STRING_CANDIDATES.find(fits) ?? 'x'.repeat(Math.max(min, 1));
  return found;
}

function sampleNumber(s: JsonSchema, integer: boolean): number {
  let v = 1;
  if (typeof s.minimum === 'number') v = Math.max(v, s.minimum);
  if (typeof s.exclusiveMinimum === 'number' && v <= s.exclusiveMinimum) v = s.exclusiveMinimum + 1;
  if (typeof s.maximum === 'number') v = Math.min(v, s.maximum);
  if (typeof s.exclusiveMaximum === 'number' && v >= s.exclusiveMaximum) v = s.exclusiveMaximum - 1;
  return integer ? Math.ceil(v) : v;
}
