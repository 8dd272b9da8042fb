import * as crypto from 'node:crypto';
import { inspect } from 'node:util';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ServiceAccountKey, serviceAccountKeyFor } from '../../src/auth/service-account-key.js';
import { AssetLinkError, createAssetResolver, type AssetResolver } from '../../src/index.js';
import { SCOPES, startFakeGcp, type FakeGcp } from '../../src/testing/gcp/index.js';

// Count PEM parses made by assetlink's own modules (vitest routes their node:crypto import here).
vi.mock('node:crypto', async (importOriginal) => {
  const original = await importOriginal<typeof import('node:crypto')>();
  return { ...original, createPrivateKey: vi.fn(original.createPrivateKey) };
});

const CUSTOMER_SA = 'uploader@customer.iam.gserviceaccount.com';
const BUCKET = 'keyed-bucket';

let fake: FakeGcp;
let resolver: AssetResolver;
let privateKey: string;
/** A distinctive run of the PEM body that must never be printed anywhere. */
let canary: string;

beforeAll(async () => {
  fake = await startFakeGcp();
  privateKey = fake.directory.addServiceAccount(CUSTOMER_SA).privateKeyPem;
  canary = privateKey.split('\n')[5]!;
  fake.gcs.createBucket(BUCKET, { iam: { [CUSTOMER_SA]: 'roles/storage.objectUser' } });
  resolver = createAssetResolver({
    integrations: [
      { id: 'key-ro', provider: 'gcp', mode: 'read-only', scope: { bucket: BUCKET, prefix: 'in' }, auth: { kind: 'service-account-key', credentials: { client_email: CUSTOMER_SA, private_key: privateKey } } },
      { id: 'key-rw', provider: 'gcp', mode: 'read-write', scope: { bucket: BUCKET, prefix: 'out' }, auth: { kind: 'service-account-key', credentials: { client_email: CUSTOMER_SA, private_key: privateKey } } },
    ],
    platform: { gcp: { apiEndpoint: fake.gcs.url, signingEndpoint: fake.gcs.url, iamEndpoint: fake.iam.url, maxRetries: 0 } },
  });
});
afterAll(async () => {
  await resolver.close();
  await fake.close();
});

async function failure(promise: Promise<unknown>): Promise<AssetLinkError> {
  try { await promise; } catch (error) { expect(error).toBeInstanceOf(AssetLinkError); return error as AssetLinkError; }
  throw new Error('expected a failure');
}

