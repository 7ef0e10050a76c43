import { decodeGrey16Png, type GreyImage } from './viewer-png.js';
import { measureLabel, type Spacing } from './viewer-measure.js';
import { applyTable, greyTable, HOUNSFIELD_PRESETS, type Window } from './viewer-window.js';

// The viewer: every pane (one study, or two to compare) steps through its images and frames,
// zooms and pans, windows the 16-bit rendition's real values, and measures.

interface RenditionView {
  url: string;
  format: 'grey16' | 'rgb8';
  width: number;
  height: number;
  frame: number;
  storedValueOffset: number;
  rescaleSlope: number;
  rescaleIntercept: number;
  invert: boolean;
  windows: { center: number; width: number; explanation: string | null }[];
  defaultWindow: Window;
}
interface ImageView {
  columns: number;
  rows: number;
  numberOfFrames: number;
  pixelSpacingMm: Spacing | null;
  rendition: RenditionView | null;
  frameUrls: string[] | null;
}
interface ViewerImage {
  label: string;
  seriesIndex: number;
  previewUrl: string;
  modality: string | null;
  image: ImageView | null;
  placeholder: boolean;
}
interface ViewerStudy {
  studyId: string;
  title: string;
  modality: string | null;
  images: ViewerImage[];
  seriesLabels: string[];
}

type Tool = 'window' | 'pan' | 'measure';
interface Point {
  x: number;
  y: number;
}

const greyCache = new Map<string, Promise<GreyImage>>();
const jpegCache = new Map<string, Promise<HTMLImageElement>>();

function loadGrey(url: string): Promise<GreyImage> {
  let p = greyCache.get(url);
  if (!p) {
    p = fetch(url)
      .then((r) => {
        if (!r.ok) throw new Error(`rendition ${r.status}`);
        return r.arrayBuffer();
      })
      .then((b) => decodeGrey16Png(new Uint8Array(b)));
    greyCache.set(url, p);
  }
  return p;
}

function loadJpeg(url: string): Promise<HTMLImageElement> {
  let p = jpegCache.get(url);
  if (!p) {
    p = new Promise((resolve, reject) => {
      const img = new Image();
      img.onload = () => resolve(img);
      img.onerror = () => reject(new Error('image did not load'));
      img.src = url;
    });
    jpegCache.set(url, p);
  }
  return p;
}

class Pane {
  private readonly study: ViewerStudy;
  private readonly canvas: HTMLCanvasElement;
  private readonly ctx: CanvasRenderingContext2D;
  private readonly offscreen = document.createElement('canvas');
  private index = 0;
  private frame = 0;
  private zoom = 1;
  private pan: Point = { x: 0, y: 0 };
  private window: Window | null = null;
  private tool: Tool = 'window';
  private grey: GreyImage | null = null;
  private pixels: ImageData | null = null;
  private jpeg: HTMLImageElement | null = null;
  private line: { a: Point; b: Point } | null = null;
  private pending = false;
  private loadSeq = 0;
  /** Frames drawn: the bench reads it to count window/level frames per second. */
  private drawn = 0;

  constructor(private readonly root: HTMLElement) {
    this.study = JSON.parse(root.dataset.study ?? '{}') as ViewerStudy;
    this.canvas = root.querySelector('canvas')!;
    this.ctx = this.canvas.getContext('2d')!;
    this.bind();
    new ResizeObserver(() => this.requestDraw()).observe(this.canvas);
  }

  start(index: number): void {
    void this.show(Math.min(Math.max(0, index), this.study.images.length - 1));
  }

  focus(): void {
    this.canvas.focus();
  }

  private get current(): ViewerImage | undefined {
    return this.study.images[this.index];
  }

  private get rendition(): RenditionView | null {
    const r = this.current?.image?.rendition;
    return r && r.format === 'grey16' && !this.framesShown() ? r : null;
  }

  private framesShown(): boolean {
    return (this.current?.image?.frameUrls?.length ?? 0) > 1;
  }

