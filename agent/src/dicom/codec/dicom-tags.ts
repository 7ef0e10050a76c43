import { createRequire } from 'node:module';
import { isVrCode } from './value-representation.js';

/**
 * Tag ↔ keyword ↔ VR for the worklist encoder, the query reader and the image reader: dcmjs's
 * full dictionary of standard attributes. The worklist's own attributes agree with it entry for
 * entry (`worklist/worklist-attributes.test.ts`).
 */
export interface TagInfo {
  tag: number;
  vr: string;
  keyword: string;
}

/** The slice of dcmjs's (untyped) dictionary this module reads. */
interface DcmjsDictionaryEntry {
  tag: string; // "(0010,0010)"
  vr: string; // a VR code, or dcmjs's placeholders for data-dependent VRs ("ox", "xs", "up", …)
  name: string;
}
interface DcmjsModule {
  data: { DicomMetaDictionary: { nameMap: Record<string, DcmjsDictionaryEntry | undefined> } };
}

// dcmjs ships no type declarations; loading it through require keeps the untyped value confined
// to this narrow, commented cast instead of an ambient module declaration for the whole project.
// It also resolves to the same CommonJS copy dcmjs-dimse loads.
const dcmjs = createRequire(import.meta.url)('dcmjs') as DcmjsModule;

const byTag = new Map<number, TagInfo>();
const byKeyword = new Map<string, TagInfo>();
let dcmjsLoaded = false;

/** dcmjs's dictionary is indexed on first use: ~5,000 entries, a few milliseconds, once. */
function loadDcmjsDictionary(): void {
  if (dcmjsLoaded) return;
  dcmjsLoaded = true;
  for (const entry of Object.values(dcmjs.data.DicomMetaDictionary.nameMap)) {
    if (!entry) continue;
    const m = /^\(([0-9A-F]{4}),([0-9A-F]{4})\)$/i.exec(entry.tag);
    if (!m?.[1] || !m[2]) continue; // repeating groups such as (60xx,3000)
    const tag = ((parseInt(m[1], 16) << 16) | parseInt(m[2], 16)) >>> 0;
    const info = { tag, vr: normaliseDcmjsVr(entry.vr), keyword: entry.name };
    if (!byTag.has(tag)) byTag.set(tag, info);
    if (!byKeyword.has(entry.name)) byKeyword.set(entry.name, info);
  }
}

/**
 * dcmjs marks data-dependent VRs with lower-case placeholders; pick the form a worklist would
 * use, and UN where the dictionary cannot tell.
 */
function normaliseDcmjsVr(vr: string): string {
  if (isVrCode(vr)) return vr;
  if (vr === 'up') return 'UL';
  if (vr === 'xs') return 'US';
  return 'UN';
}

export function tagInfo(tag: number): TagInfo | undefined {
  loadDcmjsDictionary();
  return byTag.get(tag);
}

export function keywordInfo(keyword: string): TagInfo | undefined {
  loadDcmjsDictionary();
  return byKeyword.get(keyword);
}

/** Private Creator elements (gggg,0010-00FF) in odd groups: always LO (PS3.5 7.8.1). */
export function isPrivateCreator(tag: number): boolean {
  const group = tag >>> 16;
  const element = tag & 0xffff;
  return (group & 1) === 1 && element >= 0x0010 && element <= 0x00ff;
}

/** Group length elements (gggg,0000): retired in data sets, never echoed back. */
export function isGroupLength(tag: number): boolean {
  return (tag & 0xffff) === 0;
}

export function formatTag(tag: number): string {
  const hex = tag.toString(16).toUpperCase().padStart(8, '0');
  return `(${hex.slice(0, 4)},${hex.slice(4)})`;
}

export const SPECIFIC_CHARACTER_SET_TAG = 0x00080005;
