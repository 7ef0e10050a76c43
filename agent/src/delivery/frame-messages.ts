import {
  instanceFramesMessage,
  MAX_FRAMES_MESSAGE_CHARS,
  type InstanceFramesMessage,
} from '@lightbox/protocol';
import type { FramePreview } from '../rendering/render-instance.js';

/**
 * Base64 characters of frame JPEGs per message. About a megabyte keeps every outbox row, and what
 * the link holds in memory while sending it, small; a 120-frame ultrasound loop takes a few messages.
 */
const FRAMES_PER_MESSAGE_CHARS = 1_000_000;

/**
 * The `instance.frames` messages carrying a multi-frame object's frame previews, in frame order,
 * each frame's place in the announced list (`index`) with it. Empty when a single preview could not
 * travel at all; then none is announced either (see `sendableFramePreviews`).
 */
export function frameMessages(
  sopInstanceUid: string,
  sha256: string,
  previews: FramePreview[],
): InstanceFramesMessage[] {
  const messages: InstanceFramesMessage[] = [];
  let frames: InstanceFramesMessage['frames'] = [];
  let chars = 0;
  const flush = () => {
    if (frames.length === 0) return;
    messages.push(instanceFramesMessage.parse({ kind: 'instance.frames', sopInstanceUid, sha256, frames }));
    frames = [];
    chars = 0;
  };
  previews.forEach((p, index) => {
    const jpeg = p.jpeg.toString('base64');
    if (chars > 0 && chars + jpeg.length > FRAMES_PER_MESSAGE_CHARS) flush();
    frames.push({ index, frame: p.frame, jpeg });
    chars += jpeg.length;
  });
  flush();
  return messages;
}

/** The previews, or none if one of them is too large for any message (never seen: 512 px JPEGs). */
export function sendableFramePreviews(previews: FramePreview[]): FramePreview[] {
  const tooLarge = previews.some((p) => Math.ceil(p.jpeg.length / 3) * 4 > MAX_FRAMES_MESSAGE_CHARS);
  return tooLarge ? [] : previews;
}
