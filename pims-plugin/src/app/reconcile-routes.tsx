import type { Hono } from 'hono';
import { and, eq } from 'drizzle-orm';
import type { AppEnv } from '../http/app-env.js';
import { htmlResponse } from '../pages/html-response.js';
import { orders, studies } from '../db/schema.js';
import { requirePermission, type GuardAnswers } from '../staff/staff-guard.js';
import type { AppScreenDeps } from './app-screen-deps.js';
import { ReconcilePage } from './reconcile-page.js';
import { loadReconcileQueue } from './reconcile-queue.js';
import { linkStep, linkStudy, orderIdByAccession, unlinkStudy } from './reconcile-actions.js';
import { field, screenAction } from './screen-action.js';

export function mountReconcileScreen(app: Hono<AppEnv>, deps: AppScreenDeps, answers: GuardAnswers): void {
  const mayView = requirePermission('reconcile.view', answers);
  const mayLink = requirePermission('reconcile.link', answers);
  /** The order a person chose: one of the suggestions, or one typed in by accession number. */
  const namedOrder = async (form: Record<string, unknown>, siteId: string): Promise<string> => {
    const accession = field(form, 'accession');
    return accession ? orderIdByAccession(deps.database, siteId, accession) : (field(form, 'orderId') ?? '');
  };

  app.get('/app/reconcile', mayView, async (c) => {
    const siteId = c.get('siteId');
    const queue = await loadReconcileQueue(
      deps.database.db,
      siteId,
      await deps.mediaLinks.linker(siteId, { absolute: false }),
    );
    let linked = null;
    const linkedId = c.req.query('linked');
    if (linkedId) {
      const [row] = await deps.database.db
        .select({ studyId: studies.id, accession: orders.accessionNumber, matchedBy: studies.matchedBy })
        .from(studies)
        .innerJoin(orders, eq(orders.id, studies.orderId))
        .where(and(eq(studies.id, linkedId), eq(studies.siteId, siteId)));
      if (row?.matchedBy === 'manual') linked = { studyId: row.studyId, accession: row.accession };
    }
    return htmlResponse(
      <ReconcilePage assets={deps.pageAssets} staff={c.get('staff')} view={{ queue, linked }} />,
    );
  });

  app.post('/app/reconcile/studies/:studyId/link', mayLink, (c) =>
    screenAction(c, deps.pageAssets, '/app/reconcile', async () => {
      const form = await c.req.parseBody();
      const siteId = c.get('siteId');
      const orderId = await namedOrder(form, siteId);
      const studyId = c.req.param('studyId');
      const wake = await linkStudy(
        deps.database,
        deps.commands,
        siteId,
        c.get('actor'),
        studyId,
        orderId,
        field(form, 'complete') === 'yes',
      );
      deps.notifyAgents(wake);
      return c.redirect(`/app/reconcile?linked=${encodeURIComponent(studyId)}`, 303);
    }),
  );

  app.post('/app/reconcile/studies/:studyId/unlink', mayLink, (c) =>
    screenAction(c, deps.pageAssets, '/app/reconcile', async () => {
      await unlinkStudy(deps.database, c.get('siteId'), c.get('actor'), c.req.param('studyId'));
      return c.redirect('/app/reconcile', 303);
    }),
  );

  app.post('/app/reconcile/steps/:uid/link', mayLink, (c) =>
    screenAction(c, deps.pageAssets, '/app/reconcile', async () => {
      const form = await c.req.parseBody();
      const siteId = c.get('siteId');
      const orderId = await namedOrder(form, siteId);
      const wake = await linkStep(deps.database, siteId, c.get('actor'), c.req.param('uid'), orderId);
      deps.notifyAgents(wake);
      return c.redirect('/app/reconcile', 303);
    }),
  );
}
