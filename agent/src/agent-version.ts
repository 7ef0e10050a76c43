import { readFileSync } from 'node:fs';

/** The version the agent reports in its hello, from its package manifest. */
export const AGENT_VERSION: string = (
  JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }
).version;
