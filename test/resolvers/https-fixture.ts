import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { extraRoutes } from './https-fixture-limits.js';

interface Selfsigned {
  generate(attrs: Array<{ name: string; value: string }>, options: Record<string, unknown>): { private: string; cert: string };
}

/**
 * A loopback https server for the https provider's tests: objects with HEAD and Range, error
 * statuses, redirects, a stalled route, and routes that ignore Range or refuse HEAD. It records
 * every request so tests can prove what was (and was not) sent.
 */
export interface HttpsTestServer {
  port: number;
  /** The self-signed certificate, also its own CA: pass as platform.https.ca. */
  ca: string;
  /** TCP connections accepted so far: proves a refused request never connected. */
  connections(): number;
  /** Every request received, in order. */
  requests: Array<{ method: string; url: string; headers: IncomingMessage['headers'] }>;
  put(path: string, body: Uint8Array | string, contentType?: string): void;
  /** `path` answers `status` with `Location: location`. */
  redirect(path: string, location: string, status?: number): void;
  close(): Promise<void>;
}

/** Host names the certificate is valid for (all resolved to 127.0.0.1 by the tests' lookup). */
export const CERT_NAMES = ['assets.test', '*.assets.test', 'other.test', 'localhost'];

interface StoredObject { body: Buffer; contentType?: string; etag: string; lastModified: Date }

export async function startHttpsTestServer(): Promise<HttpsTestServer> {
  const mod = (await import('selfsigned')) as unknown as Selfsigned & { default?: Selfsigned };
  const pem = (mod.default ?? mod).generate([{ name: 'commonName', value: 'assetlink https provider tests' }], {
    keySize: 2048,
    algorithm: 'sha256',
    days: 2,
    extensions: [
      { name: 'basicConstraints', cA: true },
      { name: 'keyUsage', keyCertSign: true, digitalSignature: true, keyEncipherment: true },
      { name: 'extKeyUsage', serverAuth: true },
      { name: 'subjectAltName', altNames: [...CERT_NAMES.map((value) => ({ type: 2, value })), { type: 7, ip: '127.0.0.1' }] },
    ],
  });
  const objects = new Map<string, StoredObject>();
  const redirects = new Map<string, { location: string; status: number }>();
  const requests: HttpsTestServer['requests'] = [];

  const server = https.createServer({ key: pem.private, cert: pem.cert }, (req, res) => {
    requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers });
    handle(req, res, objects, redirects);
  });
  let connections = 0;
  server.on('connection', () => { connections += 1; });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;

  return {
    port,
    ca: pem.cert,
    connections: () => connections,
    requests,
    put(path, body, contentType) {
      const data = Buffer.from(body);
      objects.set(path, {
        body: data, etag: `"${createHash('md5').update(data).digest('hex')}"`, lastModified: new Date('2024-05-01T12:00:00Z'),
        ...(contentType !== undefined ? { contentType } : {}),
      });
    },
    redirect(path, location, status = 302) { redirects.set(path, { location, status }); },
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

function handle(req: IncomingMessage, res: ServerResponse, objects: Map<string, StoredObject>, redirects: Map<string, { location: string; status: number }>): void {
  const url = new URL(req.url ?? '/', 'https://fixture');
  const path = url.pathname;
  const redirect = redirects.get(path);
  if (redirect) { res.writeHead(redirect.status, { location: redirect.location }).end(); return; }
  const loop = /^\/loop\/(\d+)$/.exec(path);
  if (loop) { res.writeHead(302, { location: `/loop/${Number(loop[1]) + 1}` }).end(); return; }
  const status = /^\/status\/(\d{3})$/.exec(path);
  if (status) { res.writeHead(Number(status[1]), { 'content-type': 'text/plain' }).end('secret server detail'); return; }
  if (path === '/slow') return; // never answers: for timeouts
  if (extraRoutes(req, res, url)) return;
  if (path === '/stall-body') { res.writeHead(200, { 'content-length': '10' }); res.write('abc'); return; }
  if (path.startsWith('/signed/')) {
    // Like a pre-signed S3 GET URL: the signature must be present, and only GET is allowed.
    if (url.searchParams.get('sig') !== 'good-signature' || req.method !== 'GET') { res.writeHead(403).end('AuthenticationFailed'); return; }
  }
  if (path.startsWith('/nohead/') && req.method === 'HEAD') { res.writeHead(405).end(); return; }
  const ignoreRange = path.startsWith('/norange/');
  const key = path.replace(/^\/(?:signed|nohead|norange)\//, '/');
  const object = objects.get(key);
  if (!object) { res.writeHead(404, { 'content-type': 'text/plain' }).end('NoSuchKey'); return; }
  const headers: Record<string, string> = { etag: object.etag, 'last-modified': object.lastModified.toUTCString(), 'accept-ranges': 'bytes' };
  if (object.contentType) headers['content-type'] = object.contentType;
  const size = object.body.byteLength;
  const range = ignoreRange ? null : /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '');
  if (range) {
    const start = Number(range[1]);
    const end = range[2] === '' ? size - 1 : Math.min(Number(range[2]), size - 1);
    if (start >= size) { res.writeHead(416, { 'content-range': `bytes */${size}` }).end(); return; }
    res.writeHead(206, { ...headers, 'content-range': `bytes ${start}-${end}/${size}`, 'content-length': String(end - start + 1) });
    res.end(req.method === 'HEAD' ? undefined : object.body.subarray(start, end + 1));
    return;
  }
  res.writeHead(200, { ...headers, 'content-length': String(size) });
  res.end(req.method === 'HEAD' ? undefined : object.body);
}

/**
 * Test DNS: names the tests use and what they "resolve" to. Nothing here ever reaches a real
 * resolver (the network guard refuses that anyway).
 */
export const DNS_ANSWERS: Record<string, string[]> = {
  'assets.test': ['127.0.0.1'],
  'cdn.assets.test': ['127.0.0.1'],
  'other.test': ['127.0.0.1'],
  // Public first, private second: a client that fell back to the second would reach loopback.
  'mixed.assets.test': ['93.184.216.34', '127.0.0.1'],
  'mixed6.assets.test': ['2606:2800:220:1:248:1893:25c8:1946', 'fd12:3456::1'],
  'metadata.assets.test': ['169.254.169.254'],
  'metadata6.assets.test': ['fd00:ec2::254'],
  'mapped.assets.test': ['::ffff:127.0.0.1'],
  'private.assets.test': ['10.1.2.3'],
  // Loopback, but not listed in allowPrivateHosts: must be refused.
  'loopback.assets.test': ['127.0.0.1'],
};

export interface RecordingLookup {
  (hostname: string): Promise<Array<{ address: string; family: 4 | 6 }>>;
  calls: string[];
}

export function recordingLookup(answers: Record<string, string[]> = DNS_ANSWERS): RecordingLookup {
  const calls: string[] = [];
  const lookup = async (hostname: string): Promise<Array<{ address: string; family: 4 | 6 }>> => {
    calls.push(hostname);
    const found = answers[hostname];
    if (!found) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
    return found.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  };
  return Object.assign(lookup, { calls });
}
