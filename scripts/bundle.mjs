// Bundles a Lightbox program (the agent, the plugin, the launcher) from its TypeScript entry point
// into one JavaScript file beside its package, named by content. Used by run-bundled.mjs, and by
// the `npm start` launcher, which bundles both parts once and restarts them from those files.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { build, stop } from 'esbuild';

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

/**
 * Bundles `entry` and returns the bundle's path. esbuild's service process is stopped before this
 * returns: left running it would sit beside the program for its whole life (15-40 MB).
 * @param {string} entry an absolute path
 * @returns {Promise<string>}
 */
export async function bundleEntry(entry) {
  let result;
  try {
    result = await build({
      entryPoints: [entry],
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      write: false,
      plugins: [sourceModules],
      logLevel: 'silent',
    });
  } finally {
    await stop();
  }
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
  return file;
}
