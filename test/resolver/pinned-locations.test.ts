import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAssetResolver, type AssetResolver } from '../../src/index.js';
import type { AssetLinkEvent } from '../../src/events.js';
import { codeOf } from '../helpers/failure.js';
import { underlyingDriver } from '../../src/resolver/current-target.js';

/**
 * Issue 21: a location pinned to a version or snapshot is read-only whatever the integration's
 * mode. write, delete and presigned PUT fail with READ_ONLY before any request leaves the
 * process (the endpoints below count every request; the Azure one does not even exist).
 */

let server: Server;
let requests = 0;
let resolver: AssetResolver;
const events: AssetLinkEvent[] = [];

beforeAll(async () => {
  server = createServer((req, res) => { requests++; res.writeHead(500); res.end(); });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  resolver = createAssetResolver({
    onEvent: (e) => events.push(e),
    platform: {
      aws: { endpoint, forcePathStyle: true, region: 'us-east-1', credentials: { accessKeyId: 'AKIAPLATFORM0000TEST', secretAccessKey: 'x' }, stsEndpoint: endpoint },
      azure: { blobEndpoint: 'https://127.0.0.1:1/{account}', authorityHost: 'https://127.0.0.1:1' },
    },
    integrations: [
      { id: 's3-rw', provider: 'aws', mode: 'read-write', scope: { bucket: 'photos' }, auth: { kind: 'access-key', accessKeyId: 'AKIAEXAMPLEKEY00001', secretAccessKey: 'x' } },
      { id: 'ap-rw', provider: 'aws', mode: 'read-write', scope: { bucket: 'arn:aws:s3:us-west-2:123456789012:accesspoint/shared-ap' }, auth: { kind: 'cross-account' } },
      {
        id: 'az-rw', provider: 'azure', mode: 'read-write', scope: { account: 'acct', container: 'data' },
        auth: { kind: 'client-secret', tenantId: '11111111-2222-3333-4444-555555555555', clientId: '66666666-7777-8888-9999-000000000000', clientSecret: 's' },
      },
    ],
  });
});
afterAll(async () => {
  await resolver.close();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

describe('pinned locations are read-only', () => {
  it.each([
    'https://photos.s3.us-east-1.amazonaws.com/a.jpg?versionId=3HL4kqtJlcpXroDTDmJ%2BrmSpXd3dIbrHY%2BMTRCxf3vjVBH40Nr8X8gdRQBpUMLUo',
    'https://s3.amazonaws.com/photos/a.jpg?versionId=null',
    'https://shared-ap-123456789012.s3-accesspoint.us-west-2.amazonaws.com/a.jpg?versionId=v1',
    'https://acct.blob.core.windows.net/data/a.jpg?versionid=2024-01-01T00:00:00.0000000Z',
    'https://acct.blob.core.windows.net/data/a.jpg?snapshot=2024-01-01T00:00:00.0000000Z',
  ])('%s: write, delete and presigned PUT fail with READ_ONLY and no request', async (uri) => {
    const asset = await resolver.resolveAsset(uri);
    expect(asset.mode).toBe('read-write');
    expect(asset.location.version ?? asset.location.snapshot).toBeDefined();
    events.length = 0;
    const before = requests;
    expect(await codeOf(asset.write('x'))).toBe('READ_ONLY');
    expect(await codeOf(asset.write(new ReadableStream<Uint8Array>({ start: (c) => { c.enqueue(new Uint8Array([1])); c.close(); } })))).toBe('READ_ONLY');
    expect(await codeOf(asset.delete())).toBe('READ_ONLY');
    expect(await codeOf(asset.presign({ ttlSeconds: 60, method: 'PUT' }))).toBe('READ_ONLY');
    expect(requests).toBe(before);
    expect(events.map((e) => e.type)).toEqual(['write.refused', 'write.refused', 'write.refused', 'write.refused']);
    const message = await asset.delete().catch((e: Error) => e.message);
    expect(message).toMatch(/pins (version|snapshot) .* a pinned location is read-only/);
  });

  it.each([
    'https://acct.blob.core.windows.net/data/a.jpg?versionid=2024-01-01T00:00:00.0000000Z',
    'https://acct.blob.core.windows.net/data/a.jpg?snapshot=2024-01-01T00:00:00.0000000Z',
  ])('%s: a driver that does not honour pins never serves the live object in place of the pinned one', async (uri) => {
    const asset = await resolver.resolveAsset(uri);
    // Every driver honours pins now; a driver without the flag (a future provider) is refused before any request.
    const driver = await resolver.driver('azure');
    const targets = [...new Set([driver, underlyingDriver(driver)])] as unknown as Array<Record<string, unknown>>;
    const saved = targets.map((t) => Object.getOwnPropertyDescriptor(t, 'honoursPins'));
    for (const t of targets) Object.defineProperty(t, 'honoursPins', { value: false, configurable: true });
    try {
      for (const attempt of [asset.head(), asset.bytes(), asset.read(), asset.presign({ ttlSeconds: 60 })]) {
        expect(await codeOf(attempt)).toBe('UNSUPPORTED_URI');
      }
    } finally {
      targets.forEach((t, i) => { const d = saved[i]; if (d) Object.defineProperty(t, 'honoursPins', d); else delete t.honoursPins; });
    }
  });

  it.each([
    'https://photos.s3.us-east-1.amazonaws.com/a.jpg?versionId=v1',
    'https://acct.blob.core.windows.net/data/a.jpg?versionid=2024-01-01T00:00:00.0000000Z',
    'https://acct.blob.core.windows.net/data/a.jpg?snapshot=2024-01-01T00:00:00.0000000Z',
  ])('%s: the aws and azure drivers honour pins (reads are attempted, not refused as unsupported)', async (uri) => {
    const asset = await resolver.resolveAsset(uri);
    expect((await resolver.driver(asset.location.provider)).honoursPins).toBe(true);
    expect(await codeOf(asset.head())).not.toBe('UNSUPPORTED_URI');
  });

  it('the same object without the pin stays writable (the refusal is about the pin, not the integration)', async () => {
    const asset = await resolver.resolveAsset('s3://photos/a.jpg');
    // It gets as far as the (failing) endpoint: a request is made.
    const before = requests;
    expect(await codeOf(asset.write('x'))).not.toBe('READ_ONLY');
    expect(requests).toBeGreaterThan(before);
  });
});
