import { parentPort, workerData } from 'node:worker_threads';
import sharp from 'sharp';
import type { InstanceImage } from '@lightbox/protocol';
import { renderInstance, type RenderOptions } from './render-instance.js';
import { lowerThreadPriority } from './thread-priority.js';
import type { HeaderAttributes } from './header-attributes.js';
import type { GreyRendition } from './render-frame.js';

/**
 * One rendering thread. Decoding and resizing are synchronous or CPU-bound; here they cannot
 * delay a DICOM answer on the main thread.
 */
export interface RenderJob {
  id: number;
  path: string;
  options: RenderOptions;
}

export type RenderReply =
  | {
      id: number;
      ok: true;
      thumbnail: Uint8Array;
      preview: Uint8Array;
      previewWidth: number;
      previewHeight: number;
      placeholderReason: string | null;
      frame: number | null;
      numberOfFrames: number | null;
      renderMs: number;
      attributes: HeaderAttributes | null;
      image: InstanceImage | null;
      rendition: (Omit<GreyRendition, 'png'> & { png: Uint8Array }) | null;
      framePreviews: { frame: number; jpeg: Uint8Array }[];
    }
  | { id: number; ok: false; error: string };

const port = parentPort;
if (!port) throw new Error('render-worker runs only as a worker thread');
const { vipsThreads } = workerData as { vipsThreads: number };
sharp.concurrency(vipsThreads);
// Below the DICOM thread: storage and echo answers come first, thumbnails use what is left.
lowerThreadPriority(10);
// Nothing is cached between images; libvips' operation cache only holds memory here.
sharp.cache(false);

port.on('message', (job: RenderJob) => {
  void (async () => {
    try {
      const r = await renderInstance(job.path, job.options);
      // Copied into buffers of their own, which move to the main thread without another copy.
      const thumbnail = new Uint8Array(r.thumbnail);
      const preview = new Uint8Array(r.preview);
      const rendition = r.rendition && { ...r.rendition, png: new Uint8Array(r.rendition.png) };
      const framePreviews = r.framePreviews.map((f) => ({ frame: f.frame, jpeg: new Uint8Array(f.jpeg) }));
      const reply: RenderReply = {
        id: job.id,
        ok: true,
        thumbnail,
        preview,
        previewWidth: r.previewWidth,
        previewHeight: r.previewHeight,
        placeholderReason: r.placeholderReason,
        frame: r.frame,
        numberOfFrames: r.numberOfFrames,
        renderMs: r.renderMs,
        attributes: r.attributes,
        image: r.image,
        rendition,
        framePreviews,
      };
      port.postMessage(reply, [
        thumbnail.buffer,
        preview.buffer,
        ...(rendition ? [rendition.png.buffer] : []),
        ...framePreviews.map((f) => f.jpeg.buffer),
      ]);
    } catch (err) {
      const reply: RenderReply = {
        id: job.id,
        ok: false,
        error: err instanceof Error ? err.message : String(err),
      };
      port.postMessage(reply);
    }
  })();
});
