import { inspect } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Storage } from '@google-cloud/storage';
import { OAuth2Client } from 'google-auth-library';
import { createAssetResolver, type AssetResolver, type GcpVendedCredentials, type Integration } from '../../src/index.js';
import { startFakeGcp, type FakeGcp } from '../../src/testing/gcp/index.js';
import { codeOf } from '../helpers/failure.js';

/**
 * resolver.vend() for GCP, proved with the raw @google-cloud/storage against the fake GCS, which
 * evaluates every Credential Access Boundary the token went through (and the bucket's IAM):
 * inside the prefix yes, outside and on the sibling prefix no, no writes when read-only, nothing
 * after expiresAt (one clock shared by the resolver and the fakes).
 */

const PLATFORM = 'assetlink-platform@platform-project.iam.gserviceaccount.com';
const SA = 'media-rw@customer-project.iam.gserviceaccount.com';
const BUCKET = 'customer-media';
const PLATFORM_TOKEN = 'platform-token-vend-test';

let clock = Date.now();
let fake: FakeGcp;
let resolver: AssetResolver;

beforeAll(async () => {
  fake = await startFakeGcp({ now: () => clock });
  fake.directory.registerToken(PLATFORM_TOKEN, { principal: PLATFORM });
  fake.directory.addServiceAccount(SA);
  fake.directory.grantTokenCreator(PLATFORM, SA);
  fake.gcs.createBucket(BUCKET, { iam: { [SA]: 'roles/storage.objectAdmin' } });
  for (const key of ['images/a.jpg', 'images/sub/b.jpg', 'images2/c.jpg', 'other/d.jpg']) fake.gcs.putObject(BUCKET, key, `body of ${key}`);
  const integrations: Integration[] = [
    { id: 'gcs-rw', provider: 'gcp', mode: 'read-write', scope: { bucket: BUCKET }, auth: { kind: 'impersonation', serviceAccount: SA } },
    { id: 'gcs-key', provider: 'gcp', scope: { bucket: 'other-bucket' }, auth: { kind: 'service-account-key', credentials: { client_email: SA, private_key: async () => 'never read: vending refuses first' } } },
  ];
  resolver = createAssetResolver({
    now: () => clock,
    requestTimeoutMs: 5_000,
    integrations,
    platform: { gcp: { authClient: { getAccessToken: async () => ({ token: PLATFORM_TOKEN }) }, ...fake.endpoints, maxRetries: 0 } },
  });
});
afterAll(async () => {
  await resolver?.close();
  await fake?.close();
});

async function vendGcs(uri: string, options: Parameters<AssetResolver['vend']>[1]): Promise<GcpVendedCredentials> {
  const creds = await resolver.vend(uri, options);
  if (creds.provider !== 'gcp') throw new Error(`vended ${creds.provider} credentials`);
  return creds;
}

function storageWith(creds: GcpVendedCredentials): Storage {
  const auth = new OAuth2Client();
  auth.setCredentials({ access_token: creds.accessToken });
  return new Storage({ apiEndpoint: fake.endpoints.apiEndpoint, authClient: auth, useAuthWithCustomEndpoint: true, projectId: 'worker', retryOptions: { autoRetry: false } });
}
const status = (p: Promise<unknown>): Promise<number | 'ok'> => p.then(() => 'ok' as const, (e: { code?: number }) => e.code ?? -1);
const read = async (storage: Storage, key: string): Promise<string> => (await storage.bucket(BUCKET).file(key).download())[0].toString();

describe('GCP vend (downscoped token)', () => {
  it('reads and lists inside the prefix only; read-only cannot write', async () => {
    const creds = await vendGcs(`gs://${BUCKET}/images/`, { ttlSeconds: 600 });
    expect(creds).toMatchObject({ provider: 'gcp', bucket: BUCKET, prefix: 'images', mode: 'read-only', integrationId: 'gcs-rw' });
    const storage = storageWith(creds);
    expect(await read(storage, 'images/a.jpg')).toBe('body of images/a.jpg');
    expect(await read(storage, 'images/sub/b.jpg')).toBe('body of images/sub/b.jpg');
    expect(await status(read(storage, 'images2/c.jpg'))).toBe(403);
    expect(await status(read(storage, 'other/d.jpg'))).toBe(403);
    const [files] = await storage.bucket(BUCKET).getFiles({ prefix: 'images/', autoPaginate: false });
    expect(files.map((f) => f.name)).toEqual(['images/a.jpg', 'images/sub/b.jpg']);
    expect(await status(storage.bucket(BUCKET).getFiles({ prefix: 'images2/', autoPaginate: false }))).toBe(403);
    // The service account may write; the read-only vended token may not.
    expect(await status(storage.bucket(BUCKET).file('images/new.jpg').save('x', { resumable: false }))).toBe(403);
    expect(await status(storage.bucket(BUCKET).file('images/a.jpg').delete())).toBe(403);
    // The boundary sent to STS names the prefix, segment-aware.
    const rules = fake.sts.calls.at(-1)!.rules!;
    expect(rules[0]!.availabilityCondition!.expression).toContain(`projects/_/buckets/${BUCKET}/objects/images/`);
  });

  it('read-write writes inside the prefix, not on the sibling prefix', async () => {
    const storage = storageWith(await vendGcs(`gs://${BUCKET}/images`, { ttlSeconds: 600, mode: 'read-write' }));
    expect(await status(storage.bucket(BUCKET).file('images/written.jpg').save('new', { resumable: false }))).toBe('ok');
    expect(fake.gcs.getObject(BUCKET, 'images/written.jpg')?.data.toString()).toBe('new');
    expect(await status(storage.bucket(BUCKET).file('images2/written.jpg').save('x', { resumable: false }))).toBe(403);
  });

  it('stops working after expiresAt and never outlives the TTL', async () => {
    const start = clock;
    const creds = await vendGcs(`gs://${BUCKET}/images/`, { ttlSeconds: 120 });
    expect(creds.expiresAt.getTime()).toBeLessThanOrEqual(start + 120_000);
    expect(fake.iam.calls.at(-1)!.lifetimeSeconds).toBe(120);
    const storage = storageWith(creds);
    expect(await read(storage, 'images/a.jpg')).toBe('body of images/a.jpg');
    clock = creds.expiresAt.getTime() + 1000;
    try {
      expect(await status(read(storage, 'images/a.jpg'))).toBe(401);
    } finally {
      clock = Date.now();
    }
  });

  it('refusals: TTL over the token maximum, service-account-key integrations; the secret never printed', async () => {
    expect(await codeOf(resolver.vend(`gs://${BUCKET}/images/`, { ttlSeconds: 7200 }))).toBe('INVALID_TTL');
    expect(await codeOf(resolver.vend('gs://other-bucket/x/', { ttlSeconds: 600 }))).toBe('VEND_UNSUPPORTED');
    const creds = await vendGcs(`gs://${BUCKET}/images/`, { ttlSeconds: 600 });
    for (const text of [JSON.stringify(creds), inspect(creds), String(creds)]) expect(text).not.toContain(creds.accessToken);
    expect(creds.toEnv().GOOGLE_OAUTH_ACCESS_TOKEN).toBe(creds.accessToken);
  });
});
