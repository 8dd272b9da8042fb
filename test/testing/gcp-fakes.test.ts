import { createHash } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ServiceAccountKey } from '../../src/auth/service-account-key.js';
import { assembleV4Url, buildV4StringToSign } from '../../src/resolvers/gcp/v4-signer.js';
import { crc32c, crc32cBase64, SCOPES, startFakeGcp, type FakeGcp } from '../../src/testing/gcp/index.js';

/** The fakes are what every GCP test leans on, so their refusals are tested as carefully as their answers. */

const PLATFORM = 'platform@p.iam.gserviceaccount.com';
const HOP = 'hop@p.iam.gserviceaccount.com';
const TARGET = 'reader@customer.iam.gserviceaccount.com';
const OUTSIDER = 'outsider@elsewhere.iam.gserviceaccount.com';
const BUCKET = 'fake-bucket';

let fake: FakeGcp;
let signerKey: ServiceAccountKey;

beforeAll(async () => {
  fake = await startFakeGcp();
  const d = fake.directory;
  d.registerToken('platform-token', { principal: PLATFORM });
  d.registerToken('outsider-token', { principal: OUTSIDER });
  d.registerToken('ro-token', { principal: TARGET, scopes: [SCOPES.storageReadOnly] });
  d.registerToken('rw-token', { principal: TARGET, scopes: [SCOPES.storageReadWrite] });
  d.registerToken('expired-token', { principal: PLATFORM, expiresAt: Date.now() - 1000 });
  const account = d.addServiceAccount(TARGET);
  d.addServiceAccount(HOP);
  d.grantTokenCreator(PLATFORM, TARGET);
  signerKey = new ServiceAccountKey({ client_email: TARGET, private_key: account.privateKeyPem });
  fake.gcs.createBucket(BUCKET, { iam: { [TARGET]: 'roles/storage.objectUser' } });
});
afterAll(async () => { await fake.close(); });
beforeEach(() => { fake.iam.reset(); fake.sts.reset(); fake.iam.clearFaults(); });

const iamUrl = (email: string, method: string): string => `${fake.iam.url}/v1/projects/-/serviceAccounts/${encodeURIComponent(email)}:${method}`;
const post = (url: string, body: unknown, token?: string): Promise<Response> => fetch(url, {
  method: 'POST', headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) }, body: JSON.stringify(body),
});
const objectUrl = (name: string, query = ''): string => `${fake.gcs.url}/storage/v1/b/${BUCKET}/o/${encodeURIComponent(name)}${query}`;
const bearer = (token: string): Record<string, string> => ({ authorization: `Bearer ${token}` });

describe('crc32c', () => {
  it('matches the standard check value and GCS encoding', () => {
    expect(crc32c(Buffer.from('123456789')).toString(16)).toBe('e3069283');
    expect(crc32cBase64(Buffer.alloc(0))).toBe('AAAAAA==');
  });
});

