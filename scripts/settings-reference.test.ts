import { describe, expect, it } from 'vitest';
import { drift, readPage, renderPage, settingsPages, type SettingsPage } from './settings-reference.js';

const pages = settingsPages();

describe.each(pages.map((p) => [p.file.replace(/.*\/docs\//, 'docs/'), p] as const))('%s', (_name, page) => {
  it('describes every setting of the config schema, and no other', async () => {
    expect(drift(await readPage(page), page.settings)).toEqual({ undocumented: [], unknown: [] });
  });

  it('shows the names, fields and defaults the schema has (npm run docs:settings rewrites them)', async () => {
    const text = await readPage(page);
    expect(await renderPage(text, page)).toBe(text);
  });

  it('notices a setting added to the schema without a description', async () => {
    const grown: SettingsPage = {
      ...page,
      settings: [
        ...page.settings,
        { env: 'LIGHTBOX_NOT_YET_DESCRIBED', field: 'notYetDescribed', default: 'unset' },
      ],
    };
    const text = await readPage(page);
    expect(drift(text, grown.settings).undocumented).toEqual(['LIGHTBOX_NOT_YET_DESCRIBED']);
    expect(await renderPage(text, grown)).not.toBe(text);
  });

  it('notices a default changed in the schema', async () => {
    const [first, ...rest] = page.settings;
    const changed: SettingsPage = {
      ...page,
      settings: [{ ...first!, default: '`something else`' }, ...rest],
    };
    const text = await readPage(page);
    expect(await renderPage(text, changed)).not.toBe(text);
  });
});

it('reads every LIGHTBOX_ setting of both processes', () => {
  const [plugin, agent] = pages;
  expect(plugin!.settings.map((s) => s.env)).toContain('LIGHTBOX_WEBHOOK_RETRY_FOR_MS');
  expect(agent!.settings.map((s) => s.env)).toContain('LIGHTBOX_FORWARD_PACS');
  expect(agent!.settings.every((s) => s.field !== undefined)).toBe(true);
});
