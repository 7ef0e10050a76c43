import type { AgentToPluginMessage } from '@lightbox/protocol';
import type { storedInstances } from '../db/schema.js';
import type { RenderResult } from '../rendering/render-pool.js';
import { frameMessages, sendableFramePreviews } from './frame-messages.js';
import { instanceMessage } from './instance-message.js';

type StoredRow = typeof storedInstances.$inferSelect;

/**
 * The messages one rendered instance becomes, in the order they go into the outbox: its
 * `instance.stored`, then the `instance.frames` of a multi-frame object. Frames announced are
 * frames sent: both or neither.
 */
export function deliveryMessages(
  row: StoredRow,
  rendering: RenderResult,
  warn: (dropped: string[]) => void,
): AgentToPluginMessage[] {
  const previews = sendableFramePreviews(rendering.framePreviews);
  const stored = instanceMessage(
    row,
    rendering.attributes,
    { ...rendering, framePreviewFrames: previews.map((p) => p.frame) },
    warn,
  );
  const frames = stored.media.framePreviews ? frameMessages(row.sopInstanceUid, row.sha256, previews) : [];
  return [stored, ...frames];
}
