import type { EchoTarget } from '@lightbox/protocol';
import type { AgentConfig } from '../config.js';

/**
 * The peers this agent may C-ECHO when the plugin asks: the PACS it forwards to, the consoles it
 * sends Storage Commitment results to, and its own SCP. Read from the configuration at each call,
 * so a reloaded PACS is the one echoed.
 */
export function echoTargetsOf(
  config: Pick<AgentConfig, 'aeTitle' | 'dicomHost' | 'forwarding' | 'worklist'>,
  listeningPort: number,
): EchoTarget[] {
  const targets: EchoTarget[] = [];
  if (config.forwarding) targets.push({ id: 'pacs', role: 'pacs', ...config.forwarding.pacs });
  for (const p of config.worklist.profiles) {
    if (p.host && p.port)
      targets.push({
        id: `station:${p.aeTitle}`,
        role: 'station',
        aeTitle: p.aeTitle,
        host: p.host,
        port: p.port,
      });
  }
  const wildcard = config.dicomHost === '0.0.0.0' || config.dicomHost === '::';
  targets.push({
    id: 'self',
    role: 'self',
    aeTitle: config.aeTitle,
    host: wildcard ? '127.0.0.1' : config.dicomHost,
    port: listeningPort,
  });
  return targets.slice(0, 32);
}
