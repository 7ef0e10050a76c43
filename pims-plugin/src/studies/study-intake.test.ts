import path from 'node:path';
import { asc, eq } from 'drizzle-orm';
import { beforeEach, describe, expect, it } from 'vitest';
import { type PerformedStepMessage, type StoredInstanceMessage } from '@lightbox/protocol';
import { TEST_AGENT as AGENT, TEST_SITE as SITE } from '../db/test-support/site-with-agent.js';
import { events, orders, studies, studyInstances } from '../db/schema.js';
import { createLogger } from '../log.js';
import { testOrderBody, useSiteWithOrders } from '../orders/test-support/test-orders.js';
import { applyPerformedStep } from '../performed-steps/apply-performed-step.js';
import { applyStoredInstance } from './apply-stored-instance.js';
import { MediaStore } from './media-store.js';
import { StudyStabilityWorker } from './study-stability-worker.js';

// A 1×1 JPEG is enough: the plugin stores media, it does not look inside them.
const JPEG = Buffer.from(
  '/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAAgGBgcGBQgHBwcJCQgKDBQNDAsLDBkSEw8UHRofHh0aHBwgJC4nICIsIxwcKDcpLDAxNDQ0Hyc5PTgyPC4zNDL/wAALCAABAAEBAREA/8QAFAABAAAAAAAAAAAAAAAAAAAACf/EABQQAQAAAAAAAAAAAAAAAAAAAAD/2gAIAQEAAD8AKp//2Q==',
  'base64',
).toString('base64');

const site = useSiteWithOrders('lightbox-studies-');
let media: MediaStore;

beforeEach(() => {
  media = new MediaStore(path.join(site.dir, 'media'));
});

async function order(pimsOrderId: string, patientId: string, species: string, modality = 'DX') {
  return (await site.commands.create(SITE, testOrderBody(pimsOrderId, patientId, species, { modality })))
    .order;
}

let sop = 0;
function instance(
  studyInstanceUid: string,
  attributes: Partial<StoredInstanceMessage['attributes']> = {},
  extra: Partial<StoredInstanceMessage> = {},
): StoredInstanceMessage {
  sop++;
  return {
    kind: 'instance.stored',
    studyInstanceUid,
    seriesInstanceUid: `${studyInstanceUid}.1`,
    sopInstanceUid: `${studyInstanceUid}.1.${sop}`,
    sopClassUid: '1.2.840.10008.5.1.4.1.1.1.1',
    sha256: sop.toString(16).padStart(64, '0'),
    callingAeTitle: 'DR1',
    receivedAt: new Date().toISOString(),
    conflict: false,
    attributes: {
      requestedProcedureIds: [],
      scheduledProcedureStepIds: [],
      modality: 'DX',
      studyDate: '20261123',
      patientName: 'Smith^Max',
      ...attributes,
    },
    media: { thumbnail: JPEG, preview: JPEG, placeholderReason: null },
    ...extra,
  };
}

const store = (msg: StoredInstanceMessage, nowMs?: number) =>
  site.database.write((tx) => applyStoredInstance(tx, AGENT, msg, media, nowMs));

async function eventTypes(): Promise<string[]> {
  return (await site.database.db.select().from(events).orderBy(asc(events.id))).map((e) => e.type);
}
async function studyOf(uid: string) {
  const [s] = await site.database.db.select().from(studies).where(eq(studies.studyInstanceUid, uid));
  return s!;
}
async function statusOf(orderId: string) {
  const [o] = await site.database.db.select().from(orders).where(eq(orders.id, orderId));
  return o!.status;
}

