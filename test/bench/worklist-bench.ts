import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createClient } from '@libsql/client';
import type { WlItem } from '@lightbox/protocol';
import { LightboxStack } from '../src/support/lightbox-stack.js';
import { waitUntil } from '../src/support/managed-process.js';
import { worklistQueryDump } from '../src/support/worklist-query.js';
import { median, type BenchRow } from './bench-table.js';
import { echoArgs, findAnswer, findArgs, queryFile, timedRun, Wlmscpfs } from './dcmtk-runs.js';
import { vetOrders } from './vet-orders.js';
import { seedAgentJournal } from './journal-seed.js';
import { worklistFolder, writeWorklistFile } from './worklist-files.js';
import { countByAccession } from './worklist-poll.js';

const CALLED_AE = 'LIGHTBOX';
const REPS = 7;
/** Fewer repetitions where one query streams 10,000 responses, to keep the whole bench in minutes. */
const REPS_MATCH_ALL_LARGE = 5;
const CREATE_CONCURRENCY = 16;
const VISIBILITY_TIMEOUT_MS = 5_000;

/**
 * What a console typically asks for, limited to keys wlmscpfs supports: it drops the veterinary
 * ones (Patient Species Description …), and both peers must answer the same attributes.
 */
function queryDump(accessionNumber = ''): string {
  return worklistQueryDump(
    {
      '(0008,0050) SH': accessionNumber,
      '(0010,0010) PN': '',
      '(0010,0020) LO': '',
      '(0010,0030) DA': '',
      '(0010,0040) CS': '',
      '(0020,000d) UI': '',
      '(0032,1060) LO': '',
      '(0040,1001) SH': '',
    },
    {
      '(0008,0060) CS': '',
      '(0040,0001) AE': '',
      '(0040,0002) DA': '',
      '(0040,0003) TM': '',
      '(0040,0007) LO': '',
      '(0040,0009) SH': '',
    },
  );
}

export function percentile(values: number[], p: number): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
}

const ms = (v: number): string => (v >= 100 ? v.toFixed(0) : v.toFixed(1));
const count = (n: number): string => n.toLocaleString('en-US');
const note = (text: string): void => void process.stderr.write(`worklist bench: ${text}\n`);

interface Samples {
  wall: number[];
  /** echoscu beside each timed findscu: process start-up and association under the same load. */
  echo: number[];
  /** The agent's own time per query, from its log; empty for wlmscpfs. */
  server: number[];
}

type Case = 'match-all' | 'single-match';
type Peer = 'Lightbox' | 'wlmscpfs';
const PEERS: Peer[] = ['Lightbox', 'wlmscpfs'];

/** Creates orders through the PIMS API, a few at a time, returning each order's accession number. */
async function createOrders(stack: LightboxStack, bodies: Record<string, unknown>[]): Promise<string[]> {
  const accessions: string[] = new Array<string>(bodies.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < bodies.length) {
      const i = next++;
      const res = await stack.api('POST', '/v1/orders', bodies[i]);
      if (res.status !== 201) throw new Error(`order ${i} refused: ${res.status} ${await res.text()}`);
      accessions[i] = ((await res.json()) as { accessionNumber: string }).accessionNumber;
    }
  };
  await Promise.all(Array.from({ length: CREATE_CONCURRENCY }, worker));
  return accessions;
}

/** The worklist rows the agent journaled from the link, i.e. exactly what it serves. */
async function agentItems(dbFile: string): Promise<{ orderId: string; attributes: WlItem }[]> {
  const db = createClient({ url: `file:${dbFile}` });
  try {
    const rows = await db.execute('SELECT order_id, attributes_json FROM worklist_items');
    return rows.rows.map((r) => ({
      orderId: r.order_id as string,
      attributes: JSON.parse(r.attributes_json as string) as WlItem,
    }));
  } finally {
    db.close();
  }
}

export interface WorklistBenchOptions {
  /** Worklist sizes, ascending: each step adds orders to the previous ones. */
  sizes: number[];
  visibilityOrders: number;
  /**
   * A size step above 1,000 whose orders would take longer than this at the REST rate seen so far
   * goes straight into the agent's journal instead.
   */
  restBudgetSeconds: number;
}

