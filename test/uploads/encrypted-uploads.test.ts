import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAssetResolver, type AssetResolver } from '../../src/index.js';
import { startAwsFakes, type AwsFakes } from '../../src/testing/aws/index.js';
import type { ResourcePolicyDocument } from '../../src/testing/aws/iam-policy.js';

/**
 * Browser uploads carry the integration's encryption (issue 16 × issue 17): S3 multipart uploads
 * start with the SSE-KMS key (parts inherit it), POST policies fix the SSE form fields. The bucket
 * denies anything else, and the fake checks the KMS permissions of the signing session.
 */

const ACCOUNT = '222222222222';
const ROLE_ARN = `arn:aws:iam::${ACCOUNT}:role/uploader`;
const EXTERNAL_ID = 'ext-0123456789abcdef0123';
const KEY_ARN = `arn:aws:kms:us-east-1:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
const MiB = 1024 * 1024;

const denyUnlessKey = (bucket: string): ResourcePolicyDocument => ({
  Version: '2012-10-17',
  Statement: [
    { Effect: 'Deny', Principal: '*', Action: 's3:PutObject', Resource: `arn:aws:s3:::${bucket}/*`, Condition: { StringNotEquals: { 's3:x-amz-server-side-encryption': 'aws:kms' } } },
    { Effect: 'Deny', Principal: '*', Action: 's3:PutObject', Resource: `arn:aws:s3:::${bucket}/*`, Condition: { Null: { 's3:x-amz-server-side-encryption-aws-kms-key-id': 'true' } } },
  ],
});

let fakes: AwsFakes;
let resolver: AssetResolver;

beforeAll(async () => {
  fakes = await startAwsFakes({
    roles: [{ roleArn: ROLE_ARN, externalId: EXTERNAL_ID, permissions: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['s3:*', 'kms:*'], Resource: '*' }] } }],
    buckets: [{ name: 'secure-up', ownerAccountId: ACCOUNT, policy: denyUnlessKey('secure-up') }],
  });
  const auth = { kind: 'assume-role' as const, roleArn: ROLE_ARN, externalId: EXTERNAL_ID };
  resolver = createAssetResolver({
    requestTimeoutMs: 20_000,
    platform: { aws: fakes.platform },
    integrations: [
      { id: 'enc', provider: 'aws', mode: 'read-write', scope: { bucket: 'secure-up', prefix: 'up' }, auth, encryption: { kind: 'aws:kms', keyId: KEY_ARN } },
      { id: 'plain', provider: 'aws', mode: 'read-write', scope: { bucket: 'secure-up', prefix: 'plain' }, auth },
    ],
  });
}, 60_000);
afterAll(async () => {
  await resolver?.close();
  await fakes?.close();
});

async function uploadAll(uri: string, source: Uint8Array): Promise<void> {
  const asset = await resolver.resolveAsset(uri);
  const plan = await asset.createUpload({ size: source.byteLength, partSize: 5 * MiB, ttlSeconds: 600 });
  for (const part of plan.parts) {
    const response = await fetch(part.url, { method: 'PUT', headers: part.headers, body: Buffer.from(source.buffer, source.byteOffset + part.start, part.end - part.start) as unknown as BodyInit });
    expect(response.status).toBe(200);
  }
  await asset.completeUpload(plan.uploadId, plan.parts.map((p) => ({ partNumber: p.partNumber })));
}

describe('browser uploads with the integration encryption', () => {
  it('a multipart upload through an SSE-KMS integration is stored under its key', async () => {
    const source = new Uint8Array(11 * MiB).map((_, i) => i % 251);
    await uploadAll('s3://secure-up/up/video.bin', source);
    const stored = (await fakes.s3.getObject('secure-up', 'up/video.bin'))!;
    expect(stored.sse).toEqual({ algorithm: 'aws:kms', kmsKeyId: KEY_ARN });
    expect(Buffer.from(await (await resolver.resolveAsset('s3://secure-up/up/video.bin')).bytes()).equals(Buffer.from(source))).toBe(true);
  }, 120_000);

  it('without encryption the same bucket refuses the upload (negative control)', async () => {
    const asset = await resolver.resolveAsset('s3://secure-up/plain/video.bin');
    await expect(asset.createUpload({ size: 6 * MiB, partSize: 5 * MiB, ttlSeconds: 600 })).rejects.toMatchObject({ code: 'ACCESS_DENIED' });
    expect(await fakes.s3.getObject('secure-up', 'plain/video.bin')).toBeUndefined();
  });

  it('a POST policy fixes the SSE-KMS fields: the form upload is stored under the key', async () => {
    const asset = await resolver.resolveAsset('s3://secure-up/up/form.txt');
    const post = await asset.presignPost({ ttlSeconds: 600, maxBytes: 1024 });
    expect(post.fields['x-amz-server-side-encryption']).toBe('aws:kms');
    expect(post.fields['x-amz-server-side-encryption-aws-kms-key-id']).toBe(KEY_ARN);
    const form = new FormData();
    for (const [k, v] of Object.entries(post.fields)) form.append(k, v);
    form.append('file', new Blob(['hello form']));
    const response = await fetch(post.url, { method: 'POST', body: form });
    expect(response.status).toBeLessThan(300);
    expect((await fakes.s3.getObject('secure-up', 'up/form.txt'))!.sse).toEqual({ algorithm: 'aws:kms', kmsKeyId: KEY_ARN });
  });

  it('a POST form that drops the SSE fields no longer matches its policy', async () => {
    const asset = await resolver.resolveAsset('s3://secure-up/up/form2.txt');
    const post = await asset.presignPost({ ttlSeconds: 600, maxBytes: 1024 });
    const form = new FormData();
    for (const [k, v] of Object.entries(post.fields)) if (!k.startsWith('x-amz-server-side-encryption')) form.append(k, v);
    form.append('file', new Blob(['hello form']));
    const response = await fetch(post.url, { method: 'POST', body: form });
    expect(response.status).toBe(403);
    expect(await fakes.s3.getObject('secure-up', 'up/form2.txt')).toBeUndefined();
  });
});
