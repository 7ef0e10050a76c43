import { deflateSync } from 'node:zlib';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { encodeGrey16Png } from '@lightbox/agent/rendering/grey16-png';
import { decodeGrey16Png } from '../pages/client/viewer-png.js';
import { greyTable, voiGrey } from '../pages/client/viewer-window.js';

/** Values that use all 16 bits, with structure so that every PNG filter type gets chosen. */
function samples(width: number, height: number): Uint16Array {
  const s = new Uint16Array(width * height);
  let seed = 3;
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      s[y * width + x] = y % 7 === 0 ? (seed >>> 8) & 0xffff : (x * 97 + y * 31) & 0xffff;
    }
  return s;
}

describe('the viewer’s PNG decoder', () => {
  it('reads the agent’s renditions sample for sample', async () => {
    const s = samples(301, 77);
    const png = await encodeGrey16Png(s, 301, 77);
    const decoded = await decodeGrey16Png(new Uint8Array(png));
    expect([decoded.width, decoded.height]).toEqual([301, 77]);
    expect(decoded.samples).toEqual(s);
  });

  it('undoes every PNG filter type (0 to 4), one per row in turn', async () => {
    const [width, height] = [57, 40];
    const s = samples(width, height);
    const decoded = await decodeGrey16Png(new Uint8Array(pngWithEveryFilter(s, width, height)));
    expect(decoded.samples).toEqual(s);
  });

  it('refuses what is not a 16-bit grey PNG', async () => {
    const rgb = await sharp({ create: { width: 4, height: 4, channels: 3, background: '#123456' } })
      .png()
      .toBuffer();
    await expect(decodeGrey16Png(new Uint8Array(rgb))).rejects.toThrow(/16-bit greyscale/);
    await expect(decodeGrey16Png(new Uint8Array([1, 2, 3]))).rejects.toThrow(/not a PNG/);
  });
});

describe('window/level', () => {
  it('follows the linear VOI function at its edges and inverts MONOCHROME1', () => {
    const w = { center: 1000, width: 200 };
    expect(voiGrey(899.5 - 0.5, w)).toBe(0);
    expect(voiGrey(1100, w)).toBe(255);
    expect(voiGrey(999.5, w)).toBe(128);
    const table = greyTable(
      { storedValueOffset: 32768, rescaleSlope: 1, rescaleIntercept: -1024, invert: true },
      w,
    );
    // PNG 32768 + 2024 → stored 2024 → 1000 HU: mid grey, inverted.
    expect(table[32768 + 2024]! & 0xff).toBe(255 - voiGrey(1000, w));
    expect(table[0]! & 0xff).toBe(255);
  });
});

/** A 16-bit grey PNG whose row y uses filter type y % 5, written from the PNG specification (9.2). */
function pngWithEveryFilter(s: Uint16Array, width: number, height: number): Buffer {
  const stride = width * 2;
  const raw = Buffer.alloc(stride * height);
  s.forEach((v, i) => raw.writeUInt16BE(v, i * 2));
  const out = Buffer.alloc((stride + 1) * height);
  for (let y = 0; y < height; y++) {
    const type = y % 5;
    out[y * (stride + 1)] = type;
    for (let x = 0; x < stride; x++) {
      const v = raw[y * stride + x]!;
      const a = x >= 2 ? raw[y * stride + x - 2]! : 0;
      const b = y > 0 ? raw[(y - 1) * stride + x]! : 0;
      const c = x >= 2 && y > 0 ? raw[(y - 1) * stride + x - 2]! : 0;
      const p = a + b - c;
      const paeth =
        Math.abs(p - a) <= Math.abs(p - b) && Math.abs(p - a) <= Math.abs(p - c)
          ? a
          : Math.abs(p - b) <= Math.abs(p - c)
            ? b
            : c;
      const predictor = [0, a, b, Math.floor((a + b) / 2), paeth][type]!;
      out[y * (stride + 1) + 1 + x] = (v - predictor) & 0xff;
    }
  }
  const chunk = (type: string, data: Buffer) => {
    const head = Buffer.alloc(8);
    head.writeUInt32BE(data.length);
    head.write(type, 4, 'latin1');
    // The decoder does not check CRCs (the browser's fetch already did the transport's); zeros here.
    return Buffer.concat([head, data, Buffer.alloc(4)]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([16, 0, 0, 0, 0], 8);
  return Buffer.concat([
    Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(out)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}
