import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GetObjectCommand, HeadBucketCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { FakeAccessPoint, PolicyDocument } from '../../../src/testing/aws/index.js';
import { allow, failure, OWNER, startS3, type S3Fixture } from './fixture.js';

/** S3 access points in the fake: aliases routed to their bucket, authorised against the access point ARN and policy. */

const PARTNER = '222222222222';
let f: S3Fixture;
let shared: FakeAccessPoint;
let undelegated: FakeAccessPoint;
let open: FakeAccessPoint;
let partner: S3Client;

const delegate = (bucket: string) => ({ Version: '2012-10-17', Statement: [{
  Effect: 'Allow' as const, Principal: '*' as const, Action: '*', Resource: [`arn:aws:s3:::${bucket}`, `arn:aws:s3:::${bucket}/*`],
  Condition: { StringEquals: { 's3:DataAccessPointAccount': OWNER } },
}] });
const pointPolicy = (name: string) => ({ Version: '2012-10-17', Statement: [
  { Effect: 'Allow' as const, Principal: { AWS: `arn:aws:iam::${PARTNER}:root` }, Action: 's3:GetObject', Resource: `arn:aws:s3:us-east-1:${OWNER}:accesspoint/${name}/object/datasets/*` },
  { Effect: 'Allow' as const, Principal: { AWS: `arn:aws:iam::${PARTNER}:root` }, Action: 's3:ListBucket', Resource: `arn:aws:s3:us-east-1:${OWNER}:accesspoint/${name}`, Condition: { StringLike: { 's3:prefix': 'datasets/*' } } },
] });
const partnerIdentity: PolicyDocument = { Version: '2012-10-17', Statement: [
  { Effect: 'Allow', Action: ['s3:GetObject', 's3:ListBucket'], Resource: `arn:aws:s3:us-east-1:${OWNER}:accesspoint/*` },
] };

beforeAll(async () => {
  f = await startS3([{ name: 'shared-data', policy: delegate('shared-data') }, 'no-delegation']);
  shared = f.s3.createAccessPoint({ name: 'partner-ap', bucket: 'shared-data', policy: pointPolicy('partner-ap') });
  undelegated = f.s3.createAccessPoint({ name: 'partner-ap', bucket: 'no-delegation', policy: pointPolicy('partner-ap'), accountId: '999999999999' });
  open = f.s3.createAccessPoint({ name: 'in-house', bucket: 'shared-data' });
  for (const bucket of ['shared-data', 'no-delegation']) {
    await f.s3.putObject(bucket, 'datasets/a.txt', 'dataset a');
    await f.s3.putObject(bucket, 'private/b.txt', 'private b');
  }
  partner = f.client(f.key([partnerIdentity], PARTNER));
});
afterAll(async () => { await f?.close(); });

const text = async (out: { Body?: { transformToString(): Promise<string> } }): Promise<string> => out.Body!.transformToString();

