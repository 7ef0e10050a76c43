import { and, eq, inArray } from 'drizzle-orm';
import type { Database, Tx } from '../../db/database.js';
import { orders } from '../../db/schema.js';
import type { TrafficEntry, TrafficLog } from '../connector-traffic.js';
import { buildAck, type AckCode } from './hl7-ack.js';
import { decodeHl7, encodeHl7, Hl7Message, reader, type DecodedMessage } from './hl7-message.js';
import { readOrderMessage, type Hl7OrderCommand } from './hl7-order-mapping.js';
import { hl7Problem, locationText, type Hl7Problem } from './hl7-problem.js';
import { hl7Inbound } from '../../db/hl7-schema.js';
import type { Hl7Settings } from './hl7-settings.js';
import type { FrameItem } from './mllp-framing.js';
import { slices } from '../../db/bound-parameters.js';

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
 * Receives the frames of one connection, a batch at a time (group commit): each message is read,
 * mapped and checked, then — in one transaction for the whole batch — recorded with its
 * acknowledgement. Why this keeps every acknowledged message:
 * - `AA` goes out only after that commit returns, and a commit is on disk when it returns (WAL
 *   with SQLite's default `synchronous=FULL`: the log is fsync'd at every commit). A crash before
 *   it loses the batch and its answers together; the sender, unanswered, resends.
 * - The answers leave in the order the frames came, each naming its own control id; one commit
 *   for many messages only means one fsync for many.
 * - The control ids already answered (recorded, or earlier in the same batch) are looked up in
 *   the same transaction, under the plugin's single writer, so a repeat is answered as it was and
 *   is never a second order.
 * - Applying to the orders is a separate step (`Hl7Applier`) that reads what was committed here in
 *   id order, so a stop between this commit and the apply loses nothing: the applier resumes from
 *   the rows still `accepted`, and marks each applied in the transaction that applies it.
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
    if (candidates.length > 0 || traffic.some((t) => t !== undefined)) {
      await this.deps.database.write(async (tx) => {
        const seen = await this.lookup(tx, candidates);
        const rows: (typeof hl7Inbound.$inferInsert)[] = [];
        for (const c of candidates) {
          const earlier = seen.acks.get(c.controlId);
          if (earlier !== undefined) {
            answers[c.index] = { bytes: encodeHl7(Hl7Message.parse(earlier), c.decoded.charset) };
            traffic[c.index] = {
              direction: 'in',
              label: c.label,
              outcome: 'ok',
              detail: `repeat of control id ${c.controlId}: answered as before, nothing applied again`,
              excerpt: c.excerpt,
            };
            continue;
          }
          const problems = this.precheck(seen, c.commands);
          if (problems.length > 0) {
            answers[c.index] = { bytes: this.answer(c.decoded, 'AE', problems) };
            traffic[c.index] = refusedEntry(c.label, problems, null, c.excerpt);
            continue;
          }
          const ackMessage = buildAck(c.decoded.message, 'AA');
          const ack = ackMessage.toString();
          rows.push({
            connectorId: this.deps.connectorId,
            controlId: c.controlId,
            label: c.label,
            placerOrderId: c.commands[0]?.placer ?? null,
            commandJson: JSON.stringify(c.commands),
            ack,
            status: 'accepted',
          });
          // Later messages of this batch see this one as they would see it recorded: a repeat of
          // its control id is answered the same, a cancel or correction of its order is queued.
          seen.acks.set(c.controlId, ack);
          for (const command of c.commands) seen.queued.add(command.placer);
          answers[c.index] = { bytes: encodeHl7(ackMessage, c.decoded.charset) };
          traffic[c.index] = {
            direction: 'in',
            label: c.label,
            outcome: 'ok',
            detail: 'accepted',
            excerpt: c.excerpt,
          };
        }
        // One statement for the batch; rows get their ids (the apply order) in arrival order.
        for (const part of slices(rows, INSERT_ROWS)) {
          await tx.insert(hl7Inbound).values(part);
        }
        outcome.acceptedAny = rows.length > 0;
        await this.deps.traffic.recordWithin(
          tx,
          traffic.filter((t): t is TrafficEntry => t !== undefined),
        );
      });
    }
    if (outcome.acceptedAny) this.deps.accepted();
    return answers.map((a) => a ?? { close: 'no answer' });
  }

  /**
   * Everything the batch's checks need, read with a few set queries rather than several per
   * message: earlier answers by control id, this connector's queued placer numbers, the orders the
   * messages name and the orders holding their accession numbers.
   */
  private async lookup(tx: Tx, candidates: Candidate[]): Promise<Seen> {
    const { connectorId, siteId } = this.deps;
    const controlIds = unique(candidates.map((c) => c.controlId));
    const placers = unique(candidates.flatMap((c) => c.commands.map((command) => command.placer)));
    const accessions = unique(
      candidates.flatMap((c) =>
        c.commands.flatMap((command) =>
          command.kind === 'create' && command.body.accessionNumber ? [command.body.accessionNumber] : [],
        ),
      ),
    );
    const seen: Seen = { acks: new Map(), queued: new Set(), orders: new Map(), accessions: new Map() };
    for (const part of slices(controlIds, IN_LIST)) {
      const rows = await tx
        .select({ controlId: hl7Inbound.controlId, ack: hl7Inbound.ack })
        .from(hl7Inbound)
        .where(and(eq(hl7Inbound.connectorId, connectorId), inArray(hl7Inbound.controlId, part)));
      for (const r of rows) seen.acks.set(r.controlId, r.ack);
    }
    for (const part of slices(placers, IN_LIST)) {
      const queued = await tx
        .select({ placer: hl7Inbound.placerOrderId })
        .from(hl7Inbound)
        .where(
          and(
            eq(hl7Inbound.connectorId, connectorId),
            inArray(hl7Inbound.placerOrderId, part),
            eq(hl7Inbound.status, 'accepted'),
          ),
        );
      for (const r of queued) if (r.placer !== null) seen.queued.add(r.placer);
      const named = await tx
        .select({ placer: orders.pimsOrderId, status: orders.status })
        .from(orders)
        .where(
          and(
            eq(orders.siteId, siteId),
            eq(orders.pimsSystem, 'hl7'),
            eq(orders.pimsSiteId, this.deps.settings.pimsSiteId),
            inArray(orders.pimsOrderId, part),
          ),
        );
      for (const r of named) seen.orders.set(r.placer, r.status);
    }
    for (const part of slices(accessions, IN_LIST)) {
      const holders = await tx
        .select({ accession: orders.accessionNumber, placer: orders.pimsOrderId })
        .from(orders)
        .where(and(eq(orders.siteId, siteId), inArray(orders.accessionNumber, part)));
      for (const r of holders) seen.accessions.set(r.accession, r.placer);
    }
    return seen;
  }

  /**
   * What can be known now about a message's commands: a create's accession number free, and for a
   * correction or cancel an order (or one on its way in this connector's queue) still open to it.
   * A race with the modality starting the order between this answer and the apply is recorded as
   * a failure in the connector's traffic.
   */
  private precheck(seen: Seen, commands: Hl7OrderCommand[]): Hl7Problem[] {
    const problems: Hl7Problem[] = [];
    for (const [i, command] of commands.entries()) {
      const orc = { segment: 'ORC', sequence: i + 1 };
      const status = seen.orders.get(command.placer);
      if (command.kind === 'create') {
        const accession = command.body.accessionNumber;
        const holder = accession ? seen.accessions.get(accession) : undefined;
        if (status === undefined && holder !== undefined && holder !== command.placer) {
          problems.push(
            hl7Problem('AE', 205, `accession number ${accession} is already used by another order`, {
              ...orc,
              field: 3,
            }),
          );
        }
        continue;
      }
      if (seen.queued.has(command.placer)) continue;
      if (status === undefined) {
        problems.push(
          hl7Problem('AE', 204, `no order with placer order number ${command.placer}`, { ...orc, field: 2 }),
        );
        continue;
      }
      if (command.kind === 'cancel' && status === 'cancelled') continue;
      if (status !== 'scheduled') {
        problems.push(
          hl7Problem(
            'AE',
            207,
            `the order is ${status.replace('_', ' ')}; it can be ${command.kind === 'cancel' ? 'cancelled' : 'corrected'} only before the modality starts it`,
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

/** What the batch's checks read from the database, kept up to date as the batch accepts messages. */
interface Seen {
  /** Acknowledgements already given, by control id. */
  acks: Map<string, string>;
  /** Placer order numbers with an accepted message not yet applied. */
  queued: Set<string>;
  /** Status of the orders the batch names, by placer order number. */
  orders: Map<string, string>;
  /** Which placer order number holds each accession number the batch's creates ask for. */
  accessions: Map<string, string>;
}

/** Rows per insert and values per IN list: well inside SQLite's limit on bound parameters. */
const INSERT_ROWS = 100;
const IN_LIST = 500;

function unique(values: string[]): string[] {
  return [...new Set(values)];
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
