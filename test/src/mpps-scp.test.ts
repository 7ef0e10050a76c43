import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dumpToDicom, type DumpItem } from './support/dcmtk.js';
import { LightboxStack } from './support/lightbox-stack.js';
import { waitUntil } from './support/managed-process.js';
import { sendMpps, type MppsAnswer, type MppsOperation } from './support/mpps-sender.js';
import {
  completion,
  createOrder,
  freshUid,
  getOrder,
  getPerformedStep,
  nCreateAttributes,
  performedSeries,
  scheduledStepOf,
  type CreatedOrder,
} from './support/mpps-fixtures.js';
import { worklistItems, worklistQueryDump } from './support/worklist-query.js';

/**
 * The agent's MPPS SCP end to end: a modality (dcmjs-dimse's Client) sends N-CREATE / N-SET to the
 * agent process, the agent journals and forwards them, the plugin moves the orders the PIMS created.
 */
const stack = new LightboxStack({
  reconnectMaxMs: 500,
  stations: [{ aeTitle: 'DR1', modality: 'DX' }],
  // No images are sent here: the plugin completes on the MPPS instead of waiting for them.
  pluginEnv: { LIGHTBOX_COMPLETION_WAIT_MS: '0' },
});

const send = (ops: MppsOperation[]): Promise<MppsAnswer[]> => sendMpps({ port: stack.dicomPort }, ops);

async function orderStatus(orderId: string, status: string, timeoutMs = 15_000): Promise<void> {
  await waitUntil(
    `order ${orderId} ${status}`,
    async () => (await getOrder(stack, orderId)).status === status,
    timeoutMs,
  );
}

/** This order's events as the PIMS reads them from the feed (GET /v1/events), oldest first. */
async function eventsOf(
  orderId: string,
): Promise<{ type: string; id: string; data: Record<string, unknown> }[]> {
  const all: { type: string; id: string; data: Record<string, unknown> }[] = [];
  let after = '';
  for (let page = 0; page < 100; page++) {
    const res = await stack.api('GET', `/v1/events?limit=500${after ? `&after=${after}` : ''}`);
    if (!res.ok) throw new Error(`GET /v1/events: ${res.status}`);
    const body = (await res.json()) as {
      items: { id: string; type: string; data: Record<string, unknown> }[];
      next: string;
    };
    all.push(...body.items);
    if (body.items.length === 0) break;
    after = body.next;
  }
  return all.filter((e) => e.data.orderId === orderId);
}

/** A step the plugin recorded, once its latest message has arrived. */
async function stepArrived(
  uid: string,
  pred: (s: NonNullable<Awaited<ReturnType<typeof getPerformedStep>>>) => boolean = () => true,
) {
  return waitUntil(`performed step ${uid}`, async () => {
    const step = await getPerformedStep(stack, uid);
    return step && pred(step) ? step : null;
  });
}

/** Starts an MPPS for the order and waits for the plugin to move it. */
async function started(order: CreatedOrder): Promise<string> {
  const uid = freshUid();
  const [a] = await send([
    { op: 'create', sopInstanceUid: uid, attributes: nCreateAttributes([scheduledStepOf(order)]) },
  ]);
  expect(a!.status).toBe(0);
  await orderStatus(order.orderId, 'in_progress');
  return uid;
}

const worklistQuery = (accession: string) =>
  worklistQueryDump({ '(0008,0050) SH': accession, '(0010,0010) PN': '' }, { '(0040,0009) SH': '' });

async function worklistFor(accession: string): Promise<DumpItem[]> {
  return worklistItems(stack.dicomPort, await dumpToDicom(worklistQuery(accession)), { callingAe: 'DR1' });
}

beforeAll(async () => {
  await stack.startAll();
}, 60_000);
afterAll(() => stack.dispose());

