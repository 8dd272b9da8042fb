import { UriProblem } from './fail.js';

export interface Authority {
  /** Text before '@', still percent-encoded. */
  userinfo?: string;
  /** Lower-cased; IPv6 literals keep their brackets, as URL.hostname does. */
  host: string;
  port?: number;
}

const OCTET = '(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)';
const STRICT_IPV4 = new RegExp(`^${OCTET}(?:\\.${OCTET}){3}$`);

/**
 * Validates a host name and returns it lower-cased. Everything WHATWG URL would silently rewrite
 * (percent-escapes, Unicode mapping, numeric IPv4 spellings such as `0x7f.1` or `2130706433`,
 * a trailing dot) is refused instead, so the host we classify is the host that gets contacted.
 */
/** Valid hosts seen before, raw → normalised: a platform sees few distinct hosts, and this runs per URI. */
const normalised = new Map<string, string>();

export function normaliseHost(raw: string): string {
  const known = normalised.get(raw);
  if (known !== undefined) return known;
  const host = checkHost(raw);
  if (normalised.size >= 4096) normalised.clear();
  normalised.set(raw, host);
  return host;
}

function checkHost(raw: string): string {
  if (raw === '') throw new UriProblem('the host is empty');
  if (raw.includes('%')) throw new UriProblem('percent-escapes are not allowed in host names');
  if (/[^\x21-\x7e]/.test(raw)) {
    throw new UriProblem('write internationalised host names in their ASCII (xn--) form');
  }
  const host = raw.toLowerCase();
  if (host.startsWith('[')) return normaliseIpv6(host);
  if (host.endsWith('.')) {
    throw new UriProblem(
      "host names may not end with '.': the trailing dot names the same server under a different origin, so scopes, signatures and certificates would not match; remove it",
    );
  }
  if (host.length > 253) throw new UriProblem('host names are limited to 253 characters');
  const labels = host.split('.');
  for (const label of labels) {
    if (label === '') throw new UriProblem('host names may not contain empty labels (`..`)');
    if (label.length > 63) throw new UriProblem('each label of a host name is limited to 63 characters');
    if (!/^[a-z0-9_](?:[a-z0-9_-]*[a-z0-9_])?$/.test(label)) {
      throw new UriProblem(`"${label}" is not a valid host name label (letters, digits, "-" and "_"; no leading or trailing "-")`);
    }
  }
  const last = labels[labels.length - 1] ?? '';
  if (/^(?:\d+|0x[0-9a-f]*)$/.test(last) && !STRICT_IPV4.test(host)) {
    throw new UriProblem(
      'numeric hosts must be written as a dotted quad of decimal numbers without leading zeros (e.g. 127.0.0.1); other spellings (hex, octal, one number) are rewritten by URL parsers',
    );
  }
  confirmWithWhatwg(host, host);
  return host;
}

function normaliseIpv6(host: string): string {
  if (!/^\[[0-9a-f:.]+\]$/.test(host)) throw new UriProblem('IPv6 host literals may contain only hex digits, ":" and "."');
  let parsed: string;
  try {
    parsed = new URL(`https://${host}/`).hostname;
  } catch {
    throw new UriProblem(`${host} is not a valid IPv6 address`);
  }
  return parsed;
}

function confirmWithWhatwg(host: string, expected: string): void {
  let parsed: string;
  try {
    parsed = new URL(`https://${host}/`).hostname;
  } catch {
    throw new UriProblem(`"${host}" is not a valid host name`);
  }
  if (parsed !== expected) throw new UriProblem(`"${host}" is not a host name in canonical form (URL parsers read it as "${parsed}")`);
}

/** Splits `[userinfo@]host[:port]`; the caller decides whether userinfo or a port is allowed. */
export function splitAuthority(authority: string): Authority {
  const at = authority.indexOf('@');
  if (at !== authority.lastIndexOf('@')) throw new UriProblem("the authority may contain at most one '@'");
  const userinfo = at === -1 ? undefined : authority.slice(0, at);
  const hostPort = at === -1 ? authority : authority.slice(at + 1);
  let rawHost = hostPort;
  let rawPort: string | undefined;
  if (hostPort.startsWith('[')) {
    const close = hostPort.indexOf(']');
    if (close === -1) throw new UriProblem("unterminated IPv6 literal: missing ']'");
    rawHost = hostPort.slice(0, close + 1);
    const after = hostPort.slice(close + 1);
    if (after !== '') {
      if (!after.startsWith(':')) throw new UriProblem("unexpected text after the IPv6 literal's ']'");
      rawPort = after.slice(1);
    }
  } else {
    const colon = hostPort.indexOf(':');
    if (colon !== -1) {
      rawHost = hostPort.slice(0, colon);
      rawPort = hostPort.slice(colon + 1);
    }
  }
  const result: Authority = { host: normaliseHost(rawHost) };
  if (userinfo !== undefined) result.userinfo = userinfo;
  if (rawPort !== undefined) result.port = parsePort(rawPort);
  return result;
}

function parsePort(raw: string): number {
  if (!/^\d{1,5}$/.test(raw)) throw new UriProblem(`"${raw}" is not a valid port`);
  const port = Number(raw);
  if (port < 1 || port > 65535) throw new UriProblem(`port ${port} is out of range`);
  return port;
}
