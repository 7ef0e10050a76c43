import { parentPort, workerData } from 'node:worker_threads';
import sharp from 'sharp';
import { renderInstance, type InstanceRendering, type RenderOptions } from './render-instance.js';
import { lowerThreadPriority } from './thread-priority.js';
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

/** An instance's rendering as it crosses the thread boundary: its images as plain byte arrays. */
export type TransferredRendering = Omit<
  InstanceRendering,
  'thumbnail' | 'preview' | 'rendition' | 'framePreviews'
> & {
  thumbnail: Uint8Array;
  preview: Uint8Array;
  rendition: (Omit<GreyRendition, 'png'> & { png: Uint8Array }) | null;
  framePreviews: { frame: number; jpeg: Uint8Array }[];
};

export type RenderReply =
  ({ id: number; ok: true } & TransferredRendering) | { id: number; ok: false; error: string };

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
      const reply: RenderReply = { ...r, id: job.id, ok: true, thumbnail, preview, rendition, framePreviews };
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
