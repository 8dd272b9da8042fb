import https from 'node:https';
import { Readable } from 'node:stream';

/** The subset of `fetch` the test helpers use. */
export type FetchLike = (url: string, init?: RequestInit) => Promise<Response>;

/**
 * A minimal `fetch` over node:https that trusts exactly `ca` (the test certificate), for fetching
 * presigned URLs from emulators without touching NODE_TLS_REJECT_UNAUTHORIZED or the global
 * dispatcher. Supports the methods, headers and bodies presigned URLs need.
 */
export function createTrustingFetch(ca: string): FetchLike {
  const agent = new https.Agent({ ca, keepAlive: false });
  return async (url, init = {}) => {
    const target = new URL(url);
    if (target.protocol !== 'https:') throw new TypeError(`trusting fetch only speaks https, got ${target.protocol}`);
    const body = init.body === undefined || init.body === null ? undefined : Buffer.from(await new Response(init.body).arrayBuffer());
    const headers: Record<string, string> = {};
    new Headers(init.headers).forEach((value, name) => { headers[name] = value; });
    if (body) headers['content-length'] = String(body.byteLength);
    return new Promise<Response>((resolve, reject) => {
      const req = https.request(target, { method: init.method ?? 'GET', headers, agent }, (res) => {
        const responseHeaders = new Headers();
        for (const [name, value] of Object.entries(res.headers)) {
          if (value !== undefined) responseHeaders.set(name, Array.isArray(value) ? value.join(', ') : value);
        }
        const status = res.statusCode ?? 500;
        const noBody = status === 204 || status === 304 || init.method === 'HEAD';
        if (noBody) res.resume();
        resolve(new Response(noBody ? null : (Readable.toWeb(res) as ReadableStream<Uint8Array>), { status, headers: responseHeaders }));
      });
      req.on('error', reject);
      req.end(body);
    });
  };
}
