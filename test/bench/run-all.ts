/** `npm run bench`: every benchmark, printed as one table of medians. */
import { linkBench } from './link-bench.js';
import { worklistBench } from './worklist-bench.js';
import { renderBench } from './render-bench.js';
import { renditionBench } from './rendition-bench.js';
import { storageBench } from './storage-bench.js';
import { mppsWebhookBench } from './mpps-webhook-bench.js';
import { fieldBench } from './field-bench.js';
import { hl7Bench } from './hl7-bench.js';
import { staffBench } from './staff-bench.js';
import { panelBench } from './panel-bench.js';
import { hardeningBench } from './hardening-bench.js';
import { printTable, type BenchRow } from './bench-table.js';

const rows: BenchRow[] = [];
rows.push(...(await linkBench()));
rows.push(...(await worklistBench()));
rows.push(...(await renderBench()));
rows.push(...(await renditionBench()));
rows.push(...(await storageBench()));
rows.push(...(await mppsWebhookBench()));
rows.push(...(await fieldBench()));
rows.push(...(await hl7Bench()));
rows.push(...(await staffBench()));
rows.push(...(await panelBench()));
rows.push(...(await hardeningBench()));
printTable(rows);
