import { z } from 'zod';
import { MAX_FRAME_PREVIEWS } from './instance-image.js';

const uid = z
  .string()
  .regex(/^[0-9]+(\.[0-9]+)*$/)
  .max(64);

/** The base64 characters of frame JPEGs one message carries at most: well inside a 4 MiB link frame. */
export const MAX_FRAMES_MESSAGE_CHARS = 3_000_000;

/**
 * Preview JPEGs of some frames of a multi-frame object (a cine loop), following its
 * `instance.stored` in the same outbox commit. `index` is the position in the instance's announced
 * frame list, so messages that arrive twice or out of their group change nothing. Added without a
 * protocol version change (every other rendition field is optional): a plugin that predates it
 * would refuse it, so plugins are upgraded before their agents.
 */
export const instanceFramesMessage = z
  .object({
    kind: z.literal('instance.frames'),
    sopInstanceUid: uid,
    sha256: z.string().regex(/^[0-9a-f]{64}$/),
    frames: z
      .array(
        z.object({
          index: z
            .number()
            .int()
            .min(0)
            .max(MAX_FRAME_PREVIEWS - 1),
          frame: z.number().int().nonnegative(),
          jpeg: z.base64().max(MAX_FRAMES_MESSAGE_CHARS),
        }),
      )
      .min(1)
      .max(MAX_FRAME_PREVIEWS),
  })
  .refine((m) => m.frames.reduce((n, f) => n + f.jpeg.length, 0) <= MAX_FRAMES_MESSAGE_CHARS, {
    message: `frame JPEGs of one message exceed ${MAX_FRAMES_MESSAGE_CHARS} base64 characters`,
    path: ['frames'],
  });
export type InstanceFramesMessage = z.infer<typeof instanceFramesMessage>;
