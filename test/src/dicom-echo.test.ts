import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LightboxStack } from './support/lightbox-stack.js';

const run = promisify(execFile);

async function echoscu(port: number, callingAe: string): Promise<{ ok: boolean; output: string }> {
  try {
    const r = await run('echoscu', ['-v', '-aet', callingAe, '-aec', 'LIGHTBOX', '127.0.0.1', String(port)], {
      env: { ...process.env, TCP_NODELAY: '1' },
    });
    return { ok: true, output: r.stdout + r.stderr };
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string };
    return { ok: false, output: (e.stdout ?? '') + (e.stderr ?? '') };
  }
}

/** The agent process as a modality field engineer meets it first: C-ECHO, with an allow list. */
describe('C-ECHO at the agent', () => {
  const stack = new LightboxStack({ agentEnv: { LIGHTBOX_ALLOWED_CALLING_AE_TITLES: 'DR1,US1' } });
  beforeAll(() => stack.startAll());
  afterAll(() => stack.dispose());

  it('answers echoscu from an allowed AE title', async () => {
    const r = await echoscu(stack.dicomPort, 'DR1');
    expect(r.ok, r.output).toBe(true);
    expect(r.output).toMatch(/Received Echo Response \(Success\)/);
  });

  it('refuses an AE title outside the allow list, and says which', async () => {
    const r = await echoscu(stack.dicomPort, 'INTRUDER');
    expect(r.ok).toBe(false);
    expect(r.output).toMatch(/Calling AE Title Not Recognized/i);
    await stack.agent.waitForCode('association_refused', {
      where: (l) => l.reason === 'calling_ae' && l.callingAe === 'INTRUDER',
    });
  });

  it('lives through a peer that sends garbage and one that hangs up mid-PDU', async () => {
    for (const bytes of [
      Buffer.from('GET / HTTP/1.1\r\n\r\n'),
      Buffer.from([0x01, 0x00, 0x00, 0x00, 0xff, 0xff]),
    ]) {
      await new Promise<void>((resolve) => {
        const s = net.connect(stack.dicomPort, '127.0.0.1', () => {
          s.write(bytes);
          setTimeout(() => {
            s.destroy();
            resolve();
          }, 100);
        });
        s.on('error', () => resolve());
      });
    }
    expect(stack.agent.running).toBe(true);
    expect((await echoscu(stack.dicomPort, 'US1')).ok).toBe(true);
  });
  it('hangs up on a PDU announcing gigabytes instead of gathering it', async () => {
    const header = Buffer.from([0x04, 0x00, 0x00, 0x00, 0x00, 0x00]);
    header.writeUInt32BE(0x8000_0000, 2);
    const closedByAgent = await new Promise<boolean>((resolve) => {
      const s = net.connect(stack.dicomPort, '127.0.0.1', () => {
        s.write(Buffer.concat([header, Buffer.alloc(64 * 1024)]));
      });
      s.on('end', () => {
        s.destroy();
        resolve(true);
      });
      s.on('error', () => resolve(false));
      setTimeout(() => {
        s.destroy();
        resolve(false);
      }, 5_000);
    });
    expect(closedByAgent).toBe(true);
    expect(stack.agent.running).toBe(true);
    expect((await echoscu(stack.dicomPort, 'US1')).ok).toBe(true);
  });
});
