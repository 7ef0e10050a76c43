import { Hl7Context, Hl7Message, type Hl7Field, type Hl7Segment } from '@medplum/core';
import iconv from 'iconv-lite';
import { hl7Problem, type Hl7Problem } from './hl7-problem.js';

export { Hl7Message };

/** HL7 table 0211 (MSH-18) names this connector reads and writes, and how the bytes are decoded. */
const charsets: Record<string, string> = {
  ASCII: 'ascii',
  '8859/1': 'latin1',
  '8859/2': 'iso-8859-2',
  '8859/5': 'iso-8859-5',
  '8859/7': 'iso-8859-7',
  '8859/9': 'iso-8859-9',
  '8859/15': 'iso-8859-15',
  'UNICODE UTF-8': 'utf-8',
};

export type DefaultCharset = 'UNICODE UTF-8' | '8859/1';

export interface DecodedMessage {
  message: Hl7Message;
  /** The MSH-18 name the message was read in; its answer is written in the same. */
  charset: string;
}

/** What can be read of a frame that could not be decoded, to answer it by its control id. */
export interface RefusedFrame {
  problem: Hl7Problem;
  header: Hl7Message | null;
  charset: string;
}

/**
 * Bytes of one frame → a parsed message, read in the character set its MSH-18 names (or the
 * connector's default when it names none). Every way it can be wrong is a problem naming MSH's field.
 */
export function decodeHl7(
  bytes: Buffer,
  defaultCharset: DefaultCharset,
): { ok: true; decoded: DecodedMessage } | ({ ok: false } & RefusedFrame) {
  // The header line is ASCII in every character set read here, so it can be split before decoding.
  const lineEnd = bytes.findIndex((b) => b === 0x0d || b === 0x0a);
  const headerLine = bytes.subarray(0, lineEnd < 0 ? bytes.length : lineEnd).toString('latin1');
  const refuse = (problem: Hl7Problem, charset = defaultCharset) => ({
    ok: false as const,
    problem,
    header: headerOnly(headerLine),
    charset,
  });
  if (!headerLine.startsWith('MSH') || headerLine.length < 8) {
    return refuse(
      hl7Problem('AR', 100, 'the message does not begin with an MSH segment', { segment: 'MSH' }),
    );
  }
  const encodingProblem = checkEncodingCharacters(headerLine);
  if (encodingProblem) return refuse(encodingProblem);
  const fields = headerLine.split(headerLine.charAt(3));
  const declared = (fields[17] ?? '').split(headerLine.charAt(4))[0]!.split(headerLine.charAt(5))[0]!.trim();
  const charset = declared === '' ? defaultCharset : declared;
  const encoding = charsets[charset];
  if (!encoding) {
    return refuse(
      hl7Problem('AR', 103, `character set ${JSON.stringify(declared)} is not supported`, {
        segment: 'MSH',
        field: 18,
      }),
    );
  }
  let text: string;
  if (encoding === 'utf-8' || encoding === 'ascii') {
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    } catch {
      return refuse(
        hl7Problem(
          'AR',
          102,
          declared === ''
            ? `the message is not UTF-8; name its character set in MSH-18 (for example 8859/1)`
            : `the message is not valid ${charset}`,
          { segment: 'MSH', field: 18 },
        ),
        charset as DefaultCharset,
      );
    }
  } else {
    text = iconv.decode(bytes, encoding);
  }
  // Segments end with <CR>; senders that end them with <CR><LF> or <LF> are read the same way.
  const message = Hl7Message.parse(text.replace(/\r\n|\n/g, '\r').replace(/\r+$/, ''));
  return { ok: true, decoded: { message, charset } };
}

/** A message as bytes in the named MSH-18 character set; characters it cannot hold become `?`. */
export function encodeHl7(message: Hl7Message, charset: string): Buffer {
  return iconv.encode(message.toString(), charsets[charset] ?? 'utf-8');
}

