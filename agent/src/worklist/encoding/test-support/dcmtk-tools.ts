import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

/**
 * DCMTK, the reference peer, driven from tests: dump2dcm builds queries, dcmdump reads what we
 * encoded, findscu queries our SCP. Test support only.
 */
const run = promisify(execFile);

// eslint-disable-next-line no-restricted-properties -- DCMTK needs the inherited environment (PATH), plus:
const inherited = process.env;
/** Debian's DCMTK leaves Nagle on; without TCP_NODELAY every small PDU waits ~40 ms for an ACK. */
export const dcmtkEnv: NodeJS.ProcessEnv = { ...inherited, TCP_NODELAY: '1' };

export async function tempDir(prefix: string): Promise<string> {
  return mkdtemp(path.join(tmpdir(), `lightbox-${prefix}-`));
}

export async function removeDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
}

/**
 * A data set (no file meta) from dcmdump-style text, in Explicit or Implicit VR Little Endian.
 * `encoding` is how the text's characters are written, i.e. the query's own character set.
 */
export async function dumpToDataset(
  dump: string,
  opts: { explicitVr: boolean; encoding?: 'utf8' | 'latin1' },
): Promise<Buffer> {
  const dir = await tempDir('dump');
  try {
    await writeFile(path.join(dir, 'in.dump'), Buffer.from(dump, opts.encoding ?? 'utf8'));
    await run('dump2dcm', ['-q', '-F', opts.explicitVr ? '+te' : '+ti', 'in.dump', 'out.ds'], {
      cwd: dir,
      env: dcmtkEnv,
    });
    return await readFile(path.join(dir, 'out.ds'));
  } finally {
    await removeDir(dir);
  }
}

/** A Part-10 query file for findscu; the caller removes `dir`. */
export async function dumpToQueryFile(
  dump: string,
  dir: string,
  encoding: 'utf8' | 'latin1' = 'utf8',
): Promise<string> {
  const txt = path.join(dir, 'query.dump');
  const dcm = path.join(dir, 'query.dcm');
  await writeFile(txt, Buffer.from(dump, encoding));
  await run('dump2dcm', ['-q', txt, dcm], { env: dcmtkEnv });
  return dcm;
}

/**
 * dcmdump's reading of a data set. `utf8` converts values to UTF-8 by the data set's own
 * (0008,0005) (and makes dcmdump show ISO_IR 192 for it); without it, bytes print as they are.
 * Rejects when dcmdump reports the data set damaged.
 */
export async function dcmdumpDataset(
  bytes: Buffer,
  opts: { explicitVr: boolean; utf8?: boolean },
): Promise<string> {
  const dir = await tempDir('dcmdump');
  try {
    await writeFile(path.join(dir, 'in.ds'), bytes);
    const args = ['-f', opts.explicitVr ? '-te' : '-ti', '+L', ...(opts.utf8 ? ['+U8'] : []), 'in.ds'];
    const { stdout, stderr } = await run('dcmdump', args, {
      cwd: dir,
      env: dcmtkEnv,
      encoding: outputEncoding(opts),
    });
    if (/^(E|F):/m.test(stderr)) throw new Error(`dcmdump: ${stderr}`);
    return stdout;
  } finally {
    await removeDir(dir);
  }
}

export async function dcmdumpFile(file: string, opts: { utf8?: boolean } = {}): Promise<string> {
  const args = ['+L', ...(opts.utf8 ? ['+U8'] : []), file];
  const { stdout, stderr } = await run('dcmdump', args, { env: dcmtkEnv, encoding: outputEncoding(opts) });
  if (/^(E|F):/m.test(stderr)) throw new Error(`dcmdump: ${stderr}`);
  return stdout;
}

/**
 * dcmdump prints values as their bytes: UTF-8 with +U8, else in the data set's own character set,
 * which the tests only use with Latin-1 (a UTF-8 data set without +U8 then reads as mojibake).
 */
function outputEncoding(opts: { utf8?: boolean }): BufferEncoding {
  return opts.utf8 ? 'utf8' : 'latin1';
}

export interface FindscuResult {
  /** Response files written by `-X`, in order. */
  files: string[];
  log: string;
  exitCode: number;
  /** Wall time from spawn to exit. */
  elapsedMs: number;
}

/** `findscu -W` against 127.0.0.1:`port`, extracting responses into `dir`. */
export async function runFindscu(opts: {
  port: number;
  queryFile: string;
  dir: string;
  calledAe?: string;
  extract?: boolean;
  extraArgs?: string[];
}): Promise<FindscuResult> {
  const args = [
    '-v',
    '-W',
    '-aec',
    opts.calledAe ?? 'LIGHTBOX',
    ...(opts.extract === false ? [] : ['-X', '-od', opts.dir]),
    ...(opts.extraArgs ?? []),
    '127.0.0.1',
    String(opts.port),
    opts.queryFile,
  ];
  const started = performance.now();
  let log: string;
  let exitCode = 0;
  try {
    const r = await run('findscu', args, { env: dcmtkEnv, maxBuffer: 256 * 1024 * 1024 });
    log = r.stdout + r.stderr;
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; code?: number };
    log = (e.stdout ?? '') + (e.stderr ?? '');
    exitCode = typeof e.code === 'number' ? e.code : 1;
  }
  const elapsedMs = performance.now() - started;
  const files = (await readdir(opts.dir))
    .filter((f) => /^rsp\d+\.dcm$/.test(f))
    .sort()
    .map((f) => path.join(opts.dir, f));
  return { files, log, exitCode, elapsedMs };
}
