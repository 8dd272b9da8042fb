import { InvalidArgumentError } from '../errors.js';

/**
 * Which proxy each provider's traffic takes (`platform.proxy`, `NO_PROXY`): parsing and matching
 * only, no sockets. Kept apart from the tunnels and agents (proxy.ts, which loads node:http,
 * https, net and tls) so resolving settings costs a cold start nothing.
 */

export type ProxiedProvider = 'aws' | 'gcp' | 'azure' | 'https';
export type ProxySetting = string | Partial<Record<ProxiedProvider, string>>;

export interface ProxyConfig {
  url: URL;
  /** `NO_PROXY` entries (option and environment): hosts reached directly. */
  noProxy: string[];
}

/** `http://proxy:3128` → what may appear in messages (no credentials). */
export function describeProxy(url: URL): string {
  return `${url.protocol}//${url.host}`;
}

function parseProxyUrl(value: string, field: string): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new InvalidArgumentError(`${field} is not a URL (expected http://host:port or https://host:port)`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new InvalidArgumentError(`${field} must be an http:// or https:// forward proxy URL`);
  if ((url.pathname !== '/' && url.pathname !== '') || url.search || url.hash) throw new InvalidArgumentError(`${field} must be just scheme, host and port`);
  return url;
}

/** The `NO_PROXY` list: the option if given, else `NO_PROXY` / `no_proxy` from the environment. */
export function noProxyList(option: string[] | undefined, env: NodeJS.ProcessEnv = process.env): string[] {
  const raw = option ?? (env.NO_PROXY ?? env.no_proxy ?? '').split(',');
  return raw.map((s) => s.trim().toLowerCase()).filter(Boolean);
}

/**
 * The proxy for `provider`'s traffic, or undefined (direct). A string applies to every provider;
 * an object names each one (a provider left out goes direct).
 */
export function proxyFor(setting: ProxySetting | undefined, provider: ProxiedProvider, noProxy?: string[]): ProxyConfig | undefined {
  if (setting === undefined) return undefined;
  const value = typeof setting === 'string' ? setting : setting[provider];
  if (value === undefined || value === '') return undefined;
  const field = typeof setting === 'string' ? 'platform.proxy' : `platform.proxy.${provider}`;
  return { url: parseProxyUrl(value, field), noProxy: noProxyList(noProxy) };
}

/**
 * NO_PROXY semantics as curl and most tools read them: `*` bypasses everything; `example.com`
 * and `.example.com` match the host and its sub-domains; an IP or `host:port` matches exactly;
 * `localhost`, `127.0.0.1` and `::1` are matched only when listed (nothing is bypassed implicitly).
 */
export function bypassesProxy(host: string, port: number, noProxy: string[]): boolean {
  const h = host.toLowerCase().replace(/^\[|\]$/g, '');
  for (const entry of noProxy) {
    if (entry === '*') return true;
    const [name, entryPort] = entry.startsWith('[') ? [entry.slice(1, entry.indexOf(']')), entry.slice(entry.indexOf(']') + 2) || undefined] : splitPort(entry);
    if (entryPort !== undefined && Number(entryPort) !== port) continue;
    const bare = name.replace(/^\*?\./, '');
    if (h === bare || h.endsWith(`.${bare}`)) return true;
  }
  return false;
}

function splitPort(entry: string): [string, string | undefined] {
  const colon = entry.lastIndexOf(':');
  if (colon > 0 && entry.indexOf(':') === colon && /^\d+$/.test(entry.slice(colon + 1))) return [entry.slice(0, colon), entry.slice(colon + 1)];
  return [entry, undefined];
}

const PROXIED: ReadonlySet<string> = new Set(['aws', 'azure', 'gcp', 'https']);

/**
 * A provider whose SDK clients are not wired to the proxy yet must not silently send its traffic
 * around it (the customer allow-lists only the proxy's IPs): its driver refuses to start instead.
 */
export function refuseUnproxiedProvider(provider: string, setting: ProxySetting | undefined, noProxy?: string[]): void {
  if (PROXIED.has(provider) || (provider !== 'aws' && provider !== 'gcp')) return;
  const config = proxyFor(setting, provider, noProxy);
  if (config && !config.noProxy.includes('*')) {
    throw new InvalidArgumentError(
      `platform.proxy is set for ${provider}, but assetlink does not yet route ${provider} requests through a proxy; `
        + `refusing rather than bypassing it. Set the proxy per provider ({ azure, https }) and reach ${provider} directly, or wait for support`,
    );
  }
}
