import { and, eq, gt, inArray, isNotNull, lte, sql } from 'drizzle-orm';
import type { Database, Tx } from '../db/database.js';
import {
  orderCompletionWaits,
  orders,
  performedSteps,
  studies,
  studyInstances,
  studySeries,
} from '../db/schema.js';
import { appendEvent } from '../events/event-store.js';
import type { Logger } from '../log.js';
import { completeOrder, completeOverdueWaits } from './completion-waits.js';
import { mediaPath, type MediaLinker } from './media-url.js';
import { studyEventData } from './study-event-data.js';
import type { StudySettings } from './study-settings.js';

/**
 * What time decides about studies: a study with nothing new for the quiet period is ready for the
 * chart (`attachment.ready`); an MPPS that waited too long for its images completes without them;
 * an order whose modality sends no MPPS completes when its images have been stable long enough.
 */
export class StudyStabilityWorker {
  private timer: NodeJS.Timeout | null = null;
  private running = false;

  constructor(
    private readonly database: Database,
    private readonly settings: StudySettings,
    private readonly log: Logger,
    private readonly notifyAgents: (agentIds: string[]) => void,
    private readonly clock: () => number = Date.now,
    /** The site's media paths for the events; bare paths by default (a plugin with bare URLs on). */
    private readonly linkMedia: (tx: Tx, siteId: string) => Promise<MediaLinker> = () =>
      Promise.resolve(mediaPath),
  ) {}

  start(): void {
    const period = Math.max(50, Math.min(1_000, Math.floor(this.settings.quietMs / 2)));
    this.timer = setInterval(() => {
      void this.tick();
    }, period);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** One pass; skipped while the previous one runs. Errors are logged, never thrown at the timer. */
  async tick(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      const now = this.clock();
      if (!(await this.anythingDue(now))) return;
      const wake = await this.database.write(async (tx) => {
        const woken = await completeOverdueWaits(tx, now);
        // Announcing a study changes no worklist: nothing to wake.
        await this.announceReadyStudies(tx, now);
        woken.push(...(await this.completeWithoutMpps(tx, now)));
        return woken;
      });
      this.notifyAgents([...new Set(wake)]);
    } catch (err) {
      this.log.error('study stability pass failed', {
        err: err instanceof Error ? err.message : String(err),
      });
    } finally {
      this.running = false;
    }
  }

  /** Cheap reads first, so an idle plugin takes no write lock every tick. */
  private async anythingDue(now: number): Promise<boolean> {
    const db = this.database.db;
    const [wait] = await db
      .select({ id: orderCompletionWaits.orderId })
      .from(orderCompletionWaits)
      .where(lte(orderCompletionWaits.deadlineMs, now))
      .limit(1);
    if (wait) return true;
    const [ready] = await db
      .select({ id: studies.id })
      .from(studies)
      .where(
        and(
          gt(studies.instanceCount, studies.readyInstanceCount),
          lte(studies.lastReceivedAtMs, now - this.settings.quietMs),
        ),
      )
      .limit(1);
    if (ready) return true;
    return (await this.noMppsCandidates(db, now)).length > 0;
  }

  private async announceReadyStudies(tx: Tx, now: number): Promise<void> {
    const due = await tx
      .select()
      .from(studies)
      .where(
        and(
          gt(studies.instanceCount, studies.readyInstanceCount),
          lte(studies.lastReceivedAtMs, now - this.settings.quietMs),
        ),
      );
    for (const study of due) {
      await tx
        .update(studies)
        .set({ readyInstanceCount: study.instanceCount })
        .where(eq(studies.id, study.id));
      const [order] = study.orderId ? await tx.select().from(orders).where(eq(orders.id, study.orderId)) : [];
      const instances = await tx
        .select({
          sopInstanceUid: studyInstances.sopInstanceUid,
          seriesInstanceUid: studySeries.seriesInstanceUid,
          thumbnail: studyInstances.thumbnailSha256,
          preview: studyInstances.previewSha256,
          placeholder: studyInstances.placeholderReason,
        })
        .from(studyInstances)
        .innerJoin(studySeries, eq(studySeries.id, studyInstances.seriesId))
        .where(eq(studyInstances.studyId, study.id))
        .limit(500);
      // Signed for the site; an event read after the URLs expire leads to the study API for fresh ones.
      const link = await this.linkMedia(tx, study.siteId);
      await appendEvent(tx, study.siteId, 'attachment.ready', {
        ...studyEventData(study, order ?? null),
        instanceCount: study.instanceCount,
        instances: instances.map((i) => ({
          sopInstanceUid: i.sopInstanceUid,
          seriesInstanceUid: i.seriesInstanceUid,
          thumbnailPath: link(i.thumbnail),
          previewPath: link(i.preview),
          placeholder: i.placeholder !== null,
        })),
      });
    }
  }

  /** Open orders with a matched study quiet for the no-MPPS period and no MPPS ever linked. */
  private async noMppsCandidates(db: Database['db'] | Tx, now: number): Promise<{ orderId: string }[]> {
    const rows = await db
      .select({ orderId: orders.id })
      .from(studies)
      .innerJoin(orders, eq(orders.id, studies.orderId))
      .where(
        and(
          isNotNull(studies.orderId),
          inArray(orders.status, ['scheduled', 'in_progress']),
          lte(studies.lastReceivedAtMs, now - this.settings.noMppsCompleteMs),
          sql`not exists (select 1 from ${performedSteps} where ${performedSteps.orderIdsJson} like '%"' || ${orders.id} || '"%')`,
          sql`not exists (select 1 from ${orderCompletionWaits} where ${orderCompletionWaits.orderId} = ${orders.id})`,
        ),
      );
    return [...new Map(rows.map((r) => [r.orderId, r])).values()];
  }

  private async completeWithoutMpps(tx: Tx, now: number): Promise<string[]> {
    const wake: string[] = [];
    for (const { orderId } of await this.noMppsCandidates(tx, now)) {
      const quiet = Math.round(this.settings.noMppsCompleteMs / 1000);
      wake.push(
        ...(await completeOrder(
          tx,
          orderId,
          'images_stable_no_mpps',
          `images stable for ${quiet} s and no MPPS`,
        )),
      );
    }
    return wake;
  }
}
