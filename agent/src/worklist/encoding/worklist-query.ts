import dimse from 'dcmjs-dimse';
import type { WlItem, WlValue } from '../worklist-attributes.js';
import { queryDecoding, type TextDecode } from '../../dicom/codec/character-sets.js';
import { DatasetFormatError, readDataset, type RawElement } from '../../dicom/codec/dataset-reader.js';
import {
  isGroupLength,
  isPrivateCreator,
  SPECIFIC_CHARACTER_SET_TAG,
  tagInfo,
} from '../../dicom/codec/dicom-tags.js';
import { capturedBytes } from '../../dicom/dimse-adapter.js';
import {
  isTextVr,
  NUMERIC_VR_SIZE,
  trimTextValue,
  usesCharacterSet,
} from '../../dicom/codec/value-representation.js';
import type { CFindRequest } from '../../dicom/dimse-types.js';

const { TransferSyntax } = dimse.constants;

/**
 * One key the query carried. Every requested key comes back in every response — empty when we
 * have no value — including keys we do not know, so the response echoes the query's shape.
 */
export interface RequestedKey {
  tag: number;
  /** From the query when it was explicit VR (unless UN), else our dictionary, dcmjs's, else UN. */
  vr: string;
  keyword?: string;
  /**
   * Sequences only: the keys requested inside its item. Empty when the query sent no item or an
   * empty one — PS3.4 C.2.2.2.6 then asks for the entire sequence, every attribute we hold.
   */
  nested?: RequestedKey[];
  /**
   * Private Creator elements only: the query's value, echoed so the private block it reserves
   * stays identified in the response.
   */
  privateCreator?: string;
}

export interface WorklistQuery {
  /** The identifier's values by keyword; '' for universal keys, items for sequences. */
  keys: WlItem;
  /** Every key the query carried (except (0008,0005) and group lengths), in tag order. */
  requested: RequestedKey[];
  /** (0008,0005) as the query sent it, '' when absent (default repertoire). */
  queryCharacterSet: string;
  /** False when (0008,0005) named a set we cannot decode; text was then read as Latin-1. */
  characterSetKnown: boolean;
  /**
   * True when read from the bytes received. False when they were not captured (see
   * query-bytes-capture.ts) and dcmjs's re-encoding was read: keys dcmjs does not know are then
   * missing, and queryCharacterSet is ISO_IR 192, the set dcmjs re-encodes in.
   */
  fromWireBytes: boolean;
}

/** A query we cannot read; `status` is the C-FIND failure to answer with. */
export class WorklistQueryError extends Error {
  override name = 'WorklistQueryError';
  /** A900: Identifier does not match SOP Class (PS3.4 C.4.1.1.4). */
  readonly status = 0xa900;
}

export function parseWorklistQuery(request: Pick<CFindRequest, 'getDataset'>): WorklistQuery {
  const dataset = request.getDataset();
  if (!dataset) throw new WorklistQueryError('C-FIND request without an identifier');
  const wire = capturedBytes(dataset);
  if (wire) return parseWorklistIdentifier(wire, dataset.getTransferSyntaxUid());
  // dcmjs writes every string as UTF-8 whatever (0008,0005) says (notes, fact 7).
  return readIdentifier(dataset.getDenaturalizedDataset(), dataset.getTransferSyntaxUid(), 'ISO_IR 192');
}

/** The identifier's bytes as received, in the accepted transfer syntax. */
export function parseWorklistIdentifier(bytes: Buffer, transferSyntaxUid: string): WorklistQuery {
  return readIdentifier(bytes, transferSyntaxUid, undefined);
}

/** `reencodedAs`: the bytes are dcmjs's re-encoding, all text in that character set. */
function readIdentifier(
  bytes: Buffer,
  transferSyntaxUid: string,
  reencodedAs: string | undefined,
): WorklistQuery {
  let explicitVr: boolean;
  if (transferSyntaxUid === TransferSyntax.ImplicitVRLittleEndian) explicitVr = false;
  else if (transferSyntaxUid === TransferSyntax.ExplicitVRLittleEndian) explicitVr = true;
  else throw new WorklistQueryError(`unsupported transfer syntax for a query: ${transferSyntaxUid}`);

  let elements: RawElement[];
  try {
    elements = readDataset(bytes, explicitVr, (tag) => tagInfo(tag)?.vr === 'SQ');
  } catch (err) {
    if (err instanceof DatasetFormatError)
      throw new WorklistQueryError(`malformed identifier: ${err.message}`);
    throw err;
  }
  const charsetElement = elements.find((e) => e.tag === SPECIFIC_CHARACTER_SET_TAG);
  const stated = charsetElement ? trimTextValue('CS', charsetElement.value.toString('latin1')) : '';
  const queryCharacterSet = reencodedAs ?? stated;
  const { decode, known } = queryDecoding(queryCharacterSet);
  const { keys, requested } = readItem(elements, decode);
  return {
    keys,
    requested,
    queryCharacterSet,
    characterSetKnown: known,
    fromWireBytes: reencodedAs === undefined,
  };
}

