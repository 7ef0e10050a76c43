import net from 'node:net';
import { pathToFileURL } from 'node:url';
import { Hl7Receiver, mllpSend } from '../src/support/hl7-peers.js';
import { LightboxStack } from '../src/support/lightbox-stack.js';
import { freePort } from '../src/support/ports.js';
import { median, printTable, type BenchRow } from './bench-table.js';
import { countByAccession } from './worklist-poll.js';

const PIPELINED = 3_000;
const WINDOW = 100;
const SEQUENTIAL = 300;
const LATENCY_RUNS = 200;
const RUN_TIMEOUT_MS = 120_000;

let n = 0;
function orm(): { controlId: string; accession: string; text: string } {
  const i = ++n;
  const controlId = `B${Date.now().toString(36)}${i}`;
  const accession = `H${process.pid % 1000}${i}`.slice(0, 16);
  const species = `${'|'.repeat(27)}448771007^Canis lupus familiaris^SCT`;
  return {
    controlId,
    accession,
    text: [
      `MSH|^~\\&|PIMS|CLINIC|LIGHTBOX|RAD|20261122090000||ORM^O01^ORM_O01|${controlId}|P|2.5.1|||AL|NE||UNICODE UTF-8`,
      `PID|1||P${i}||Smith^Max||20190401|MN${species}`,
      'NK1|1|Smith^Anna|OWN',
      `ORC|NW|INV-${controlId}|${accession}`,
      `OBR|1|INV-${controlId}||XR-THORAX^Thorax 2 views||||||||||||||||||||DX`,
    ].join('\r'),
  };
}

const frame = (text: string) =>
  Buffer.concat([Buffer.from([0x0b]), Buffer.from(text), Buffer.from([0x1c, 0x0d])]);

/**
 * One connection sending `count` messages with up to `window` unanswered at a time (as interface
 * engines with several messages in flight do); returns messages per second and how many were `AA`.
 */
