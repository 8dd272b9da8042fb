import dns from 'node:dns';
import tls from 'node:tls';
import { BlockedHostError } from '../errors.js';
import { acceptable, checkAddresses, type SsrfPolicy } from './ssrf-policy.js';
import { classifyAddress } from './address-class.js';
import type { TargetUrl } from './target-url.js';
import { openTunnel, tlsOverTunnel } from './proxy.js';
import { bypassesProxy, type ProxyConfig } from './proxy-settings.js';

export interface ResolvedAddress { address: string; family: 4 | 6 }
/** DNS resolution the guard uses; `platform.https.lookup` replaces it in tests. */
export type ResolveHost = (hostname: string) => Promise<ResolvedAddress[]>;

export interface GuardedConnectOptions {
  target: TargetUrl;
  policy: SsrfPolicy;
  resolve: ResolveHost;
  /** Extra trusted CA certificates (PEM), added to Node's bundled roots. */
  ca?: string;
  signal: AbortSignal;
  /** Forward proxy: each checked address is reached through a CONNECT tunnel to that IP. */
  proxy?: ProxyConfig;
}

/** Every address, in resolver order, via the callback `dns.lookup` (the one test guards patch). */
export const systemResolve: ResolveHost = (hostname) =>
  new Promise((resolve, reject) => {
    dns.lookup(hostname, { all: true, verbatim: true }, (error, addresses) => {
      if (error) reject(error);
      else resolve(addresses.map((a) => ({ address: a.address, family: a.family === 6 ? 6 : 4 })));
    });
  });

/**
 * Opens the TLS connection for one request. Resolution and the address check happen here, at
 * connect time, and the socket is then opened to one of exactly those checked IP addresses: there
 * is no second DNS lookup a rebinding server could answer differently. The certificate is still
 * verified against the host name (SNI + identity check), so connecting by IP loses nothing.
 */
export async function connectGuarded(options: GuardedConnectOptions): Promise<tls.TLSSocket> {
  const { target, policy, signal } = options;
  const addresses = target.ipFamily !== 0
    ? [target.hostname]
    : (await abortable(options.resolve(target.hostname), signal)).map((a) => a.address);
  checkAddresses(target, addresses, policy);
  let lastError: unknown;
  for (const address of addresses) {
    signal.throwIfAborted();
    try {
      return options.proxy && !bypassesProxy(target.hostname, target.port, options.proxy.noProxy)
        ? await connectThroughProxy(address, options, options.proxy)
        : await connectOne(address, options);
    } catch (error) {
      // Only a failed TCP connect moves on to the next address; refusals and TLS failures do not.
      if (!isConnectFailure(error)) throw error;
      lastError = error;
    }
  }
  throw lastError;
}

function connectOne(address: string, { target, policy, ca, signal }: GuardedConnectOptions): Promise<tls.TLSSocket> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({
      host: address,
      port: target.port,
      // SNI and the certificate check use the name; RFC 6066 forbids SNI for IP literals.
      ...(target.ipFamily === 0 ? { servername: target.hostname } : {}),
      ...(ca !== undefined ? { ca: [...tls.rootCertificates, ca] } : {}),
      ALPNProtocols: ['http/1.1'],
      // Never resolve again behind the guard's back; `host` is already an IP address.
      lookup: refuseLookup,
    });
    const privateAllowed = policy.allowPrivateHosts.some((h) => h.toLowerCase() === target.host || h.toLowerCase() === target.hostname);
    const onAbort = (): void => { socket.destroy(signal.reason as Error); };
    const cleanup = (): void => {
      signal.removeEventListener('abort', onAbort);
      socket.off('error', fail);
    };
    const fail = (error: Error): void => { cleanup(); socket.destroy(); reject(error); };
    signal.addEventListener('abort', onAbort, { once: true });
    socket.once('error', fail);
    // Belt and braces: the peer the kernel actually connected to is checked once more.
    socket.once('connect', () => {
      const remote = socket.remoteAddress;
      if (remote === undefined || !acceptable(classifyAddress(remote), privateAllowed)) {
        socket.destroy(new BlockedHostError(`BLOCKED_HOST: ${target.display}: the connected peer is not a public address`));
      }
    });
    socket.once('secureConnect', () => {
      cleanup();
      // The request attaches its own error handling next tick; keep errors from going unhandled meanwhile.
      socket.on('error', () => {});
      resolve(socket);
    });
  });
}

/**
 * The same connection through the forward proxy: CONNECT names the checked IP address, never the
 * host name, so the proxy has nothing to resolve; TLS (SNI and the certificate check) still uses
 * the name. The proxy is the TCP peer here, so the connected-peer check is the address check above.
 */
async function connectThroughProxy(address: string, { target, ca, signal }: GuardedConnectOptions, proxy: ProxyConfig): Promise<tls.TLSSocket> {
  const tunnel = await openTunnel({ proxy: proxy.url, host: address, port: target.port, signal, ...(ca !== undefined ? { ca } : {}) });
  try {
    const socket = await tlsOverTunnel(tunnel, target.ipFamily === 0 ? target.hostname : address, {
      ...(ca !== undefined ? { ca: [...tls.rootCertificates, ca] } : {}),
      alpn: ['http/1.1'],
    });
    socket.on('error', () => {});
    return socket;
  } catch (error) {
    tunnel.destroy();
    throw error;
  }
}

const refuseLookup = ((_hostname: string, _options: unknown, callback: (error: Error) => void) => {
  callback(new BlockedHostError('BLOCKED_HOST: unexpected second DNS lookup inside the SSRF guard'));
}) as unknown as NonNullable<tls.ConnectionOptions['lookup']>;

const CONNECT_FAILURES = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'ETIMEDOUT', 'EADDRNOTAVAIL']);
function isConnectFailure(error: unknown): boolean {
  return CONNECT_FAILURES.has((error as { code?: string }).code ?? '');
}

function abortable<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  signal.throwIfAborted();
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => { signal.removeEventListener('abort', onAbort); resolve(value); },
      (error: unknown) => { signal.removeEventListener('abort', onAbort); reject(error); },
    );
  });
}