describe('matching a study to its order', () => {
  it('uses the Study Instance UID, then the accession number, then the step id', async () => {
    const a = await order('A', 'P1', 'Canine');
    const b = await order('B', 'P2', 'Canine');
    const c = await order('C', 'P3', 'Canine');
    await store(instance(a.studyInstanceUid));
    await store(instance('1.2.3.4', { accessionNumber: b.accessionNumber }));
    await store(instance('1.2.3.5', { scheduledProcedureStepIds: [c.scheduledProcedureStepId] }));
    expect(await studyOf(a.studyInstanceUid)).toMatchObject({
      orderId: a.id,
      matchedBy: 'study_instance_uid',
    });
    expect(await studyOf('1.2.3.4')).toMatchObject({ orderId: b.id, matchedBy: 'accession_number' });
    expect(await studyOf('1.2.3.5')).toMatchObject({ orderId: c.id, matchedBy: 'step_id' });
    // The first image moves a scheduled order to in_progress.
    expect(await statusOf(a.id)).toBe('in_progress');
  });

  it('never files by name: two pets called Smith^Max with open orders', async () => {
    const dog = await order('DOG', 'P-DOG', 'Canine');
    await order('CAT', 'P-CAT', 'Feline');
    // Same name, no ids: unmatched, for a person.
    await store(instance('1.2.9.1', { patientName: 'Smith^Max' }));
    expect(await studyOf('1.2.9.1')).toMatchObject({ status: 'unmatched', orderId: null });
    // The patient id of the dog, species and date fitting: the dog's order.
    await store(instance('1.2.9.2', { patientId: 'P-DOG', patientSpeciesDescription: 'Canine' }));
    expect(await studyOf('1.2.9.2')).toMatchObject({
      status: 'matched',
      orderId: dog.id,
      matchedBy: 'patient',
    });
    // The dog's id with the cat's species: no order fits.
    await store(instance('1.2.9.3', { patientId: 'P-DOG', patientSpeciesDescription: 'Feline' }));
    expect(await studyOf('1.2.9.3')).toMatchObject({ status: 'unmatched' });
    expect((await eventTypes()).filter((t) => t === 'study.unmatched')).toHaveLength(2);
  });

  it('sends a study to the unmatched list when two open orders fit the patient', async () => {
    await order('X1', 'P1', 'Canine');
    await order('X2', 'P1', 'Canine');
    await store(instance('1.2.8.1', { patientId: 'P1' }));
    expect(await studyOf('1.2.8.1')).toMatchObject({ status: 'unmatched', orderId: null });
  });
});

describe('instances', () => {
  it('a repeat of the same bytes changes nothing; other bytes are kept and flagged', async () => {
    const first = instance('1.2.7.1');
    await store(first);
    await store(first);
    await store({ ...first, sha256: 'f'.repeat(64) });
    const rows = await site.database.db.select().from(studyInstances).orderBy(asc(studyInstances.id));
    expect(rows.map((r) => r.conflict)).toEqual([false, true]);
    expect((await studyOf('1.2.7.1')).instanceCount).toBe(2);
    expect((await eventTypes()).filter((t) => t === 'study.received')).toHaveLength(1);
    expect(await media.read(rows[0]!.thumbnailSha256)).toEqual(Buffer.from(JPEG, 'base64'));
  });
});

