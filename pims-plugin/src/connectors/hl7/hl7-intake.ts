import { and, eq, ne } from 'drizzle-orm';
import type { Database, Tx } from '../../db/database.js';
import { orders } from '../../db/schema.js';
import { findOrderByPimsId } from '../../orders/order-queries.js';
import type { TrafficEntry, TrafficLog } from '../connector-traffic.js';
import { buildAck, type AckCode } from './hl7-ack.js';
import { decodeHl7, encodeHl7, Hl7Message, reader, type DecodedMessage } from './hl7-message.js';
import { readOrderMessage, type Hl7OrderCommand } from './hl7-order-mapping.js';
import { hl7Problem, locationText, type Hl7Problem } from './hl7-problem.js';
import { hl7Inbound } from '../../db/hl7-schema.js';
import type { Hl7Settings } from './hl7-settings.js';
import type { FrameItem } from './mllp-framing.js';

export interface IntakeDeps {
  database: Database;
  siteId: string;
  connectorId: string;
  settings: Hl7Settings;
  timeZone: string;
  traffic: TrafficLog;
  /** Called after a commit that accepted messages: the applier has work. */
  accepted: () => void;
}

/** The answer to one frame, in the order the frames came; `close` ends the connection after it. */
export type IntakeAnswer = { bytes: Buffer } | { close: string };

interface Candidate {
  index: number;
  decoded: DecodedMessage;
  controlId: string;
  label: string;
  commands: Hl7OrderCommand[];
  excerpt: string;
}

/**
 * Receives the frames of one connection, a batch at a time: each message is read, mapped and
 * checked, then — in one transaction for the whole batch — recorded with its acknowledgement. `AA`
 * goes out only after that commit: an accepted message is on disk and will be applied, in order,
 * exactly once. A repeated control id gets the acknowledgement the message first got.
 */
export class Hl7Intake {
  constructor(private readonly deps: IntakeDeps) {}

  async take(items: FrameItem[]): Promise<IntakeAnswer[]> {
    const answers: (IntakeAnswer | undefined)[] = items.map(() => undefined);
    const traffic: (TrafficEntry | undefined)[] = items.map(() => undefined);
    const candidates: Candidate[] = [];
    const { settings } = this.deps;
    items.forEach((item, index) => {
      if (item.kind === 'garbage') {
        answers[index] = { close: `bytes outside an MLLP frame: ${item.sample}` };
        traffic[index] = { direction: 'in', label: 'not MLLP', outcome: 'rejected', detail: item.sample };
        return;
      }
      if (item.kind === 'too_large') {
        const decoded = decodeHl7(item.head, settings.defaultCharset);
        const header = decoded.ok ? decoded.decoded.message : decoded.header;
        const charset = decoded.ok ? decoded.decoded.charset : decoded.charset;
        const problem = hl7Problem('AR', 104, `the message is larger than the limit of ${item.limit} bytes`, {
          segment: 'MSH',
        });
        answers[index] = { bytes: encodeHl7(buildAck(header, 'AR', [problem]), charset) };
        traffic[index] = {
          direction: 'in',
          label: labelOf(header),
          outcome: 'rejected',
          detail: problem.text,
        };
        return;
      }
      const decoded = decodeHl7(item.bytes, settings.defaultCharset);
      if (!decoded.ok) {
        answers[index] = {
          bytes: encodeHl7(
            buildAck(decoded.header, decoded.problem.ackCode, [decoded.problem]),
            decoded.charset,
          ),
        };
        traffic[index] = refusedEntry(labelOf(decoded.header), [decoded.problem], item.bytes);
        return;
      }
      const read = readOrderMessage(decoded.decoded.message, {
        pimsSiteId: settings.pimsSiteId,
        defaultModality: settings.defaultModality,
        timeZone: this.deps.timeZone,
      });
      if (!read.ok) {
        answers[index] = { bytes: this.answer(decoded.decoded, worst(read.problems), read.problems) };
        traffic[index] = refusedEntry(read.label, read.problems, item.bytes);
        return;
      }
      candidates.push({
        index,
        decoded: decoded.decoded,
        controlId: reader(decoded.decoded.message.getSegment('MSH'), decoded.decoded.message.context)(10),
        label: read.label,
        commands: read.commands,
        excerpt: decoded.decoded.message.toString(),
      });
    });

    const outcome = { acceptedAny: false };
    await this.deps.database.write(async (tx) => {
      for (const c of candidates) {
        const [earlier] = await tx
          .select({ ack: hl7Inbound.ack, status: hl7Inbound.status })
          .from(hl7Inbound)
          .where(
            and(eq(hl7Inbound.connectorId, this.deps.connectorId), eq(hl7Inbound.controlId, c.controlId)),
          );
        if (earlier) {
          answers[c.index] = { bytes: encodeHl7(Hl7Message.parse(earlier.ack), c.decoded.charset) };
          traffic[c.index] = {
            direction: 'in',
            label: c.label,
            outcome: 'ok',
            detail: `repeat of control id ${c.controlId}: answered as before, nothing applied again`,
            excerpt: c.excerpt,
          };
          continue;
        }
        const problems = await this.precheck(tx, c.commands);
        if (problems.length > 0) {
          answers[c.index] = { bytes: this.answer(c.decoded, 'AE', problems) };
          traffic[c.index] = refusedEntry(c.label, problems, null, c.excerpt);
          continue;
        }
        const ack = buildAck(c.decoded.message, 'AA');
        await tx.insert(hl7Inbound).values({
          connectorId: this.deps.connectorId,
          controlId: c.controlId,
          label: c.label,
          placerOrderId: c.commands[0]?.placer ?? null,
          commandJson: JSON.stringify(c.commands),
          ack: ack.toString(),
          status: 'accepted',
        });
        outcome.acceptedAny = true;
        answers[c.index] = { bytes: encodeHl7(ack, c.decoded.charset) };
        traffic[c.index] = {
          direction: 'in',
          label: c.label,
          outcome: 'ok',
          detail: 'accepted',
          excerpt: c.excerpt,
        };
      }
      await this.deps.traffic.recordWithin(
        tx,
        traffic.filter((t): t is TrafficEntry => t !== undefined),
      );
    });
    if (outcome.acceptedAny) this.deps.accepted();
    return answers.map((a) => a ?? { close: 'no answer' });
  }

