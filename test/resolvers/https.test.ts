import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAssetResolver, type AssetLinkEvent, type AssetResolver, type Integration } from '../../src/index.js';
import { recordingLookup, startHttpsTestServer, type HttpsTestServer } from './https-fixture.js';
import { failure } from '../helpers/failure.js';

/**
 * The https provider's read side, against a loopback https server. The shared provider contract
 * needs writes, which https never allows, so its read-side checks are repeated here.
 */

const decode = (b: Uint8Array): string => new TextDecoder().decode(b);
const readAll = async (s: ReadableStream<Uint8Array>): Promise<string> => decode(new Uint8Array(await new Response(s).arrayBuffer()));


let server: HttpsTestServer;
let resolver: AssetResolver;
const events: AssetLinkEvent[] = [];
const lookup = recordingLookup();
const cdn: Integration = { id: 'cdn', provider: 'https', scope: { hosts: ['assets.test', '*.assets.test'] } };
const url = (path: string, host = 'assets.test'): string => `https://${host}:${server.port}${path}`;

beforeAll(async () => {
  server = await startHttpsTestServer();
  server.put('/a/hello.txt', '0123456789', 'text/plain');
  server.put('/big.bin', new Uint8Array(1024 * 1024).map((_, i) => (i * 31 + 7) % 251), 'application/octet-stream');
  server.put('/empty.txt', '');
  resolver = createAssetResolver({
    integrations: [cdn, { id: 'capped', provider: 'https', scope: { hosts: ['cdn.assets.test'] }, presignTtlSeconds: 300 }],
    // TEST ONLY: a loopback server on a random port, trusted through its own self-signed CA.
    platform: { https: { allowPorts: [server.port], allowPrivateHosts: ['assets.test', 'cdn.assets.test'], lookup, ca: server.ca } },
    requestTimeoutMs: 2_000,
    onEvent: (event) => events.push(event),
  });
});

afterAll(async () => {
  await resolver?.close();
  await server?.close();
});

describe('https provider: reads through the guard', () => {
  it('reads bytes, streams and head metadata from an allowed host', async () => {
    const asset = await resolver.resolveAsset(url('/a/hello.txt'));
    expect(asset.integrationId).toBe('cdn');
    expect(asset.mode).toBe('read-only');
    expect(decode(await asset.bytes())).toBe('0123456789');
    expect(await readAll(await asset.read())).toBe('0123456789');
    const head = await asset.head();
    expect(head).toMatchObject({ size: 10, contentType: 'text/plain' });
    expect(head.etag).toMatch(/^"[0-9a-f]{32}"$/);
    expect(head.lastModified?.toISOString()).toBe('2024-05-01T12:00:00.000Z');
    expect(server.requests.at(-1)?.method).toBe('HEAD');
  });

  it('reads byte ranges (end inclusive) with a Range header', async () => {
    const asset = await resolver.resolveAsset(url('/a/hello.txt'));
    expect(await readAll(await asset.read({ range: { start: 2, end: 5 } }))).toBe('2345');
    expect(server.requests.at(-1)?.headers.range).toBe('bytes=2-5');
    expect(await readAll(await asset.read({ range: { start: 7 } }))).toBe('789');
    expect(await readAll(await asset.read({ range: { start: 0, end: 0 } }))).toBe('0');
    expect((await failure(asset.read({ range: { start: 50 } }))).code).toBe('INVALID_ARGUMENT');
  });

  it('cuts the range itself when the server ignores Range and answers 200', async () => {
    const asset = await resolver.resolveAsset(url('/norange/a/hello.txt'));
    expect(await readAll(await asset.read({ range: { start: 2, end: 5 } }))).toBe('2345');
    expect(await readAll(await asset.read({ range: { start: 8 } }))).toBe('89');
    expect((await failure(asset.read({ range: { start: 10 } }))).code).toBe('INVALID_ARGUMENT');
  });

  it('streams a 1 MiB object unchanged, and a cancelled stream closes the connection', async () => {
    const asset = await resolver.resolveAsset(url('/big.bin'));
    const got = await asset.bytes();
    expect(got.byteLength).toBe(1024 * 1024);
    expect(got.every((v, i) => v === (i * 31 + 7) % 251)).toBe(true);
    const stream = await asset.read();
    const reader = stream.getReader();
    const first = await reader.read();
    expect(first.done).toBe(false);
    await reader.cancel();
  });

  it('falls back to a 1-byte GET when HEAD is refused, and sizes empty objects', async () => {
    expect((await (await resolver.resolveAsset(url('/nohead/a/hello.txt'))).head()).size).toBe(10);
    expect(server.requests.at(-1)?.headers.range).toBe('bytes=0-0');
    expect((await (await resolver.resolveAsset(url('/empty.txt'))).head()).size).toBe(0);
  });

  it('forwards the query string of the original URL', async () => {
    const asset = await resolver.resolveAsset(url('/a/hello.txt?v=2&w=3'));
    expect(asset.location.uri).toBe(url('/a/hello.txt'));
    expect(decode(await asset.bytes())).toBe('0123456789');
    expect(server.requests.at(-1)?.url).toBe('/a/hello.txt?v=2&w=3');
  });

  it('resolves the host once per connection, at connect time', async () => {
    const before = lookup.calls.length;
    await (await resolver.resolveAsset(url('/a/hello.txt'))).bytes();
    expect(lookup.calls.slice(before)).toEqual(['assets.test']);
  });
});

