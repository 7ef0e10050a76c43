import type { z } from 'zod';

/**
 * One documented HTTP operation, declared beside the routes that serve it and built from the very
 * zod schemas its handler validates with, so the published document cannot drift from the code.
 *
 * Documenting a new route takes one entry in the `taggedOperations(...)` list of the module's
 * `*-openapi.ts` (see `orders/orders-openapi.ts`) and, for a new module, one line in
 * `api-operations.ts`.
 * `openapi-document.test.ts` fails while a route under /v1 is served but not documented, or
 * documented but not served.
 */
export interface ApiOperation {
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  /** OpenAPI template, `{name}` for each path parameter: `/v1/orders/{orderId}`. */
  path: string;
  operationId: string;
  /** Groups operations on the docs page: `Orders`, `Agents`, … */
  tag: string;
  summary: string;
  description?: string;
  /** `apiKey`: a PIMS API key (the default under /v1); `agentToken`: an agent's token; `public`: none. */
  auth: 'apiKey' | 'agentToken' | 'public';
  /** A description of each `{name}` in the path; every one of them must be listed. */
  pathParams?: Record<string, string>;
  /** The schema the handler parses `c.req.query()` with: each property becomes a query parameter. */
  query?: z.ZodObject;
  /** The schema the handler parses the JSON body with; `name` becomes its component name. */
  body?: NamedSchema & { example?: unknown };
  /** Success answers. Problem answers are listed in `problems`. */
  responses: Record<number, ApiResponse>;
  /**
   * Problem answers besides those every operation of its kind can give: 401 comes with `apiKey`
   * and `agentToken`, 413 and 422 with a body.
   */
  problems?: ProblemStatus[];
}

export interface NamedSchema {
  /** The component name under `#/components/schemas`, in PascalCase. */
  name: string;
  schema: z.ZodType;
}

export interface ApiResponse {
  description: string;
  /** A JSON body; absent for an answer without one (a WebSocket upgrade, say). */
  body?: NamedSchema;
}

export type ProblemStatus = 400 | 401 | 404 | 409 | 413 | 415 | 422 | 503;

/** Declares one operation; the identity function is there for the type check and for grep. */
export function operation(op: ApiOperation): ApiOperation {
  return op;
}

/** An operation of `taggedOperations`: its tag comes from the list, `auth` defaults to `apiKey`. */
export type TaggedOperation = Omit<ApiOperation, 'tag' | 'auth'> & Partial<Pick<ApiOperation, 'auth'>>;

/**
 * The operations of one module, all under its `tag` and, unless one says otherwise, behind a PIMS
 * API key: what each module's operations share is written once.
 */
export function taggedOperations(tag: string, ops: TaggedOperation[]): ApiOperation[] {
  return ops.map((op) => ({ auth: 'apiKey', ...op, tag }));
}
