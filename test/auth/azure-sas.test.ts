import { inspect } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AccountSASPermissions, ContainerSASPermissions, generateAccountSASQueryParameters, generateBlobSASQueryParameters, SASProtocol, StorageSharedKeyCredential,
} from '@azure/storage-blob';
import { createAssetResolver, type AssetLinkEvent, type AssetResolver, type Integration } from '../../src/index.js';
import { validateIntegration } from '../../src/integrations/validate.js';
import { startAzureTestEnvironment, type AzureTestEnvironment } from '../../src/testing/azure/environment.js';
import { failure as failed } from '../helpers/failure.js';

const failure = (run: () => unknown): ReturnType<typeof failed> => failed(Promise.resolve().then(run));

const ACCOUNT = 'sasdata';
const CONTAINER = 'labels';
const OTHER = 'other';
const HOUR = 3600_000;
const uri = (key: string): string => `https://${ACCOUNT}.blob.core.windows.net/${CONTAINER}/${key}`;
const text = (s: string): Uint8Array => new TextEncoder().encode(s);

describe('azure auth kind "sas": a customer-issued container or account SAS, used as is', () => {
  let env: AzureTestEnvironment;
  const resolvers: AssetResolver[] = [];
  const events: AssetLinkEvent[] = [];
  let credential: StorageSharedKeyCredential;

  function containerSas(permissions: string, options: { container?: string; expiresInMs?: number } = {}): string {
    return generateBlobSASQueryParameters({
      containerName: options.container ?? CONTAINER,
      permissions: ContainerSASPermissions.parse(permissions),
      expiresOn: new Date(Date.now() + (options.expiresInMs ?? HOUR)),
      protocol: SASProtocol.Https,
    }, credential).toString();
  }
  const sigOf = (token: string): string => new URLSearchParams(token).get('sig')!;

  function makeResolver(integrations: Integration[], extra: Partial<Parameters<typeof createAssetResolver>[0]> = {}): AssetResolver {
    const resolver = createAssetResolver({ integrations, platform: { azure: env.platform }, onEvent: (e) => events.push(e), ...extra });
    resolvers.push(resolver);
    return resolver;
  }
  const sasIntegration = (id: string, sasToken: string, more: Record<string, unknown> = {}): Integration => ({
    id, provider: 'azure', scope: { account: ACCOUNT, container: CONTAINER, ...(more.prefix ? { prefix: more.prefix as string } : {}) },
    ...(more.mode ? { mode: more.mode as 'read-write' } : {}),
    auth: { kind: 'sas', sasToken, ...(more.presign ? { presign: more.presign as 'share-sas' } : {}) },
  } as Integration);

  beforeAll(async () => {
    env = await startAzureTestEnvironment({ accounts: [ACCOUNT], containers: [`${ACCOUNT}/${CONTAINER}`, `${ACCOUNT}/${OTHER}`] });
    credential = new StorageSharedKeyCredential(ACCOUNT, env.azurite.accountKey(ACCOUNT));
    await env.azurite.putBlob(CONTAINER, 'in/photo.jpg', text('0123456789'), { account: ACCOUNT, contentType: 'image/jpeg' });
    await env.azurite.putBlob(CONTAINER, 'in/b.txt', text('b'), { account: ACCOUNT });
  });

  afterAll(async () => {
    await Promise.allSettled(resolvers.map((r) => r.close()));
    await env?.close();
  });

  describe('validation at registration (INVALID_INTEGRATION naming auth.sasToken and the integration)', () => {
    const bad = (sasToken: string, more: Record<string, unknown> = {}): ReturnType<typeof failed> => failure(() => validateIntegration(sasIntegration('bad-sas', sasToken, more)));
    const cases: Array<[string, () => string, RegExp, Record<string, unknown>?]> = [
      ['a full URL instead of the token', () => `https://${ACCOUNT}.blob.core.windows.net/${CONTAINER}?${containerSas('rl')}`, /give only the SAS token/],
      ['no signature', () => containerSas('rl').replace(/&?sig=[^&]*/, ''), /no signature/],
      ['no expiry', () => containerSas('rl').replace(/&?se=[^&]*/, ''), /no expiry/],
      ['a blob SAS (sr=b)', () => containerSas('rl').replace('sr=c', 'sr=b'), /blob SAS/],
      ['a directory SAS (sr=d)', () => containerSas('rl').replace('sr=c', 'sr=d'), /directory SAS/],
      ['both sr and ss', () => `${containerSas('rl')}&ss=b&srt=o`, /both "sr"/],
      ['an unknown permission letter', () => containerSas('rl').replace('sp=rl', 'sp=rlZ'), /not a container SAS permission/],
      ['not a SAS at all', () => 'hello', /not a SAS token/],
      ['an expired SAS', () => containerSas('rl', { expiresInMs: -60_000 }), /expired at/],
      ['a SAS without read', () => containerSas('l'), /does not grant read/],
      ['a read-only SAS on a read-write integration', () => containerSas('rl'), /needs "w"/, { mode: 'read-write' }],
      ['an account SAS without blob service', () => generateAccountSASQueryParameters({ services: 'q', resourceTypes: 'o', permissions: AccountSASPermissions.parse('r'), expiresOn: new Date(Date.now() + HOUR) }, credential).toString(), /without "b"/],
      ['an account SAS without objects', () => generateAccountSASQueryParameters({ services: 'b', resourceTypes: 'c', permissions: AccountSASPermissions.parse('rl'), expiresOn: new Date(Date.now() + HOUR) }, credential).toString(), /without resource type "o"/],
    ];
    for (const [name, make, message, more] of cases) {
      it(`refuses ${name}`, async () => {
        const token = make();
        const error = await bad(token, more);
        expect(error).toMatchObject({ code: 'INVALID_INTEGRATION', field: 'auth.sasToken', integrationId: 'bad-sas' });
        expect(error.message).toMatch(message);
        const sig = new URLSearchParams(token.replace(/^.*\?/, '')).get('sig');
        if (sig) expect(error.message).not.toContain(sig);
      });
    }

    it('refuses a container SAS for an account-wide (container-less) scope, and a bad presign policy', async () => {
      const wide = await failure(() => validateIntegration({ id: 'wide', tenant: 't1', provider: 'azure', scope: { account: ACCOUNT }, auth: { kind: 'sas', sasToken: containerSas('rl') } }));
      expect(wide).toMatchObject({ code: 'INVALID_INTEGRATION', field: 'auth.sasToken', integrationId: 'wide' });
      expect(await bad(containerSas('rl'), { presign: 'always' })).toMatchObject({ code: 'INVALID_INTEGRATION', field: 'auth.presign' });
    });

    it('accepts a read-only integration holding a writable SAS, and a leading "?"', () => {
      expect((validateIntegration(sasIntegration('ok', `?${containerSas('racwdl')}`)) as { auth?: unknown }).auth).toMatchObject({ kind: 'sas' });
    });
  });

  describe('operations use the SAS itself', () => {
    it('reads and lists with the customer SAS: no Entra token, no delegation key; the SAS never leaks', async () => {
      const token = containerSas('rl');
      const resolver = makeResolver([sasIntegration('ro', token, { prefix: 'in' })]);
      const before = env.azurite.requests.length;
      const asset = await resolver.resolveAsset(uri('in/photo.jpg'));
      expect(await asset.head()).toMatchObject({ size: 10, contentType: 'image/jpeg' });
      expect(new TextDecoder().decode(await asset.bytes())).toBe('0123456789');
      const keys: string[] = [];
      for await (const o of resolver.list(uri('in/'))) keys.push(o.key);
      expect(keys).toEqual(['in/b.txt', 'in/photo.jpg']);
      const sent = env.azurite.requests.slice(before);
      expect(sent.length).toBeGreaterThanOrEqual(3);
      expect(sent.every((r) => r.auth === 'sas' && r.sas?.sp === 'rl' && r.sas.sr === 'c')).toBe(true);
      expect(env.azurite.userDelegationKeyRequests).toBe(0);
      expect(env.entra.tokenRequests).toHaveLength(0);
      const sig = sigOf(token);
      expect(JSON.stringify(resolver.listIntegrations?.() ?? [])).not.toContain(sig);
      expect(inspect(resolver, { depth: 10, showHidden: true })).not.toContain(sig);
      expect(JSON.stringify(events)).not.toContain(sig);
      expect(inspect(asset, { depth: 10 })).not.toContain(sig);
    });

    it('a read-only integration never writes, deletes or presigns PUT with its SAS, even when the SAS could (no request reaches Azurite)', async () => {
      const token = containerSas('racwdl');
      const resolver = makeResolver([sasIntegration('ro-wide', token, { presign: 'share-sas' })]);
      const asset = await resolver.resolveAsset(uri('in/photo.jpg'));
      const before = env.azurite.requests.length;
      expect(await failure(() => asset.write('x'))).toMatchObject({ code: 'READ_ONLY' });
      expect(await failure(() => asset.delete())).toMatchObject({ code: 'READ_ONLY' });
      expect(await failure(() => asset.presign({ ttlSeconds: 60, method: 'PUT' }))).toMatchObject({ code: 'READ_ONLY' });
      // A GET URL would carry the writable SAS: refused even with share-sas.
      const get = await failure(() => asset.presign({ ttlSeconds: 60 }));
      expect(get).toMatchObject({ code: 'ACCESS_DENIED' });
      expect(get.message).toMatch(/hand out write access/);
      expect(get.message).not.toContain(sigOf(token));
      expect(env.azurite.requests.slice(before)).toEqual([]);
      expect(await env.azurite.getBlob(CONTAINER, 'in/photo.jpg', ACCOUNT)).toBeDefined();
      // verify reports what the SAS could do, without sending a write.
      const report = await resolver.verify('ro-wide');
      expect(report.checks.find((c) => c.name === 'read-only-enforced')).toMatchObject({ status: 'warn', code: 'ACCESS_DENIED' });
      expect(env.azurite.requests.slice(before).filter((r) => r.method === 'PUT' || r.method === 'DELETE')).toEqual([]);
    });

    it('presigning is off by default (the URL would grant the whole container)', async () => {
      const resolver = makeResolver([sasIntegration('ro-default', containerSas('rl'))]);
      const error = await failure(() => resolver.presign(uri('in/photo.jpg'), 60));
      expect(error).toMatchObject({ code: 'ACCESS_DENIED', integrationId: 'ro-default' });
      expect(error.message).toMatch(/share-sas/);
    });

    it('with presign "share-sas": the blob URL with the SAS, expiresAt = the SAS expiry; longer TTLs are INVALID_TTL unless clamped', async () => {
      const token = containerSas('rl', { expiresInMs: HOUR });
      const se = new Date(new URLSearchParams(token).get('se')!);
      const resolver = makeResolver([sasIntegration('ro-share', token, { presign: 'share-sas' })]);
      const url = await resolver.presign(uri('in/photo.jpg'), 60);
      expect(url.expiresAt.getTime()).toBe(se.getTime());
      const response = await env.fetch(url.url);
      expect(response.status).toBe(200);
      expect(new TextDecoder().decode(new Uint8Array(await response.arrayBuffer()))).toBe('0123456789');
      expect(await failure(() => resolver.presign(uri('in/photo.jpg'), 2 * 3600))).toMatchObject({ code: 'INVALID_TTL' });
      const clamped = await resolver.presign(uri('in/photo.jpg'), 2 * 3600, { clamp: true });
      expect(clamped.expiresAt.getTime()).toBe(se.getTime());
    });

    it('a read-write integration writes, reads back, presigns PUT and deletes with its rwdl SAS', async () => {
      const resolver = makeResolver([sasIntegration('rw', containerSas('rwdl'), { mode: 'read-write', prefix: 'out', presign: 'share-sas' })]);
      const asset = await resolver.resolveAsset(uri('out/result.json'));
      await asset.write('{"ok":true}', { contentType: 'application/json' });
      expect(new TextDecoder().decode(await env.azurite.getBlob(CONTAINER, 'out/result.json', ACCOUNT))).toBe('{"ok":true}');
      const put = await resolver.presign(uri('out/upload.bin'), 60, { method: 'PUT' });
      const response = await env.fetch(put.url, { method: 'PUT', headers: put.headers, body: 'uploaded' });
      expect(response.status).toBe(201);
      expect(new TextDecoder().decode(await env.azurite.getBlob(CONTAINER, 'out/upload.bin', ACCOUNT))).toBe('uploaded');
      await asset.delete();
      expect(await env.azurite.getBlob(CONTAINER, 'out/result.json', ACCOUNT)).toBeUndefined();
    });

    it('a SAS without "d" on a read-write integration: delete fails before any request', async () => {
      const resolver = makeResolver([sasIntegration('rw-nod', containerSas('rwl'), { mode: 'read-write' })]);
      const asset = await resolver.resolveAsset(uri('in/b.txt'));
      const before = env.azurite.requests.length;
      const error = await failure(() => asset.delete());
      expect(error).toMatchObject({ code: 'CREDENTIALS_UNAVAILABLE' });
      expect(error.message).toMatch(/delete blobs/);
      expect(env.azurite.requests.slice(before)).toEqual([]);
    });

    it('a SAS that expired after registration fails fast naming the expiry; no request is sent', async () => {
      const token = containerSas('rl', { expiresInMs: HOUR });
      const resolver = makeResolver([sasIntegration('soon', token)], { now: () => Date.now() + 2 * HOUR });
      const asset = await resolver.resolveAsset(uri('in/photo.jpg'));
      const before = env.azurite.requests.length;
      const error = await failure(() => asset.bytes());
      expect(error).toMatchObject({ code: 'CREDENTIALS_UNAVAILABLE', integrationId: 'soon' });
      expect(error.message).toContain(new URLSearchParams(token).get('se')!.slice(0, 16));
      expect(env.azurite.requests.slice(before)).toEqual([]);
    });

    it('a container SAS issued for another container is refused by the service (ACCESS_DENIED), and verify says so', async () => {
      const resolver = makeResolver([sasIntegration('wrong-container', containerSas('rl', { container: OTHER }))]);
      expect(await failure(async () => (await resolver.resolveAsset(uri('in/photo.jpg'))).bytes())).toMatchObject({ code: 'ACCESS_DENIED' });
      const report = await resolver.verify('wrong-container', { profile: 'read-objects', sampleUri: uri('in/photo.jpg') });
      expect(report.status).toBe('pending');
    });

    it('an account SAS works too, and verify reports the SAS expiry', async () => {
      const expiresOn = new Date(Math.floor((Date.now() + HOUR) / 1000) * 1000);
      const token = generateAccountSASQueryParameters({ services: 'b', resourceTypes: 'co', permissions: AccountSASPermissions.parse('rl'), expiresOn, protocol: SASProtocol.Https }, credential).toString();
      const resolver = makeResolver([sasIntegration('acct', token, { prefix: 'in' })]);
      expect(new TextDecoder().decode(await (await resolver.resolveAsset(uri('in/b.txt'))).bytes())).toBe('b');
      const report = await resolver.verify('acct');
      const creds = report.checks.find((c) => c.name === 'credentials')!;
      expect(creds.status).toBe('pass');
      expect(creds.detail).toContain(expiresOn.toISOString());
      expect(report.checks.find((c) => c.name === 'read-only-enforced')).toMatchObject({ status: 'pass' });
      expect(report.checks.find((c) => c.name === 'list')).toMatchObject({ status: 'pass' });
    });
  });
});
