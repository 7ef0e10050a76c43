import type { AgentDatabase } from '../db/agent-database.js';
import { enqueueForPlugin } from '../outbox/outbox-to-plugin.js';
import type { Logger } from '../log.js';
import { DiskGuard } from './disk-guard.js';
import type { SpoolRetention } from './spool-retention.js';

export interface SpoolDiskWatchOptions {
  spoolDir: string;
  minFreeBytes: number;
  database: AgentDatabase;
  retention: SpoolRetention;
  /** Wakes the link after the outbox grew. */
  notifyOutbox: () => void;
  log: Logger;
}

/**
 * The disk guard of the spool, wired to the rest of the agent: each change of state goes to the
 * plugin through the durable outbox (so the practice hears of it even if the link is down right
 * now), and a low disk asks the retention policy, when enabled, to free what has safely left the PC.
 */
export async function watchSpoolDisk(opts: SpoolDiskWatchOptions): Promise<DiskGuard> {
  const { log } = opts;
  let freeing = false;
  const guard: DiskGuard = new DiskGuard({
    dir: opts.spoolDir,
    minFreeBytes: opts.minFreeBytes,
    log,
    onChange: (state, freeBytes) => {
      opts.database
        .write((tx) =>
          enqueueForPlugin(tx, [
            {
              kind: 'agent.disk',
              state,
              freeBytes: Math.floor(freeBytes),
              minFreeBytes: opts.minFreeBytes,
              at: new Date().toISOString(),
            },
          ]),
        )
        .then(opts.notifyOutbox, (err: unknown) => {
          log.error('could not queue the disk state for the plugin', { state, err: String(err) });
        });
      if (state === 'low' && !freeing) {
        freeing = true;
        void opts.retention
          .freeSpace(async () => (await guard.check()) === 'ok')
          .finally(() => {
            freeing = false;
          });
      }
    },
  });
  await guard.start();
  return guard;
}