describe('https provider: status and failure mapping', () => {
  it.each([
    ['/missing.txt', 'NOT_FOUND', false],
    ['/status/404', 'NOT_FOUND', false],
    ['/status/410', 'NOT_FOUND', false],
    ['/status/401', 'ACCESS_DENIED', false],
    ['/status/403', 'ACCESS_DENIED', false],
    ['/status/429', 'PROVIDER_ERROR', true],
    ['/status/500', 'PROVIDER_ERROR', true],
    ['/status/503', 'PROVIDER_ERROR', true],
    ['/status/400', 'PROVIDER_ERROR', false],
  ])('%s → %s (retryable %s) for head and bytes', async (path, code, retryable) => {
    const asset = await resolver.resolveAsset(url(path));
    for (const op of [asset.head(), asset.bytes()]) {
      const error = await failure(op);
      expect(error.code).toBe(code);
      expect(error.retryable).toBe(retryable);
      expect(error.integrationId).toBe('cdn');
      expect(error.message).not.toContain('secret server detail');
    }
  });

  it('gives TIMEOUT when the server does not answer within requestTimeoutMs', async () => {
    const error = await failure((await resolver.resolveAsset(url('/slow'))).bytes());
    expect(error.code).toBe('TIMEOUT');
    expect(error.retryable).toBe(true);
  });

  it('gives TIMEOUT when the body stalls mid-stream', async () => {
    const error = await failure((await resolver.resolveAsset(url('/stall-body'))).bytes());
    expect(error.code).toBe('TIMEOUT');
  });

  it('a connection refused is a retryable PROVIDER_ERROR', async () => {
    const closed = await startHttpsTestServer();
    const port = closed.port;
    await closed.close();
    const r = createAssetResolver({
      integrations: [cdn],
      platform: { https: { allowPorts: [port], allowPrivateHosts: ['assets.test'], lookup, ca: server.ca } },
    });
    const error = await failure((await r.resolveAsset(`https://assets.test:${port}/x`)).bytes());
    expect(error).toMatchObject({ code: 'PROVIDER_ERROR', retryable: true });
    await r.close();
  });

  it('refuses a certificate that is not trusted (no platform.https.ca)', async () => {
    const r = createAssetResolver({
      integrations: [cdn],
      platform: { https: { allowPorts: [server.port], allowPrivateHosts: ['assets.test'], lookup } },
    });
    const error = await failure((await r.resolveAsset(url('/a/hello.txt'))).bytes());
    expect(error.code).toBe('PROVIDER_ERROR');
    await r.close();
  });
});

describe('https provider: read-only', () => {
  it('refuses write, delete and PUT URLs with READ_ONLY before any request', async () => {
    const asset = await resolver.resolveAsset(url('/a/hello.txt'));
    const sent = server.requests.length;
    expect((await failure(asset.write('overwritten'))).code).toBe('READ_ONLY');
    expect((await failure(asset.delete())).code).toBe('READ_ONLY');
    expect((await failure(asset.presign({ ttlSeconds: 60, method: 'PUT' }))).code).toBe('READ_ONLY');
    expect((await failure(resolver.presign(url('/a/hello.txt'), 60, { method: 'PUT' }))).code).toBe('READ_ONLY');
    expect(server.requests.length).toBe(sent);
    expect(decode(await asset.bytes())).toBe('0123456789');
  });

  it('an https integration cannot be registered read-write', () => {
    expect(() => resolver.addIntegration({ id: 'rw', provider: 'https', mode: 'read-write' as 'read-only', scope: { hosts: ['x.test'] } })).toThrow(/mode/);
  });
});

describe('https provider: presign', () => {
  it('returns the URL itself (query kept) with expiresAt = now + TTL', async () => {
    const before = Date.now();
    const p = await resolver.presign(url('/a/hello.txt?v=2'), 600);
    expect(p).toMatchObject({ url: url('/a/hello.txt?v=2'), method: 'GET', headers: {} });
    expect(p.expiresAt.getTime()).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000 + 600_000);
    expect(p.expiresAt.getTime()).toBeLessThanOrEqual(Date.now() + 600_000);
  });

  it('caps expiresAt at the integration presignTtlSeconds: INVALID_TTL, or clamped', async () => {
    expect((await failure(resolver.presign(url('/a.txt', 'cdn.assets.test'), 301, { integration: 'capped' }))).code).toBe('INVALID_TTL');
    const clamped = await resolver.presign(url('/a.txt', 'cdn.assets.test'), 3600, { integration: 'capped', clamp: true });
    expect(clamped.expiresAt.getTime()).toBeLessThanOrEqual(Date.now() + 300_000);
    expect(clamped.expiresAt.getTime()).toBeGreaterThan(Date.now() + 298_000);
    expect((await failure(resolver.presign(url('/a.txt'), 8 * 24 * 3600))).code).toBe('INVALID_TTL');
  });
});

