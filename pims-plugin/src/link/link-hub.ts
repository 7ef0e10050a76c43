import type { AgentToPluginMessage, LinkEndpoint } from '@lightbox/protocol';

/** Closes a link; without a code, because a newer connection of the agent superseded it. */
type DropLink = (code?: number, reason?: string) => void;

/**
 * The live links of this plugin instance, by agent. Another instance may hold an agent's link; it
 * then finds new outbox rows through the database (`OutboxWatcher`).
 */
export class LinkHub {
  private readonly live = new Map<
    string,
    { connectionId: number; endpoint: LinkEndpoint<AgentToPluginMessage>; drop: DropLink }
  >();
  /** Connections this plugin is closing on purpose (a revoked token, a removed agent). */
  private readonly closing = new Set<number>();

  /** Registers a new link and drops the agent's previous one, which a half-open path may have left. */
  attach(
    agentId: string,
    connectionId: number,
    endpoint: LinkEndpoint<AgentToPluginMessage>,
    drop: DropLink,
  ): void {
    const previous = this.live.get(agentId);
    this.live.set(agentId, { connectionId, endpoint, drop });
    previous?.drop();
  }

  /** Returns true when the connection was still the agent's current one. */
  detach(agentId: string, connectionId: number): boolean {
    this.closing.delete(connectionId);
    const current = this.live.get(agentId);
    if (current?.connectionId !== connectionId) return false;
    this.live.delete(agentId);
    return true;
  }

  /** Closes the agent's live link here, if any: its token was revoked or it was removed. */
  drop(agentId: string, code: number, reason: string): boolean {
    const current = this.live.get(agentId);
    if (!current) return false;
    // Not connected from now on, though the socket's closing handshake is still under way: whoever
    // asks right after the revocation must not hear otherwise. The entry stays for `detach`.
    this.closing.add(current.connectionId);
    current.drop(code, reason);
    return true;
  }

  notify(agentId: string): void {
    this.live.get(agentId)?.endpoint.notifyOutbox();
  }

  linkedAgentIds(): string[] {
    return [...this.live.keys()];
  }

  isConnected(agentId: string): boolean {
    const current = this.live.get(agentId);
    return current !== undefined && !this.closing.has(current.connectionId);
  }

  dropAll(): void {
    for (const { drop } of this.live.values()) drop();
  }
}
