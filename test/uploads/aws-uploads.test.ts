import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAssetResolver, type AssetLinkEvent, type AssetResolver } from '../../src/index.js';
import { startAwsFakes, type AwsFakes } from '../../src/testing/aws/index.js';
import { codeOf, failure } from '../helpers/failure.js';

/**
 * S3 browser uploads, proved the way a browser would use them: plain `fetch` against the presigned
 * part URLs and POST forms, served by the strict fake S3 (SigV4 checked, session policy enforced,
 * multipart rules and POST policy conditions as S3 applies them).
 */

const ACCOUNT = '222222222222';
const ROLE_ARN = `arn:aws:iam::${ACCOUNT}:role/uploader`;
const EXTERNAL_ID = 'ext-uploads-0123456789abcdef';
const MiB = 1024 * 1024;

let clock = Date.now();
let fakes: AwsFakes;
let resolver: AssetResolver;
const events: AssetLinkEvent[] = [];

/** Deterministic bytes, cheap to make and to compare. */
function source(size: number, seed: number): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(size);
  for (let i = 0; i < size; i++) out[i] = (i * 31 + seed + (i >>> 13)) & 0xff;
  return out;
}

async function sendPart(part: { url: string; method: string; headers: Record<string, string>; start: number; end: number }, file: Uint8Array<ArrayBuffer>): Promise<Response> {
  return fetch(part.url, { method: part.method, headers: part.headers, body: file.subarray(part.start, part.end) });
}

beforeAll(async () => {
  fakes = await startAwsFakes({
    now: () => clock,
    roles: [{ roleArn: ROLE_ARN, externalId: EXTERNAL_ID, maxSessionDurationSeconds: 43_200 }],
    buckets: [{ name: 'media-in', ownerAccountId: ACCOUNT }],
  });
  const auth = { kind: 'assume-role' as const, roleArn: ROLE_ARN, externalId: EXTERNAL_ID };
  resolver = createAssetResolver({
    now: () => clock,
    requestTimeoutMs: 20_000,
    onEvent: (e) => events.push(e),
    platform: { aws: fakes.platform },
    integrations: [
      { id: 'rw', provider: 'aws', mode: 'read-write', scope: { bucket: 'media-in', prefix: 'uploads', accountId: ACCOUNT }, auth },
      { id: 'ro', provider: 'aws', scope: { bucket: 'media-in', prefix: 'published' }, auth },
    ],
  });
});
afterAll(async () => {
  await resolver?.close();
  await fakes?.close();
});

