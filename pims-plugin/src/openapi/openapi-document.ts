import { z } from 'zod';
import type { ApiOperation, ProblemStatus } from './api-operation.js';
import { problemDetails, problemResponses } from './problem-schema.js';

export type JsonSchema = Record<string, unknown>;

/** The parts of an OpenAPI 3.1 document this module writes and the docs page reads. */
export interface OpenApiDocument {
  openapi: '3.1.0';
  info: { title: string; version: string; description: string };
  servers: { url: string; description: string }[];
  tags: { name: string; description?: string }[];
  security: Record<string, string[]>[];
  paths: Record<string, Record<string, OperationObject>>;
  webhooks: Record<string, { post: OperationObject }>;
  components: {
    schemas: Record<string, JsonSchema>;
    responses: Record<string, { description: string; content: Record<string, { schema: JsonSchema }> }>;
    securitySchemes: Record<string, { type: 'http'; scheme: 'bearer'; description: string }>;
  };
}

export interface ParameterObject {
  name: string;
  in: 'path' | 'query' | 'header';
  required: boolean;
  description?: string;
  schema: JsonSchema;
}

export interface OperationObject {
  operationId: string;
  tags: string[];
  summary: string;
  description?: string;
  security: Record<string, string[]>[];
  parameters?: ParameterObject[];
  requestBody?: { required: boolean; content: Record<string, { schema: JsonSchema; example?: unknown }> };
  responses: Record<
    string,
    { description: string; content?: Record<string, { schema: JsonSchema }> } | { $ref: string }
  >;
}

export interface DocumentOptions {
  tags: { name: string; description?: string }[];
  /** The events a PIMS receives, each described as a webhook; given by the caller, who knows them. */
  events?: EventDocs;
}

export interface EventDocs {
  catalogue: Readonly<Record<string, { when: string; pimsAction: string }>>;
  /** The envelope of every event. */
  envelope: z.ZodType;
}

const SCHEMA_PREFIX = '#/components/schemas/';
const securityOf: Record<ApiOperation['auth'], Record<string, string[]>[]> = {
  apiKey: [{ pimsApiKey: [] }],
  agentToken: [{ agentToken: [] }],
  public: [],
};

/** Assembles the OpenAPI 3.1 document from the operations the route modules declare. */
export function buildOpenApiDocument(
  operations: readonly ApiOperation[],
  options: DocumentOptions,
): OpenApiDocument {
  const components = new ComponentSchemas();
  const paths: OpenApiDocument['paths'] = {};
  for (const op of operations) {
    const item = (paths[op.path] ??= {});
    if (item[op.method]) throw new Error(`${op.method.toUpperCase()} ${op.path} is documented twice`);
    item[op.method] = operationObject(op, components);
  }
  const webhooks: OpenApiDocument['webhooks'] = {};
  for (const [type, described] of Object.entries(options.events?.catalogue ?? {})) {
    webhooks[type] = { post: webhookObject(type, described, options.events!.envelope, components) };
  }
  components.add('Problem', problemDetails, 'output');

  // The given tags in their order (the docs page follows it), then any operation's tag not among them.
  const used = new Set([...operations.map((op) => op.tag), 'Events']);
  const tagNames = [...new Set([...options.tags.map((t) => t.name).filter((n) => used.has(n)), ...used])];
  const described = new Map(options.tags.map((t) => [t.name, t.description]));
  return {
    openapi: '3.1.0',
    info: {
      title: 'Lightbox PIMS API',
      version: '1',
      description:
        'Imaging orders from the PIMS become the Modality Worklist; procedure steps, studies and ' +
        'images come back as events. Every `/v1` call carries `Authorization: Bearer <PIMS API key>`; ' +
        'errors are `application/problem+json`.',
    },
    // Relative: the document describes the server that serves it, wherever it is reached from.
    servers: [{ url: '/', description: 'this Lightbox plugin' }],
    tags: tagNames.map((name) => ({
      name,
      ...(described.get(name) ? { description: described.get(name) } : {}),
    })),
    security: securityOf.apiKey,
    paths,
    webhooks,
    components: {
      schemas: components.toJsonSchemas(),
      responses: Object.fromEntries(
        Object.values(problemResponses).map(({ name, description }) => [
          name,
          {
            description,
            content: { 'application/problem+json': { schema: { $ref: `${SCHEMA_PREFIX}Problem` } } },
          },
        ]),
      ),
      securitySchemes: {
        pimsApiKey: {
          type: 'http',
          scheme: 'bearer',
          description:
            'A PIMS API key of one site (`LIGHTBOX_API_KEY`, or the key printed on the first start). ' +
            'A missing or wrong key is 401; a key of another site sees nothing of this one (404).',
        },
        agentToken: {
          type: 'http',
          scheme: 'bearer',
          description: 'The token `POST /v1/agents` returned once; only the agents’ link uses it.',
        },
      },
    },
  };
}

