import { and, eq, max } from 'drizzle-orm';
import { LightboxError } from '@lightbox/runtime';
import type { Database, Db } from '../db/database.js';
import { connectors, events } from '../db/schema.js';
import { mintId } from '../sites/secret-hash.js';
import { claimRowLease, releaseRowLeases } from '../webhooks/row-lease.js';
import { rowOfSite, rowsOfSite } from '../db/row-of-site.js';
import type { ConnectorKind, ConnectorRow } from './connector-kind.js';
import { pendingCount } from './connector-outbox.js';
import type { SecretSealer } from './connector-services.js';

const notFound = () => new LightboxError('not_found', 'connector not found');

function invalid(prefix: string, issues: { path: PropertyKey[]; message: string }[]): LightboxError {
  return new LightboxError('validation_failed', `the ${prefix} do not match the connector's schema`, {
    errors: issues.map((i) => ({ field: [prefix, ...i.path.map(String)].join('.'), message: i.message })),
  });
}

/** A connector's settings and secrets, each checked by its dialect's schema. */
export function parseConnectorInput(
  kind: ConnectorKind,
  input: { settings: unknown; secrets?: unknown },
): { settings: unknown; secrets: Record<string, string> } {
  const settings = kind.settingsSchema.safeParse(input.settings ?? {});
  if (!settings.success) throw invalid('settings', settings.error.issues);
  const secrets = kind.secretsSchema.safeParse(input.secrets ?? {});
  if (!secrets.success) throw invalid('secrets', secrets.error.issues);
  return { settings: settings.data, secrets: secrets.data as Record<string, string> };
}

export async function createConnector(
  database: Database,
  sealer: SecretSealer,
  siteId: string,
  input: { kind: ConnectorKind; name: string; settings: unknown; secrets: Record<string, string> },
): Promise<ConnectorRow> {
  const secretsSealed =
    Object.keys(input.secrets).length > 0 ? sealer.seal(JSON.stringify(input.secrets)) : null;
  return database.write(async (tx) => {
    await assertListenerFree(tx, input.kind.kind, input.settings, null);
    // A new connector hears of what happens from now on; what came before is in the events feed.
    const [last] = await tx.select({ id: max(events.id) }).from(events);
    const now = new Date().toISOString();
    const [row] = await tx
      .insert(connectors)
      .values({
        id: mintId('con'),
        siteId,
        kind: input.kind.kind,
        name: input.name,
        settingsJson: JSON.stringify(input.settings),
        secretsSealed,
        cursor: last?.id ?? 0,
        updatedAt: now,
      })
      .returning();
    return row!;
  });
}

/** Two listeners cannot share a port: refused when the connector is created, not when it starts. */
async function assertListenerFree(
  db: Db | Parameters<Parameters<Database['write']>[0]>[0],
  kind: string,
  settings: unknown,
  exceptId: string | null,
): Promise<void> {
  const port = (settings as { listen?: { port?: number } }).listen?.port;
  if (kind !== 'hl7' || port === undefined) return;
  const active = await db
    .select()
    .from(connectors)
    .where(and(eq(connectors.kind, 'hl7'), eq(connectors.status, 'active')));
  for (const other of active) {
    if (other.id === exceptId) continue;
    const otherPort = (JSON.parse(other.settingsJson) as { listen?: { port?: number } }).listen?.port;
    if (otherPort === port) {
      throw new LightboxError('conflict', `port ${port} is already the listener of connector ${other.id}`, {
        errors: [{ field: 'settings.listen.port', message: 'already used by another active connector' }],
      });
    }
  }
}

export async function getConnector(db: Db, siteId: string, id: string): Promise<ConnectorRow> {
  const row = await rowOfSite(db, connectors, siteId, id);
  if (!row) throw notFound();
  return row;
}

export function listConnectors(db: Db, siteId: string): Promise<ConnectorRow[]> {
  return rowsOfSite(db, connectors, siteId);
}

export async function activeConnectors(db: Db): Promise<ConnectorRow[]> {
  return db.select().from(connectors).where(eq(connectors.status, 'active'));
}

/** Stops the connector for good: its listener closes and nothing more is sent; its record stays. */
export async function disableConnector(
  database: Database,
  siteId: string,
  id: string,
): Promise<ConnectorRow> {
  return database.write(async (tx) => {
    const now = new Date().toISOString();
    const [row] = await tx
      .update(connectors)
      .set({ status: 'disabled', disabledAt: now, updatedAt: now })
      .where(and(eq(connectors.id, id), eq(connectors.siteId, siteId)))
      .returning();
    if (!row) throw notFound();
    return row;
  });
}

export function connectorSecrets(row: ConnectorRow, sealer: SecretSealer): Record<string, string> {
  return row.secretsSealed ? (JSON.parse(sealer.unseal(row.secretsSealed)) as Record<string, string>) : {};
}

/** A connector as the API shows it: settings, which secrets are set (never their values), its queue. */
export async function connectorView(db: Db, row: ConnectorRow, sealer: SecretSealer) {
  let secretNames: string[] = [];
  try {
    secretNames = Object.keys(connectorSecrets(row, sealer)).sort();
  } catch {
    // A key that no longer opens them: shown as none set, and the connector's test says why.
  }
  return {
    connectorId: row.id,
    kind: row.kind,
    name: row.name,
    status: row.status,
    settings: JSON.parse(row.settingsJson) as Record<string, unknown>,
    secretsSet: secretNames,
    createdAt: row.createdAt,
    disabledAt: row.disabledAt,
    outbox: { pending: await pendingCount(db, row.id) },
  };
}

/** Takes or renews the right to run a connector until `until`; false while another instance holds it. */
export function claimConnectorLease(
  database: Database,
  connectorId: string,
  owner: string,
  now: number,
  until: number,
): Promise<boolean> {
  return claimRowLease(database, connectors, {
    id: connectorId,
    owner,
    now,
    until,
    also: eq(connectors.status, 'active'),
  });
}

export function releaseConnectorLeases(database: Database, owner: string): Promise<void> {
  return releaseRowLeases(database, connectors, owner);
}
