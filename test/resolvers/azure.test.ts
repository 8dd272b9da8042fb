import https from 'node:https';
import { inspect } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ContainerClient } from '@azure/storage-blob';
import { createAssetResolver, type AssetLinkEvent, type AssetResolver, type Integration } from '../../src/index.js';
import type { AssetLocation } from '../../src/types.js';
import { startAzureTestEnvironment, type AzureTestEnvironment } from '../../src/testing/azure/environment.js';
import { failure } from '../helpers/failure.js';

const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
const SECRET_APP = '0f7e1a52-1111-4c2b-9d7e-5f4a3b2c1d0e';
const FED_APP = '9b2c7d41-2222-4e8f-a1b3-c4d5e6f70819';
const OTHER_APP = 'a3b4c5d6-3333-4a5b-8c9d-0e1f2a3b4c5d';
/** Canary: if this string shows up in any error, event or printout, a secret leaked. */
const CANARY_SECRET = 'CANARY-client-secret-7c1f0e9a';
const ACCOUNT = 'samadata';
const CONTAINER = 'images';
const SUBJECT = 'sama-platform-workload';

const text = (s: string): Uint8Array => new TextEncoder().encode(s);
const decode = (b: Uint8Array): string => new TextDecoder().decode(b);
const uri = (key: string): string => `https://${ACCOUNT}.blob.core.windows.net/${CONTAINER}/${key}`;


