import type { storedInstances } from '../db/schema.js';
import type { InstanceHeader } from './instance-header.js';

export type StoredInstanceRow = Required<typeof storedInstances.$inferInsert>;

/** How an instance reached the spool, beside what its header says. */
export interface Arrival {
  sopClassUid: string;
  sopInstanceUid: string;
  transferSyntaxUid: string;
  sha256: string;
  relativePath: string;
  fileBytes: number;
  datasetBytes: number;
  callingAeTitle: string;
  /** A second version of an instance already stored with other bytes. */
  conflict: boolean;
  receivedAt: string;
}

/** The journal row of an instance in the spool, stored now or found at start without one. */
export function storedInstanceRow(header: InstanceHeader, arrival: Arrival): StoredInstanceRow {
  return {
    ...arrival,
    studyInstanceUid: header.studyInstanceUid,
    seriesInstanceUid: header.seriesInstanceUid,
    patientId: header.patientId,
    patientName: header.patientName,
    accessionNumber: header.accessionNumber,
    modality: header.modality,
    studyDate: header.studyDate,
    seriesNumber: header.seriesNumber,
    instanceNumber: header.instanceNumber,
    numberOfFrames: header.numberOfFrames,
    conflict: arrival.conflict ? 1 : 0,
  };
}
