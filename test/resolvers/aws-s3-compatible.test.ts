import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAssetResolver, type AssetResolver, type AwsIntegration } from '../../src/index.js';
import { AwsKeyring, FakeS3Server, FakeSts, startAwsFakes, type AwsFakes } from '../../src/testing/aws/index.js';
import { createTestCertificate } from '../../src/testing/azure/tls.js';
import { codeOf } from '../helpers/failure.js';
import { startForwardingProxy, type ForwardingProxy } from '../helpers/forwarding-proxy.js';

/**
 * Issue 16 item 3: one resolver holds an AWS integration and integrations of a MinIO-like store
 * side by side. Two strict fake S3 servers (SigV4 verified, policies enforced) on two ports with
 * two keyrings: the AWS one (with its STS) and the store (path-style, its own users, its own STS).
 * The store sits behind forwarding proxies: `internal` (the endpoint's `url`, recording headers),
 * `public` (its `publicUrl`, another origin for the same server) and a TLS front with a private CA.
 */

const ACCOUNT = '222222222222';
const ROLE_ARN = `arn:aws:iam::${ACCOUNT}:role/platform-access`;
const EXTERNAL_ID = 'ext-5a0c-s3compat-aws';
const STORE_ROLE = 'arn:aws:iam::000000000000:role/assetlink-sessions';
const STORE_USER = { accessKeyId: 'assetlink-user', secretAccessKey: 'minio-secret-for-tests-1' };
const STORE_WRITER = { accessKeyId: 'media-writer', secretAccessKey: 'minio-secret-for-tests-2' };
const text = (s: string): string => s;
function syncCode(fn: () => unknown): string {
  try { fn(); } catch (error) { return (error as { code?: string }).code ?? 'NOT_AN_ASSETLINK_ERROR'; }
  return 'NO_ERROR';
}
const decode = (b: Uint8Array): string => new TextDecoder().decode(b);

let aws: AwsFakes;
let awsFront: ForwardingProxy;
let store: FakeS3Server;
let storeSts: FakeSts;
let internal: ForwardingProxy;
let publicFront: ForwardingProxy;
let tlsFront: ForwardingProxy;
let storeCa: string;
let resolver: AssetResolver;

function storeIntegration(id: string, extra: Partial<AwsIntegration> = {}): AwsIntegration {
  return {
    id, provider: 'aws', mode: 'read-write', scope: { bucket: 'media' },
    auth: { kind: 'access-key', ...STORE_WRITER },
    endpoint: { url: internal.url, publicUrl: publicFront.url },
    ...extra,
  };
}

beforeAll(async () => {
  aws = await startAwsFakes({
    roles: [{ roleArn: ROLE_ARN, externalId: EXTERNAL_ID }],
    buckets: [{ name: 'aws-data', ownerAccountId: ACCOUNT }, { name: 'shared-name', ownerAccountId: ACCOUNT }],
  });
  awsFront = await startForwardingProxy(aws.s3.endpoint);

  const keyring = new AwsKeyring();
  const user = keyring.addStaticKey({ ...STORE_USER, accountId: '000000000000', principalArn: 'arn:minio:iam:::user/assetlink-user' });
  keyring.addStaticKey({ ...STORE_WRITER, accountId: '000000000000' });
  storeSts = new FakeSts({ keyring, roles: [{ roleArn: STORE_ROLE, trustedPrincipals: [user.principalArn] }] });
  await storeSts.start();
  store = new FakeS3Server({ keyring, buckets: [{ name: 'media', ownerAccountId: '000000000000' }, { name: 'shared-name', ownerAccountId: '000000000000' }] });
  await store.start();
  internal = await startForwardingProxy(store.endpoint);
  publicFront = await startForwardingProxy(store.endpoint);
  const certificate = await createTestCertificate();
  storeCa = certificate.ca;
  tlsFront = await startForwardingProxy(store.endpoint, certificate);

  resolver = createAssetResolver({
    requestTimeoutMs: 5_000,
    platform: { aws: { ...aws.platform, endpoint: awsFront.url, multipartThresholdBytes: 5 * 1024 * 1024 } },
    integrations: [
      { id: 'aws', provider: 'aws', mode: 'read-write', scope: { bucket: 'aws-data' }, auth: { kind: 'assume-role', roleArn: ROLE_ARN, externalId: EXTERNAL_ID } },
      storeIntegration('minio'),
      {
        id: 'minio-sessions', provider: 'aws', mode: 'read-write', scope: { bucket: 'media', prefix: 'sessions' },
        auth: { kind: 'assume-role', roleArn: STORE_ROLE, externalId: 'minio-ignores-it' },
        endpoint: { url: internal.url, stsUrl: storeSts.endpoint, stsCredentials: STORE_USER },
      },
      {
        id: 'minio-sessions-ro', provider: 'aws', scope: { bucket: 'media', prefix: 'sessions' },
        auth: { kind: 'assume-role', roleArn: STORE_ROLE, externalId: 'minio-ignores-it' },
        endpoint: { url: internal.url, stsUrl: storeSts.endpoint, stsCredentials: STORE_USER },
      },
    ],
  });
});