describe('service-account-key integrations', () => {
  it('read and write with scope-limited self-signed JWTs; no IAM calls at all', async () => {
    fake.gcs.putObject(BUCKET, 'in/a.txt', 'from customer');
    expect(new TextDecoder().decode(await (await resolver.resolveAsset(`gs://${BUCKET}/in/a.txt`)).bytes())).toBe('from customer');
    await (await resolver.resolveAsset(`gs://${BUCKET}/out/b.txt`)).write('labels');
    expect(fake.gcs.getObject(BUCKET, 'out/b.txt')?.data.toString()).toBe('labels');
    expect(fake.iam.calls).toHaveLength(0);
    const principals = new Set(fake.gcs.requests.filter((r) => !r.signedUrl).map((r) => r.principal));
    expect(principals).toEqual(new Set([CUSTOMER_SA]));
  });

  it('a read-only key integration holds a devstorage.read_only credential: a raw write with it is refused', async () => {
    fake.gcs.requests.length = 0;
    fake.gcs.putObject(BUCKET, 'in/scoped.txt', 's');
    await (await resolver.resolveAsset(`gs://${BUCKET}/in/scoped.txt`)).head();
    expect(fake.gcs.requests.map((r) => r.scopes)).toEqual([[SCOPES.storageReadOnly]]);
    const key = new ServiceAccountKey({ client_email: CUSTOMER_SA, private_key: privateKey });
    // The same kind of JWT assetlink mints for 'key-ro'; GCS (here the fake) enforces its scope.
    const jwt = key.selfSignedJwt({ scope: SCOPES.storageReadOnly, issuedAt: Date.now(), lifetimeSeconds: 600 });
    const raw = await fetch(`${fake.gcs.url}/upload/storage/v1/b/${BUCKET}/o?uploadType=media&name=in/x.txt`, { method: 'POST', headers: { authorization: `Bearer ${jwt}` }, body: 'x' });
    expect(raw.status).toBe(403);
    expect((await failure((await resolver.resolveAsset(`gs://${BUCKET}/in/x.txt`)).write('x'))).code).toBe('READ_ONLY');
  });

  it('signs URLs locally, parsing the PEM once for any number of URLs', async () => {
    fake.gcs.putObject(BUCKET, 'in/signed.txt', 'locally signed');
    const parse = vi.mocked(crypto.createPrivateKey);
    // Warm: the key may already be parsed by the tests above; count from here.
    await resolver.presign(`gs://${BUCKET}/in/signed.txt`, 60);
    parse.mockClear();
    const urls = await Promise.all(Array.from({ length: 50 }, (_, i) => resolver.presign(`gs://${BUCKET}/in/signed.txt`, 60 + i)));
    expect(parse).not.toHaveBeenCalled();
    expect(fake.iam.calls).toHaveLength(0);
    expect(await (await fetch(urls[7]!.url)).text()).toBe('locally signed');
    const tampered = urls[7]!.url.replace('in/signed.txt', 'in/other.txt');
    expect((await fetch(tampered)).status).toBe(403);
  });

  it('parses once per registered credentials object', () => {
    const credentials = { client_email: CUSTOMER_SA, private_key: privateKey };
    const parse = vi.mocked(crypto.createPrivateKey);
    parse.mockClear();
    expect(serviceAccountKeyFor(credentials)).toBe(serviceAccountKeyFor(credentials));
    expect(parse).toHaveBeenCalledTimes(1);
  });

  it('accepts keys whose newlines arrived escaped (env vars), and refuses non-keys without echoing them', () => {
    const escaped = new ServiceAccountKey({ client_email: CUSTOMER_SA, private_key: privateKey.replace(/\n/g, '\\n') });
    expect(escaped.sign('x').equals(new ServiceAccountKey({ client_email: CUSTOMER_SA, private_key: privateKey }).sign('x'))).toBe(true);
    const broken = `-----BEGIN PRIVATE KEY-----\n${canary}\n-----END PRIVATE KEY-----\n`;
    let error: unknown;
    try { new ServiceAccountKey({ client_email: CUSTOMER_SA, private_key: broken }); } catch (e) { error = e; }
    expect((error as AssetLinkError).code).toBe('INVALID_INTEGRATION');
    expect(`${(error as Error).message}${JSON.stringify(error)}${inspect(error)}`).not.toContain(canary);
  });

  it('never prints the private key: key objects, integrations, resolver, errors', async () => {
    const key = serviceAccountKeyFor({ client_email: CUSTOMER_SA, private_key: privateKey });
    fake.gcs.createBucket('denied-bucket', { iam: {} });
    resolver.addIntegration({ id: 'key-denied', provider: 'gcp', scope: { bucket: 'denied-bucket' }, auth: { kind: 'service-account-key', credentials: { client_email: CUSTOMER_SA, private_key: privateKey } } });
    const denied = await failure((await resolver.resolveAsset('gs://denied-bucket/x')).head());
    expect(denied.code).toBe('ACCESS_DENIED');
    const printed = [
      JSON.stringify(key), inspect(key), String(key),
      JSON.stringify(resolver), inspect(resolver, { depth: 8 }), JSON.stringify(resolver.listIntegrations()),
      denied.message, JSON.stringify(denied), inspect(denied, { depth: 8 }),
    ].join('\n');
    expect(printed).toContain(CUSTOMER_SA);
    expect(printed).not.toContain(canary);
    expect(printed).not.toContain('PRIVATE KEY');
  });
});
