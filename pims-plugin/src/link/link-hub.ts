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
    const current = this.live.get(agentId);
    if (current?.connectionId !== connectionId) return false;
    this.live.delete(agentId);
    return true;
  }

  /** Closes the agent's live link here, if any: its token was revoked or it was removed. */
  drop(agentId: string, code: number, reason: string): boolean {
    const current = this.live.get(agentId);
    current?.drop(code, reason);
    return current !== undefined;
  }

  notify(agentId: string): void {
    this.live.get(agentId)?.endpoint.notifyOutbox();
  }

  linkedAgentIds(): string[] {
    return [...this.live.keys()];
  }

  isConnected(agentId: string): boolean {
    return this.live.has(agentId);
  }

  dropAll(): void {
    for (const { drop } of this.live.values()) drop();
  }
}
