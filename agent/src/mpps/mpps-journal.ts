import { eq } from 'drizzle-orm';
import type { AgentTx } from '../db/agent-database.js';
import { mppsOperations, mppsSteps } from '../db/schema.js';
import type { DicomAttributes, PluginView } from './mpps-attributes.js';
import type { MppsRecord } from './mpps-state-machine.js';

/** The step as the journal holds it, inside the caller's transaction. */
export async function loadStep(tx: AgentTx, sopInstanceUid: string): Promise<MppsRecord | undefined> {
  const [row] = await tx.select().from(mppsSteps).where(eq(mppsSteps.sopInstanceUid, sopInstanceUid));
  if (!row) return undefined;
  return {
    sopInstanceUid: row.sopInstanceUid,
    status: row.status,
    callingAeTitle: row.callingAeTitle,
    attributes: JSON.parse(row.attributesJson) as DicomAttributes,
    notifiedView: JSON.parse(row.notifiedViewJson) as PluginView | null,
  };
}

/** Writes the step and the operation that changed it, in the caller's transaction. */
export async function saveStep(
  tx: AgentTx,
  record: MppsRecord,
  op: {
    operation: 'N-CREATE' | 'N-SET';
    callingAeTitle: string;
    outSeq: number | null;
    warnings: string[];
    at: string;
  },
): Promise<void> {
  const values = {
    status: record.status,
    callingAeTitle: record.callingAeTitle,
    attributesJson: JSON.stringify(record.attributes),
    notifiedViewJson: JSON.stringify(record.notifiedView),
    updatedAt: op.at,
  };
  if (op.operation === 'N-CREATE')
    await tx.insert(mppsSteps).values({ sopInstanceUid: record.sopInstanceUid, ...values });
  else await tx.update(mppsSteps).set(values).where(eq(mppsSteps.sopInstanceUid, record.sopInstanceUid));
  await tx.insert(mppsOperations).values({
    sopInstanceUid: record.sopInstanceUid,
    operation: op.operation,
    status: record.status,
    callingAeTitle: op.callingAeTitle,
    outSeq: op.outSeq,
    warningsJson: JSON.stringify(op.warnings),
    at: op.at,
  });
}
