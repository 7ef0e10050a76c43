import { and, desc, eq, inArray, sql } from 'drizzle-orm';
import type { Db } from '../db/database.js';
import { agents, events } from '../db/schema.js';
import type { LinkHub } from '../link/link-hub.js';
import { outboxDepth } from '../outbox/outbox-to-agent.js';
import type { AgentStatusReport } from '@lightbox/protocol';
import { forecastFromSamples, parseSamples, parseStatus } from '../agent-health/agent-status-store.js';
import { latestEchoes, type AgentEchoRow } from '../agent-health/agent-echo.js';

export interface DiskReport {
  state: 'low' | 'ok';
  freeBytes: number;
  minFreeBytes: number;
  at: string;
}

export interface AgentRow {
  id: string;
  name: string;
  stations: { aeTitle: string; modality: string }[];
  connected: boolean;
  lastSeenAt: string | null;
  version: string | null;
  toAgent: number;
  fromAgent: number;
  disk: DiskReport | null;
  /** Days until the spool disk is full at the recent rate; null: no trend. */
  daysUntilFull: number | null;
  /** The agent's last status report; null from agents that send none. */
  status: AgentStatusReport | null;
  /** The last C-ECHO asked of it from the page. */
  echo: AgentEchoRow | null;
}

/** Every agent of the site with its link, queues and the disk reports it sent. */
export async function loadAgents(db: Db, hub: LinkHub, siteId: string): Promise<AgentRow[]> {
  const rows = await db.select().from(agents).where(eq(agents.siteId, siteId)).orderBy(agents.name);
  const out: AgentRow[] = [];
  const echoes = await latestEchoes(
    db,
    rows.map((a) => a.id),
  );
  for (const a of rows) {
    const reports = await db
      .select({ dataJson: events.dataJson })
      .from(events)
      .where(
        and(
          eq(events.siteId, siteId),
          inArray(events.type, ['agent.disk_low', 'agent.disk_ok']),
          sql`json_extract(${events.dataJson}, '$.agentId') = ${a.id}`,
        ),
      )
      .orderBy(desc(events.id))
      .limit(2);
    const disk = reports.map((r) => JSON.parse(r.dataJson) as DiskReport & { state?: string });
    const status = parseStatus(a.statusJson);
    // The periodic report is newer than any threshold crossing; older agents send only crossings.
    const latest: DiskReport | null = status?.disk
      ? {
          state: status.disk.freeBytes < status.disk.minFreeBytes ? 'low' : 'ok',
          freeBytes: status.disk.freeBytes,
          minFreeBytes: status.disk.minFreeBytes,
          at: status.at,
        }
      : (disk[0] ?? null);
    const samples = parseSamples(a.diskSamplesJson);
    out.push({
      id: a.id,
      name: a.name,
      stations: JSON.parse(a.stationsJson) as AgentRow['stations'],
      connected: hub.isConnected(a.id) || a.connected,
      lastSeenAt: a.lastSeenAt,
      version: a.agentVersion,
      toAgent: await outboxDepth(db, a.id),
      fromAgent: a.agentOutboxDepth,
      disk: latest,
      daysUntilFull:
        samples.length > 0
          ? forecastFromSamples(
              samples,
              latest ? { atMs: Date.parse(latest.at), freeBytes: latest.freeBytes } : null,
            )
          : forecastDaysUntilFull(disk[1] ?? null, disk[0] ?? null),
      status,
      echo: echoes.get(a.id) ?? null,
    });
  }
  return out;
}

/** Free space falling from `earlier` to `later`: the days left at that rate. */
export function forecastDaysUntilFull(
  earlier: { freeBytes: number; at: string } | null,
  later: { freeBytes: number; at: string } | null,
): number | null {
  if (!earlier || !later) return null;
  const days = (Date.parse(later.at) - Date.parse(earlier.at)) / 86_400_000;
  const used = earlier.freeBytes - later.freeBytes;
  if (!(days > 0) || used <= 0) return null;
  return later.freeBytes / (used / days);
}