describe('https provider: already pre-signed URLs', () => {
  const amzDate = (d: Date): string => d.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
  const s3Url = (signedAt: Date, expires: number): string =>
    'https://photos.s3.eu-west-1.amazonaws.com/images/a.jpg?X-Amz-Algorithm=AWS4-HMAC-SHA256'
    + `&X-Amz-Credential=AKIAEXAMPLE%2F20240101%2Feu-west-1%2Fs3%2Faws4_request&X-Amz-Date=${amzDate(signedAt)}`
    + `&X-Amz-Expires=${expires}&X-Amz-SignedHeaders=host&X-Amz-Signature=${'ab'.repeat(32)}`;
  const s3 = createAssetResolver({ integrations: [{ id: 'signed-s3', provider: 'https', scope: { hosts: ['*.s3.eu-west-1.amazonaws.com'] } }] });

  it('routes a pre-signed S3 URL to an https integration allowing its host', () => {
    const m = s3.match(s3Url(new Date(), 3600));
    expect(m.integration.id).toBe('signed-s3');
    expect(m.location.presigned?.kind).toBe('aws');
    expect(JSON.stringify(m)).not.toContain('abab');
  });

  it('passes it through unchanged with the expiry parsed from the URL, never re-signed', async () => {
    const signedAt = new Date(Math.floor(Date.now() / 1000) * 1000 - 60_000);
    const original = s3Url(signedAt, 3600);
    const p = await s3.presign(original, 600);
    expect(p.url).toBe(original);
    expect(p.method).toBe('GET');
    expect(p.expiresAt.getTime()).toBe(signedAt.getTime() + 3_600_000);
  });

  it('refuses to promise more than the URL has left, unless clamp', async () => {
    const signedAt = new Date(Date.now() - 3_000_000);
    const original = s3Url(signedAt, 3600); // about 600 s left
    const error = await failure(s3.presign(original, 3600));
    expect(error.code).toBe('INVALID_TTL');
    expect(error.message).not.toContain('abab');
    const clamped = await s3.presign(original, 3600, { clamp: true });
    expect(clamped.url).toBe(original);
    expect(clamped.expiresAt.getTime()).toBe(Math.floor(signedAt.getTime() / 1000) * 1000 + 3_600_000);
    expect((await failure(s3.presign(s3Url(new Date(Date.now() - 7_200_000), 3600), 60))).code).toBe('INVALID_TTL');
  });

  it('without an https integration for its host a pre-signed S3 URL is not fetched as https', async () => {
    const other = createAssetResolver({ integrations: [cdn] });
    expect((await failure(other.resolveAsset(s3Url(new Date(), 3600)))).code).toBe('NO_INTEGRATION');
    expect((await failure(other.resolveAsset(s3Url(new Date(), 3600), 'cdn'))).code).toBe('BLOCKED_HOST');
  });

  it('reads through a signed URL (query forwarded, HEAD replaced by a 1-byte GET) and hides the signature in errors', async () => {
    const expiry = new Date(Date.now() + 3_600_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
    const signed = url(`/signed/a/hello.txt?sv=2024-05-04&se=${encodeURIComponent(expiry)}&sp=r&sig=good-signature`);
    const asset = await resolver.resolveAsset(signed);
    expect(asset.location.presigned?.kind).toBe('azure');
    expect(decode(await asset.bytes())).toBe('0123456789');
    expect((await asset.head()).size).toBe(10);
    expect(server.requests.at(-1)).toMatchObject({ method: 'GET', url: expect.stringContaining('sig=good-signature') });
    expect((await asset.presign({ ttlSeconds: 60 })).url).toBe(signed);

    const tampered = await resolver.resolveAsset(signed.replace('good-signature', 'forged-signature'));
    const error = await failure(tampered.bytes());
    expect(error.code).toBe('ACCESS_DENIED');
    const shown = `${error.message} ${JSON.stringify(error)} ${String(error.uri)} ${String((error as { cause?: unknown }).cause)}`;
    expect(shown).not.toContain('forged-signature');
    expect(shown).not.toContain('sig=');
    expect(JSON.stringify(tampered)).not.toContain('forged-signature');
  });
});

describe('https provider: audit', () => {
  it('emits read events without query strings', async () => {
    await (await resolver.resolveAsset(url('/a/hello.txt?token=abc'))).bytes();
    const read = events.filter((e) => e.type === 'asset.read').at(-1);
    expect(read).toMatchObject({ provider: 'https', integrationId: 'cdn', uri: url('/a/hello.txt') });
  });
});