describe('MPPS from a modality to the order', () => {
  it('happy path: N-CREATE puts the order in progress, N-SET COMPLETED completes it', async () => {
    const order = await createOrder(stack, 'happy');
    await waitUntil('on the worklist', async () => (await worklistFor(order.accessionNumber)).length === 1);
    const uid = freshUid();
    const seriesUid = freshUid();
    const [created] = await send([
      { op: 'create', sopInstanceUid: uid, attributes: nCreateAttributes([scheduledStepOf(order)]) },
    ]);
    expect(created).toMatchObject({ status: 0, sopInstanceUid: uid });
    await orderStatus(order.orderId, 'in_progress');
    // In progress: the item leaves the worklist, so no second console starts it. The removal
    // reaches the agent over the link after the plugin's commit, so a query may still beat it.
    await waitUntil('off the worklist', async () => (await worklistFor(order.accessionNumber)).length === 0);

    const [set] = await send([
      {
        op: 'set',
        sopInstanceUid: uid,
        attributes: completion('COMPLETED', { PerformedSeriesSequence: performedSeries(seriesUid, 2) }),
      },
    ]);
    expect(set).toMatchObject({ status: 0, sopInstanceUid: uid });
    await orderStatus(order.orderId, 'completed');

    const view = await getOrder(stack, order.orderId);
    expect(view.timeline.map((t) => t.status)).toEqual(['scheduled', 'in_progress', 'completed']);
    expect(view.timeline.slice(1).map((t) => t.change)).toEqual(['mpps:in progress', 'mpps:completed']);
    const step = await getPerformedStep(stack, uid);
    expect(step).toMatchObject({
      status: 'COMPLETED',
      orderIds: [order.orderId],
      unscheduled: false,
      performedSeries: [
        { seriesInstanceUid: seriesUid, sopInstanceUids: [`${seriesUid}.1`, `${seriesUid}.2`] },
      ],
    });
    expect(step!.history.map((h) => [h.event, h.status])).toEqual([
      ['created', 'IN PROGRESS'],
      ['updated', 'COMPLETED'],
    ]);
    const events = await eventsOf(order.orderId);
    expect(events.map((e) => e.type)).toEqual(['order.scheduled', 'order.in_progress', 'order.completed']);
    expect(events[2]!.data).toMatchObject({ reason: 'mpps', performedStepUid: uid, status: 'completed' });
  });

  it('an N-CREATE without a UID gets one minted by the agent, and the N-SET uses it', async () => {
    const order = await createOrder(stack, 'minted');
    const [created] = await send([{ op: 'create', attributes: nCreateAttributes([scheduledStepOf(order)]) }]);
    expect(created!.status).toBe(0);
    expect(created!.sopInstanceUid).toMatch(/^2\.25\.\d+$/);
    const [set] = await send([
      { op: 'set', sopInstanceUid: created!.sopInstanceUid, attributes: completion() },
    ]);
    expect(set!.status).toBe(0);
    await orderStatus(order.orderId, 'completed');
    expect((await getPerformedStep(stack, created!.sopInstanceUid))?.orderIds).toEqual([order.orderId]);
  });

  it('group case: one MPPS for two orders moves both', async () => {
    const a = await createOrder(stack, 'groupA');
    const b = await createOrder(stack, 'groupB');
    const uid = freshUid();
    const answers = await send([
      {
        op: 'create',
        sopInstanceUid: uid,
        attributes: nCreateAttributes([scheduledStepOf(a), scheduledStepOf(b)]),
      },
      {
        op: 'set',
        sopInstanceUid: uid,
        attributes: completion('COMPLETED', { PerformedSeriesSequence: performedSeries(freshUid(), 3) }),
      },
    ]);
    expect(answers.map((x) => x.status)).toEqual([0, 0]);
    await orderStatus(a.orderId, 'completed');
    await orderStatus(b.orderId, 'completed');
    const step = await stepArrived(uid, (s) => s.status === 'COMPLETED');
    expect([...step.orderIds].sort()).toEqual([a.orderId, b.orderId].sort());
  });

  it('append: a second MPPS for a completed order is recorded and changes nothing on the order', async () => {
    const order = await createOrder(stack, 'append');
    const first = await started(order);
    expect((await send([{ op: 'set', sopInstanceUid: first, attributes: completion() }]))[0]!.status).toBe(0);
    await orderStatus(order.orderId, 'completed');
    const before = await getOrder(stack, order.orderId);

    const second = freshUid();
    const answers = await send([
      { op: 'create', sopInstanceUid: second, attributes: nCreateAttributes([scheduledStepOf(order)]) },
      {
        op: 'set',
        sopInstanceUid: second,
        attributes: completion('COMPLETED', { PerformedSeriesSequence: performedSeries(freshUid(), 1) }),
      },
    ]);
    expect(answers.map((x) => x.status)).toEqual([0, 0]);
    const step = await stepArrived(second, (s) => s.status === 'COMPLETED');
    expect(step.orderIds).toEqual([order.orderId]);
    const after = await getOrder(stack, order.orderId);
    expect(after.status).toBe('completed');
    expect(after.timeline).toEqual(before.timeline);
    expect((await eventsOf(order.orderId)).map((e) => e.type)).toEqual([
      'order.scheduled',
      'order.in_progress',
      'order.completed',
    ]);
  });

  it('unscheduled: an MPPS without a scheduled step is stored and moves no order', async () => {
    const bystander = await createOrder(stack, 'bystander');
    const uid = freshUid();
    // PS3.4 F.7.2.1.2 note 3: a console without worklist data mints a Study Instance UID and
    // leaves the other scheduled-step keys empty.
    const answers = await send([
      {
        op: 'create',
        sopInstanceUid: uid,
        attributes: nCreateAttributes(
          [
            {
              StudyInstanceUID: freshUid(),
              AccessionNumber: '',
              RequestedProcedureID: '',
              ScheduledProcedureStepID: '',
            },
          ],
          { PatientID: 'P-WALKIN', PatientName: 'Jones^Rex' },
        ),
      },
      { op: 'set', sopInstanceUid: uid, attributes: completion() },
    ]);
    expect(answers.map((x) => x.status)).toEqual([0, 0]);
    const step = await stepArrived(uid, (s) => s.status === 'COMPLETED');
    expect(step).toMatchObject({ unscheduled: true, orderIds: [] });
    expect((await getOrder(stack, bystander.orderId)).status).toBe('scheduled');
    expect((await eventsOf(bystander.orderId)).map((e) => e.type)).toEqual(['order.scheduled']);
  });

  it('unscheduled: listed for reconciliation with the walk-in patient’s order first; a person links it', async () => {
    const res = await stack.api('POST', '/v1/orders', {
      pims: { system: 'ezyvet', siteId: 'main' },
      pimsOrderId: `WALKIN-${Date.now()}`,
      procedure: { code: 'XR', description: 'Thorax', modality: 'DX' },
      scheduled: { at: '2026-11-23T09:00:00Z', stationAeTitle: 'DR1' },
      patient: { id: 'P-WALKIN-2', name: 'Rex', species: 'Canine' },
      client: { id: 'C9', lastName: 'Jones' },
    });
    const { orderId } = (await res.json()) as { orderId: string };
    const uid = freshUid();
    await send([
      {
        op: 'create',
        sopInstanceUid: uid,
        attributes: nCreateAttributes([{ StudyInstanceUID: freshUid(), AccessionNumber: '' }], {
          PatientID: 'P-WALKIN-2',
          PatientName: 'Jones^Rex',
        }),
      },
      { op: 'set', sopInstanceUid: uid, attributes: completion() },
    ]);
    await stepArrived(uid, (s) => s.status === 'COMPLETED');
    const list = (await (await stack.api('GET', '/v1/reconciliation/performed-steps')).json()) as {
      items: { sopInstanceUid: string; suggestions: { orderId: string; reasons: string[] }[] }[];
    };
    const listed = list.items.find((i) => i.sopInstanceUid === uid)!;
    expect(listed.suggestions[0]?.orderId).toBe(orderId);
    expect(listed.suggestions[0]?.reasons).toContain('patient id');
    expect((await getOrder(stack, orderId)).status).toBe('scheduled');

    expect((await stack.api('POST', `/v1/performed-steps/${uid}/link`, { orderIds: [orderId] })).status).toBe(
      200,
    );
    expect((await getOrder(stack, orderId)).status).toBe('completed');
    expect((await stack.api('POST', `/v1/performed-steps/${uid}/link`, { orderIds: [orderId] })).status).toBe(
      409,
    );
    const after = (await (
      await stack.api('GET', '/v1/reconciliation/performed-steps')
    ).json()) as typeof list;
    expect(after.items.map((i) => i.sopInstanceUid)).not.toContain(uid);
  });

  it('DISCONTINUED with a reason discontinues the order and says why', async () => {
    const order = await createOrder(stack, 'discontinued');
    const uid = await started(order);
    const [a] = await send([
      {
        op: 'set',
        sopInstanceUid: uid,
        attributes: completion('DISCONTINUED', {
          PerformedProcedureStepDiscontinuationReasonCodeSequence: [
            { CodeValue: '110526', CodingSchemeDesignator: 'DCM', CodeMeaning: 'Resource failure' },
          ],
        }),
      },
    ]);
    expect(a!.status).toBe(0);
    await orderStatus(order.orderId, 'discontinued');
    const view = await getOrder(stack, order.orderId);
    expect(view.timeline.at(-1)).toMatchObject({ status: 'discontinued', reason: 'Resource failure' });
    expect((await getPerformedStep(stack, uid))?.discontinuationReason).toEqual({
      code: '110526',
      scheme: 'DCM',
      meaning: 'Resource failure',
    });
    expect((await eventsOf(order.orderId)).map((e) => e.type)).toEqual([
      'order.scheduled',
      'order.in_progress',
      'order.discontinued',
    ]);
  });

  it('DISCONTINUED with 110514 re-opens the order and puts it back on the worklist', async () => {
    const order = await createOrder(stack, 'reopen');
    await waitUntil('on the worklist', async () => (await worklistFor(order.accessionNumber)).length === 1);
    const uid = await started(order);
    await waitUntil('off the worklist', async () => (await worklistFor(order.accessionNumber)).length === 0);
    const [a] = await send([
      {
        op: 'set',
        sopInstanceUid: uid,
        attributes: completion('DISCONTINUED', {
          PerformedProcedureStepDiscontinuationReasonCodeSequence: [
            {
              CodeValue: '110514',
              CodingSchemeDesignator: 'DCM',
              CodeMeaning: 'Incorrect worklist entry selected',
            },
          ],
        }),
      },
    ]);
    expect(a!.status).toBe(0);
    await orderStatus(order.orderId, 'scheduled');
    const items = await waitUntil('back on the worklist', async () => {
      const found = await worklistFor(order.accessionNumber);
      return found.length === 1 ? found : null;
    });
    expect(items[0]!.AccessionNumber).toBe(order.accessionNumber);
    expect((await getOrder(stack, order.orderId)).timeline.map((t) => t.status)).toEqual([
      'scheduled',
      'in_progress',
      'scheduled',
    ]);
  });

  it('COMPLETE (a sloppy console) is read as COMPLETED', async () => {
    const order = await createOrder(stack, 'complete');
    const uid = await started(order);
    const [a] = await send([{ op: 'set', sopInstanceUid: uid, attributes: completion('COMPLETE') }]);
    expect(a!.status).toBe(0);
    await orderStatus(order.orderId, 'completed');
    expect((await getPerformedStep(stack, uid))?.status).toBe('COMPLETED');
    await stack.agent.waitForCode('mpps_tolerated', {
      where: (l) => String(l.warning).includes('"COMPLETE"'),
    });
  });

  it('ten IN PROGRESS N-SETs (one per image, some repeated) add no order events or timeline entries', async () => {
    const order = await createOrder(stack, 'progress');
    const uid = await started(order);
    const timelineBefore = (await getOrder(stack, order.orderId)).timeline;
    const seriesUid = freshUid();
    const progress: MppsOperation[] = Array.from({ length: 10 }, (_, i) => ({
      op: 'set',
      sopInstanceUid: uid,
      // Images 1..5 arrive with the first five; the last five repeat the same list.
      attributes: {
        PerformedProcedureStepStatus: 'IN PROGRESS',
        PerformedSeriesSequence: performedSeries(seriesUid, Math.min(i + 1, 5)),
      },
    }));
    const answers = await send(progress);
    expect(answers.map((x) => x.status)).toEqual(Array<number>(10).fill(0));
    const step = await stepArrived(uid, (s) => s.performedSeries[0]?.sopInstanceUids.length === 5);
    expect(step.status).toBe('IN PROGRESS');
    // The plugin heard of the five changes, not of the five repeats.
    expect(step.history.map((h) => h.event)).toEqual(['created', ...Array<string>(5).fill('updated')]);
    expect((await getOrder(stack, order.orderId)).timeline).toEqual(timelineBefore);

    expect((await send([{ op: 'set', sopInstanceUid: uid, attributes: completion() }]))[0]!.status).toBe(0);
    await orderStatus(order.orderId, 'completed');
    expect((await eventsOf(order.orderId)).map((e) => e.type)).toEqual([
      'order.scheduled',
      'order.in_progress',
      'order.completed',
    ]);
    expect((await getOrder(stack, order.orderId)).timeline).toHaveLength(timelineBefore.length + 1);
  });
});