describe('fake IAM Credentials', () => {
  const scope = [SCOPES.storageReadOnly];

  it('refuses a missing or unknown caller token (401) and an expired one', async () => {
    expect((await post(iamUrl(TARGET, 'generateAccessToken'), { scope })).status).toBe(401);
    expect((await post(iamUrl(TARGET, 'generateAccessToken'), { scope }, 'made-up')).status).toBe(401);
    expect((await post(iamUrl(TARGET, 'generateAccessToken'), { scope }, 'expired-token')).status).toBe(401);
    expect(fake.iam.count('generateAccessToken')).toBe(0);
  });

  it('refuses a caller without Token Creator on the target (403)', async () => {
    const response = await post(iamUrl(TARGET, 'generateAccessToken'), { scope }, 'outsider-token');
    expect(response.status).toBe(403);
    expect(((await response.json()) as { error: { message: string } }).error.message).toContain('iam.serviceAccounts.getAccessToken');
  });

  it('refuses a token without an IAM-capable scope', async () => {
    expect((await post(iamUrl(TARGET, 'generateAccessToken'), { scope }, 'ro-token')).status).toBe(403);
  });

  it('issues a token with exactly the requested scope and lifetime, and records the call', async () => {
    const response = await post(iamUrl(TARGET, 'generateAccessToken'), { scope, lifetime: '600s' }, 'platform-token');
    expect(response.status).toBe(200);
    const body = (await response.json()) as { accessToken: string; expireTime: string };
    const grant = fake.directory.inspectToken(body.accessToken)!;
    expect(grant.principal).toBe(TARGET);
    expect(grant.scopes).toEqual(scope);
    expect(Date.parse(body.expireTime)).toBeLessThanOrEqual(grant.expiresAt);
    expect(fake.iam.calls[0]).toMatchObject({ method: 'generateAccessToken', caller: PLATFORM, serviceAccount: TARGET, scope, lifetimeSeconds: 600, status: 200 });
  });

  it('refuses lifetimes above the maximum and missing scopes', async () => {
    expect((await post(iamUrl(TARGET, 'generateAccessToken'), { scope, lifetime: '3601s' }, 'platform-token')).status).toBe(400);
    expect((await post(iamUrl(TARGET, 'generateAccessToken'), {}, 'platform-token')).status).toBe(400);
  });

  it('checks Token Creator at every hop of a delegate chain', async () => {
    const target = 'chained@customer.iam.gserviceaccount.com';
    fake.directory.addServiceAccount(target);
    const delegates = [`projects/-/serviceAccounts/${HOP}`];
    expect((await post(iamUrl(target, 'generateAccessToken'), { scope, delegates }, 'platform-token')).status).toBe(403);
    fake.directory.grantTokenCreator(PLATFORM, HOP);
    expect((await post(iamUrl(target, 'generateAccessToken'), { scope, delegates }, 'platform-token')).status).toBe(403);
    fake.directory.grantTokenCreator(HOP, target);
    expect((await post(iamUrl(target, 'generateAccessToken'), { scope, delegates }, 'platform-token')).status).toBe(200);
    // Skipping the hop is not allowed: the platform holds nothing on the target directly.
    expect((await post(iamUrl(target, 'generateAccessToken'), { scope }, 'platform-token')).status).toBe(403);
    expect(fake.iam.calls.map((c) => c.delegates)).toContainEqual([HOP]);
    expect((await post(iamUrl(target, 'generateAccessToken'), { scope, delegates: [HOP] }, 'platform-token')).status).toBe(400);
  });

  it('signBlob signs with the service account key the fake GCS trusts', async () => {
    const payload = Buffer.from('string to sign');
    const response = await post(iamUrl(TARGET, 'signBlob'), { payload: payload.toString('base64') }, 'platform-token');
    expect(response.status).toBe(200);
    const { signedBlob } = (await response.json()) as { signedBlob: string };
    expect(Buffer.from(signedBlob, 'base64').equals(signerKey.sign(payload))).toBe(true);
    expect(fake.iam.count('signBlob')).toBe(1);
    expect((await post(iamUrl(TARGET, 'signBlob'), { payload: 'AA==' }, 'outsider-token')).status).toBe(403);
  });

  it('injects faults: status codes and delays', async () => {
    fake.iam.injectFault({ status: 429, times: 2 });
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await post(iamUrl(TARGET, 'generateAccessToken'), { scope }, 'platform-token')).status);
    expect(statuses).toEqual([429, 429, 200]);
  });
});

