import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AssetLinkError, createAssetResolver, generateSetup, type AssetResolver, type Integration } from '../../src/index.js';
import { validateIntegration } from '../../src/integrations/validate.js';
import { anonymousAzureError } from '../../src/resolvers/azure/public-url.js';
import { fixHint } from '../../src/verify/hints.js';
import { startAzureTestEnvironment, type AzureTestEnvironment } from '../../src/testing/azure/environment.js';

/**
 * Azure `{ kind: 'anonymous' }` on Azurite: unsigned requests to public containers (no SAS, no
 * bearer token, no Entra token, no user delegation key), always read-only, presign = the plain
 * blob URL, and a private container is a typed refusal that nothing retries with an identity.
 */

const ACCOUNT = 'pubdata';
const OPEN = 'open'; // public access "container": blobs and listing
const BLOBS = 'blobonly'; // public access "blob": blobs by name only
const CLOSED = 'closed'; // private
const CLIENT_ID = '11111111-2222-3333-4444-555555555555';
const TENANT_ID = '99999999-8888-7777-6666-555555555555';
const uri = (container: string, key: string): string => `https://${ACCOUNT}.blob.core.windows.net/${container}/${key}`;

async function failure(promise: Promise<unknown> | (() => unknown)): Promise<AssetLinkError> {
  try { await (typeof promise === 'function' ? Promise.resolve().then(promise) : promise); } catch (error) { expect(error).toBeInstanceOf(AssetLinkError); return error as AssetLinkError; }
  throw new Error('expected a failure');
}

