import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { classifyAddress } from './address-class.js';
import { OutboundGuard, OutboundRefused } from './outbound-guard.js';

describe('classifyAddress', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['::1', 'loopback'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['169.254.169.254', 'metadata'],
    ['fd00:ec2::254', 'metadata'],
    ['169.254.10.1', 'link-local'],
    ['fe80::1', 'link-local'],
    ['0.0.0.0', 'unspecified'],
    ['::', 'unspecified'],
    ['224.0.0.251', 'multicast'],
    ['10.1.2.3', 'private'],
    ['172.20.0.1', 'private'],
    ['192.168.1.10', 'private'],
    ['fd12:3456::1', 'private'],
    ['255.255.255.255', 'reserved'],
    ['93.184.216.34', 'public'],
    ['2606:4700::1111', 'public'],
  ])('%s is %s', (address, kind) => {
    expect(classifyAddress(address)).toBe(kind);
  });
});

describe('OutboundGuard', () => {
  const closed = new OutboundGuard({ allowedRanges: [] });

  it.each([
    ['http://127.0.0.1:8080/hook', 'address_loopback'],
    ['http://[::1]/', 'address_loopback'],
    ['http://0x7f000001/', 'address_loopback'],
    ['http://2130706433/', 'address_loopback'],
    ['http://169.254.169.254/latest/meta-data/', 'address_metadata'],
    ['http://10.0.0.5/', 'address_private'],
    ['http://0.0.0.0/', 'address_unspecified'],
    ['ftp://example.org/', 'bad_url'],
    ['http://user:pw@example.org/', 'bad_url'],
    ['not a url', 'bad_url'],
  ])('refuses %s (%s) when nothing is allowed', async (url, reason) => {
    const err = await closed.checkUrl(url).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(OutboundRefused);
    expect((err as OutboundRefused).reason).toBe(reason);
  });

  it('allows a private range the site names, and never the metadata address', async () => {
    const open = new OutboundGuard({ allowedRanges: ['10.0.0.0/8', '169.254.0.0/16'] });
    await expect(open.checkUrl('http://10.0.0.5:8443/')).resolves.toBeUndefined();
    await expect(open.checkUrl('http://169.254.169.254/')).rejects.toThrow(/metadata/);
    await expect(open.checkUrl('http://192.168.1.1/')).rejects.toThrow(/private/);
    await open.close();
  });

  describe('at connection time', () => {
    let server: Server;
    let port = 0;
    beforeAll(async () => {
      server = createServer((_req, res) => res.writeHead(204).end());
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      port = (server.address() as AddressInfo).port;
    });
    afterAll(async () => {
      await closed.close();
      await new Promise<void>((r) => server.close(() => r()));
    });

    it('refuses a name that resolves inward when the request is made, not only when configured', async () => {
      // `localhost` is resolved by the connection itself; the check sits in that lookup.
      const err = await closed.fetch(`http://localhost:${port}/`).then(
        () => null,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(Error);
      expect(String((err as Error).cause ?? err)).toMatch(/loopback/);
    });

    it('reaches loopback once the site allows it', async () => {
      const open = new OutboundGuard({ allowedRanges: ['127.0.0.0/8', '::1'] });
      const res = await open.fetch(`http://localhost:${port}/`);
      expect(res.status).toBe(204);
      await open.close();
    });
  });
});
