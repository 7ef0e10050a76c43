import { randomBytes, randomUUID } from 'node:crypto';

/**
 * Identifiers minted when the PIMS gives none. Accession number, requested procedure id and step id
 * share one random stem, so support can see at a glance they belong together; each stays ≤ 16.
 */
export function mintOrderIdentifiers(): {
  accessionNumber: string;
  requestedProcedureId: string;
  scheduledProcedureStepId: string;
} {
  const stem = (
    Date.now().toString(36).slice(-6) +
    randomBytes(6).readUIntBE(0, 6).toString(36).padStart(8, '0').slice(0, 6)
  ).toUpperCase();
  return {
    accessionNumber: `LB${stem}`,
    requestedProcedureId: `RP${stem}`,
    scheduledProcedureStepId: `SP${stem}`,
  };
}

/** A Study Instance UID under the `2.25.` root: a random UUID as one decimal number (PS3.5 B.2). */
export function mintStudyInstanceUid(root = '2.25'): string {
  return `${root}.${BigInt(`0x${randomUUID().replace(/-/g, '')}`).toString()}`;
}

export function mintOrderId(): string {
  return `ord_${randomBytes(12).toString('base64url').replace(/[-_]/g, 'x')}`;
}
