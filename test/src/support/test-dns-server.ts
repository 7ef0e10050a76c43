import { createSocket, type Socket } from 'node:dgram';

/**
 * A DNS server on loopback whose answers a test changes at will: the resolver a rebinding attacker
 * controls. It answers A queries from `records` (name → IPv4 address), every other query with no
 * answer; it speaks just enough of RFC 1035 for Node's resolver.
 */
export class TestDnsServer {
  readonly records = new Map<string, string>();
  /** Queries received, as `name/type`. */
  readonly queries: string[] = [];
  private socket: Socket | null = null;
  address = '';

  async start(): Promise<this> {
    const socket = createSocket('udp4');
    this.socket = socket;
    socket.on('message', (msg, peer) => {
      const answer = this.answer(msg);
      if (answer) socket.send(answer, peer.port, peer.address);
    });
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
    this.address = `127.0.0.1:${socket.address().port}`;
    return this;
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => (this.socket ? this.socket.close(() => resolve()) : resolve()));
  }

  private answer(query: Buffer): Buffer | null {
    if (query.length < 12) return null;
    const labels: string[] = [];
    let at = 12;
    while (at < query.length && query[at]! !== 0) {
      const len = query[at]!;
      labels.push(query.subarray(at + 1, at + 1 + len).toString('ascii'));
      at += 1 + len;
    }
    const questionEnd = at + 5; // the zero label, QTYPE, QCLASS
    if (questionEnd > query.length) return null;
    const name = labels.join('.').toLowerCase();
    const qtype = query.readUInt16BE(at + 1);
    this.queries.push(`${name}/${qtype === 1 ? 'A' : qtype === 28 ? 'AAAA' : qtype}`);
    const address = qtype === 1 ? this.records.get(name) : undefined;
    const header = Buffer.alloc(12);
    query.copy(header, 0, 0, 2); // the query's id
    header.writeUInt16BE(0x8180, 2); // a response, recursion desired and available, no error
    header.writeUInt16BE(1, 4); // one question
    header.writeUInt16BE(address ? 1 : 0, 6);
    const question = query.subarray(12, questionEnd);
    if (!address) return Buffer.concat([header, question]);
    const record = Buffer.alloc(16);
    record.writeUInt16BE(0xc00c, 0); // the name: a pointer to the question's
    record.writeUInt16BE(1, 2); // A
    record.writeUInt16BE(1, 4); // IN
    record.writeUInt32BE(0, 6); // TTL 0: nothing may keep the answer
    record.writeUInt16BE(4, 10);
    address.split('.').forEach((octet, i) => record.writeUInt8(Number(octet), 12 + i));
    return Buffer.concat([header, question, record]);
  }
}