describe('S3 multipart uploads from a browser', () => {
  it('uploads 48 MiB in 5 MiB parts with plain fetch, resumes after a dropped part, completes to the same bytes', async () => {
    const file = source(48 * MiB, 7);
    const asset = await resolver.resolveAsset('s3://media-in/uploads/video.mp4');
    const plan = await asset.createUpload({ size: file.byteLength, partSize: 5 * MiB, contentType: 'video/mp4', ttlSeconds: 900 });
    expect(plan.parts).toHaveLength(10);
    expect(plan.parts[0]).toMatchObject({ partNumber: 1, method: 'PUT', start: 0, end: 5 * MiB });
    expect(plan.parts[9]).toMatchObject({ partNumber: 10, start: 45 * MiB, end: 48 * MiB });
    expect(plan.expiresAt.getTime()).toBe(Math.floor(clock / 1000) * 1000 + 900_000);

    // The browser sends every part but the 4th (its tab was closed, say).
    const etags: Array<{ partNumber: number; etag: string }> = [];
    for (const part of plan.parts) {
      if (part.partNumber === 4) continue;
      const response = await sendPart(part, file);
      expect(response.status).toBe(200);
      etags.push({ partNumber: part.partNumber, etag: response.headers.get('etag')! });
    }
    // Completing now fails and names the missing part; nothing is assembled.
    const early = await failure(asset.completeUpload(plan.uploadId, etags));
    expect(early.code).toBe('INVALID_ARGUMENT');
    expect(early.message).toContain('part 4 of 10');
    expect(await fakes.s3.getObject('media-in', 'uploads/video.mp4')).toBeUndefined();

    // Resume: fresh URLs for exactly the missing part, the others reported with their ETags.
    const resumed = await asset.resumeUpload(plan.uploadId, { ttlSeconds: 600 });
    expect(resumed.parts.map((p) => p.partNumber)).toEqual([4]);
    expect(resumed.uploadedParts.map((p) => p.partNumber)).toEqual([1, 2, 3, 5, 6, 7, 8, 9, 10]);
    const fourth = await sendPart(resumed.parts[0]!, file);
    expect(fourth.status).toBe(200);
    etags.push({ partNumber: 4, etag: fourth.headers.get('etag')! });

    await asset.completeUpload(plan.uploadId, etags);
    const stored = await asset.bytes();
    expect(stored.byteLength).toBe(file.byteLength);
    expect(Buffer.compare(Buffer.from(stored), Buffer.from(file))).toBe(0);
    expect((await asset.head()).contentType).toBe('video/mp4');
    expect(fakes.s3.listMultipartUploads('media-in')).toEqual([]);
    expect(events.map((e) => e.type)).toEqual(expect.arrayContaining(['upload.created', 'upload.resumed', 'upload.completed']));
    const created = events.find((e) => e.type === 'upload.created')!;
    expect(created).toMatchObject({ integrationId: 'rw', uri: 's3://media-in/uploads/video.mp4', bytes: 48 * MiB, parts: 10 });
    expect(JSON.stringify(events)).not.toContain('X-Amz-Signature');
    expect(JSON.stringify(events)).not.toContain(plan.uploadId);
  }, 180_000); // 48 MiB through SigV4 checks on a shared 2-core machine

  it('completes without ETags (a page that cannot read the ETag header), taking them from ListParts', async () => {
    const file = source(6 * MiB, 3);
    const asset = await resolver.resolveAsset('s3://media-in/uploads/no-etags.bin');
    const plan = await asset.createUpload({ size: file.byteLength, partSize: 5 * MiB, ttlSeconds: 300 });
    for (const part of plan.parts) expect((await sendPart(part, file)).status).toBe(200);
    await asset.completeUpload(plan.uploadId, []);
    expect(Buffer.compare(Buffer.from(await asset.bytes()), Buffer.from(file))).toBe(0);
  });

  it('refuses an ETag that is not the part S3 holds', async () => {
    const file = source(6 * MiB, 4);
    const asset = await resolver.resolveAsset('s3://media-in/uploads/replaced.bin');
    const plan = await asset.createUpload({ size: file.byteLength, partSize: 5 * MiB, ttlSeconds: 300 });
    for (const part of plan.parts) await sendPart(part, file);
    expect(await codeOf(asset.completeUpload(plan.uploadId, [{ partNumber: 1, etag: '"0123456789abcdef0123456789abcdef"' }]))).toBe('INVALID_ARGUMENT');
    await asset.abortUpload(plan.uploadId);
  });

  it('abort leaves nothing: no object and no incomplete upload', async () => {
    const file = source(11 * MiB, 9);
    const asset = await resolver.resolveAsset('s3://media-in/uploads/aborted.bin');
    const plan = await asset.createUpload({ size: file.byteLength, partSize: 5 * MiB, ttlSeconds: 300 });
    await sendPart(plan.parts[0]!, file);
    await sendPart(plan.parts[2]!, file);
    expect(fakes.s3.listMultipartUploads('media-in').map((u) => u.key)).toContain('uploads/aborted.bin');
    await asset.abortUpload(plan.uploadId);
    expect(fakes.s3.listMultipartUploads('media-in')).toEqual([]);
    expect(await fakes.s3.getObject('media-in', 'uploads/aborted.bin')).toBeUndefined();
    // The part URLs are dead too, and a second abort is a no-op.
    expect((await sendPart(plan.parts[1]!, file)).status).toBe(404);
    await asset.abortUpload(plan.uploadId);
    expect(events.some((e) => e.type === 'upload.aborted' && e.uri === 's3://media-in/uploads/aborted.bin')).toBe(true);
  });

  it('part URLs sign only their own part of their own upload: another key or part number is refused', async () => {
    const asset = await resolver.resolveAsset('s3://media-in/uploads/tamper.bin');
    const plan = await asset.createUpload({ size: 6 * MiB, partSize: 5 * MiB, ttlSeconds: 300 });
    const url = new URL(plan.parts[0]!.url);
    const otherPart = url.href.replace('partNumber=1', 'partNumber=2');
    expect((await fetch(otherPart, { method: 'PUT', body: new Uint8Array(10) })).status).toBe(403);
    const otherKey = url.href.replace('tamper.bin', 'other.bin');
    expect((await fetch(otherKey, { method: 'PUT', body: new Uint8Array(10) })).status).toBe(403);
    await asset.abortUpload(plan.uploadId);
  });

  it('picks part sizes automatically up to 5 TiB / 10,000 parts', async () => {
    const asset = await resolver.resolveAsset('s3://media-in/uploads/huge.bin');
    const size = 5 * 1024 * 1024 * MiB;
    const plan = await asset.createUpload({ size, ttlSeconds: 60 });
    expect(plan.parts.length).toBeLessThanOrEqual(10_000);
    const partSize = plan.parts[0]!.end;
    expect(partSize).toBeGreaterThanOrEqual(5 * MiB);
    expect(plan.parts.at(-1)!.end).toBe(size);
    for (let i = 1; i < plan.parts.length; i++) expect(plan.parts[i]!.start).toBe(plan.parts[i - 1]!.end);
    await asset.abortUpload(plan.uploadId);
    const small = await resolver.resolveAsset('s3://media-in/uploads/small.bin');
    const smallPlan = await small.createUpload({ size: 20 * MiB, ttlSeconds: 60 });
    expect(smallPlan.parts.map((p) => p.end - p.start)).toEqual([8 * MiB, 8 * MiB, 4 * MiB]);
    await small.abortUpload(smallPlan.uploadId);
    expect(await codeOf(small.createUpload({ size: size + 1, ttlSeconds: 60 }))).toBe('INVALID_ARGUMENT');
    expect(await codeOf(small.createUpload({ size: 100 * MiB, partSize: 1 * MiB, ttlSeconds: 60 }))).toBe('INVALID_ARGUMENT');
    expect(await codeOf(small.createUpload({ size: 0, ttlSeconds: 60 }))).toBe('INVALID_ARGUMENT');
    expect(await codeOf(small.createUpload({ size: MiB, ttlSeconds: 8 * 24 * 3600 }))).toBe('INVALID_TTL');
  });

  it('binds the upload id to its asset: a forged id for another key is refused before any request', async () => {
    const asset = await resolver.resolveAsset('s3://media-in/uploads/mine.bin');
    const plan = await asset.createUpload({ size: 6 * MiB, partSize: 5 * MiB, ttlSeconds: 300 });
    const other = await resolver.resolveAsset('s3://media-in/uploads/theirs.bin');
    const before = fakes.s3.requests.length;
    expect(await codeOf(other.abortUpload(plan.uploadId))).toBe('INVALID_ARGUMENT');
    expect(await codeOf(other.completeUpload(plan.uploadId, []))).toBe('INVALID_ARGUMENT');
    // Re-encoding the id with the other key still fails: S3 binds the provider upload id to its key.
    const payload = JSON.parse(Buffer.from(plan.uploadId.slice(5), 'base64url').toString('utf8')) as Record<string, unknown>;
    const forged = `alu1.${Buffer.from(JSON.stringify({ ...payload, k: 'uploads/theirs.bin' })).toString('base64url')}`;
    expect(fakes.s3.requests.length).toBe(before);
    expect(await codeOf(other.completeUpload(forged, []))).not.toBe('NO_ERROR');
    expect(await codeOf(asset.abortUpload('alu1.bm90LWpzb24'))).toBe('INVALID_ARGUMENT');
    expect(await codeOf(asset.abortUpload('upload-123'))).toBe('INVALID_ARGUMENT');
    await asset.abortUpload(plan.uploadId);
    expect(fakes.s3.listMultipartUploads('media-in').filter((u) => u.key === 'uploads/mine.bin')).toEqual([]);
  });

  it('read-only integrations refuse uploads and POST policies before any request', async () => {
    const asset = await resolver.resolveAsset('s3://media-in/published/a.bin');
    const before = fakes.s3.requests.length;
    expect(await codeOf(asset.createUpload({ size: 10, ttlSeconds: 60 }))).toBe('READ_ONLY');
    expect(await codeOf(asset.presignPost({ ttlSeconds: 60, maxBytes: 10 }))).toBe('READ_ONLY');
    expect(await codeOf(asset.completeUpload('alu1.x', []))).toBe('READ_ONLY');
    expect(await codeOf(asset.abortUpload('alu1.x'))).toBe('READ_ONLY');
    expect(fakes.s3.requests.length).toBe(before);
    expect(events.filter((e) => e.type === 'write.refused' && e.integrationId === 'ro').length).toBeGreaterThanOrEqual(4);
  });

  it('stops at an aborted signal with ABORTED', async () => {
    const asset = await resolver.resolveAsset('s3://media-in/uploads/signal.bin');
    const controller = new AbortController();
    controller.abort();
    expect(await codeOf(asset.createUpload({ size: 10, ttlSeconds: 60, signal: controller.signal }))).toBe('ABORTED');
    expect(await codeOf(asset.presignPost({ ttlSeconds: 60, maxBytes: 10, signal: controller.signal }))).toBe('ABORTED');
    expect(fakes.s3.listMultipartUploads('media-in').filter((u) => u.key === 'uploads/signal.bin')).toEqual([]);
    // complete and abort too: an aborted signal stops them before any request, the upload is untouched.
    const plan = await asset.createUpload({ size: 10, ttlSeconds: 60 });
    await sendPart(plan.parts[0]!, source(10, 1));
    const before = fakes.s3.requests.length;
    expect(await codeOf(asset.completeUpload(plan.uploadId, [], { signal: controller.signal }))).toBe('ABORTED');
    expect(await codeOf(asset.abortUpload(plan.uploadId, { signal: controller.signal }))).toBe('ABORTED');
    expect(await codeOf(asset.resumeUpload(plan.uploadId, { ttlSeconds: 60, signal: controller.signal }))).toBe('ABORTED');
    expect(fakes.s3.requests.length).toBe(before);
    expect(fakes.s3.listMultipartUploads('media-in').filter((u) => u.key === 'uploads/signal.bin')).toHaveLength(1);
    await asset.completeUpload(plan.uploadId, []);
    expect(Buffer.from(await asset.bytes())).toEqual(Buffer.from(source(10, 1)));
  });

  it('errors about upload ids never quote the id, and neither events nor errors carry a signature or session token', async () => {
    const asset = await resolver.resolveAsset('s3://media-in/uploads/quiet.bin');
    const plan = await asset.createUpload({ size: 10, ttlSeconds: 60 });
    const other = await resolver.resolveAsset('s3://media-in/uploads/loud.bin');
    const error = await failure(other.completeUpload(plan.uploadId, []));
    expect(JSON.stringify(error)).not.toContain(plan.uploadId.slice(5, 40));
    expect(error.message).not.toContain(plan.uploadId);
    const token = new URL(plan.parts[0]!.url).searchParams.get('X-Amz-Security-Token')!;
    expect(token.length).toBeGreaterThan(10);
    expect(JSON.stringify(events)).not.toContain(token);
    await asset.abortUpload(plan.uploadId);
  });
});

