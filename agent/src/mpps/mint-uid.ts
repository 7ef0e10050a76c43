import { randomUUID } from 'node:crypto';

/**
 * A UID under `2.25.` (PS3.5 B.2: a UUID as one decimal number), as the plugin mints Study Instance
 * UIDs: unique without a registered root, and at most 44 characters.
 */
export function mintUid(): string {
  return `2.25.${BigInt(`0x${randomUUID().replace(/-/g, '')}`).toString()}`;
}