afterAll(async () => {
  await resolver?.close();
  await Promise.allSettled([aws?.close(), awsFront?.close(), store?.close(), storeSts?.close(), internal?.close(), publicFront?.close(), tlsFront?.close()]);
});

describe('AWS and an S3-compatible store in one resolver', () => {
  it('writes, reads and heads on both, each object landing on its own server', async () => {
    const onAws = await resolver.resolveAsset('s3://aws-data/out/a.txt');
    const onStore = await resolver.resolveAsset(`${internal.url}/media/out/a.txt`);
    expect(onAws.integrationId).toBe('aws');
    expect(onStore.integrationId).toBe('minio');
    await onAws.write('on aws', { contentType: 'text/plain' });
    await onStore.write(text('on the store'), { contentType: 'text/plain' });
    expect(decode(await onAws.bytes())).toBe('on aws');
    expect(decode(await onStore.bytes())).toBe('on the store');
    expect(await onStore.head()).toMatchObject({ size: 12, contentType: 'text/plain' });
    expect(decode((await store.getObject('media', 'out/a.txt'))!.body)).toBe('on the store');
    expect(decode((await aws.s3.getObject('aws-data', 'out/a.txt'))!.body)).toBe('on aws');
    expect(await store.getObject('aws-data', 'out/a.txt')).toBeUndefined();
    expect(await aws.s3.getObject('media', 'out/a.txt')).toBeUndefined();
    // The store's requests carried the store's key, the AWS ones a session from AWS STS.
    expect(store.requests.filter((r) => r.bucket === 'media').every((r) => r.accessKeyId === STORE_WRITER.accessKeyId)).toBe(true);
    expect(aws.sts.calls.every((c) => c.roleArn === ROLE_ARN)).toBe(true);
  });

  it('presigns for the store on its publicUrl, signed for the public host, and the URL works there', async () => {
    await store.putObject('media', 'shots/cat.jpg', 'meow', { contentType: 'image/jpeg' });
    const asset = await resolver.resolveAsset('s3://media/shots/cat.jpg');
    expect(asset.integrationId).toBe('minio');
    const get = await asset.presign({ ttlSeconds: 300 });
    expect(get.url.startsWith(`${publicFront.url}/media/shots/cat.jpg?`)).toBe(true);
    const viaPublic = await fetch(get.url);
    expect(viaPublic.status).toBe(200);
    expect(await viaPublic.text()).toBe('meow');
    // Same path and query on the internal host: the signature covers the public Host, so it fails.
    const moved = get.url.replace(publicFront.url, internal.url);
    const viaInternal = await fetch(moved);
    expect(viaInternal.status).toBe(403);
    expect(await viaInternal.text()).toContain('SignatureDoesNotMatch');

    const put = await (await resolver.resolveAsset('s3://media/uploads/new.txt')).presign({ ttlSeconds: 300, method: 'PUT', contentType: 'text/plain' });
    expect(put.url.startsWith(`${publicFront.url}/media/uploads/new.txt?`)).toBe(true);
    const uploaded = await fetch(put.url, { method: 'PUT', headers: put.headers, body: 'from a browser' });
    expect(uploaded.status).toBe(200);
    expect(decode((await store.getObject('media', 'uploads/new.txt'))!.body)).toBe('from a browser');

    const onAws = await resolver.presign('s3://aws-data/out/a.txt', 300);
    expect(onAws.url.startsWith(`${awsFront.url}/aws-data/out/a.txt?`)).toBe(true);
    expect(await (await fetch(onAws.url)).text()).toBe('on aws');
  });

  it('sends no checksum headers the store did not ask for (R2/B2 compatible), where AWS gets the SDK default', async () => {
    const before = internal.requests.length;
    await (await resolver.resolveAsset('s3://media/checks/plain.bin')).write(new Uint8Array([1, 2, 3]));
    const big = Buffer.alloc(6 * 1024 * 1024, 7);
    await (await resolver.resolveAsset('s3://media/checks/multipart.bin')).write(Readable.from([big.subarray(0, 3_000_000), big.subarray(3_000_000)]));
    const sent = internal.requests.slice(before).filter((r) => r.method === 'PUT' || r.method === 'POST');
    expect(sent.some((r) => r.path.includes('uploadId='))).toBe(true);
    for (const request of sent) {
      const names = Object.keys(request.headers);
      expect(names.filter((n) => n.startsWith('x-amz-checksum-') || n === 'x-amz-sdk-checksum-algorithm'), `${request.method} ${request.path}`).toEqual([]);
    }
    expect((await store.getObject('media', 'checks/multipart.bin'))!.body.byteLength).toBe(big.byteLength);

    const awsBefore = awsFront.requests.length;
    await (await resolver.resolveAsset('s3://aws-data/checks/plain.bin')).write(new Uint8Array([1, 2, 3]));
    const awsPut = awsFront.requests.slice(awsBefore).find((r) => r.method === 'PUT');
    expect(Object.keys(awsPut!.headers).some((n) => n.startsWith('x-amz-checksum-'))).toBe(true);
  });

  it('lists the store with URIs on the store', async () => {
    const listed = [];
    for await (const entry of resolver.list(`${internal.url}/media/shots/`)) listed.push(entry);
    expect(listed.map((e) => e.uri)).toEqual([`${internal.url}/media/shots/cat.jpg`]);
    expect((await resolver.resolveAsset(listed[0]!.uri)).integrationId).toBe('minio');
  });
});

