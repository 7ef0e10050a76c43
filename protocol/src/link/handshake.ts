/**
 * What a receiver does with the peer's outbox floor from the handshake. Everything at or below the
 * floor was acknowledged by *someone* and is gone from the peer's outbox; if our own record is
 * behind it, our database was restored or replaced, and waiting for those numbers would stall the
 * link forever. The domain-level resynchronisation (e.g. the full worklist) repairs the content.
 */
export function inboxAfterHandshake(
  lastApplied: number,
  peerOutboxFloor: number,
): { advanceTo: number | null } {
  return { advanceTo: peerOutboxFloor > lastApplied ? peerOutboxFloor : null };
}