interface Visibility {
  /** From sending the POST to the end of the first C-FIND that returned the order. */
  visible: number[];
  /** From sending the POST to its 201. */
  posted: number[];
}

interface Seeding {
  /** The size reached, how long the step took, and whether its orders went through the API. */
  steps: { n: number; seconds: number; viaRest: boolean }[];
}

/**
 * The Modality Worklist side by side with DCMTK's `wlmscpfs` over the same items at several sizes
 * (single-match and match-all C-FIND, timed with `findscu -W` as a console would run it), then how
 * soon an order created through the API shows up in a C-FIND.
 */
export async function worklistBench(
  opts: WorklistBenchOptions = { sizes: [10, 1_000, 10_000], visibilityOrders: 500, restBudgetSeconds: 60 },
): Promise<BenchRow[]> {
  const SIZES = opts.sizes;
  const timeZone = 'UTC';
  const stack = new LightboxStack({
    pluginEnv: { LIGHTBOX_LOG_LEVEL: 'warn', LIGHTBOX_TIMEZONE: timeZone },
    // The agent's "worklist query answered" line carries its own time per query.
    agentEnv: { LIGHTBOX_LOG_LEVEL: 'info' },
  });
  const dir = mkdtempSync(path.join(tmpdir(), 'lightbox-wl-bench-'));
  const wlmscpfs = new Wlmscpfs(path.join(dir, 'wlm'), CALLED_AE);
  try {
    await stack.startAll();
    const wlDir = worklistFolder(path.join(dir, 'wlm'), CALLED_AE);
    await wlmscpfs.start();
    const ports: Record<Peer, number> = { Lightbox: stack.dicomPort, wlmscpfs: wlmscpfs.port };

    const allQuery = await queryFile(dir, 'match-all', queryDump());
    const written = new Set<string>();
    /** Every order's accession number, in creation order: their count is the worklist's size. */
    const accessions: string[] = [];
    const seeding: Seeding = { steps: [] };
    const results = new Map<string, Samples>();
    const key = (peer: Peer, c: Case, n: number) => `${peer}|${c}|${n}`;
    let visible: Visibility | null = null;

    /** The agent's log line for the query just made: its own time, and a check of what it sent. */
    const agentAnswered = async (from: number, expected: number): Promise<number> => {
      const line = await stack.agent.waitForCode('worklist_answered', { timeoutMs: 5_000, from });
      if (line.sent !== expected)
        throw new Error(`the agent sent ${String(line.sent)}, expected ${expected}`);
      return line.ms as number;
    };
    /** One echoscu then one findscu against a peer, timed alike. */
    const timedPair = async (peer: Peer, file: string, expected: number, into: Samples): Promise<void> => {
      into.echo.push(await timedRun('echoscu', echoArgs(ports[peer], CALLED_AE)));
      const from = stack.agent.lines.length;
      into.wall.push(await timedRun('findscu', findArgs(ports[peer], CALLED_AE, file)));
      if (peer === 'Lightbox') into.server.push(await agentAnswered(from, expected));
    };

    /** Order created → first single-match C-FIND that returns it, with the link up. */
    const visibility = async (): Promise<Visibility> => {
      note(`order → visible: ${opts.visibilityOrders} orders, one at a time`);
      const out: Visibility = { visible: [], posted: [] };
      for (const body of vetOrders(accessions.length, opts.visibilityOrders)) {
        const t0 = performance.now();
        const [accession] = await createOrders(stack, [body]);
        accessions.push(accession!);
        out.posted.push(performance.now() - t0);
        const deadline = t0 + VISIBILITY_TIMEOUT_MS;
        for (;;) {
          const found = await countByAccession(stack.dicomPort, accession!);
          if (found === 1) break;
          if (found > 1) throw new Error(`accession ${accession} matched ${found} items`);
          if (performance.now() > deadline)
            throw new Error(`order ${accession} not visible within ${VISIBILITY_TIMEOUT_MS} ms`);
        }
        out.visible.push(performance.now() - t0);
      }
      return out;
    };

    for (const n of SIZES) {
      const started = performance.now();
      const missing = n - accessions.length;
      const rest = seeding.steps.filter((s) => s.viaRest && s.n > 0);
      const restRate =
        rest.length > 0 ? rest.at(-1)!.n / rest.reduce((a, s) => a + s.seconds, 0) : Number.POSITIVE_INFINITY;
      // Up to 1,000 orders always go the real way, so the rate judged is a steady one.
      if (n <= 1_000 || missing / restRate <= opts.restBudgetSeconds) {
        // The real way: REST → plugin → link → agent journal.
        accessions.push(...(await createOrders(stack, vetOrders(accessions.length, missing))));
        await waitUntil(
          `${n} items on the agent`,
          async () => (await agentItems(stack.agentDbFile)).length >= n,
          300_000,
          250,
        );
        seeding.steps.push({ n, seconds: (performance.now() - started) / 1000, viaRest: true });
      } else {
        // The link must be up for the visibility measure, and a reconnect would take the seeded rows
        // back out (the plugin resynchronises a copy that differs): measure it first, then serve
        // the rest of the bench from the journal with no link, as an agent does while offline.
        visible ??= await visibility();
        const more = n - accessions.length;
        note(
          `${count(more)} orders straight into the agent journal (REST would take ~${(more / restRate).toFixed(0)} s)`,
        );
        const seedStarted = performance.now();
        await stack.agent.stop();
        accessions.push(
          ...(await seedAgentJournal(stack.agentDbFile, vetOrders(accessions.length, more), timeZone)),
        );
        const {
          LIGHTBOX_PLUGIN_URL: _url,
          LIGHTBOX_AGENT_ID: _id,
          LIGHTBOX_AGENT_TOKEN: _token,
          ...offline
        } = stack.agent.env;
        stack.agent.env = offline;
        const from = stack.agent.lines.length;
        stack.agent.start();
        await stack.agent.waitForCode('agent_started', { timeoutMs: 30_000, from });
        seeding.steps.push({ n, seconds: (performance.now() - seedStarted) / 1000, viaRest: false });
      }
      for (const item of await agentItems(stack.agentDbFile)) {
        if (written.has(item.orderId)) continue;
        await writeWorklistFile(wlDir, item.orderId, item.attributes);
        written.add(item.orderId);
      }
      if (written.size !== n) throw new Error(`the agent holds ${written.size} items, expected ${n}`);
      note(`${count(n)} items on the agent and in as many .wl files; querying`);

      const oneQuery = await queryFile(dir, `single-${n}`, queryDump(accessions[Math.floor(n / 2)]));
      for (const [c, file, expected] of [
        ['single-match', oneQuery, 1],
        ['match-all', allQuery, n],
      ] as [Case, string, number][]) {
        const samples: Record<Peer, Samples> = {
          Lightbox: { wall: [], server: [], echo: [] },
          wlmscpfs: { wall: [], server: [], echo: [] },
        };
        for (const peer of PEERS) {
          // Untimed: the answer is complete and successful (and this warms the peer up).
          const from = stack.agent.lines.length;
          const answer = await findAnswer(ports[peer], CALLED_AE, file);
          if (peer === 'Lightbox') await agentAnswered(from, expected);
          if (answer.pending !== expected || answer.final !== 'Success')
            throw new Error(
              `${peer} ${c} over ${n}: ${answer.pending} responses (${answer.final}), expected ${expected}`,
            );
          await timedPair(peer, file, expected, { wall: [], server: [], echo: [] });
        }
        const reps = c === 'match-all' && n >= 10_000 ? REPS_MATCH_ALL_LARGE : REPS;
        // Alternating peers, each find beside its own echo, spreads background load over both alike.
        for (let r = 0; r < reps; r++) {
          for (const peer of PEERS) await timedPair(peer, file, expected, samples[peer]);
        }
        results.set(key('Lightbox', c, n), samples.Lightbox);
        results.set(key('wlmscpfs', c, n), samples.wlmscpfs);
      }
    }
    visible ??= await visibility();
    return rows(SIZES, results, visible, seeding);
  } finally {
    await wlmscpfs.stop();
    await stack.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
}

function rows(
  SIZES: number[],
  results: Map<string, Samples>,
  { visible, posted }: Visibility,
  seeding: Seeding,
): BenchRow[] {
  const get = (peer: Peer, c: Case, n: number) => results.get(`${peer}|${c}|${n}`)!;
  /** Wall time less this case's own echo baseline: what the query itself cost, seen from the client. */
  const net = (peer: Peer, c: Case, n: number) => median(get(peer, c, n).wall) - median(get(peer, c, n).echo);
  const out: BenchRow[] = [];
  for (const peer of PEERS) {
    const echo = [...results.entries()].filter(([k]) => k.startsWith(`${peer}|`)).flatMap(([, s]) => s.echo);
    out.push({
      measure: `C-ECHO baseline (echoscu wall: process start + association), ${peer}, ms`,
      median: ms(median(echo)),
      runs: `p90 ${ms(percentile(echo, 90))}; ${echo.length} runs, one beside each timed C-FIND`,
      target: '',
      verdict: '',
    });
  }
  const serverAt = (n: number) => median(get('Lightbox', 'single-match', n).server);
  const flatLimit = serverAt(SIZES[0]!) + 2;
  for (const c of ['single-match', 'match-all'] as Case[]) {
    for (const n of SIZES) {
      for (const peer of PEERS) {
        const s = get(peer, c, n);
        const server = s.server.length
          ? `; agent p50 ${ms(median(s.server))} p90 ${ms(percentile(s.server, 90))}`
          : '';
        let target = '';
        let met: boolean | undefined;
        if (peer === 'Lightbox' && c === 'single-match' && n === SIZES.at(-1)) {
          target = `agent <= 10, flat (<= ${ms(flatLimit)})`;
          met = serverAt(n) <= 10 && serverAt(n) <= flatLimit;
        } else if (peer === 'Lightbox' && c === 'match-all' && n === 1_000) {
          target = `<= wlmscpfs (${ms(median(get('wlmscpfs', c, n).wall))})`;
          met = median(s.wall) <= median(get('wlmscpfs', c, n).wall);
        } else if (peer === 'Lightbox' && c === 'match-all' && n === 10_000) {
          target = `net <= wlmscpfs net / 2 (${ms(net('wlmscpfs', c, n) / 2)})`;
          met = net(peer, c, n) <= net('wlmscpfs', c, n) / 2;
        }
        out.push({
          measure: `MWL C-FIND ${c}, ${count(n)} items, ${peer}: findscu -W wall, ms`,
          median: ms(median(s.wall)),
          runs: `p90 ${ms(percentile(s.wall, 90))}; net ${ms(net(peer, c, n))}${server}; ${s.wall.length} runs`,
          target,
          verdict: met === undefined ? '' : met ? 'met' : 'MISSED',
        });
      }
    }
  }
  const p99 = percentile(visible, 99);
  out.push({
    measure: `order created (REST) → visible in a single-match C-FIND, ms (${visible.length} orders, link up)`,
    median: ms(median(visible)),
    runs: `p99 ${ms(p99)}; max ${ms(Math.max(...visible))}; of which POST answered p50 ${ms(median(posted))}`,
    target: 'p99 <= 150',
    verdict: p99 <= 150 ? 'met' : 'MISSED',
  });
  const viaRest = seeding.steps.filter((s) => s.viaRest);
  const restN = viaRest.at(-1)?.n ?? 0;
  const restSeconds = viaRest.reduce((a, s) => a + s.seconds, 0);
  const direct = seeding.steps.filter((s) => !s.viaRest);
  const directSeconds = direct.reduce((a, s) => a + s.seconds, 0);
  out.push({
    measure:
      direct.length > 0
        ? `seeding: ${count(restN)} orders via REST → agent journal, orders/s; to ${count(direct.at(-1)!.n)} written straight into the journal (${directSeconds.toFixed(1)} s), link down after that`
        : `seeding: ${count(restN)} orders via REST → agent journal, orders/s`,
    median: (restN / restSeconds).toFixed(0),
    runs: viaRest.map((s) => `to ${count(s.n)}: ${s.seconds.toFixed(1)} s`).join(', '),
    target: '',
    verdict: '',
  });
  return out;
}
