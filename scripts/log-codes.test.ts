import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { LinkLogCode } from '@lightbox/protocol';
import { LogCode as AgentLogCode } from '@lightbox/agent/log-codes';
import { LogCode as PluginLogCode } from '@lightbox/pims-plugin/log-codes';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** The source of a workspace, tests left out: where log lines are written. */
function sources(workspace: string): string {
  const dir = path.join(root, workspace, 'src');
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))
    .map((f) => readFileSync(path.join(dir, f), 'utf8'))
    .join('\n');
}

describe.each([
  { workspace: 'agent', codes: AgentLogCode, own: 'LogCode' },
  { workspace: 'pims-plugin', codes: PluginLogCode, own: 'LogCode' },
  { workspace: 'protocol', codes: LinkLogCode, own: 'LinkLogCode' },
])('the log codes of $workspace', ({ workspace, codes, own }) => {
  it('are distinct snake_case words', () => {
    const values = Object.values(codes);
    expect(new Set(values).size).toBe(values.length);
    for (const v of values) expect(v).toMatch(/^[a-z]+(_[a-z0-9]+)*$/);
  });

  it('are each written somewhere, so the list says what the logs carry', () => {
    const src = sources(workspace);
    const link = workspace === 'protocol' ? {} : LinkLogCode;
    const unused = Object.keys(codes).filter(
      (key) => !(key in link) && !new RegExp(`\\b${own}\\.${key}\\b`).test(src),
    );
    expect(unused).toEqual([]);
  });
});
