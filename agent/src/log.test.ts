import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createAgentLogger } from './log.js';

const dir = mkdtempSync(path.join(tmpdir(), 'lightbox-log-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the agent log file', () => {
  it('holds JSON lines with level, t and msg, and rotates by size keeping the newest few files', async () => {
    const log = await createAgentLogger({
      level: 'info',
      base: { proc: 'agent' },
      format: 'json',
      file: { path: path.join(dir, 'logs', 'agent.log'), maxBytes: 8 * 1024, keep: 2 },
    });
    const detail = 'x'.repeat(150);
    const logs = path.join(dir, 'logs');
    let files: string[] = [];
    let last: Record<string, unknown> | undefined;
    const look = () => {
      files = readdirSync(logs).sort((a, b) => numberOf(a) - numberOf(b));
      // The newest file with anything in it (a file just rotated to may still be empty).
      const written = files.filter((f) => statSync(path.join(logs, f)).size > 0);
      const lines =
        written.length > 0 ? readFileSync(path.join(logs, written.at(-1)!), 'utf8').split('\n') : [];
      const complete = lines.at(-1) === '' ? lines.at(-2) : undefined;
      last = complete ? (JSON.parse(complete) as Record<string, unknown>) : undefined;
    };
    for (let i = 0; i < 400; i++) {
      log.info('association accepted', { n: i, detail });
      // pino-roll checks the size as each write lands; let every 20 lines land, as on an agent
      // that logs between DIMSE messages, so a busy machine does not merge them into one write.
      for (let wait = 0; i % 20 === 19 && wait < 100; wait++) {
        await new Promise((r) => setTimeout(r, 10));
        look();
        if (Number(last?.n) >= i) break;
      }
    }
    // Rotation and the removal of old files run behind the writes: poll for the settled state.
    for (let i = 0; i < 100; i++) {
      await new Promise((r) => setTimeout(r, 50));
      look();
      if (files.length === 3 && last?.n === 399) break;
    }
    // ~80 KB written at 8 KB a file: rotated many times, yet only the active file and two more stay.
    expect(files).toHaveLength(3);
    expect(numberOf(files[0]!)).toBeGreaterThan(3);
    for (const f of files) expect(statSync(path.join(logs, f)).size).toBeLessThan(12 * 1024);
    expect(last).toMatchObject({ level: 'info', proc: 'agent', msg: 'association accepted', n: 399 });
    expect(Date.parse(String(last?.t))).toBeGreaterThan(Date.now() - 60_000);
  });
});

function numberOf(file: string): number {
  return Number(/\.(\d+)\.log$/.exec(file)?.[1] ?? 0);
}
