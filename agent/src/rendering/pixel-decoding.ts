import codecs from 'dcmjs-codecs';
import { encodedFrame, nativeFrame } from './frame-extraction.js';
import { ImageFormatError, type ImageObject } from './part10-image-reader.js';

const { Context, NativeCodecs } = codecs;

/**
 * One frame as samples: grey frames widened to 16 bits (the thumbnail path works in one depth),
 * colour frames as interleaved 8-bit RGB.
 */
export type DecodedFrame =
  | { kind: 'grey'; width: number; height: number; samples: Uint16Array; signed: boolean }
  | { kind: 'rgb'; width: number; height: number; samples: Uint8Array };

/** A valid image this renderer has no way to draw (an unsupported codec or photometric). */
export class DecoderUnavailableError extends ImageFormatError {
  constructor(message: string) {
    super(message);
    this.name = 'DecoderUnavailableError';
  }
}

type Decoder = 'jpeg' | 'jpegLs' | 'jpeg2000' | 'htJpeg2000' | 'rle' | 'jpegXl';

/** Compressed transfer syntaxes and the codec that reads each. */
const DECODERS: Record<string, Decoder> = {
  '1.2.840.10008.1.2.4.50': 'jpeg',
  '1.2.840.10008.1.2.4.51': 'jpeg',
  '1.2.840.10008.1.2.4.57': 'jpeg',
  '1.2.840.10008.1.2.4.70': 'jpeg',
  '1.2.840.10008.1.2.4.80': 'jpegLs',
  '1.2.840.10008.1.2.4.81': 'jpegLs',
  '1.2.840.10008.1.2.4.90': 'jpeg2000',
  '1.2.840.10008.1.2.4.91': 'jpeg2000',
  '1.2.840.10008.1.2.4.201': 'htJpeg2000',
  '1.2.840.10008.1.2.4.202': 'htJpeg2000',
  '1.2.840.10008.1.2.4.203': 'htJpeg2000',
  '1.2.840.10008.1.2.4.110': 'jpegXl',
  '1.2.840.10008.1.2.4.112': 'jpegXl',
  '1.2.840.10008.1.2.5': 'rle',
};

let codecsReady: Promise<void> | undefined;

/** The WebAssembly codecs load once per thread, from the npm package itself (no network). */
export function initializeCodecs(): Promise<void> {
  codecsReady ??= NativeCodecs.initializeAsync();
  return codecsReady;
}

export async function decodeFrame(object: ImageObject, index: number): Promise<DecodedFrame> {
  const { header, pixelData } = object;
  let bytes: Uint8Array;
  let photometric = header.photometricInterpretation;
  let planar = header.planarConfiguration;
  if (pixelData.kind === 'native') {
    bytes = nativeFrame(object, index);
  } else {
    const decoder = DECODERS[header.transferSyntaxUid];
    if (!decoder)
      throw new DecoderUnavailableError(`no decoder for transfer syntax ${header.transferSyntaxUid}`);
    await initializeCodecs();
    const context = new Context({
      width: header.columns,
      height: header.rows,
      bitsAllocated: header.bitsAllocated,
      bitsStored: header.bitsStored,
      samplesPerPixel: header.samplesPerPixel,
      pixelRepresentation: header.pixelRepresentation,
      planarConfiguration: header.planarConfiguration,
      photometricInterpretation: header.photometricInterpretation,
      encodedBuffer: new Uint8Array(encodedFrame(object, index)),
    });
    const decoded = runDecoder(decoder, context);
    const out = decoded.getDecodedBuffer();
    if (!out || out.length === 0) throw new ImageFormatError(`the ${decoder} decoder returned no pixels`);
    bytes = out;
    photometric = decoded.getPhotometricInterpretation() ?? photometric;
    planar = decoded.getPlanarConfiguration() === 1 ? 1 : 0;
  }
  const width = header.columns;
  const height = header.rows;
  if (header.samplesPerPixel === 1) {
    if (photometric === 'PALETTE COLOR') {
      throw new DecoderUnavailableError('PALETTE COLOR images are not rendered');
    }
    return {
      kind: 'grey',
      width,
      height,
      ...greySamples(bytes, header.bitsAllocated, header.bitsStored, header.pixelRepresentation),
    };
  }
  if (header.samplesPerPixel !== 3) {
    throw new ImageFormatError(
      `${header.samplesPerPixel} samples per pixel is not an image a thumbnail can show`,
    );
  }
  return {
    kind: 'rgb',
    width,
    height,
    samples: toRgb(bytes, width * height, header.bitsAllocated, photometric, planar),
  };
}

function runDecoder(decoder: Decoder, context: InstanceType<typeof Context>) {
  switch (decoder) {
    case 'jpeg':
      return NativeCodecs.decodeJpeg(context, { convertColorspaceToRgb: true });
    case 'jpegLs':
      return NativeCodecs.decodeJpegLs(context);
    case 'jpeg2000':
      return NativeCodecs.decodeJpeg2000(context);
    case 'htJpeg2000':
      return NativeCodecs.decodeHtJpeg2000(context);
    case 'jpegXl':
      return NativeCodecs.decodeJpegXl(context);
    case 'rle':
      return NativeCodecs.decodeRle(context);
  }
}

