import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, loadAgentConfig } from '../config.js';

const dir = mkdtempSync(path.join(tmpdir(), 'lightbox-fwd-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const env = (extra: Record<string, string>) => ({ LIGHTBOX_DATA_DIR: dir, ...extra });

describe('forwarding settings', () => {
  it('forwards nothing unless a PACS is named', () => {
    expect(loadAgentConfig(env({}), undefined).forwarding).toBeUndefined();
  });

  it('reads AE@host:port with defaults a field engineer can live with', () => {
    const c = loadAgentConfig(env({ LIGHTBOX_FORWARD_PACS: 'MAINPACS@10.0.0.5:104' }), undefined);
    expect(c.forwarding).toEqual({
      pacs: { aeTitle: 'MAINPACS', host: '10.0.0.5', port: 104 },
      callingAeTitle: 'LIGHTBOX',
      backoffMinMs: 1_000,
      backoffMaxMs: 300_000,
      giveUpAfterMs: 0,
      concurrency: 1,
    });
  });

  it('reads a structured PACS from the config file, the environment tuning it', () => {
    const file = path.join(dir, 'agent.json');
    writeFileSync(
      file,
      JSON.stringify({ forwardPacs: { aeTitle: 'PACS', host: 'pacs.local', port: 11112 } }),
    );
    const c = loadAgentConfig(
      env({ LIGHTBOX_FORWARD_CALLING_AE_TITLE: 'CLINIC1', LIGHTBOX_FORWARD_GIVE_UP_AFTER_MS: '86400000' }),
      file,
    );
    expect(c.forwarding).toMatchObject({
      pacs: { aeTitle: 'PACS', host: 'pacs.local', port: 11112 },
      callingAeTitle: 'CLINIC1',
      giveUpAfterMs: 86_400_000,
    });
  });

  it('names the bad setting', () => {
    const lines = (extra: Record<string, string>): string[] => {
      try {
        loadAgentConfig(env(extra), undefined);
      } catch (err) {
        if (err instanceof ConfigError) return err.lines;
      }
      return [];
    };
    expect(lines({ LIGHTBOX_FORWARD_PACS: '10.0.0.5:104' })[0]).toMatch(
      /LIGHTBOX_FORWARD_PACS: expected the PACS as AE@host:port/,
    );
    expect(lines({ LIGHTBOX_FORWARD_PACS: 'P@h:104', LIGHTBOX_FORWARD_CONCURRENCY: '0' })[0]).toMatch(
      /LIGHTBOX_FORWARD_CONCURRENCY/,
    );
    expect(
      lines({
        LIGHTBOX_FORWARD_PACS: 'P@h:104',
        LIGHTBOX_FORWARD_BACKOFF_MIN_MS: '5000',
        LIGHTBOX_FORWARD_BACKOFF_MAX_MS: '1000',
      })[0],
    ).toMatch(/LIGHTBOX_FORWARD_BACKOFF_MAX_MS: expected at least/);
  });
});