describe('matching: a store location belongs to that store only', () => {
  it('URLs on the endpoint url or publicUrl match the store integration, path-style', () => {
    expect(resolver.match(`${internal.url}/media/out/a.txt`).integration.id).toBe('minio');
    const viaPublic = resolver.match(`${publicFront.url}/media/out/a.txt`);
    expect(viaPublic.integration.id).toBe('minio');
    expect(viaPublic.location).toMatchObject({ provider: 'aws', bucket: 'media', key: 'out/a.txt', endpoint: publicFront.url, uri: `${publicFront.url}/media/out/a.txt` });
    expect(resolver.match(`${internal.url}/media/sessions/x.txt`).integration.id).toBe('minio-sessions');
  });

  it('an AWS-hosted URL of the same bucket name is never served by the store', () => {
    expect(syncCode(() => resolver.match('https://media.s3.us-east-1.amazonaws.com/out/a.txt'))).toBe('NO_INTEGRATION');
    expect(syncCode(() => resolver.match('https://aws-data.s3.amazonaws.com/x', 'minio'))).toBe('OUT_OF_SCOPE');
    // …and a store URL is never served by the AWS integration, even named explicitly.
    expect(syncCode(() => resolver.match(`${internal.url}/aws-data/x`, 'aws'))).toBe('OUT_OF_SCOPE');
  });

  it('an s3:// URI whose bucket exists on AWS and on a store is ambiguous: NO_INTEGRATION naming both', () => {
    const local = createAssetResolver({
      platform: { aws: aws.platform },
      integrations: [
        { id: 'aws-shared', provider: 'aws', scope: { bucket: 'shared-name' }, auth: { kind: 'assume-role', roleArn: ROLE_ARN, externalId: EXTERNAL_ID } },
        { id: 'store-shared', provider: 'aws', scope: { bucket: 'shared-name' }, auth: { kind: 'access-key', ...STORE_WRITER }, endpoint: { url: internal.url } },
      ],
    });
    let message = '';
    try { local.match('s3://shared-name/a.txt'); } catch (error) { message = (error as Error).message; }
    expect(message).toContain('AWS');
    expect(message).toContain(internal.url);
    expect(local.match(`${internal.url}/shared-name/a.txt`).integration.id).toBe('store-shared');
    expect(local.match('https://shared-name.s3.amazonaws.com/a.txt').integration.id).toBe('aws-shared');
  });

  it('a store host is never a plain https asset: an https integration allowing 127.0.0.1 does not get it', () => {
    const local = createAssetResolver({
      platform: { https: { allowPorts: [Number(new URL(internal.url).port)], allowPrivateHosts: ['127.0.0.1'] } },
      integrations: [
        { id: 'web', provider: 'https', scope: { hosts: ['127.0.0.1'] } },
        storeIntegration('store'),
      ],
    });
    const matched = local.match(`${internal.url}/media/out/a.txt`);
    expect(matched.integration.id).toBe('store');
    expect(syncCode(() => local.match(`${internal.url}/media/out/a.txt`, 'web'))).toBe('OUT_OF_SCOPE');
  });

  it('stores are forgotten with their integration, and ad-hoc store integrations parse their own host', async () => {
    const local = createAssetResolver({ integrations: [storeIntegration('temp')] });
    expect(local.match(`${internal.url}/media/out/a.txt`).integration.id).toBe('temp');
    local.removeIntegration('temp');
    expect(syncCode(() => local.match(`${internal.url}/media/out/a.txt`))).toBe('INVALID_URI');
    const asset = await local.resolveAsset(`${internal.url}/media/out/a.txt`, storeIntegration('adhoc'));
    expect(decode(await asset.bytes())).toBe('on the store');
    await local.close();
  });
});

