import http from 'node:http';
import https from 'node:https';
import { Readable } from 'node:stream';
import { createProxyAgents } from './proxy.js';
import { type ProxyConfig } from './proxy-settings.js';

/**
 * A `fetch` whose connections are the proxy's CONNECT tunnels (NO_PROXY hosts go direct), for
 * code that speaks fetch (token services, GCS upload sessions). Node's built-in fetch takes no
 * agent and undici is not a dependency, so this is node:http with the proxy agents underneath;
 * it supports what those callers send: string or byte bodies, headers, an AbortSignal.
 */
export type FetchLike = (input: string | URL, init?: RequestInit) => Promise<Response>;

export function createProxyFetch(config: ProxyConfig, options: { ca?: string; connectTimeoutMs?: number } = {}): FetchLike {
  const agents = createProxyAgents(config, options);
  return (input, init = {}) => proxiedRequest(new URL(String(input)), init, agents);
}

/**
 * The agent of a URL: tunnels for http and https targets alike. node-fetch (under gaxios) calls an
 * agent function with a legacy `url.parse` object, so anything with a `protocol` is accepted.
 */
export function proxyAgentFor(agents: { httpAgent: http.Agent; httpsAgent: https.Agent }, url: URL | string | { protocol?: string | null }): http.Agent {
  const protocol = typeof url === 'string' ? new URL(url).protocol : url.protocol;
  return protocol === 'http:' ? agents.httpAgent : agents.httpsAgent;
}

async function bodyBytes(body: RequestInit['body']): Promise<Buffer | undefined> {
  if (body === undefined || body === null) return undefined;
  if (typeof body === 'string') return Buffer.from(body);
  if (body instanceof ArrayBuffer) return Buffer.from(body);
  if (ArrayBuffer.isView(body)) return Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  // URLSearchParams, Blob, streams: let the platform serialise them once.
  return Buffer.from(await new Response(body as BodyInit).arrayBuffer());
}

function headerRecord(headers: RequestInit['headers']): Record<string, string> {
  const out: Record<string, string> = {};
  new Headers(headers ?? {}).forEach((value, key) => { out[key] = value; });
  return out;
}

async function proxiedRequest(url: URL, init: RequestInit, agents: { httpAgent: http.Agent; httpsAgent: https.Agent }): Promise<Response> {
  const body = await bodyBytes(init.body);
  const headers = headerRecord(init.headers);
  if (body !== undefined && headers['content-length'] === undefined) headers['content-length'] = String(body.length);
  if (body instanceof Buffer && typeof init.body === 'object' && init.body instanceof URLSearchParams && !headers['content-type']) {
    headers['content-type'] = 'application/x-www-form-urlencoded;charset=UTF-8';
  }
  const signal = init.signal ?? undefined;
  signal?.throwIfAborted();
  return new Promise<Response>((resolve, reject) => {
    const request = (url.protocol === 'http:' ? http : https).request(url, {
      method: init.method ?? 'GET',
      headers,
      agent: proxyAgentFor(agents, url),
      ...(signal ? { signal } : {}),
    }, (response) => {
      const responseHeaders = new Headers();
      for (const [key, value] of Object.entries(response.headers)) {
        if (value === undefined) continue;
        for (const v of Array.isArray(value) ? value : [value]) responseHeaders.append(key, v);
      }
      const status = response.statusCode ?? 500;
      const nullBody = status === 204 || status === 304 || init.method === 'HEAD';
      if (nullBody) response.resume();
      resolve(new Response(nullBody ? null : (Readable.toWeb(response) as ReadableStream<Uint8Array>), {
        status, statusText: response.statusMessage ?? '', headers: responseHeaders,
      }));
    });
    // Like fetch: an abort rejects with the signal's reason (TimeoutError / AbortError).
    request.once('error', (error) => reject(signal?.aborted ? signal.reason : Object.assign(new TypeError('fetch failed'), { cause: error })));
    request.end(body);
  });
}
