import { renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export type LinkStatus =
  | 'not-configured'
  | 'connecting'
  | 'linked'
  | 'backing-off'
  | 'unauthorized'
  | 'incompatible'
  | 'tls-refused'
  | 'stopped';

export interface AgentStatus {
  link: LinkStatus;
  since: string;
  detail: string;
  pluginUrl: string | null;
  nextAttemptAt: string | null;
}

/**
 * `status.json` in the data folder: what a field engineer (or the installer's tray icon) reads to
 * see whether the agent is linked and, if not, why. Written atomically so a reader never sees half.
 */
export class StatusFile {
  private readonly file: string;

  constructor(dataDir: string) {
    this.file = path.join(dataDir, 'status.json');
  }

  write(status: AgentStatus): void {
    const tmp = `${this.file}.tmp`;
    try {
      writeFileSync(tmp, `${JSON.stringify(status, null, 2)}\n`);
      renameSync(tmp, this.file);
    } catch {
      // The status file is a convenience; the log line said the same thing.
    }
  }
}
