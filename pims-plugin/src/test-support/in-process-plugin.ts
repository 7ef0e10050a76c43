import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { agentToPluginMessage } from '@lightbox/protocol';
import { loadPluginConfig, type PluginConfig } from '../config.js';
import { applyAgentMessage } from '../link/apply-agent-message.js';
import { createLogger } from '../log.js';
import { startPlugin, type RunningPlugin } from '../server.js';
import { MediaStore } from '../studies/media-store.js';

export const IN_PROCESS_API_KEY = 'lbx_key_inprocess_0123456789abcdefghijkl';

export interface InProcessPlugin {
  plugin: RunningPlugin;
  config: PluginConfig;
  /** The data folder, removed by `close()`. */
  dir: string;
  /** A request to the application in this process, with the default site's API key unless `key` is null. */
  api(method: string, pathName: string, body?: unknown, key?: string | null): Promise<Response>;
  /**
   * Applies a message as the link does when the agent sends it (validated, its next sequence number,
   * one transaction), without an agent process: for tests about what the plugin makes of it.
   */
  fromAgent(agentId: string, message: unknown): Promise<void>;
  close(): Promise<void>;
}

/**
 * The plugin as it really starts (real libsql file, real migrations, every route and guard), for
 * tests that drive its HTTP surface through `app.request()` in this process: seconds, not a
 * process start per file.
 */
export async function startInProcessPlugin(env: Record<string, string> = {}): Promise<InProcessPlugin> {
  const dir = mkdtempSync(path.join(tmpdir(), 'lightbox-plugin-'));
  const config = loadPluginConfig({
    LIGHTBOX_HTTP_HOST: '127.0.0.1',
    LIGHTBOX_HTTP_PORT: '0',
    LIGHTBOX_DATA_DIR: dir,
    LIGHTBOX_API_KEY: IN_PROCESS_API_KEY,
    LIGHTBOX_LOG_LEVEL: 'error',
    ...env,
  });
  const plugin = await startPlugin(config, createLogger('error'));
  const media = new MediaStore(path.join(dir, 'media'));
  const log = createLogger('error');
  const seqs = new Map<string, number>();
  return {
    plugin,
    config,
    dir,
    api: async (method, pathName, body, key = IN_PROCESS_API_KEY) =>
      plugin.app.request(pathName, {
        method,
        headers: {
          ...(key !== null ? { authorization: `Bearer ${key}` } : {}),
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      }),
    fromAgent: async (agentId, message) => {
      const body = agentToPluginMessage.parse(message);
      const seq = (seqs.get(agentId) ?? 0) + 1;
      seqs.set(agentId, seq);
      await plugin.database.write((tx) =>
        applyAgentMessage(
          { tx, agentId, seq, log, wake: () => undefined, intake: { media, settings: config.studies } },
          body,
        ),
      );
    },
    close: async () => {
      await plugin.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
