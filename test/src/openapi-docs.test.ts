import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JsonSchema, OpenApiDocument } from '@lightbox/pims-plugin/openapi/openapi-document';
import { resolveSchema, sampleFromSchema } from '@lightbox/pims-plugin/openapi/schema-sample';
import { launchChromium } from './support/chromium.js';
import { LightboxStack } from './support/lightbox-stack.js';

/**
 * The published API description against the real plugin process: bodies built from the documented
 * schemas are accepted, each documented constraint is enforced, answers carry the documented
 * fields, and the docs page reads well in a real Chromium.
 */
const stack = new LightboxStack();
let doc: OpenApiDocument;
let schemas: Record<string, JsonSchema>;

type Problem = { status: number; errors?: { field: string; message: string }[] };

beforeAll(async () => {
  await stack.startPlugin();
  // No key: the description is public.
  const res = await fetch(`${stack.pluginUrl}/v1/openapi.json`);
  expect(res.status).toBe(200);
  doc = (await res.json()) as OpenApiDocument;
  schemas = doc.components.schemas;
});
afterAll(() => stack.dispose());

function requestSchema(path: string, method: string): JsonSchema {
  const schema = doc.paths[path]?.[method]?.requestBody?.content['application/json']?.schema;
  if (!schema) throw new Error(`${method} ${path} documents no JSON body`);
  return schema;
}

function responseSchema(path: string, method: string, status: number): JsonSchema {
  const res = doc.paths[path]?.[method]?.responses[String(status)];
  const schema = res && !('$ref' in res) ? res.content?.['application/json']?.schema : undefined;
  if (!schema) throw new Error(`${method} ${path} documents no JSON ${status}`);
  return schema;
}

/** Where `value` departs from the documented schema: undocumented fields, missing ones, wrong types. */
function departures(value: unknown, schema: JsonSchema, at = '$'): string[] {
  const s = resolveSchema(schema, schemas);
  const branches = (s.anyOf ?? s.oneOf) as JsonSchema[] | undefined;
  if (branches) {
    const tries = branches.map((b) => departures(value, b, at));
    return tries.find((t) => t.length === 0) ?? tries.flat();
  }
  if ('const' in s) return value === s.const ? [] : [`${at}: expected ${JSON.stringify(s.const)}`];
  if (Array.isArray(s.enum))
    return s.enum.includes(value) ? [] : [`${at}: ${JSON.stringify(value)} not in enum`];
  const type = s.type as string | undefined;
  if (type === 'null') return value === null ? [] : [`${at}: expected null`];
  if (type === 'array') {
    if (!Array.isArray(value)) return [`${at}: expected an array`];
    return value.flatMap((v, i) => departures(v, (s.items ?? {}) as JsonSchema, `${at}[${i}]`));
  }
  if (type === 'object') {
    if (!value || typeof value !== 'object' || Array.isArray(value)) return [`${at}: expected an object`];
    const properties = (s.properties ?? {}) as Record<string, JsonSchema>;
    const out = ((s.required ?? []) as string[])
      .filter((k) => !(k in value))
      .map((k) => `${at}.${k}: documented as required, missing`);
    for (const [k, v] of Object.entries(value)) {
      const prop = properties[k];
      if (prop) out.push(...departures(v, prop, `${at}.${k}`));
      else if (s.properties) out.push(`${at}.${k}: not documented`);
    }
    return out;
  }
  if (type === 'string') return typeof value === 'string' ? [] : [`${at}: expected a string`];
  if (type === 'integer') return Number.isInteger(value) ? [] : [`${at}: expected an integer`];
  if (type === 'number') return typeof value === 'number' ? [] : [`${at}: expected a number`];
  if (type === 'boolean') return typeof value === 'boolean' ? [] : [`${at}: expected a boolean`];
  return [];
}

