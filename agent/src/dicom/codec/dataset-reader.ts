import { formatTag } from './dicom-tags.js';
import {
  isItemOrDelimiter,
  ITEM,
  ITEM_DELIMITER,
  readElementHeader,
  SEQUENCE_DELIMITER,
  tagAt,
  UNDEFINED_LENGTH,
} from './element-header.js';
import { isVrCode } from './value-representation.js';

/**
 * A minimal reader for Little Endian data sets (implicit or explicit VR), enough for a C-FIND
 * identifier: tags, the VR as sent, raw values, sequences of items. It exists because dcmjs's
 * naturalised view of a query loses what the response must echo — the VR of unknown keys in
 * explicit VR, and the query's own Specific Character Set, which dcmjs rewrites to ISO_IR 192.
 */
export interface RawElement {
  tag: number;
  /** The VR on the wire; undefined in implicit VR. */
  wireVr: string | undefined;
  /** The value bytes; empty for sequences. */
  value: Buffer;
  /** Present when the element is a sequence: the elements of each item. */
  items?: RawElement[][];
}

export class DatasetFormatError extends Error {
  override name = 'DatasetFormatError';
}

/**
 * `isSequence` tells the reader, for an element whose VR it cannot see (implicit VR, or UN in
 * explicit VR), whether the dictionary says it is a sequence.
 */
export function readDataset(
  bytes: Buffer,
  explicitVr: boolean,
  isSequence: (tag: number) => boolean,
): RawElement[] {
  const reader = new Reader(bytes, isSequence);
  return reader.readElements(0, bytes.length, explicitVr, false).elements;
}

class Reader {
  constructor(
    private readonly bytes: Buffer,
    private readonly isSequence: (tag: number) => boolean,
  ) {}

  /** Elements from `start` up to `end`, or up to an item delimiter when `untilDelimiter`. */
  readElements(
    start: number,
    end: number,
    explicitVr: boolean,
    untilDelimiter: boolean,
  ): { elements: RawElement[]; next: number } {
    const elements: RawElement[] = [];
    let pos = start;
    while (pos < end) {
      this.need(pos, 8, end);
      const tag = tagAt(this.bytes, pos);
      if (tag === ITEM_DELIMITER) {
        if (!untilDelimiter) throw new DatasetFormatError(`unexpected item delimiter at ${pos}`);
        return { elements, next: pos + 8 };
      }
      if (isItemOrDelimiter(tag)) throw new DatasetFormatError(`unexpected ${formatTag(tag)} at ${pos}`);
      const parsed = this.readElement(pos, end, explicitVr);
      elements.push(parsed.element);
      pos = parsed.next;
    }
    if (untilDelimiter) throw new DatasetFormatError('item without its delimiter');
    return { elements, next: pos };
  }

  private readElement(pos: number, end: number, explicitVr: boolean): { element: RawElement; next: number } {
    const header = readElementHeader(this.bytes, pos, explicitVr, end);
    if (!header) throw new DatasetFormatError(`truncated data set at ${pos}`);
    const { tag, vr: wireVr, length, valueStart } = header;
    if (wireVr !== undefined && !isVrCode(wireVr)) {
      throw new DatasetFormatError(`bad VR "${wireVr}" for ${formatTag(tag)}`);
    }
    // A sequence: declared SQ; or a VR we cannot see (implicit, UN) that the dictionary calls a
    // sequence or whose length is undefined (PS3.5 6.2.2: UN of undefined length is an implicit
    // VR sequence).
    const hidden = wireVr === undefined || wireVr === 'UN';
    if (wireVr === 'SQ' || (hidden && (length === UNDEFINED_LENGTH || this.isSequence(tag)))) {
      const itemsExplicit = wireVr === 'SQ' ? explicitVr : false;
      const parsed = this.readItems(valueStart, length, end, itemsExplicit);
      return { element: { tag, wireVr, value: EMPTY, items: parsed.items }, next: parsed.next };
    }
    if (length === UNDEFINED_LENGTH) {
      throw new DatasetFormatError(`undefined length for non-sequence ${formatTag(tag)}`);
    }
    this.need(valueStart, length, end);
    return {
      element: { tag, wireVr, value: this.bytes.subarray(valueStart, valueStart + length) },
      next: valueStart + length,
    };
  }

  private readItems(
    start: number,
    length: number,
    end: number,
    explicitVr: boolean,
  ): { items: RawElement[][]; next: number } {
    const items: RawElement[][] = [];
    const undefinedLength = length === UNDEFINED_LENGTH;
    const seqEnd = undefinedLength ? end : start + length;
    if (seqEnd > end) throw new DatasetFormatError(`sequence runs past its container at ${start}`);
    let pos = start;
    while (pos < seqEnd) {
      this.need(pos, 8, seqEnd);
      const tag = tagAt(this.bytes, pos);
      const itemLength = this.bytes.readUInt32LE(pos + 4);
      if (tag === SEQUENCE_DELIMITER) {
        if (!undefinedLength) throw new DatasetFormatError(`sequence delimiter in a defined-length sequence`);
        return { items, next: pos + 8 };
      }
      if (tag !== ITEM) throw new DatasetFormatError(`expected an item, found ${formatTag(tag)} at ${pos}`);
      if (itemLength === UNDEFINED_LENGTH) {
        const parsed = this.readElements(pos + 8, seqEnd, explicitVr, true);
        items.push(parsed.elements);
        pos = parsed.next;
      } else {
        this.need(pos + 8, itemLength, seqEnd);
        items.push(this.readElements(pos + 8, pos + 8 + itemLength, explicitVr, false).elements);
        pos += 8 + itemLength;
      }
    }
    if (undefinedLength) throw new DatasetFormatError('sequence without its delimiter');
    return { items, next: pos };
  }

  private need(pos: number, count: number, end: number): void {
    if (pos + count > end) throw new DatasetFormatError(`truncated data set at ${pos}`);
  }
}

const EMPTY = Buffer.alloc(0);
