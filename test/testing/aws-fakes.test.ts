import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, HeadBucketCommand, S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { Upload } from '@aws-sdk/lib-storage';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { evaluatePolicy, parsePolicyDocument, PolicyParseError, startAwsFakes, validateResourcePolicyDocument, wildcardMatch, type AwsFakes, type PolicyDocument } from '../../src/testing/aws/index.js';

const ROLE = 'arn:aws:iam::222222222222:role/customer-reader';
const EXTERNAL_ID = 'ext-0123456789abcdef0123456789abcdef';
let clock = Date.now();
let fakes: AwsFakes;

const readOnlyPolicy: PolicyDocument = {
  Version: '2012-10-17',
  Statement: [
    { Effect: 'Allow', Action: ['s3:GetObject'], Resource: 'arn:aws:s3:::media/images/*' },
    { Effect: 'Allow', Action: 's3:ListBucket', Resource: 'arn:aws:s3:::media', Condition: { StringLike: { 's3:prefix': ['images/*'] } } },
  ],
};

function s3(credentials: S3ClientConfig['credentials'], region = 'us-east-1'): S3Client {
  return new S3Client({ region, endpoint: fakes.s3.endpoint, forcePathStyle: true, credentials, maxAttempts: 1 });
}
function sts(credentials = fakes.platform.credentials): STSClient {
  return new STSClient({ region: 'us-east-1', endpoint: fakes.sts.endpoint, credentials, maxAttempts: 1 });
}
async function assume(policy?: PolicyDocument, externalId = EXTERNAL_ID) {
  const out = await sts().send(new AssumeRoleCommand({
    RoleArn: ROLE, RoleSessionName: 'fake-test', ExternalId: externalId, ...(policy ? { Policy: JSON.stringify(policy) } : {}),
  }));
  const c = out.Credentials!;
  return { accessKeyId: c.AccessKeyId!, secretAccessKey: c.SecretAccessKey!, sessionToken: c.SessionToken! };
}