describe('fake GCS JSON API', () => {
  beforeAll(() => { fake.gcs.putObject(BUCKET, 'dir/hello.txt', 'hello world', { contentType: 'text/plain' }); });

  it('requires a valid bearer token', async () => {
    expect((await fetch(objectUrl('dir/hello.txt'))).status).toBe(401);
    expect((await fetch(objectUrl('dir/hello.txt'), { headers: bearer('made-up') })).status).toBe(401);
    expect((await fetch(objectUrl('dir/hello.txt'), { headers: bearer('ro-token') })).status).toBe(200);
  });

  it('serves media with correct x-goog-hash and ranges', async () => {
    const full = await fetch(objectUrl('dir/hello.txt', '?alt=media'), { headers: bearer('ro-token') });
    const body = Buffer.from(await full.arrayBuffer());
    expect(body.toString()).toBe('hello world');
    const md5 = createHash('md5').update(body).digest('base64');
    expect(full.headers.get('x-goog-hash')).toBe(`crc32c=${crc32cBase64(body)},md5=${md5}`);
    const part = await fetch(objectUrl('dir/hello.txt', '?alt=media'), { headers: { ...bearer('ro-token'), range: 'bytes=6-' } });
    expect(part.status).toBe(206);
    expect(await part.text()).toBe('world');
    expect(part.headers.get('content-range')).toBe('bytes 6-10/11');
    const beyond = await fetch(objectUrl('dir/hello.txt', '?alt=media'), { headers: { ...bearer('ro-token'), range: 'bytes=50-' } });
    expect(beyond.status).toBe(416);
  });

  it('enforces the token scope: devstorage.read_only cannot write or delete', async () => {
    const upload = (token: string): Promise<Response> => fetch(`${fake.gcs.url}/upload/storage/v1/b/${BUCKET}/o?uploadType=media&name=dir/new.txt`, {
      method: 'POST', headers: { ...bearer(token), 'content-type': 'text/plain' }, body: 'x',
    });
    expect((await upload('ro-token')).status).toBe(403);
    expect(fake.gcs.getObject(BUCKET, 'dir/new.txt')).toBeUndefined();
    expect((await fetch(objectUrl('dir/hello.txt'), { method: 'DELETE', headers: bearer('ro-token') })).status).toBe(403);
    expect((await upload('rw-token')).status).toBe(200);
    expect(fake.gcs.getObject(BUCKET, 'dir/new.txt')?.data.toString()).toBe('x');
  });

  it('enforces bucket IAM for principals without a role', async () => {
    fake.directory.registerToken('outsider-storage', { principal: OUTSIDER, scopes: [SCOPES.storageReadWrite] });
    expect((await fetch(objectUrl('dir/hello.txt'), { headers: bearer('outsider-storage') })).status).toBe(403);
  });

  it('lists by prefix with pagination', async () => {
    fake.gcs.putObject(BUCKET, 'list/a', 'a');
    fake.gcs.putObject(BUCKET, 'list/b', 'b');
    fake.gcs.putObject(BUCKET, 'list/c', 'c');
    const page = await fetch(`${fake.gcs.url}/storage/v1/b/${BUCKET}/o?prefix=list/&maxResults=2`, { headers: bearer('ro-token') });
    const body = (await page.json()) as { items: Array<{ name: string }>; nextPageToken?: string };
    expect(body.items.map((i) => i.name)).toEqual(['list/a', 'list/b']);
    expect(body.nextPageToken).toBeDefined();
  });

  it('requires auth to start a resumable upload; chunks need none (the session URI is the credential) but a wrong token is refused', async () => {
    const start = await fetch(`${fake.gcs.url}/upload/storage/v1/b/${BUCKET}/o?uploadType=resumable`, {
      method: 'POST', headers: { ...bearer('rw-token'), 'content-type': 'application/json' }, body: JSON.stringify({ name: 'dir/resumable.bin', contentType: 'application/x-test' }),
    });
    expect(start.status).toBe(200);
    const session = start.headers.get('location')!;
    const chunk = Buffer.alloc(256 * 1024, 1);
    expect((await fetch(`${fake.gcs.url}/upload/storage/v1/b/${BUCKET}/o?uploadType=resumable&name=x`, { method: 'POST' })).status).toBe(401);
    expect((await fetch(session, { method: 'PUT', headers: { ...bearer('ro-token'), 'content-range': `bytes 0-${chunk.length - 1}/*` }, body: chunk })).status).toBe(403);
    const first = await fetch(session, { method: 'PUT', headers: { 'content-range': `bytes 0-${chunk.length - 1}/*` }, body: chunk });
    expect(first.status).toBe(308);
    expect(first.headers.get('range')).toBe(`bytes=0-${chunk.length - 1}`);
    const last = await fetch(session, { method: 'PUT', headers: { ...bearer('rw-token'), 'content-range': `bytes ${chunk.length}-${chunk.length + 2}/${chunk.length + 3}` }, body: 'end' });
    expect(last.status).toBe(200);
    const stored = fake.gcs.getObject(BUCKET, 'dir/resumable.bin')!;
    expect(stored.data.length).toBe(chunk.length + 3);
    expect(stored.contentType).toBe('application/x-test');
  });
});

