import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';

/**
 * What the SSRF guard knows about one IP address. Ranges come from ipaddr.js (IANA special-purpose
 * registries) so nobody has to hand-maintain bit masks; this module only adds what ipaddr.js does
 * not model: metadata endpoints, IPv4 embedded in IPv6, and "global unicast" for IPv6.
 */
export interface AddressClass {
  /** Normalised text form (IPv6 without brackets, lower case). */
  address: string;
  family: 4 | 6;
  /**
   * ipaddr.js range name (`unicast`, `loopback`, `private`, `linkLocal`, `carrierGradeNat`,
   * `uniqueLocal`, `ipv4Mapped`, `6to4`, `teredo`, `rfc6052`, …) or one of ours: `metadata`,
   * `ipv4Compatible`, `nat64LocalUse`, `notGlobalUnicast`, `scoped`, `invalid`.
   */
  range: string;
  /** An ordinary public unicast address: the only kind the guard connects to by default. */
  public: boolean;
  /** A cloud metadata endpoint: refused always, even for `allowPrivateHosts`. */
  metadata: boolean;
  /** For IPv6 forms that carry an IPv4 address (mapped, compatible, 6to4, Teredo, NAT64): its class. */
  embedded?: AddressClass;
}

interface KnownRanges {
  /**
   * Instance-metadata and host-agent addresses that hand out credentials or configuration:
   * AWS IMDS (v4 and IPv6), AWS ECS task metadata, Azure WireServer (a public-range address, so
   * the range check alone would miss it), Alibaba Cloud metadata. GCP and OCI use 169.254.169.254.
   */
  metadata: string[];
  /** 2000::/3 is the only IPv6 block IANA allocates for global unicast; anything else is not public. */
  globalUnicastV6: [ipaddr.IPv6, number];
  /** RFC 8215 local-use NAT64 prefix, which ipaddr.js 2.2 does not name. */
  nat64LocalUse: [ipaddr.IPv6, number];
}

let known: KnownRanges | undefined;
/** Parsed on the first classification, not at import: ipaddr.js's parsers cost ~2 ms of every cold start otherwise. */
function ranges(): KnownRanges {
  return known ??= {
    metadata: ['169.254.169.254', 'fd00:ec2::254', '168.63.129.16', '169.254.170.2', '100.100.100.200'].map((text) => ipaddr.parse(text).toNormalizedString()),
    globalUnicastV6: ipaddr.IPv6.parseCIDR('2000::/3'),
    nat64LocalUse: ipaddr.IPv6.parseCIDR('64:ff9b:1::/48'),
  };
}

const invalid = (address: string): AddressClass => ({ address, family: 4, range: 'invalid', public: false, metadata: false });

/**
 * Classifies one address as resolved by DNS or written as an IP-literal host. Only strict
 * dotted-quad IPv4 and standard IPv6 text are accepted (Node's `isIP`): `0x7f.1`, `2130706433`
 * or `0177.0.0.1` are `invalid`, never reinterpreted.
 */
export function classifyAddress(text: string): AddressClass {
  const bare = text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text;
  const family = isIP(bare);
  if (family === 0) return invalid(text);
  if (family === 4) return classifyV4(ipaddr.IPv4.parse(bare));
  // A zone (fe80::1%eth0) only means something on one link: never a public destination.
  if (bare.includes('%')) return { address: bare.toLowerCase(), family: 6, range: 'scoped', public: false, metadata: false };
  // Canonicalise first: ipaddr.js 2.2 reads "::1.2.3.4" as "::ffff:1.2.3.4". The WHATWG
  // serialisation has no dotted tail, so ipaddr.js then only sees plain hex groups.
  return classifyV6(ipaddr.IPv6.parse(new URL(`https://[${bare}]/`).hostname.slice(1, -1)));
}

function classifyV4(ip: ipaddr.IPv4): AddressClass {
  const address = ip.toString();
  const metadata = ranges().metadata.includes(address);
  const range = metadata ? 'metadata' : ip.range();
  return { address, family: 4, range, public: range === 'unicast', metadata };
}

function v4FromParts(high: number, low: number): ipaddr.IPv4 {
  return new ipaddr.IPv4([high >> 8, high & 0xff, low >> 8, low & 0xff]);
}

function classifyV6(ip: ipaddr.IPv6): AddressClass {
  const address = ip.toNormalizedString();
  const shown = ip.toString();
  if (ranges().metadata.includes(address)) return { address: shown, family: 6, range: 'metadata', public: false, metadata: true };
  const p = ip.parts as [number, number, number, number, number, number, number, number];
  const range = ip.range();
  const withEmbedded = (name: string, v4: ipaddr.IPv4, publicIfEmbeddedIs: boolean): AddressClass => {
    const embedded = classifyV4(v4);
    // An address that reaches a metadata endpoint through any translation is a metadata address.
    return { address: shown, family: 6, range: name, public: publicIfEmbeddedIs && embedded.public, metadata: embedded.metadata, embedded };
  };
  switch (range) {
    // ::ffff:a.b.c.d and ::ffff:0:a.b.c.d reach the IPv4 host directly: refused whatever it is,
    // so nobody can smuggle 127.0.0.1 past a check that only looked at the IPv6 ranges.
    case 'ipv4Mapped':
    case 'rfc6145':
      return withEmbedded(range, v4FromParts(p[6], p[7]), false);
    // NAT64 / 6to4 / Teredo are routed to the embedded IPv4 by a gateway: as safe as that address.
    case 'rfc6052':
      return withEmbedded(range, v4FromParts(p[6], p[7]), true);
    case '6to4':
      return withEmbedded(range, v4FromParts(p[1], p[2]), true);
    case 'teredo': {
      // Teredo: server IPv4 in bits 32–63, client IPv4 inverted in the last 32 bits.
      const server = classifyV4(v4FromParts(p[2], p[3]));
      const client = withEmbedded(range, v4FromParts(~p[6] & 0xffff, ~p[7] & 0xffff), true);
      return { ...client, public: client.public && server.public, metadata: client.metadata || server.metadata };
    }
    case 'unicast':
      break;
    default:
      return { address: shown, family: 6, range, public: false, metadata: false };
  }
  // ::a.b.c.d (deprecated IPv4-compatible form) is ipaddr.js "unicast"; it carries an IPv4 too.
  if (p.slice(0, 6).every((part) => part === 0)) return withEmbedded('ipv4Compatible', v4FromParts(p[6], p[7]), false);
  if (ip.match(ranges().nat64LocalUse)) return { address: shown, family: 6, range: 'nat64LocalUse', public: false, metadata: false };
  if (!ip.match(ranges().globalUnicastV6)) return { address: shown, family: 6, range: 'notGlobalUnicast', public: false, metadata: false };
  return { address: shown, family: 6, range: 'unicast', public: true, metadata: false };
}
