import { eq } from 'drizzle-orm';
import { agentStatusReport, type AgentStatusReport } from '@lightbox/protocol';
import type { Tx } from '../db/database.js';
import { agents } from '../db/schema.js';

/** One free-disk sample per this period is kept for the forecast... */
export const DISK_SAMPLE_EVERY_MS = 10 * 60_000;
/** ...for this long. */
export const DISK_SAMPLES_KEPT_MS = 7 * 86_400_000;

export type DiskSample = [atMs: number, freeBytes: number];

/** Stores an agent's status report, and a free-disk sample when the last one is old enough. */
export async function recordAgentStatus(
  tx: Tx,
  agentId: string,
  report: AgentStatusReport,
  nowMs = Date.now(),
): Promise<void> {
  const [row] = await tx
    .select({ diskSamplesJson: agents.diskSamplesJson })
    .from(agents)
    .where(eq(agents.id, agentId));
  if (!row) return;
  let samples = parseSamples(row.diskSamplesJson);
  const last = samples.at(-1);
  if (report.disk && (!last || nowMs - last[0] >= DISK_SAMPLE_EVERY_MS)) {
    samples = [
      ...samples.filter(([at]) => nowMs - at < DISK_SAMPLES_KEPT_MS),
      [nowMs, report.disk.freeBytes],
    ];
  }
  await tx
    .update(agents)
    .set({ statusJson: JSON.stringify(report), diskSamplesJson: JSON.stringify(samples) })
    .where(eq(agents.id, agentId));
}

/** The stored report, or null when none was stored or it no longer reads as one. */
export function parseStatus(json: string | null): AgentStatusReport | null {
  if (!json) return null;
  try {
    const parsed = agentStatusReport.safeParse(JSON.parse(json));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

export function parseSamples(json: string): DiskSample[] {
  try {
    const v: unknown = JSON.parse(json);
    return Array.isArray(v)
      ? v.filter(
          (s): s is DiskSample =>
            Array.isArray(s) && s.length === 2 && typeof s[0] === 'number' && typeof s[1] === 'number',
        )
      : [];
  } catch {
    return [];
  }
}

/**
 * Days until the spool disk is full at the recent rate: a least-squares line through the last day's
 * samples (and the current reading), so one burst of studies or one purge does not swing it.
 * Null when there is under an hour of history or the free space is not falling.
 */
export function forecastFromSamples(
  samples: DiskSample[],
  current: { atMs: number; freeBytes: number } | null,
): number | null {
  const points = [...samples];
  if (current && (points.length === 0 || current.atMs > points.at(-1)![0]))
    points.push([current.atMs, current.freeBytes]);
  if (points.length < 2) return null;
  const end = points.at(-1)![0];
  const recent = points.filter(([at]) => end - at <= 86_400_000);
  if (recent.length < 2 || end - recent[0]![0] < 3_600_000) return null;
  const n = recent.length;
  const mx = recent.reduce((s, [x]) => s + x, 0) / n;
  const my = recent.reduce((s, [, y]) => s + y, 0) / n;
  let sxy = 0;
  let sxx = 0;
  for (const [x, y] of recent) {
    sxy += (x - mx) * (y - my);
    sxx += (x - mx) ** 2;
  }
  const bytesPerMs = sxy / sxx;
  if (!(bytesPerMs < 0)) return null;
  return recent.at(-1)![1] / (-bytesPerMs * 86_400_000);
}
