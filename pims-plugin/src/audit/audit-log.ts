import type { Tx } from '../db/database.js';
import { auditLog } from '../db/schema.js';

/** Who acted: an API key, a signed-in staff member, the PIMS user of an embed or staff link, … */
export interface Actor {
  type: (typeof auditLog.$inferInsert)['actorType'];
  id: string | null;
  name: string | null;
}

export const SYSTEM_ACTOR: Actor = { type: 'system', id: null, name: null };

export interface AuditEntry {
  siteId: string;
  actor: Actor;
  /** Dotted verb, e.g. `study.linked`, `order.completed_manually`, `embed.opened`, `api_key.revoked`. */
  action: string;
  subject: { type: string; id: string | null };
  detail?: Record<string, unknown>;
}

/** Appends one entry inside the caller's transaction: it exists exactly when the change it names does. */
export async function recordAudit(tx: Tx, entry: AuditEntry): Promise<void> {
  await tx.insert(auditLog).values({
    siteId: entry.siteId,
    at: new Date().toISOString(),
    actorType: entry.actor.type,
    actorId: entry.actor.id,
    actorName: entry.actor.name,
    action: entry.action,
    subjectType: entry.subject.type,
    subjectId: entry.subject.id,
    detailJson: entry.detail ? JSON.stringify(entry.detail) : null,
  });
}
