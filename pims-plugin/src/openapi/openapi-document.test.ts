import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Validator } from '@seriousme/openapi-schema-validator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadPluginConfig } from '../config.js';
import { createLogger } from '../log.js';
import { startPlugin, type RunningPlugin } from '../server.js';
import { operation } from './api-operation.js';
import { buildOpenApiDocument, type OpenApiDocument } from './openapi-document.js';

/**
 * The document against the plugin as it really starts and routes (in-process, on a real libsql
 * file): every route under /v1 is documented, every documented route is served, and the whole is a
 * valid OpenAPI 3.1 document.
 */
const API_KEY = 'lbx_key_openapi_0123456789abcdefghijklmnop';
let dir: string;
let plugin: RunningPlugin;
let doc: OpenApiDocument;

type Route = { method: string; path: string };

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'lightbox-openapi-'));
  const config = loadPluginConfig({
    LIGHTBOX_HTTP_HOST: '127.0.0.1',
    LIGHTBOX_HTTP_PORT: '0',
    LIGHTBOX_DATA_DIR: dir,
    LIGHTBOX_API_KEY: API_KEY,
    LIGHTBOX_LOG_LEVEL: 'error',
  });
  plugin = await startPlugin(config, createLogger('error'));
  // No key: the description is public.
  const res = await fetch(`${plugin.url}/v1/openapi.json`);
  expect(res.status).toBe(200);
  doc = (await res.json()) as OpenApiDocument;
});

afterAll(async () => {
  await plugin.close();
  rmSync(dir, { recursive: true, force: true });
});

/** `GET /v1/orders/{orderId}` for each route served (middleware excluded). */
function served(routes: readonly Route[]): Set<string> {
  return new Set(
    routes
      .filter((r) => r.method !== 'ALL')
      .map((r) => `${r.method} ${r.path.replace(/:([A-Za-z0-9_]+)/g, '{$1}')}`),
  );
}

function documented(d: OpenApiDocument): Set<string> {
  return new Set(
    Object.entries(d.paths).flatMap(([p, item]) => Object.keys(item).map((m) => `${m.toUpperCase()} ${p}`)),
  );
}

function drift(routes: readonly Route[], d: OpenApiDocument) {
  const s = served(routes);
  const documentedRoutes = documented(d);
  return {
    undocumented: [...s].filter((r) => r.split(' ')[1]!.startsWith('/v1/') && !documentedRoutes.has(r)),
    notServed: [...documentedRoutes].filter((r) => !s.has(r)),
  };
}

describe('the document and the routes', () => {
  it('documents every route served under /v1, and serves every documented route', () => {
    expect(served(plugin.routes).size).toBeGreaterThan(10);
    expect(drift(plugin.routes, doc)).toEqual({ undocumented: [], notServed: [] });
  });

  it('notices a route added without its description, and a description without its route', () => {
    const grown = [...plugin.routes, { method: 'GET', path: '/v1/not-yet-described/:thingId' }];
    expect(drift(grown, doc).undocumented).toEqual([
      ...drift(plugin.routes, doc).undocumented,
      'GET /v1/not-yet-described/{thingId}',
    ]);
    const shrunk = plugin.routes.filter((r) => !(r.method === 'PATCH' && r.path === '/v1/orders/:orderId'));
    expect(drift(shrunk, doc).notServed).toEqual(['PATCH /v1/orders/{orderId}']);
  });

  it('is public while the rest of /v1 still needs a key', async () => {
    const json = await fetch(`${plugin.url}/v1/openapi.json`);
    expect(json.headers.get('content-type')).toMatch(/application\/json/);
    const docs = await fetch(`${plugin.url}/docs`);
    expect(docs.status).toBe(200);
    expect(docs.headers.get('content-type')).toMatch(/text\/html/);
    expect(docs.headers.get('content-security-policy')).toContain("default-src 'none'");
    const orders = await fetch(`${plugin.url}/v1/orders`);
    expect(orders.status).toBe(401);
    expect(orders.headers.get('content-type')).toMatch(/application\/problem\+json/);
    const withKey = await fetch(`${plugin.url}/v1/orders`, {
      headers: { authorization: `Bearer ${API_KEY}` },
    });
    expect(withKey.status).toBe(200);
  });
});

describe('the document itself', () => {
  it('validates against the OpenAPI 3.1 schema', async () => {
    const validator = new Validator();
    const result = await validator.validate(structuredClone(doc) as unknown as Record<string, unknown>);
    expect(result.errors).toBeUndefined();
    expect(result.valid).toBe(true);
    expect(validator.version).toBe('3.1');
  });

  it('is refused by the same validator once a parameter says it is in the body (OpenAPI 2 style)', async () => {
    const broken = structuredClone(doc);
    broken.paths['/v1/orders']!.get!.parameters![0]!.in = 'body' as 'query';
    expect((await new Validator().validate(broken as unknown as Record<string, unknown>)).valid).toBe(false);
  });

  it('resolves every reference it makes', () => {
    const refs = new Set<string>();
    const walk = (v: unknown): void => {
      if (Array.isArray(v)) v.forEach(walk);
      else if (v && typeof v === 'object') {
        for (const [k, x] of Object.entries(v)) {
          if (k === '$ref' && typeof x === 'string') refs.add(x);
          else walk(x);
        }
      }
    };
    walk(doc);
    expect(refs.size).toBeGreaterThan(10);
    for (const ref of refs) {
      const [, section, name] = /^#\/components\/(schemas|responses)\/(.+)$/.exec(ref) ?? [];
      expect(section && name ? doc.components[section as 'schemas'][name] : undefined, ref).toBeDefined();
    }
  });

  it('describes the PIMS key as a bearer scheme and the orders with the handlers’ own schemas', () => {
    expect(doc.components.securitySchemes.pimsApiKey).toMatchObject({ type: 'http', scheme: 'bearer' });
    const create = doc.paths['/v1/orders']!.post!;
    expect(create.requestBody?.content['application/json']?.schema).toEqual({
      $ref: '#/components/schemas/CreateOrderRequest',
    });
    const body = doc.components.schemas.CreateOrderRequest as { required: string[]; properties: object };
    expect(body.required.sort()).toEqual(['client', 'patient', 'pims', 'pimsOrderId', 'procedure'].sort());
    // A default makes a field optional to the caller: `priority` may be left out.
    expect(body.properties).toHaveProperty('priority.default', 'routine');
    expect(Object.keys(create.responses).sort()).toEqual(['200', '201', '401', '409', '413', '422']);
    const list = doc.paths['/v1/orders']!.get!;
    expect(list.parameters?.map((p) => `${p.name}:${p.in}:${p.required}`)).toEqual([
      'status:query:false',
      'pimsPatientId:query:false',
      'updatedSince:query:false',
      'limit:query:false',
      'cursor:query:false',
    ]);
  });
});

describe('declaring operations', () => {
  const base = operation({
    method: 'get',
    path: '/v1/things/{thingId}',
    operationId: 'getThing',
    tag: 'Things',
    summary: 'A thing',
    auth: 'apiKey',
    pathParams: { thingId: 'The thing.' },
    responses: { 200: { description: 'It.' } },
  });

  it('refuses an operation documented twice', () => {
    expect(() => buildOpenApiDocument([base, base], { tags: [] })).toThrow(/documented twice/);
  });

  it('refuses a path parameter left undescribed', () => {
    expect(() => buildOpenApiDocument([{ ...base, pathParams: {} }], { tags: [] })).toThrow(/thingId/);
  });
});