  private async show(index: number): Promise<void> {
    if (this.study.images.length === 0) {
      this.text('.pos', 'No images');
      return;
    }
    const changed = index !== this.index || (!this.grey && !this.jpeg);
    this.index = index;
    if (changed) {
      this.frame = 0;
      this.line = null;
      this.text('.measure', '');
      this.window = null;
    }
    const img = this.current!;
    const frames = img.image?.frameUrls ?? null;
    if (frames && frames.length > 1 && changed) this.frame = Math.floor(frames.length / 2);
    const series =
      this.study.seriesLabels.length > 1
        ? ` · series ${img.seriesIndex + 1} of ${this.study.seriesLabels.length}`
        : '';
    this.text('.pos', `Image ${index + 1} of ${this.study.images.length}${series}`);
    this.canvas.setAttribute('aria-label', `${this.study.title}: ${img.label}`);
    const framesGroup = this.root.querySelector<HTMLElement>('.frames')!;
    framesGroup.hidden = !(frames && frames.length > 1);
    if (frames && frames.length > 1) this.text('.frame-pos', `Frame ${this.frame + 1} of ${frames.length}`);
    this.fillPresets();
    const seq = ++this.loadSeq;
    const rendition = this.rendition;
    try {
      if (rendition) {
        const grey = await loadGrey(rendition.url);
        if (seq !== this.loadSeq) return;
        this.grey = grey;
        this.jpeg = null;
        this.window ??= { ...rendition.defaultWindow };
        this.offscreen.width = grey.width;
        this.offscreen.height = grey.height;
        this.pixels = new ImageData(grey.width, grey.height);
        this.renderWindow();
      } else {
        const url = frames && frames.length > 1 ? frames[this.frame]! : img.previewUrl;
        const jpeg = await loadJpeg(url);
        if (seq !== this.loadSeq) return;
        this.jpeg = jpeg;
        this.grey = null;
        this.pixels = null;
      }
    } catch {
      if (seq === this.loadSeq) this.text('.wl', 'This image could not be loaded.');
      return;
    }
    this.readout();
    this.requestDraw();
    // Neighbours load ahead, so stepping through a series does not wait on the network.
    for (const n of [index + 1, index - 1]) {
      const next = this.study.images[n];
      const r = next?.image?.rendition;
      if (r?.format === 'grey16' && !(next?.image?.frameUrls && next.image.frameUrls.length > 1))
        void loadGrey(r.url).catch(() => undefined);
      else if (next) void loadJpeg(next.previewUrl).catch(() => undefined);
    }
  }

  private fillPresets(): void {
    const select = this.root.querySelector<HTMLSelectElement>('[data-act=preset]')!;
    select.replaceChildren();
    const r = this.rendition;
    if (!r) {
      select.disabled = true;
      select.append(new Option('Not for this image', ''));
      return;
    }
    select.disabled = false;
    select.append(new Option('As acquired', 'default'));
    r.windows.forEach((w, i) => {
      select.append(
        new Option(`${w.explanation ?? `Window ${i + 1}`} (C ${w.center} W ${w.width})`, `w${i}`),
      );
    });
    if ((this.current?.modality ?? this.study.modality) === 'CT') {
      HOUNSFIELD_PRESETS.forEach((p, i) => {
        select.append(new Option(`${p.name} (C ${p.window.center} W ${p.window.width})`, `h${i}`));
      });
    }
  }

  private presets(): Window[] {
    const r = this.rendition;
    if (!r) return [];
    const list = [r.defaultWindow, ...r.windows.map((w) => ({ center: w.center, width: w.width }))];
    if ((this.current?.modality ?? this.study.modality) === 'CT')
      list.push(...HOUNSFIELD_PRESETS.map((p) => p.window));
    return list;
  }

  private applyPreset(value: string): void {
    const r = this.rendition;
    if (!r) return;
    if (value === 'default') this.setWindow({ ...r.defaultWindow });
    else if (value.startsWith('w')) {
      const w = r.windows[Number(value.slice(1))];
      if (w) this.setWindow({ center: w.center, width: w.width });
    } else if (value.startsWith('h')) {
      const p = HOUNSFIELD_PRESETS[Number(value.slice(1))];
      if (p) this.setWindow({ ...p.window });
    }
  }

  private setWindow(w: Window): void {
    if (!this.rendition) return;
    this.window = { center: w.center, width: Math.max(1, w.width) };
    this.renderWindow();
    this.readout();
    this.requestDraw();
  }

