import { isIP } from 'node:net';
import { BlockedHostError } from '../errors.js';
import { splitAuthority } from '../uri/host.js';
import { UriProblem } from '../uri/fail.js';

/** One URL the https provider is about to request, split the way the connection needs it. */
export interface TargetUrl {
  /** Lower-cased host as written; IPv6 literals keep their brackets (`[::1]`). */
  host: string;
  /** Host for the socket and TLS: IPv6 without brackets. */
  hostname: string;
  /** 4 or 6 when the host is an IP literal, 0 for a name. */
  ipFamily: 0 | 4 | 6;
  port: number;
  /** Request target: path and query, safely percent-encoded. */
  path: string;
  /** `https://host[:port]/path` without the query: the only form that may appear in errors. */
  display: string;
  /** The full URL (query included): for following relative redirects. */
  href: string;
}

const SCHEME = /^([A-Za-z][A-Za-z0-9+.-]*):/;

/**
 * Parses an absolute URL the guard may request. Refuses anything but `https`, userinfo, and host
 * spellings URL parsers would rewrite (hex, octal or single-number IPv4, percent-escapes,
 * trailing dots) with BLOCKED_HOST: the host we check must be the host we contact.
 */
export function parseTargetUrl(url: string): TargetUrl {
  const scheme = SCHEME.exec(url)?.[1]?.toLowerCase();
  if (scheme === 'http') throw blocked('a plain http:// URL (or a redirect from https to http) is refused: only https is fetched');
  if (scheme !== 'https' || !url.slice(6).startsWith('//')) throw blocked(`only https://host/path URLs are fetched, not ${scheme === undefined ? 'a relative URL' : `${scheme}:`}`);
  // Spaces in a path are encoded below; control characters and backslashes are refused outright
  // because parsers disagree about them (the classic way to make two parsers see two hosts).
  if (/[\u0000-\u001f\u007f\\]/.test(url)) throw blocked('the URL contains control characters or a backslash');
  const body = url.slice('https://'.length).replace(/#[\s\S]*$/, '');
  const end = body.search(/[/?]/);
  const authority = end === -1 ? body : body.slice(0, end);
  let rest = end === -1 ? '/' : body.slice(end);
  if (rest.startsWith('?')) rest = `/${rest}`;
  let parsed;
  try {
    parsed = splitAuthority(authority);
  } catch (error) {
    if (error instanceof UriProblem) throw blocked(error.reason);
    throw error;
  }
  if (parsed.userinfo !== undefined) throw blocked("URLs with userinfo ('user:password@') are refused");
  const hostname = parsed.host.startsWith('[') ? parsed.host.slice(1, -1) : parsed.host;
  const port = parsed.port ?? 443;
  const origin = `https://${parsed.host}${port === 443 ? '' : `:${port}`}`;
  const path = encodeRequestTarget(rest);
  const query = path.indexOf('?');
  return {
    host: parsed.host,
    hostname,
    ipFamily: isIP(hostname) as 0 | 4 | 6,
    port,
    path,
    display: origin + (query === -1 ? path : path.slice(0, query)),
    href: origin + path,
  };
}

/**
 * The next hop of a redirect. Relative references are resolved against the current URL (so
 * they keep its host); the result is parsed and checked again from scratch by the caller.
 */
export function resolveRedirect(location: string, current: TargetUrl): string {
  const trimmed = location.trim();
  if (trimmed.startsWith('//')) return `https:${trimmed}`;
  if (SCHEME.test(trimmed)) return trimmed;
  try {
    return new URL(trimmed, current.href).href;
  } catch {
    throw blocked('the redirect Location is not a valid URL');
  }
}

/** Percent-encodes what may not appear raw in a request line; existing escapes are kept. */
function encodeRequestTarget(pathAndQuery: string): string {
  return pathAndQuery.replace(/%(?![0-9A-Fa-f]{2})|[^A-Za-z0-9\-._~!$&'()*+,;=:@/?%]/gu, (ch) => encodeURIComponent(ch));
}

function blocked(reason: string): BlockedHostError {
  return new BlockedHostError(`BLOCKED_HOST: ${reason}`);
}
