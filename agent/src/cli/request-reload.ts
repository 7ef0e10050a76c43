import { writeFileSync } from 'node:fs';
import { ConfigError, loadAgentConfig } from '../config.js';
import { reloadRequestFile } from '../settings-reload.js';

/**
 * `npm run agent -- reload`: checks the settings first (a broken file is named here, not only in
 * the service's log), then asks the running agent to re-read them through a file in its data
 * folder, which it looks for every second — the way that works on Windows too (on Linux, SIGHUP
 * does the same: `systemctl reload lightbox-agent`).
 */
export function requestReload(print: (line: string) => void): number {
  let dataDir: string;
  try {
    dataDir = loadAgentConfig().dataDir;
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    for (const line of err.lines) print(`not reloaded: ${line}`);
    return 2;
  }
  writeFileSync(reloadRequestFile(dataDir), `${new Date().toISOString()}\n`);
  print(`reload requested: the running agent re-reads its settings within a second (see its log)`);
  return 0;
}