describe('azure driver against Azurite (HTTPS, OAuth) and a fake Entra', () => {
  let env: AzureTestEnvironment;
  const assertions: string[] = [];
  let assertionCalls = 0;
  const resolvers: AssetResolver[] = [];
  const events: AssetLinkEvent[] = [];

  const secretAuth = { kind: 'client-secret', tenantId: TENANT, clientId: SECRET_APP, clientSecret: CANARY_SECRET } as const;
  const federatedAuth = {
    kind: 'federated', tenantId: TENANT, clientId: FED_APP,
    assertion: async () => {
      assertionCalls++;
      const jwt = env.issuer.mint({ subject: SUBJECT });
      assertions.push(jwt);
      return jwt;
    },
  } as const;
  const integrations: Integration[] = [
    { id: 'rw', provider: 'azure', mode: 'read-write', scope: { account: ACCOUNT, container: CONTAINER, prefix: 'rw' }, auth: secretAuth },
    { id: 'ro', provider: 'azure', scope: { account: ACCOUNT, container: CONTAINER, prefix: 'ro' }, auth: secretAuth },
    { id: 'fed', provider: 'azure', mode: 'read-write', scope: { account: ACCOUNT, container: CONTAINER, prefix: 'fed' }, auth: federatedAuth },
  ];

  /** A fresh resolver: cold credential cache, so each test counts its own token and key calls. */
  function makeResolver(extra: Partial<Parameters<typeof createAssetResolver>[0]> = {}, list: Integration[] = integrations): AssetResolver {
    const resolver = createAssetResolver({ integrations: list, platform: { azure: env.platform }, onEvent: (e) => events.push(e), ...extra });
    resolvers.push(resolver);
    return resolver;
  }

  beforeAll(async () => {
    env = await startAzureTestEnvironment({
      accounts: [ACCOUNT],
      containers: [`${ACCOUNT}/${CONTAINER}`],
      apps: [
        { tenantId: TENANT, clientId: SECRET_APP, clientSecret: CANARY_SECRET },
        { tenantId: TENANT, clientId: FED_APP, federated: [] },
        { tenantId: TENANT, clientId: OTHER_APP, federated: [] },
      ],
    });
    env.entra.addApp({ tenantId: TENANT, clientId: FED_APP, federated: [{ issuer: env.issuer.issuer, subject: SUBJECT }] });
    env.entra.addApp({ tenantId: TENANT, clientId: OTHER_APP, federated: [{ issuer: env.issuer.issuer, subject: 'someone-else' }] });
    await env.azurite.putBlob(CONTAINER, 'ro/photo.jpg', text('0123456789'), { account: ACCOUNT, contentType: 'image/jpeg' });
    await env.azurite.putBlob(CONTAINER, 'secret/x.txt', text('TOP SECRET'), { account: ACCOUNT });
  });

  afterAll(async () => {
    await Promise.allSettled(resolvers.map((r) => r.close()));
    await env?.close();
  });

  describe('objects', () => {
    it('heads, reads (whole, ranges) over HTTPS with a read-only SAS signed by a delegation key obtained with the Entra token', async () => {
      const resolver = makeResolver();
      const before = env.azurite.requests.length;
      const asset = await resolver.resolveAsset(uri('ro/photo.jpg'));
      const head = await asset.head();
      expect(head).toMatchObject({ size: 10, contentType: 'image/jpeg' });
      expect(head.etag).toBeTruthy();
      expect(head.lastModified).toBeInstanceOf(Date);
      expect(decode(await asset.bytes())).toBe('0123456789');
      expect(decode(new Uint8Array(await new Response(await asset.read({ range: { start: 3, end: 6 } })).arrayBuffer()))).toBe('3456');
      expect(decode(new Uint8Array(await new Response(await asset.read({ range: { start: 8 } })).arrayBuffer()))).toBe('89');
      const blobRequests = env.azurite.requests.slice(before).filter((r) => r.path === `/${ACCOUNT}/${CONTAINER}/ro/photo.jpg`);
      expect(blobRequests.map((r) => [r.method, r.auth, r.sas?.sp])).toEqual([['HEAD', 'sas', 'r'], ['GET', 'sas', 'r'], ['GET', 'sas', 'r'], ['GET', 'sas', 'r']]);
      expect(env.azurite.requests.slice(before).filter((r) => r.auth === 'bearer').map((r) => r.comp)).toEqual(['userdelegationkey']);
    });

    it('writes bytes and streams (block upload), sets the content type, deletes idempotently', async () => {
      const resolver = makeResolver();
      const asset = await resolver.resolveAsset(uri('rw/upload.bin'));
      await asset.write('small', { contentType: 'text/plain' });
      expect(decode((await env.azurite.getBlob(CONTAINER, 'rw/upload.bin', ACCOUNT))!)).toBe('small');
      expect(await env.azurite.getBlobContentType(CONTAINER, 'rw/upload.bin', ACCOUNT)).toBe('text/plain');

      // 9 MiB in 64 KiB chunks: more than two 4 MiB blocks, so it is staged and committed.
      const size = 9 * 1024 * 1024;
      let sent = 0;
      const before = env.azurite.requests.length;
      await asset.write(new ReadableStream<Uint8Array>({
        pull(controller) {
          if (sent >= size) { controller.close(); return; }
          const chunk = new Uint8Array(64 * 1024).map((_, i) => (sent + i) % 251);
          sent += chunk.byteLength;
          controller.enqueue(chunk);
        },
      }), { contentType: 'application/octet-stream' });
      const stored = (await env.azurite.getBlob(CONTAINER, 'rw/upload.bin', ACCOUNT))!;
      expect(stored.byteLength).toBe(size);
      expect(stored.every((b, i) => b === i % 251)).toBe(true);
      const comps = env.azurite.requests.slice(before).map((r) => r.comp);
      expect(comps.filter((c) => c === 'block').length).toBeGreaterThanOrEqual(3);
      expect(comps).toContain('blocklist');

      await asset.delete();
      expect(await env.azurite.getBlob(CONTAINER, 'rw/upload.bin', ACCOUNT)).toBeUndefined();
      await asset.delete();
      expect((await failure(asset.head())).code).toBe('NOT_FOUND');
    });

    it('lists keys under a prefix', async () => {
      const resolver = makeResolver();
      for (const k of ['a', 'b', 'c']) await env.azurite.putBlob(CONTAINER, `ro/list/${k}.txt`, k, { account: ACCOUNT });
      const driver = await resolver.driver('azure');
      const integration = resolver.integration('ro');
      const location: AssetLocation = { provider: 'azure', account: ACCOUNT, bucket: CONTAINER, key: 'ro/list/', uri: uri('ro/list/') };
      const all = await driver.list!({ integration, location }, 10);
      expect(all).toEqual({ keys: ['ro/list/a.txt', 'ro/list/b.txt', 'ro/list/c.txt'], truncated: false });
      const some = await driver.list!({ integration, location }, 2);
      expect(some.keys).toHaveLength(2);
      expect(some.truncated).toBe(true);
    });

    it('maps a missing container to NOT_FOUND', async () => {
      const resolver = makeResolver({}, [{ id: 'nc', provider: 'azure', scope: { account: ACCOUNT, container: 'no-such-container' }, auth: secretAuth }]);
      const asset = await resolver.resolveAsset(`https://${ACCOUNT}.blob.core.windows.net/no-such-container/a.txt`);
      const error = await failure(asset.head());
      expect(error.code).toBe('NOT_FOUND');
      expect(error.integrationId).toBe('nc');
    });
  });

  describe('user-delegation SAS', () => {
    it('a GET URL fetched with fetch returns the bytes; it is read-only, blob-scoped and https-only', async () => {
      const resolver = makeResolver();
      const url = await resolver.presign(uri('ro/photo.jpg'), 600);
      const params = new URL(url.url).searchParams;
      expect(params.get('sp')).toBe('r');
      expect(params.get('sr')).toBe('b');
      expect(params.get('spr')).toBe('https');
      expect(params.get('skoid')).toBeTruthy();
      expect(url.url.startsWith(`${env.azurite.blobEndpoint(ACCOUNT)}/${CONTAINER}/ro/photo.jpg?`)).toBe(true);
      const response = await env.fetch(url.url, { headers: url.headers });
      expect(response.status).toBe(200);
      expect(await response.text()).toBe('0123456789');
      // The start is backdated for clock skew; the URL never outlives the key that signed it.
      expect(Date.parse(params.get('st')!)).toBeLessThanOrEqual(Date.now() - 240_000);
      expect(Date.parse(params.get('se')!)).toBeLessThanOrEqual(Date.parse(params.get('ske')!));
    });

    it('a read-only SAS cannot PUT: Azurite answers 403 and the blob is unchanged', async () => {
      const resolver = makeResolver();
      const url = await resolver.presign(uri('ro/photo.jpg'), 600);
      const response = await env.fetch(url.url, { method: 'PUT', headers: { 'x-ms-blob-type': 'BlockBlob' }, body: 'overwritten' });
      expect(response.status).toBe(403);
      expect(await response.text()).toContain('AuthorizationPermissionMismatch');
      expect(decode((await env.azurite.getBlob(CONTAINER, 'ro/photo.jpg', ACCOUNT))!)).toBe('0123456789');
    });

    it('GET URLs of a read-write integration are read-only too (least privilege)', async () => {
      const resolver = makeResolver();
      await env.azurite.putBlob(CONTAINER, 'rw/keep.txt', 'keep', { account: ACCOUNT });
      const url = await resolver.presign(uri('rw/keep.txt'), 600);
      expect(new URL(url.url).searchParams.get('sp')).toBe('r');
      const response = await env.fetch(url.url, { method: 'PUT', headers: { 'x-ms-blob-type': 'BlockBlob' }, body: 'changed' });
      expect(response.status).toBe(403);
    });

    it('a PUT URL (sp=cw) uploads with the headers it names', async () => {
      const resolver = makeResolver();
      const url = await resolver.presign(uri('rw/put.txt'), 300, { method: 'PUT', contentType: 'text/csv' });
      expect(new URL(url.url).searchParams.get('sp')).toBe('cw');
      expect(url.headers).toEqual({ 'x-ms-blob-type': 'BlockBlob', 'content-type': 'text/csv' });
      const response = await env.fetch(url.url, { method: 'PUT', headers: url.headers, body: 'a,b\n1,2\n' });
      expect(response.status).toBe(201);
      expect(decode((await env.azurite.getBlob(CONTAINER, 'rw/put.txt', ACCOUNT))!)).toBe('a,b\n1,2\n');
      expect(await env.azurite.getBlobContentType(CONTAINER, 'rw/put.txt', ACCOUNT)).toBe('text/csv');
    });

    it('an expired SAS is refused', async () => {
      // A clock two hours behind: the key is still valid, the 10-minute URL ended long ago.
      const resolver = makeResolver({ now: () => Date.now() - 2 * 3600_000 });
      const url = await resolver.presign(uri('ro/photo.jpg'), 600);
      expect(url.expiresAt.getTime()).toBeLessThan(Date.now());
      const response = await env.fetch(url.url);
      expect(response.status).toBe(403);
    });

    it('a SAS for one blob does not open another', async () => {
      const resolver = makeResolver();
      const url = await resolver.presign(uri('ro/photo.jpg'), 600);
      const other = url.url.replace('/ro/photo.jpg?', '/secret/x.txt?');
      expect((await env.fetch(other)).status).toBe(403);
    });

    it('1000 concurrent cold presigns make one Entra token call and one user-delegation-key call', async () => {
      const resolver = makeResolver();
      const tokensBefore = env.entra.tokenCallsFor(SECRET_APP);
      const keysBefore = env.azurite.userDelegationKeyRequests;
      const urls = await Promise.all(Array.from({ length: 1000 }, (_, i) => resolver.presign(uri(`ro/many/${i}.jpg`), 900)));
      expect(urls).toHaveLength(1000);
      expect(env.entra.tokenCallsFor(SECRET_APP) - tokensBefore).toBe(1);
      expect(env.azurite.userDelegationKeyRequests - keysBefore).toBe(1);
      // One key signed them all.
      expect(new Set(urls.map((u) => new URL(u.url).searchParams.get('ske'))).size).toBe(1);
    });

    it('reuses the cached key for many URLs and fetches a longer one only when a URL must outlive it', async () => {
      const resolver = makeResolver({ platform: { azure: { ...env.platform, delegationKeyTtlSeconds: 86_400 } } });
      const keysBefore = env.azurite.userDelegationKeyRequests;
      for (let i = 0; i < 50; i++) await resolver.presign(uri(`ro/reuse/${i}.jpg`), 3600);
      expect(env.azurite.userDelegationKeyRequests - keysBefore).toBe(1);

      const threeDays = 3 * 86_400;
      const long = await resolver.presign(uri('ro/photo.jpg'), threeDays);
      expect(env.azurite.userDelegationKeyRequests - keysBefore).toBe(2);
      const params = new URL(long.url).searchParams;
      expect(Date.parse(params.get('ske')!)).toBeGreaterThanOrEqual(long.expiresAt.getTime());
      expect(Date.parse(params.get('ske')!)).toBeLessThanOrEqual(Date.now() + 7 * 86_400_000);
      expect((await env.fetch(long.url)).status).toBe(200);
      // The longer key now serves short URLs as well.
      await resolver.presign(uri('ro/photo.jpg'), 60);
      expect(env.azurite.userDelegationKeyRequests - keysBefore).toBe(2);
    });

    it('keeps TTLs within 7 days: INVALID_TTL above, clamp shortens truthfully', async () => {
      const resolver = makeResolver();
      expect((await failure(resolver.presign(uri('ro/photo.jpg'), 8 * 86_400))).code).toBe('INVALID_TTL');
      const clamped = await resolver.presign(uri('ro/photo.jpg'), 8 * 86_400, { clamp: true });
      const ske = Date.parse(new URL(clamped.url).searchParams.get('ske')!);
      expect(clamped.expiresAt.getTime()).toBeLessThanOrEqual(ske);
      expect(clamped.expiresAt.getTime()).toBeLessThanOrEqual(Date.now() + 7 * 86_400_000);
      expect(clamped.expiresAt.getTime()).toBeGreaterThan(Date.now() + 6 * 86_400_000);
    });
  });

  describe('credentials', () => {
    it('a wrong client secret is ACCESS_DENIED, typed, not retried, and does not echo the secret', async () => {
      const wrong = 'CANARY-wrong-secret-55aa';
      const resolver = makeResolver({}, [{ id: 'bad', provider: 'azure', scope: { account: ACCOUNT, container: CONTAINER }, auth: { ...secretAuth, clientSecret: wrong } }]);
      const before = env.entra.tokenRequests.length;
      const asset = await resolver.resolveAsset(uri('ro/photo.jpg'));
      const error = await failure(asset.bytes());
      expect(error.code).toBe('ACCESS_DENIED');
      expect(error.retryable).toBe(false);
      expect(error.integrationId).toBe('bad');
      expect(error.message).toContain('AADSTS7000215');
      expect(env.entra.tokenRequests.length - before).toBe(1);
      for (const shown of [error.message, JSON.stringify(error), inspect(error, { depth: 5 }), String(error.stack)]) {
        expect(shown).not.toContain(wrong);
      }
      const presignError = await failure(resolver.presign(uri('ro/photo.jpg'), 60));
      expect(presignError.code).toBe('ACCESS_DENIED');
    });

    it('an unknown tenant is CREDENTIALS_UNAVAILABLE', async () => {
      const resolver = makeResolver({}, [{
        id: 'lost', provider: 'azure', scope: { account: ACCOUNT, container: CONTAINER },
        auth: { ...secretAuth, tenantId: '00000000-0000-4000-8000-000000000000' },
      }]);
      const error = await failure((await resolver.resolveAsset(uri('ro/photo.jpg'))).head());
      expect(error.code).toBe('CREDENTIALS_UNAVAILABLE');
      expect(error.message).toContain('AADSTS90002');
    });

    it('a throttling or failing token service is retried with backoff', async () => {
      const resolver = makeResolver();
      const before = env.entra.tokenCallsFor(SECRET_APP);
      env.entra.injectFault({ status: 503 });
      env.entra.injectFault({ status: 429, retryAfterSeconds: 1 });
      expect(decode(await (await resolver.resolveAsset(uri('ro/photo.jpg'))).bytes())).toBe('0123456789');
      expect(env.entra.tokenCallsFor(SECRET_APP) - before).toBe(3);
    });

    it('a token service that keeps failing gives a retryable CREDENTIALS_UNAVAILABLE after bounded retries', async () => {
      const resolver = makeResolver();
      const before = env.entra.tokenCallsFor(SECRET_APP);
      env.entra.injectFault({ status: 500, times: 10 });
      const error = await failure((await resolver.resolveAsset(uri('ro/photo.jpg'))).head());
      env.entra.clearFaults();
      expect(error.code).toBe('CREDENTIALS_UNAVAILABLE');
      expect(error.retryable).toBe(true);
      expect(error.message).toContain('AADSTS90033');
      expect(env.entra.tokenCallsFor(SECRET_APP) - before).toBe(3);
    });

    it('federated: the assertion callback runs only when a new token is needed', async () => {
      const callsBefore = assertionCalls;
      const tokensBefore = env.entra.tokenCallsFor(FED_APP);
      const resolver = makeResolver();
      const asset = await resolver.resolveAsset(uri('fed/notes.txt'));
      await asset.write('written via federation', { contentType: 'text/plain' });
      for (let i = 0; i < 5; i++) expect(decode(await asset.bytes())).toBe('written via federation');
      await Promise.all(Array.from({ length: 100 }, (_, i) => resolver.presign(uri(`fed/p${i}.txt`), 600)));
      expect(env.entra.tokenCallsFor(FED_APP) - tokensBefore).toBe(1);
      expect(assertionCalls - callsBefore).toBe(1);
      // The token Entra issued was obtained with a client assertion (no secret anywhere).
      const request = env.entra.tokenRequests.filter((r) => r.clientId === FED_APP).at(-1)!;
      expect(request).toMatchObject({ grant: 'client_assertion', status: 200 });

      // A second resolver has a cold cache: one more token, one more assertion.
      const again = makeResolver();
      await (await again.resolveAsset(uri('fed/notes.txt'))).head();
      expect(assertionCalls - callsBefore).toBe(2);
      expect(env.entra.tokenCallsFor(FED_APP) - tokensBefore).toBe(2);
    });

    it('federated: a subject with no federated credential is ACCESS_DENIED and the assertion is not echoed', async () => {
      const minted: string[] = [];
      const resolver = makeResolver({}, [{
        id: 'fed-other', provider: 'azure', scope: { account: ACCOUNT, container: CONTAINER },
        auth: { kind: 'federated', tenantId: TENANT, clientId: OTHER_APP, assertion: async () => { const a = env.issuer.mint({ subject: SUBJECT }); minted.push(a); return a; } },
      }]);
      const error = await failure((await resolver.resolveAsset(uri('ro/photo.jpg'))).head());
      expect(error.code).toBe('ACCESS_DENIED');
      expect(error.message).toContain('AADSTS700213');
      expect(minted.length).toBeGreaterThan(0);
      for (const shown of [error.message, JSON.stringify(error), inspect(error, { depth: 5 })]) {
        for (const assertion of minted) {
          expect(shown).not.toContain(assertion);
          expect(shown).not.toContain(assertion.split('.')[2]!);
        }
      }
    });

    it('federated: a failing assertion callback is CREDENTIALS_UNAVAILABLE', async () => {
      const resolver = makeResolver({}, [{
        id: 'fed-broken', provider: 'azure', scope: { account: ACCOUNT, container: CONTAINER },
        auth: { kind: 'federated', tenantId: TENANT, clientId: FED_APP, assertion: async () => { throw new Error('cognito down'); } },
      }]);
      const error = await failure((await resolver.resolveAsset(uri('ro/photo.jpg'))).head());
      expect(error.code).toBe('CREDENTIALS_UNAVAILABLE');
    });
  });

  describe('verify', () => {
    it('a read-write integration: credentials, listing, a write probe that cleans up, CORS', async () => {
      await env.azurite.setCors([{ allowedOrigins: ['https://app.example'], allowedMethods: ['GET', 'PUT', 'OPTIONS'] }], ACCOUNT);
      const resolver = makeResolver();
      const report = await resolver.verify('rw', { origin: 'https://app.example' });
      const status = Object.fromEntries(report.checks.map((c) => [c.name, c.status]));
      expect(status).toMatchObject({ credentials: 'pass', list: 'pass', 'write-probe': 'pass', cors: 'pass' });
      expect(report.status).toBe('active');
      expect(report.checks.find((c) => c.name === 'credentials')!.detail).toContain('user delegation key');
      expect((await env.azurite.listBlobs(CONTAINER, 'rw/.assetlink', ACCOUNT))).toEqual([]);
      const other = await resolver.verify('rw', { origin: 'https://evil.example' });
      expect(other.checks.find((c) => c.name === 'cors')!.status).toBe('fail');
    });

    it('a read-only integration cannot write even though its token could (Azurite has no RBAC): its SAS carries only r', async () => {
      const resolver = makeResolver();
      const report = await resolver.verify('ro');
      const probe = report.checks.find((c) => c.name === 'read-only-enforced')!;
      expect(probe.status).toBe('pass');
      expect(await env.azurite.listBlobs(CONTAINER, 'ro/.assetlink', ACCOUNT)).toEqual([]);
    });

    it('wrong credentials fail the credentials check with a typed code and a hint', async () => {
      const resolver = makeResolver({}, [{ id: 'bad-verify', provider: 'azure', scope: { account: ACCOUNT, container: CONTAINER }, auth: { ...secretAuth, clientSecret: 'nope' } }]);
      const report = await resolver.verify('bad-verify');
      const credentials = report.checks.find((c) => c.name === 'credentials')!;
      expect(credentials).toMatchObject({ status: 'fail', code: 'ACCESS_DENIED' });
      expect(credentials.hint).toMatch(/client secret/);
      expect(report.status).toBe('pending');
    });
  });

  describe('timeouts', () => {
    it('a storage endpoint that never answers is TIMEOUT, not a hang', async () => {
      const sockets = new Set<import('node:net').Socket>();
      const silent = https.createServer({ cert: env.tls.cert, key: env.tls.key }, () => { /* never answers */ });
      silent.on('secureConnection', (socket) => sockets.add(socket));
      await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
      const port = (silent.address() as { port: number }).port;
      try {
        // 1 s, not less: the fake Entra (same process, shared machine) must answer the token request
        // within the same timeout before the silent storage endpoint is even asked.
        const resolver = makeResolver({ requestTimeoutMs: 1_000, platform: { azure: { ...env.platform, blobEndpoint: `https://127.0.0.1:${port}/{account}` } } });
        const error = await failure((await resolver.resolveAsset(uri('ro/photo.jpg'))).head());
        expect(error.code).toBe('TIMEOUT');
        expect(error.retryable).toBe(true);
      } finally {
        for (const socket of sockets) socket.destroy();
        silent.close();
      }
    });

    it('a token service that never answers is a retryable CREDENTIALS_UNAVAILABLE', async () => {
      const resolver = makeResolver({ requestTimeoutMs: 300 });
      env.entra.delayMs = 5_000;
      try {
        const error = await failure((await resolver.resolveAsset(uri('ro/photo.jpg'))).head());
        expect(error.code).toBe('CREDENTIALS_UNAVAILABLE');
        expect(error.retryable).toBe(true);
      } finally {
        env.entra.delayMs = 0;
      }
    });
  });

  describe('the key on the wire is the key that passed the scope check', () => {
    it('the SDK alone would rewrite a climbing blob name (why URLs are built here)', () => {
      const client = new ContainerClient(`${env.azurite.blobEndpoint(ACCOUNT)}/${CONTAINER}`);
      expect(client.getBlobClient('ro/../secret/x.txt').url).toMatch(/\/images\/secret\/x\.txt$/);
    });

    it('URIs with dot segments never resolve', async () => {
      const resolver = makeResolver();
      for (const bad of [uri('ro/../secret/x.txt'), uri('ro/%2e%2e/secret/x.txt'), uri('ro/./photo.jpg'), `az://${CONTAINER}/ro/../secret/x.txt`]) {
        const error = await failure(resolver.resolveAsset(bad));
        expect(['INVALID_URI', 'OUT_OF_SCOPE', 'NO_INTEGRATION']).toContain(error.code);
      }
    });

    it('a crafted key handed straight to the driver cannot reach another prefix', async () => {
      const resolver = makeResolver();
      const driver = await resolver.driver('azure');
      const integration = resolver.integration('ro');
      const before = env.azurite.requests.length;
      for (const key of ['ro/../secret/x.txt', 'ro/./../secret/x.txt', 'ro/..', 'ro\\..\\secret\\x.txt']) {
        const target = { integration, location: { provider: 'azure', account: ACCOUNT, bucket: CONTAINER, key, uri: uri('ro/x') } as AssetLocation };
        expect((await failure(driver.read(target))).code).toBe('INVALID_URI');
        expect((await failure(driver.head(target))).code).toBe('INVALID_URI');
        expect((await failure(driver.presign(target, { method: 'GET', ttlSeconds: 60, clamp: false }))).code).toBe('INVALID_URI');
      }
      expect(env.azurite.requests.slice(before).filter((r) => r.path.includes('secret'))).toEqual([]);
    });

    it('percent-encoded dots are literal key characters, sent encoded, never decoded into a climb', async () => {
      const resolver = makeResolver();
      const driver = await resolver.driver('azure');
      const integration = resolver.integration('ro');
      const key = 'ro/%2e%2e/secret/x.txt';
      const target = { integration, location: { provider: 'azure', account: ACCOUNT, bucket: CONTAINER, key, uri: uri('ro/x') } as AssetLocation };
      const before = env.azurite.requests.length;
      expect((await failure(driver.head(target))).code).toBe('NOT_FOUND');
      const sent = env.azurite.requests.slice(before).map((r) => r.path);
      expect(sent).toContain(`/${ACCOUNT}/${CONTAINER}/ro/%252e%252e/secret/x.txt`);
      const url = await driver.presign(target, { method: 'GET', ttlSeconds: 60, clamp: false });
      expect(new URL(url.url).pathname).toBe(`/${ACCOUNT}/${CONTAINER}/ro/%252e%252e/secret/x.txt`);
      expect((await env.fetch(url.url)).status).toBe(404);
    });

    it('unusual but legal characters survive the round trip exactly', async () => {
      const resolver = makeResolver();
      const key = 'rw/spaced name+plus #hash ?q=1&x=%41 é😀/(1).txt';
      const asset = await resolver.resolveAsset(`az://${CONTAINER}/${key}`, 'rw');
      await asset.write('odd');
      expect(await env.azurite.listBlobs(CONTAINER, 'rw/spaced', ACCOUNT)).toEqual([key]);
      const url = await asset.presign({ ttlSeconds: 60 });
      expect(await (await env.fetch(url.url)).text()).toBe('odd');
    });
  });

  describe('secrets', () => {
    it('never appear in printouts, events, URLs or errors', async () => {
      const resolver = makeResolver();
      await (await resolver.resolveAsset(uri('fed/notes.txt'))).head();
      const url = await resolver.presign(uri('ro/photo.jpg'), 60);
      const shown = [
        JSON.stringify(resolver), inspect(resolver, { depth: 10 }), JSON.stringify(resolver.listIntegrations()),
        inspect(resolver.integration('rw'), { depth: 10 }), JSON.stringify(events), url.url, JSON.stringify(url.headers),
        inspect(await resolver.driver('azure'), { depth: 6 }),
      ].join('\n');
      expect(shown).not.toContain(CANARY_SECRET);
      for (const assertion of assertions) expect(shown).not.toContain(assertion);
    });
  });
});
