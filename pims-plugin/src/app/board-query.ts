import { and, desc, eq, gte, lt, or, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../db/database.js';
import { orders } from '../db/schema.js';
import type { OrderFacts } from './order-facts.js';

export interface BoardFilter {
  /** Patient name or id, owner, accession: a substring, matched as text only. */
  q: string;
  modality: string;
}

export interface BoardGroup {
  key: string;
  modality: string;
  station: string | null;
  orders: OrderFacts[];
}

export interface Board {
  today: string;
  groups: BoardGroup[];
  upcoming: OrderFacts[];
  /** Search results, when a search was asked for. */
  found: OrderFacts[] | null;
  modalities: string[];
}

const UPCOMING_DAYS = 7;
const SEARCH_LIMIT = 200;
const scheduledAt = sql<string>`json_extract(${orders.requestJson}, '$.scheduled.at')`;
/**
 * Only what the board shows, built by SQLite into one JSON text per order: 2,000 rows of whole
 * requests and worklist attributes, or of fifteen separate cells, cost more to carry than the board
 * may take.
 */
const boardColumns = {
  facts: sql<string>`json_object(
    'id', ${orders.id}, 'status', ${orders.status}, 'accessionNumber', ${orders.accessionNumber},
    'pimsOrderId', ${orders.pimsOrderId}, 'patientId', ${orders.pimsPatientId},
    'modality', ${orders.modality}, 'station', ${orders.stationAeTitle},
    'petName', json_extract(${orders.requestJson}, '$.patient.name'),
    'species', json_extract(${orders.requestJson}, '$.patient.species'),
    'lastName', json_extract(${orders.requestJson}, '$.client.lastName'),
    'firstName', json_extract(${orders.requestJson}, '$.client.firstName'),
    'organization', json_extract(${orders.requestJson}, '$.client.organization'),
    'procedure', json_extract(${orders.requestJson}, '$.procedure.description'),
    'scheduledAt', json_extract(${orders.requestJson}, '$.scheduled.at'),
    'priority', json_extract(${orders.requestJson}, '$.priority'))`,
};

function boardFacts(row: { facts: string }): OrderFacts {
  const r = JSON.parse(row.facts) as Record<string, unknown>;
  const text = (v: unknown) => (typeof v === 'string' ? v : '');
  return {
    id: text(r.id),
    status: text(r.status),
    accessionNumber: text(r.accessionNumber),
    pimsOrderId: text(r.pimsOrderId),
    patientId: text(r.patientId),
    petName: text(r.petName),
    dicomPatientName: null,
    species: text(r.species),
    owner: text(r.organization) || [text(r.firstName), text(r.lastName)].filter(Boolean).join(' '),
    procedure: text(r.procedure),
    modality: text(r.modality),
    station: typeof r.station === 'string' ? r.station : null,
    scheduledAt: typeof r.scheduledAt === 'string' ? r.scheduledAt : null,
    priority: text(r.priority) || 'routine',
  };
}

/**
 * Today's orders by modality and station, then the next week's; or, with a search, any order whose
 * patient, owner or accession contains the text. Days are the site's (`timeZone`).
 */
export async function loadBoard(
  db: Db,
  siteId: string,
  timeZone: string,
  filter: BoardFilter,
  nowMs = Date.now(),
): Promise<Board> {
  const dayOf = dayFormatter(timeZone);
  const today = dayOf(nowMs);
  const modalityRows = await db
    .selectDistinct({ modality: orders.modality })
    .from(orders)
    .where(eq(orders.siteId, siteId));
  const modalities = modalityRows.map((r) => r.modality).sort();
  const byModality = filter.modality ? eq(orders.modality, filter.modality) : undefined;
  /** The site's orders of the chosen modality that also match `which`. */
  const boardRows = (which: SQL | undefined) =>
    db
      .select(boardColumns)
      .from(orders)
      .where(and(eq(orders.siteId, siteId), byModality, which));

  if (filter.q) {
    const like = `%${filter.q.replace(/[\\%_]/g, (m) => `\\${m}`)}%`;
    const text = (col: unknown) => sql`${col} LIKE ${like} ESCAPE '\\'`;
    const rows = await boardRows(
      or(
        text(orders.accessionNumber),
        text(orders.pimsPatientId),
        text(orders.pimsOrderId),
        text(sql`json_extract(${orders.requestJson}, '$.patient.name')`),
        text(sql`json_extract(${orders.requestJson}, '$.client.lastName')`),
        text(sql`json_extract(${orders.requestJson}, '$.client.firstName')`),
        text(sql`json_extract(${orders.requestJson}, '$.client.organization')`),
      ),
    )
      .orderBy(desc(orders.updatedAt))
      .limit(SEARCH_LIMIT);
    return { today, groups: [], upcoming: [], found: rows.map(boardFacts), modalities };
  }

  // A coarse window in SQL (a day either side covers every time zone), the exact day in code.
  const from = new Date(nowMs - 36 * 3600_000).toISOString();
  const to = new Date(nowMs + (UPCOMING_DAYS + 1.5) * 86_400_000).toISOString();
  const rows = await boardRows(
    or(
      and(gte(scheduledAt, from), lt(scheduledAt, to)),
      // Still open from an earlier day: it belongs on today's board until someone closes it.
      and(eq(orders.status, 'in_progress'), lt(scheduledAt, from)),
    ),
  );
  const groups = new Map<string, BoardGroup>();
  const upcoming: OrderFacts[] = [];
  const lastDay = dayOf(nowMs + UPCOMING_DAYS * 86_400_000);
  for (const row of rows) {
    const facts = boardFacts(row);
    const day = facts.scheduledAt ? dayOf(Date.parse(facts.scheduledAt)) : today;
    if (day > today) {
      if (day <= lastDay) upcoming.push(facts);
      continue;
    }
    if (day < today && facts.status !== 'in_progress') continue;
    const key = `${facts.modality}\u0000${facts.station ?? ''}`;
    let group = groups.get(key);
    if (!group) {
      group = { key, modality: facts.modality, station: facts.station, orders: [] };
      groups.set(key, group);
    }
    group.orders.push(facts);
  }
  const byTime = (a: OrderFacts, b: OrderFacts) =>
    (a.scheduledAt ?? '').localeCompare(b.scheduledAt ?? '') || a.id.localeCompare(b.id);
  for (const g of groups.values()) g.orders.sort(byTime);
  upcoming.sort(byTime);
  const sorted = [...groups.values()].sort(
    (a, b) => a.modality.localeCompare(b.modality) || (a.station ?? '').localeCompare(b.station ?? ''),
  );
  return { today, groups: sorted, upcoming, found: null, modalities };
}

/** `YYYY-MM-DD` of an instant in the site's time zone. */
export function dayFormatter(timeZone: string): (ms: number) => string {
  const f = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
  return (ms) => f.format(ms);
}

/** `HH:MM` of an instant in the site's time zone. */
export function timeFormatter(timeZone: string): (iso: string | null) => string {
  const f = new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', hour12: false });
  return (iso) => (iso ? f.format(Date.parse(iso)) : '');
}