  private renderWindow(): void {
    const r = this.rendition;
    if (!r || !this.grey || !this.pixels || !this.window) return;
    const out = new Uint32Array(this.pixels.data.buffer);
    applyTable(this.grey.samples, greyTable(r, this.window), out);
    this.offscreen.getContext('2d')!.putImageData(this.pixels, 0, 0);
  }

  private readout(): void {
    this.text(
      '.wl',
      this.rendition && this.window
        ? `Window C ${Math.round(this.window.center)} W ${Math.round(this.window.width)}`
        : '',
    );
  }

  private text(selector: string, value: string): void {
    const el = this.root.querySelector(selector);
    if (el) el.textContent = value;
  }

  /** Shown-image pixels to canvas pixels: scale and offset, published for tests and the bench. */
  private transform(): { scale: number; x: number; y: number; w: number; h: number } | null {
    const w = this.grey?.width ?? this.jpeg?.naturalWidth ?? 0;
    const h = this.grey?.height ?? this.jpeg?.naturalHeight ?? 0;
    if (!w || !h) return null;
    const cw = this.canvas.width;
    const ch = this.canvas.height;
    const fit = Math.min(cw / w, ch / h);
    const scale = fit * this.zoom;
    return { scale, x: (cw - w * scale) / 2 + this.pan.x, y: (ch - h * scale) / 2 + this.pan.y, w, h };
  }

  private requestDraw(): void {
    if (this.pending) return;
    this.pending = true;
    requestAnimationFrame(() => {
      this.pending = false;
      this.draw();
    });
  }

  private draw(): void {
    const rect = this.canvas.getBoundingClientRect();
    const ratio = window.devicePixelRatio || 1;
    const cw = Math.max(1, Math.round(rect.width * ratio));
    const chh = Math.max(1, Math.round(rect.height * ratio));
    if (this.canvas.width !== cw || this.canvas.height !== chh) {
      this.canvas.width = cw;
      this.canvas.height = chh;
    }
    const ctx = this.ctx;
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.fillStyle = '#000';
    ctx.fillRect(0, 0, cw, chh);
    const t = this.transform();
    if (!t) return;
    // Nearest-neighbour when enlarged, so pixels keep their values.
    ctx.imageSmoothingEnabled = t.scale < 1;
    ctx.drawImage(this.grey ? this.offscreen : this.jpeg!, t.x, t.y, t.w * t.scale, t.h * t.scale);
    if (this.line) {
      const a = { x: t.x + this.line.a.x * t.scale, y: t.y + this.line.a.y * t.scale };
      const b = { x: t.x + this.line.b.x * t.scale, y: t.y + this.line.b.y * t.scale };
      ctx.strokeStyle = '#ffd400';
      ctx.lineWidth = 2 * ratio;
      ctx.beginPath();
      ctx.moveTo(a.x, a.y);
      ctx.lineTo(b.x, b.y);
      ctx.stroke();
      const label = this.root.querySelector('.measure')?.textContent ?? '';
      ctx.font = `${14 * ratio}px system-ui, sans-serif`;
      ctx.fillStyle = '#ffd400';
      ctx.fillText(label, b.x + 6 * ratio, b.y - 6 * ratio);
    }
    this.drawn++;
    this.canvas.dataset.view = JSON.stringify({
      scale: t.scale / ratio,
      x: t.x / ratio,
      y: t.y / ratio,
      ratio,
    });
    this.canvas.dataset.drawn = String(this.drawn);
  }

  /** A point of the page (CSS pixels) as a point of the shown image. */
  private imagePoint(e: { clientX: number; clientY: number }): Point | null {
    const t = this.transform();
    if (!t) return null;
    const rect = this.canvas.getBoundingClientRect();
    const ratio = this.canvas.width / rect.width;
    return {
      x: ((e.clientX - rect.left) * ratio - t.x) / t.scale,
      y: ((e.clientY - rect.top) * ratio - t.y) / t.scale,
    };
  }

