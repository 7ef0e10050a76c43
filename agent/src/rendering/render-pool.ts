import { Worker } from 'node:worker_threads';
import type { Logger } from '@lightbox/runtime';
import { LightboxError } from '../errors.js';
import type { RenderJob, RenderReply } from './render-worker.js';
import { workerScript } from './worker-script.js';
import type { InstanceRendering, RenderOptions } from './render-instance.js';

export type RenderResult = InstanceRendering;

export interface RenderPoolOptions {
  /** Worker threads; on a two-core modality PC one leaves a core for DICOM. */
  size: number;
  /** libvips threads per worker. */
  vipsThreads: number;
  /** A job that takes longer (a decoder stuck on a hostile codestream) is abandoned, its worker replaced. */
  jobTimeoutMs: number;
  log: Logger;
  /** Lossless grey renditions beside the previews; on unless turned off (the bench compares both). */
  renditions?: boolean;
}

interface Pending {
  job: RenderJob;
  resolve: (r: RenderResult) => void;
  reject: (err: Error) => void;
}

interface Slot {
  worker: Worker;
  busy: Pending | null;
  timer: NodeJS.Timeout | null;
  timedOut: boolean;
}

export class RenderFailedError extends LightboxError {
  constructor(message: string) {
    super('render_failed', message);
  }
}

let workerUrl: URL | undefined;

/** Bundled on first use; see worker-script.ts for why a worker cannot load the sources directly. */
function renderWorkerUrl(): URL {
  workerUrl ??= import.meta.url.endsWith('.ts')
    ? workerScript(new URL('./render-worker.ts', import.meta.url), ['sharp', 'dcmjs-codecs'])
    : new URL('./render-worker.js', import.meta.url);
  return workerUrl;
}

/**
 * A fixed pool of rendering threads with a queue. A worker that crashes or hangs is replaced and
 * its job fails with a reason; the caller records a placeholder — never a missing record.
 */
export class RenderPool {
  private readonly slots: Slot[] = [];
  private readonly queue: Pending[] = [];
  private nextId = 1;
  private closed = false;

  private readonly renderOptions: RenderOptions;

  constructor(private readonly opts: RenderPoolOptions) {
    // A quarter of the job's time for the frames of a loop, so a slow codec shortens the loop
    // rather than costing the instance its thumbnail.
    this.renderOptions = {
      rendition: opts.renditions ?? true,
      framePreviewBudgetMs: Math.min(15_000, Math.floor(opts.jobTimeoutMs / 4)),
    };
    for (let i = 0; i < Math.max(1, opts.size); i++) this.slots.push(this.spawn());
  }

  render(path: string): Promise<RenderResult> {
    if (this.closed) return Promise.reject(new RenderFailedError('the render pool is closed'));
    return new Promise((resolve, reject) => {
      this.queue.push({ job: { id: this.nextId++, path, options: this.renderOptions }, resolve, reject });
      this.pump();
    });
  }

  get queueDepth(): number {
    return this.queue.length + this.slots.filter((s) => s.busy).length;
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const pending of this.queue.splice(0))
      pending.reject(new RenderFailedError('the render pool closed'));
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
  }

  private spawn(): Slot {
    const worker = new Worker(renderWorkerUrl(), { workerData: { vipsThreads: this.opts.vipsThreads } });
    const slot: Slot = { worker, busy: null, timer: null, timedOut: false };
    worker.on('message', (reply: RenderReply) => this.finish(slot, reply));
    worker.on('error', (err) => this.replace(slot, `the render worker failed: ${err.message}`));
    worker.on('exit', (code) => {
      if (this.closed) return;
      const ms = this.opts.jobTimeoutMs;
      this.replace(
        slot,
        slot.timedOut ? `rendering took longer than ${ms} ms` : `the render worker exited with code ${code}`,
      );
    });
    worker.unref();
    return slot;
  }

  private pump(): void {
    for (const slot of this.slots) {
      if (slot.busy) continue;
      const next = this.queue.shift();
      if (!next) return;
      slot.busy = next;
      slot.timer = setTimeout(() => {
        this.opts.log.warn('render job timed out; replacing its worker', { path: next.job.path });
        slot.timedOut = true;
        void slot.worker.terminate();
      }, this.opts.jobTimeoutMs);
      slot.worker.postMessage(next.job);
    }
  }

  private finish(slot: Slot, reply: RenderReply): void {
    const pending = slot.busy;
    if (!pending || pending.job.id !== reply.id) return;
    this.release(slot);
    if (reply.ok) {
      const { id: _id, ok: _ok, ...rendering } = reply;
      pending.resolve({
        ...rendering,
        thumbnail: bufferOf(reply.thumbnail),
        preview: bufferOf(reply.preview),
        rendition: reply.rendition && { ...reply.rendition, png: bufferOf(reply.rendition.png) },
        framePreviews: reply.framePreviews.map((f) => ({ frame: f.frame, jpeg: bufferOf(f.jpeg) })),
      });
    } else {
      pending.reject(new RenderFailedError(reply.error));
    }
    this.pump();
  }

  private release(slot: Slot): void {
    if (slot.timer) clearTimeout(slot.timer);
    slot.timer = null;
    slot.busy = null;
  }

  /** A dead or stuck worker: fail its job, start a fresh thread in its place. */
  private replace(slot: Slot, reason: string): void {
    const pending = slot.busy;
    this.release(slot);
    const index = this.slots.indexOf(slot);
    if (index < 0) return;
    slot.worker.removeAllListeners();
    void slot.worker.terminate();
    if (this.closed) return;
    this.slots[index] = this.spawn();
    if (pending) {
      this.opts.log.error('render job failed', { path: pending.job.path, reason });
      pending.reject(new RenderFailedError(reason));
    }
    this.pump();
  }
}

/** A Buffer over the bytes a worker handed over, without copying them. */
function bufferOf(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
