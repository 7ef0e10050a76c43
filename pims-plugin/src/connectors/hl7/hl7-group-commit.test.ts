import path from 'node:path';
import { asc, eq } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../../db/database.js';
import { hl7Inbound } from '../../db/hl7-schema.js';
import { agentOutbox, events, orders } from '../../db/schema.js';
import { siteWithAgent, TEST_SITE, type SiteWithAgent } from '../../db/test-support/site-with-agent.js';
import { createLogger } from '../../log.js';
import { OrderCommands } from '../../orders/order-commands.js';
import { TrafficLog } from '../connector-traffic.js';
import { Hl7Applier } from './hl7-applier.js';
import { Hl7Intake, type IntakeAnswer } from './hl7-intake.js';
import { hl7Settings } from './hl7-settings.js';
import type { FrameItem } from './mllp-framing.js';

const CONNECTOR = 'con_hl7_test';
const settings = hl7Settings.parse({ listen: { port: 2575 } });

let fixture: SiteWithAgent;

beforeEach(async () => {
  fixture = await siteWithAgent('lightbox-hl7-batch-');
});
afterEach(() => fixture.remove());

/** An ORM^O01 as a PIMS sends it; `accession` in ORC-3 when given. */
function orm(control: string, controlId: string, placer: string, accession?: string): FrameItem {
  const text = [
    `MSH|^~\\&|PIMS|CLINIC|LIGHTBOX|RAD|20261122090000||ORM^O01^ORM_O01|${controlId}|P|2.5.1|||AL|NE||UNICODE UTF-8`,
    `PID|1||P-${placer}||Smith^Max||20190401|MN${'|'.repeat(27)}448771007^Canis lupus familiaris^SCT`,
    'NK1|1|Smith^Anna|OWN',
    `ORC|${control}|${placer}|${accession ?? ''}`,
    `OBR|1|${placer}||XR-THORAX^Thorax 2 views||||||||||||||||||||DX`,
  ].join('\r');
  return { kind: 'frame', bytes: Buffer.from(text, 'utf8') };
}

/** MSA-1 and MSA-2 of an answer: the code and the control id it answers. */
function msa(answer: IntakeAnswer): [string, string] {
  if (!('bytes' in answer)) throw new Error(`closed: ${answer.close}`);
  const seg = answer.bytes
    .toString('utf8')
    .split('\r')
    .find((s) => s.startsWith('MSA|'));
  const [, code, id] = (seg ?? '').split('|');
  return [code ?? '', id ?? ''];
}

function parts(database: Database) {
  const traffic = new TrafficLog(database, CONNECTOR);
  const applier = new Hl7Applier({
    database,
    commands: new OrderCommands({ database, timeZone: 'UTC', notifyAgents: () => undefined }),
    siteId: TEST_SITE,
    connectorId: CONNECTOR,
    pimsSiteId: settings.pimsSiteId,
    traffic,
    log: createLogger('error'),
    notifyAgents: () => undefined,
  });
  const intake = (accepted: () => void) =>
    new Hl7Intake({
      database,
      siteId: TEST_SITE,
      connectorId: CONNECTOR,
      settings,
      timeZone: 'UTC',
      traffic,
      accepted,
    });
  return { applier, intake };
}