describe('refusals: the right status, nothing stored, the association still usable', () => {
  interface Case {
    name: string;
    /** Operations that set the scene (all must succeed), then the refused one. */
    setup?: (order: CreatedOrder, uid: string) => MppsOperation[];
    refused: (order: CreatedOrder, uid: string) => MppsOperation;
    status: number;
    comment: string | RegExp;
    errorId?: number;
  }

  const create = (
    order: CreatedOrder,
    uid: string,
    overrides: Record<string, unknown> = {},
  ): MppsOperation => ({
    op: 'create',
    sopInstanceUid: uid,
    attributes: nCreateAttributes([scheduledStepOf(order)], overrides),
  });
  const without = (order: CreatedOrder, uid: string, key: string): MppsOperation => {
    const attributes = nCreateAttributes([scheduledStepOf(order)]);
    Reflect.deleteProperty(attributes, key);
    return { op: 'create', sopInstanceUid: uid, attributes };
  };

  const cases: Case[] = [
    {
      name: 'N-CREATE as COMPLETED',
      refused: (o, u) => create(o, u, { PerformedProcedureStepStatus: 'COMPLETED' }),
      status: 0x0106,
      comment: 'N-CREATE must be IN PROGRESS, not COMPLETED',
    },
    {
      name: 'N-CREATE with an unknown status',
      refused: (o, u) => create(o, u, { PerformedProcedureStepStatus: 'STARTED' }),
      status: 0x0106,
      comment: 'unknown Performed Procedure Step Status "STARTED"',
    },
    {
      name: 'N-CREATE of a UID that exists',
      setup: (o, u) => [create(o, u)],
      refused: (o, u) => create(o, u),
      status: 0x0111,
      comment: 'an MPPS with this SOP Instance UID exists',
    },
    {
      name: 'N-SET of an unknown UID',
      refused: (_o, u) => ({ op: 'set', sopInstanceUid: u, attributes: completion() }),
      status: 0x0112,
      comment: 'no MPPS with this SOP Instance UID',
    },
    {
      name: 'N-SET after COMPLETED',
      setup: (o, u) => [create(o, u), { op: 'set', sopInstanceUid: u, attributes: completion() }],
      refused: (_o, u) => ({ op: 'set', sopInstanceUid: u, attributes: completion('DISCONTINUED') }),
      status: 0x0110,
      comment: 'Performed Procedure Step Object may no longer be updated',
      errorId: 0xa710,
    },
    {
      name: 'N-SET after DISCONTINUED',
      setup: (o, u) => [
        create(o, u),
        { op: 'set', sopInstanceUid: u, attributes: completion('DISCONTINUED') },
      ],
      refused: (_o, u) => ({
        op: 'set',
        sopInstanceUid: u,
        attributes: { PerformedProcedureStepStatus: 'IN PROGRESS' },
      }),
      status: 0x0110,
      comment: 'Performed Procedure Step Object may no longer be updated',
      errorId: 0xa710,
    },
    {
      name: 'N-SET after COMPLETED, even with a bad value',
      setup: (o, u) => [create(o, u), { op: 'set', sopInstanceUid: u, attributes: completion() }],
      refused: (_o, u) => ({
        op: 'set',
        sopInstanceUid: u,
        attributes: { PerformedProcedureStepStatus: 'DONE' },
      }),
      status: 0x0110,
      comment: 'Performed Procedure Step Object may no longer be updated',
      errorId: 0xa710,
    },
    {
      name: 'missing Performed Procedure Step Status',
      refused: (o, u) => without(o, u, 'PerformedProcedureStepStatus'),
      status: 0x0120,
      comment: 'Performed Procedure Step Status is missing',
    },
    {
      name: 'missing Start Date',
      refused: (o, u) => without(o, u, 'PerformedProcedureStepStartDate'),
      status: 0x0120,
      comment: 'Performed Procedure Step Start Date is missing',
    },
    {
      name: 'missing Scheduled Step Attributes Sequence',
      refused: (o, u) => without(o, u, 'ScheduledStepAttributesSequence'),
      status: 0x0120,
      comment: 'Scheduled Step Attributes Sequence is missing',
    },
    {
      name: 'empty Start Time',
      refused: (o, u) => create(o, u, { PerformedProcedureStepStartTime: '' }),
      status: 0x0121,
      comment: 'Performed Procedure Step Start Time is empty',
    },
    {
      name: 'empty Scheduled Step Attributes Sequence',
      refused: (o, u) => create(o, u, { ScheduledStepAttributesSequence: [] }),
      status: 0x0121,
      comment: 'Scheduled Step Attributes Sequence is empty',
    },
    {
      name: 'scheduled step without Study Instance UID',
      refused: (o, u) => ({
        op: 'create',
        sopInstanceUid: u,
        attributes: nCreateAttributes([{ AccessionNumber: o.accessionNumber }]),
      }),
      status: 0x0120,
      comment: 'Scheduled Step item 1: Study Instance UID is missing',
    },
    {
      name: 'malformed Study Instance UID',
      refused: (o, u) => ({
        op: 'create',
        sopInstanceUid: u,
        attributes: nCreateAttributes([{ ...scheduledStepOf(o), StudyInstanceUID: '1.2.840.abc' }]),
      }),
      status: 0x0106,
      comment: 'Scheduled Step item 1: Study Instance UID is not a UID',
    },
    {
      name: 'malformed Start Date',
      refused: (o, u) => create(o, u, { PerformedProcedureStepStartDate: '20261345' }),
      status: 0x0106,
      comment: 'Start Date "20261345" is not a DA',
    },
    {
      name: 'N-SET ending before it started',
      setup: (o, u) => [create(o, u)],
      refused: (_o, u) => ({
        op: 'set',
        sopInstanceUid: u,
        attributes: completion('COMPLETED', { PerformedProcedureStepEndTime: '080000' }),
      }),
      status: 0x0106,
      comment: 'Performed Procedure Step ends before it starts',
    },
    {
      name: 'N-SET with an image that names no SOP Instance UID',
      setup: (o, u) => [create(o, u)],
      refused: (_o, u) => ({
        op: 'set',
        sopInstanceUid: u,
        attributes: completion('COMPLETED', {
          PerformedSeriesSequence: [
            { SeriesInstanceUID: freshUid(), ReferencedImageSequence: [{ ReferencedSOPClassUID: '1.2' }] },
          ],
        }),
      }),
      status: 0x0120,
      comment: 'Performed Series 1, image 1: SOP Instance UID is missing',
    },
    {
      name: 'N-CREATE without any data set',
      refused: (_o, u) => ({ op: 'create', sopInstanceUid: u, attributes: null }),
      status: 0x0120,
      comment: 'N-CREATE without an attribute list',
    },
    {
      name: 'N-SET without any data set',
      setup: (o, u) => [create(o, u)],
      refused: (_o, u) => ({ op: 'set', sopInstanceUid: u, attributes: null }),
      status: 0x0120,
      comment: 'N-SET without a modification list',
    },
    {
      name: 'N-CREATE whose SOP Instance UID is not a UID',
      refused: (o) => create(o, '1..2.3'),
      status: 0x0117,
      comment: 'the SOP Instance UID is not a UID',
    },
  ];

  it.each(cases)('$name', async (c) => {
    const order = await createOrder(stack, 'refusal');
    const uid = freshUid();
    const setup = c.setup?.(order, uid) ?? [];
    if (setup.length > 0) {
      expect((await send(setup)).map((a) => a.status)).toEqual(setup.map(() => 0));
      // Whatever the setup did has reached the plugin before we look at "unchanged".
      await stepArrived(uid, (s) => s.history.length === setup.length);
    }
    const orderBefore = await getOrder(stack, order.orderId);
    const stepBefore = await getPerformedStep(stack, uid);

    // The refused request, then a good one on the same association.
    const witness = freshUid();
    const request = c.refused(order, uid);
    const [refused, after] = await send([
      request,
      {
        op: 'create',
        sopInstanceUid: witness,
        attributes: nCreateAttributes([{ StudyInstanceUID: freshUid() }]),
      },
    ]);
    expect(refused!.status.toString(16)).toBe(c.status.toString(16));
    if (typeof c.comment === 'string') expect(refused!.errorComment).toBe(c.comment);
    else expect(refused!.errorComment).toMatch(c.comment);
    expect(refused!.errorComment.length).toBeLessThanOrEqual(64);
    if (c.errorId !== undefined) expect(refused!.errorId).toBe(c.errorId);
    // The answer names the step it refused, as the request did.
    expect(refused!.sopInstanceUid).toBe(request.sopInstanceUid);
    expect(after!.status).toBe(0);

    // The agent's outbox is delivered in order: once the witness arrived, anything the refused
    // request had stored would have arrived before it.
    await stepArrived(witness);
    expect(await getPerformedStep(stack, uid)).toEqual(stepBefore);
    expect(await getOrder(stack, order.orderId)).toEqual(orderBefore);
  });
});

