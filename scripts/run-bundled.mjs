// Runs a Lightbox program (the agent, the plugin) from its TypeScript entry point, bundled into one
// JavaScript file on start and imported in this same process.
//
// Why not a TypeScript loader: on Node 20 a loader runs its hooks on a thread of its own, a second
// JavaScript engine that costs the process about 40 MB for as long as it lives. On a modality PC
// that is an eighth of the agent's memory budget. esbuild bundles the program in a fraction of a
// second; packages stay outside the bundle (native parts, WebAssembly, and the same copies the
// sources use), only the project's own workspaces are bundled.
//
// Usage: node scripts/run-bundled.mjs [--prebuilt=<bundle.mjs>] <entry.ts> [args…]
// With --prebuilt (the `npm start` launcher restarting a part), the bundle made earlier is run
// without building again.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

// esbuild's synchronous API (the agent bundles its render worker with it at start) otherwise keeps
// a worker thread and an esbuild service process alive for the whole life of the program, 15-40
// MB for builds that never come; with this it runs esbuild once per call and lets it exit. Set
// before esbuild is first imported, which reads it then.
process.env.ESBUILD_WORKER_THREADS = '0';

const prebuiltArg = process.argv[2]?.startsWith('--prebuilt=') ? process.argv[2] : undefined;
if (prebuiltArg) process.argv.splice(2, 1);
const entryArg = process.argv[2];
if (!entryArg) {
  process.stderr.write('usage: node scripts/run-bundled.mjs [--prebuilt=<bundle.mjs>] <entry.ts> [args…]\n');
  process.exit(2);
}
const entry = path.resolve(entryArg);
const prebuilt = prebuiltArg?.slice('--prebuilt='.length);
const file =
  prebuilt && existsSync(prebuilt) ? prebuilt : await (await import('./bundle.mjs')).bundleEntry(entry);
// The program sees its own arguments where it would have seen them run directly.
process.argv.splice(1, 2, entry);
await import(pathToFileURL(file).href);
