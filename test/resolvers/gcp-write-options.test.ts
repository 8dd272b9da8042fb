import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAssetResolver, type AssetResolver } from '../../src/index.js';
import { BUCKET, WRITER, startGcpWorld, type GcpWorld } from './gcp-fixture.js';
import { codeOf } from '../helpers/failure.js';

/**
 * Issue 16 on GCS: CMEK per integration (kmsKeyName on simple and resumable uploads and on signed
 * PUTs) against a bucket that refuses writes without the key; object options; response-content-*
 * on signed GETs; cancelling a resumable session on abort.
 */

const KEY = 'projects/customer-project/locations/us/keyRings/assets/cryptoKeys/uploads';
const CMEK_BUCKET = 'customer-cmek-bucket';
const KiB = 1024;

let world: GcpWorld;
let resolver: AssetResolver;

beforeAll(async () => {
  world = await startGcpWorld({ gcp: { resumableThresholdBytes: 256 * KiB, resumableChunkBytes: 256 * KiB } });
  world.fake.gcs.createBucket(CMEK_BUCKET, { iam: { [WRITER]: 'roles/storage.objectUser' }, requireKmsKeyName: KEY });
  const auth = { kind: 'impersonation' as const, serviceAccount: WRITER };
  resolver = createAssetResolver({
    platform: world.platform,
    integrations: [
      { id: 'cmek', provider: 'gcp', mode: 'read-write', scope: { bucket: CMEK_BUCKET, prefix: 'out' }, auth, encryption: { kmsKeyName: KEY } },
      { id: 'plain', provider: 'gcp', mode: 'read-write', scope: { bucket: CMEK_BUCKET, prefix: 'plain' }, auth },
      world.readWrite,
    ],
  });
});
afterAll(async () => {
  await resolver?.close();
  await world?.close();
});

describe('gcp: CMEK per integration', () => {
  it('simple and resumable uploads name the key; the fake stores it; without the key the bucket refuses (ACCESS_DENIED)', async () => {
    await (await resolver.resolveAsset(`gs://${CMEK_BUCKET}/out/small.txt`)).write('small');
    expect(world.fake.gcs.getObject(CMEK_BUCKET, 'out/small.txt')).toMatchObject({ kmsKeyName: KEY });
    const big = new Uint8Array(700 * KiB).fill(3);
    await (await resolver.resolveAsset(`gs://${CMEK_BUCKET}/out/big.bin`)).write(big);
    expect(world.fake.gcs.getObject(CMEK_BUCKET, 'out/big.bin')).toMatchObject({ kmsKeyName: KEY });
    expect(world.fake.gcs.getObject(CMEK_BUCKET, 'out/big.bin')!.data.length).toBe(700 * KiB);
    expect(await codeOf((await resolver.resolveAsset(`gs://${CMEK_BUCKET}/plain/x.txt`)).write('x'))).toBe('ACCESS_DENIED');
    expect(await codeOf((await resolver.resolveAsset(`gs://${CMEK_BUCKET}/plain/big.bin`)).write(big))).toBe('ACCESS_DENIED');
    expect(world.fake.gcs.getObject(CMEK_BUCKET, 'plain/x.txt')).toBeUndefined();
  });

  it('signed PUT URLs sign x-goog-encryption-kms-key-name and list it in headers', async () => {
    const url = await (await resolver.resolveAsset(`gs://${CMEK_BUCKET}/out/browser.txt`)).presign({ method: 'PUT', ttlSeconds: 300 });
    expect(url.headers).toEqual({ 'x-goog-encryption-kms-key-name': KEY });
    expect(new URL(url.url).searchParams.get('X-Goog-SignedHeaders')).toContain('x-goog-encryption-kms-key-name');
    expect((await fetch(url.url, { method: 'PUT', body: 'x' })).status).toBe(403);
    expect((await fetch(url.url, { method: 'PUT', body: 'from browser', headers: url.headers })).status).toBe(200);
    expect(world.fake.gcs.getObject(CMEK_BUCKET, 'out/browser.txt')).toMatchObject({ kmsKeyName: KEY });
  });

  it('validates kmsKeyName (INVALID_INTEGRATION naming the field and the integration)', () => {
    for (const kmsKeyName of ['uploads', `${KEY}/cryptoKeyVersions/1`, 'projects/p/keyRings/r/cryptoKeys/k']) {
      expect(() => createAssetResolver({ integrations: [{ id: 'bad-gcs', provider: 'gcp', scope: { bucket: BUCKET }, auth: { kind: 'impersonation', serviceAccount: WRITER }, encryption: { kmsKeyName } }] }))
        .toThrow(expect.objectContaining({ code: 'INVALID_INTEGRATION', field: 'encryption.kmsKeyName', integrationId: 'bad-gcs' }));
    }
  });
});

