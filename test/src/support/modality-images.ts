import { writeSyntheticImage } from '@lightbox/agent/test-support';
import { storescu } from './storage-peers.js';

/**
 * DX images of an order's study, sent by DCMTK's storescu as the modality would; returns storescu's
 * verdict per image.
 */
export async function storeStudyImages(
  port: number,
  dir: string,
  study: { studyInstanceUid: string; patientId: string },
  count = 2,
): Promise<string[]> {
  const files = await Promise.all(
    Array.from({ length: count }, (_, i) =>
      writeSyntheticImage(dir, `${study.patientId}-${i + 1}`, {
        rows: 300,
        columns: 400,
        bitsAllocated: 16,
        photometric: 'MONOCHROME2',
        modality: 'DX',
        sopClassUid: '1.2.840.10008.5.1.4.1.1.1.1',
        pixel: (x: number) => (x < 200 ? 200 : 3800),
        window: { center: 2000, width: 4000 },
        identity: { studyInstanceUid: study.studyInstanceUid, patientId: study.patientId },
      }),
    ),
  );
  return (await storescu({ port, files })).responses;
}
