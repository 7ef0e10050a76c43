import { BlockList, isIP } from 'node:net';

/** What kind of place an IP address is, for deciding whether the plugin may call it. */
export type AddressClass =
  'public' | 'private' | 'loopback' | 'link-local' | 'metadata' | 'unspecified' | 'multicast' | 'reserved';

function list(ranges: [string, number, 'ipv4' | 'ipv6'][]): BlockList {
  const l = new BlockList();
  for (const [address, prefix, family] of ranges) l.addSubnet(address, prefix, family);
  return l;
}

// Checked in this order: the metadata addresses sit inside link-local and must win.
const classes: [AddressClass, BlockList][] = [
  [
    'metadata',
    list([
      ['169.254.169.254', 32, 'ipv4'], // AWS, GCP, Azure, OpenStack
      ['169.254.170.2', 32, 'ipv4'], // ECS task metadata
      ['100.100.100.200', 32, 'ipv4'], // Alibaba Cloud
      ['fd00:ec2::254', 128, 'ipv6'], // AWS over IPv6
    ]),
  ],
  [
    'unspecified',
    list([
      ['0.0.0.0', 8, 'ipv4'],
      ['::', 128, 'ipv6'],
    ]),
  ],
  [
    'loopback',
    list([
      ['127.0.0.0', 8, 'ipv4'],
      ['::1', 128, 'ipv6'],
    ]),
  ],
  [
    'link-local',
    list([
      ['169.254.0.0', 16, 'ipv4'],
      ['fe80::', 10, 'ipv6'],
    ]),
  ],
  [
    'multicast',
    list([
      ['224.0.0.0', 4, 'ipv4'],
      ['ff00::', 8, 'ipv6'],
    ]),
  ],
  [
    'private',
    list([
      ['10.0.0.0', 8, 'ipv4'],
      ['172.16.0.0', 12, 'ipv4'],
      ['192.168.0.0', 16, 'ipv4'],
      ['100.64.0.0', 10, 'ipv4'], // carrier-grade NAT
      ['fc00::', 7, 'ipv6'], // unique local
    ]),
  ],
  [
    'reserved',
    list([
      ['192.0.0.0', 24, 'ipv4'],
      ['192.0.2.0', 24, 'ipv4'],
      ['198.18.0.0', 15, 'ipv4'],
      ['198.51.100.0', 24, 'ipv4'],
      ['203.0.113.0', 24, 'ipv4'],
      ['240.0.0.0', 4, 'ipv4'], // and the broadcast address
      ['100::', 64, 'ipv6'],
      ['2001:db8::', 32, 'ipv6'],
    ]),
  ],
];

/**
 * An IPv4 address carried inside IPv6 (`::ffff:127.0.0.1`, NAT64 `64:ff9b::7f00:1`) is judged as
 * the IPv4 address it reaches.
 */
function embeddedIpv4(address: string): string | null {
  const m = /^(?:::ffff:|64:ff9b::)(?:(\d+\.\d+\.\d+\.\d+)|([0-9a-f]{1,4}):([0-9a-f]{1,4}))$/i.exec(address);
  if (!m) return null;
  if (m[1]) return m[1];
  const hi = parseInt(m[2]!, 16);
  const lo = parseInt(m[3]!, 16);
  return [hi >> 8, hi & 255, lo >> 8, lo & 255].join('.');
}

export function classifyAddress(address: string): AddressClass {
  const bare = address.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  const v4 = embeddedIpv4(bare.toLowerCase());
  if (v4) return classifyAddress(v4);
  const version = isIP(bare);
  if (version === 0) throw new Error(`not an IP address: ${address}`);
  const family = version === 4 ? 'ipv4' : 'ipv6';
  for (const [name, ranges] of classes) if (ranges.check(bare, family)) return name;
  return 'public';
}
