import { createClient } from '@libsql/client';
import { createOrderBody } from '@lightbox/pims-plugin/orders/order-dto';
import {
  mintOrderId,
  mintOrderIdentifiers,
  mintStudyInstanceUid,
} from '@lightbox/pims-plugin/orders/identifiers';
import { mapOrderToWorklist } from '@lightbox/pims-plugin/orders/worklist-mapping';

/**
 * The shortcut when creating every order through the API would take minutes: the agent's journal
 * (stopped) gets the rows the link would have written for these orders — the plugin's own mapping
 * of each order to worklist attributes, with identifiers minted as the plugin mints them, a new
 * order's revision 1, scheduled. Returns the accession numbers, in order.
 */
export async function seedAgentJournal(
  dbFile: string,
  bodies: Record<string, unknown>[],
  timeZone: string,
): Promise<string[]> {
  const now = new Date().toISOString();
  const rows = bodies.map((raw) => {
    const body = createOrderBody.parse(raw);
    const ids = { ...mintOrderIdentifiers(), studyInstanceUid: mintStudyInstanceUid() };
    const request = { ...body, ...ids, scheduled: body.scheduled ?? { at: now } };
    const { attributes, errors } = mapOrderToWorklist(request, ids, timeZone);
    if (errors.length > 0) throw new Error(`generated order refused: ${JSON.stringify(errors)}`);
    return { orderId: mintOrderId(), attributes, accessionNumber: ids.accessionNumber };
  });
  const db = createClient({ url: `file:${dbFile}` });
  try {
    for (let i = 0; i < rows.length; i += 500) {
      await db.batch(
        rows.slice(i, i + 500).map((r) => ({
          sql: `INSERT INTO worklist_items (order_id, revision, status, attributes_json, updated_at)
                VALUES (?, 1, 'scheduled', ?, ?)`,
          args: [r.orderId, JSON.stringify(r.attributes), now],
        })),
        'write',
      );
    }
  } finally {
    db.close();
  }
  return rows.map((r) => r.accessionNumber);
}