describe('assume-role against the store\'s STS (endpoint.stsUrl)', () => {
  it('mints sessions at the store\'s STS, signed by the store user, never at AWS STS', async () => {
    const awsCallsBefore = aws.sts.calls.length;
    const asset = await resolver.resolveAsset('s3://media/sessions/report.txt');
    expect(asset.integrationId).toBe('minio-sessions');
    await asset.write('session write');
    expect(decode(await asset.bytes())).toBe('session write');
    const call = storeSts.calls.find((c) => c.outcome === 'issued');
    expect(call).toMatchObject({ roleArn: STORE_ROLE, callerArn: 'arn:minio:iam:::user/assetlink-user' });
    expect(call!.policyJson).toContain('arn:aws:s3:::media/sessions/*');
    expect(aws.sts.calls.length).toBe(awsCallsBefore);
    const used = store.requests.filter((r) => r.key === 'sessions/report.txt').map((r) => r.accessKeyId);
    expect(used.every((id) => id === call!.issuedAccessKeyId)).toBe(true);
  });

  it('the session is confined by its policy at the store: outside the prefix and read-only writes are refused there', async () => {
    const ro = await resolver.resolveAsset('s3://media/sessions/report.txt', 'minio-sessions-ro');
    expect(decode(await ro.bytes())).toBe('session write');
    // Bypass assetlink's own READ_ONLY guard: the store itself must refuse the minted session.
    const driver = await resolver.driver('aws');
    const target = { integration: resolver.integration('minio-sessions-ro'), location: ro.location };
    expect(await driver.probeRawWrite!(target, new Uint8Array([1]))).toBe('refused');
    const outside = { integration: resolver.integration('minio-sessions'), location: { ...ro.location, key: 'other/x.txt', uri: 's3://media/other/x.txt' } };
    await expect(driver.read(outside)).rejects.toMatchObject({ code: 'ACCESS_DENIED' });
  });
});

describe('a private CA per endpoint', () => {
  it('trusts the endpoint\'s CA for that integration only', async () => {
    const local = createAssetResolver({
      requestTimeoutMs: 5_000,
      integrations: [
        storeIntegration('tls', { endpoint: { url: tlsFront.url, ca: storeCa } }),
        storeIntegration('tls-no-ca', { endpoint: { url: tlsFront.url } }),
      ],
    });
    try {
      const trusted = await local.resolveAsset(`${tlsFront.url}/media/shots/cat.jpg`, 'tls');
      expect(decode(await trusted.bytes())).toBe('meow');
      const untrusted = await local.resolveAsset(`${tlsFront.url}/media/shots/cat.jpg`, 'tls-no-ca');
      expect(await codeOf(untrusted.bytes())).toBe('PROVIDER_ERROR');
      expect(tlsFront.requests.length).toBe(1);
    } finally {
      await local.close();
    }
  });
});
