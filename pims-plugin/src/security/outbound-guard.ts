import { promises as dns } from 'node:dns';
import type { LookupAddress, LookupOptions } from 'node:dns';
import { BlockList, isIP } from 'node:net';
import { Agent, fetch as undiciFetch, type RequestInit, type Response } from 'undici';
import { LightboxError } from '@lightbox/runtime';
import { classifyAddress, type AddressClass } from './address-class.js';
import { parseRange } from './address-range.js';

export interface OutboundSettings {
  /** CIDR ranges a site allows beyond the public internet (an on-premises PIMS, loopback). */
  allowedRanges: string[];
  /** DNS servers to resolve names with; default the system's resolver. */
  dnsServers?: string[] | undefined;
}

/** Never reachable, whatever is allowed: no PIMS lives there. */
const NEVER: ReadonlySet<AddressClass> = new Set(['metadata', 'unspecified', 'multicast', 'reserved']);

const REASONS: Record<Exclude<AddressClass, 'public'>, string> = {
  metadata: 'a cloud metadata address',
  unspecified: 'an unspecified address',
  multicast: 'a multicast address',
  reserved: 'a reserved address',
  loopback: 'a loopback address',
  'link-local': 'a link-local address',
  private: 'a private address',
};

/** Why an outbound request was refused; `reason` is a stable code for logs and delivery records. */
export class OutboundRefused extends LightboxError {
  constructor(
    readonly reason: 'bad_url' | 'unresolvable' | `address_${AddressClass}`,
    detail: string,
  ) {
    super('validation_failed', detail, { errors: [{ field: 'url', message: detail }] });
  }
}

/**
 * Outbound HTTP that cannot be turned inward. A URL is checked when it is configured, and again
 * on every connection against the address actually dialled: a name that resolved to a public
 * address at subscription time and to 127.0.0.1 at delivery time (DNS rebinding) is refused then.
 * Redirects are never followed, since a redirect could name any address.
 */
export class OutboundGuard {
  private readonly allowed = new BlockList();
  private readonly resolver: dns.Resolver | null;
  private readonly agent: Agent;

  constructor(settings: OutboundSettings) {
    for (const text of settings.allowedRanges) {
      const range = parseRange(text);
      if (!range) throw new Error(`not an address range: ${text}`);
      this.allowed.addSubnet(range.address, range.prefix, range.family);
    }
    if (settings.dnsServers && settings.dnsServers.length > 0) {
      this.resolver = new dns.Resolver();
      this.resolver.setServers(settings.dnsServers);
    } else {
      this.resolver = null;
    }
    this.agent = new Agent({
      connect: {
        lookup: (hostname: string, options: LookupOptions, callback: LookupCallback) => {
          this.permittedAddresses(hostname).then(
            (addresses) => {
              const wanted = options.family === 4 || options.family === 6 ? options.family : 0;
              const usable = wanted ? addresses.filter((a) => a.family === wanted) : addresses;
              if (options.all) callback(null, usable);
              else callback(null, usable[0]!.address, usable[0]!.family);
            },
            (err: unknown) => callback(err as NodeJS.ErrnoException, ''),
          );
        },
      },
    });
  }

  /** Refuses a URL that is not http(s) or whose host resolves to a place outbound calls may not go. */
  async checkUrl(url: string): Promise<void> {
    const host = hostOf(url);
    await this.permittedAddresses(host);
  }

  /** `fetch`, with every connection checked on its resolved address and no redirects followed. */
  async fetch(url: string, init: RequestInit = {}): Promise<Response> {
    const host = hostOf(url);
    // An address literal never goes through the lookup: check it here.
    if (isIP(host) !== 0) this.assertPermitted(host);
    return undiciFetch(url, { ...init, redirect: 'manual', dispatcher: this.agent });
  }

  async close(): Promise<void> {
    await this.agent.close();
  }

  /** The addresses of a host that may be called, or an OutboundRefused naming why none may. */
  private async permittedAddresses(host: string): Promise<LookupAddress[]> {
    if (isIP(host) !== 0) {
      this.assertPermitted(host);
      return [{ address: host, family: isIP(host) }];
    }
    const addresses = await this.resolve(host);
    if (addresses.length === 0) throw new OutboundRefused('unresolvable', `${host} does not resolve`);
    // Every address must be permitted: a name that also resolves inward is refused whole, so the
    // choice of address cannot be steered.
    for (const a of addresses) this.assertPermitted(a.address, host);
    return addresses;
  }

  private assertPermitted(address: string, host?: string): void {
    const kind = classifyAddress(address);
    if (kind === 'public') return;
    const family = isIP(address) === 4 ? 'ipv4' : 'ipv6';
    if (!NEVER.has(kind) && this.allowed.check(address, family)) return;
    const via = host ? `${host} resolves to ${address}, ` : `${address} is `;
    const hint = NEVER.has(kind) ? '' : '; allow its range in LIGHTBOX_OUTBOUND_ALLOW if it is yours';
    throw new OutboundRefused(
      `address_${kind}`,
      `${via}${REASONS[kind]}: outbound calls may not go there${hint}`,
    );
  }

  private async resolve(host: string): Promise<LookupAddress[]> {
    try {
      if (!this.resolver) return await dns.lookup(host, { all: true, verbatim: true });
      const [v4, v6] = await Promise.all([
        this.resolver.resolve4(host).catch(() => [] as string[]),
        this.resolver.resolve6(host).catch(() => [] as string[]),
      ]);
      return [
        ...v4.map((address) => ({ address, family: 4 })),
        ...v6.map((address) => ({ address, family: 6 })),
      ];
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? 'error';
      throw new OutboundRefused('unresolvable', `${host} does not resolve (${code})`);
    }
  }
}

type LookupCallback = (
  err: NodeJS.ErrnoException | null,
  address: string | LookupAddress[],
  family?: number,
) => void;

function hostOf(url: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new OutboundRefused('bad_url', 'expected an absolute http:// or https:// URL');
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') {
    throw new OutboundRefused('bad_url', `expected http:// or https://, got ${u.protocol}`);
  }
  if (u.username || u.password) {
    throw new OutboundRefused('bad_url', 'credentials in the URL are not accepted; use the secret');
  }
  // The WHATWG parser already turned 0x7f000001, 2130706433 and 127.1 into 127.0.0.1.
  return u.hostname.replace(/^\[|\]$/g, '');
}
