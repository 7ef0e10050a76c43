/** Benchmarks print their figures as one table: what was measured, the median, the spread, the target. */
export interface BenchRow {
  measure: string;
  median: string;
  runs: string;
  target: string;
  verdict: string;
}

export function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

export function printTable(rows: BenchRow[]): void {
  const header: BenchRow = {
    measure: 'measure',
    median: 'median',
    runs: 'runs',
    target: 'target',
    verdict: '',
  };
  const cols = Object.keys(header) as (keyof BenchRow)[];
  const width = Object.fromEntries(
    cols.map((c) => [c, Math.max(...[header, ...rows].map((r) => r[c].length))]),
  );
  const line = (r: BenchRow) => `| ${cols.map((c) => r[c].padEnd(width[c]!)).join(' | ')} |`;
  process.stdout.write(`${line(header)}\n|${cols.map((c) => '-'.repeat(width[c]! + 2)).join('|')}|\n`);
  for (const r of rows) process.stdout.write(`${line(r)}\n`);
}
