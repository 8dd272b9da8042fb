import { describe, expect, it } from 'vitest';
import { classifyAddress } from '../../src/net/address-class.js';
import { acceptable } from '../../src/net/ssrf-policy.js';

/**
 * [address, range, public, metadata]. `public` is what the guard connects to by default;
 * `metadata` is refused even for allowPrivateHosts.
 */
const ROWS: Array<[string, string, boolean, boolean]> = [
  // IPv4 public
  ['93.184.216.34', 'unicast', true, false],
  ['8.8.8.8', 'unicast', true, false],
  ['1.1.1.1', 'unicast', true, false],
  ['172.32.0.1', 'unicast', true, false], // just outside 172.16/12
  ['100.128.0.1', 'unicast', true, false], // just outside 100.64/10
  ['11.0.0.1', 'unicast', true, false],
  // IPv4 non-public
  ['127.0.0.1', 'loopback', false, false],
  ['127.255.255.254', 'loopback', false, false],
  ['10.0.0.1', 'private', false, false],
  ['172.16.0.1', 'private', false, false],
  ['172.31.255.255', 'private', false, false],
  ['192.168.1.1', 'private', false, false],
  ['169.254.1.1', 'linkLocal', false, false],
  ['100.64.0.1', 'carrierGradeNat', false, false],
  ['100.127.255.254', 'carrierGradeNat', false, false],
  ['0.0.0.0', 'unspecified', false, false],
  ['0.1.2.3', 'unspecified', false, false],
  ['255.255.255.255', 'broadcast', false, false],
  ['224.0.0.1', 'multicast', false, false],
  ['239.255.255.250', 'multicast', false, false],
  ['240.0.0.1', 'reserved', false, false],
  ['192.0.2.1', 'reserved', false, false], // TEST-NET-1
  ['198.18.0.1', 'reserved', false, false], // benchmarking
  ['192.0.0.8', 'reserved', false, false], // IETF protocol assignments
  // Metadata endpoints
  ['169.254.169.254', 'metadata', false, true],
  ['168.63.129.16', 'metadata', false, true], // Azure WireServer: a public-range address
  ['169.254.170.2', 'metadata', false, true], // ECS task metadata
  ['100.100.100.200', 'metadata', false, true], // Alibaba Cloud
  ['fd00:ec2::254', 'metadata', false, true],
  ['[fd00:ec2::254]', 'metadata', false, true],
  // IPv6 public
  ['2606:4700:4700::1111', 'unicast', true, false],
  ['2001:4860:4860::8888', 'unicast', true, false],
  ['[2a00:1450:4001:82a::200e]', 'unicast', true, false],
  // IPv6 non-public
  ['::1', 'loopback', false, false],
  ['::', 'unspecified', false, false],
  ['fe80::1', 'linkLocal', false, false],
  ['fe80::1%eth0', 'scoped', false, false],
  ['fc00::1', 'uniqueLocal', false, false],
  ['fd12:3456:789a::1', 'uniqueLocal', false, false],
  ['ff02::1', 'multicast', false, false],
  ['2001:db8::1', 'reserved', false, false], // documentation
  ['100::1', 'discard', false, false],
  ['fec0::1', 'notGlobalUnicast', false, false], // deprecated site-local
  ['4000::1', 'notGlobalUnicast', false, false], // outside 2000::/3
  // IPv4 carried inside IPv6
  ['::ffff:127.0.0.1', 'ipv4Mapped', false, false],
  ['::ffff:7f00:1', 'ipv4Mapped', false, false],
  ['::ffff:8.8.8.8', 'ipv4Mapped', false, false], // mapped is refused whatever it carries
  ['::ffff:169.254.169.254', 'ipv4Mapped', false, true],
  ['::ffff:0:127.0.0.1', 'rfc6145', false, false],
  ['::127.0.0.1', 'ipv4Compatible', false, false],
  ['::a9fe:a9fe', 'ipv4Compatible', false, true], // ::169.254.169.254
  ['64:ff9b::8.8.8.8', 'rfc6052', true, false], // NAT64 of a public address is fine
  ['64:ff9b::10.0.0.1', 'rfc6052', false, false],
  ['64:ff9b::a9fe:a9fe', 'rfc6052', false, true],
  ['64:ff9b:1::a00:1', 'nat64LocalUse', false, false],
  ['2002:0808:0808::1', '6to4', true, false],
  ['2002:7f00:0001::1', '6to4', false, false], // 6to4 of 127.0.0.1
  ['2002:c0a8:0101::1', '6to4', false, false], // 6to4 of 192.168.1.1
  ['2001:0:4136:e378:8000:63bf:f7f7:f7fe', 'teredo', true, false], // client 8.8.8.1 (inverted)
  ['2001:0:4136:e378:8000:63bf:80ff:fffe', 'teredo', false, false], // client 127.0.0.1 (inverted)
  // Not addresses at all: never reinterpreted
  ['2130706433', 'invalid', false, false],
  ['0x7f000001', 'invalid', false, false],
  ['0x7f.0.0.1', 'invalid', false, false],
  ['0177.0.0.1', 'invalid', false, false],
  ['127.1', 'invalid', false, false],
  ['127.0.0.1.', 'invalid', false, false],
  ['localhost', 'invalid', false, false],
  ['', 'invalid', false, false],
];

describe('classifyAddress', () => {
  it('has a table of at least 30 rows', () => expect(ROWS.length).toBeGreaterThanOrEqual(30));

  it.each(ROWS)('%s → %s (public %s, metadata %s)', (address, range, isPublic, metadata) => {
    const c = classifyAddress(address);
    expect(c.range).toBe(range);
    expect(c.public).toBe(isPublic);
    expect(c.metadata).toBe(metadata);
  });

  it('reports the IPv4 an IPv6 address carries', () => {
    expect(classifyAddress('::ffff:10.1.2.3').embedded).toMatchObject({ address: '10.1.2.3', range: 'private' });
    expect(classifyAddress('2002:c0a8:0101::1').embedded).toMatchObject({ address: '192.168.1.1', range: 'private' });
    expect(classifyAddress('2001:0:4136:e378:8000:63bf:80ff:fffe').embedded).toMatchObject({ address: '127.0.0.1' });
  });
});

describe('acceptable (what the guard connects to)', () => {
  it.each([
    ['93.184.216.34', false, true],
    ['127.0.0.1', false, false],
    ['127.0.0.1', true, true], // allowPrivateHosts (tests only)
    ['::ffff:127.0.0.1', true, true],
    ['10.0.0.1', true, true],
    ['169.254.169.254', true, false], // metadata: never
    ['fd00:ec2::254', true, false],
    ['168.63.129.16', true, false],
    ['::ffff:169.254.169.254', true, false],
    ['0x7f.1', true, false], // not an address: never
  ])('%s with allowPrivate=%s → %s', (address, privateAllowed, expected) => {
    expect(acceptable(classifyAddress(address), privateAllowed)).toBe(expected);
  });
});
