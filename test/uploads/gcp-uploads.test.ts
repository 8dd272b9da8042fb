import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAssetResolver, type AssetLinkEvent, type AssetResolver } from '../../src/index.js';
import { startFakeGcp, type FakeGcp } from '../../src/testing/gcp/index.js';
import { codeOf, failure } from '../helpers/failure.js';

/**
 * Cloud Storage browser uploads with plain `fetch`, as a browser sends them: resumable chunks to
 * the session URI (no credential), 308 Resume Incomplete with Range, resume from what GCS
 * persisted; and V4 POST policies verified by the fake (signature, conditions, size range).
 */

const PLATFORM = 'assetlink-platform@platform-project.iam.gserviceaccount.com';
const WRITER = 'uploader@customer-project.iam.gserviceaccount.com';
const READER = 'reader@customer-project.iam.gserviceaccount.com';
const BUCKET = 'customer-uploads';
const KiB = 1024;
const MiB = 1024 * KiB;

let clock = Date.now();
let fake: FakeGcp;
let resolver: AssetResolver;
const events: AssetLinkEvent[] = [];

function source(size: number, seed: number): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(size);
  for (let i = 0; i < size; i++) out[i] = (i * 17 + seed + (i >>> 11)) & 0xff;
  return out;
}
const send = (part: { url: string; method: string; headers: Record<string, string>; start: number; end: number }, file: Uint8Array<ArrayBuffer>): Promise<Response> =>
  fetch(part.url, { method: part.method, headers: part.headers, body: file.subarray(part.start, part.end) });

beforeAll(async () => {
  fake = await startFakeGcp({ now: () => clock });
  fake.directory.registerToken('platform-token', { principal: PLATFORM });
  fake.directory.addServiceAccount(WRITER);
  fake.directory.addServiceAccount(READER);
  fake.directory.grantTokenCreator(PLATFORM, WRITER);
  fake.directory.grantTokenCreator(PLATFORM, READER);
  fake.gcs.createBucket(BUCKET, { iam: { [WRITER]: 'roles/storage.objectUser', [READER]: 'roles/storage.objectViewer' } });
  resolver = createAssetResolver({
    now: () => clock,
    requestTimeoutMs: 20_000,
    onEvent: (e) => events.push(e),
    platform: { gcp: { authClient: { getAccessToken: async () => ({ token: 'platform-token' }) }, ...fake.endpoints, maxRetries: 0 } },
    integrations: [
      { id: 'gcs-rw', provider: 'gcp', mode: 'read-write', scope: { bucket: BUCKET, prefix: 'incoming' }, auth: { kind: 'impersonation', serviceAccount: WRITER } },
      { id: 'gcs-ro', provider: 'gcp', scope: { bucket: BUCKET, prefix: 'published' }, auth: { kind: 'impersonation', serviceAccount: READER } },
    ],
  });
});
afterAll(async () => {
  await resolver?.close();
  await fake?.close();
});