/** A browser form: every field of the policy, then the file as the last field. */
function form(post: { fields: Record<string, string> }, file: Uint8Array<ArrayBuffer>, extra: Record<string, string> = {}): FormData {
  const body = new FormData();
  for (const [name, value] of Object.entries({ ...post.fields, ...extra })) body.append(name, value);
  body.append('file', new Blob([file]), 'upload.bin');
  return body;
}

describe('S3 POST policies', () => {
  it('a form upload within maxBytes lands at the fixed key; one byte more is refused by S3', async () => {
    const asset = await resolver.resolveAsset('s3://media-in/uploads/form.bin');
    const post = await asset.presignPost({ ttlSeconds: 300, maxBytes: 1000, contentType: 'application/octet-stream' });
    expect(post.fields).toMatchObject({ key: 'uploads/form.bin', 'X-Amz-Algorithm': 'AWS4-HMAC-SHA256', 'Content-Type': 'application/octet-stream' });
    expect(post.fields['X-Amz-Security-Token']).toBeTruthy();
    const policy = JSON.parse(Buffer.from(post.fields.Policy!, 'base64').toString('utf8')) as { conditions: unknown[] };
    expect(policy.conditions).toContainEqual(['content-length-range', 0, 1000]);

    const tooBig = await fetch(post.url, { method: 'POST', body: form(post, source(1001, 1)) });
    expect(tooBig.status).toBe(400);
    expect(await tooBig.text()).toContain('EntityTooLarge');
    expect(await fakes.s3.getObject('media-in', 'uploads/form.bin')).toBeUndefined();

    const ok = await fetch(post.url, { method: 'POST', body: form(post, source(1000, 1)) });
    expect(ok.status).toBe(204);
    expect(Buffer.compare(Buffer.from(await asset.bytes()), Buffer.from(source(1000, 1)))).toBe(0);
    expect(events.some((e) => e.type === 'post.issued' && e.uri === 's3://media-in/uploads/form.bin' && e.bytes === 1000)).toBe(true);
  });

  it('the key, content type and extra fields are fixed by the policy', async () => {
    const asset = await resolver.resolveAsset('s3://media-in/uploads/fixed.bin');
    const post = await asset.presignPost({ ttlSeconds: 300, maxBytes: 100, contentType: 'image/png' });
    const changes: Array<Record<string, string>> = [{ key: 'uploads/elsewhere.bin' }, { 'Content-Type': 'text/html' }, { acl: 'public-read' }];
    for (const change of changes) {
      const response = await fetch(post.url, { method: 'POST', body: form(post, source(10, 2), change) });
      expect(response.status).toBe(403);
    }
    expect(await fakes.s3.getObject('media-in', 'uploads/elsewhere.bin')).toBeUndefined();
    expect(await fakes.s3.getObject('media-in', 'uploads/fixed.bin')).toBeUndefined();
  });

  it('expires with its TTL (fake clock)', async () => {
    const asset = await resolver.resolveAsset('s3://media-in/uploads/late.bin');
    const post = await asset.presignPost({ ttlSeconds: 60, maxBytes: 100 });
    expect(post.expiresAt.getTime()).toBe(Math.floor(clock / 1000) * 1000 + 60_000);
    clock += 61_000;
    try {
      expect((await fetch(post.url, { method: 'POST', body: form(post, source(10, 2)) })).status).toBe(403);
    } finally {
      clock -= 61_000;
    }
    expect(await codeOf(asset.presignPost({ ttlSeconds: 60, maxBytes: 6 * 1024 * MiB }))).toBe('INVALID_ARGUMENT');
    expect(await codeOf(asset.presignPost({ ttlSeconds: 60, maxBytes: -1 }))).toBe('INVALID_ARGUMENT');
  });
});