async function pipelined(
  port: number,
  count: number,
  window: number,
): Promise<{ rate: number; accepted: number }> {
  const messages = Array.from({ length: count }, () => orm().text);
  const socket = net.connect({ port, host: '127.0.0.1', noDelay: true });
  await new Promise((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  let sent = 0;
  let answered = 0;
  let accepted = 0;
  let buf = '';
  const started = performance.now();
  await new Promise<void>((resolve, reject) => {
    const fill = () => {
      const chunk: Buffer[] = [];
      while (sent < count && sent - answered < window) chunk.push(frame(messages[sent++]!));
      if (chunk.length > 0) socket.write(Buffer.concat(chunk));
    };
    socket.setEncoding('latin1').on('data', (c: string) => {
      buf += c;
      let end;
      while ((end = buf.indexOf('\x1c\r')) >= 0) {
        const ack = buf.slice(0, end);
        buf = buf.slice(end + 2);
        answered++;
        if (/\rMSA\|AA\|/.test(ack)) accepted++;
      }
      if (answered === count) resolve();
      else fill();
    });
    socket.once('error', reject);
    // A connection the listener closed, or answers that stop coming, end the run with the count
    // rather than leaving it waiting for answers that will never come.
    socket.once('close', () => reject(new Error(`connection closed after ${answered} of ${count} answers`)));
    const deadline = setTimeout(
      () => reject(new Error(`${answered} of ${count} answered within ${RUN_TIMEOUT_MS} ms`)),
      RUN_TIMEOUT_MS,
    );
    socket.once('close', () => clearTimeout(deadline));
    fill();
  }).finally(() => socket.destroy());
  const seconds = (performance.now() - started) / 1000;
  return { rate: count / seconds, accepted };
}

/** HL7 ORM^O01 → AA, durable, on one connection; ORM → item in a C-FIND (DCMTK-style query). */
export async function hl7Bench(): Promise<BenchRow[]> {
  const hl7Port = await freePort();
  const stack = new LightboxStack({
    stations: [{ aeTitle: 'DR1', modality: 'DX' }],
    pluginEnv: {
      LIGHTBOX_HL7_HOST: '127.0.0.1',
      LIGHTBOX_HL7_PORT: String(hl7Port),
      LIGHTBOX_LOG_LEVEL: 'warn',
    },
  });
  // The peer: python3-hl7's own MLLP server answering AA without recording anything.
  const peer = new Hl7Receiver(await freePort());
  try {
    await stack.startAll();
    await peer.start();
    const peerRun = await pipelined(peer.port, PIPELINED, WINDOW);
    const ours = [];
    for (let r = 0; r < 3; r++) ours.push(await pipelined(hl7Port, PIPELINED, WINDOW));
    if (ours.some((o) => o.accepted !== PIPELINED)) throw new Error('some messages were not accepted');

    const seqOrders = Array.from({ length: SEQUENTIAL }, () => orm());
    const seqMessages = seqOrders.map((o) => o.text);
    const seqStarted = performance.now();
    const acks = await mllpSend(hl7Port, seqMessages);
    const seqRate = SEQUENTIAL / ((performance.now() - seqStarted) / 1000);
    if (acks.length !== SEQUENTIAL) throw new Error(`mllp_send got ${acks.length} answers`);

    // Accepted messages are applied in order: once the last is in the worklist, the backlog is done.
    const last = seqOrders.at(-1)!.accession;
    const backlogStarted = performance.now();
    while ((await countByAccession(stack.dicomPort, last)) === 0) {
      if (performance.now() - backlogStarted > 300_000) throw new Error('the backlog was not applied');
      await new Promise((r) => setTimeout(r, 200));
    }
    const backlogSeconds = (performance.now() - backlogStarted) / 1000;
    const latencies: number[] = [];
    for (let i = 0; i < LATENCY_RUNS; i++) {
      const m = orm();
      const started = performance.now();
      const [ack] = await mllpSendOne(hl7Port, m.text);
      if (!ack?.includes('MSA|AA')) throw new Error(`not accepted: ${ack}`);
      while ((await countByAccession(stack.dicomPort, m.accession)) === 0) {
        if (performance.now() - started > 10_000) throw new Error('item never appeared');
      }
      latencies.push(performance.now() - started);
    }
    const sorted = [...latencies].sort((a, b) => a - b);
    const p99 = sorted[Math.ceil(sorted.length * 0.99) - 1]!;
    const rates = ours.map((o) => o.rate);
    return [
      {
        measure: `HL7 ORM^O01 → AA, durable, one connection, ${WINDOW} in flight (msg/s)`,
        median: median(rates).toFixed(0),
        runs: `${rates.length}×${PIPELINED}; python3-hl7 server (AA, no storage) ${peerRun.rate.toFixed(0)}`,
        target: '≥ 500',
        verdict: median(rates) >= 500 ? 'ok' : 'MISSED',
      },
      {
        measure: 'HL7 ORM^O01 → AA, mllp_send one at a time (msg/s)',
        median: seqRate.toFixed(0),
        runs: `1×${SEQUENTIAL}; backlog of ${3 * PIPELINED + SEQUENTIAL} applied ${backlogSeconds.toFixed(0)} s after`,
        target: '—',
        verdict: '',
      },
      {
        measure: 'HL7 ORM^O01 sent → item in a C-FIND (ms)',
        median: median(latencies).toFixed(1),
        runs: `${latencies.length}; p99 ${p99.toFixed(1)}, max ${sorted.at(-1)!.toFixed(1)}`,
        target: 'p99 ≤ 200',
        verdict: p99 <= 200 ? 'ok' : 'MISSED',
      },
    ];
  } finally {
    await peer.stop();
    await stack.dispose();
  }
}

/** One message over a fresh connection, in process (a process start per message would dominate). */
async function mllpSendOne(port: number, text: string): Promise<string[]> {
  const socket = net.connect({ port, host: '127.0.0.1', noDelay: true });
  let buf = '';
  const answer = await new Promise<string>((resolve, reject) => {
    socket.setEncoding('latin1').on('data', (c: string) => {
      buf += c;
      const end = buf.indexOf('\x1c\r');
      if (end >= 0) resolve(buf.slice(1, end));
    });
    socket.once('error', reject);
    socket.once('close', () => reject(new Error('connection closed before the answer')));
    setTimeout(() => reject(new Error('no answer within 10 s')), 10_000).unref();
    socket.write(frame(text));
  }).finally(() => socket.destroy());
  return [answer];
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) printTable(await hl7Bench());
