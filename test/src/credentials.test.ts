import { createClient } from '@libsql/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LightboxStack, TEST_API_KEY } from './support/lightbox-stack.js';
import { waitUntil } from './support/managed-process.js';

/**
 * Every credential can be revoked: API keys created, listed (prefix and last use only) and revoked
 * through the API, the environment's key replaced when it changes, agent tokens rotated and agents
 * removed with their links closed — each change in the audit log.
 */
type KeyView = {
  apiKeyId: string;
  label: string;
  source: string;
  prefix: string | null;
  lastUsedAt: string | null;
  revokedAt: string | null;
};

const stack = new LightboxStack();
const NEW_ENV_KEY = 'lbx_key_replacement_0123456789abcdefghij';

beforeAll(() => stack.startAll());
afterAll(() => stack.dispose());

async function auditActions(): Promise<string[]> {
  const db = createClient({ url: `file:${stack.pluginDbFile}` });
  try {
    const rows = await db.execute('SELECT action FROM audit_log ORDER BY id');
    return rows.rows.map((r) => r.action as string);
  } finally {
    db.close();
  }
}

const linkCheck = (token: string) =>
  fetch(`${stack.pluginUrl}/v1/agents/link-check`, { headers: { authorization: `Bearer ${token}` } });

describe('API keys', () => {
  it('creates a key shown once, lists keys by prefix and last use only, and refuses a revoked key from the next request', async () => {
    const created = await stack.api('POST', '/v1/api-keys', { label: 'PIMS sync' });
    expect(created.status).toBe(201);
    const { key, apiKeyId, prefix } = (await created.json()) as KeyView & { key: string };
    expect(key).toMatch(/^lbx_key_/);
    expect(key.startsWith(prefix!)).toBe(true);
    expect(prefix!.length).toBeLessThan(key.length / 2);

    expect((await stack.api('GET', '/v1/orders', undefined, key)).status).toBe(200);
    const listed = await stack.api('GET', '/v1/api-keys');
    const text = await listed.text();
    expect(text).not.toContain(key);
    const items = (JSON.parse(text) as { items: KeyView[] }).items;
    const mine = items.find((k) => k.apiKeyId === apiKeyId)!;
    expect(mine).toMatchObject({ label: 'PIMS sync', source: 'api', prefix, revokedAt: null });
    await waitUntil('its last use recorded', async () => {
      const list = (await (await stack.api('GET', '/v1/api-keys')).json()) as { items: KeyView[] };
      return list.items.find((k) => k.apiKeyId === apiKeyId)!.lastUsedAt !== null;
    });
    expect(items.find((k) => k.source === 'env')).toMatchObject({ prefix: TEST_API_KEY.slice(0, 13) });

    expect((await stack.api('DELETE', `/v1/api-keys/${apiKeyId}`)).status).toBe(204);
    const refused = await stack.api('GET', '/v1/orders', undefined, key);
    expect(refused.status).toBe(401);
    expect(refused.headers.get('www-authenticate')).toMatch(/^Bearer /);
    expect(await auditActions()).toEqual(expect.arrayContaining(['api_key.created', 'api_key.revoked']));
  });

  it("never revokes a site's last active key", async () => {
    const { key, apiKeyId } = (await (
      await stack.api('POST', '/v1/api-keys', { label: 'spare' })
    ).json()) as {
      key: string;
      apiKeyId: string;
    };
    const envKey = (
      (await (await stack.api('GET', '/v1/api-keys')).json()) as { items: KeyView[] }
    ).items.find((k) => k.source === 'env' && k.revokedAt === null)!;
    expect((await stack.api('DELETE', `/v1/api-keys/${envKey.apiKeyId}`, undefined, key)).status).toBe(204);
    expect((await stack.api('GET', '/v1/orders')).status).toBe(401);
    const last = await stack.api('DELETE', `/v1/api-keys/${apiKeyId}`, undefined, key);
    expect(last.status).toBe(409);
    expect(((await last.json()) as { detail: string }).detail).toMatch(/last active API key/);
    expect((await stack.api('GET', '/v1/orders', undefined, key)).status).toBe(200);
  });

  it('replaces the previous environment key when LIGHTBOX_API_KEY changes, instead of adding to it', async () => {
    await stack.plugin.stop();
    stack.plugin.env.LIGHTBOX_API_KEY = NEW_ENV_KEY;
    stack.plugin.start();
    await stack.waitPluginReady();
    expect((await stack.api('GET', '/v1/orders', undefined, NEW_ENV_KEY)).status).toBe(200);
    await stack.plugin.stop();
    stack.plugin.env.LIGHTBOX_API_KEY = `${NEW_ENV_KEY}-2`;
    stack.plugin.start();
    await stack.waitPluginReady();
    expect((await stack.api('GET', '/v1/orders', undefined, `${NEW_ENV_KEY}-2`)).status).toBe(200);
    expect((await stack.api('GET', '/v1/orders', undefined, NEW_ENV_KEY)).status).toBe(401);
    const keys = (await (await stack.api('GET', '/v1/api-keys', undefined, `${NEW_ENV_KEY}-2`)).json()) as {
      items: KeyView[];
    };
    expect(keys.items.filter((k) => k.source === 'env' && k.revokedAt === null).length).toBe(1);
    expect((await auditActions()).filter((a) => a === 'api_key.replaced').length).toBe(1);
    await waitUntil('the agent linked again', () => agentConnected(`${NEW_ENV_KEY}-2`));
  });
});