/**
 * Grey samples as unsigned 16-bit. Bits above Bits Stored may carry overlays or garbage, so they
 * are masked; signed values are sign-extended and shifted by +32768 so that resizing (which clamps
 * negatives) keeps them — the renderer shifts them back.
 */
export function greySamples(
  bytes: Uint8Array,
  bitsAllocated: number,
  bitsStored: number,
  pixelRepresentation: 0 | 1,
): { samples: Uint16Array; signed: boolean } {
  const signed = pixelRepresentation === 1;
  if (bitsAllocated === 8) {
    const out = new Uint16Array(bytes.length);
    for (let i = 0; i < bytes.length; i++) out[i] = signed ? ((bytes[i]! << 24) >> 24) + 32768 : bytes[i]!;
    return { samples: out, signed };
  }
  if (bitsAllocated !== 16)
    throw new DecoderUnavailableError(`${bitsAllocated}-bit grey images are not rendered`);
  const count = bytes.length >> 1;
  const stored = Math.min(16, Math.max(1, bitsStored));
  const mask = stored === 16 ? 0xffff : (1 << stored) - 1;
  const source = uint16View(bytes, count);
  if (signed) {
    const out = new Uint16Array(count);
    const shift = 32 - stored;
    for (let i = 0; i < count; i++) out[i] = (((source[i]! & mask) << shift) >> shift) + 32768;
    return { samples: out, signed };
  }
  // Masking ten million samples costs half the render budget, and modern modalities leave the
  // bits above Bits Stored at zero: look at a sample of pixels first and mask only when needed.
  if (mask === 0xffff || !highBitsUsed(source, mask)) return { samples: source, signed };
  const out = new Uint16Array(count);
  for (let i = 0; i < count; i++) out[i] = source[i]! & mask;
  return { samples: out, signed };
}

/** The samples in place when the bytes are aligned (they are, in a file read whole), else a copy. */
function uint16View(bytes: Uint8Array, count: number): Uint16Array {
  if (bytes.byteOffset % 2 === 0) return new Uint16Array(bytes.buffer, bytes.byteOffset, count);
  const copy = new Uint8Array(count * 2);
  copy.set(bytes.subarray(0, count * 2));
  return new Uint16Array(copy.buffer, 0, count);
}

function highBitsUsed(samples: Uint16Array, mask: number): boolean {
  const step = Math.max(1, Math.floor(samples.length / 65536));
  for (let i = 0; i < samples.length; i += step) if (samples[i]! > mask) return true;
  return false;
}

function toRgb(
  bytes: Uint8Array,
  pixels: number,
  bitsAllocated: number,
  photometric: string,
  planar: 0 | 1,
): Uint8Array {
  if (bitsAllocated !== 8)
    throw new DecoderUnavailableError(`${bitsAllocated}-bit colour images are not rendered`);
  let rgb = bytes.subarray(0, pixels * 3);
  if (rgb.length < pixels * 3)
    throw new ImageFormatError('the colour frame is shorter than its rows and columns');
  if (photometric === 'YBR_FULL_422' && bytes.length >= pixels * 2 && bytes.length < pixels * 3) {
    return ybr422ToRgb(bytes, pixels);
  }
  if (planar === 1) rgb = interleave(rgb, pixels);
  if (photometric === 'YBR_FULL' || photometric === 'YBR_FULL_422') return ybrFullToRgb(rgb);
  if (photometric !== 'RGB') throw new DecoderUnavailableError(`${photometric} images are not rendered`);
  return rgb;
}

function interleave(planes: Uint8Array, pixels: number): Uint8Array {
  const out = new Uint8Array(pixels * 3);
  for (let i = 0; i < pixels; i++) {
    out[i * 3] = planes[i]!;
    out[i * 3 + 1] = planes[pixels + i]!;
    out[i * 3 + 2] = planes[2 * pixels + i]!;
  }
  return out;
}

const clamp8 = (v: number): number => (v < 0 ? 0 : v > 255 ? 255 : Math.round(v));

/** PS3.3 C.7.6.3.1.2: YBR_FULL is full-range ITU-R BT.601. */
function ybrFullToRgb(ybr: Uint8Array): Uint8Array {
  const out = new Uint8Array(ybr.length);
  for (let i = 0; i < ybr.length; i += 3) {
    const y = ybr[i]!;
    const cb = ybr[i + 1]! - 128;
    const cr = ybr[i + 2]! - 128;
    out[i] = clamp8(y + 1.402 * cr);
    out[i + 1] = clamp8(y - 0.344136 * cb - 0.714136 * cr);
    out[i + 2] = clamp8(y + 1.772 * cb);
  }
  return out;
}

/** Uncompressed YBR_FULL_422: Y1 Y2 Cb Cr for each pair of pixels. */
function ybr422ToRgb(bytes: Uint8Array, pixels: number): Uint8Array {
  const ybr = new Uint8Array(pixels * 3);
  for (let p = 0, i = 0; p + 1 < pixels; p += 2, i += 4) {
    const cb = bytes[i + 2]!;
    const cr = bytes[i + 3]!;
    ybr.set([bytes[i]!, cb, cr, bytes[i + 1]!, cb, cr], p * 3);
  }
  return ybrFullToRgb(ybr);
}
