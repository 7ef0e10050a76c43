import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { SOP, writeImage } from '../src/fixtures/storage-corpus.js';
import { waitUntil } from '../src/support/managed-process.js';
import { freePort } from '../src/support/ports.js';
import { dcmtkEnv, startStorageAgent, storescu } from '../src/support/storage-peers.js';
import { median, type BenchRow } from './bench-table.js';

const RUNS = 3;
const CT_SLICES = 200;
const DR_IMAGES = 20;

/**
 * Copies of one image under other SOP Instance UIDs: the UID is a fixed-length placeholder, so
 * swapping its bytes keeps every length in the file right. Generating each pixel anew would
 * dominate the benchmark's setup for 19 MB radiographs.
 */
async function series(
  dir: string,
  name: string,
  count: number,
  spec: Parameters<typeof writeImage>[1],
): Promise<string[]> {
  const placeholder = '2.25.999999999999999999';
  const template = readFileSync((await writeImage(dir, { ...spec, name, sopInstanceUid: placeholder })).file);
  const needle = Buffer.from(placeholder, 'latin1');
  const files: string[] = [];
  for (let run = 0; run < RUNS; run++)
    for (let i = 0; i < count; i++) {
      const uid = Buffer.from(`2.25.${String(run * 100_000 + i).padStart(18, '0')}`, 'latin1');
      const bytes = Buffer.from(template);
      for (let at = bytes.indexOf(needle); at >= 0; at = bytes.indexOf(needle, at + 1)) uid.copy(bytes, at);
      const file = path.join(dir, `${name}-${run}-${String(i).padStart(4, '0')}.dcm`);
      writeFileSync(file, bytes);
      files.push(file);
    }
  return files;
}

async function timeStore(port: number, files: string[]): Promise<number> {
  const started = performance.now();
  const r = await storescu({ port, files, args: ['-xe'] });
  const seconds = (performance.now() - started) / 1000;
  const ok = r.responses.filter((s) => s === 'Success').length;
  if (ok !== files.length) throw new Error(`only ${ok} of ${files.length} stored:\n${r.log.slice(-2000)}`);
  return files.length / seconds;
}

/** DCMTK's own SCP as the yardstick: it writes each file but does not fsync or record anything. */
async function withStorescp<T>(dir: string, work: (port: number) => Promise<T>): Promise<T> {
  const port = await freePort();
  mkdirSync(dir, { recursive: true });
  const child = spawn('storescp', ['-aet', 'LIGHTBOX', '-od', dir, port.toString()], {
    env: dcmtkEnv,
    stdio: 'ignore',
  });
  try {
    await waitUntil(
      'storescp listening',
      () =>
        new Promise<boolean>((resolve) => {
          const s = spawn('echoscu', ['-aec', 'LIGHTBOX', '127.0.0.1', String(port)], {
            env: dcmtkEnv,
            stdio: 'ignore',
          });
          s.on('exit', (code) => resolve(code === 0));
        }),
      10_000,
    );
    return await work(port);
  } finally {
    child.kill('SIGTERM');
  }
}

function peakRssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
}

/** C-STORE ingest, agent vs storescp in the same run: 200 CT slices, then 20 DR radiographs. */
export async function storageBench(): Promise<BenchRow[]> {
  const root = mkdtempSync(path.join(tmpdir(), 'lightbox-bench-store-'));
  try {
    const ct = await series(path.join(root, 'ct'), 'ct', CT_SLICES, {
      name: 'ct',
      sopClassUid: SOP.ct,
      modality: 'CT',
      rows: 512,
      columns: 512,
      bitsAllocated: 16,
      signed: true,
      photometric: 'MONOCHROME2',
      rescale: { slope: 1, intercept: -1024 },
    });
    const dr = await series(path.join(root, 'dr'), 'dr', DR_IMAGES, {
      name: 'dr',
      sopClassUid: SOP.dx,
      modality: 'DX',
      rows: 3400,
      columns: 2800,
      bitsAllocated: 16,
      bitsStored: 14,
      photometric: 'MONOCHROME2',
    });
    const chunk = (files: string[], n: number, run: number) => files.slice(run * n, (run + 1) * n);
    const rates = {
      agentCt: [] as number[],
      agentDr: [] as number[],
      dcmtkCt: [] as number[],
      dcmtkDr: [] as number[],
    };
    let peak = 0;
    for (let run = 0; run < RUNS; run++) {
      const { agent, port } = await startStorageAgent(path.join(root, `agent-${run}`));
      try {
        rates.agentCt.push(await timeStore(port, chunk(ct, CT_SLICES, run)));
        rates.agentDr.push(await timeStore(port, chunk(dr, DR_IMAGES, run)));
        peak = Math.max(peak, peakRssMb(agent.pid));
      } finally {
        await agent.stop();
      }
      await withStorescp(path.join(root, `storescp-${run}`), async (p) => {
        rates.dcmtkCt.push(await timeStore(p, chunk(ct, CT_SLICES, run)));
        rates.dcmtkDr.push(await timeStore(p, chunk(dr, DR_IMAGES, run)));
      });
      rmSync(path.join(root, `agent-${run}`), { recursive: true, force: true });
      rmSync(path.join(root, `storescp-${run}`), { recursive: true, force: true });
    }
    // Targets are what a practice's modalities need, not storescp's pace: storescp neither fsyncs
    // nor records, while the agent fsyncs the file, its folder and its journal before answering.
    const row = (measure: string, agent: number[], dcmtk: number[], target: number): BenchRow[] => {
      const ratio = median(agent) / median(dcmtk);
      return [
        {
          measure: `${measure}, agent (fsync + record)`,
          median: `${median(agent).toFixed(1)} img/s`,
          runs: agent.map((r) => r.toFixed(1)).join(' / '),
          target: `≥ ${target} img/s`,
          verdict: median(agent) >= target ? 'ok' : 'SLOW',
        },
        {
          measure: `${measure}, DCMTK storescp (no fsync)`,
          median: `${median(dcmtk).toFixed(1)} img/s`,
          runs: dcmtk.map((r) => r.toFixed(1)).join(' / '),
          target: 'reference',
          verdict: `agent ${ratio.toFixed(2)}×`,
        },
      ];
    };
    return [
      // A CT series of a few hundred slices in well under ten seconds; a DR console sends one
      // radiograph every few seconds at most.
      ...row(`C-STORE ${CT_SLICES} CT 512² slices`, rates.agentCt, rates.dcmtkCt, 50),
      ...row(`C-STORE ${DR_IMAGES} DR 2800×3400 (19 MB)`, rates.agentDr, rates.dcmtkDr, 2),
      {
        measure: 'agent peak RSS during storage runs',
        median: `${peak.toFixed(0)} MB`,
        runs: '1',
        target: '< 300 MB',
        verdict: peak < 300 ? 'ok' : 'HIGH',
      },
    ];
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url.endsWith(path.basename(process.argv[1]))) {
  const { printTable } = await import('./bench-table.js');
  printTable(await storageBench());
}
