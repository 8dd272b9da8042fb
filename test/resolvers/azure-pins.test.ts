import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAssetResolver, type AssetResolver, type Integration } from '../../src/index.js';
import { startAzureTestEnvironment, type AzureTestEnvironment } from '../../src/testing/azure/environment.js';
import { codeOf } from '../helpers/failure.js';

/**
 * Issue 21 for Azure: a URI pinned to a blob snapshot reads that snapshot (head, read, bytes and
 * its presigned URL) after the blob was overwritten, through a SAS confined to that snapshot
 * (sr=bs), on Azurite over HTTPS with OAuth. Azurite has no blob versions: a `versionid` pin is
 * proved by what reaches the wire (sr=bv + versionid, never the live blob's SAS) and by the
 * signer matching the SDK byte for byte (azure-sas.test.ts); see docs/uri.md.
 */

const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
const APP = '0f7e1a52-1111-4c2b-9d7e-5f4a3b2c1d0e';
const ACCOUNT = 'pinnedacct';
const CONTAINER = 'frames';
const text = (b: Uint8Array): string => new TextDecoder().decode(b);
const blobUri = (key: string, query = ''): string => `https://${ACCOUNT}.blob.core.windows.net/${CONTAINER}/${key}${query}`;

let env: AzureTestEnvironment;
let resolver: AssetResolver;
const auth = { kind: 'client-secret', tenantId: TENANT, clientId: APP, clientSecret: 'pinned-secret' } as const;
const integrations: Integration[] = [
  { id: 'ro', provider: 'azure', scope: { account: ACCOUNT, container: CONTAINER, prefix: 'ro' }, auth },
  { id: 'rw', provider: 'azure', mode: 'read-write', scope: { account: ACCOUNT, container: CONTAINER, prefix: 'rw' }, auth },
];

beforeAll(async () => {
  env = await startAzureTestEnvironment({ accounts: [ACCOUNT], containers: [`${ACCOUNT}/${CONTAINER}`], apps: [{ tenantId: TENANT, clientId: APP, clientSecret: 'pinned-secret' }] });
  resolver = createAssetResolver({ integrations, platform: { azure: env.platform } });
});
afterAll(async () => {
  await resolver?.close();
  await env?.close();
});

describe('azure driver: snapshot pinning on Azurite', () => {
  it('reads the pinned snapshot after the blob was overwritten: head, read, ranged read, bytes and its presigned URL', async () => {
    await env.azurite.putBlob(CONTAINER, 'ro/cat.txt', 'old meow', { account: ACCOUNT, contentType: 'text/plain' });
    const snapshot = await env.azurite.snapshotBlob(CONTAINER, 'ro/cat.txt', ACCOUNT);
    await env.azurite.putBlob(CONTAINER, 'ro/cat.txt', 'new meow!!', { account: ACCOUNT, contentType: 'text/markdown' });

    const before = env.azurite.requests.length;
    const old = await resolver.resolveAsset(blobUri('ro/cat.txt', `?snapshot=${snapshot}`));
    expect(old.location.snapshot).toBe(snapshot);
    expect(text(await old.bytes())).toBe('old meow');
    expect(await old.head()).toMatchObject({ size: 8, contentType: 'text/plain' });
    expect(await new Response(await old.read({ range: { start: 4, end: 7 } })).text()).toBe('meow');
    const blobRequests = env.azurite.requests.slice(before).filter((r) => r.path.endsWith('/ro/cat.txt'));
    expect(blobRequests.length).toBe(3);
    for (const r of blobRequests) {
      expect(r.auth).toBe('sas');
      expect(r.sas).toMatchObject({ sp: 'r', sr: 'bs' });
      expect(r.queryNames).toContain('snapshot');
    }

    const presigned = await old.presign({ ttlSeconds: 300 });
    const url = new URL(presigned.url);
    expect(url.searchParams.get('snapshot')).toBe(snapshot);
    expect(url.searchParams.get('sr')).toBe('bs');
    const fetched = await env.fetch(presigned.url);
    expect(fetched.status).toBe(200);
    expect(await fetched.text()).toBe('old meow');

    // The live blob, read without the pin, has the new bytes (and an ordinary blob SAS).
    const live = await resolver.resolveAsset(blobUri('ro/cat.txt'));
    expect(text(await live.bytes())).toBe('new meow!!');
    const liveUrl = new URL((await live.presign({ ttlSeconds: 300 })).url);
    expect(liveUrl.searchParams.has('snapshot')).toBe(false);
    expect(liveUrl.searchParams.get('sr')).toBe('b');
  });

  it('a snapshot URL cannot be turned into the live blob or another snapshot: the signature names the snapshot', async () => {
    await env.azurite.putBlob(CONTAINER, 'ro/dog.txt', 'woof 1', { account: ACCOUNT });
    const first = await env.azurite.snapshotBlob(CONTAINER, 'ro/dog.txt', ACCOUNT);
    await env.azurite.putBlob(CONTAINER, 'ro/dog.txt', 'woof 2', { account: ACCOUNT });
    const second = await env.azurite.snapshotBlob(CONTAINER, 'ro/dog.txt', ACCOUNT);
    await env.azurite.putBlob(CONTAINER, 'ro/dog.txt', 'woof 3', { account: ACCOUNT });
    const signed = new URL((await (await resolver.resolveAsset(blobUri('ro/dog.txt', `?snapshot=${first}`))).presign({ ttlSeconds: 60 })).url);
    expect(await (await env.fetch(signed.toString())).text()).toBe('woof 1');

    const stripped = new URL(signed);
    stripped.searchParams.delete('snapshot');
    expect((await env.fetch(stripped.toString())).status).toBe(403);
    const other = new URL(signed);
    other.searchParams.set('snapshot', second);
    expect((await env.fetch(other.toString())).status).toBe(403);
  });

  it('a snapshot that does not exist is NOT_FOUND, never the live blob', async () => {
    await env.azurite.putBlob(CONTAINER, 'ro/none.txt', 'live', { account: ACCOUNT });
    const asset = await resolver.resolveAsset(blobUri('ro/none.txt', '?snapshot=2001-01-01T00:00:00.0000000Z'));
    expect(await codeOf(asset.bytes())).toBe('NOT_FOUND');
    expect(await codeOf(asset.head())).toBe('NOT_FOUND');
  });

  it('writes and deletes through a pinned location of a read-write integration are refused, and the blob and its snapshot stay', async () => {
    await env.azurite.putBlob(CONTAINER, 'rw/keep.txt', 'v1', { account: ACCOUNT });
    const snapshot = await env.azurite.snapshotBlob(CONTAINER, 'rw/keep.txt', ACCOUNT);
    const pinned = await resolver.resolveAsset(blobUri('rw/keep.txt', `?snapshot=${snapshot}`));
    expect(pinned.mode).toBe('read-write');
    const before = env.azurite.requests.length;
    expect(await codeOf(pinned.write('v2'))).toBe('READ_ONLY');
    expect(await codeOf(pinned.delete())).toBe('READ_ONLY');
    expect(await codeOf(pinned.presign({ ttlSeconds: 60, method: 'PUT' }))).toBe('READ_ONLY');
    expect(env.azurite.requests.length).toBe(before);
    expect(text(await pinned.bytes())).toBe('v1');
    expect(text((await env.azurite.getBlob(CONTAINER, 'rw/keep.txt', ACCOUNT))!)).toBe('v1');
  });
});

