import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAssetResolver, type AssetResolver, type Integration } from '../../src/index.js';
import { startAzureTestEnvironment, type AzureTestEnvironment } from '../../src/testing/azure/environment.js';
import { createTrustingFetch, type FetchLike } from '../../src/testing/azure/https-fetch.js';
import { codeOf } from '../helpers/failure.js';

/**
 * Issue 16 on Azure Blob Storage (Azurite over HTTPS with OAuth): the encryption scope on every
 * write request, object options, rscd/rsct on read SAS URLs, abort and progress.
 *
 * Azurite 3.35 accepts `x-ms-encryption-scope` but does not implement encryption scopes (and
 * refuses SAS `ses` in strict mode), so the scope is proved on the wire: the request log, and
 * `requireEncryptionScope`, a rule in front of Azurite that refuses writes without the header.
 */

const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
const APP = '0f7e1a52-1111-4c2b-9d7e-5f4a3b2c1d0e';
const SECRET = 'client-secret-for-write-options';
const ACCOUNT = 'wbdata';
const CONTAINER = 'outputs';
const SCOPE = 'customerscope1';
const MiB = 1024 * 1024;
const uri = (key: string): string => `https://${ACCOUNT}.blob.core.windows.net/${CONTAINER}/${key}`;
const decode = (b: Uint8Array): string => new TextDecoder().decode(b);

let env: AzureTestEnvironment;
let resolver: AssetResolver;
let fetchTrusting: FetchLike;

beforeAll(async () => {
  env = await startAzureTestEnvironment({ accounts: [ACCOUNT], containers: [`${ACCOUNT}/${CONTAINER}`], apps: [{ tenantId: TENANT, clientId: APP, clientSecret: SECRET }] });
  env.azurite.requireEncryptionScope(CONTAINER, SCOPE, ACCOUNT);
  fetchTrusting = createTrustingFetch(env.azurite.ca);
  const auth = { kind: 'client-secret', tenantId: TENANT, clientId: APP, clientSecret: SECRET } as const;
  const integrations: Integration[] = [
    { id: 'scoped', provider: 'azure', mode: 'read-write', scope: { account: ACCOUNT, container: CONTAINER, prefix: 'enc' }, auth, encryption: { scope: SCOPE } },
    { id: 'unscoped', provider: 'azure', mode: 'read-write', scope: { account: ACCOUNT, container: CONTAINER, prefix: 'plain' }, auth },
  ];
  resolver = createAssetResolver({ integrations, platform: { azure: { ...env.platform } } });
});
afterAll(async () => {
  await resolver?.close();
  await env?.close();
});

