import type { Hono } from 'hono';
import { z } from 'zod';
import { LightboxError } from '@lightbox/runtime';
import type { Database } from '../db/database.js';
import type { AppEnv } from '../http/app-env.js';
import { parseJsonBody } from '../http/validate.js';
import type { Logger } from '../log.js';
import type { ConnectorKind } from './connector-kind.js';
import type { ConnectorServices } from './connector-services.js';
import {
  connectorSecrets,
  connectorView,
  createConnector,
  disableConnector,
  getConnector,
  listConnectors,
  parseConnectorInput,
} from './connector-store.js';
import { readTraffic, TrafficLog } from './connector-traffic.js';

export const createConnectorBody = z.object({
  kind: z
    .string()
    .regex(/^[a-z0-9_-]{1,32}$/)
    .meta({ description: '`hl7`, `ezyvet` or `provet`.' }),
  name: z.string().trim().min(1).max(128),
  settings: z
    .record(z.string(), z.unknown())
    .default({})
    .meta({ description: "Checked by the kind's own schema." }),
  secrets: z
    .record(z.string(), z.string().max(4_096))
    .optional()
    .meta({ description: 'Write-only: stored encrypted, never shown again (the view lists which are set).' }),
});

export const trafficQuery = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(50),
  before: z.coerce.number().int().min(1).optional().meta({ description: 'The `next` of the previous page.' }),
  outcome: z
    .enum(['ok', 'rejected', 'failed'])
    .optional()
    .meta({ description: 'Only entries with this outcome.' }),
});

export interface ConnectorRouteDeps {
  database: Database;
  kinds: ReadonlyMap<string, ConnectorKind>;
  services: ConnectorServices;
  log: Logger;
  /** Tells the supervisor to start or stop connectors now. */
  changed: () => void;
  isRunning: (connectorId: string) => boolean;
}

/** /v1/connectors: the PIMS connectors of the site — created, listed, tested, disabled, and their traffic. */
export function mountConnectorRoutes(app: Hono<AppEnv>, deps: ConnectorRouteDeps): void {
  const { database, kinds, services } = deps;
  const view = async (row: Awaited<ReturnType<typeof getConnector>>) => ({
    ...(await connectorView(database.db, row, services.secrets)),
    running: deps.isRunning(row.id),
  });

  app.post('/v1/connectors', async (c) => {
    const body = await parseJsonBody(c, createConnectorBody);
    const kind = kinds.get(body.kind);
    if (!kind) {
      throw new LightboxError('validation_failed', `no connector of kind ${body.kind}`, {
        errors: [{ field: 'kind', message: `expected one of ${[...kinds.keys()].join(', ')}` }],
      });
    }
    const { settings, secrets } = parseConnectorInput(kind, body);
    const row = await createConnector(database, services.secrets, c.get('siteId'), {
      kind,
      name: body.name,
      settings,
      secrets,
    });
    deps.changed();
    return c.json(await view(row), 201);
  });

  app.get('/v1/connectors', async (c) => {
    const rows = await listConnectors(database.db, c.get('siteId'));
    return c.json({ items: await Promise.all(rows.map(view)) });
  });

  app.get('/v1/connectors/:connectorId', async (c) => {
    const row = await getConnector(database.db, c.get('siteId'), c.req.param('connectorId'));
    const failures = await readTraffic(database.db, row.id, { limit: 10, outcome: 'failed' });
    const rejected = await readTraffic(database.db, row.id, { limit: 10, outcome: 'rejected' });
    const recent = await readTraffic(database.db, row.id, { limit: 10 });
    return c.json({
      ...(await view(row)),
      traffic: {
        recent: recent.items,
        failures: [...failures.items, ...rejected.items].sort((a, b) => b.id - a.id).slice(0, 10),
      },
    });
  });

  app.get('/v1/connectors/:connectorId/traffic', async (c) => {
    const row = await getConnector(database.db, c.get('siteId'), c.req.param('connectorId'));
    const parsed = trafficQuery.safeParse(c.req.query());
    if (!parsed.success) {
      throw new LightboxError('validation_failed', 'invalid query parameters', {
        errors: parsed.error.issues.map((i) => ({ field: i.path.join('.'), message: i.message })),
      });
    }
    return c.json(await readTraffic(database.db, row.id, parsed.data));
  });

  app.post('/v1/connectors/:connectorId/test', async (c) => {
    const row = await getConnector(database.db, c.get('siteId'), c.req.param('connectorId'));
    const kind = kinds.get(row.kind);
    if (!kind) throw new LightboxError('conflict', `no connector of kind ${row.kind} in this version`);
    let secrets: Record<string, string>;
    try {
      secrets = connectorSecrets(row, services.secrets);
    } catch {
      return c.json({
        ok: false,
        detail: 'the secrets cannot be opened with this key; create the connector again',
      });
    }
    const result = await kind.test({
      connector: row,
      settings: kind.settingsSchema.parse(JSON.parse(row.settingsJson)),
      secrets,
      database,
      services,
      log: deps.log,
    });
    await new TrafficLog(database, row.id).record([
      {
        direction: 'out',
        label: 'connection test',
        outcome: result.ok ? 'ok' : 'failed',
        detail: result.detail,
      },
    ]);
    return c.json(result);
  });

  app.post('/v1/connectors/:connectorId/disable', async (c) => {
    const row = await disableConnector(database, c.get('siteId'), c.req.param('connectorId'));
    deps.changed();
    return c.json(await view(row));
  });
}
