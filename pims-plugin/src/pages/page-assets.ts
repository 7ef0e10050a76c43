import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, stop } from 'esbuild';
import type { Hono } from 'hono';
import type { AppEnv } from '../http/app-env.js';
import { problemResponse } from '../http/problem.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const CLIENT_DIR = path.join(here, 'client');
const STYLES_DIR = path.join(here, 'styles');

interface Asset {
  bytes: Buffer;
  type: string;
  etag: string;
}

/**
 * The pages' scripts and style sheets, served by the plugin itself (clinic networks go offline, so
 * nothing comes from a CDN). Each `client/<name>.ts` is bundled by esbuild once at start; each
 * `styles/<name>.css` is served as written. Names carry their content hash, so a page always loads
 * the version it was rendered with and browsers may cache them for a year.
 */
export class PageAssets {
  private constructor(
    private readonly byFile: Map<string, Asset>,
    private readonly urlByName: Map<string, string>,
  ) {}

  static async build(): Promise<PageAssets> {
    const byFile = new Map<string, Asset>();
    const urlByName = new Map<string, string>();
    const add = (name: string, bytes: Buffer, type: string): void => {
      const hash = createHash('sha256').update(bytes).digest('hex').slice(0, 16);
      const ext = path.extname(name);
      const file = `${path.basename(name, ext)}-${hash}${ext}`;
      byFile.set(file, { bytes, type, etag: `"${hash}"` });
      urlByName.set(name, `/assets/${file}`);
    };
    const entries = readdirSync(CLIENT_DIR)
      .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))
      .map((f) => path.join(CLIENT_DIR, f));
    if (entries.length > 0) {
      try {
        const result = await build({
          entryPoints: entries,
          bundle: true,
          format: 'esm',
          platform: 'browser',
          target: 'es2022',
          minify: true,
          write: false,
          outdir: '/assets',
          logLevel: 'silent',
        });
        for (const out of result.outputFiles) {
          add(path.basename(out.path), Buffer.from(out.contents), 'text/javascript; charset=utf-8');
        }
      } finally {
        // esbuild keeps a service process for further builds; the plugin makes none after start.
        await stop();
      }
    }
    for (const f of readdirSync(STYLES_DIR).filter((n) => n.endsWith('.css'))) {
      add(f, readFileSync(path.join(STYLES_DIR, f)), 'text/css; charset=utf-8');
    }
    return new PageAssets(byFile, urlByName);
  }

  /** The URL of `panel.js` or `base.css` as served now. */
  url(name: string): string {
    const url = this.urlByName.get(name);
    if (!url) throw new Error(`no page asset named ${name}`);
    return url;
  }

  get(file: string): Asset | undefined {
    return this.byFile.get(file);
  }
}

export function mountPageAssets(app: Hono<AppEnv>, assets: PageAssets): void {
  app.get('/assets/:file', (c) => {
    const asset = assets.get(c.req.param('file'));
    if (!asset) return problemResponse(404, 'Not found', 'no such asset');
    const headers = {
      ETag: asset.etag,
      'Cache-Control': 'public, max-age=31536000, immutable',
      'X-Content-Type-Options': 'nosniff',
    };
    if (c.req.header('if-none-match') === asset.etag) return c.body(null, 304, headers);
    return c.body(new Uint8Array(asset.bytes), 200, { ...headers, 'Content-Type': asset.type });
  });
}
