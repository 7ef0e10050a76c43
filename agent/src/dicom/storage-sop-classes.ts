/**
 * What a veterinary practice's modalities send: radiography (CR, DX, intra-oral, mammography),
 * ultrasound (single and multi-frame), CT, MR, fluoroscopy, photos and endoscopy, secondary
 * captures and the odd PDF report. Presentation states and key object selections ride along with
 * many DR consoles, so they are accepted too rather than failing the whole send.
 */
export const IMAGE_STORAGE_SOP_CLASSES: Readonly<Record<string, string>> = {
  '1.2.840.10008.5.1.4.1.1.1': 'Computed Radiography Image Storage',
  '1.2.840.10008.5.1.4.1.1.1.1': 'Digital X-Ray Image Storage - For Presentation',
  '1.2.840.10008.5.1.4.1.1.1.1.1': 'Digital X-Ray Image Storage - For Processing',
  '1.2.840.10008.5.1.4.1.1.1.2': 'Digital Mammography X-Ray Image Storage - For Presentation',
  '1.2.840.10008.5.1.4.1.1.1.2.1': 'Digital Mammography X-Ray Image Storage - For Processing',
  '1.2.840.10008.5.1.4.1.1.1.3': 'Digital Intra-Oral X-Ray Image Storage - For Presentation',
  '1.2.840.10008.5.1.4.1.1.1.3.1': 'Digital Intra-Oral X-Ray Image Storage - For Processing',
  '1.2.840.10008.5.1.4.1.1.2': 'CT Image Storage',
  '1.2.840.10008.5.1.4.1.1.2.1': 'Enhanced CT Image Storage',
  '1.2.840.10008.5.1.4.1.1.4': 'MR Image Storage',
  '1.2.840.10008.5.1.4.1.1.4.1': 'Enhanced MR Image Storage',
  // The retired ultrasound classes are still what some older consoles send.
  '1.2.840.10008.5.1.4.1.1.3': 'Ultrasound Multi-frame Image Storage (Retired)',
  '1.2.840.10008.5.1.4.1.1.3.1': 'Ultrasound Multi-frame Image Storage',
  '1.2.840.10008.5.1.4.1.1.6': 'Ultrasound Image Storage (Retired)',
  '1.2.840.10008.5.1.4.1.1.6.1': 'Ultrasound Image Storage',
  '1.2.840.10008.5.1.4.1.1.6.2': 'Enhanced US Volume Storage',
  '1.2.840.10008.5.1.4.1.1.7': 'Secondary Capture Image Storage',
  '1.2.840.10008.5.1.4.1.1.7.1': 'Multi-frame Single Bit Secondary Capture Image Storage',
  '1.2.840.10008.5.1.4.1.1.7.2': 'Multi-frame Grayscale Byte Secondary Capture Image Storage',
  '1.2.840.10008.5.1.4.1.1.7.3': 'Multi-frame Grayscale Word Secondary Capture Image Storage',
  '1.2.840.10008.5.1.4.1.1.7.4': 'Multi-frame True Color Secondary Capture Image Storage',
  '1.2.840.10008.5.1.4.1.1.12.1': 'X-Ray Angiographic Image Storage',
  '1.2.840.10008.5.1.4.1.1.12.2': 'X-Ray Radiofluoroscopic Image Storage',
  '1.2.840.10008.5.1.4.1.1.77.1.1': 'VL Endoscopic Image Storage',
  '1.2.840.10008.5.1.4.1.1.77.1.2': 'VL Microscopic Image Storage',
  '1.2.840.10008.5.1.4.1.1.77.1.4': 'VL Photographic Image Storage',
  '1.2.840.10008.5.1.4.1.1.77.1.5.1': 'Ophthalmic Photography 8 Bit Image Storage',
};

/** Objects without pixel data: image compression means nothing for them. */
export const NON_IMAGE_STORAGE_SOP_CLASSES: Readonly<Record<string, string>> = {
  '1.2.840.10008.5.1.4.1.1.104.1': 'Encapsulated PDF Storage',
  '1.2.840.10008.5.1.4.1.1.11.1': 'Grayscale Softcopy Presentation State Storage',
  '1.2.840.10008.5.1.4.1.1.88.59': 'Key Object Selection Document Storage',
};

export const TransferSyntaxUid = {
  ImplicitVrLittleEndian: '1.2.840.10008.1.2',
  ExplicitVrLittleEndian: '1.2.840.10008.1.2.1',
  ExplicitVrBigEndian: '1.2.840.10008.1.2.2',
  DeflatedExplicitVrLittleEndian: '1.2.840.10008.1.2.1.99',
  JpegBaseline: '1.2.840.10008.1.2.4.50',
  JpegExtended: '1.2.840.10008.1.2.4.51',
  JpegLosslessProcess14: '1.2.840.10008.1.2.4.57',
  JpegLosslessSv1: '1.2.840.10008.1.2.4.70',
  JpegLsLossless: '1.2.840.10008.1.2.4.80',
  JpegLsNearLossless: '1.2.840.10008.1.2.4.81',
  Jpeg2000Lossless: '1.2.840.10008.1.2.4.90',
  Jpeg2000: '1.2.840.10008.1.2.4.91',
  RleLossless: '1.2.840.10008.1.2.5',
} as const;

const T = TransferSyntaxUid;

/**
 * Our order of preference when one presentation context proposes several transfer syntaxes. The
 * instance is stored exactly as it arrives, so whatever we pick is what lands on disk:
 *
 * 1. Lossless compressed first: smaller on the wire and on disk, and no pixel changes.
 * 2. Then uncompressed (explicit before implicit: explicit keeps the VR of private elements).
 * 3. Explicit VR Big Endian (retired) only when nothing else is offered: old consoles still send
 *    it; it is stored as sent, the header read through a little endian copy.
 * 4. Lossy compressed last. A context that offers lossy *and* uncompressed usually means the
 *    modality holds an uncompressed image and would compress it only because we asked; choosing
 *    lossy there would throw away diagnostic detail. An image that already is lossy comes in a
 *    context of its own (that is how storescu and most consoles propose), and is accepted as sent.
 */
export const IMAGE_TRANSFER_SYNTAXES: readonly string[] = [
  T.JpegLsLossless,
  T.JpegLosslessSv1,
  T.JpegLosslessProcess14,
  T.Jpeg2000Lossless,
  T.RleLossless,
  T.DeflatedExplicitVrLittleEndian,
  T.ExplicitVrLittleEndian,
  T.ImplicitVrLittleEndian,
  T.ExplicitVrBigEndian,
  T.JpegLsNearLossless,
  T.Jpeg2000,
  T.JpegExtended,
  T.JpegBaseline,
];

export const NON_IMAGE_TRANSFER_SYNTAXES: readonly string[] = [
  T.DeflatedExplicitVrLittleEndian,
  T.ExplicitVrLittleEndian,
  T.ImplicitVrLittleEndian,
  T.ExplicitVrBigEndian,
];

/** Every storage abstract syntax we accept, with its transfer syntaxes in our order. */
export function storageServices(): { abstractSyntaxUid: string; transferSyntaxes: readonly string[] }[] {
  return [
    ...Object.keys(IMAGE_STORAGE_SOP_CLASSES).map((uid) => ({
      abstractSyntaxUid: uid,
      transferSyntaxes: IMAGE_TRANSFER_SYNTAXES,
    })),
    ...Object.keys(NON_IMAGE_STORAGE_SOP_CLASSES).map((uid) => ({
      abstractSyntaxUid: uid,
      transferSyntaxes: NON_IMAGE_TRANSFER_SYNTAXES,
    })),
  ];
}
