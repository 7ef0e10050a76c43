import { AGENT_VERSION } from '../agent-version.js';

/**
 * The agent's own DICOM implementation identity, written into every file it stores (PS3.7 D.3.3.2):
 * a fixed UID under the 2.25 root, and a version name that says which release wrote the file.
 */
export const IMPLEMENTATION_CLASS_UID = '2.25.21904746740459562335476533455232279053';
export const IMPLEMENTATION_VERSION_NAME = `LIGHTBOX_${AGENT_VERSION}`.slice(0, 16);

export interface FileMetaInformation {
  mediaStorageSopClassUid: string;
  mediaStorageSopInstanceUid: string;
  transferSyntaxUid: string;
  /** The calling AE title of the modality that sent it, as DCMTK's storescp records it. */
  sourceAeTitle?: string;
}

/**
 * The 128-byte preamble, "DICM" and the File Meta Information group (always explicit VR little
 * endian, PS3.10 7.1) for a data set that follows byte for byte as it was received. Nothing of the
 * data set is read or rewritten here: the transfer syntax is the one the association accepted.
 */
export function part10Header(meta: FileMetaInformation): Buffer {
  const elements = [
    element(0x0001, 'OB', Buffer.from([0x00, 0x01])),
    element(0x0002, 'UI', uiValue(meta.mediaStorageSopClassUid)),
    element(0x0003, 'UI', uiValue(meta.mediaStorageSopInstanceUid)),
    element(0x0010, 'UI', uiValue(meta.transferSyntaxUid)),
    element(0x0012, 'UI', uiValue(IMPLEMENTATION_CLASS_UID)),
    element(0x0013, 'SH', textValue(IMPLEMENTATION_VERSION_NAME)),
  ];
  const source = meta.sourceAeTitle?.trim();
  if (source) elements.push(element(0x0016, 'AE', textValue(source.slice(0, 16))));
  const body = Buffer.concat(elements);
  const groupLength = Buffer.alloc(12);
  groupLength.writeUInt16LE(0x0002, 0);
  groupLength.writeUInt16LE(0x0000, 2);
  groupLength.write('UL', 4, 'latin1');
  groupLength.writeUInt16LE(4, 6);
  groupLength.writeUInt32LE(body.length, 8);
  const preamble = Buffer.alloc(132);
  preamble.write('DICM', 128, 'latin1');
  return Buffer.concat([preamble, groupLength, body]);
}

function element(elementNumber: number, vr: 'OB' | 'UI' | 'SH' | 'AE', value: Buffer): Buffer {
  if (vr === 'OB') {
    const head = Buffer.alloc(12);
    head.writeUInt16LE(0x0002, 0);
    head.writeUInt16LE(elementNumber, 2);
    head.write(vr, 4, 'latin1');
    head.writeUInt32LE(value.length, 8);
    return Buffer.concat([head, value]);
  }
  const head = Buffer.alloc(8);
  head.writeUInt16LE(0x0002, 0);
  head.writeUInt16LE(elementNumber, 2);
  head.write(vr, 4, 'latin1');
  head.writeUInt16LE(value.length, 6);
  return Buffer.concat([head, value]);
}

/** UI values are padded to an even length with NUL. */
function uiValue(uid: string): Buffer {
  const bytes = Buffer.from(uid, 'latin1');
  return bytes.length % 2 === 0 ? bytes : Buffer.concat([bytes, Buffer.from([0])]);
}

/** Text values are padded to an even length with a space. */
function textValue(text: string): Buffer {
  const bytes = Buffer.from(text, 'latin1');
  return bytes.length % 2 === 0 ? bytes : Buffer.concat([bytes, Buffer.from(' ')]);
}