beforeAll(async () => {
  fakes = await startAwsFakes({
    now: () => clock,
    roles: [{ roleArn: ROLE, externalId: EXTERNAL_ID, maxSessionDurationSeconds: 7200 }],
    buckets: [
      { name: 'media', ownerAccountId: '222222222222' },
      { name: 'eu-bucket', region: 'eu-west-1', ownerAccountId: '111111111111' },
      { name: 'shared', ownerAccountId: '333333333333', policy: { Statement: [{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::111111111111:root' }, Action: 's3:GetObject', Resource: 'arn:aws:s3:::shared/*' }] } },
      { name: 'private', ownerAccountId: '333333333333' },
    ],
  });
  await fakes.s3.putObject('media', 'images/cat.jpg', 'meow', { contentType: 'image/jpeg' });
  await fakes.s3.putObject('shared', 'doc.txt', 'shared doc');
  await fakes.s3.putObject('private', 'doc.txt', 'private doc');
});
afterAll(async () => { await fakes?.close(); });

describe('IAM evaluator', () => {
  it('treats ${*} and ${?} as literals and * / ? as wildcards', () => {
    expect(wildcardMatch('arn:aws:s3:::b/a${*}b/*', 'arn:aws:s3:::b/a*b/x', false)).toBe(true);
    expect(wildcardMatch('arn:aws:s3:::b/a${*}b/*', 'arn:aws:s3:::b/aXb/x', false)).toBe(false);
    expect(wildcardMatch('arn:aws:s3:::b/a${?}/*', 'arn:aws:s3:::b/a?/x', false)).toBe(true);
    expect(wildcardMatch('arn:aws:s3:::b/a${?}/*', 'arn:aws:s3:::b/aZ/x', false)).toBe(false);
    expect(wildcardMatch('s3:Get*', 's3:getobject', true)).toBe(true);
    expect(wildcardMatch('arn:aws:s3:::b/${aws:username}/*', 'arn:aws:s3:::b/x/y', false)).toBe(false);
  });
  it('denies by default and lets explicit Deny win', () => {
    const doc: PolicyDocument = { Statement: [
      { Effect: 'Allow', Action: 's3:*', Resource: '*' },
      { Effect: 'Deny', Action: 's3:PutObject', Resource: '*' },
    ] };
    expect(evaluatePolicy(doc, { action: 's3:GetObject', resource: 'arn:aws:s3:::b/k' })).toBe('allow');
    expect(evaluatePolicy(doc, { action: 's3:PutObject', resource: 'arn:aws:s3:::b/k' })).toBe('explicit-deny');
    expect(evaluatePolicy(readOnlyPolicy, { action: 's3:ListBucket', resource: 'arn:aws:s3:::media' })).toBe('implicit-deny');
  });

  it('evaluates Null, …IfExists, Numeric, Bool and IgnoreCase conditions, with case-insensitive keys', () => {
    const put = (context: Record<string, string | undefined>) => ({ action: 's3:PutObject', resource: 'arn:aws:s3:::b/k', context });
    const deny = (Condition: Record<string, Record<string, string | number | boolean>>): PolicyDocument =>
      ({ Statement: [{ Effect: 'Allow', Action: 's3:*', Resource: '*' }, { Effect: 'Deny', Action: 's3:PutObject', Resource: '*', Condition }] });
    const unencrypted = deny({ Null: { 's3:x-amz-server-side-encryption': 'true' } });
    expect(evaluatePolicy(unencrypted, put({}))).toBe('explicit-deny');
    expect(evaluatePolicy(unencrypted, put({ 's3:x-amz-server-side-encryption': 'aws:kms' }))).toBe('allow');
    const wrongKey = deny({ StringNotEqualsIfExists: { 's3:X-Amz-Server-Side-Encryption-Aws-Kms-Key-Id': 'arn:k1' } });
    // …IfExists holds when the key is absent: this Deny also catches writes that name no key.
    expect(evaluatePolicy(wrongKey, put({}))).toBe('explicit-deny');
    expect(evaluatePolicy(wrongKey, put({ 's3:x-amz-server-side-encryption-aws-kms-key-id': 'arn:k1' }))).toBe('allow');
    expect(evaluatePolicy(wrongKey, put({ 's3:x-amz-server-side-encryption-aws-kms-key-id': 'arn:k2' }))).toBe('explicit-deny');
    const plainHttp = deny({ Bool: { 'aws:SecureTransport': false } });
    expect(evaluatePolicy(plainHttp, put({ 'aws:SecureTransport': 'false' }))).toBe('explicit-deny');
    expect(evaluatePolicy(plainHttp, put({ 'aws:SecureTransport': 'true' }))).toBe('allow');
    const bigPage = deny({ NumericGreaterThan: { 's3:max-keys': 100 } });
    expect(evaluatePolicy(bigPage, put({ 's3:max-keys': '1000' }))).toBe('explicit-deny');
    expect(evaluatePolicy(bigPage, put({ 's3:max-keys': '10' }))).toBe('allow');
    expect(evaluatePolicy(deny({ StringEqualsIgnoreCase: { 's3:x-amz-acl': 'PUBLIC-READ' } }), put({ 's3:x-amz-acl': 'public-read' }))).toBe('explicit-deny');
  });

  it('refuses policy grammar it does not model, rather than ignoring it', () => {
    const doc = (Condition: unknown) => JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:*', Resource: '*', Condition }] });
    expect(() => parsePolicyDocument(doc({ 'ForAnyValue:StringEquals': { 'aws:TagKeys': 'x' } }))).toThrow(PolicyParseError);
    expect(() => parsePolicyDocument(doc({ DateLessThan: { 'aws:CurrentTime': '2030-01-01' } }))).toThrow(PolicyParseError);
    expect(() => parsePolicyDocument(JSON.stringify({ Statement: [{ Effect: 'Allow', NotAction: 's3:*', Resource: '*' }] }))).toThrow(PolicyParseError);
    expect(() => validateResourcePolicyDocument({ Statement: [{ Effect: 'Allow', Action: 's3:*', Resource: '*' }] })).toThrow(PolicyParseError);
    expect(() => validateResourcePolicyDocument({ Statement: [{ Effect: 'Allow', Principal: { Service: 'x' }, Action: 's3:*', Resource: '*' }] })).toThrow(PolicyParseError);
    expect(() => validateResourcePolicyDocument({ Statement: [{ Effect: 'Allow', Principal: '*', Action: 's3:*', Resource: '*' }] })).not.toThrow();
  });
});

describe('fake STS', () => {
  it('refuses unsigned and wrongly signed requests', async () => {
    const res = await fetch(fakes.sts.endpoint, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `Action=AssumeRole&Version=2011-06-15&RoleArn=${ROLE}` });
    expect(res.status).toBe(403);
    expect(await res.text()).toContain('MissingAuthenticationToken');
    await expect(sts({ accessKeyId: fakes.platform.credentials.accessKeyId, secretAccessKey: 'wrong' }).send(new GetCallerIdentityCommand({})))
      .rejects.toMatchObject({ name: 'SignatureDoesNotMatch' });
  });

  it('issues credentials, records the call, and checks ExternalId and DurationSeconds', async () => {
    const before = fakes.sts.calls.length;
    const creds = await assume(readOnlyPolicy);
    expect(creds.accessKeyId).toMatch(/^ASIA/);
    const call = fakes.sts.calls[before]!;
    expect(call).toMatchObject({ roleArn: ROLE, externalId: EXTERNAL_ID, roleSessionName: 'fake-test', outcome: 'issued' });
    expect(call.policy).toEqual(readOnlyPolicy);
    await expect(assume(undefined, 'wrong-external-id')).rejects.toMatchObject({ name: 'AccessDenied', $metadata: { httpStatusCode: 403 } });
    await expect(sts().send(new AssumeRoleCommand({ RoleArn: ROLE, RoleSessionName: 'x1', ExternalId: EXTERNAL_ID, DurationSeconds: 800 })))
      .rejects.toMatchObject({ name: 'ValidationError' });
    await expect(sts().send(new AssumeRoleCommand({ RoleArn: ROLE, RoleSessionName: 'x1', ExternalId: EXTERNAL_ID, DurationSeconds: 7201 })))
      .rejects.toMatchObject({ name: 'ValidationError' });
    const ok = await sts().send(new AssumeRoleCommand({ RoleArn: ROLE, RoleSessionName: 'x1', ExternalId: EXTERNAL_ID, DurationSeconds: 7200 }));
    expect(ok.Credentials!.Expiration!.getTime()).toBe(Math.floor(clock / 1000) * 1000 + 7200_000);
    const who = await sts(creds).send(new GetCallerIdentityCommand({}));
    expect(who.Arn).toBe('arn:aws:sts::222222222222:assumed-role/customer-reader/fake-test');
  });

  it('injects throttling, server errors and delays', async () => {
    fakes.sts.injectFault({ type: 'throttle' });
    await expect(assume()).rejects.toMatchObject({ name: 'Throttling', $metadata: { httpStatusCode: 400 } });
    fakes.sts.injectFault({ type: 'server-error' });
    await expect(assume()).rejects.toMatchObject({ $metadata: { httpStatusCode: 500 } });
    fakes.sts.injectFault({ type: 'delay', ms: 20 });
    await expect(assume()).resolves.toMatchObject({ accessKeyId: expect.stringMatching(/^ASIA/) });
  });
});

describe('strict S3 front', () => {
  it('refuses unsigned requests', async () => {
    const res = await fetch(`${fakes.s3.endpoint}/media/images/cat.jpg`);
    expect(res.status).toBe(403);
  });

  it('serves correctly signed requests, including bucket-level calls signed with a trailing slash', async () => {
    const client = s3(fakes.platform.credentials);
    // The platform (account 111…) may not read account 222's bucket without a bucket policy.
    await expect(client.send(new GetObjectCommand({ Bucket: 'media', Key: 'images/cat.jpg' }))).rejects.toMatchObject({ name: 'AccessDenied' });
    const session = s3(await assume());
    const got = await session.send(new GetObjectCommand({ Bucket: 'media', Key: 'images/cat.jpg' }));
    expect(await got.Body!.transformToString()).toBe('meow');
    const listed = await session.send(new ListObjectsV2Command({ Bucket: 'media', Prefix: 'images/' }));
    expect(listed.Contents?.map((c) => c.Key)).toEqual(['images/cat.jpg']);
  });

  it('refuses a wrong secret, a missing or foreign session token, and expired sessions', async () => {
    const creds = await assume();
    await expect(s3({ ...creds, secretAccessKey: 'nope' }).send(new GetObjectCommand({ Bucket: 'media', Key: 'images/cat.jpg' })))
      .rejects.toMatchObject({ name: 'SignatureDoesNotMatch' });
    await expect(s3({ accessKeyId: creds.accessKeyId, secretAccessKey: creds.secretAccessKey }).send(new GetObjectCommand({ Bucket: 'media', Key: 'images/cat.jpg' })))
      .rejects.toMatchObject({ name: 'InvalidToken' });
    const other = await assume();
    await expect(s3({ ...creds, sessionToken: other.sessionToken }).send(new GetObjectCommand({ Bucket: 'media', Key: 'images/cat.jpg' })))
      .rejects.toMatchObject({ name: 'InvalidToken' });
    const saved = clock;
    clock += 3601_000;
    try {
      await expect(s3(creds).send(new GetObjectCommand({ Bucket: 'media', Key: 'images/cat.jpg' }))).rejects.toMatchObject({ name: 'ExpiredToken' });
    } finally { clock = saved; }
  });

  it('enforces the session policy: read-only sessions cannot write or list outside the prefix', async () => {
    const client = s3(await assume(readOnlyPolicy));
    const got = await client.send(new GetObjectCommand({ Bucket: 'media', Key: 'images/cat.jpg' }));
    expect(await got.Body!.transformToString()).toBe('meow');
    await expect(client.send(new PutObjectCommand({ Bucket: 'media', Key: 'images/dog.jpg', Body: 'woof' }))).rejects.toMatchObject({ name: 'AccessDenied', $metadata: { httpStatusCode: 403 } });
    await expect(client.send(new ListObjectsV2Command({ Bucket: 'media', Prefix: 'other/' }))).rejects.toMatchObject({ name: 'AccessDenied' });
    await expect(client.send(new ListObjectsV2Command({ Bucket: 'media', Prefix: 'images/' }))).resolves.toBeDefined();
    expect(await fakes.s3.getObject('media', 'images/dog.jpg')).toBeUndefined();
  });

  it('decodes aws-chunked streaming uploads and multipart uploads', async () => {
    const client = s3(await assume());
    // A Node stream body: the SDK sends it aws-chunked with a trailing CRC32.
    const stream = Readable.from([Buffer.from('hello '), Buffer.from('stream')]);
    await client.send(new PutObjectCommand({ Bucket: 'media', Key: 'up/stream.txt', Body: stream, ContentLength: 12, ContentType: 'text/plain' }));
    expect(fakes.s3.requests.at(-1)?.payloadHash).toMatch(/^STREAMING-/);
    expect(new TextDecoder().decode((await fakes.s3.getObject('media', 'up/stream.txt'))!.body)).toBe('hello stream');
    const big = new Uint8Array(11 * 1024 * 1024).map((_, i) => i % 251);
    await new Upload({ client, params: { Bucket: 'media', Key: 'up/big.bin', Body: big }, partSize: 5 * 1024 * 1024 }).done();
    expect(Buffer.from((await fakes.s3.getObject('media', 'up/big.bin'))!.body).equals(Buffer.from(big))).toBe(true);
  });

  it('checks presigned URLs: valid works, tampered and expired get 403', async () => {
    const client = s3(await assume());
    const url = await getSignedUrl(client, new GetObjectCommand({ Bucket: 'media', Key: 'images/cat.jpg' }), { expiresIn: 60, signingDate: new Date(clock) });
    expect(await (await fetch(url)).text()).toBe('meow');
    const tampered = url.replace(/X-Amz-Signature=([0-9a-f])/, (_, c: string) => `X-Amz-Signature=${c === '0' ? '1' : '0'}`);
    expect((await fetch(tampered)).status).toBe(403);
    const otherKey = url.replace('/images/cat.jpg', '/images/dog.jpg');
    expect((await fetch(otherKey)).status).toBe(403);
    const saved = clock;
    clock += 61_000;
    try { expect((await fetch(url)).status).toBe(403); } finally { clock = saved; }
  });

  it('checks CRC32 checksums, including the empty-body one the SDK signs into PUT URLs by default', async () => {
    const client = s3(await assume());
    const url = await getSignedUrl(client, new PutObjectCommand({ Bucket: 'media', Key: 'up/presigned.txt' }), { expiresIn: 60, signingDate: new Date(clock) });
    expect(url).toContain('x-amz-checksum-crc32=AAAAAA%3D%3D');
    expect((await fetch(url, { method: 'PUT', body: 'real data' })).status).toBe(400);
    expect(fakes.s3.refusals.at(-1)?.code).toBe('BadDigest');
    expect(await fakes.s3.getObject('media', 'up/presigned.txt')).toBeUndefined();
  });

  it('redirects requests signed for the wrong region and reports the bucket region', async () => {
    const client = s3(fakes.platform.credentials, 'us-east-1');
    const error = await client.send(new HeadBucketCommand({ Bucket: 'eu-bucket' })).catch((e: unknown) => e) as { $metadata: { httpStatusCode: number }; $response?: { headers: Record<string, string> } };
    expect(error.$metadata.httpStatusCode).toBe(301);
    expect(error.$response?.headers['x-amz-bucket-region']).toBe('eu-west-1');
    await expect(s3(fakes.platform.credentials, 'eu-west-1').send(new HeadBucketCommand({ Bucket: 'eu-bucket' }))).resolves.toMatchObject({ BucketRegion: 'eu-west-1' });
  });

  it('applies bucket policies to other accounts and checks ExpectedBucketOwner', async () => {
    const client = s3(fakes.platform.credentials);
    const shared = await client.send(new GetObjectCommand({ Bucket: 'shared', Key: 'doc.txt', ExpectedBucketOwner: '333333333333' }));
    expect(await shared.Body!.transformToString()).toBe('shared doc');
    await expect(client.send(new GetObjectCommand({ Bucket: 'shared', Key: 'doc.txt', ExpectedBucketOwner: '444444444444' }))).rejects.toMatchObject({ name: 'AccessDenied' });
    await expect(client.send(new GetObjectCommand({ Bucket: 'private', Key: 'doc.txt' }))).rejects.toMatchObject({ name: 'AccessDenied' });
  });
});