  private measure(): void {
    const img = this.current?.image;
    const t = this.transform();
    if (!this.line || !t) return;
    const dx = this.line.b.x - this.line.a.x;
    const dy = this.line.b.y - this.line.a.y;
    const label = measureLabel(
      {
        columns: img?.columns ?? t.w,
        rows: img?.rows ?? t.h,
        shownWidth: t.w,
        shownHeight: t.h,
        spacing: img?.pixelSpacingMm ?? null,
      },
      dx,
      dy,
    );
    this.text('.measure', `Distance: ${label}`);
  }

  private step(delta: number): void {
    const n = this.study.images.length;
    if (n === 0) return;
    const next = Math.min(n - 1, Math.max(0, this.index + delta));
    if (next !== this.index) void this.show(next);
  }

  private stepSeries(delta: number): void {
    const current = this.current;
    if (!current) return;
    const target = current.seriesIndex + delta;
    const i = this.study.images.findIndex((im) => im.seriesIndex === target);
    if (i >= 0) void this.show(i);
  }

  private stepFrame(delta: number): void {
    const frames = this.current?.image?.frameUrls;
    if (!frames || frames.length < 2) return;
    this.frame = (this.frame + delta + frames.length) % frames.length;
    this.text('.frame-pos', `Frame ${this.frame + 1} of ${frames.length}`);
    const seq = ++this.loadSeq;
    void loadJpeg(frames[this.frame]!).then((img) => {
      if (seq !== this.loadSeq) return;
      this.jpeg = img;
      this.requestDraw();
    });
  }

  private zoomBy(factor: number): void {
    this.zoom = Math.min(32, Math.max(0.25, this.zoom * factor));
    this.requestDraw();
  }

  private reset(): void {
    this.zoom = 1;
    this.pan = { x: 0, y: 0 };
    this.line = null;
    this.text('.measure', '');
    const r = this.rendition;
    if (r) this.setWindow({ ...r.defaultWindow });
    const select = this.root.querySelector<HTMLSelectElement>('[data-act=preset]');
    if (select && r) select.value = 'default';
    this.requestDraw();
  }

  private windowStep(): number {
    const w = this.window?.width ?? 256;
    return Math.max(1, w / 20);
  }

  private bind(): void {
    this.root.addEventListener('click', (e) => {
      const act = (e.target as HTMLElement).closest<HTMLElement>('[data-act]')?.dataset.act;
      if (act === 'prev') this.step(-1);
      else if (act === 'next') this.step(1);
      else if (act === 'prev-frame') this.stepFrame(-1);
      else if (act === 'next-frame') this.stepFrame(1);
      else if (act === 'zoom-in') this.zoomBy(1.25);
      else if (act === 'zoom-out') this.zoomBy(0.8);
      else if (act === 'reset') this.reset();
    });
    this.root.querySelector('[data-act=preset]')!.addEventListener('change', (e) => {
      this.applyPreset((e.target as HTMLSelectElement).value);
    });
    for (const radio of this.root.querySelectorAll<HTMLInputElement>('.tools input')) {
      radio.addEventListener('change', () => {
        if (radio.checked) this.tool = radio.value as Tool;
      });
    }
    this.canvas.addEventListener('keydown', (e) => this.key(e));
    this.canvas.addEventListener(
      'wheel',
      (e) => {
        e.preventDefault();
        if (e.ctrlKey) this.zoomBy(e.deltaY < 0 ? 1.1 : 1 / 1.1);
        else this.step(e.deltaY > 0 ? 1 : -1);
      },
      { passive: false },
    );
    this.bindPointer();
  }