async function applied(database: Database): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const pending = await database.db
      .select({ id: hl7Inbound.id })
      .from(hl7Inbound)
      .where(eq(hl7Inbound.status, 'accepted'));
    if (pending.length === 0) return;
    if (Date.now() > deadline) throw new Error(`${pending.length} messages still not applied`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const placersOf = async (database: Database) =>
  (
    await database.db
      .select({ placer: orders.pimsOrderId, status: orders.status })
      .from(orders)
      .orderBy(asc(orders.createdAt), asc(orders.pimsOrderId))
  ).map((o) => `${o.placer} ${o.status}`);

describe('messages of one connection committed together', () => {
  it('answers each of many messages in flight in order, and makes each order once', async () => {
    const { database } = fixture;
    const { applier, intake } = parts(database);
    const take = intake(() => applier.wake());
    const batch: FrameItem[] = [];
    for (let i = 1; i <= 150; i++) batch.push(orm('NW', `M${i}`, `INV-${i}`));
    // In the same batch: a repeat of a message, the same order under a new control id, and a
    // cancel of an order that is itself still in this batch.
    batch.push(orm('NW', 'M7', 'INV-7'), orm('NW', 'M7-again', 'INV-7'), orm('CA', 'M151', 'INV-3'));
    const answers = await take.take(batch);
    expect(answers.map(msa)).toEqual([
      ...Array.from({ length: 150 }, (_, i) => ['AA', `M${i + 1}`]),
      ['AA', 'M7'],
      ['AA', 'M7-again'],
      ['AA', 'M151'],
    ]);
    // The repeat is answered from the record, in a later batch too, and recorded once.
    expect((await take.take([orm('NW', 'M9', 'INV-9')])).map(msa)).toEqual([['AA', 'M9']]);
    await applied(database);
    await applier.stop();

    const rows = await database.db.select().from(orders);
    expect(rows).toHaveLength(150);
    expect(new Set(rows.map((r) => r.pimsOrderId)).size).toBe(150);
    expect(rows.find((r) => r.pimsOrderId === 'INV-3')!.status).toBe('cancelled');
    expect(rows.filter((r) => r.status === 'scheduled')).toHaveLength(149);
    // One `order.scheduled` per order, and the agent's worklist messages in the orders' order.
    const scheduled = await database.db.select().from(events).where(eq(events.type, 'order.scheduled'));
    expect(scheduled).toHaveLength(150);
    const upserts = (await database.db.select().from(agentOutbox).orderBy(asc(agentOutbox.seq)))
      .map((r) => JSON.parse(r.bodyJson) as { kind: string; item?: { orderId: string } })
      .filter((b) => b.kind === 'worklist.upsert')
      .map((b) => rows.find((r) => r.id === b.item!.orderId)!.pimsOrderId);
    expect(upserts.slice(0, 150)).toEqual(Array.from({ length: 150 }, (_, i) => `INV-${i + 1}`));
  });

  it('applies what was acknowledged before a stop that came between the commit and the apply', async () => {
    const file = path.join(fixture.dir, 'plugin.db');
    const first = parts(fixture.database);
    // The process ends right after the commit: the applier never hears of the messages.
    const answers = await first
      .intake(() => undefined)
      .take([orm('NW', 'K1', 'INV-K1'), orm('NW', 'K2', 'INV-K2'), orm('NW', 'K3', 'INV-K3')]);
    expect(answers.map(msa).map(([code]) => code)).toEqual(['AA', 'AA', 'AA']);
    expect(await placersOf(fixture.database)).toEqual([]);
    fixture.database.close();

    const database = await openDatabase(`file:${file}`);
    try {
      const again = parts(database);
      // As at start: the connector wakes its applier for what was accepted before.
      again.applier.wake();
      await applied(database);
      // The PIMS resends what it had no answer for: answered as before, nothing made twice.
      const resent = await again.intake(() => again.applier.wake()).take([orm('NW', 'K2', 'INV-K2')]);
      expect(resent.map(msa)).toEqual([['AA', 'K2']]);
      await applied(database);
      await again.applier.stop();
      expect((await placersOf(database)).sort()).toEqual([
        'INV-K1 scheduled',
        'INV-K2 scheduled',
        'INV-K3 scheduled',
      ]);
    } finally {
      database.close();
    }
  });

  it('applies the others of a batch when one accepted message cannot be applied', async () => {
    const { database } = fixture;
    const { applier, intake } = parts(database);
    // Both accepted (no order holds ACC-1 yet), but only the first can have the accession number.
    const answers = await intake(() => applier.wake()).take([
      orm('NW', 'D1', 'INV-D1', 'ACC-1'),
      orm('NW', 'D2', 'INV-D2', 'ACC-1'),
      orm('NW', 'D3', 'INV-D3'),
    ]);
    expect(answers.map(msa).map(([code]) => code)).toEqual(['AA', 'AA', 'AA']);
    await applied(database);
    await applier.stop();
    expect((await placersOf(database)).sort()).toEqual(['INV-D1 scheduled', 'INV-D3 scheduled']);
    const inbound = await database.db.select().from(hl7Inbound).orderBy(asc(hl7Inbound.id));
    expect(inbound.map((r) => r.status)).toEqual(['applied', 'failed', 'applied']);
    expect(inbound[1]!.error).toMatch(/accession number ACC-1 is already used/);
  });
});