/** MSH-1 and MSH-2: five distinct separators, none a letter, digit or space. */
function checkEncodingCharacters(headerLine: string): Hl7Problem | null {
  const chars = headerLine.slice(3, 8);
  const msh2End = headerLine.indexOf(chars[0]!, 4);
  const msh2 = headerLine.slice(4, msh2End < 0 ? undefined : msh2End);
  const wrong =
    new Set(chars).size !== 5 ||
    /[A-Za-z0-9\s]/.test(chars) ||
    (msh2.length !== 4 && msh2.length !== 5) ||
    msh2.slice(0, 4) !== chars.slice(1);
  if (!wrong) return null;
  return hl7Problem(
    'AR',
    102,
    `MSH-1 and MSH-2 must be five distinct separators, got ${JSON.stringify(chars)}`,
    {
      segment: 'MSH',
      field: 2,
    },
  );
}

/** Just the header, parsed on its own, to answer a message that cannot be read further. */
function headerOnly(headerLine: string): Hl7Message | null {
  if (!headerLine.startsWith('MSH') || headerLine.length < 8 || checkEncodingCharacters(headerLine))
    return null;
  try {
    return Hl7Message.parse(headerLine);
  } catch {
    return null;
  }
}

/** The standard separators, for messages this connector writes. */
export const standardContext = new Hl7Context();

/**
 * A field's text with HL7 escape sequences resolved (\F\ \S\ \T\ \R\ \E\, \.br\ and \Xhh\), so that
 * what the PIMS escaped reaches the worklist as the characters it meant.
 */
export function unescapeHl7(value: string, context: Hl7Context): string {
  const e = context.escapeCharacter;
  if (!value.includes(e)) return value;
  const re = new RegExp(`${escapeRegExp(e)}([^${escapeRegExp(e)}]*)${escapeRegExp(e)}`, 'g');
  return value.replace(re, (whole, seq: string) => {
    switch (seq) {
      case 'F':
        return context.fieldSeparator;
      case 'S':
        return context.componentSeparator;
      case 'T':
        return context.subcomponentSeparator;
      case 'R':
        return context.repetitionSeparator;
      case 'E':
        return e;
      case '.br':
        return '\n';
      case 'H':
      case 'N':
        return '';
    }
    if (/^X([0-9A-Fa-f]{2})+$/.test(seq)) return Buffer.from(seq.slice(1), 'hex').toString('utf8');
    return whole;
  });
}

/** Text made safe to stand in a component: separators and line breaks escaped. */
export function escapeHl7(value: string, context: Hl7Context = standardContext): string {
  const e = context.escapeCharacter;
  let out = '';
  for (const ch of value) {
    if (ch === e) out += `${e}E${e}`;
    else if (ch === context.fieldSeparator) out += `${e}F${e}`;
    else if (ch === context.componentSeparator) out += `${e}S${e}`;
    else if (ch === context.subcomponentSeparator) out += `${e}T${e}`;
    else if (ch === context.repetitionSeparator) out += `${e}R${e}`;
    else if (ch === '\r' || ch === '\n') out += `${e}.br${e}`;
    else out += ch;
  }
  return out;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Reads unescaped, trimmed component values of one segment: `value(3, 1)` is PID-3.1. */
export function reader(segment: Hl7Segment | undefined, context: Hl7Context) {
  return (field: number, component = 1, repetition = 0, subcomponent?: number): string => {
    if (!segment) return '';
    const f = fieldAt(segment, field);
    if (!f || repetition >= f.components.length) return '';
    let raw = f.components[repetition]?.[component - 1] ?? '';
    if (subcomponent !== undefined) raw = raw.split(context.subcomponentSeparator)[subcomponent - 1] ?? '';
    else raw = raw.split(context.subcomponentSeparator)[0] ?? '';
    return unescapeHl7(raw, context).trim();
  };
}

/** A field of a segment; the library types it as always there, but past the segment's end it is not. */
export function fieldAt(segment: Hl7Segment, field: number): Hl7Field | undefined {
  return segment.getField(field);
}

/** How many repetitions a field has (0 when empty). */
export function repetitions(segment: Hl7Segment | undefined, field: number): number {
  const f = segment ? fieldAt(segment, field) : undefined;
  if (!f) return 0;
  return f.toString() === '' ? 0 : f.components.length;
}