describe('MPPS through crashes and outages', () => {
  it('agent killed with SIGKILL between N-CREATE and N-SET: after the restart the N-SET succeeds', async () => {
    const order = await createOrder(stack, 'sigkill');
    const uid = freshUid();
    expect(
      (
        await send([
          { op: 'create', sopInstanceUid: uid, attributes: nCreateAttributes([scheduledStepOf(order)]) },
        ])
      )[0]!.status,
    ).toBe(0);
    await stack.agent.kill('SIGKILL');
    stack.agent.start();
    const [set] = await waitUntil(
      'agent answering again',
      async () => send([{ op: 'set', sopInstanceUid: uid, attributes: completion() }]),
      20_000,
      200,
    );
    expect(set!.status).toBe(0);
    await orderStatus(order.orderId, 'completed', 20_000);
    expect((await eventsOf(order.orderId)).map((e) => e.type)).toEqual([
      'order.scheduled',
      'order.in_progress',
      'order.completed',
    ]);
    // The journal kept the step: a second final N-SET is refused as the standard says.
    const [again] = await send([{ op: 'set', sopInstanceUid: uid, attributes: completion() }]);
    expect(again!.status).toBe(0x0110);
  });

  it('with the plugin down for the whole procedure, the order ends completed and each event exists once, in order', async () => {
    const order = await createOrder(stack, 'offline');
    await waitUntil('on the worklist', async () => (await worklistFor(order.accessionNumber)).length === 1);
    await stack.plugin.stop();
    const uid = freshUid();
    const seriesUid = freshUid();
    const answers = await send([
      { op: 'create', sopInstanceUid: uid, attributes: nCreateAttributes([scheduledStepOf(order)]) },
      {
        op: 'set',
        sopInstanceUid: uid,
        attributes: {
          PerformedProcedureStepStatus: 'IN PROGRESS',
          PerformedSeriesSequence: performedSeries(seriesUid, 1),
        },
      },
      {
        op: 'set',
        sopInstanceUid: uid,
        attributes: {
          PerformedProcedureStepStatus: 'IN PROGRESS',
          PerformedSeriesSequence: performedSeries(seriesUid, 2),
        },
      },
      {
        op: 'set',
        sopInstanceUid: uid,
        attributes: completion('COMPLETED', { PerformedSeriesSequence: performedSeries(seriesUid, 2) }),
      },
    ]);
    expect(answers.map((a) => a.status)).toEqual([0, 0, 0, 0]);
    stack.plugin.start();
    await stack.waitPluginReady();
    await orderStatus(order.orderId, 'completed', 30_000);
    const step = await stepArrived(uid, (s) => s.status === 'COMPLETED');
    expect(step.history.map((h) => [h.event, h.status])).toEqual([
      ['created', 'IN PROGRESS'],
      ['updated', 'IN PROGRESS'],
      ['updated', 'IN PROGRESS'],
      ['updated', 'COMPLETED'],
    ]);
    expect((await eventsOf(order.orderId)).map((e) => e.type)).toEqual([
      'order.scheduled',
      'order.in_progress',
      'order.completed',
    ]);
    expect((await getOrder(stack, order.orderId)).timeline.map((t) => t.status)).toEqual([
      'scheduled',
      'in_progress',
      'completed',
    ]);
  });
});
