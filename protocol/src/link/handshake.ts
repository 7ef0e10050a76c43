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

/**
 * Why a peer's handshake counters cannot be believed, or null. A peer that says it received a
 * message numbered above anything this side ever sent is wrong (a forged or corrupt hello): taking
 * its word would mark every message up to that number acknowledged — dropped unsent — and push the
 * numbering toward the end of the safe integers (a claim of 10^15 was seen).
 */
export function peerCountersProblem(
  claimedLastReceived: number,
  weLastSent: number,
  claimedOutboxFloor: number,
): string | null {
  if (!Number.isSafeInteger(claimedLastReceived) || claimedLastReceived < 0)
    return `lastReceivedSeq ${claimedLastReceived} is not a sequence number`;
  if (!Number.isSafeInteger(claimedOutboxFloor) || claimedOutboxFloor < 0)
    return `outboxFloorSeq ${claimedOutboxFloor} is not a sequence number`;
  if (claimedLastReceived > weLastSent)
    // Kept short: a WebSocket close reason holds at most 123 bytes.
    return `lastReceivedSeq ${claimedLastReceived} is ahead of all this side sent (${weLastSent})`;
  return null;
}