describe('agent tokens and agents', () => {
  const key = `${NEW_ENV_KEY}-2`;

  it('rotates a token: the old one works until the agent links with the new one, then not', async () => {
    const res = await stack.api('POST', `/v1/agents/${stack.agentId}/token`, undefined, key);
    expect(res.status).toBe(200);
    const { token } = (await res.json()) as { token: string };
    const old = stack.agentToken;
    expect((await linkCheck(old)).status).toBe(200);
    expect((await linkCheck(token)).status).toBe(200);
    expect(await agentConnected(key)).toBe(true);

    await stack.agent.stop();
    await stack.startAgent({ LIGHTBOX_AGENT_TOKEN: token });
    stack.agentToken = token;
    // Linked with the new one: from then on the old one is refused.
    await waitUntil('the old token refused', async () => (await linkCheck(old)).status === 401);
    await waitUntil('linked with the new token', () => agentConnected(key));
    expect((await linkCheck(token)).status).toBe(200);
    expect(await auditActions()).toEqual(
      expect.arrayContaining(['agent.token_rotated', 'agent.token_replaced']),
    );
  });

  it('rotates a token immediately: the old token and the link it holds are dropped at once', async () => {
    const old = stack.agentToken;
    const from = stack.agent.lines.length;
    const asked = Date.now();
    const res = await stack.api('POST', `/v1/agents/${stack.agentId}/token`, { immediately: true }, key);
    expect(res.status).toBe(200);
    const { token } = (await res.json()) as { token: string };
    // The agent hears it: its link closed with the revocation's close code.
    const closed = await stack.agent.waitForCode('link_closed', { timeoutMs: 5_000, from });
    expect(closed.closeCode).toBe(4007);
    expect(closed.receivedAt - asked).toBeLessThan(1_000);
    expect(await agentConnected(key)).toBe(false);
    expect((await linkCheck(old)).status).toBe(401);
    // The agent, still on the old token, cannot come back.
    await new Promise((r) => setTimeout(r, 1_500));
    expect(await agentConnected(key)).toBe(false);
    await stack.agent.stop();
    await stack.startAgent({ LIGHTBOX_AGENT_TOKEN: token });
    stack.agentToken = token;
    await waitUntil('linked again with the new token', () => agentConnected(key));
  });

  it('removes an agent: its link is closed within a second and its token refused', async () => {
    const from = stack.agent.lines.length;
    const asked = Date.now();
    expect((await stack.api('DELETE', `/v1/agents/${stack.agentId}`, undefined, key)).status).toBe(204);
    const closed = await stack.agent.waitForCode('link_closed', { timeoutMs: 5_000, from });
    expect(closed.closeCode).toBe(4007);
    expect(closed.receivedAt - asked).toBeLessThan(1_000);
    expect((await stack.api('GET', `/v1/agents/${stack.agentId}`, undefined, key)).status).toBe(404);
    expect((await linkCheck(stack.agentToken)).status).toBe(401);
    const list = (await (await stack.api('GET', '/v1/agents', undefined, key)).json()) as {
      items: unknown[];
    };
    expect(list.items).toEqual([]);
    expect(await auditActions()).toContain('agent.removed');
  });
});

async function agentConnected(key: string): Promise<boolean> {
  const res = await stack.api('GET', `/v1/agents/${stack.agentId}`, undefined, key);
  return res.ok && ((await res.json()) as { connected: boolean }).connected;
}