/** One body per documented constraint, each breaking only that one, with the field it names. */
function brokenBodies(valid: unknown, schema: JsonSchema, path: string[] = []) {
  const out: { field: string; body: unknown }[] = [];
  const s = resolveSchema(schema, schemas);
  const properties = (s.properties ?? {}) as Record<string, JsonSchema>;
  const required = new Set((s.required ?? []) as string[]);
  for (const [name, sub] of Object.entries(properties)) {
    const at = [...path, name];
    const field = at.join('.');
    const p = resolveSchema(sub, schemas);
    const breakWith = (v: unknown) => out.push({ field, body: withValue(valid, at, v) });
    if (required.has(name)) breakWith(undefined);
    if (p.type === 'object') out.push(...brokenBodies(valid, p, at));
    if (Array.isArray(p.enum)) breakWith('not-one-of-them');
    if (p.format === 'date-time') breakWith('tomorrow morning');
    if (typeof p.maxLength === 'number') breakWith('x'.repeat(p.maxLength + 1));
    if (typeof p.minLength === 'number' && p.minLength > 0) breakWith('');
    if (typeof p.pattern === 'string' && !new RegExp(p.pattern, 'u').test('Bad\\value!'))
      breakWith('Bad\\value!');
    if (typeof p.maximum === 'number') breakWith(p.maximum + 1);
    if (typeof p.minimum === 'number') breakWith(p.minimum - 1);
    if (typeof p.exclusiveMinimum === 'number') breakWith(p.exclusiveMinimum);
    if (p.type === 'integer') breakWith(1.5);
    if (p.type === 'boolean') breakWith('yes');
  }
  return out;
}

function withValue(body: unknown, at: string[], value: unknown): unknown {
  const copy = structuredClone(body) as Record<string, unknown>;
  let node = copy;
  for (const key of at.slice(0, -1)) node = node[key] as Record<string, unknown>;
  const last = at.at(-1)!;
  if (value === undefined) Reflect.deleteProperty(node, last);
  else node[last] = value;
  return copy;
}

describe('the documented schemas against the real endpoints', () => {
  let orderId = '';

  it('accepts a create-order body built from the documented schema, and answers with documented fields', async () => {
    const body = sampleFromSchema(requestSchema('/v1/orders', 'post'), schemas);
    const res = await stack.api('POST', '/v1/orders', body);
    const answer = (await res.json()) as { orderId: string };
    expect(res.status, JSON.stringify(answer)).toBe(201);
    expect(departures(answer, responseSchema('/v1/orders', 'post', 201))).toEqual([]);
    orderId = answer.orderId;
    const read = await stack.api('GET', `/v1/orders/${orderId}`);
    expect(read.status).toBe(200);
    expect(departures(await read.json(), responseSchema('/v1/orders/{orderId}', 'get', 200))).toEqual([]);
    const list = await stack.api('GET', '/v1/orders?limit=10');
    expect(departures(await list.json(), responseSchema('/v1/orders', 'get', 200))).toEqual([]);
  });

  it('accepts the example the docs page shows', async () => {
    const example = doc.paths['/v1/orders']!.post!.requestBody!.content['application/json']!.example;
    expect(example).toBeDefined();
    expect((await stack.api('POST', '/v1/orders', example)).status).toBe(201);
  });

  it('refuses each documented constraint broken alone with 422 naming the field', async () => {
    const schema = requestSchema('/v1/orders', 'post');
    const valid = sampleFromSchema(schema, schemas);
    const cases = brokenBodies(valid, schema);
    expect(cases.length).toBeGreaterThan(40);
    const unrefused: string[] = [];
    for (const { field, body } of cases) {
      const res = await stack.api('POST', '/v1/orders', body);
      const problem = (await res.json()) as Problem;
      const named = problem.errors?.some((e) => e.field === field) ?? false;
      if (
        res.status !== 422 ||
        !named ||
        !res.headers.get('content-type')?.includes('application/problem+json')
      ) {
        unrefused.push(`${field}: ${res.status} ${JSON.stringify(problem.errors ?? problem)}`);
      }
    }
    expect(unrefused).toEqual([]);
  });

  it('accepts a documented correction and cancellation, and refuses their broken forms', async () => {
    const patchSchema = requestSchema('/v1/orders/{orderId}', 'patch');
    const patch = await stack.api('PATCH', `/v1/orders/${orderId}`, sampleFromSchema(patchSchema, schemas));
    expect(patch.status, await patch.clone().text()).toBe(200);
    expect(departures(await patch.json(), responseSchema('/v1/orders/{orderId}', 'patch', 200))).toEqual([]);

    const cancelSchema = requestSchema('/v1/orders/{orderId}/cancel', 'post');
    for (const { field, body } of brokenBodies(sampleFromSchema(cancelSchema, schemas), cancelSchema)) {
      const res = await stack.api('POST', `/v1/orders/${orderId}/cancel`, body);
      expect(res.status, field).toBe(422);
    }
    const cancel = await stack.api(
      'POST',
      `/v1/orders/${orderId}/cancel`,
      sampleFromSchema(cancelSchema, schemas),
    );
    expect(cancel.status).toBe(200);
    expect(((await cancel.json()) as { status: string }).status).toBe('cancelled');
  });
});

