import sharp from 'sharp';
import { PREVIEW_EDGE, THUMBNAIL_EDGE, type RenderedImages } from './render-frame.js';

/**
 * What the vet sees when an image cannot be drawn: a plain grey tile that says so, never a missing
 * picture. The reason goes to the log and the record; the tile shows a short line only.
 */
export async function placeholderImages(shortReason: string): Promise<RenderedImages> {
  const tile = async (edge: number): Promise<Buffer> => {
    const text = escapeXml(shortReason.slice(0, 60));
    const svg = Buffer.from(
      `<svg xmlns="http://www.w3.org/2000/svg" width="${edge}" height="${edge}">` +
        `<rect width="100%" height="100%" fill="#3a3a3a"/>` +
        `<text x="50%" y="45%" font-family="sans-serif" font-size="${edge / 12}" fill="#e0e0e0" text-anchor="middle">No preview</text>` +
        `<text x="50%" y="60%" font-family="sans-serif" font-size="${edge / 28}" fill="#b0b0b0" text-anchor="middle">${text}</text>` +
        `</svg>`,
    );
    return sharp(svg).jpeg({ quality: 80 }).toBuffer();
  };
  return {
    thumbnail: await tile(THUMBNAIL_EDGE),
    preview: await tile(PREVIEW_EDGE / 2),
    previewWidth: PREVIEW_EDGE / 2,
    previewHeight: PREVIEW_EDGE / 2,
  };
}

function escapeXml(s: string): string {
  return s.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);
}
