/**
 * A decoder for the renditions' PNGs: 16-bit greyscale, not interlaced. A browser's <img> or
 * canvas reduces 16-bit samples to 8 bits, which would window the wrong values, so the viewer
 * reads the samples itself: the IDAT chunks are inflated with the browser's own zlib
 * (DecompressionStream), then each row is unfiltered (PNG filter types 0–4).
 */
export interface GreyImage {
  width: number;
  height: number;
  /** One sample per pixel, row by row. */
  samples: Uint16Array;
}

const SIGNATURE = [137, 80, 78, 71, 13, 10, 26, 10];

export async function decodeGrey16Png(bytes: Uint8Array): Promise<GreyImage> {
  if (bytes.length < 8 || SIGNATURE.some((b, i) => bytes[i] !== b)) throw new Error('not a PNG');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let width = 0;
  let height = 0;
  const idat: Uint8Array[] = [];
  for (let at = 8; at + 8 <= bytes.length;) {
    const length = view.getUint32(at);
    const type = String.fromCharCode(...bytes.subarray(at + 4, at + 8));
    const data = bytes.subarray(at + 8, at + 8 + length);
    if (type === 'IHDR') {
      width = view.getUint32(at + 8);
      height = view.getUint32(at + 12);
      const [depth, colourType, , , interlace] = data.subarray(8, 13);
      if (depth !== 16 || colourType !== 0 || interlace !== 0) {
        throw new Error('expected a 16-bit greyscale, non-interlaced PNG');
      }
    } else if (type === 'IDAT') {
      idat.push(data);
    } else if (type === 'IEND') {
      break;
    }
    at += 12 + length;
  }
  if (width === 0 || height === 0) throw new Error('PNG without a header');
  const raw = await inflate(idat);
  const stride = width * 2;
  if (raw.length < height * (stride + 1)) throw new Error('PNG data is short');
  const out = new Uint8Array(height * stride);
  const bpp = 2;
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)]!;
    const src = y * (stride + 1) + 1;
    const row = y * stride;
    const prev = row - stride;
    for (let x = 0; x < stride; x++) {
      const v = raw[src + x]!;
      const a = x >= bpp ? out[row + x - bpp]! : 0;
      const b = y > 0 ? out[prev + x]! : 0;
      const c = x >= bpp && y > 0 ? out[prev + x - bpp]! : 0;
      let r: number;
      switch (filter) {
        case 0:
          r = v;
          break;
        case 1:
          r = v + a;
          break;
        case 2:
          r = v + b;
          break;
        case 3:
          r = v + ((a + b) >> 1);
          break;
        case 4: {
          const p = a + b - c;
          const pa = Math.abs(p - a);
          const pb = Math.abs(p - b);
          const pc = Math.abs(p - c);
          r = v + (pa <= pb && pa <= pc ? a : pb <= pc ? b : c);
          break;
        }
        default:
          throw new Error(`unknown PNG filter ${filter}`);
      }
      out[row + x] = r & 0xff;
    }
  }
  const samples = new Uint16Array(width * height);
  for (let i = 0; i < samples.length; i++) samples[i] = (out[i * 2]! << 8) | out[i * 2 + 1]!;
  return { width, height, samples };
}

/** zlib-wrapped deflate ('deflate' in the Compression Streams standard) of the joined IDAT data. */
async function inflate(parts: Uint8Array[]): Promise<Uint8Array> {
  const stream = new Blob(parts as unknown as ConstructorParameters<typeof Blob>[0])
    .stream()
    .pipeThrough(new DecompressionStream('deflate'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}