describe('completion from MPPS and images', () => {
  const mpps = (orderUid: string, listed: string[]): PerformedStepMessage => ({
    kind: 'mpps.changed',
    sopInstanceUid: '1.2.5.99',
    event: 'updated',
    status: 'COMPLETED',
    callingAeTitle: 'DR1',
    receivedAt: new Date().toISOString(),
    scheduledSteps: [{ studyInstanceUid: orderUid }],
    performedSeries: [{ seriesInstanceUid: `${orderUid}.1`, sopInstanceUids: listed }],
    attributes: {},
  });

  it('waits for the images the MPPS lists, then completes once they are all in', async () => {
    const o = await order('W', 'P1', 'Canine');
    const one = instance(o.studyInstanceUid);
    const two = instance(o.studyInstanceUid);
    await store(one);
    await site.database.write((tx) =>
      applyPerformedStep(
        tx,
        AGENT,
        mpps(o.studyInstanceUid, [one.sopInstanceUid, two.sopInstanceUid]),
        60_000,
      ),
    );
    expect(await statusOf(o.id)).toBe('in_progress');
    await store(two);
    expect(await statusOf(o.id)).toBe('completed');
    const [completed] = (await site.database.db.select().from(events)).filter(
      (e) => e.type === 'order.completed',
    );
    expect(JSON.parse(completed!.dataJson)).toMatchObject({ reason: 'mpps', missingImages: false });
  });

  it('sends the images of an order re-opened by 110514 back to the unmatched list', async () => {
    const o = await order('R', 'P1', 'Canine');
    await store(instance(o.studyInstanceUid));
    expect(await studyOf(o.studyInstanceUid)).toMatchObject({ status: 'matched', orderId: o.id });
    const discontinued: PerformedStepMessage = {
      ...mpps(o.studyInstanceUid, []),
      status: 'DISCONTINUED',
      discontinuationReason: { code: '110514', scheme: 'DCM', meaning: 'Incorrect worklist entry selected' },
    };
    await site.database.write((tx) => applyPerformedStep(tx, AGENT, discontinued, 60_000));
    expect(await statusOf(o.id)).toBe('scheduled');
    expect(await studyOf(o.studyInstanceUid)).toMatchObject({ status: 'unmatched', orderId: null });
    expect(await eventTypes()).toEqual([
      'order.scheduled',
      'order.in_progress',
      'study.received',
      'order.scheduled',
      'study.unmatched',
    ]);
  });

  it('completes at the deadline flagged with the missing images', async () => {
    const o = await order('M', 'P1', 'Canine');
    await site.database.write((tx) =>
      applyPerformedStep(tx, AGENT, mpps(o.studyInstanceUid, ['1.2.5.1.1']), 1_000),
    );
    expect(await statusOf(o.id)).toBe('in_progress');
    const settings = { quietMs: 1_000, completionWaitMs: 1_000, noMppsCompleteMs: 60_000 };
    const worker = new StudyStabilityWorker(
      site.database,
      settings,
      createLogger('error'),
      () => undefined,
      () => Date.now() + 5_000,
    );
    await worker.tick();
    expect(await statusOf(o.id)).toBe('completed');
    const [completed] = (await site.database.db.select().from(events)).filter(
      (e) => e.type === 'order.completed',
    );
    expect(JSON.parse(completed!.dataJson)).toMatchObject({
      missingImages: true,
      missingSopInstanceUids: ['1.2.5.1.1'],
    });
  });

  it('announces a quiet study once, and completes an order whose modality sends no MPPS', async () => {
    const o = await order('Q', 'P1', 'Canine');
    const t0 = Date.now();
    await store(instance(o.studyInstanceUid), t0);
    await store(instance(o.studyInstanceUid), t0);
    const settings = { quietMs: 1_000, completionWaitMs: 60_000, noMppsCompleteMs: 10_000 };
    let now = t0 + 500;
    const worker = new StudyStabilityWorker(
      site.database,
      settings,
      createLogger('error'),
      () => undefined,
      () => now,
    );
    await worker.tick();
    expect(await eventTypes()).not.toContain('attachment.ready');
    now = t0 + 2_000;
    await worker.tick();
    await worker.tick();
    const ready = (await site.database.db.select().from(events)).filter((e) => e.type === 'attachment.ready');
    expect(ready).toHaveLength(1);
    expect(JSON.parse(ready[0]!.dataJson)).toMatchObject({ orderId: o.id, instanceCount: 2 });
    expect(await statusOf(o.id)).toBe('in_progress');
    now = t0 + 11_000;
    await worker.tick();
    expect(await statusOf(o.id)).toBe('completed');
    const [completed] = (await site.database.db.select().from(events)).filter(
      (e) => e.type === 'order.completed',
    );
    expect(JSON.parse(completed!.dataJson)).toMatchObject({ reason: 'images_stable_no_mpps' });
  });
});
