import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAssetResolver, type AssetLinkEvent, type AssetResolver } from '../../src/index.js';
import { startAzureTestEnvironment, type AzureTestEnvironment } from '../../src/testing/azure/environment.js';
import { codeOf, failure } from '../helpers/failure.js';

/**
 * Azure browser uploads against Azurite over HTTPS: Put Block through the part URLs (a fetch that
 * only trusts the test CA, as a browser trusts the real one), Put Block List by the backend.
 */

const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
const APP = '0f7e1a52-4444-4c2b-9d7e-5f4a3b2c1d0e';
const SECRET = 'upload-test-client-secret';
const ACCOUNT = 'uploadacct';
const CONTAINER = 'incoming';
const MiB = 1024 * 1024;
const uri = (key: string): string => `https://${ACCOUNT}.blob.core.windows.net/${CONTAINER}/${key}`;

let env: AzureTestEnvironment;
let resolver: AssetResolver;
const events: AssetLinkEvent[] = [];

function source(size: number, seed: number): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(size);
  for (let i = 0; i < size; i++) out[i] = (i * 13 + seed + (i >>> 9)) & 0xff;
  return out;
}
const send = (part: { url: string; method: string; headers: Record<string, string>; start: number; end: number }, file: Uint8Array<ArrayBuffer>): Promise<Response> =>
  env.fetch(part.url, { method: part.method, headers: part.headers, body: file.subarray(part.start, part.end) });

beforeAll(async () => {
  env = await startAzureTestEnvironment({
    accounts: [ACCOUNT], containers: [`${ACCOUNT}/${CONTAINER}`], apps: [{ tenantId: TENANT, clientId: APP, clientSecret: SECRET }],
  });
  const auth = { kind: 'client-secret' as const, tenantId: TENANT, clientId: APP, clientSecret: SECRET };
  resolver = createAssetResolver({
    platform: { azure: env.platform },
    requestTimeoutMs: 20_000,
    onEvent: (e) => events.push(e),
    integrations: [
      { id: 'az-rw', provider: 'azure', mode: 'read-write', scope: { account: ACCOUNT, container: CONTAINER, prefix: 'up' }, auth },
      { id: 'az-ro', provider: 'azure', scope: { account: ACCOUNT, container: CONTAINER, prefix: 'ro' }, auth },
    ],
  });
}, 60_000);
afterAll(async () => {
  await resolver?.close();
  await env?.close();
});

describe('Azure block uploads from a browser', () => {
  it('stages blocks through the part URLs, resumes after a dropped block, commits to the same bytes', async () => {
    const file = source(3 * MiB + 123, 1);
    const asset = await resolver.resolveAsset(uri('up/model.glb'));
    const plan = await asset.createUpload({ size: file.byteLength, partSize: MiB, contentType: 'model/gltf-binary', ttlSeconds: 900 });
    expect(plan.parts).toHaveLength(4);
    expect(plan.parts.every((p) => p.url.includes('comp=block') && p.url.includes('blockid='))).toBe(true);
    for (const part of plan.parts) {
      if (part.partNumber === 2) continue;
      expect((await send(part, file)).status).toBe(201);
    }
    // Nothing is visible before the commit.
    expect(await env.azurite.getBlob(CONTAINER, 'up/model.glb', ACCOUNT)).toBeUndefined();
    const early = await failure(asset.completeUpload(plan.uploadId, []));
    expect(early.code).toBe('INVALID_ARGUMENT');
    expect(early.message).toContain('block 2 of 4');

    const resumed = await asset.resumeUpload(plan.uploadId, { ttlSeconds: 600 });
    expect(resumed.parts.map((p) => p.partNumber)).toEqual([2]);
    expect(resumed.uploadedParts.map((p) => p.partNumber)).toEqual([1, 3, 4]);
    expect((await send(resumed.parts[0]!, file)).status).toBe(201);

    await asset.completeUpload(plan.uploadId, []);
    const stored = await asset.bytes();
    expect(Buffer.compare(Buffer.from(stored), Buffer.from(file))).toBe(0);
    expect((await asset.head()).contentType).toBe('model/gltf-binary');
    expect(events.filter((e) => e.type.startsWith('upload.') && e.integrationId === 'az-rw').map((e) => e.type)).toEqual(['upload.created', 'upload.resumed', 'upload.completed']);
  });

  it('a part URL writes blocks of its own blob only', async () => {
    const asset = await resolver.resolveAsset(uri('up/own.bin'));
    const plan = await asset.createUpload({ size: 10, ttlSeconds: 300 });
    const elsewhere = plan.parts[0]!.url.replace('/up/own.bin?', '/up/other.bin?');
    expect((await env.fetch(elsewhere, { method: 'PUT', body: new Uint8Array(10) })).status).toBe(403);
    await asset.abortUpload(plan.uploadId);
  });

  it('abort leaves nothing: no blob, no uncommitted block', async () => {
    const file = source(2 * MiB, 2);
    const asset = await resolver.resolveAsset(uri('up/dropped.bin'));
    const plan = await asset.createUpload({ size: file.byteLength, partSize: MiB, ttlSeconds: 300 });
    expect((await send(plan.parts[0]!, file)).status).toBe(201);
    expect((await asset.resumeUpload(plan.uploadId, { ttlSeconds: 60 })).uploadedParts).toHaveLength(1);
    await asset.abortUpload(plan.uploadId);
    expect(await env.azurite.getBlob(CONTAINER, 'up/dropped.bin', ACCOUNT)).toBeUndefined();
    expect(await env.azurite.listBlobs(CONTAINER, 'up/dropped', ACCOUNT)).toEqual([]);
    // Its blocks are gone: a resume finds none of them.
    expect((await asset.resumeUpload(plan.uploadId, { ttlSeconds: 60 })).uploadedParts).toEqual([]);
    await asset.abortUpload(plan.uploadId);
  });

  it('aborting an upload over an existing blob leaves that blob intact', async () => {
    await env.azurite.putBlob(CONTAINER, 'up/existing.txt', 'keep me', { account: ACCOUNT });
    const asset = await resolver.resolveAsset(uri('up/existing.txt'));
    const plan = await asset.createUpload({ size: 10, ttlSeconds: 300 });
    expect((await send(plan.parts[0]!, source(10, 3))).status).toBe(201);
    await asset.abortUpload(plan.uploadId);
    expect(Buffer.from((await env.azurite.getBlob(CONTAINER, 'up/existing.txt', ACCOUNT))!).toString()).toBe('keep me');
  });

  it('has no POST policy: a typed error says so', async () => {
    const asset = await resolver.resolveAsset(uri('up/form.bin'));
    const error = await failure(asset.presignPost({ ttlSeconds: 60, maxBytes: 10 }));
    expect(error.code).toBe('UNSUPPORTED_URI');
    expect(error.message).toContain('no form-upload (POST policy) equivalent');
  });

  it('read-only integrations refuse uploads', async () => {
    const asset = await resolver.resolveAsset(uri('ro/x.bin'));
    expect(await codeOf(asset.createUpload({ size: 10, ttlSeconds: 60 }))).toBe('READ_ONLY');
    expect(await codeOf(asset.presignPost({ ttlSeconds: 60, maxBytes: 10 }))).toBe('READ_ONLY');
  });
});
