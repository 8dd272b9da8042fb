import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchPresigned, type AssetResolver } from '../../src/index.js';
import { codeOf } from '../helpers/failure.js';

/**
 * What every provider fixture supplies: one resolver holding a read-write and a read-only
 * integration over the same bucket/container (different prefixes), plus a backdoor to seed objects.
 */
export interface ContractFixture {
  resolver: AssetResolver;
  readWriteIntegrationId: string;
  readOnlyIntegrationId: string;
  /** A URI inside the read-write integration's scope. */
  readWriteUri(key: string): string;
  /** A URI inside the read-only integration's scope. */
  readOnlyUri(key: string): string;
  /** A URI in the same bucket/container but outside both integrations' prefixes. */
  outOfScopeUri(key: string): string;
  /** Puts an object directly into the backing store, bypassing assetlink. */
  seed(uri: string, body: Uint8Array, contentType?: string): Promise<void>;
  /** Fetches a presigned URL (defaults to assetlink's fetchPresigned). */
  fetch?(url: string, init?: RequestInit): Promise<Response>;
  close(): Promise<void>;
}

const text = (s: string): Uint8Array => new TextEncoder().encode(s);
const decode = (b: Uint8Array): string => new TextDecoder().decode(b);
const unique = (): string => `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;

async function readAll(stream: ReadableStream<Uint8Array>): Promise<string> {
  return decode(new Uint8Array(await new Response(stream).arrayBuffer()));
}

/** The shared suite every provider must pass (unstorage-style driver contract). */
export function describeProviderContract(name: string, setup: () => Promise<ContractFixture>): void {
  describe(`provider contract: ${name}`, () => {
    let fx: ContractFixture;
    let doFetch: (url: string, init?: RequestInit) => Promise<Response>;
    beforeAll(async () => {
      fx = await setup();
      doFetch = fx.fetch ?? fetchPresigned;
    });
    afterAll(async () => { await fx?.close(); });

    it('matches a URI to the integration that covers it', async () => {
      const rw = fx.resolver.match(fx.readWriteUri(`m-${unique()}.txt`));
      expect(rw.integration.id).toBe(fx.readWriteIntegrationId);
      expect(rw.integration.mode).toBe('read-write');
      const ro = fx.resolver.match(fx.readOnlyUri(`m-${unique()}.txt`));
      expect(ro.integration.id).toBe(fx.readOnlyIntegrationId);
      expect(ro.integration.mode).toBe('read-only');
    });

    it('writes, heads and reads back bytes, strings and streams', async () => {
      const asset = await fx.resolver.resolveAsset(fx.readWriteUri(`rt-${unique()}.txt`));
      expect(asset.integrationId).toBe(fx.readWriteIntegrationId);
      await asset.write('hello contract', { contentType: 'text/plain' });
      expect(decode(await asset.bytes())).toBe('hello contract');
      const head = await asset.head();
      expect(head.size).toBe(14);
      expect(head.contentType ?? 'text/plain').toBe('text/plain');

      await asset.write(text('bytes body'));
      expect(decode(await asset.bytes())).toBe('bytes body');

      const chunks = ['streamed ', 'in ', 'three chunks'];
      await asset.write(new ReadableStream<Uint8Array>({
        start(controller) { for (const c of chunks) controller.enqueue(text(c)); controller.close(); },
      }));
      expect(decode(await asset.bytes())).toBe(chunks.join(''));
    });

    it('streams a 1 MiB object back unchanged', async () => {
      const data = new Uint8Array(1024 * 1024).map((_, i) => (i * 31 + 7) % 251);
      const uri = fx.readOnlyUri(`big-${unique()}.bin`);
      await fx.seed(uri, data, 'application/octet-stream');
      const asset = await fx.resolver.resolveAsset(uri);
      const stream = await asset.read();
      const got = new Uint8Array(await new Response(stream).arrayBuffer());
      expect(got.byteLength).toBe(data.byteLength);
      expect(Buffer.compare(Buffer.from(got), Buffer.from(data))).toBe(0);
      expect((await asset.head()).size).toBe(data.byteLength);
    });

    it('reads byte ranges (end inclusive)', async () => {
      const uri = fx.readOnlyUri(`range-${unique()}.txt`);
      await fx.seed(uri, text('0123456789'), 'text/plain');
      const asset = await fx.resolver.resolveAsset(uri);
      expect(await readAll(await asset.read({ range: { start: 2, end: 5 } }))).toBe('2345');
      expect(await readAll(await asset.read({ range: { start: 7 } }))).toBe('789');
      expect(await readAll(await asset.read({ range: { start: 0, end: 0 } }))).toBe('0');
    });

    it('maps a missing object to NOT_FOUND', async () => {
      const asset = await fx.resolver.resolveAsset(fx.readOnlyUri(`missing-${unique()}.txt`));
      expect(await codeOf(asset.head())).toBe('NOT_FOUND');
      expect(await codeOf(asset.bytes())).toBe('NOT_FOUND');
    });

    it('refuses writes, deletes and PUT URLs on a read-only integration and leaves the object alone', async () => {
      const uri = fx.readOnlyUri(`ro-${unique()}.txt`);
      await fx.seed(uri, text('original'), 'text/plain');
      const asset = await fx.resolver.resolveAsset(uri);
      expect(asset.mode).toBe('read-only');
      expect(await codeOf(asset.write('overwritten'))).toBe('READ_ONLY');
      expect(await codeOf(asset.delete())).toBe('READ_ONLY');
      expect(await codeOf(asset.presign({ ttlSeconds: 60, method: 'PUT' }))).toBe('READ_ONLY');
      expect(await codeOf(fx.resolver.presign(uri, 60, { method: 'PUT' }))).toBe('READ_ONLY');
      expect(decode(await asset.bytes())).toBe('original');
    });

    it('refuses keys outside the named integration, and URIs no integration covers', async () => {
      const outside = fx.outOfScopeUri(`x-${unique()}.txt`);
      expect(await codeOf(fx.resolver.resolveAsset(outside, fx.readOnlyIntegrationId))).toBe('OUT_OF_SCOPE');
      expect(await codeOf(fx.resolver.resolveAsset(outside, fx.readWriteIntegrationId))).toBe('OUT_OF_SCOPE');
      expect(await codeOf(fx.resolver.resolveAsset(outside))).toBe('NO_INTEGRATION');
      // A read-only key named with the read-write integration is out of its scope too: no widening.
      expect(await codeOf(fx.resolver.resolveAsset(fx.readOnlyUri('a.txt'), fx.readWriteIntegrationId))).toBe('OUT_OF_SCOPE');
    });

    it('needs an object key', async () => {
      const bucketOnly = fx.readWriteUri('x').replace(/x$/, '');
      const code = await codeOf(fx.resolver.resolveAsset(bucketOnly));
      expect(['INVALID_URI', 'NO_INTEGRATION']).toContain(code);
    });

    it('presigns a GET URL that fetches the bytes and tells its expiry truthfully', async () => {
      const uri = fx.readOnlyUri(`pre-${unique()}.txt`);
      await fx.seed(uri, text('presigned bytes'), 'text/plain');
      const before = Date.now();
      const url = await fx.resolver.presign(uri, 600);
      expect(url.method).toBe('GET');
      expect(url.expiresAt.getTime()).toBeGreaterThan(before + 590_000);
      expect(url.expiresAt.getTime()).toBeLessThanOrEqual(Date.now() + 600_000 + 1_000);
      const response = await doFetch(url.url, { headers: url.headers });
      expect(response.status).toBe(200);
      expect(await response.text()).toBe('presigned bytes');
    });

    it('presigned URLs stop working after they expire', async () => {
      const uri = fx.readOnlyUri(`exp-${unique()}.txt`);
      await fx.seed(uri, text('soon gone'), 'text/plain');
      const url = await fx.resolver.presign(uri, 1);
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, url.expiresAt.getTime() - Date.now()) + 1_200));
      const response = await doFetch(url.url, { headers: url.headers });
      expect(response.status).toBeGreaterThanOrEqual(400);
      expect(response.status).toBeLessThan(500);
      expect(response.status).not.toBe(404);
    });

    it('a tampered presigned URL is refused', async () => {
      const uri = fx.readOnlyUri(`tamper-${unique()}.txt`);
      await fx.seed(uri, text('guarded'), 'text/plain');
      const url = await fx.resolver.presign(uri, 600);
      const tampered = url.url.replace(/([?&](?:X-Amz-Signature|X-Goog-Signature|sig|X-AssetLink-Signature)=)([0-9A-Za-z%+/]{4})/, (_m, p: string, s: string) => `${p}${s === 'abcd' ? 'bcde' : 'abcd'}`);
      expect(tampered).not.toBe(url.url);
      const response = await doFetch(tampered, { headers: url.headers });
      expect(response.status).toBeGreaterThanOrEqual(400);
      expect(response.status).toBeLessThan(500);
    });

    it('presigns a PUT URL on a read-write integration that uploads', async () => {
      const uri = fx.readWriteUri(`put-${unique()}.txt`);
      const url = await fx.resolver.presign(uri, 300, { method: 'PUT', contentType: 'text/plain' });
      expect(url.method).toBe('PUT');
      expect(Object.entries(url.headers).some(([k, v]) => k.toLowerCase() === 'content-type' && v === 'text/plain')).toBe(true);
      const response = await doFetch(url.url, { method: 'PUT', headers: url.headers, body: 'uploaded via URL' });
      expect(response.status).toBeLessThan(300);
      const asset = await fx.resolver.resolveAsset(uri);
      expect(decode(await asset.bytes())).toBe('uploaded via URL');
    });

    it('validates TTLs: positive integers up to the provider maximum, clamp on request', async () => {
      const uri = fx.readOnlyUri(`ttl-${unique()}.txt`);
      await fx.seed(uri, text('ttl'), 'text/plain');
      for (const ttl of [0, -5, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
        expect(await codeOf(fx.resolver.presign(uri, ttl))).toBe('INVALID_TTL');
      }
      const eightDays = 8 * 24 * 3600;
      expect(await codeOf(fx.resolver.presign(uri, eightDays))).toBe('INVALID_TTL');
      const clamped = await fx.resolver.presign(uri, eightDays, { clamp: true });
      expect(clamped.expiresAt.getTime()).toBeLessThanOrEqual(Date.now() + 7 * 24 * 3600 * 1000 + 1_000);
      expect(clamped.expiresAt.getTime()).toBeGreaterThan(Date.now());
    });

    it('deletes on a read-write integration; deleting again is not an error', async () => {
      const uri = fx.readWriteUri(`del-${unique()}.txt`);
      await fx.seed(uri, text('to delete'), 'text/plain');
      const asset = await fx.resolver.resolveAsset(uri);
      expect(decode(await asset.bytes())).toBe('to delete');
      await asset.delete();
      expect(await codeOf(asset.head())).toBe('NOT_FOUND');
      await asset.delete();
    });
  });
}
