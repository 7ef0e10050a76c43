import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixtureOrders } from './fixtures/worklist-orders.js';
import { LightboxStack, TEST_API_KEY } from './support/lightbox-stack.js';

/**
 * What should be refused is refused, clearly: a reused idempotency key with another body, DICOM
 * delimiters and control characters in names, impossible dates, bodies that are not JSON; absolute
 * URLs never take their host from the request; 401s name the scheme; HTML never sniffed or framed.
 */
type Problem = { status: number; detail: string; errors?: { field: string }[]; differingFields?: string[] };

const PUBLIC_URL = 'https://imaging.clinic.example';
const stack = new LightboxStack({ pluginEnv: { LIGHTBOX_PUBLIC_URL: PUBLIC_URL } });
const base = fixtureOrders[0]!.body as {
  patient: Record<string, unknown>;
  client: Record<string, unknown>;
  procedure: Record<string, unknown>;
  scheduled: Record<string, unknown>;
};
let n = 0;
const order = (over: Record<string, unknown> = {}) => ({ ...base, pimsOrderId: `STRICT-${++n}`, ...over });

beforeAll(() => stack.startPlugin());
afterAll(() => stack.dispose());

describe('orders', () => {
  it('answers a repeat 200 with the same order, and the same pimsOrderId with another body 409 naming the fields', async () => {
    const body = order();
    const first = await stack.api('POST', '/v1/orders', body);
    expect(first.status).toBe(201);
    const { orderId } = (await first.json()) as { orderId: string };
    const again = await stack.api('POST', '/v1/orders', body);
    expect(again.status).toBe(200);
    expect(((await again.json()) as { orderId: string }).orderId).toBe(orderId);

    const other = await stack.api('POST', '/v1/orders', {
      ...body,
      patient: { ...base.patient, name: 'Bella' },
      procedure: { ...base.procedure, modality: 'US' },
    });
    expect(other.status).toBe(409);
    const problem = (await other.json()) as Problem;
    expect(problem.differingFields).toEqual(['patient.name', 'procedure.modality']);
    expect(problem.detail).toMatch(/patient\.name, procedure\.modality/);
    const stored = (await (await stack.api('GET', `/v1/orders/${orderId}`)).json()) as {
      patient: { name: string };
    };
    expect(stored.patient.name).toBe(base.patient.name);
  });

  it.each([
    ['a pet name with ^', { patient: { ...base.patient, name: 'Max^Evil' } }, 'patient.name'],
    ['a pet name with =', { patient: { ...base.patient, name: 'Max=Evil' } }, 'patient.name'],
    ['a pet name with \\', { patient: { ...base.patient, name: 'Max\\Evil' } }, 'patient.name'],
    [
      'a pet name with a control character',
      { patient: { ...base.patient, name: 'Max\u0007' } },
      'patient.name',
    ],
    ['an owner name with ^', { client: { ...base.client, lastName: 'Smith^Max^Evil' } }, 'client.lastName'],
    ['an owner first name with =', { client: { ...base.client, firstName: 'A=B' } }, 'client.firstName'],
    ['a vet name with ^', { requestingVet: { familyName: 'Doe^X' } }, 'requestingVet.familyName'],
    ['birth date 2019-13-45', { patient: { ...base.patient, birthDate: '2019-13-45' } }, 'patient.birthDate'],
    ['birth date 2023-02-29', { patient: { ...base.patient, birthDate: '2023-02-29' } }, 'patient.birthDate'],
    ['scheduled on 30 February', { scheduled: { at: '2026-02-30T09:00:00Z' } }, 'scheduled.at'],
  ])('refuses %s with 422 naming the field', async (_what, over, field) => {
    const res = await stack.api('POST', '/v1/orders', order(over));
    expect(res.status).toBe(422);
    expect(((await res.json()) as Problem).errors!.map((e) => e.field)).toEqual([field]);
  });

  it('takes real dates and names without delimiters', async () => {
    const res = await stack.api(
      'POST',
      '/v1/orders',
      order({ patient: { ...base.patient, name: "Max O'Neil-Ünal", birthDate: '2024-02-29' } }),
    );
    expect(res.status).toBe(201);
  });

  it('answers 415 for a body that is not declared JSON, and takes application/json with a charset', async () => {
    const post = (type: string | null) =>
      fetch(`${stack.pluginUrl}/v1/orders`, {
        method: 'POST',
        headers: { authorization: `Bearer ${TEST_API_KEY}`, ...(type ? { 'content-type': type } : {}) },
        body: JSON.stringify(order()),
      });
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'text/plain;charset=UTF-8']) {
      const res = await post(type);
      expect(res.status, type).toBe(415);
      expect(res.headers.get('content-type')).toMatch(/application\/problem\+json/);
    }
    expect((await post('application/json; charset=utf-8')).status).toBe(201);
  });
});

describe('answers', () => {
  it('builds absolute URLs on the configured public URL, whatever the Host header says', async () => {
    const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const body = JSON.stringify({ pimsPatientId: 'P1', ttlSeconds: 300 });
      const req = request(
        `${stack.pluginUrl}/v1/embed-links`,
        {
          method: 'POST',
          headers: {
            host: 'evil.example',
            authorization: `Bearer ${TEST_API_KEY}`,
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(body),
          },
        },
        (res) => {
          let text = '';
          res.setEncoding('utf8').on('data', (c: string) => (text += c));
          res.on('end', () => resolve({ status: res.statusCode!, body: text }));
        },
      );
      req.on('error', reject);
      req.end(body);
    });
    expect(answer.status).toBe(201);
    expect(answer.body).not.toContain('evil.example');
    expect(answer.body).toContain(PUBLIC_URL);
  });

  it('names the scheme on 401', async () => {
    const res = await stack.api('GET', '/v1/orders', undefined, 'not-a-key-0123456789');
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Bearer realm="lightbox", charset="UTF-8"');
    const none = await fetch(`${stack.pluginUrl}/v1/orders`);
    expect(none.headers.get('www-authenticate')).toMatch(/^Bearer /);
  });

  it('sends nosniff on every answer and frame-ancestors on every HTML answer', async () => {
    const docs = await fetch(`${stack.pluginUrl}/docs`);
    expect(docs.headers.get('content-type')).toMatch(/text\/html/);
    expect(docs.headers.get('x-content-type-options')).toBe('nosniff');
    expect(docs.headers.get('content-security-policy')).toMatch(/frame-ancestors 'none'/);
    for (const p of ['/v1/openapi.json', '/health/ready', '/no-such-page']) {
      const res = await fetch(`${stack.pluginUrl}${p}`);
      expect(res.headers.get('x-content-type-options'), p).toBe('nosniff');
    }
  });
});