describe('azure: encryption scope per integration', () => {
  it('Put Blob and every Put Block / Put Block List name the scope; without it the write is refused (ACCESS_DENIED)', async () => {
    const before = env.azurite.requests.length;
    await (await resolver.resolveAsset(uri('enc/small.txt'))).write('small');
    const chunk = new Uint8Array(MiB).fill(2);
    async function* body() { for (let i = 0; i < 9; i++) yield chunk; }
    await (await resolver.resolveAsset(uri('enc/big.bin'))).write(body());
    const writes = env.azurite.requests.slice(before).filter((r) => r.method === 'PUT');
    expect(writes.length).toBeGreaterThan(2);
    expect(writes.some((r) => r.comp === 'block')).toBe(true);
    expect(writes.some((r) => r.comp === 'blocklist')).toBe(true);
    expect(writes.every((r) => r.encryptionScope === SCOPE)).toBe(true);
    expect(decode(await (await resolver.resolveAsset(uri('enc/small.txt'))).bytes())).toBe('small');
    expect(await codeOf((await resolver.resolveAsset(uri('plain/x.txt'))).write('x'))).toBe('ACCESS_DENIED');
    expect(await env.azurite.getBlob(CONTAINER, 'plain/x.txt', ACCOUNT)).toBeUndefined();
  });

  it('presigned PUTs list x-ms-encryption-scope in headers; sending them uploads, omitting them is refused', async () => {
    const url = await (await resolver.resolveAsset(uri('enc/browser.txt'))).presign({ method: 'PUT', ttlSeconds: 300 });
    expect(url.headers).toEqual({ 'x-ms-blob-type': 'BlockBlob', 'x-ms-encryption-scope': SCOPE });
    expect((await fetchTrusting(url.url, { method: 'PUT', body: 'x', headers: { 'x-ms-blob-type': 'BlockBlob' } })).status).toBe(403);
    expect((await fetchTrusting(url.url, { method: 'PUT', body: 'from browser', headers: url.headers })).status).toBe(201);
    expect(decode((await env.azurite.getBlob(CONTAINER, 'enc/browser.txt', ACCOUNT))!)).toBe('from browser');
  });

  it('validates the scope name', () => {
    expect(() => createAssetResolver({ integrations: [{ id: 'bad-az', provider: 'azure', scope: { account: ACCOUNT, container: CONTAINER }, auth: { kind: 'client-secret', tenantId: TENANT, clientId: APP, clientSecret: 's' }, encryption: { scope: 'no spaces!' } }] }))
      .toThrow(expect.objectContaining({ code: 'INVALID_INTEGRATION', field: 'encryption.scope', integrationId: 'bad-az' }));
  });
});

describe('azure: object options and response overrides', () => {
  it('stores contentDisposition, cacheControl and metadata; head() returns them; "-" in a metadata name is refused', async () => {
    const asset = await resolver.resolveAsset(uri('enc/report.pdf'));
    await asset.write('pdf', { contentType: 'application/pdf', contentDisposition: 'attachment; filename="r.pdf"', cacheControl: 'max-age=5', metadata: { source: 'pipeline7' } });
    expect(await asset.head()).toMatchObject({ contentType: 'application/pdf', contentDisposition: 'attachment; filename="r.pdf"', cacheControl: 'max-age=5', metadata: { source: 'pipeline7' } });
    expect(await codeOf(asset.write('x', { metadata: { 'job-id': '1' } }))).toBe('INVALID_ARGUMENT');
  });

  it('signs rscd / rsct into read SAS URLs; the download carries them', async () => {
    const asset = await resolver.resolveAsset(uri('enc/report.pdf'));
    const url = await asset.presign({ ttlSeconds: 60, responseContentDisposition: 'attachment; filename="cat.jpg"', responseContentType: 'image/jpeg' });
    const res = await fetchTrusting(url.url);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-disposition')).toBe('attachment; filename="cat.jpg"');
    expect(res.headers.get('content-type')).toBe('image/jpeg');
    const tampered = new URL(url.url);
    tampered.searchParams.set('rscd', 'inline');
    expect((await fetchTrusting(tampered.toString())).status).toBe(403);
  });
});

describe('azure: abort and progress', () => {
  it('an aborted block upload commits nothing: no blob, no Put Block List', async () => {
    const asset = await resolver.resolveAsset(uri('enc/aborted.bin'));
    const controller = new AbortController();
    const chunk = new Uint8Array(MiB).fill(1);
    async function* body() {
      for (let i = 0; i < 9; i++) yield chunk;
      await new Promise((resolve) => controller.signal.addEventListener('abort', resolve));
      throw new Error('source closed');
    }
    const before = env.azurite.requests.length;
    const write = asset.write(body(), { signal: controller.signal, onProgress: (n) => { if (n >= 4 * MiB) controller.abort(); } });
    expect(await codeOf(write)).toBe('ABORTED');
    expect(await env.azurite.getBlob(CONTAINER, 'enc/aborted.bin', ACCOUNT)).toBeUndefined();
    expect(env.azurite.requests.slice(before).some((r) => r.comp === 'blocklist')).toBe(false);
  });
});
