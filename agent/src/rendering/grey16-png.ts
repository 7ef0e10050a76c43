import { promisify } from 'node:util';
import { deflate, type ZlibOptions } from 'node:zlib';

const deflateAsync = promisify(deflate);

/**
 * zlib level for the rendition, from rendition-bench.ts: a 843 × 1024 radiograph rendition with
 * quantum noise deflates to about 850 KB at every level (noise leaves nothing to match: levels 1,
 * 2 and 6 and Huffman coding alone are within 3%), a 512² CT slice to 131, 125 and 95 KB at levels
 * 1, 2 and 6 and about 190 KB with Huffman or run-length coding alone. Level 6 takes about twice
 * level 2's time; level 2 keeps most of the CT's gain at close to the fastest radiograph time.
 */
export const DEFLATE_LEVEL = 2;

/**
 * A 16-bit greyscale PNG (PNG spec, colour type 0, bit depth 16) of the samples exactly as given.
 * Written here rather than by libvips because libvips offers 16-bit PNGs either unfiltered (twice
 * the bytes) or with every filter tried on every row (three times the time); one "Sub" filter
 * (each byte minus the same byte of the pixel to its left) gets nearly all of the gain of the
 * adaptive choice on images of anatomy, at the cost of one pass.
 */
export async function encodeGrey16Png(
  samples: Uint16Array,
  width: number,
  height: number,
  deflateOptions: ZlibOptions = { level: DEFLATE_LEVEL },
): Promise<Buffer> {
  if (samples.length < width * height) throw new Error('fewer samples than width × height');
  const stride = width * 2 + 1;
  const filtered = Buffer.allocUnsafe(stride * height);
  for (let y = 0; y < height; y++) {
    let o = y * stride;
    filtered[o++] = 1; // filter type 1, Sub
    let previousHigh = 0;
    let previousLow = 0;
    const row = y * width;
    for (let x = 0; x < width; x++) {
      const v = samples[row + x]!;
      const high = v >>> 8;
      const low = v & 0xff;
      filtered[o++] = (high - previousHigh) & 0xff;
      filtered[o++] = (low - previousLow) & 0xff;
      previousHigh = high;
      previousLow = low;
    }
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 16; // bit depth
  header[9] = 0; // greyscale; compression, filter method and interlace stay 0
  return Buffer.concat([
    PNG_SIGNATURE,
    chunk('IHDR', header),
    chunk('IDAT', await deflateAsync(filtered, deflateOptions)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

function chunk(type: string, data: Buffer): Buffer {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'latin1');
  data.copy(out, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

/** CRC-32 of ISO 3309 as PNG uses it (zlib.crc32 needs Node 20.15; the agent runs on 20.11). */
const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

function crc32(bytes: Buffer): number {
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
