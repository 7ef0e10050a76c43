import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixtureOrders } from './fixtures/worklist-orders.js';
import { LightboxStack } from './support/lightbox-stack.js';

/** The orders API as a PIMS integrator meets it, against the real plugin process. */
const stack = new LightboxStack();
const body = (i: number) => ({ ...fixtureOrders[0]!.body, pimsOrderId: `API-${i}` });
type Problem = {
  status: number;
  title: string;
  detail: string;
  errors?: { field: string; message: string }[];
};

beforeAll(() => stack.startPlugin());
afterAll(() => stack.dispose());

describe('creating orders', () => {
  it('is idempotent on the PIMS order id: 201, then 200 with the same order', async () => {
    const first = await stack.api('POST', '/v1/orders', body(1));
    const again = await stack.api('POST', '/v1/orders', body(1));
    expect(first.status).toBe(201);
    expect(again.status).toBe(200);
    const a = (await first.json()) as Record<string, string>;
    expect(await again.json()).toEqual(a);
    expect(a.accessionNumber!.length).toBeLessThanOrEqual(16);
    expect(a.scheduledProcedureStepId!.length).toBeLessThanOrEqual(16);
    expect(a.studyInstanceUid).toMatch(/^2\.25\.\d{10,39}$/);
  });

  it('uses identifiers a PIMS minted itself', async () => {
    const res = await stack.api('POST', '/v1/orders', {
      ...body(2),
      accessionNumber: 'EZ-000123',
      requestedProcedureId: 'RP-77',
      scheduledProcedureStepId: 'SPS-77-1',
      studyInstanceUid: '1.2.826.0.1.3680043.8.498.1',
    });
    expect(res.status).toBe(201);
    expect(await res.json()).toMatchObject({
      accessionNumber: 'EZ-000123',
      requestedProcedureId: 'RP-77',
      scheduledProcedureStepId: 'SPS-77-1',
      studyInstanceUid: '1.2.826.0.1.3680043.8.498.1',
    });
  });

  it('refuses an accession number already used in the site with 409', async () => {
    const res = await stack.api('POST', '/v1/orders', { ...body(3), accessionNumber: 'EZ-000123' });
    expect(res.status).toBe(409);
    expect(res.headers.get('content-type')).toMatch(/application\/problem\+json/);
    expect(((await res.json()) as Problem).errors).toEqual([
      expect.objectContaining({ field: 'accessionNumber' }),
    ]);
  });

  it('refuses an invalid body with 422 naming each failing field', async () => {
    const res = await stack.api('POST', '/v1/orders', {
      pims: { system: 'ezyvet', siteId: 'main' },
      pimsOrderId: 'BAD-1',
      procedure: { code: 'X', description: 'd', modality: 'dx' },
      patient: { id: 'P1', name: 'Rex', weightKg: -3 },
      client: { firstName: 'Anna' },
      scheduled: { at: 'tomorrow morning' },
      accessionNumber: 'WAY_TOO_LONG_FOR_SH_1234',
      studyInstanceUid: '1.2.03.4',
    });
    expect(res.status).toBe(422);
    expect(res.headers.get('content-type')).toMatch(/application\/problem\+json/);
    const fields = ((await res.json()) as Problem).errors!.map((e) => e.field).sort();
    expect(fields).toEqual(
      [
        'accessionNumber',
        'client.lastName',
        'patient.species',
        'patient.weightKg',
        'procedure.modality',
        'scheduled.at',
        'studyInstanceUid',
      ].sort(),
    );
  });

  it('refuses values DICOM cannot carry, naming the PIMS field, never truncating', async () => {
    const res = await stack.api('POST', '/v1/orders', {
      ...body(4),
      scheduled: { at: '2026-11-22T09:00:00Z', stationAeTitle: 'A_STATION_TITLE_TOO_LONG' },
      client: { lastName: 'Smith\\Jones' },
    });
    expect(res.status).toBe(422);
    const errors = ((await res.json()) as Problem).errors!;
    expect(errors.map((e) => e.field).sort()).toEqual(['client.lastName', 'scheduled.stationAeTitle']);
    expect(errors.find((e) => e.field === 'scheduled.stationAeTitle')!.message).toMatch(/16 characters/);
  });

  it('answers 401 problem+json to a missing or wrong key', async () => {
    for (const res of [
      await fetch(`${stack.pluginUrl}/v1/orders`),
      await stack.api('GET', '/v1/orders', undefined, 'lbx_key_not_a_real_key_at_all'),
    ]) {
      expect(res.status).toBe(401);
      expect(res.headers.get('content-type')).toMatch(/application\/problem\+json/);
    }
  });
});