describe('gcp: object options and response overrides', () => {
  it('stores contentDisposition, cacheControl and metadata (simple and resumable); head() returns them', async () => {
    const opts = { contentType: 'application/pdf', contentDisposition: 'attachment; filename="r.pdf"', cacheControl: 'no-store', metadata: { source: 'pipeline-7' } };
    for (const [key, body] of [['labels/opt-small.pdf', 'pdf'], ['labels/opt-big.pdf', new Uint8Array(300 * KiB)]] as const) {
      const asset = await resolver.resolveAsset(`gs://${BUCKET}/${key}`);
      await asset.write(body, opts);
      expect(world.fake.gcs.getObject(BUCKET, key)).toMatchObject({ contentType: 'application/pdf', contentDisposition: 'attachment; filename="r.pdf"', cacheControl: 'no-store', metadata: { source: 'pipeline-7' } });
      expect(await asset.head()).toMatchObject({ contentType: 'application/pdf', contentDisposition: 'attachment; filename="r.pdf"', cacheControl: 'no-store', metadata: { source: 'pipeline-7' } });
    }
  });

  it('signs response-content-disposition / -type into GET URLs; the download carries them', async () => {
    const asset = await resolver.resolveAsset(`gs://${BUCKET}/labels/opt-small.pdf`);
    const url = await asset.presign({ ttlSeconds: 60, responseContentDisposition: 'attachment; filename="cat.jpg"', responseContentType: 'image/jpeg' });
    const res = await fetch(url.url);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-disposition')).toBe('attachment; filename="cat.jpg"');
    expect(res.headers.get('content-type')).toBe('image/jpeg');
    const tampered = new URL(url.url);
    tampered.searchParams.set('response-content-disposition', 'inline');
    expect((await fetch(tampered)).status).toBe(403);
  });
});

describe('gcp: abort and progress', () => {
  it('aborting a resumable upload mid-way cancels the session: no object, no open session', async () => {
    const asset = await resolver.resolveAsset(`gs://${BUCKET}/labels/aborted.bin`);
    const controller = new AbortController();
    const chunk = new Uint8Array(64 * KiB).fill(5);
    async function* body() {
      for (let i = 0; i < 10; i++) yield chunk;
      await new Promise((resolve) => controller.signal.addEventListener('abort', resolve));
      throw new Error('source closed');
    }
    const progress: number[] = [];
    const before = world.fake.gcs.cancelledSessions;
    const write = asset.write(body(), { signal: controller.signal, onProgress: (n) => { progress.push(n); if (n >= 256 * KiB) controller.abort(); } });
    expect(await codeOf(write)).toBe('ABORTED');
    expect(progress[0]).toBe(256 * KiB);
    expect(world.fake.gcs.getObject(BUCKET, 'labels/aborted.bin')).toBeUndefined();
    expect(world.fake.gcs.cancelledSessions).toBe(before + 1);
    expect(world.fake.gcs.openResumableSessions).toBe(0);
  });

  it('reports progress chunk by chunk, ending with the total', async () => {
    const progress: number[] = [];
    await (await resolver.resolveAsset(`gs://${BUCKET}/labels/progress.bin`)).write(new Uint8Array(600 * KiB), { onProgress: (n) => progress.push(n) });
    expect(progress).toEqual([256 * KiB, 512 * KiB, 600 * KiB]);
  });
});
