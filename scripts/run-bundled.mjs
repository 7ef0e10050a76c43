// Runs a Lightbox program (the agent, the plugin) from its TypeScript entry point, bundled into one
// JavaScript file on start and imported in this same process.
//
// Why not a TypeScript loader: on Node 20 a loader runs its hooks on a thread of its own, a second
// JavaScript engine that costs the process about 40 MB for as long as it lives. On a modality PC
// that is an eighth of the agent's memory budget. esbuild bundles the program in a fraction of a
// second; packages stay outside the bundle (native parts, WebAssembly, and the same copies the
// sources use), only the project's own workspaces are bundled.
//
// Usage: node scripts/run-bundled.mjs <entry.ts> [args…]
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const entryArg = process.argv[2];
if (!entryArg) {
  process.stderr.write('usage: node scripts/run-bundled.mjs <entry.ts> [args…]\n');
  process.exit(2);
}
const entry = path.resolve(entryArg);

/**
 * The package the entry belongs to: its dependencies resolve from the bundle as from the sources.
 * @param {string} file
 * @returns {string}
 */
function packageDirOf(file) {
  for (let dir = path.dirname(file); ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'package.json'))) return dir;
    if (path.dirname(dir) === dir) throw new Error(`no package.json above ${file}`);
  }
}

/** @type {import('esbuild').Plugin} */
const sourceModules = {
  name: 'lightbox-sources',
  setup(build) {
    // Bare imports stay packages, loaded by Node at run time; the workspaces are TypeScript
    // sources and are bundled.
    build.onResolve({ filter: /^[^./]/ }, (args) =>
      args.path.startsWith('@lightbox/') || args.path.startsWith('node:') ? undefined : { external: true },
    );
    // Each module keeps its own import.meta.url, so files found beside a source (migrations, the
    // package manifest, worker entry points) are found from the bundle too.
    build.onLoad({ filter: /\.tsx?$/ }, (args) => {
      if (args.path.includes(`${path.sep}node_modules${path.sep}`)) return undefined;
      const source = readFileSync(args.path, 'utf8');
      const url = JSON.stringify(pathToFileURL(args.path).href);
      return {
        contents: source.replace(/\bimport\.meta\.url\b/g, url),
        loader: args.path.endsWith('x') ? 'tsx' : 'ts',
      };
    });
  },
};

const result = await build({
  entryPoints: [entry],
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  write: false,
  plugins: [sourceModules],
  logLevel: 'silent',
});
const output = result.outputFiles[0];
if (!output) throw new Error(`esbuild produced nothing for ${entry}`);
const code = output.contents;
const hash = createHash('sha256').update(code).digest('hex').slice(0, 16);
const dir = path.join(packageDirOf(entry), 'node_modules', '.cache', 'lightbox-bundles');
mkdirSync(dir, { recursive: true });
// Named by content: a stale bundle is never run. Written aside and renamed: a process starting
// beside another never imports a half-written file.
const file = path.join(dir, `${path.basename(entry).replace(/\.tsx?$/, '')}-${hash}.mjs`);
if (!existsSync(file)) {
  const partial = `${file}.${process.pid}.partial`;
  writeFileSync(partial, code);
  renameSync(partial, file);
}
// The program sees its own arguments where it would have seen them run directly.
process.argv.splice(1, 2, entry);
await import(pathToFileURL(file).href);