describe('access points', () => {
  it('have an ARN and an S3-shaped alias', () => {
    expect(shared.arn).toBe(`arn:aws:s3:us-east-1:${OWNER}:accesspoint/partner-ap`);
    expect(shared.alias).toMatch(/^partner-ap-[a-z0-9]{34}-s3alias$/);
    expect(shared.alias.length).toBeLessThanOrEqual(63);
    expect(f.s3.createAccessPoint({ name: 'a-rather-long-access-point-name-for-testing', bucket: 'shared-data' }).alias).toMatch(/^a-rather-long-access-[a-z0-9]{34}-s3alias$/);
    expect(undelegated.alias).not.toBe(shared.alias);
  });

  it('serve another account the keys the access point policy grants, through the alias', async () => {
    expect(await text(await partner.send(new GetObjectCommand({ Bucket: shared.alias, Key: 'datasets/a.txt' })))).toBe('dataset a');
    expect(f.s3.requests.at(-1)).toMatchObject({ bucket: shared.alias, key: 'datasets/a.txt', operation: 'GetObject', status: 200 });
    const url = await getSignedUrl(partner, new GetObjectCommand({ Bucket: shared.alias, Key: 'datasets/a.txt' }), { expiresIn: 60 });
    expect(await (await fetch(url)).text()).toBe('dataset a');
  });

  it('refuse a key outside the access point policy, writes it does not grant, and direct bucket access', async () => {
    expect(await failure(partner.send(new GetObjectCommand({ Bucket: shared.alias, Key: 'private/b.txt' })))).toMatchObject({ name: 'AccessDenied', status: 403 });
    // A literal key: inside datasets/*, and not the private object.
    expect(await failure(partner.send(new GetObjectCommand({ Bucket: shared.alias, Key: 'datasets/../private/b.txt' })))).toMatchObject({ name: 'NoSuchKey' });
    expect(await failure(partner.send(new PutObjectCommand({ Bucket: shared.alias, Key: 'datasets/new.txt', Body: 'x' })))).toMatchObject({ name: 'AccessDenied' });
    expect(await failure(partner.send(new GetObjectCommand({ Bucket: 'shared-data', Key: 'datasets/a.txt' })))).toMatchObject({ name: 'AccessDenied' });
    expect(await f.s3.getObject('shared-data', 'datasets/new.txt')).toBeUndefined();
  });

  it('list through the alias against the access point ARN, with its s3:prefix condition', async () => {
    const listed = await partner.send(new ListObjectsV2Command({ Bucket: shared.alias, Prefix: 'datasets/' }));
    expect(listed.Contents?.map((c) => c.Key)).toEqual(['datasets/a.txt']);
    expect(await failure(partner.send(new ListObjectsV2Command({ Bucket: shared.alias })))).toMatchObject({ name: 'AccessDenied' });
    expect(await failure(partner.send(new ListObjectsV2Command({ Bucket: shared.alias, Prefix: 'private/' })))).toMatchObject({ name: 'AccessDenied' });
    expect(f.s3.requests.at(-1)?.actions).toEqual(['s3:ListBucket']);
  });

  it('need the caller\'s identity policy to name the access point', async () => {
    const bucketOnly = f.client(f.key([allow(['s3:GetObject', 's3:ListBucket'], ['arn:aws:s3:::shared-data', 'arn:aws:s3:::shared-data/*'])], PARTNER));
    expect(await failure(bucketOnly.send(new GetObjectCommand({ Bucket: shared.alias, Key: 'datasets/a.txt' })))).toMatchObject({ name: 'AccessDenied' });
  });

  it('need the bucket to delegate to access points (or grant the same access itself)', async () => {
    expect(await failure(partner.send(new GetObjectCommand({ Bucket: undelegated.alias, Key: 'datasets/a.txt' })))).toMatchObject({ name: 'AccessDenied' });
  });

  it('within the owner account, identity policies decide; a session policy naming the access point confines it', async () => {
    const admin = f.client(f.admin);
    expect(await text(await admin.send(new GetObjectCommand({ Bucket: open.alias, Key: 'private/b.txt' })))).toBe('private b');
    await admin.send(new PutObjectCommand({ Bucket: open.alias, Key: 'datasets/written.txt', Body: 'via alias' }));
    expect(new TextDecoder().decode((await f.s3.getObject('shared-data', 'datasets/written.txt'))!.body)).toBe('via alias');
    const session = f.client(f.session([allow('s3:GetObject', `${open.arn}/object/datasets/*`)]));
    expect(await text(await session.send(new GetObjectCommand({ Bucket: open.alias, Key: 'datasets/a.txt' })))).toBe('dataset a');
    expect(await failure(session.send(new GetObjectCommand({ Bucket: open.alias, Key: 'private/b.txt' })))).toMatchObject({ name: 'AccessDenied' });
    expect(await failure(session.send(new GetObjectCommand({ Bucket: 'shared-data', Key: 'datasets/a.txt' })))).toMatchObject({ name: 'AccessDenied' });
  });

  it('answer HeadBucket with the region and refuse bucket configuration through an alias', async () => {
    const admin = f.client(f.admin);
    const head = await admin.send(new HeadBucketCommand({ Bucket: open.alias }));
    expect(head).toMatchObject({ BucketRegion: 'us-east-1', AccessPointAlias: true });
    expect(await failure(f.client(f.admin, 'eu-west-1').send(new GetObjectCommand({ Bucket: open.alias, Key: 'datasets/a.txt' })))).toMatchObject({ status: 301 });
  });
});