  /**
   * What can be known now about a correction or cancel: is there such an order (or one on its way in
   * this connector's queue), and is it still open to it. A race with the modality starting the
   * order between this answer and the apply is recorded as a failure in the connector's traffic.
   */
  private async precheck(tx: Tx, commands: Hl7OrderCommand[]): Promise<Hl7Problem[]> {
    const problems: Hl7Problem[] = [];
    const pims = { system: 'hl7', siteId: this.deps.settings.pimsSiteId };
    for (const [i, command] of commands.entries()) {
      const orc = { segment: 'ORC', sequence: i + 1 };
      const order = await findOrderByPimsId(tx, this.deps.siteId, pims, command.placer);
      if (command.kind === 'create') {
        const accession = command.body.accessionNumber;
        if (!order && accession) {
          const [taken] = await tx
            .select({ id: orders.id })
            .from(orders)
            .where(
              and(
                eq(orders.siteId, this.deps.siteId),
                eq(orders.accessionNumber, accession),
                ne(orders.pimsOrderId, command.placer),
              ),
            );
          if (taken) {
            problems.push(
              hl7Problem('AE', 205, `accession number ${accession} is already used by another order`, {
                ...orc,
                field: 3,
              }),
            );
          }
        }
        continue;
      }
      const queued = await tx
        .select({ id: hl7Inbound.id })
        .from(hl7Inbound)
        .where(
          and(
            eq(hl7Inbound.connectorId, this.deps.connectorId),
            eq(hl7Inbound.placerOrderId, command.placer),
            eq(hl7Inbound.status, 'accepted'),
          ),
        )
        .limit(1);
      if (queued.length > 0) continue;
      if (!order) {
        problems.push(
          hl7Problem('AE', 204, `no order with placer order number ${command.placer}`, { ...orc, field: 2 }),
        );
        continue;
      }
      if (command.kind === 'cancel' && order.status === 'cancelled') continue;
      if (order.status !== 'scheduled') {
        problems.push(
          hl7Problem(
            'AE',
            207,
            `the order is ${order.status.replace('_', ' ')}; it can be ${command.kind === 'cancel' ? 'cancelled' : 'corrected'} only before the modality starts it`,
            { ...orc, field: 1 },
          ),
        );
      }
    }
    return problems;
  }

  private answer(decoded: DecodedMessage, code: AckCode, problems: Hl7Problem[]): Buffer {
    return encodeHl7(buildAck(decoded.message, code, problems), decoded.charset);
  }
}

function worst(problems: Hl7Problem[]): AckCode {
  return problems.some((p) => p.ackCode === 'AR') ? 'AR' : 'AE';
}

function labelOf(message: Hl7Message | null): string {
  if (!message) return 'unreadable message';
  const msh = reader(message.getSegment('MSH'), message.context);
  return `${msh(9, 1)}^${msh(9, 2)}` || 'message';
}

function refusedEntry(
  label: string,
  problems: Hl7Problem[],
  bytes: Buffer | null,
  excerpt?: string,
): TrafficEntry {
  return {
    direction: 'in',
    label,
    outcome: 'rejected',
    detail: problems.map((p) => `${locationText(p.location)}: ${p.text}`).join('; '),
    excerpt: excerpt ?? (bytes ? bytes.subarray(0, 2_000).toString('latin1') : null),
  };
}