/** The dotted field names the docs page lists for a schema, nested objects and array items included. */
function fieldPaths(schema: JsonSchema, prefix = ''): string[] {
  let s = resolveSchema(schema, schemas);
  const branch = ((s.anyOf ?? []) as JsonSchema[]).find((b) => resolveSchema(b, schemas).type === 'object');
  if (branch) s = resolveSchema(branch, schemas);
  return Object.entries((s.properties ?? {}) as Record<string, JsonSchema>).flatMap(([name, sub]) => {
    const p = resolveSchema(sub, schemas);
    const field = `${prefix}${name}`;
    const nested =
      p.type === 'array'
        ? fieldPaths((p.items ?? {}) as JsonSchema, `${field}[].`)
        : fieldPaths(p, `${field}.`);
    return [field, ...nested];
  });
}

describe('the docs page in Chromium', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(() => browser.close());

  it('shows the orders operations with their fields, the auth scheme and the events, without errors', async () => {
    const page = await browser.newPage();
    const problems: string[] = [];
    const requests: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') problems.push(`${m.type()}: ${m.text()}`);
    });
    page.on('pageerror', (err) => problems.push(`pageerror: ${err.message}`));
    page.on('request', (r) => requests.push(r.url()));

    const res = await page.goto(`${stack.pluginUrl}/docs`, { waitUntil: 'load' });
    expect(res?.status()).toBe(200);
    await expect.poll(() => page.title()).toContain('Lightbox');

    const orderOps = Object.entries(doc.paths).flatMap(([path, item]) =>
      Object.entries(item)
        .filter(([, op]) => op.tags.includes('Orders'))
        .map(([method, op]) => ({ method, path, op })),
    );
    expect(orderOps.length).toBeGreaterThanOrEqual(5);
    for (const { method, path, op } of orderOps) {
      const card = page.locator(`#op-${op.operationId.toLowerCase()}`);
      expect(await card.isVisible(), op.operationId).toBe(true);
      const heading = await card.locator('h3').innerText();
      expect(heading).toContain(method.toUpperCase());
      expect(heading).toContain(path);
      expect(await card.innerText()).toContain(op.summary);
    }

    // Every field of the create-order body is on the page, visible without a click.
    const expected = fieldPaths(requestSchema('/v1/orders', 'post'));
    expect(expected).toEqual(
      expect.arrayContaining(['patient.species', 'client.organization', 'scheduled.at']),
    );
    const shown = await page.locator('#op-createorder td.f code').filter({ visible: true }).allInnerTexts();
    expect(shown.sort()).toEqual([...expected].sort());

    // Response fields fold away; opening them shows the order's timeline.
    const getOrder = page.locator('#op-getorder');
    expect(await getOrder.getByText('timeline[].status', { exact: true }).isVisible()).toBe(false);
    await getOrder.locator('summary').first().click();
    expect(await getOrder.getByText('timeline[].status', { exact: true }).isVisible()).toBe(true);

    const auth = await page.locator('#auth').innerText();
    expect(auth).toContain('pimsApiKey');
    expect(auth).toContain('Authorization: Bearer');
    const events = await page.locator('#event-types').innerText();
    for (const type of Object.keys(doc.webhooks)) expect(events).toContain(type);

    // Self-contained: nothing fetched but the page itself.
    expect(requests.filter((u) => !u.startsWith('data:'))).toEqual([`${stack.pluginUrl}/docs`]);
    expect(problems).toEqual([]);
    await page.close();
  });
});