  private key(e: KeyboardEvent): void {
    const pan = 40;
    let handled = true;
    if (e.shiftKey && e.key.startsWith('Arrow')) {
      const d = { ArrowLeft: [pan, 0], ArrowRight: [-pan, 0], ArrowUp: [0, pan], ArrowDown: [0, -pan] }[
        e.key
      ] ?? [0, 0];
      this.pan = { x: this.pan.x + d[0]!, y: this.pan.y + d[1]! };
      this.requestDraw();
    } else if (e.key === 'ArrowRight' || e.key === 'ArrowDown') this.step(1);
    else if (e.key === 'ArrowLeft' || e.key === 'ArrowUp') this.step(-1);
    else if (e.key === 'PageDown') this.stepSeries(1);
    else if (e.key === 'PageUp') this.stepSeries(-1);
    else if (e.key === '.') this.stepFrame(1);
    else if (e.key === ',') this.stepFrame(-1);
    else if (e.key === '+' || e.key === '=') this.zoomBy(1.25);
    else if (e.key === '-') this.zoomBy(0.8);
    else if (e.key === 'r' || e.key === 'R') this.reset();
    else if (this.window && (e.key === 'w' || e.key === 'W'))
      this.setWindow({ ...this.window, width: this.window.width - this.windowStep() });
    else if (this.window && (e.key === 's' || e.key === 'S'))
      this.setWindow({ ...this.window, width: this.window.width + this.windowStep() });
    else if (this.window && (e.key === 'a' || e.key === 'A'))
      this.setWindow({ ...this.window, center: this.window.center - this.windowStep() });
    else if (this.window && (e.key === 'd' || e.key === 'D'))
      this.setWindow({ ...this.window, center: this.window.center + this.windowStep() });
    else if (/^[1-9]$/.test(e.key)) {
      const p = this.presets()[Number(e.key) - 1];
      if (p) this.setWindow({ ...p });
    } else handled = false;
    if (handled) e.preventDefault();
  }

  private bindPointer(): void {
    const pointers = new Map<number, Point>();
    let start: {
      x: number;
      y: number;
      window: Window | null;
      pan: Point;
      zoom: number;
      spread: number;
    } | null = null;
    this.canvas.addEventListener('pointerdown', (e) => {
      this.canvas.setPointerCapture(e.pointerId);
      pointers.set(e.pointerId, { x: e.clientX, y: e.clientY });
      const spread = pointers.size === 2 ? distance([...pointers.values()]) : 0;
      start = {
        x: e.clientX,
        y: e.clientY,
        window: this.window ? { ...this.window } : null,
        pan: { ...this.pan },
        zoom: this.zoom,
        spread,
      };
      if (this.tool === 'measure' && pointers.size === 1) {
        const p = this.imagePoint(e);
        if (p) this.line = { a: p, b: p };
      }
    });
    this.canvas.addEventListener('pointermove', (e) => {
      if (!start || !pointers.has(e.pointerId)) return;
      pointers.set(e.pointerId, { x: e.clientX, y: e.clientY });
      if (pointers.size === 2 && start.spread > 0) {
        // Two fingers: pinch to zoom.
        this.zoom = Math.min(
          32,
          Math.max(0.25, start.zoom * (distance([...pointers.values()]) / start.spread)),
        );
        this.requestDraw();
        return;
      }
      const dx = e.clientX - start.x;
      const dy = e.clientY - start.y;
      if (this.tool === 'window' && start.window && this.rendition) {
        // Across the canvas's width the window changes by its own width again: fine near, fast far.
        const per = Math.max(start.window.width, 16) / Math.max(200, this.canvas.clientWidth);
        this.setWindow({ center: start.window.center + dy * per, width: start.window.width + dx * per });
      } else if (this.tool === 'pan' || (this.tool === 'window' && !this.rendition)) {
        const ratio = this.canvas.width / this.canvas.clientWidth;
        this.pan = { x: start.pan.x + dx * ratio, y: start.pan.y + dy * ratio };
        this.requestDraw();
      } else if (this.tool === 'measure' && this.line) {
        const p = this.imagePoint(e);
        if (p) {
          this.line = { a: this.line.a, b: p };
          this.measure();
          this.requestDraw();
        }
      }
    });
    const end = (e: PointerEvent) => {
      pointers.delete(e.pointerId);
      if (pointers.size === 0) start = null;
    };
    this.canvas.addEventListener('pointerup', end);
    this.canvas.addEventListener('pointercancel', end);
  }
}

function distance([a, b]: Point[]): number {
  return a && b ? Math.hypot(a.x - b.x, a.y - b.y) : 0;
}

const panes = [...document.querySelectorAll<HTMLElement>('.pane')].map((el) => new Pane(el));
const startAt = Number(/^#i=(\d+)$/.exec(location.hash)?.[1] ?? 0);
panes.forEach((p, i) => p.start(i === 0 ? startAt : 0));
panes[0]?.focus();
