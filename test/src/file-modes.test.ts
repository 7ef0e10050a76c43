import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { LightboxStack } from './support/lightbox-stack.js';

/**
 * What the plugin and the agent keep on disk (databases, the secret key, the spool, media) is
 * readable by their own user only, even when the folder existed before with a wider mode, and the
 * secret key is generated into the data folder when LIGHTBOX_SECRET_KEY is not set.
 */
const stack = new LightboxStack();
const mode = (p: string) => (statSync(p).mode & 0o777).toString(8);

beforeAll(async () => {
  // A data folder made by hand beforehand, readable by everyone.
  mkdirSync(path.join(stack.dir, 'plugin'), { mode: 0o755 });
  await stack.startAll();
  // A write, so the plugin's WAL has been written to.
  await stack.api('POST', '/v1/agents', { name: 'second', stations: [] });
});
afterAll(() => stack.dispose());

it('keeps databases, the secret key, the spool and media owner-only', () => {
  const plugin = path.join(stack.dir, 'plugin');
  const agent = path.join(stack.dir, 'agent');
  const expected: [string, string][] = [
    [plugin, '700'],
    [stack.pluginDbFile, '600'],
    [path.join(plugin, 'secret.key'), '600'],
    [agent, '700'],
    [stack.agentDbFile, '600'],
    [path.join(agent, 'spool'), '700'],
  ];
  for (const extra of [`${stack.pluginDbFile}-wal`, `${stack.agentDbFile}-wal`, path.join(plugin, 'media')]) {
    if (existsSync(extra)) expected.push([extra, statSync(extra).isDirectory() ? '700' : '600']);
  }
  for (const [p, m] of expected) expect(mode(p), p).toBe(m);
  expect(readFileSync(path.join(plugin, 'secret.key'), 'utf8').trim()).toMatch(/^[0-9a-f]{64}$/);
});
