import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import tls from 'node:tls';
import { InvalidArgumentError, ProviderError } from '../errors.js';
import { bypassesProxy, describeProxy, type ProxyConfig } from './proxy-settings.js';

/**
 * Egress through a forward proxy (`platform.proxy`): customers that allow-list the platform's
 * fixed egress IPs (Scale's five addresses) see every request come from the proxy.
 *
 * Every target is reached with HTTP CONNECT — TLS runs end to end through the tunnel, so the proxy
 * sees host names and byte counts, never URLs, headers, SAS signatures or tokens. The proxy
 * itself may be `http://` (CONNECT in clear, the common case) or `https://` (TLS to the proxy too).
 * Proxy credentials (`http://user:pass@proxy:3128`) are sent as Proxy-Authorization and never
 * printed: `describeProxy` shows the proxy without them.
 */

export interface TunnelOptions {
  proxy: URL;
  /** What CONNECT names: a checked IP address (https assets) or an endpoint's host name. */
  host: string;
  port: number;
  /** Extra CA (PEM) for an https:// proxy's own certificate. */
  ca?: string;
  signal?: AbortSignal;
  timeoutMs?: number;
}

/** Opens a CONNECT tunnel to host:port through the proxy; resolves with the raw tunnel socket. */
export function openTunnel(options: TunnelOptions): Promise<net.Socket> {
  const { proxy } = options;
  const proxyPort = Number(proxy.port || (proxy.protocol === 'https:' ? 443 : 80));
  const authority = net.isIPv6(options.host) ? `[${options.host}]:${options.port}` : `${options.host}:${options.port}`;
  const headers: Record<string, string> = { host: authority, 'proxy-connection': 'keep-alive' };
  if (proxy.username) {
    headers['proxy-authorization'] = `Basic ${Buffer.from(`${decodeURIComponent(proxy.username)}:${decodeURIComponent(proxy.password)}`).toString('base64')}`;
  }
  const request = (proxy.protocol === 'https:' ? https : http).request({
    host: proxy.hostname.replace(/^\[|\]$/g, ''),
    port: proxyPort,
    method: 'CONNECT',
    path: authority,
    headers,
    agent: false,
    ...(options.ca !== undefined && proxy.protocol === 'https:' ? { ca: [...tls.rootCertificates, options.ca] } : {}),
    ...(options.timeoutMs ? { timeout: options.timeoutMs } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  });
  return new Promise((resolve, reject) => {
    request.once('connect', (response, socket, head) => {
      if (response.statusCode !== 200) {
        socket.destroy();
        reject(new ProviderError(`the proxy ${describeProxy(proxy)} refused CONNECT to ${authority}: HTTP ${response.statusCode}`, { retryable: response.statusCode === 502 || response.statusCode === 503 || response.statusCode === 504 }));
        return;
      }
      if (head.length > 0) socket.unshift(head);
      resolve(socket);
    });
    request.once('timeout', () => request.destroy(Object.assign(new Error(`the proxy ${describeProxy(proxy)} did not answer CONNECT in time`), { code: 'ETIMEDOUT' })));
    request.once('error', (error) => reject(Object.assign(error, { message: `proxy ${describeProxy(proxy)}: ${error.message}` })));
    request.end();
  });
}

/** TLS to `servername` over an open tunnel (certificate checked against the name). */
export function tlsOverTunnel(socket: net.Socket, servername: string, options: { ca?: string | string[]; alpn?: string[] } = {}): Promise<tls.TLSSocket> {
  return new Promise((resolve, reject) => {
    const secure = tls.connect({
      socket,
      ...(net.isIP(servername) ? {} : { servername }),
      host: servername,
      ...(options.ca !== undefined ? { ca: options.ca } : {}),
      ...(options.alpn ? { ALPNProtocols: options.alpn } : {}),
    });
    secure.once('secureConnect', () => { secure.removeListener('error', reject); resolve(secure); });
    secure.once('error', reject);
  });
}

/**
 * An https.Agent whose every connection is a CONNECT tunnel through the proxy (keep-alive pools
 * the tunnels), unless the target is in NO_PROXY. Handed to the provider SDKs as their agent.
 */
export function createProxyAgent(config: ProxyConfig, options: { ca?: string; keepAlive?: boolean; maxSockets?: number } = {}): https.Agent {
  const ca = options.ca !== undefined ? [...tls.rootCertificates, options.ca] : undefined;
  class ProxyAgent extends https.Agent {
    override createConnection(...args: Parameters<https.Agent['createConnection']>): ReturnType<https.Agent['createConnection']> {
      const [raw, callback] = args;
      const opts = raw as tls.ConnectionOptions & { host?: string; port?: number; servername?: string };
      const host = (opts.host ?? 'localhost').replace(/^\[|\]$/g, '');
      const port = Number(opts.port ?? 443);
      if (bypassesProxy(host, port, config.noProxy)) return tls.connect({ ...opts, ...(ca ? { ca } : {}) });
      openTunnel({ proxy: config.url, host, port, ...(options.ca !== undefined ? { ca: options.ca } : {}) })
        .then((tunnel) => tlsOverTunnel(tunnel, opts.servername || host, ca ? { ca } : opts.ca !== undefined ? { ca: opts.ca as string | string[] } : {}))
        .then((socket) => callback?.(null, socket), (error: unknown) => (callback as ((e: Error) => void) | undefined)?.(error as Error));
      return undefined;
    }
  }
  return new ProxyAgent({ keepAlive: options.keepAlive ?? true, maxSockets: options.maxSockets ?? 50, ...(ca ? { ca } : {}) });
}

/** Providers whose traffic `platform.proxy` routes today (see docs/security.md, "Egress through a proxy"). */
/**
 * Agents for SDKs that take both (the AWS SDK's NodeHttpHandler): https targets get TLS over the
 * tunnel, http targets (S3-compatible emulators) a plain tunnel. Both CONNECT by endpoint name.
 */
export function createProxyAgents(config: ProxyConfig, options: { ca?: string; connectTimeoutMs?: number } = {}): { httpAgent: http.Agent; httpsAgent: https.Agent } {
  class PlainTunnelAgent extends http.Agent {
    override createConnection(...args: Parameters<http.Agent['createConnection']>): ReturnType<http.Agent['createConnection']> {
      const [raw, callback] = args;
      const opts = raw as { host?: string; port?: number | string };
      const host = (opts.host ?? 'localhost').replace(/^\[|\]$/g, '');
      const port = Number(opts.port ?? 80);
      if (bypassesProxy(host, port, config.noProxy)) return net.connect({ host, port });
      openTunnel({ proxy: config.url, host, port, ...(options.ca !== undefined ? { ca: options.ca } : {}), ...(options.connectTimeoutMs ? { timeoutMs: options.connectTimeoutMs } : {}) })
        .then((socket) => callback?.(null, socket), (error: unknown) => (callback as ((e: Error) => void) | undefined)?.(error as Error));
      return undefined;
    }
  }
  return {
    httpAgent: new PlainTunnelAgent({ keepAlive: true, maxSockets: 50 }),
    httpsAgent: createProxyAgent(config, options.ca !== undefined ? { ca: options.ca } : {}),
  };
}
