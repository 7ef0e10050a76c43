/**
 * Decoding a query's text by its own Specific Character Set (0008,0005), as PS3.5 6.1 and the
 * notes require. The defined terms map to the WHATWG decoders Node ships (the same mapping dcmjs
 * uses). ISO 2022 code extensions are honoured as far as those decoders go: Japanese escapes via
 * iso-2022-jp; for the other combinations the first (single-byte) set decodes the value, as in dcmjs.
 */

export type TextDecode = (bytes: Uint8Array) => string;

const LATIN1: TextDecode = (bytes) =>
  Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('latin1');

const DECODER_LABELS: Readonly<Record<string, string>> = {
  'ISO_IR 6': 'latin1',
  'ISO_IR 100': 'latin1',
  'ISO_IR 101': 'iso-8859-2',
  'ISO_IR 109': 'iso-8859-3',
  'ISO_IR 110': 'iso-8859-4',
  'ISO_IR 144': 'iso-8859-5',
  'ISO_IR 127': 'iso-8859-6',
  'ISO_IR 126': 'iso-8859-7',
  'ISO_IR 138': 'iso-8859-8',
  'ISO_IR 148': 'iso-8859-9',
  'ISO_IR 203': 'iso-8859-15',
  'ISO_IR 13': 'shift_jis',
  'ISO_IR 166': 'tis-620',
  'ISO_IR 192': 'utf-8',
  GB18030: 'gb18030',
  GBK: 'gbk',
  'ISO 2022 IR 6': 'latin1',
  'ISO 2022 IR 100': 'latin1',
  'ISO 2022 IR 101': 'iso-8859-2',
  'ISO 2022 IR 109': 'iso-8859-3',
  'ISO 2022 IR 110': 'iso-8859-4',
  'ISO 2022 IR 144': 'iso-8859-5',
  'ISO 2022 IR 127': 'iso-8859-6',
  'ISO 2022 IR 126': 'iso-8859-7',
  'ISO 2022 IR 138': 'iso-8859-8',
  'ISO 2022 IR 148': 'iso-8859-9',
  'ISO 2022 IR 203': 'iso-8859-15',
  'ISO 2022 IR 13': 'shift_jis',
  'ISO 2022 IR 166': 'tis-620',
  'ISO 2022 IR 87': 'iso-2022-jp',
  'ISO 2022 IR 159': 'iso-2022-jp',
  'ISO 2022 IR 149': 'euc-kr',
  'ISO 2022 IR 58': 'gb2312',
};

export interface QueryDecoding {
  decode: TextDecode;
  /** False when (0008,0005) named a set we do not know: text was read as Latin-1 instead. */
  known: boolean;
}

/**
 * `specificCharacterSet` is the raw value of (0008,0005), backslash-separated, possibly padded;
 * absent or empty means the default repertoire. Bytes beyond ASCII in a default-repertoire query
 * are read as Latin-1 (as dcmjs does) rather than rejected: sloppy consoles send them.
 */
export function queryDecoding(specificCharacterSet: string): QueryDecoding {
  const terms = specificCharacterSet.split('\\').map((t) => t.trim());
  const first = terms[0] ?? '';
  if (first === '' && terms.length === 1) return { decode: LATIN1, known: true };
  // With code extensions the first value may be empty (default repertoire for the G0 set).
  const japanese = terms.find((t) => t === 'ISO 2022 IR 87' || t === 'ISO 2022 IR 159');
  const term = japanese ?? (first === '' ? terms.find((t) => t !== '') : first) ?? '';
  const label = DECODER_LABELS[term];
  if (!label) return { decode: LATIN1, known: false };
  if (label === 'latin1') return { decode: LATIN1, known: true };
  const decoder = new TextDecoder(label);
  return { decode: (bytes) => decoder.decode(bytes), known: true };
}
