import { randomBytes } from 'node:crypto';
import { Hl7Message, Hl7Segment } from '@medplum/core';
import { escapeHl7, fieldAt, standardContext } from './hl7-message.js';
import { errorCodeText, type Hl7Problem } from './hl7-problem.js';

export type AckCode = 'AA' | 'AE' | 'AR';

/**
 * The acknowledgement of a message: MSH answering its MSH (applications swapped, same version),
 * MSA with the code and the message's control id, and one ERR per problem, filled the v2.5 way
 * (ERR-2 location, ERR-3 code, ERR-4 severity, ERR-8 text) and the v2.3 way (ERR-1), so that
 * senders of either version read it.
 */
export function buildAck(
  original: Hl7Message | null,
  code: AckCode,
  problems: Hl7Problem[] = [],
): Hl7Message {
  const context = original?.context ?? standardContext;
  const text = problems.map((p) => p.text).join('; ');
  let ack: Hl7Message;
  if (original) {
    ack = original.buildAck({ ackCode: code });
  } else {
    // Nothing could be read of the message: answer with a header of our own and no control id.
    ack = new Hl7Message(
      [
        new Hl7Segment(
          ['MSH', context.getMsh2(), 'LIGHTBOX', '', '', '', '', '', 'ACK', '', 'P', '2.5.1'],
          context,
        ),
        new Hl7Segment(['MSA', code, ''], context),
      ],
      context,
    );
  }
  const msh = ack.getSegment('MSH')!;
  // The library's control id is the clock in milliseconds; two answers in one millisecond would share it.
  msh.setField(10, `LB${Date.now().toString(36)}${randomBytes(4).toString('hex')}`.toUpperCase());
  msh.setField(7, hl7Now());
  if (original) {
    // Answer in the character set the message came in.
    const header = original.getSegment('MSH');
    const charset = (header ? fieldAt(header, 18) : undefined)?.toString() ?? '';
    if (charset) msh.setField(18, charset);
  }
  const msa = ack.getSegment('MSA')!;
  msa.setField(3, escapeHl7(text || (code === 'AA' ? 'Message accepted' : ''), context));
  for (const p of problems) {
    const l = p.location;
    const fields = [
      'ERR',
      // ERR-1 (v2.3): segment^sequence^field^code&text
      [
        l.segment,
        l.sequence ?? 1,
        l.field ?? '',
        `${p.code}${context.subcomponentSeparator}${errorCodeText[p.code] ?? ''}`,
      ].join(context.componentSeparator),
      // ERR-2 (v2.5): segment^sequence^field^repetition^component
      [l.segment, l.sequence ?? 1, l.field ?? '', l.field ? 1 : '', l.component ?? ''].join(
        context.componentSeparator,
      ),
      [p.code, errorCodeText[p.code] ?? '', 'HL70357'].join(context.componentSeparator),
      'E',
      '',
      '',
      '',
      escapeHl7(p.text, context),
    ];
    ack.segments.push(new Hl7Segment(fields.map(String), context));
  }
  return ack;
}

/** HL7 DTM of now, with the zone: YYYYMMDDHHMMSS+ZZZZ in UTC. */
export function hl7Now(at = new Date()): string {
  return `${at.toISOString().replace(/[-:T]/g, '').slice(0, 14)}+0000`;
}