describe('GCS resumable uploads from a browser', () => {
  it('sends chunks in order, resumes from what GCS persisted after a dropped chunk, and the last chunk creates the object', async () => {
    const file = source(3 * MiB + 1000, 5);
    const asset = await resolver.resolveAsset('gs://customer-uploads/incoming/scan.ply');
    const plan = await asset.createUpload({ size: file.byteLength, partSize: MiB, contentType: 'application/x-ply', ttlSeconds: 3600, origin: 'https://app.example.com' });
    expect(plan.parts.map((p) => [p.start, p.end])).toEqual([[0, MiB], [MiB, 2 * MiB], [2 * MiB, 3 * MiB], [3 * MiB, 3 * MiB + 1000]]);
    expect(plan.parts[1]!.headers).toEqual({ 'Content-Range': `bytes ${MiB}-${2 * MiB - 1}/${file.byteLength}` });
    expect(plan.parts.every((p) => !p.url.includes('token') && p.url === plan.parts[0]!.url)).toBe(true);
    // A session URI lives a week whatever was asked: expiresAt tells that truth.
    expect(plan.expiresAt.getTime()).toBe(clock + 7 * 24 * 3600 * 1000);

    // A browser sends its Origin; the session answers CORS for the origin it was started with only.
    const part1 = plan.parts[0]!;
    const first = await fetch(part1.url, { method: 'PUT', headers: { ...part1.headers, origin: 'https://app.example.com' }, body: file.subarray(part1.start, part1.end) });
    expect(first.status).toBe(308);
    expect(first.headers.get('range')).toBe(`bytes=0-${MiB - 1}`);
    expect(first.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
    const part2 = plan.parts[1]!;
    const second = await fetch(part2.url, { method: 'PUT', headers: { ...part2.headers, origin: 'https://evil.example' }, body: file.subarray(part2.start, part2.end) });
    expect(second.status).toBe(308);
    expect(second.headers.get('access-control-allow-origin')).toBeNull();
    // Chunk 3 is dropped; chunk 4 then leaves a gap and is refused.
    expect((await send(plan.parts[3]!, file)).status).toBe(400);
    // Half of chunk 3 arrived (a connection cut mid-chunk): GCS keeps whole 256 KiB units of it.
    const cut = await fetch(plan.parts[2]!.url, { method: 'PUT', headers: { 'Content-Range': `bytes ${2 * MiB}-${2 * MiB + 512 * KiB - 1}/*` }, body: file.subarray(2 * MiB, 2 * MiB + 512 * KiB) });
    expect(cut.status).toBe(308);
    await expect(asset.completeUpload(plan.uploadId, [])).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });

    const resumed = await asset.resumeUpload(plan.uploadId, { ttlSeconds: 600 });
    expect(resumed.uploadedParts.map((p) => p.partNumber)).toEqual([1, 2]);
    expect(resumed.parts.map((p) => [p.partNumber, p.start, p.end])).toEqual([[3, 2 * MiB + 512 * KiB, 3 * MiB], [4, 3 * MiB, 3 * MiB + 1000]]);
    expect((await send(resumed.parts[0]!, file)).status).toBe(308);
    const last = await send(resumed.parts[1]!, file);
    expect(last.status).toBe(200);

    await asset.completeUpload(plan.uploadId, []);
    const stored = await asset.bytes();
    expect(Buffer.compare(Buffer.from(stored), Buffer.from(file))).toBe(0);
    expect((await asset.head()).contentType).toBe('application/x-ply');
    expect(fake.gcs.listOpenUploads(BUCKET)).toEqual([]);
    expect(events.filter((e) => e.type.startsWith('upload.')).map((e) => e.type)).toEqual(['upload.created', 'upload.resumed', 'upload.completed']);
  });

  it('refuses chunks that are not multiples of 256 KiB (except the last) and plans that are not either', async () => {
    const asset = await resolver.resolveAsset('gs://customer-uploads/incoming/odd.bin');
    expect(await codeOf(asset.createUpload({ size: MiB, partSize: 300 * KiB, ttlSeconds: 60 }))).toBe('INVALID_ARGUMENT');
    const plan = await asset.createUpload({ size: MiB, partSize: 512 * KiB, ttlSeconds: 60 });
    const odd = await fetch(plan.parts[0]!.url, { method: 'PUT', headers: { 'Content-Range': `bytes 0-99999/${MiB}` }, body: new Uint8Array(100_000) });
    expect(odd.status).toBe(400);
    // The size announced at the start binds: a chunk claiming another total is refused.
    const other = await fetch(plan.parts[0]!.url, { method: 'PUT', headers: { 'Content-Range': 'bytes 0-9/10' }, body: new Uint8Array(10) });
    expect(other.status).toBe(400);
    await asset.abortUpload(plan.uploadId);
  });

  it('abort cancels the session: nothing left, the session URI is dead', async () => {
    const file = source(MiB, 2);
    const asset = await resolver.resolveAsset('gs://customer-uploads/incoming/cancelled.bin');
    const plan = await asset.createUpload({ size: file.byteLength, partSize: 256 * KiB, ttlSeconds: 60 });
    expect((await send(plan.parts[0]!, file)).status).toBe(308);
    expect(fake.gcs.listOpenUploads(BUCKET).map((u) => u.name)).toContain('incoming/cancelled.bin');
    await asset.abortUpload(plan.uploadId);
    expect(fake.gcs.listOpenUploads(BUCKET).filter((u) => u.name === 'incoming/cancelled.bin')).toEqual([]);
    expect(fake.gcs.getObject(BUCKET, 'incoming/cancelled.bin')).toBeUndefined();
    expect((await send(plan.parts[1]!, file)).status).toBe(404);
    await asset.abortUpload(plan.uploadId); // idempotent
    expect(await codeOf(asset.resumeUpload(plan.uploadId, { ttlSeconds: 60 }))).toBe('NOT_FOUND');
  });

  it('a forged upload id for another object is refused; the session URI is rebuilt from the asset, never taken from the id', async () => {
    const asset = await resolver.resolveAsset('gs://customer-uploads/incoming/a.bin');
    const plan = await asset.createUpload({ size: 10, ttlSeconds: 60 });
    const other = await resolver.resolveAsset('gs://customer-uploads/incoming/b.bin');
    expect(await codeOf(other.abortUpload(plan.uploadId))).toBe('INVALID_ARGUMENT');
    const payload = JSON.parse(Buffer.from(plan.uploadId.slice(5), 'base64url').toString('utf8')) as Record<string, unknown>;
    const forged = `alu1.${Buffer.from(JSON.stringify({ ...payload, k: 'incoming/b.bin' })).toString('base64url')}`;
    // The session was started for a.bin; completing "b.bin" with it cannot pass (it is not finished, and would name a.bin).
    expect(await codeOf(other.completeUpload(forged, []))).toBe('INVALID_ARGUMENT');
    await asset.abortUpload(plan.uploadId);
  });

  it('refuses origins that are not web origins and content types with line breaks, before any request', async () => {
    const asset = await resolver.resolveAsset('gs://customer-uploads/incoming/args.bin');
    const before = fake.gcs.requests.length;
    for (const origin of ['https://app.example.com/path', 'app.example.com', 'https://a.example\r\nx-evil: 1']) {
      expect(await codeOf(asset.createUpload({ size: 10, ttlSeconds: 60, origin }))).toBe('INVALID_ARGUMENT');
    }
    expect(await codeOf(asset.createUpload({ size: 10, ttlSeconds: 60, contentType: 'text/plain\r\nx-evil: 1' }))).toBe('INVALID_ARGUMENT');
    expect(fake.gcs.requests.length).toBe(before);
  });

  it('read-only integrations refuse uploads and POST policies', async () => {
    const asset = await resolver.resolveAsset('gs://customer-uploads/published/x.bin');
    const before = fake.gcs.requests.length;
    expect(await codeOf(asset.createUpload({ size: 10, ttlSeconds: 60 }))).toBe('READ_ONLY');
    expect(await codeOf(asset.presignPost({ ttlSeconds: 60, maxBytes: 10 }))).toBe('READ_ONLY');
    expect(fake.gcs.requests.length).toBe(before);
  });
});

