import type { Hono } from 'hono';
import { z } from 'zod';
import type { AppEnv } from '../http/app-env.js';
import { operation, type ApiOperation } from './api-operation.js';
import { renderDocsPage } from './docs-page.js';
import { buildOpenApiDocument, type DocumentOptions } from './openapi-document.js';

export const openApiOperations = [
  operation({
    method: 'get',
    path: '/v1/openapi.json',
    operationId: 'openApiDocument',
    tag: 'API description',
    summary: 'This document: OpenAPI 3.1',
    description: 'The same description is readable at `/docs`.',
    auth: 'public',
    responses: {
      200: {
        description: 'The OpenAPI document.',
        body: { name: 'OpenApiDocument', schema: z.record(z.string(), z.unknown()) },
      },
    },
  }),
];

/**
 * `GET /v1/openapi.json` and `GET /docs`. Both are public: they describe the shape of the API and
 * hold no site's data, and an integrator (or a code generator) needs them before it has a key. They
 * are mounted before the API key guard for that reason. The document is built once, at start, so
 * a malformed description stops the process instead of surfacing on the first request.
 */
export function mountOpenApiRoutes(
  app: Hono<AppEnv>,
  operations: readonly ApiOperation[],
  options: DocumentOptions,
): void {
  const { json, html } = rendered(operations, options);
  app.get('/v1/openapi.json', (c) =>
    c.body(json, 200, { 'content-type': 'application/json; charset=utf-8' }),
  );
  app.get('/docs', (c) =>
    c.html(html, 200, {
      // The page is self-contained; the policy makes sure it stays so (no script at all, no fetches).
      'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; img-src data:",
    }),
  );
}

/** Built once per list of operations: every app of the process (tests make many) shares it. */
const cache = new WeakMap<readonly ApiOperation[], { json: string; html: string }>();

function rendered(
  operations: readonly ApiOperation[],
  options: DocumentOptions,
): { json: string; html: string } {
  let hit = cache.get(operations);
  if (!hit) {
    const doc = buildOpenApiDocument(operations, options);
    hit = { json: JSON.stringify(doc), html: renderDocsPage(doc, options.events?.catalogue) };
    cache.set(operations, hit);
  }
  return hit;
}
