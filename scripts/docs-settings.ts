/**
 * `npm run docs:settings`: rewrites the settings tables of docs/plugin-settings.md and
 * docs/agent-settings.md from the config schemas, keeping each row's description. A new setting
 * gets a row with an empty description, named here, for its author to write.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { drift, readPage, renderPage, settingsPages } from './settings-reference.js';

let missing = 0;
for (const page of settingsPages()) {
  const text = await readPage(page);
  const next = await renderPage(text, page);
  if (next !== text) await writeFile(page.file, next);
  const { undocumented, unknown } = drift(text, page.settings);
  const name = path.relative(process.cwd(), page.file);
  for (const env of undocumented) console.error(`${name}: ${env} has no description yet`);
  for (const env of unknown) console.error(`${name}: ${env} is described but is not a setting`);
  missing += undocumented.length + unknown.length;
}
process.exitCode = missing > 0 ? 1 : 0;
