import { and, eq } from 'drizzle-orm';
import type { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { LightboxError } from '@lightbox/runtime';
import type { Database } from '../db/database.js';
import { connectors } from '../db/schema.js';
import type { AppEnv } from '../http/app-env.js';
import { problemResponse } from '../http/problem.js';
import type { Logger } from '../log.js';
import type { OrderCommands } from '../orders/order-commands.js';
import type { ConnectorKind } from './connector-kind.js';
import type { ConnectorServices } from './connector-services.js';
import { connectorSecrets } from './connector-store.js';
import { TrafficLog } from './connector-traffic.js';

export interface ConnectorEndpointDeps {
  database: Database;
  kinds: ReadonlyMap<string, ConnectorKind>;
  services: ConnectorServices;
  commands: OrderCommands;
  notifyAgents: (agentIds: string[]) => void;
  log: Logger;
}

/**
 * `/connectors/{connectorId}/...`: where a PIMS calls in (ezyVet's partner endpoints, Provet's
 * webhooks). Not under /v1 and not behind the API key: each dialect authenticates its PIMS its own
 * way (its client credentials, a token in the webhook URL), inside its handler.
 */
export function mountConnectorEndpoints(app: Hono<AppEnv>, deps: ConnectorEndpointDeps): void {
  app.use(
    '/connectors/*',
    bodyLimit({
      maxSize: 1024 * 1024,
      onError: () => problemResponse(413, 'Payload too large', 'request bodies are limited to 1 MiB'),
    }),
  );
  app.all('/connectors/:connectorId/*', async (c) => {
    const id = c.req.param('connectorId');
    const [row] = await deps.database.db
      .select()
      .from(connectors)
      .where(and(eq(connectors.id, id), eq(connectors.status, 'active')));
    const kind = row ? deps.kinds.get(row.kind) : undefined;
    if (!row || !kind?.http) {
      throw new LightboxError('not_found', `no active connector ${id} that takes requests`);
    }
    const prefix = `/connectors/${id}`;
    const path = c.req.path.slice(prefix.length) || '/';
    return kind.http(c.req.raw, path, {
      connector: row,
      settings: kind.settingsSchema.parse(JSON.parse(row.settingsJson)),
      secrets: connectorSecrets(row, deps.services.secrets),
      database: deps.database,
      commands: deps.commands,
      services: deps.services,
      traffic: new TrafficLog(deps.database, row.id),
      log: deps.log.child({ connectorId: row.id, kind: row.kind }),
      notifyAgents: deps.notifyAgents,
    });
  });
}