describe('azure driver: version pinning (Azurite has no blob versions)', () => {
  it('a versionid pin is sent as versionid with a version SAS (sr=bv), never as a read of the live blob', async () => {
    await env.azurite.putBlob(CONTAINER, 'ro/versioned.txt', 'live bytes', { account: ACCOUNT });
    const version = '2024-05-01T10:20:30.1234567Z';
    const asset = await resolver.resolveAsset(blobUri('ro/versioned.txt', `?versionid=${version}`));
    expect(asset.location.version).toBe(version);
    const before = env.azurite.requests.length;
    // Azurite does not know sr=bv, so it refuses: what matters is that the live bytes never come back.
    const outcome = await asset.bytes().then((b) => text(b), (e: { code?: string }) => e.code);
    expect(outcome).not.toBe('live bytes');
    const sent = env.azurite.requests.slice(before).filter((r) => r.path.endsWith('/ro/versioned.txt'));
    expect(sent.length).toBeGreaterThan(0);
    for (const r of sent) {
      expect(r.queryNames).toContain('versionid');
      expect(r.sas).toMatchObject({ sp: 'r', sr: 'bv' });
    }
    const url = new URL((await asset.presign({ ttlSeconds: 60 })).url);
    expect(url.searchParams.get('versionid')).toBe(version);
    expect(url.searchParams.get('sr')).toBe('bv');
    expect(url.searchParams.get('sp')).toBe('r');
  });
});

describe('per-operation SAS for pinned blobs', () => {
  it('only ever signs r for a snapshot or version, even for a read-write integration, and caches per pin', async () => {
    const { OperationSas } = await import('../../src/resolvers/azure/operation-sas.js');
    const { UserDelegationSasSigner } = await import('../../src/resolvers/azure/sas.js');
    const now = Date.UTC(2025, 5, 1);
    const signer = new UserDelegationSasSigner({
      signedObjectId: 'oid', signedTenantId: 'tid', signedStartsOn: '2025-05-31T00:00:00Z', signedExpiresOn: '2025-06-03T00:00:00Z',
      signedService: 'b', signedVersion: '2025-07-05', value: Buffer.alloc(32, 5).toString('base64'),
    });
    const sas = new OperationSas({ now: () => now, clockSkewSeconds: 300 });
    const scope = { key: 'k', integrationId: 'rw', mode: 'read-write' as const, account: 'a', container: 'c', uri: 'u', signer: async () => signer };
    const t1 = '2024-01-01T00:00:00.0000000Z';
    const t2 = '2024-02-01T00:00:00.0000000Z';
    for (const permissions of ['w', 'c', 'd', 'l'] as const) {
      await expect(sas.query(scope, { resource: 'bs', path: 'x', permissions, pinnedTime: t1 })).rejects.toMatchObject({ code: 'READ_ONLY' });
    }
    const first = await sas.query(scope, { resource: 'bs', path: 'x', permissions: 'r', pinnedTime: t1 });
    const second = await sas.query(scope, { resource: 'bs', path: 'x', permissions: 'r', pinnedTime: t2 });
    const version = await sas.query(scope, { resource: 'bv', path: 'x', permissions: 'r', pinnedTime: t1 });
    expect(new Set([first, second, version]).size).toBe(3);
    expect(await sas.query(scope, { resource: 'bs', path: 'x', permissions: 'r', pinnedTime: t1 })).toBe(first);
  });
});
