import { LinkLogCode } from '@lightbox/protocol';

/**
 * The `code` field of the plugin's log lines that mark a state change someone may act on. Wording
 * is for people and may change; a code is what scripts, alerts and the end-to-end tests match on,
 * so it changes only deliberately (docs/architecture.md, "Log codes"). Refusals of a request log the
 * code of the error they answer with (`staff_session_*`, `role_forbidden`, …) besides these.
 */
export const LogCode = {
  ...LinkLogCode,
  /** The HTTP server is listening; the line carries its `url`. */
  pluginListening: 'plugin_listening',
  /** An agent's link is up (`agentId`). */
  agentLinked: 'agent_linked',
  /** An agent's hello was refused (`reason`); its link is closed. */
  agentRefused: 'agent_refused',
  /** An agent's link closed; `closeCode` is the WebSocket close code. */
  agentLinkClosed: 'agent_link_closed',
  /** An embed link was refused (bad or expired signature). */
  embedLinkRefused: 'embed_link_refused',
} as const;
export type LogCode = (typeof LogCode)[keyof typeof LogCode];
