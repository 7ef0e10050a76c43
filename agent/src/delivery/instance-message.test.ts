import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { MAX_FRAME_BYTES } from '@lightbox/protocol';
import { storedInstanceFixture } from '../db/test-support/stored-instance-fixture.js';
import type { GreyRendition } from '../rendering/render-frame.js';
import { instanceMessage } from './instance-message.js';

/** What goes into `instance.stored`: the rendition with its facts, within one link frame. */
const row = storedInstanceFixture();
const image = {
  columns: 2800,
  rows: 3400,
  numberOfFrames: 1,
  photometricInterpretation: 'MONOCHROME2',
  pixelSpacingMm: null,
  rescaleSlope: 1,
  rescaleIntercept: 0,
  windows: [],
};
const rendition = (pngBytes: number): GreyRendition => ({
  png: randomBytes(pngBytes),
  width: 843,
  height: 1024,
  storedValueOffset: 0,
  invert: false,
  defaultWindow: { center: 2000, width: 4000 },
});

/** `instance.stored` for the row above, its images of these sizes in bytes (random: they do not shrink). */
function storedWith(bytes: { thumbnail: number; preview: number; rendition: number }, frame: number) {
  const warned: string[][] = [];
  const msg = instanceMessage(
    row,
    null,
    {
      thumbnail: randomBytes(bytes.thumbnail),
      preview: randomBytes(bytes.preview),
      placeholderReason: null,
      image,
      rendition: rendition(bytes.rendition),
      frame,
    },
    (d) => warned.push(d),
  );
  return { msg, warned };
}

describe('instance.stored with a rendition', () => {
  it('carries the rendition, the frame it shows and the image facts', () => {
    const { msg, warned } = storedWith({ thumbnail: 10, preview: 10, rendition: 100 }, 3);
    expect(msg.image).toEqual(image);
    expect(msg.media.rendition).toMatchObject({ format: 'grey16', frame: 3, width: 843, height: 1024 });
    expect(Buffer.from(msg.media.rendition!.png, 'base64')).toHaveLength(100);
    expect(warned).toEqual([]);
  });

  it('leaves the rendition out, with a warning, when it and the preview would outgrow a link frame', () => {
    // Noise neither JPEG nor PNG can shrink: a 1.9 MB preview and a 2.1 MB rendition.
    const { msg, warned } = storedWith({ thumbnail: 50_000, preview: 1_900_000, rendition: 2_100_000 }, 0);
    expect(msg.media.rendition).toBeUndefined();
    expect(msg.image).toEqual(image);
    expect(Buffer.byteLength(JSON.stringify(msg))).toBeLessThan(MAX_FRAME_BYTES);
    expect(warned).toEqual([['rendition']]);
  });
});