function readItem(
  elements: readonly RawElement[],
  decode: TextDecode,
): { keys: WlItem; requested: RequestedKey[] } {
  const keys: WlItem = {};
  const byTag = new Map<number, RequestedKey>();
  const sorted = [...elements].sort((a, b) => a.tag - b.tag);
  for (const element of sorted) {
    const { tag } = element;
    if (isGroupLength(tag) || tag === SPECIFIC_CHARACTER_SET_TAG || byTag.has(tag)) continue;
    const info = tagInfo(tag);
    const key: RequestedKey = { tag, vr: resolveVr(element, info?.vr) };
    if (info) key.keyword = info.keyword;
    let value: WlValue | undefined;
    if (element.items) {
      const items = element.items.map((item) => readItem(item, decode));
      key.nested = mergeRequested(items.map((i) => i.requested));
      value = items.map((i) => i.keys);
    } else {
      value = decodeValue(key.vr, element.value, decode);
      if (isPrivateCreator(tag) && value !== undefined) key.privateCreator = value;
    }
    byTag.set(tag, key);
    if (info && value !== undefined) keys[info.keyword] = value;
  }
  return { keys, requested: [...byTag.values()] };
}

function resolveVr(element: RawElement, dictionaryVr: string | undefined): string {
  if (element.wireVr !== undefined && element.wireVr !== 'UN') return element.wireVr;
  if (element.items) return 'SQ';
  if (dictionaryVr !== undefined && dictionaryVr !== 'UN') return dictionaryVr;
  if (isPrivateCreator(element.tag)) return 'LO';
  return 'UN';
}

/** Union of the keys requested in several items (a well-formed query has at most one). */
function mergeRequested(lists: readonly RequestedKey[][]): RequestedKey[] {
  const byTag = new Map<number, RequestedKey>();
  for (const list of lists) {
    for (const key of list) {
      const seen = byTag.get(key.tag);
      if (!seen) byTag.set(key.tag, key);
      else if (seen.nested && key.nested) {
        byTag.set(key.tag, { ...seen, nested: mergeRequested([seen.nested, key.nested]) });
      }
    }
  }
  return [...byTag.values()].sort((a, b) => a.tag - b.tag);
}

/**
 * A value as the model keeps it: text without its padding, numbers in decimal, `\` between
 * values. Undefined for opaque bytes (OB, UN…) we cannot interpret — those keys are still
 * requested and returned, just not matchable.
 */
function decodeValue(vr: string, bytes: Buffer, decode: TextDecode): string | undefined {
  if (bytes.length === 0) return '';
  if (isTextVr(vr)) {
    const text = usesCharacterSet(vr) ? decode(bytes) : bytes.toString('latin1');
    return trimTextValue(vr, text);
  }
  if (vr === 'AT') {
    if (bytes.length % 4 !== 0) return undefined;
    const tags: string[] = [];
    for (let i = 0; i < bytes.length; i += 4) {
      const tag = ((bytes.readUInt16LE(i) << 16) | bytes.readUInt16LE(i + 2)) >>> 0;
      tags.push(tag.toString(16).toUpperCase().padStart(8, '0'));
    }
    return tags.join('\\');
  }
  const size = NUMERIC_VR_SIZE[vr];
  if (size === undefined || bytes.length % size !== 0) return undefined;
  const values: string[] = [];
  for (let i = 0; i < bytes.length; i += size) values.push(readNumber(vr, bytes, i));
  return values.join('\\');
}

function readNumber(vr: string, bytes: Buffer, at: number): string {
  switch (vr) {
    case 'US':
      return String(bytes.readUInt16LE(at));
    case 'SS':
      return String(bytes.readInt16LE(at));
    case 'UL':
      return String(bytes.readUInt32LE(at));
    case 'SL':
      return String(bytes.readInt32LE(at));
    case 'FL':
      return String(bytes.readFloatLE(at));
    case 'FD':
      return String(bytes.readDoubleLE(at));
    case 'SV':
      return String(bytes.readBigInt64LE(at));
    default:
      return String(bytes.readBigUInt64LE(at));
  }
}
