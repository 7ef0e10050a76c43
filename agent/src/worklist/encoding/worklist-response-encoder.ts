import type { WlItem, WlValue } from '../worklist-attributes.js';
import { DatasetWriter } from '../../dicom/codec/dataset-writer.js';
import {
  formatTag,
  isGroupLength,
  keywordInfo,
  SPECIFIC_CHARACTER_SET_TAG,
} from '../../dicom/codec/dicom-tags.js';
import { toLatin1 } from '../../dicom/codec/latin1-transliteration.js';
import type { RequestedKey } from './worklist-query.js';
import { NUMERIC_VR_SIZE, vrTraits } from '../../dicom/codec/value-representation.js';

/**
 * C-FIND response data sets for worklist items, encoded directly to bytes: exactly the requested
 * keys in tag order, (0008,0005) stating the response's own character set, values from the item
 * (empty when it has none). Encodings are cached per item, so answering the same query shape
 * again — a modality polling its worklist — costs a lookup per item.
 */

export type ResponseCharacterSet = 'ISO_IR 192' | 'ISO_IR 100';

export interface ResponseEncodingOptions {
  /** From the accepted transfer syntax: Explicit or Implicit VR Little Endian. */
  explicitVr: boolean;
  characterSet: ResponseCharacterSet;
  /**
   * The item's revision. A cached encoding made for another revision is discarded, so an item
   * changed in place is not answered stale.
   */
  revision?: number;
  /**
   * What the cache is keyed on; default the item object. Pass a longer-lived object when `item`
   * is derived per query (e.g. a copy with the caller's station filled in), with `variant`
   * telling such derivations apart (e.g. the calling AE title).
   */
  cacheKey?: object;
  variant?: string;
  /** Default true; false encodes afresh and caches nothing (benchmarks, one-off items). */
  cache?: boolean;
}

/** A value written differently than it is held, because Latin-1 could not represent it. */
export interface Transliteration {
  /** Where: the keyword (or tag), with `[i].` steps into sequence items. */
  path: string;
  original: string;
  written: string;
}

export interface EncodedResponse {
  /** The data set, ready to send as a pending C-FIND response's identifier. */
  bytes: Buffer;
  /** Values that had characters outside Latin-1 (ISO_IR 100 only); empty otherwise. */
  transliterated: readonly Transliteration[];
}

/** How many query shapes' encodings one item keeps; modalities poll with one or two shapes. */
const SHAPES_PER_ITEM = 4;

interface ItemCache {
  revision: number | undefined;
  byShape: Map<number, EncodedResponse>;
}

const itemCaches = new WeakMap<object, ItemCache>();

export function encodeWorklistResponse(
  requested: readonly RequestedKey[],
  item: WlItem,
  opts: ResponseEncodingOptions,
): EncodedResponse {
  if (opts.cache === false) return encodeFresh(requested, item, opts);
  const shape = shapeId(requested, opts);
  const key = opts.cacheKey ?? item;
  let entry = itemCaches.get(key);
  if (!entry || entry.revision !== opts.revision) {
    entry = { revision: opts.revision, byShape: new Map() };
    itemCaches.set(key, entry);
  }
  const cached = entry.byShape.get(shape);
  if (cached) return cached;
  const encoded = encodeFresh(requested, item, opts);
  if (entry.byShape.size >= SHAPES_PER_ITEM) {
    const oldest = entry.byShape.keys().next();
    if (!oldest.done) entry.byShape.delete(oldest.value);
  }
  entry.byShape.set(shape, encoded);
  return encoded;
}

/**
 * A small number standing for "this requested-key list, in this mode": equal lists from
 * different queries get the same number, and it is computed once per list object — the parsed
 * query is shared by every item of a C-FIND and must not be changed after parsing.
 */
const shapeIds = new Map<string, number>();
const shapeIdsByList = new WeakMap<readonly RequestedKey[], Map<string, number>>();

function shapeId(requested: readonly RequestedKey[], opts: ResponseEncodingOptions): number {
  const mode = `${opts.characterSet}|${opts.explicitVr ? 'E' : 'I'}|${opts.variant ?? ''}`;
  let byMode = shapeIdsByList.get(requested);
  if (!byMode) {
    byMode = new Map();
    shapeIdsByList.set(requested, byMode);
  }
  let id = byMode.get(mode);
  if (id === undefined) {
    const signature = `${mode}|${requested.map(keySignature).join(',')}`;
    id = shapeIds.get(signature);
    if (id === undefined) {
      id = shapeIds.size;
      shapeIds.set(signature, id);
    }
    byMode.set(mode, id);
  }
  return id;
}

function keySignature(key: RequestedKey): string {
  let s = `${key.tag.toString(16)}:${key.vr}:${key.keyword ?? ''}`;
  if (key.privateCreator !== undefined) s += `=${JSON.stringify(key.privateCreator)}`;
  if (key.nested) s += `[${key.nested.map(keySignature).join(',')}]`;
  return s;
}

function encodeFresh(
  requested: readonly RequestedKey[],
  item: WlItem,
  opts: ResponseEncodingOptions,
): EncodedResponse {
  const writer = new DatasetWriter(opts.explicitVr);
  try {
    const encoder = new ItemEncoder(writer, opts.characterSet === 'ISO_IR 100');
    let charsetWritten = false;
    for (const key of sortedByTag(requested)) {
      if (key.tag === SPECIFIC_CHARACTER_SET_TAG || isGroupLength(key.tag)) continue;
      if (!charsetWritten && key.tag > SPECIFIC_CHARACTER_SET_TAG) {
        writer.text(SPECIFIC_CHARACTER_SET_TAG, 'CS', opts.characterSet, 'latin1', 0x20);
        charsetWritten = true;
      }
      encoder.element(key, item, undefined);
    }
    if (!charsetWritten) writer.text(SPECIFIC_CHARACTER_SET_TAG, 'CS', opts.characterSet, 'latin1', 0x20);
    return { bytes: writer.finish(), transliterated: encoder.transliterated };
  } finally {
    writer.release();
  }
}

