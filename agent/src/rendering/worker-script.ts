import { createHash } from 'node:crypto';
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildSync } from 'esbuild';

/**
 * The file a worker thread runs. Lightbox runs its TypeScript directly, but on Node 20 the loader
 * hooks that make that possible do not reach worker threads; so the worker's module graph is
 * bundled once, at start, into one JavaScript file. Packages with native parts or WebAssembly
 * stay outside the bundle; the file is written under the package's node_modules so that they
 * resolve from it as from the sources.
 */
export function workerScript(entry: URL, nativePackages: readonly string[]): URL {
  const entryPath = fileURLToPath(entry);
  const result = buildSync({
    entryPoints: [entryPath],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    write: false,
    external: [...nativePackages],
    logLevel: 'silent',
  });
  const code = result.outputFiles[0]!.contents;
  const hash = createHash('sha256').update(code).digest('hex').slice(0, 16);
  const dir = fileURLToPath(new URL('../../node_modules/.cache/lightbox-workers/', import.meta.url));
  mkdirSync(dir, { recursive: true });
  // Named by content, so a stale bundle is never reused; written aside and renamed, so a process
  // starting beside another never runs a half-written file.
  const file = path.join(dir, `${path.basename(entryPath, '.ts')}-${hash}.mjs`);
  const partial = `${file}.${process.pid}.partial`;
  writeFileSync(partial, code);
  renameSync(partial, file);
  return new URL(`file://${file}`);
}
