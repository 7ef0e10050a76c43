import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mllpSend, segment } from './support/hl7-peers.js';
import { LightboxStack } from './support/lightbox-stack.js';
import { waitUntil } from './support/managed-process.js';
import { freePort } from './support/ports.js';

/**
 * Many HL7 messages in flight on one connection, as interface engines send them: the listener
 * commits them in groups, and each still gets its own answer, in order, only once it is on disk.
 */
const hl7Port = await freePort();
const stack = new LightboxStack({
  stations: [{ aeTitle: 'DR1', modality: 'DX' }],
  pluginEnv: { LIGHTBOX_HL7_HOST: '127.0.0.1', LIGHTBOX_HL7_PORT: String(hl7Port) },
});

beforeAll(() => stack.startAll());
afterAll(() => stack.dispose());

const COUNT = 400;
const IN_FLIGHT = 100;
const PATIENT = 'PAT-BURST';

const orm = (i: number) => ({
  controlId: `BURST${i}`,
  text: [
    `MSH|^~\\&|PIMS|CLINIC|LIGHTBOX|RAD|20261122090000||ORM^O01^ORM_O01|BURST${i}|P|2.5.1|||AL|NE||UNICODE UTF-8`,
    `PID|1||${PATIENT}||Smith^Max||20190401|MN${'|'.repeat(27)}448771007^Canis lupus familiaris^SCT`,
    'NK1|1|Smith^Anna|OWN',
    `ORC|NW|INV-B${i}`,
    `OBR|1|INV-B${i}||XR-THORAX^Thorax 2 views||||||||||||||||||||DX`,
  ].join('\r'),
});

const frame = (text: string) =>
  Buffer.concat([Buffer.from([0x0b]), Buffer.from(text), Buffer.from([0x1c, 0x0d])]);

/** Sends every message on one connection, up to `window` unanswered; the answers in arrival order. */
function pipelined(texts: string[], window: number): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ port: hl7Port, host: '127.0.0.1' });
    const answers: string[] = [];
    let sent = 0;
    let buf = '';
    const fill = () => {
      const chunk: Buffer[] = [];
      while (sent < texts.length && sent - answers.length < window) chunk.push(frame(texts[sent++]!));
      if (chunk.length > 0) socket.write(Buffer.concat(chunk));
    };
    socket.setEncoding('utf8').on('data', (c: string) => {
      buf += c;
      let end;
      while ((end = buf.indexOf('\x1c\r')) >= 0) {
        answers.push(buf.slice(buf.indexOf('\x0b') + 1, end));
        buf = buf.slice(end + 2);
      }
      if (answers.length === texts.length) {
        socket.destroy();
        resolve(answers);
      } else fill();
    });
    socket.once('error', reject);
    socket.once('close', () => reject(new Error(`closed after ${answers.length} answers`)));
    socket.once('connect', fill);
  });
}

async function ordersOfPatient() {
  const res = await stack.api('GET', `/v1/orders?pimsPatientId=${PATIENT}&limit=500`);
  return ((await res.json()) as { items: { pimsOrderId: string; status: string }[] }).items;
}

describe('many messages in flight on one connection', () => {
  it('answers each in order, and after a kill right behind the answers every order exists once', async () => {
    const messages = Array.from({ length: COUNT }, (_, i) => orm(i + 1));
    const answers = await pipelined(
      messages.map((m) => m.text),
      IN_FLIGHT,
    );
    expect(answers.map((a) => `${segment(a, 'MSA').field(1)} ${segment(a, 'MSA').field(2)}`)).toEqual(
      messages.map((m) => `AA ${m.controlId}`),
    );
    // Killed as the last answer arrives, while the orders of the burst are still being applied:
    // what was answered AA is on disk, and the plugin applies the rest when it is back.
    await stack.plugin.kill('SIGKILL');
    stack.plugin.start();
    await stack.waitPluginReady();
    await waitUntil('every order applied', async () => (await ordersOfPatient()).length >= COUNT, 30_000);

    // The PIMS resends some it has answers for: the same answers, no second order.
    const resent = await mllpSend(
      hl7Port,
      messages.slice(0, 5).map((m) => m.text),
    );
    expect(resent.map((a) => segment(a, 'MSA').field(1))).toEqual(['AA', 'AA', 'AA', 'AA', 'AA']);
    await new Promise((r) => setTimeout(r, 500));
    const orders = await ordersOfPatient();
    expect(orders).toHaveLength(COUNT);
    expect(new Set(orders.map((o) => o.pimsOrderId))).toEqual(
      new Set(messages.map((_, i) => `INV-B${i + 1}`)),
    );
    expect(orders.every((o) => o.status === 'scheduled')).toBe(true);
  });
});
