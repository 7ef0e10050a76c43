import { ManagedProcess } from './managed-process.js';
import { freePort } from './ports.js';

/**
 * An agent process linking to a hand-made plugin (a WebSocket server the test plays) on
 * `pluginPort`, with DICOM on a free loopback port; `env` adds its id and other settings.
 */
export async function agentLinkingTo(
  name: string,
  pluginPort: number,
  dataDir: string,
  env: Record<string, string>,
): Promise<ManagedProcess> {
  return new ManagedProcess(name, 'agent/src/main.ts', {
    LIGHTBOX_PLUGIN_URL: `http://127.0.0.1:${pluginPort}`,
    LIGHTBOX_AGENT_TOKEN: 'lbx_agt_0123456789abcdef0123456789',
    LIGHTBOX_DICOM_HOST: '127.0.0.1',
    LIGHTBOX_DICOM_PORT: String(await freePort()),
    LIGHTBOX_DATA_DIR: dataDir,
    ...env,
  }).start();
}
