import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** DCMTK tools with Nagle off: Debian's build leaves it on and every small PDU would wait ~40 ms. */
export const dcmtkEnv = { ...process.env, TCP_NODELAY: '1' };

/**
 * Runs a DCMTK network tool to the end: whether it succeeded, and all it printed (stdout then
 * stderr) either way — a failed association's log is what the tests read.
 */
export async function runDcmtkTool(tool: string, args: string[]): Promise<{ ok: boolean; log: string }> {
  try {
    const r = await run(tool, args, { env: dcmtkEnv, maxBuffer: 64 * 1024 * 1024 });
    return { ok: true, log: r.stdout + r.stderr };
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string };
    return { ok: false, log: (e.stdout ?? '') + (e.stderr ?? '') };
  }
}

export interface DumpItem {
  [keyword: string]: string | DumpItem[];
}

export interface FindResult {
  /** Each pending response's identifier, as dcmdump read it (converted to UTF-8 by its own (0008,0005)). */
  responses: DumpItem[];
  /** The raw bytes of each response file, for checking the character set really used on the wire. */
  rawResponses: Buffer[];
  /** Final statuses per query, e.g. ['0000'] or ['a900']. */
  finalStatuses: string[];
  errorComments: string[];
  log: string;
  /** When findscu exited, i.e. when the modality had its answer (before the test parsed it). */
  finishedAt: number;
}

/**
 * Builds a query data set from a dcmdump-style text with DCMTK's `dump2dcm`. The text may use
 * characters of the query's own character set; `encoding` says how to write the file.
 */
export async function dumpToDicom(dump: string, encoding: 'utf8' | 'latin1' = 'utf8'): Promise<string> {
  const dir = mkdtempSync(path.join(tmpdir(), 'lightbox-q-'));
  const txt = path.join(dir, 'query.dump');
  const dcm = path.join(dir, 'query.dcm');
  writeFileSync(txt, Buffer.from(dump, encoding));
  await run('dump2dcm', ['-q', txt, dcm], { env: dcmtkEnv });
  return dcm;
}

/** One attribute's value as dcmdump prints it (`+P`), for files with encapsulated pixel data too. */
export async function dumpValue(file: string, tag: string): Promise<string> {
  const { stdout } = await run('dcmdump', ['-q', '-Un', '+P', tag, file], { env: dcmtkEnv });
  const m = /\[([^\]]*)\]/.exec(stdout);
  if (!m) throw new Error(`no ${tag} in ${file}`);
  return m[1]!.trim();
}

/** Runs `findscu -W` against a worklist SCP with one or more query files (one association). */
export async function findscu(opts: {
  port: number;
  queryFiles: string[];
  callingAe?: string;
  calledAe?: string;
  cancelAfter?: number;
  extraArgs?: string[];
}): Promise<FindResult> {
  const out = mkdtempSync(path.join(tmpdir(), 'lightbox-rsp-'));
  const args = [
    // Debug output is what prints each final response's hex status and its Error Comment.
    '-d',
    '-W',
    '-aet',
    opts.callingAe ?? 'FINDSCU',
    '-aec',
    opts.calledAe ?? 'LIGHTBOX',
    '-X',
    '-od',
    out,
    ...(opts.cancelAfter !== undefined ? ['--cancel', String(opts.cancelAfter)] : []),
    ...(opts.extraArgs ?? []),
    '127.0.0.1',
    String(opts.port),
    ...opts.queryFiles,
  ];
  const { log } = await runDcmtkTool('findscu', args);
  const finishedAt = Date.now();
  const files = readdirSync(out)
    .filter((f) => f.startsWith('rsp') && f.endsWith('.dcm'))
    .sort();
  const paths = files.map((f) => path.join(out, f));
  const rawResponses = paths.map((file) => readFileSync(file));
  const responses = await dcmdumpAll(paths);
  const finalStatuses = [
    ...log.matchAll(/Received Final Find Response[\s\S]*?DIMSE Status\s*:\s*0x([0-9a-fA-F]{4})/g),
  ].map((m) => m[1]!.toLowerCase());
  const errorComments = [...log.matchAll(/\(0000,0902\) LO \[(.*?)\s*\]/g)].map((m) => m[1]!.trim());
  return { responses, rawResponses, finalStatuses, errorComments, log, finishedAt };
}

/** Reads a DICOM file with DCMTK's `dcmdump +U8` into keyword → value, with sequences as item lists. */
export async function dcmdump(file: string): Promise<DumpItem> {
  const { stdout } = await run('dcmdump', ['+U8', '-q', '+L', file], {
    env: dcmtkEnv,
    maxBuffer: 16 * 1024 * 1024,
  });
  return parseDump(stdout);
}

/**
 * dcmdump of many files at once: one process per up to 200 files (a long answer has hundreds, and
 * a process each made a 300-item worklist test spend seconds in process start-ups). `+F` heads
 * each file's dump with "# dcmdump (i/n): path", where the output is split.
 */
export async function dcmdumpAll(files: string[]): Promise<DumpItem[]> {
  const items: DumpItem[] = [];
  for (let i = 0; i < files.length; i += 200) {
    const chunk = files.slice(i, i + 200);
    const { stdout } = await run('dcmdump', ['+U8', '-q', '+L', '+F', ...chunk], {
      env: dcmtkEnv,
      maxBuffer: 64 * 1024 * 1024,
    });
    const dumps = stdout.split(/^# dcmdump \(\d+\/\d+\): .*$/m).slice(1);
    if (dumps.length !== chunk.length)
      throw new Error(`dcmdump printed ${dumps.length} of ${chunk.length} files`);
    items.push(...dumps.map(parseDump));
  }
  return items;
}

export function parseDump(text: string): DumpItem {
  const root: DumpItem = {};
  const stack: { item: DumpItem; seqKey?: string }[] = [{ item: root }];
  let pendingSeq: { parent: DumpItem; key: string } | null = null;
  for (const line of text.split('\n')) {
    const m = /^\s*\(([0-9a-fA-F]{4}),([0-9a-fA-F]{4})\)\s+(\w\w)\s+(.*?)\s+#\s*(\S+),\s*\S+\s+(\S+)/.exec(
      line,
    );
    if (!m) continue;
    const [, group, element, vr, rawValue, , keyword] = m;
    const tag = `${group}${element}`.toLowerCase();
    const top = stack[stack.length - 1]!;
    if (tag === 'fffee000') {
      // item start
      const seq: { parent: DumpItem; key: string } = pendingSeq ?? {
        parent: top.item,
        key: top.seqKey ?? '?',
      };
      const item: DumpItem = {};
      (seq.parent[seq.key] as DumpItem[]).push(item);
      stack.push({ item, seqKey: seq.key });
      pendingSeq = seq;
      continue;
    }
    if (tag === 'fffee00d') {
      stack.pop();
      continue;
    }
    if (tag === 'fffee0dd') {
      pendingSeq = null;
      continue;
    }
    if (vr === 'SQ') {
      top.item[keyword!] = [];
      pendingSeq = { parent: top.item, key: keyword! };
      continue;
    }
    const value = rawValue!.startsWith('[') ? rawValue!.slice(1, rawValue!.lastIndexOf(']')) : '';
    top.item[keyword!] = value;
  }
  return root;
}