function sortedByTag(keys: readonly RequestedKey[]): readonly RequestedKey[] {
  for (let i = 1; i < keys.length; i++) {
    if (keys[i - 1]!.tag > keys[i]!.tag) return [...keys].sort((a, b) => a.tag - b.tag);
  }
  return keys;
}

/** Where in the data set an item is, kept as links and turned into text only when reported. */
interface ItemPath {
  up: ItemPath | undefined;
  sequence: string;
  index: number;
}

class ItemEncoder {
  readonly transliterated: Transliteration[] = [];
  private readonly encoding: 'utf8' | 'latin1';

  constructor(
    private readonly writer: DatasetWriter,
    private readonly latin1: boolean,
  ) {
    this.encoding = latin1 ? 'latin1' : 'utf8';
  }

  element(key: RequestedKey, item: WlItem, at: ItemPath | undefined): void {
    const value: WlValue | undefined = key.keyword === undefined ? undefined : item[key.keyword];
    const traits = vrTraits(key.vr);
    if (key.vr === 'SQ' || key.nested) {
      this.sequence(key, value, at);
      return;
    }
    if (typeof value !== 'string') {
      // No value in the model: empty, except a Private Creator, which names its block.
      if (key.privateCreator !== undefined) this.text(key, key.privateCreator, traits.pad, at);
      else this.writer.bytes(key.tag, key.vr, EMPTY);
      return;
    }
    if (traits.text) this.text(key, value, traits.pad, at);
    else this.writer.bytes(key.tag, key.vr, numericBytes(key.vr, value));
  }

  private text(key: RequestedKey, value: string, pad: number, at: ItemPath | undefined): void {
    let written = value;
    if (this.latin1) {
      written = toLatin1(value);
      if (written !== value) this.transliterated.push({ path: pathText(key, at), original: value, written });
    }
    this.writer.text(key.tag, key.vr, written, this.encoding, pad);
  }

  private sequence(key: RequestedKey, value: WlValue | undefined, at: ItemPath | undefined): void {
    const sequence = this.writer.beginSequence(key.tag);
    if (Array.isArray(value)) {
      const nested = key.nested && key.nested.length > 0 ? sortedByTag(key.nested) : undefined;
      const name = keyName(key);
      for (let index = 0; index < value.length; index++) {
        const child = value[index]!;
        const path: ItemPath = { up: at, sequence: name, index };
        const item = this.writer.beginItem();
        for (const k of nested ?? everyKeyOf(child)) {
          if (k.tag === SPECIFIC_CHARACTER_SET_TAG || isGroupLength(k.tag)) continue;
          this.element(k, child, path);
        }
        this.writer.endItem(item);
      }
    }
    this.writer.endSequence(sequence);
  }
}

function keyName(key: RequestedKey): string {
  return key.keyword ?? formatTag(key.tag);
}

function pathText(key: RequestedKey, at: ItemPath | undefined): string {
  let text = keyName(key);
  for (let step = at; step; step = step.up) text = `${step.sequence}[${step.index}].${text}`;
  return text;
}

/**
 * For a sequence requested whole (no item keys, PS3.4 C.2.2.2.6): every attribute the item holds
 * that a dictionary can place, nested sequences whole as well. Items of one sequence usually
 * hold the same keywords, so the list is cached by them.
 */
const everyKeyCache = new Map<string, RequestedKey[]>();

function everyKeyOf(item: WlItem): RequestedKey[] {
  const keywords = Object.keys(item);
  const cacheKey = keywords.join(',');
  const cached = everyKeyCache.get(cacheKey);
  if (cached) return cached;
  const keys: RequestedKey[] = [];
  for (const keyword of keywords) {
    const info = keywordInfo(keyword);
    if (!info) continue;
    const key: RequestedKey = { tag: info.tag, vr: info.vr, keyword };
    if (info.vr === 'SQ') key.nested = [];
    keys.push(key);
  }
  keys.sort((a, b) => a.tag - b.tag);
  if (everyKeyCache.size < 1000) everyKeyCache.set(cacheKey, keys);
  return keys;
}

/** Binary numbers from the model's decimal strings; empty when any value does not parse. */
function numericBytes(vr: string, value: string): Buffer {
  const size = NUMERIC_VR_SIZE[vr];
  if (size === undefined || value.trim() === '') return EMPTY;
  const parts = value.split('\\');
  const out = Buffer.alloc(parts.length * size);
  try {
    parts.forEach((part, i) => {
      writeNumber(vr, out, i * size, part.trim());
    });
  } catch {
    return EMPTY;
  }
  return out;
}

function writeNumber(vr: string, out: Buffer, at: number, text: string): void {
  if (vr === 'SV') {
    out.writeBigInt64LE(BigInt(text), at);
    return;
  }
  if (vr === 'UV') {
    out.writeBigUInt64LE(BigInt(text), at);
    return;
  }
  const n = Number(text);
  if (text === '' || !Number.isFinite(n)) throw new RangeError(`not a number: ${text}`);
  switch (vr) {
    case 'US':
      out.writeUInt16LE(n, at);
      return;
    case 'SS':
      out.writeInt16LE(n, at);
      return;
    case 'UL':
      out.writeUInt32LE(n, at);
      return;
    case 'SL':
      out.writeInt32LE(n, at);
      return;
    case 'FL':
      out.writeFloatLE(n, at);
      return;
    default:
      out.writeDoubleLE(n, at);
  }
}

const EMPTY = Buffer.alloc(0);
