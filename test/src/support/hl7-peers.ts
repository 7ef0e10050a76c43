import { spawn, type ChildProcess, execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
/** Debian's python3 (with python3-hl7); the python3 first on PATH may be another build without it. */
export const DEBIAN_PYTHON = '/usr/bin/python3';

/**
 * Sends HL7 messages with python3-hl7's `mllp_send`, one connection, each message waiting for its
 * answer; returns the answers (ACK texts with segments split by newline) in order.
 */
export async function mllpSend(port: number, messages: (string | Buffer)[]): Promise<string[]> {
  const dir = mkdtempSync(path.join(tmpdir(), 'lightbox-hl7-'));
  const file = path.join(dir, 'messages.hl7');
  const frames = messages.map((m) =>
    Buffer.concat([Buffer.from([0x0b]), Buffer.from(m), Buffer.from([0x1c, 0x0d])]),
  );
  writeFileSync(file, Buffer.concat(frames));
  const { stdout } = await run(
    DEBIAN_PYTHON,
    ['/usr/bin/mllp_send', '-p', String(port), '-f', file, '127.0.0.1'],
    {
      timeout: 60_000,
      maxBuffer: 64 * 1024 * 1024,
      encoding: 'latin1',
    },
  );
  // mllp_send prints each raw answer (a framed ACK) on its own line.
  return stdout
    .split('\x1c\r\n')
    .map((a) => a.replace(/^\x0b/, '').replace(/\r/g, '\n').trim())
    .filter((a) => a !== '');
}

export interface ReceivedHl7 {
  controlId: string;
  type: string;
  text: string;
  receivedAt: number;
}

/** python3-hl7's asyncio MLLP server, as a PIMS's HL7 receiver: ACKs every message with AA. */
export class Hl7Receiver {
  readonly received: ReceivedHl7[] = [];
  private child: ChildProcess | null = null;
  stderr = '';

  constructor(readonly port: number) {}

  async start(): Promise<this> {
    const script = path.join(path.dirname(fileURLToPath(import.meta.url)), 'hl7_receiver.py');
    const child = spawn(DEBIAN_PYTHON, [script, String(this.port)], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    let buf = '';
    const listening = new Promise<void>((resolve, reject) => {
      child.once('exit', (code) => reject(new Error(`hl7 receiver exited (${code}): ${this.stderr}`)));
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
        buf += chunk;
        let i;
        while ((i = buf.indexOf('\n')) >= 0) {
          const line = JSON.parse(buf.slice(0, i)) as { listening?: number } & Omit<
            ReceivedHl7,
            'receivedAt'
          >;
          buf = buf.slice(i + 1);
          if (line.listening) resolve();
          else this.received.push({ ...line, receivedAt: Date.now() });
        }
      });
    });
    child.stderr.setEncoding('utf8').on('data', (c: string) => (this.stderr += c));
    await listening;
    return this;
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await exited;
  }
}

/** The fields of one segment of an HL7 text (segments split by CR or newline), `field(n)` being SEG-n. */
export function segment(text: string, name: string, nth = 0) {
  const line = text.split(/[\r\n]+/).filter((l) => l.startsWith(`${name}|`))[nth];
  const fields = line ? line.split('|') : [];
  // MSH-1 is the separator itself: MSH-n is at index n-1.
  const offset = name === 'MSH' ? 1 : 0;
  return { present: line !== undefined, field: (n: number) => fields[n - offset] ?? '' };
}
