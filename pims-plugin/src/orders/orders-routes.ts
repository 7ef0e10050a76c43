import type { Hono } from 'hono';
import { z } from 'zod';
import { LightboxError } from '@lightbox/runtime';
import {
  cancelOrderBody,
  completeOrderBody,
  createOrderBody,
  orderStatus,
  patchOrderBody,
  type CreateOrderBody,
} from './order-dto.js';
import { differingFields } from './order-body-diff.js';
import { parseQuery } from '../openapi/parse-query.js';
import type { Database } from '../db/database.js';
import type { AppEnv } from '../http/app-env.js';
import { parseJsonBody } from '../http/validate.js';
import type { OrderCommands } from './order-commands.js';
import { getOrder, listOrders } from './order-queries.js';

export const listQuery = z.object({
  status: orderStatus.optional(),
  pimsPatientId: z.string().max(64).optional(),
  updatedSince: z.iso.datetime({ offset: true }).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: z.string().max(512).optional(),
});

export function mountOrderRoutes(app: Hono<AppEnv>, database: Database, commands: OrderCommands): void {
  app.post('/v1/orders', async (c) => {
    const body = await parseJsonBody(c, createOrderBody);
    const { order, created } = await commands.create(c.get('siteId'), body);
    if (!created) {
      // The same idempotency key with another body is a different order, not a retry: answering
      // with the stored one would drop the new body silently.
      const differing = differingFields(JSON.parse(order.requestJson) as CreateOrderBody, body);
      if (differing.length > 0) {
        throw new LightboxError(
          'conflict',
          `an order with pimsOrderId ${JSON.stringify(body.pimsOrderId)} exists with other values in: ${differing.join(', ')}; correct it with PATCH /v1/orders/${order.id} or use a new pimsOrderId`,
          { orderId: order.id, differingFields: differing },
        );
      }
    }
    return c.json(
      {
        orderId: order.id,
        status: order.status,
        accessionNumber: order.accessionNumber,
        studyInstanceUid: order.studyInstanceUid,
        requestedProcedureId: order.requestedProcedureId,
        scheduledProcedureStepId: order.scheduledProcedureStepId,
      },
      created ? 201 : 200,
    );
  });

  app.get('/v1/orders', async (c) => {
    return c.json(await listOrders(database.db, c.get('siteId'), parseQuery(listQuery, c.req.query())));
  });

  app.get('/v1/orders/:orderId', async (c) =>
    c.json(await getOrder(database.db, c.get('siteId'), c.req.param('orderId'))),
  );

  app.patch('/v1/orders/:orderId', async (c) => {
    const patch = await parseJsonBody(c, patchOrderBody);
    await commands.correct(c.get('siteId'), c.req.param('orderId'), patch);
    return c.json(await getOrder(database.db, c.get('siteId'), c.req.param('orderId')));
  });

  app.post('/v1/orders/:orderId/cancel', async (c) => {
    const { reason } = await parseJsonBody(c, cancelOrderBody);
    await commands.cancel(c.get('siteId'), c.req.param('orderId'), reason);
    return c.json(await getOrder(database.db, c.get('siteId'), c.req.param('orderId')));
  });

  app.post('/v1/orders/:orderId/complete', async (c) => {
    const { note } = await parseJsonBody(c, completeOrderBody);
    await commands.completeManually(c.get('siteId'), c.req.param('orderId'), note ?? null);
    return c.json(await getOrder(database.db, c.get('siteId'), c.req.param('orderId')));
  });
}
