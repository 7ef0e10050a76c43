import type { storedInstances } from '../schema.js';

type StoredInstance = typeof storedInstances.$inferSelect;

/**
 * A journal row of a stored single-frame DX image of Smith^Max, received from DR1; a test
 * overrides what it looks at.
 */
export function storedInstanceFixture(overrides: Partial<StoredInstance> = {}): StoredInstance {
  return {
    sopInstanceUid: '1.2.3.4',
    sha256: 'b'.repeat(64),
    sopClassUid: '1.2.840.10008.5.1.4.1.1.1.1',
    studyInstanceUid: '1.2.3',
    seriesInstanceUid: '1.2.3.1',
    transferSyntaxUid: '1.2.840.10008.1.2.1',
    patientId: 'P',
    patientName: 'Smith^Max',
    accessionNumber: '',
    modality: 'DX',
    studyDate: '',
    seriesNumber: '',
    instanceNumber: '',
    numberOfFrames: '1',
    relativePath: 'x.dcm',
    fileBytes: 1,
    datasetBytes: 1,
    callingAeTitle: 'DR1',
    conflict: 0,
    receivedAt: '2026-11-23T09:00:00Z',
    ...overrides,
  };
}
