import type { IncomingMessage } from 'node:http';
import https from 'node:https';
import type { Socket } from 'node:net';
import { ProviderError, TimeoutError } from '../errors.js';
import { connectGuarded, type ResolveHost } from './guarded-connect.js';
import { checkTarget, type SsrfPolicy } from './ssrf-policy.js';
import type { ProxyConfig } from './proxy-settings.js';
import { parseTargetUrl, resolveRedirect, type TargetUrl } from './target-url.js';

export interface GuardedFetchOptions {
  method: 'GET' | 'HEAD';
  headers?: Record<string, string>;
  policy: SsrfPolicy;
  resolve: ResolveHost;
  ca?: string;
  /** Deadline for the whole redirect chain up to the final response headers, ms. */
  timeoutMs: number;
  maxRedirects: number;
  /** Aborts everything in flight: the driver's `close()`, the request's overall deadline. */
  signal?: AbortSignal;
  /** Forward proxy (platform.proxy): connections are CONNECT tunnels to the checked address. */
  proxy?: ProxyConfig;
}

export interface GuardedResponse {
  response: IncomingMessage;
  /** The URL that produced `response`, after redirects. */
  target: TargetUrl;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/**
 * GET/HEAD through the SSRF guard. Redirects are never followed by the HTTP stack: each hop's
 * Location is parsed from scratch and must pass the allow-list, port, scheme and address checks
 * again, so a permitted host cannot bounce the request to a metadata endpoint or downgrade it.
 */
export async function guardedFetch(url: string, options: GuardedFetchOptions): Promise<GuardedResponse> {
  const deadline = deadlineSignal(options.timeoutMs, options.signal);
  let method = options.method;
  let current = url;
  try {
    for (let hop = 0; ; hop += 1) {
      const target = parseTargetUrl(current);
      checkTarget(target, options.policy);
      const response = await requestOnce(target, method, options, deadline.signal);
      const status = response.statusCode ?? 0;
      const location = response.headers.location;
      if (!REDIRECTS.has(status) || location === undefined) return { response, target };
      response.destroy();
      if (hop >= options.maxRedirects) {
        throw new ProviderError(`PROVIDER_ERROR: ${target.display}: more than ${options.maxRedirects} redirects; giving up (platform.https.maxRedirects)`);
      }
      current = resolveRedirect(location, target);
      if (status === 303 && method !== 'HEAD') method = 'GET';
    }
  } finally {
    deadline.clear();
  }
}

function requestOnce(target: TargetUrl, method: 'GET' | 'HEAD', options: GuardedFetchOptions, signal: AbortSignal): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) { reject(signal.reason); return; }
    const request = https.request({
      host: target.hostname,
      port: target.port,
      defaultPort: 443,
      path: target.path,
      method,
      // identity: bytes as stored. A server that compresses anyway is decoded, and counted decoded (response-body.ts).
      headers: { 'user-agent': 'assetlink', 'accept-encoding': 'identity', ...options.headers },
      // No agent: this function opens the socket itself, through the guard, for every request.
      createConnection: (_opts: unknown, done: (error: Error | null, socket?: Socket) => void) => {
        connectGuarded({ target, policy: options.policy, resolve: options.resolve, signal, ...(options.ca !== undefined ? { ca: options.ca } : {}), ...(options.proxy ? { proxy: options.proxy } : {}) })
          .then((socket) => done(null, socket), (error: unknown) => done(error as Error));
        return undefined;
      },
    } as https.RequestOptions);
    const onAbort = (): void => { request.destroy(signal.reason as Error); };
    signal.addEventListener('abort', onAbort, { once: true });
    request.once('response', (response) => {
      signal.removeEventListener('abort', onAbort);
      resolve(response);
    });
    request.once('error', (error) => {
      signal.removeEventListener('abort', onAbort);
      reject(error);
    });
    request.end();
  });
}

/** One signal that fires on the deadline (as TIMEOUT) or when the parent aborts. */
function deadlineSignal(timeoutMs: number, parent: AbortSignal | undefined): { signal: AbortSignal; clear(): void } {
  const controller = new AbortController();
  const timer = setTimeout(() => {
    controller.abort(new TimeoutError(`TIMEOUT: no response within ${timeoutMs} ms`));
  }, timeoutMs);
  const onParent = (): void => controller.abort(parent?.reason);
  if (parent?.aborted) onParent();
  else parent?.addEventListener('abort', onParent, { once: true });
  return {
    signal: controller.signal,
    clear: () => { clearTimeout(timer); parent?.removeEventListener('abort', onParent); },
  };
}