function operationObject(op: ApiOperation, components: ComponentSchemas): OperationObject {
  const parameters = [...pathParameters(op), ...queryParameters(op)];
  const problems = new Set<ProblemStatus>(op.problems ?? []);
  if (op.auth !== 'public') problems.add(401);
  if (op.body) {
    problems.add(413);
    problems.add(422);
  }
  if (op.query) problems.add(422);
  const responses: OperationObject['responses'] = {};
  for (const [status, res] of Object.entries(op.responses)) {
    responses[status] = {
      description: res.description,
      ...(res.body
        ? {
            content: {
              'application/json': { schema: components.add(res.body.name, res.body.schema, 'output') },
            },
          }
        : {}),
    };
  }
  for (const status of [...problems].sort()) {
    responses[String(status)] = { $ref: `#/components/responses/${problemResponses[status].name}` };
  }
  return {
    operationId: op.operationId,
    tags: [op.tag],
    summary: op.summary,
    ...(op.description ? { description: op.description } : {}),
    security: securityOf[op.auth],
    ...(parameters.length ? { parameters } : {}),
    ...(op.body
      ? {
          requestBody: {
            required: true,
            content: {
              'application/json': {
                schema: components.add(op.body.name, op.body.schema, 'input'),
                ...(op.body.example !== undefined ? { example: op.body.example } : {}),
              },
            },
          },
        }
      : {}),
    responses,
  };
}

function pathParameters(op: ApiOperation): ParameterObject[] {
  const names = [...op.path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]!);
  const described = Object.keys(op.pathParams ?? {});
  const missing = names.filter((n) => !described.includes(n));
  const extra = described.filter((n) => !names.includes(n));
  if (missing.length || extra.length) {
    throw new Error(
      `${op.operationId}: path parameters ${names.join(', ')} but described ${described.join(', ')}`,
    );
  }
  return names.map((name) => ({
    name,
    in: 'path',
    required: true,
    description: op.pathParams![name]!,
    schema: { type: 'string' },
  }));
}

function queryParameters(op: ApiOperation): ParameterObject[] {
  if (!op.query) return [];
  const schema = toJsonSchema(op.query, 'input');
  const properties = (schema.properties ?? {}) as Record<string, JsonSchema>;
  const required = (schema.required ?? []) as string[];
  return Object.entries(properties).map(([name, prop]) => {
    const { description, ...rest } = prop;
    return {
      name,
      in: 'query',
      required: required.includes(name),
      ...(typeof description === 'string' ? { description } : {}),
      schema: rest,
    };
  });
}

function webhookObject(
  type: string,
  { when, pimsAction }: { when: string; pimsAction: string },
  envelope: z.ZodType,
  components: ComponentSchemas,
): OperationObject {
  return {
    operationId: `event.${type}`,
    tags: ['Events'],
    summary: type,
    description: `${when} The PIMS: ${pimsAction}`,
    // Deliveries are authenticated by their signature, not by a bearer token.
    security: [],
    parameters: [
      {
        name: 'Lightbox-Event-Id',
        in: 'header',
        required: true,
        description: 'The event id; the same event may arrive more than once.',
        schema: { type: 'string' },
      },
      {
        name: 'Lightbox-Signature',
        in: 'header',
        required: true,
        description: '`t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>`',
        schema: { type: 'string' },
      },
    ],
    requestBody: {
      required: true,
      content: {
        'application/json': {
          schema: {
            allOf: [components.add('Event', envelope, 'output'), { properties: { type: { const: type } } }],
          },
        },
      },
    },
    responses: { '2XX': { description: 'Received. Any other answer is retried with backoff.' } },
  };
}

/**
 * Named schemas, each converted once with zod's own JSON Schema output: requests as zod reads
 * them (`input`: defaults make a field optional), responses as the server writes them (`output`).
 */
class ComponentSchemas {
  private readonly named = new Map<string, { schema: z.ZodType; io: 'input' | 'output' }>();

  add(name: string, schema: z.ZodType, io: 'input' | 'output'): { $ref: string } {
    const known = this.named.get(name);
    if (known && (known.schema !== schema || known.io !== io)) {
      throw new Error(`two different schemas are named ${name}`);
    }
    this.named.set(name, { schema, io });
    return { $ref: `${SCHEMA_PREFIX}${name}` };
  }

  toJsonSchemas(): Record<string, JsonSchema> {
    const out: Record<string, JsonSchema> = {};
    for (const io of ['input', 'output'] as const) {
      const registry = z.registry<{ id: string }>();
      for (const [name, entry] of this.named) if (entry.io === io) registry.add(entry.schema, { id: name });
      const { schemas } = z.toJSONSchema(registry, {
        io,
        target: 'draft-2020-12',
        uri: (id) => `${SCHEMA_PREFIX}${id}`,
        unrepresentable: 'any',
        override: simplify,
      });
      for (const [name, schema] of Object.entries(schemas)) {
        const { $schema: _s, $id: _i, ...rest } = schema as JsonSchema;
        out[name] = rest;
      }
    }
    return Object.fromEntries(Object.entries(out).sort(([a], [b]) => a.localeCompare(b)));
  }
}

export function toJsonSchema(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  const { $schema: _s, ...rest } = z.toJSONSchema(schema, {
    io,
    target: 'draft-2020-12',
    unrepresentable: 'any',
    override: simplify,
  }) as JsonSchema;
  return rest;
}

/**
 * Readability: `format: date-time` says what zod's long date-time pattern says, and the safe-integer
 * bounds zod puts on every integer say nothing a reader needs.
 */
function simplify(ctx: { jsonSchema: JsonSchema }): void {
  const s = ctx.jsonSchema;
  if (s.format === 'date-time') delete s.pattern;
  if (s.minimum === Number.MIN_SAFE_INTEGER) delete s.minimum;
  if (s.maximum === Number.MAX_SAFE_INTEGER) delete s.maximum;
}
