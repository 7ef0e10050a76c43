/**
 * WebSocket close codes with a name, so both sides can log *why* a link ended.
 * 4000–4999 is the range RFC 6455 leaves to applications.
 */
export const CloseCode = {
  incompatibleProtocol: 4001,
  invalidHandshake: 4002,
  superseded: 4003,
  sequenceGap: 4004,
  heartbeatTimeout: 4005,
  shuttingDown: 4006,
  /** The agent's token was rotated with immediate effect, or the agent removed. */
  credentialsRevoked: 4007,
  /** RFC 6455: a frame larger than the receiver accepts. */
  frameTooLarge: 1009,
} as const;

export type CloseCodeName = keyof typeof CloseCode;

export function closeCodeName(code: number): string {
  for (const [name, value] of Object.entries(CloseCode)) if (value === code) return name;
  return `code-${code}`;
}

/** The largest frame either side accepts; media travel in chunks well below it. */
export const MAX_FRAME_BYTES = 4 * 1024 * 1024;
