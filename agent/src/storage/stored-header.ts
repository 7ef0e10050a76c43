import { readInstanceHeader, type InstanceHeader } from './instance-header.js';
import {
  bigEndianHeadersAsLittle,
  EXPLICIT_VR_BIG_ENDIAN,
  EXPLICIT_VR_LITTLE_ENDIAN,
} from './big-endian-prefix.js';

/**
 * The header of a data set in any transfer syntax the agent stores. The header reader speaks
 * little endian; a big endian instance is read through a converted copy of its prefix.
 */
export function readStoredHeader(prefix: Buffer, transferSyntaxUid: string): InstanceHeader {
  if (transferSyntaxUid !== EXPLICIT_VR_BIG_ENDIAN) return readInstanceHeader(prefix, transferSyntaxUid);
  return readInstanceHeader(bigEndianHeadersAsLittle(prefix), EXPLICIT_VR_LITTLE_ENDIAN);
}