describe('reading, correcting and cancelling', () => {
  it('lists with filters and a cursor, oldest change first', async () => {
    for (let i = 10; i < 15; i++) expect((await stack.api('POST', '/v1/orders', body(i))).status).toBe(201);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const q: string = `/v1/orders?pimsPatientId=P100&limit=2${cursor ? `&cursor=${cursor}` : ''}`;
      const page = (await (await stack.api('GET', q)).json()) as {
        items: { pimsOrderId: string }[];
        next: string | null;
      };
      expect(page.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.items.map((o) => o.pimsOrderId));
      cursor = page.next;
    } while (cursor);
    expect(seen).toEqual(['API-1', 'API-2', 'API-10', 'API-11', 'API-12', 'API-13', 'API-14']);
    expect((await stack.api('GET', '/v1/orders?cursor=nonsense')).status).toBe(422);
    expect((await stack.api('GET', '/v1/orders?status=lost')).status).toBe(422);
  });

  it('keeps a timeline; refuses corrections once cancelled (409); cancelling twice is harmless', async () => {
    const { orderId } = (await (await stack.api('POST', '/v1/orders', body(20))).json()) as {
      orderId: string;
    };
    expect((await stack.api('PATCH', `/v1/orders/${orderId}`, { patient: { weightKg: 33 } })).status).toBe(
      200,
    );
    expect((await stack.api('POST', `/v1/orders/${orderId}/cancel`, { reason: 'owner called' })).status).toBe(
      200,
    );
    expect((await stack.api('POST', `/v1/orders/${orderId}/cancel`, { reason: 'owner called' })).status).toBe(
      200,
    );
    expect((await stack.api('PATCH', `/v1/orders/${orderId}`, { patient: { weightKg: 34 } })).status).toBe(
      409,
    );
    const order = (await (await stack.api('GET', `/v1/orders/${orderId}`)).json()) as {
      status: string;
      patient: { weightKg: number };
      timeline: { change: string; status: string; reason: string | null }[];
    };
    expect(order.status).toBe('cancelled');
    expect(order.patient.weightKg).toBe(33);
    expect(order.timeline.map((t) => [t.change, t.status])).toEqual([
      ['created', 'scheduled'],
      ['corrected', 'scheduled'],
      ['cancelled', 'cancelled'],
    ]);
    expect((await stack.api('GET', '/v1/orders/ord_doesnotexist')).status).toBe(404);
  });

  it('completes by hand with the note kept; a cancelled order cannot be completed (409)', async () => {
    const create = async (i: number) =>
      ((await (await stack.api('POST', '/v1/orders', body(i))).json()) as { orderId: string }).orderId;
    const done = await create(30);
    const res = await stack.api('POST', `/v1/orders/${done}/complete`, { note: 'dental chart on paper' });
    expect(res.status).toBe(200);
    const order = (await res.json()) as {
      status: string;
      timeline: { change: string; status: string; reason: string | null }[];
    };
    expect(order.status).toBe('completed');
    expect(order.timeline.at(-1)).toMatchObject({
      change: 'completed:manual',
      status: 'completed',
      reason: 'dental chart on paper',
    });
    // Repeating it changes nothing.
    expect((await stack.api('POST', `/v1/orders/${done}/complete`, {})).status).toBe(200);
    const again = (await (await stack.api('GET', `/v1/orders/${done}`)).json()) as { timeline: unknown[] };
    expect(again.timeline).toHaveLength(order.timeline.length);

    const cancelled = await create(31);
    await stack.api('POST', `/v1/orders/${cancelled}/cancel`, { reason: 'owner called' });
    const refused = await stack.api('POST', `/v1/orders/${cancelled}/complete`, {});
    expect(refused.status).toBe(409);
    expect(refused.headers.get('content-type')).toMatch(/application\/problem\+json/);
  });
});

describe('routing to agents', () => {
  it('sends an order to the agents of its station, else of its modality; agents without stations get all', async () => {
    const register = async (name: string, stations: { aeTitle: string; modality: string }[]) =>
      ((await (await stack.api('POST', '/v1/agents', { name, stations })).json()) as { agentId: string })
        .agentId;
    const xray = await register('x-ray room', [{ aeTitle: 'DRX', modality: 'DX' }]);
    const xray2 = await register('second x-ray', [{ aeTitle: 'DRY', modality: 'DX' }]);
    const ultrasound = await register('ultrasound', [{ aeTitle: 'USX', modality: 'US' }]);
    const everything = await register('reading room', []);
    const queued = async () => {
      const agents = (await (await stack.api('GET', '/v1/agents')).json()) as {
        items: { agentId: string; queues: { toAgent: number } }[];
      };
      const depth = (id: string) => agents.items.find((a) => a.agentId === id)!.queues.toAgent;
      return {
        xray: depth(xray),
        xray2: depth(xray2),
        ultrasound: depth(ultrasound),
        everything: depth(everything),
      };
    };
    const base = fixtureOrders[0]!.body as { procedure: Record<string, unknown> };
    const start = await queued();
    await stack.api('POST', '/v1/orders', {
      ...base,
      pimsOrderId: 'R-1',
      scheduled: { at: '2026-11-22T09:00:00Z', stationAeTitle: 'DRX' },
    });
    await stack.api('POST', '/v1/orders', {
      ...base,
      pimsOrderId: 'R-2',
      scheduled: { at: '2026-11-22T09:00:00Z' },
    });
    await stack.api('POST', '/v1/orders', {
      ...base,
      pimsOrderId: 'R-3',
      procedure: { ...base.procedure, modality: 'US' },
      scheduled: { at: '2026-11-22T09:00:00Z' },
    });
    const end = await queued();
    expect({
      xray: end.xray - start.xray,
      xray2: end.xray2 - start.xray2,
      ultrasound: end.ultrasound - start.ultrasound,
      everything: end.everything - start.everything,
    }).toEqual({ xray: 2, xray2: 1, ultrasound: 1, everything: 3 });
  });
});