function form(post: { fields: Record<string, string> }, file: Uint8Array<ArrayBuffer>, extra: Record<string, string> = {}): FormData {
  const body = new FormData();
  for (const [name, value] of Object.entries({ ...post.fields, ...extra })) body.append(name, value);
  body.append('file', new Blob([file]), 'upload.bin');
  return body;
}

describe('GCS V4 POST policies', () => {
  it('uploads within maxBytes, refuses one byte more, fixes key and content type', async () => {
    const asset = await resolver.resolveAsset('gs://customer-uploads/incoming/form.json');
    const post = await asset.presignPost({ ttlSeconds: 300, maxBytes: 2000, contentType: 'application/json' });
    expect(post.url).toBe(`${fake.gcs.url}/${BUCKET}/`);
    expect(post.fields).toMatchObject({ key: 'incoming/form.json', 'x-goog-algorithm': 'GOOG4-RSA-SHA256', 'Content-Type': 'application/json' });
    expect(post.fields['x-goog-credential']).toMatch(new RegExp(`^${WRITER}/\\d{8}/auto/storage/goog4_request$`));

    const tooBig = await fetch(post.url, { method: 'POST', body: form(post, source(2001, 1)) });
    expect(tooBig.status).toBe(400);
    expect(await tooBig.text()).toContain('EntityTooLarge');
    const changes: Array<Record<string, string>> = [{ key: 'incoming/other.json' }, { 'Content-Type': 'text/html' }, { acl: 'public-read' }];
    for (const change of changes) expect((await fetch(post.url, { method: 'POST', body: form(post, source(10, 1), change) })).status).toBe(403);
    expect(fake.gcs.getObject(BUCKET, 'incoming/form.json')).toBeUndefined();
    expect(fake.gcs.getObject(BUCKET, 'incoming/other.json')).toBeUndefined();

    const ok = await fetch(post.url, { method: 'POST', body: form(post, source(2000, 1)) });
    expect(ok.status).toBe(204);
    expect(Buffer.compare(Buffer.from(await asset.bytes()), Buffer.from(source(2000, 1)))).toBe(0);
    expect(fake.gcs.getObject(BUCKET, 'incoming/form.json')!.contentType).toBe('application/json');
  });

  it('a tampered policy or an expired one is refused', async () => {
    const asset = await resolver.resolveAsset('gs://customer-uploads/incoming/late.bin');
    const post = await asset.presignPost({ ttlSeconds: 60, maxBytes: 100 });
    const widened = Buffer.from(Buffer.from(post.fields.policy!, 'base64').toString('utf8').replace('"content-length-range",0,100', '"content-length-range",0,100000')).toString('base64');
    expect((await fetch(post.url, { method: 'POST', body: form({ fields: { ...post.fields, policy: widened } }, source(1000, 3)) })).status).toBe(403);
    clock += 61_000;
    try {
      const late = await fetch(post.url, { method: 'POST', body: form(post, source(10, 3)) });
      expect(late.status).toBe(400);
      expect(await late.text()).toContain('expired');
    } finally {
      clock -= 61_000;
    }
    expect(fake.gcs.getObject(BUCKET, 'incoming/late.bin')).toBeUndefined();
  });
});

describe('failure', () => {
  it('names missing bytes when completing too early', async () => {
    const asset = await resolver.resolveAsset('gs://customer-uploads/incoming/early.bin');
    const plan = await asset.createUpload({ size: 10, ttlSeconds: 60 });
    const error = await failure(asset.completeUpload(plan.uploadId, []));
    expect(error.message).toContain('0 of 10 bytes');
    await asset.abortUpload(plan.uploadId);
  });
});
