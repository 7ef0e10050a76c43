/** `npm run bench`: every benchmark, printed as one table of medians. */
import { linkBench } from './link-bench.js';
import { renderBench } from './render-bench.js';
import { printTable, type BenchRow } from './bench-table.js';

const rows: BenchRow[] = [];
rows.push(...(await linkBench()));
rows.push(...(await renderBench()));
printTable(rows);
