import { asc, eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { type PerformedStepMessage } from '@lightbox/protocol';
import { LightboxError } from '@lightbox/runtime';
import { TEST_AGENT as AGENT, TEST_SITE as SITE } from '../db/test-support/site-with-agent.js';
import { events, orders } from '../db/schema.js';
import { testOrderBody, useSiteWithOrders } from '../orders/test-support/test-orders.js';
import { applyPerformedStep } from './apply-performed-step.js';
import { linkStepByHand } from './link-step-by-hand.js';
import { suggestOrders } from './reconciliation-suggestions.js';
import { performedSteps } from '../db/schema.js';

const site = useSiteWithOrders('lightbox-reconcile-');

function orderBody(pimsOrderId: string, patientId: string, species: string) {
  return testOrderBody(pimsOrderId, patientId, species, { stationAeTitle: 'DR1' });
}

/** An MPPS the technician started by typing the patient in, with no worklist entry behind it. */
function unscheduledStep(status: PerformedStepMessage['status']): PerformedStepMessage {
  return {
    kind: 'mpps.changed',
    sopInstanceUid: '1.2.826.0.1.3680043.10.1.1',
    event: status === 'IN PROGRESS' ? 'created' : 'updated',
    status,
    callingAeTitle: 'DR1',
    receivedAt: new Date().toISOString(),
    modality: 'DX',
    scheduledSteps: [],
    performedSeries: [],
    attributes: {
      PatientID: 'P-DOG',
      PatientName: [{ Alphabetic: 'SMITH^MAX' }],
      PerformedProcedureStepStartDate: '20261123',
    },
  };
}

async function eventTypes(): Promise<string[]> {
  const rows = await site.database.db.select().from(events).orderBy(asc(events.id));
  return rows.map((r) => r.type);
}

async function statusOf(orderId: string): Promise<string> {
  const [row] = await site.database.db.select().from(orders).where(eq(orders.id, orderId));
  return row!.status;
}

describe('reconciliation of an unscheduled MPPS', () => {
  it('completes no order by itself and suggests the right pet first, not the namesake', async () => {
    const { order: dog } = await site.commands.create(SITE, orderBody('INV-1', 'P-DOG', 'Canine'));
    const { order: cat } = await site.commands.create(SITE, orderBody('INV-2', 'P-CAT', 'Feline'));
    await site.database.write((tx) => applyPerformedStep(tx, AGENT, unscheduledStep('COMPLETED')));

    expect(await statusOf(dog.id)).toBe('scheduled');
    expect(await statusOf(cat.id)).toBe('scheduled');
    expect(await eventTypes()).toEqual(['order.scheduled', 'order.scheduled']);

    const [step] = await site.database.db.select().from(performedSteps);
    const suggestions = await suggestOrders(site.database.db, step!);
    expect(suggestions.map((s) => s.orderId)).toEqual([dog.id, cat.id]);
    expect(suggestions[0]!.reasons).toEqual(['patient id', 'patient name', 'modality', 'date']);
    expect(suggestions[1]!.reasons).toEqual(['patient name', 'modality', 'date']);
  });

  it('applies the step to the order a person chose, once, with the PIMS told in order', async () => {
    const { order: dog } = await site.commands.create(SITE, orderBody('INV-1', 'P-DOG', 'Canine'));
    await site.database.write((tx) => applyPerformedStep(tx, AGENT, unscheduledStep('COMPLETED')));

    await linkStepByHand(site.database, SITE, '1.2.826.0.1.3680043.10.1.1', [dog.id]);
    expect(await statusOf(dog.id)).toBe('completed');
    const rows = await site.database.db.select().from(events).orderBy(asc(events.id));
    expect(rows.map((r) => r.type)).toEqual(['order.scheduled', 'order.in_progress', 'order.completed']);
    expect(JSON.parse(rows[2]!.dataJson)).toMatchObject({ reason: 'mpps', linkedByHand: true });

    // A second link is refused: the step already performed an order.
    await expect(linkStepByHand(site.database, SITE, '1.2.826.0.1.3680043.10.1.1', [dog.id])).rejects.toThrow(
      /already linked/,
    );
    expect(await eventTypes()).toHaveLength(3);

    // Later N-SETs of the same step follow the link a person made.
    await site.database.write((tx) => applyPerformedStep(tx, AGENT, unscheduledStep('COMPLETED')));
    expect(await eventTypes()).toHaveLength(3);
  });

  it('refuses, all or nothing, an order that cannot take the step', async () => {
    const { order: dog } = await site.commands.create(SITE, orderBody('INV-1', 'P-DOG', 'Canine'));
    const { order: cat } = await site.commands.create(SITE, orderBody('INV-2', 'P-CAT', 'Feline'));
    await site.commands.cancel(SITE, cat.id, 'owner cancelled');
    await site.database.write((tx) => applyPerformedStep(tx, AGENT, unscheduledStep('IN PROGRESS')));

    const linking = linkStepByHand(site.database, SITE, '1.2.826.0.1.3680043.10.1.1', [dog.id, cat.id]);
    await expect(linking).rejects.toBeInstanceOf(LightboxError);
    await expect(linking).rejects.toThrow(/cancelled/);
    expect(await statusOf(dog.id)).toBe('scheduled');
    const [step] = await site.database.db.select().from(performedSteps);
    expect(JSON.parse(step!.orderIdsJson)).toEqual([]);
  });
});
