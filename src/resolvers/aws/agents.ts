import http from 'node:http';
import https from 'node:https';
import type { Duplex } from 'node:stream';

/** What the SDK's own handler uses per client. */
const MAX_SOCKETS = 50;

/**
 * HTTP(S) agents for S3 clients whose connect timeout covers connecting, and nothing else.
 *
 * @smithy/node-http-handler's `connectionTimeout` starts its timer when the request is made,
 * before the agent has given it a socket: a request queued behind `maxSockets` busy sockets (a
 * burst of calls, or a few long downloads) fails with "the request socket did not establish a
 * connection" without ever trying to connect. Here the timer starts when the socket is created
 * and stops when it connects; a queued request simply waits for a free socket.
 */
export function connectTimeoutAgents(connectTimeoutMs: number, extra: Pick<https.AgentOptions, 'ca' | 'lookup'> = {}): { httpAgent: http.Agent; httpsAgent: https.Agent } {
  const guard = (socket: Duplex | null | undefined): Duplex | null | undefined => {
    const s = socket as (Duplex & { connecting?: boolean }) | null | undefined;
    if (!s?.connecting) return socket;
    const timer = setTimeout(() => {
      s.destroy(Object.assign(new Error(`could not connect within ${connectTimeoutMs} ms`), { name: 'TimeoutError', code: 'ETIMEDOUT' }));
    }, connectTimeoutMs);
    s.once('connect', () => clearTimeout(timer));
    s.once('close', () => clearTimeout(timer));
    return socket;
  };
  class HttpAgent extends http.Agent {
    override createConnection(...args: Parameters<http.Agent['createConnection']>): ReturnType<http.Agent['createConnection']> {
      return guard(super.createConnection(...args));
    }
  }
  class HttpsAgent extends https.Agent {
    override createConnection(...args: Parameters<https.Agent['createConnection']>): ReturnType<https.Agent['createConnection']> {
      return guard(super.createConnection(...args));
    }
  }
  return {
    httpAgent: new HttpAgent({ keepAlive: true, maxSockets: MAX_SOCKETS, ...(extra.lookup ? { lookup: extra.lookup } : {}) }),
    // `extra`: a store's private CA and name-resolution rules (store.ts), for that client only.
    httpsAgent: new HttpsAgent({ keepAlive: true, maxSockets: MAX_SOCKETS, ...extra }),
  };
}
