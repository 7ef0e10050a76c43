import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { repoRoot, runAgentCommand } from './support/managed-process.js';

const run = promisify(execFile);

/**
 * The systemd unit `npm run agent -- install-service` writes on Linux, as systemd itself judges it
 * (`systemd-analyze verify`). Windows cannot be tested on these machines; its definition is checked
 * against a fixture in agent/src/service/windows-service.test.ts.
 */
const dir = mkdtempSync(path.join(tmpdir(), 'lightbox-service-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('install-service', () => {
  it('writes a unit that passes systemd-analyze verify', async () => {
    const configFile = path.join(dir, 'agent.json');
    writeFileSync(configFile, JSON.stringify({ dicomPort: 104, aeTitle: 'VETCLINIC' }));
    const dataDir = path.join(dir, 'data');
    const { stdout } = await runAgentCommand(['install-service', '--print', '--config', configFile], {
      LIGHTBOX_DATA_DIR: dataDir,
    });
    const unitFile = path.join(dir, 'lightbox-agent.service');
    writeFileSync(unitFile, stdout);
    const verified = await run('systemd-analyze', ['verify', unitFile]).then(
      (r) => ({ code: 0, stderr: r.stderr }),
      (err: unknown) => ({
        code: (err as { code: number }).code,
        stderr: (err as { stderr: string }).stderr,
      }),
    );
    expect(verified).toEqual({ code: 0, stderr: '' });
    const lines = stdout.split('\n');
    for (const line of [
      'User=lightbox',
      'Restart=on-failure',
      'MemoryMax=1024M',
      'LimitNOFILE=8192',
      `ReadWritePaths=${dataDir} ${path.join(repoRoot, 'agent/node_modules/.cache/lightbox-bundles')}`,
      // Port 104 is below 1024: the unprivileged user needs the capability to bind it.
      'AmbientCapabilities=CAP_NET_BIND_SERVICE',
      'ExecReload=/bin/kill -HUP $MAINPID',
      `ExecStart=${process.execPath} ${path.join(repoRoot, 'scripts/run-bundled.mjs')} ${path.join(repoRoot, 'agent/src/main.ts')} --config ${configFile}`,
    ])
      expect(lines).toContain(line);
  });
});
