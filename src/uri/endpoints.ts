import { InvalidIntegrationError } from '../errors.js';
import { UriProblem } from './fail.js';

/** A non-default service endpoint (emulator or S3-compatible store) whose URLs parse as that provider. */
export interface EndpointOverride {
  provider: 'aws' | 'gcp' | 'azure';
  /**
   * Origin and optional base path of an emulator or S3-compatible service, e.g.
   * `http://127.0.0.1:4569`. For Azure, `{account}` marks where the account name sits: in the
   * path (`https://127.0.0.1:10000/{account}`, Azurite style) or in the host.
   */
  url: string;
  /**
   * A store of its own (an S3-compatible store of one integration), not an emulator standing in
   * for the cloud: locations on it carry `endpoint` (this `url`, normalised) and keep their URL on
   * this endpoint as canonical `uri`, so they never match integrations of another store.
   */
  separateStore?: boolean;
  /** aws only: also accept virtual-hosted `https://BUCKET.host/key` (one DNS label before the host). */
  virtualHosted?: boolean;
}

interface CompiledEndpoint {
  provider: EndpointOverride['provider'];
  url: string;
  scheme: 'http' | 'https';
  host: string | RegExp;
  port: number;
  /** Literal segments, or `{account}`. */
  path: string[];
  /** `scheme://host[:port][/base]`, lower-case, default port dropped: what `location.endpoint` names. */
  normalized: string;
  separateStore: boolean;
  virtualHosted: boolean;
}

export interface EndpointMatch {
  provider: EndpointOverride['provider'];
  account?: string;
  /** Path segments after the endpoint's base path: bucket (container) first. */
  rest: string[];
  /** Set for a `separateStore` endpoint: its normalised URL, `scheme://host[:port][/base]`. */
  endpoint?: string;
}

const ACCOUNT = '{account}';
const defaultPort = (scheme: string): number => (scheme === 'http' ? 80 : 443);

/** Compiled once per override object: a resolver passes the same overrides with every URI it parses. */
const compiled = new WeakMap<EndpointOverride, CompiledEndpoint>();

function compile(endpoint: EndpointOverride, index: number): CompiledEndpoint {
  const known = compiled.get(endpoint);
  if (known !== undefined && known.url === endpoint.url && known.provider === endpoint.provider
    && known.separateStore === (endpoint.separateStore === true) && known.virtualHosted === (endpoint.virtualHosted === true)) return known;
  const fresh = compileUncached(endpoint, index);
  compiled.set(endpoint, fresh);
  return fresh;
}

function compileUncached(endpoint: EndpointOverride, index: number): CompiledEndpoint {
  const field = `endpoints[${index}].url`;
  const m = /^(https?):\/\/(\[[^\]]+\]|[^/:?#]+)(?::(\d{1,5}))?(\/[^?#]*)?$/i.exec(endpoint.url);
  if (m === null) throw new InvalidIntegrationError(field, `"${endpoint.url}" is not an http(s) origin with an optional base path`);
  const scheme = (m[1] ?? '').toLowerCase() as 'http' | 'https';
  const rawHost = (m[2] ?? '').toLowerCase();
  const path = (m[4] ?? '').split('/').filter((s) => s !== '');
  const accountInHost = rawHost.includes(ACCOUNT);
  const accountSlots = path.filter((s) => s === ACCOUNT).length + (accountInHost ? 1 : 0);
  if (accountSlots > 1 || (accountSlots === 1 && endpoint.provider !== 'azure')) {
    throw new InvalidIntegrationError(field, `"{account}" may appear once, and only in an azure endpoint`);
  }
  const host = accountInHost
    ? new RegExp(`^${rawHost.split(ACCOUNT).map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('([a-z0-9]+)')}$`)
    : rawHost;
  if (endpoint.virtualHosted === true && endpoint.provider !== 'aws') throw new InvalidIntegrationError(field, 'virtual-hosted addressing is for aws endpoints only');
  const port = m[3] === undefined ? defaultPort(scheme) : Number(m[3]);
  const normalized = `${scheme}://${rawHost}${port === defaultPort(scheme) ? '' : `:${port}`}${path.map((p) => `/${p}`).join('')}`;
  return {
    provider: endpoint.provider, url: endpoint.url, scheme, host, port, path, normalized,
    separateStore: endpoint.separateStore === true, virtualHosted: endpoint.virtualHosted === true,
  };
}

/** Endpoints whose scheme, host and port equal the URL's; path templates are checked later. */
export function endpointsAtOrigin(
  endpoints: readonly EndpointOverride[] | undefined,
  scheme: string,
  host: string,
  port: number | undefined,
): Array<CompiledEndpoint & { hostAccount?: string; hostBucket?: string }> {
  const found: Array<CompiledEndpoint & { hostAccount?: string; hostBucket?: string }> = [];
  const virtual: Array<CompiledEndpoint & { hostBucket: string }> = [];
  (endpoints ?? []).forEach((endpoint, index) => {
    const c = compile(endpoint, index);
    if (c.scheme !== scheme || c.port !== (port ?? defaultPort(scheme))) return;
    if (typeof c.host === 'string') {
      if (c.host === host) found.push(c);
      else if (c.virtualHosted && host.endsWith(`.${c.host}`)) {
        const label = host.slice(0, -c.host.length - 1);
        // One DNS label: a bucket with dots is only ever addressed path-style (TLS wildcards cover one label).
        if (label !== '' && !label.includes('.')) virtual.push({ ...c, hostBucket: label });
      }
      return;
    }
    const account = c.host.exec(host)?.[1];
    if (account !== undefined) found.push({ ...c, hostAccount: account });
  });
  // An exact host wins over the same URL read as BUCKET.host.
  return virtual.length === 0 ? found : [...found, ...virtual];
}

/** Applies the first endpoint whose base path the URL's decoded segments start with. */
export function matchEndpointPath(
  candidates: ReadonlyArray<CompiledEndpoint & { hostAccount?: string; hostBucket?: string }>,
  segments: readonly string[],
): EndpointMatch {
  for (const c of candidates) {
    let account = c.hostAccount;
    const fits = c.path.every((template, i) => {
      const actual = segments[i];
      if (actual === undefined) return false;
      if (template === ACCOUNT) {
        account = actual;
        return true;
      }
      return actual === template;
    });
    if (!fits) continue;
    const rest = segments.slice(c.path.length);
    const match: EndpointMatch = { provider: c.provider, rest: c.hostBucket === undefined ? rest : [c.hostBucket, ...rest] };
    if (account !== undefined) match.account = account;
    if (c.separateStore) match.endpoint = c.normalized;
    return match;
  }
  const bases = candidates.map((c) => `/${c.path.join('/')}`).join(' or ');
  throw new UriProblem(`the URL is on a configured emulator endpoint but its path does not start with ${bases}`);
}
