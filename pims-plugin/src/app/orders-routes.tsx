import type { Hono } from 'hono';
import { recordAudit } from '../audit/audit-log.js';
import type { Tx } from '../db/database.js';
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

  /**
   * One change to an order from its page: the change and its audit entry in one transaction, then
   * the agents woken and the order's page shown again.
   */
  const orderChange = (
    action: 'cancel' | 'complete' | 'correct',
    audited: string,
    permission: typeof mayEdit,
    read: (form: Record<string, unknown>) => { detail: Record<string, unknown>; change: OrderChange },
  ) =>
    app.post(`/app/orders/:orderId/${action}`, permission, (c) =>
      screenAction(c, deps.pageAssets, back(c.req.param('orderId')), async () => {
        const { detail, change } = read(await c.req.parseBody());
        const orderId = c.req.param('orderId');
        const siteId = c.get('siteId');
        const wake = await deps.database.write(async (tx) => {
          const r = await change(tx, siteId, orderId);
          await recordAudit(tx, {
            siteId,
            actor: c.get('actor'),
            action: audited,
            subject: { type: 'order', id: orderId },
            detail,
          });
          return r.wake;
        });
        deps.notifyAgents(wake);
        return c.redirect(back(orderId), 303);
      }),
    );

  orderChange('cancel', 'order.cancelled', mayEdit, (form) => {
    const reason = requiredReason(form);
    return { detail: { reason }, change: (tx, site, id) => deps.commands.cancelWithin(tx, site, id, reason) };
  });

  orderChange('complete', 'order.completed_manually', mayComplete, (form) => {
    const reason = requiredReason(form);
    return {
      detail: { reason },
      change: (tx, site, id) => deps.commands.completeManuallyWithin(tx, site, id, reason),
    };
  });

  orderChange('correct', 'order.corrected', mayEdit, (form) => {
    const station = (field(form, 'station') ?? '').trim();
    const atText = (field(form, 'at') ?? '').trim();
    const at = atText ? new Date(`${atText.slice(0, 16)}:00Z`) : null;
    if (at && Number.isNaN(at.getTime())) {
      throw new LightboxError('validation_failed', 'the scheduled time is not a date and time');
    }
    const scheduled = {
      ...(station ? { stationAeTitle: station } : {}),
      ...(at ? { at: at.toISOString() } : {}),
    };
    return {
      detail: { scheduled },
      change: (tx, site, id) => deps.commands.correctWithin(tx, site, id, { scheduled }),
    };
  });
}

type OrderChange = (tx: Tx, siteId: string, orderId: string) => Promise<{ wake: string[] }>;

function requiredReason(form: Record<string, unknown>): string {
  const reason = (field(form, 'reason') ?? '').trim();
  if (!reason) throw new LightboxError('validation_failed', 'a reason is required');
  if (reason.length > 256)
    throw new LightboxError('validation_failed', 'the reason is longer than 256 characters');
  return reason;
}