describe('fake STS and credential access boundaries', () => {
  const exchange = (subject: string, rules: unknown): Promise<Response> => fetch(`${fake.sts.url}/v1/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange',
      subject_token_type: 'urn:ietf:params:oauth:token-type:access_token',
      requested_token_type: 'urn:ietf:params:oauth:token-type:access_token',
      subject_token: subject,
      options: JSON.stringify({ accessBoundary: { accessBoundaryRules: rules } }),
    }).toString(),
  });
  const viewerUnder = (prefix: string) => [{
    availableResource: `//storage.googleapis.com/projects/_/buckets/${BUCKET}`,
    availablePermissions: ['inRole:roles/storage.objectViewer'],
    availabilityCondition: { expression: `resource.name.startsWith('projects/_/buckets/${BUCKET}/objects/${prefix}') || api.getAttribute('storage.googleapis.com/objectListPrefix', '').startsWith('${prefix}')` },
  }];

  it('refuses invalid subjects and boundaries it cannot evaluate', async () => {
    expect((await exchange('made-up', viewerUnder('dir/'))).status).toBe(400);
    expect((await exchange('rw-token', [])).status).toBe(400);
    expect((await exchange('rw-token', [{ ...viewerUnder('dir/')[0], availabilityCondition: { expression: 'request.time < timestamp("2030-01-01T00:00:00Z")' } }])).status).toBe(400);
  });

  it('issues a token GCS confines to the boundary: prefix and role', async () => {
    const response = await exchange('rw-token', viewerUnder('dir/'));
    expect(response.status).toBe(200);
    const { access_token: token } = (await response.json()) as { access_token: string };
    expect((await fetch(objectUrl('dir/hello.txt', '?alt=media'), { headers: bearer(token) })).status).toBe(200);
    fake.gcs.putObject(BUCKET, 'other/secret.txt', 'no');
    expect((await fetch(objectUrl('other/secret.txt', '?alt=media'), { headers: bearer(token) })).status).toBe(403);
    expect((await fetch(`${fake.gcs.url}/storage/v1/b/${BUCKET}/o?prefix=dir/`, { headers: bearer(token) })).status).toBe(200);
    expect((await fetch(`${fake.gcs.url}/storage/v1/b/${BUCKET}/o?prefix=other/`, { headers: bearer(token) })).status).toBe(403);
    // The subject could write; the viewer boundary removes that.
    const write = await fetch(`${fake.gcs.url}/upload/storage/v1/b/${BUCKET}/o?uploadType=media&name=dir/cab.txt`, { method: 'POST', headers: bearer(token), body: 'x' });
    expect(write.status).toBe(403);
    expect(fake.sts.calls[0]).toMatchObject({ subjectPrincipal: TARGET, status: 200 });
  });
});

describe('fake GCS V4 signed URLs', () => {
  const sign = (method: string, object: string, options: { expiresSeconds?: number; at?: Date; headers?: Record<string, string> } = {}): string => {
    const parts = buildV4StringToSign({
      method, bucket: BUCKET, object, endpoint: fake.gcs.url, clientEmail: TARGET,
      timestamp: options.at ?? new Date(), expiresSeconds: options.expiresSeconds ?? 300, ...(options.headers ? { headers: options.headers } : {}),
    });
    return assembleV4Url(parts, signerKey.sign(parts.stringToSign));
  };

  it('serves a valid signed GET, and refuses tampered, expired and unknown-signer URLs with 403', async () => {
    const url = sign('GET', 'dir/hello.txt');
    expect(await (await fetch(url)).text()).toBe('hello world');
    const tampered = url.replace(/(X-Goog-Signature=)(.)/, (_m, p: string, c: string) => `${p}${c === '0' ? '1' : '0'}`);
    expect((await fetch(tampered)).status).toBe(403);
    expect((await fetch(url.replace('hello.txt', 'other.txt'))).status).toBe(403);
    expect((await fetch(url.replace('X-Goog-Expires=300', 'X-Goog-Expires=301'))).status).toBe(403);
    const expired = sign('GET', 'dir/hello.txt', { expiresSeconds: 10, at: new Date(Date.now() - 60_000) });
    expect((await fetch(expired)).status).toBe(403);
    expect((await fetch(url, { method: 'PUT', body: 'x' })).status).toBe(403); // signed for GET
  });

  it('accepts the Host header with or without the port', async () => {
    // Sign as a client that includes the port in the signed host.
    const parts = buildV4StringToSign({
      method: 'GET', bucket: BUCKET, object: 'dir/hello.txt', endpoint: fake.gcs.url, clientEmail: TARGET,
      timestamp: new Date(), expiresSeconds: 60, signedHost: new URL(fake.gcs.url).host,
    });
    expect((await fetch(assembleV4Url(parts, signerKey.sign(parts.stringToSign)))).status).toBe(200);
  });

  it('binds signed headers: a PUT signed with a Content-Type needs exactly that Content-Type', async () => {
    const url = sign('PUT', 'dir/put.txt', { headers: { 'Content-Type': 'text/csv' } });
    expect((await fetch(url, { method: 'PUT', headers: { 'content-type': 'text/plain' }, body: 'a,b' })).status).toBe(403);
    expect((await fetch(url, { method: 'PUT', headers: { 'content-type': 'text/csv' }, body: 'a,b' })).status).toBe(200);
    expect(fake.gcs.getObject(BUCKET, 'dir/put.txt')).toMatchObject({ contentType: 'text/csv' });
  });
});