describe('Azure anonymous (public containers)', () => {
  let env: AzureTestEnvironment;
  let resolver: AssetResolver;
  const anonymous = (id: string, container: string, more: Record<string, unknown> = {}): Integration =>
    ({ id, provider: 'azure', scope: { account: ACCOUNT, container, ...more }, auth: { kind: 'anonymous' } }) as Integration;

  beforeAll(async () => {
    env = await startAzureTestEnvironment({
      accounts: [ACCOUNT],
      containers: [OPEN, BLOBS, CLOSED].map((c) => `${ACCOUNT}/${c}`),
      // An app that can read everything: any fallback to an identity would find it.
      apps: [{ tenantId: TENANT_ID, clientId: CLIENT_ID, clientSecret: 'platform-app-secret' }] as never,
    });
    await env.azurite.setContainerPublicAccess(OPEN, 'container', ACCOUNT);
    await env.azurite.setContainerPublicAccess(BLOBS, 'blob', ACCOUNT);
    for (const c of [OPEN, BLOBS, CLOSED]) {
      await env.azurite.putBlob(c, 'images/cat.jpg', '0123456789', { account: ACCOUNT, contentType: 'image/jpeg' });
      await env.azurite.putBlob(c, 'images/dog.jpg', 'woof', { account: ACCOUNT });
      await env.azurite.putBlob(c, 'other/x.txt', 'x', { account: ACCOUNT });
    }
    resolver = createAssetResolver({
      platform: { azure: env.platform },
      integrations: [
        anonymous('open', OPEN, { prefix: 'images' }),
        anonymous('blobs', BLOBS),
        anonymous('closed', CLOSED),
        // The same private container through an app registration, next to it: a fallback would use it.
        { id: 'app', provider: 'azure', scope: { account: ACCOUNT, container: CLOSED, prefix: 'other' }, auth: { kind: 'client-secret', tenantId: TENANT_ID, clientId: CLIENT_ID, clientSecret: 'platform-app-secret' } },
      ],
    });
  });
  afterAll(async () => {
    await resolver?.close();
    await env?.close();
  });
  beforeEach(() => { env.azurite.requests.length = 0; });

  /** Every request Azurite saw was unsigned: no Authorization header, no SAS fields in the query. */
  function expectOnlyUnsigned(): void {
    for (const r of env.azurite.requests) {
      expect(r.auth).toBe('anonymous');
      expect(r.queryNames.filter((n) => ['sig', 'sv', 'sp', 'se', 'skoid', 'sr'].includes(n))).toEqual([]);
    }
    expect(env.azurite.userDelegationKeyRequests).toBe(0);
    expect(env.entra.tokenRequests).toHaveLength(0);
  }

  describe('validation', () => {
    it('read-write is INVALID_INTEGRATION naming mode and the integration', async () => {
      const error = await failure(() => validateIntegration({ ...anonymous('rw-anon', OPEN), mode: 'read-write' } as Integration));
      expect(error).toMatchObject({ code: 'INVALID_INTEGRATION', field: 'mode', integrationId: 'rw-anon' });
      expect(error.message).toContain('rw-anon');
      expect(error.message).toMatch(/read-only/);
    });

    it('needs no tenantId or clientId, defaults to read-only, and refuses a container-less scope', async () => {
      const ok = validateIntegration(anonymous('ok', OPEN)) as { mode?: string; auth?: unknown };
      expect(ok).toMatchObject({ mode: 'read-only', auth: { kind: 'anonymous' } });
      const wide = await failure(() => validateIntegration({ id: 'wide', tenant: 't1', provider: 'azure', scope: { account: ACCOUNT }, auth: { kind: 'anonymous' } } as Integration));
      expect(wide).toMatchObject({ code: 'INVALID_INTEGRATION', integrationId: 'wide' });
    });
  });

  it('reads, ranges and heads a public blob with unsigned requests and no Entra request at all', async () => {
    const asset = await resolver.resolveAsset(uri(OPEN, 'images/cat.jpg'));
    expect(asset.mode).toBe('read-only');
    expect(await asset.head()).toMatchObject({ size: 10, contentType: 'image/jpeg' });
    expect(new TextDecoder().decode(await asset.bytes())).toBe('0123456789');
    expect(new TextDecoder().decode(new Uint8Array(await new Response(await asset.read({ range: { start: 2, end: 4 } })).arrayBuffer()))).toBe('234');
    expect(env.azurite.requests.length).toBeGreaterThanOrEqual(3);
    expectOnlyUnsigned();
  });

  it('reads from a container with public access "blob" too', async () => {
    const asset = await resolver.resolveAsset(uri(BLOBS, 'images/dog.jpg'));
    expect(new TextDecoder().decode(await asset.bytes())).toBe('woof');
    expectOnlyUnsigned();
  });

  it('lists a container with public access "container", unsigned, within the integration prefix only', async () => {
    const keys: string[] = [];
    for await (const o of resolver.list(uri(OPEN, 'images/'))) keys.push(o.key);
    expect(keys).toEqual(['images/cat.jpg', 'images/dog.jpg']);
    // Outside the integration's prefix: no anonymous integration covers it, so nothing is sent.
    expect((await failure(resolver.list(uri(OPEN, 'other/'))[Symbol.asyncIterator]().next())).code).toBe('NO_INTEGRATION');
    expect(env.azurite.requests.some((r) => r.comp === 'list')).toBe(true);
    expectOnlyUnsigned();
  });

  it('listing a container public for blobs only is a typed refusal, not a fallback', async () => {
    const error = await failure(resolver.list(uri(BLOBS, ''))[Symbol.asyncIterator]().next());
    // Azurite answers 403 (ACCESS_DENIED); Azure answers 404 ResourceNotFound (NOT_FOUND, "may be private").
    expect(error.code).toBe('ACCESS_DENIED');
    expect(error.message).toMatch(/anonymous/);
    expectOnlyUnsigned();
  });

  it('presign returns the plain blob URL (no SAS) that works unsigned; expiresAt = the requested TTL', async () => {
    const before = Date.now();
    const asset = await resolver.resolveAsset(uri(OPEN, 'images/cat.jpg'));
    const url = await asset.presign({ ttlSeconds: 600 });
    expect(url.url).toBe(`${env.platform.blobEndpoint!.replace('{account}', ACCOUNT)}/${OPEN}/images/cat.jpg`);
    expect(new URL(url.url).search).toBe('');
    expect(url.headers).toEqual({});
    expect(url.expiresAt.getTime()).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000 + 600_000);
    expect(url.expiresAt.getTime()).toBeLessThanOrEqual(Date.now() + 600_000);
    // Presigning itself sends nothing.
    expect(env.azurite.requests).toHaveLength(0);
    const response = await env.fetch(url.url);
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('0123456789');
    expectOnlyUnsigned();
    expect((await failure(asset.presign({ ttlSeconds: 60, responseContentDisposition: 'attachment' }))).code).toBe('PRESIGN_UNSUPPORTED');
  });

  it('a private container is ACCESS_DENIED, one unsigned request per call, never retried with any identity', async () => {
    const asset = await resolver.resolveAsset(uri(CLOSED, 'images/cat.jpg'));
    const read = await failure(asset.bytes());
    expect(read.code).toBe('ACCESS_DENIED');
    expect(read.message).toMatch(/anonymous/);
    expect(read.message).not.toMatch(/Storage Blob Data Reader/);
    expect((await failure(asset.head())).code).toBe('ACCESS_DENIED');
    expect(env.azurite.requests).toHaveLength(2);
    expectOnlyUnsigned();
    // The app registration can read that container: the refusal above was not for lack of a way in.
    const viaApp = await resolver.resolveAsset(uri(CLOSED, 'other/x.txt'));
    expect(new TextDecoder().decode(await viaApp.bytes())).toBe('x');
    expect(env.entra.tokenRequests.length).toBeGreaterThan(0);
    env.entra.tokenRequests.length = 0;
  });

  it('a missing blob of a public container is NOT_FOUND', async () => {
    const asset = await resolver.resolveAsset(uri(OPEN, 'images/none.jpg'));
    expect((await failure(asset.head())).code).toBe('NOT_FOUND');
    expectOnlyUnsigned();
  });

  it('write, delete, PUT presign, uploads and vend are refused before any request', async () => {
    const asset = await resolver.resolveAsset(uri(OPEN, 'images/cat.jpg'));
    expect((await failure(asset.write(new TextEncoder().encode('x')))).code).toBe('READ_ONLY');
    expect((await failure(asset.delete())).code).toBe('READ_ONLY');
    expect((await failure(asset.presign({ ttlSeconds: 60, method: 'PUT' }))).code).toBe('READ_ONLY');
    expect((await failure(asset.createUpload({ size: 10, ttlSeconds: 60 }))).code).toBe('READ_ONLY');
    expect((await failure(resolver.vend(uri(OPEN, 'images/'), { ttlSeconds: 60 }))).code).toBe('VEND_UNSUPPORTED');
    expect(env.azurite.requests).toHaveLength(0);
    expect(env.entra.tokenRequests).toHaveLength(0);
    expect(await env.azurite.getBlob(OPEN, 'images/cat.jpg', ACCOUNT)).toEqual(new TextEncoder().encode('0123456789'));
  });

  it('verify reports the anonymous identity and never asks Entra', async () => {
    const report = await resolver.verify('open', { profile: 'read-objects', sampleUri: uri(OPEN, 'images/cat.jpg') } as never);
    expect(JSON.stringify(report)).toContain('anonymous');
    expectOnlyUnsigned();
    const config = validateIntegration(anonymous('hint', CLOSED)) as Parameters<typeof fixHint>[0];
    for (const check of ['credentials', 'list', 'sample-read', 'write-probe', 'read-only-enforced', 'cors'] as const) {
      expect(fixHint(config, check as never, 'ACCESS_DENIED')).toMatch(/public|anonymous/);
    }
  });

  it('setup gives the account switch and az storage container set-permission --public-access blob', () => {
    const plan = generateSetup({ id: 'pub', provider: 'azure', scope: { account: ACCOUNT, container: CLOSED, prefix: 'images' }, auth: { kind: 'anonymous' } } as Integration);
    expect(plan.authKind).toBe('anonymous');
    const step = plan.steps.find((s) => s.id === 'azure.public-container')!;
    expect(step.text).toContain('az storage container set-permission');
    expect(step.text).toContain('--public-access blob');
    expect(plan.steps.map((s) => s.id)).toEqual(['azure.allow-public-access', 'azure.public-container']);
    expect(JSON.stringify(plan)).not.toMatch(/role assignment create|Delegator/);
  });

  it('maps what Azure itself answers unsigned requests (which Azurite does differently)', () => {
    const ctx = { integrationId: 'i', uri: uri(CLOSED, 'k'), operation: 'read' };
    const hidden = anonymousAzureError({ statusCode: 404, details: { errorCode: 'ResourceNotFound' } }, ctx);
    expect(hidden?.code).toBe('NOT_FOUND');
    expect(hidden?.message).toMatch(/does not exist or is not public/);
    expect(anonymousAzureError({ statusCode: 404, details: { errorCode: 'ResourceNotFound' } }, { ...ctx, operation: 'list' })?.message).toMatch(/public access "container"/);
    expect(anonymousAzureError({ statusCode: 409, details: { errorCode: 'PublicAccessNotPermitted' } }, ctx)?.code).toBe('ACCESS_DENIED');
    expect(anonymousAzureError({ statusCode: 403, details: { errorCode: 'AuthorizationFailure' } }, ctx)?.code).toBe('ACCESS_DENIED');
    // A public container's missing blob, and anything else, take the ordinary mapping.
    expect(anonymousAzureError({ statusCode: 404, details: { errorCode: 'BlobNotFound' } }, ctx)).toBeUndefined();
    expect(anonymousAzureError({ statusCode: 503 }, ctx)).toBeUndefined();
  });
});
