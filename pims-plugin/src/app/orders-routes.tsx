import type { Hono } from 'hono';
import { recordAudit } from '../audit/audit-log.js';
import type { AppEnv } from '../http/app-env.js';
import { htmlResponse } from '../pages/html-response.js';
import { requirePermission, type GuardAnswers } from '../staff/staff-guard.js';
import { LightboxError } from '@lightbox/runtime';
import type { AppScreenDeps } from './app-screen-deps.js';
import { BoardPage } from './board-page.js';
import { loadBoard, timeFormatter } from './board-query.js';
import { boardStream } from './board-stream.js';
import { loadOrderDetail } from './order-detail.js';
import { OrderPage } from './order-page.js';
import { field, screenAction } from './screen-action.js';

const MAX_SEARCH_CHARS = 64;

/** The imaging board, an order's page, and cancel / correct / complete by hand from it. */
export function mountOrderScreens(app: Hono<AppEnv>, deps: AppScreenDeps, answers: GuardAnswers): void {
  const mayView = requirePermission('orders.view', answers);
  const mayEdit = requirePermission('orders.edit', answers);
  const mayComplete = requirePermission('orders.complete', answers);
  const timeOf = timeFormatter(deps.timeZone);

  app.get('/app/orders', mayView, async (c) => {
    const filter = {
      q: (c.req.query('q') ?? '').trim().slice(0, MAX_SEARCH_CHARS),
      modality: /^[A-Z0-9_]{1,16}$/.test(c.req.query('modality') ?? '') ? c.req.query('modality')! : '',
    };
    const board = await loadBoard(deps.database.db, c.get('siteId'), deps.timeZone, filter);
    return htmlResponse(
      <BoardPage
        assets={deps.pageAssets}
        staff={c.get('staff')}
        board={board}
        filter={filter}
        timeOf={timeOf}
        timeZone={deps.timeZone}
      />,
    );
  });

  app.get('/app/orders/stream', mayView, (c) => boardStream(c, deps.database));

  app.get('/app/orders/:orderId', mayView, (c) =>
    screenAction(c, deps.pageAssets, '/app/orders', async () => {
      const detail = await loadOrderDetail(deps.database.db, c.get('siteId'), c.req.param('orderId'));
      return htmlResponse(<OrderPage assets={deps.pageAssets} staff={c.get('staff')} detail={detail} />);
    }),
  );

  const back = (id: string) => `/app/orders/${encodeURIComponent(id)}`;

  app.post('/app/orders/:orderId/cancel', mayEdit, (c) =>
    screenAction(c, deps.pageAssets, back(c.req.param('orderId')), async () => {
      const reason = requiredReason(await c.req.parseBody());
      const orderId = c.req.param('orderId');
      const wake = await deps.database.write(async (tx) => {
        const r = await deps.commands.cancelWithin(tx, c.get('siteId'), orderId, reason);
        await recordAudit(tx, {
          siteId: c.get('siteId'),
          actor: c.get('actor'),
          action: 'order.cancelled',
          subject: { type: 'order', id: orderId },
          detail: { reason },
        });
        return r.wake;
      });
      deps.notifyAgents(wake);
      return c.redirect(back(orderId), 303);
    }),
  );

  app.post('/app/orders/:orderId/complete', mayComplete, (c) =>
    screenAction(c, deps.pageAssets, back(c.req.param('orderId')), async () => {
      const reason = requiredReason(await c.req.parseBody());
      const orderId = c.req.param('orderId');
      const wake = await deps.database.write(async (tx) => {
        const r = await deps.commands.completeManuallyWithin(tx, c.get('siteId'), orderId, reason);
        await recordAudit(tx, {
          siteId: c.get('siteId'),
          actor: c.get('actor'),
          action: 'order.completed_manually',
          subject: { type: 'order', id: orderId },
          detail: { reason },
        });
        return r.wake;
      });
      deps.notifyAgents(wake);
      return c.redirect(back(orderId), 303);
    }),
  );

  app.post('/app/orders/:orderId/correct', mayEdit, (c) =>
    screenAction(c, deps.pageAssets, back(c.req.param('orderId')), async () => {
      const form = await c.req.parseBody();
      const station = (field(form, 'station') ?? '').trim();
      const atText = (field(form, 'at') ?? '').trim();
      const at = atText ? new Date(`${atText.slice(0, 16)}:00Z`) : null;
      if (at && Number.isNaN(at.getTime())) {
        throw new LightboxError('validation_failed', 'the scheduled time is not a date and time');
      }
      const orderId = c.req.param('orderId');
      const scheduled = {
        ...(station ? { stationAeTitle: station } : {}),
        ...(at ? { at: at.toISOString() } : {}),
      };
      const wake = await deps.database.write(async (tx) => {
        const r = await deps.commands.correctWithin(tx, c.get('siteId'), orderId, { scheduled });
        await recordAudit(tx, {
          siteId: c.get('siteId'),
          actor: c.get('actor'),
          action: 'order.corrected',
          subject: { type: 'order', id: orderId },
          detail: { scheduled },
        });
        return r.wake;
      });
      deps.notifyAgents(wake);
      return c.redirect(back(orderId), 303);
    }),
  );
}

function requiredReason(form: Record<string, unknown>): string {
  const reason = (field(form, 'reason') ?? '').trim();
  if (!reason) throw new LightboxError('validation_failed', 'a reason is required');
  if (reason.length > 256)
    throw new LightboxError('validation_failed', 'the reason is longer than 256 characters');
  return reason;
}
