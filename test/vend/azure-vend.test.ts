import { createHmac } from 'node:crypto';
import https from 'node:https';
import { rootCertificates } from 'node:tls';
import { inspect } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AnonymousCredential, ContainerClient, newPipeline } from '@azure/storage-blob';
import { createAssetResolver, type AssetResolver, type AzureVendedCredentials, type Integration } from '../../src/index.js';
import { vendAzure } from '../../src/resolvers/azure/vend.js';
import { SAS_VERSION, UserDelegationSasSigner, type DelegationKey } from '../../src/resolvers/azure/sas.js';
import { startAzureTestEnvironment, type AzureTestEnvironment } from '../../src/testing/azure/environment.js';
import { codeOf } from '../helpers/failure.js';

/**
 * resolver.vend() for Azure. Azurite (3.35) has no hierarchical namespace and does not implement
 * directory SAS (sr=d), so against it this proves: the namespace check (a prefix on a flat account
 * is refused, VEND_UNSUPPORTED, never a container SAS), and the whole-container SAS (sr=c) with the
 * raw @azure/storage-blob — reads and lists, cannot write read-only, cannot reach another
 * container, stops after expiresAt (Azurite checks SAS times against the real clock, so the TTL is
 * short and the test waits it out). The directory SAS vended on a hierarchical account is checked
 * offline against the documented string-to-sign, signature recomputed independently.
 */

const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
const APP = '0f7e1a52-4444-4c2b-9d7e-5f4a3b2c1d0e';
const SECRET = 'CANARY-vend-azure-client-secret';
const ACCOUNT = 'vendacct';

let env: AzureTestEnvironment;
let resolver: AssetResolver;
let agent: https.Agent;

beforeAll(async () => {
  env = await startAzureTestEnvironment({
    accounts: [ACCOUNT],
    containers: [`${ACCOUNT}/media`, `${ACCOUNT}/private`],
    apps: [{ tenantId: TENANT, clientId: APP, clientSecret: SECRET }],
  });
  agent = new https.Agent({ ca: [...rootCertificates, env.tls.ca] });
  const auth = { kind: 'client-secret', tenantId: TENANT, clientId: APP, clientSecret: SECRET } as const;
  const integrations: Integration[] = [
    { id: 'media-ro', provider: 'azure', scope: { account: ACCOUNT, container: 'media' }, auth },
    { id: 'media-rw', provider: 'azure', mode: 'read-write', scope: { account: ACCOUNT, container: 'media', prefix: 'uploads' }, auth },
  ];
  resolver = createAssetResolver({ integrations, platform: { azure: env.platform }, requestTimeoutMs: 10_000 });
  const text = (s: string): Uint8Array => new TextEncoder().encode(s);
  await env.azurite.putBlob('media', 'images/a.jpg', text('body of a'), { account: ACCOUNT });
  await env.azurite.putBlob('media', 'images2/b.jpg', text('body of b'), { account: ACCOUNT });
  await env.azurite.putBlob('private', 'secret.txt', text('secret'), { account: ACCOUNT });
}, 120_000);
afterAll(async () => {
  await resolver?.close();
  await env?.close();
});

function containerWith(creds: AzureVendedCredentials, containerUrl = creds.containerUrl): ContainerClient {
  const pipeline = newPipeline(new AnonymousCredential(), { retryOptions: { maxTries: 1 } });
  pipeline.factories.push({ create: (next) => ({ sendRequest: (request) => { request.agent = agent; return next.sendRequest(request); } }) });
  return new ContainerClient(`${containerUrl}?${creds.sasToken}`, pipeline);
}
const statusOf = (p: Promise<unknown>): Promise<number | 'ok'> => p.then(() => 'ok' as const, (e: { statusCode?: number }) => e.statusCode ?? -1);
const read = async (c: ContainerClient, name: string): Promise<string> => (await c.getBlobClient(name).downloadToBuffer()).toString();

async function vendBlob(uri: string, options: Parameters<AssetResolver['vend']>[1]): Promise<AzureVendedCredentials> {
  const creds = await resolver.vend(uri, options);
  if (creds.provider !== 'azure') throw new Error(`vended ${creds.provider} credentials`);
  return creds;
}

describe('Azure vend against Azurite (flat namespace)', () => {
  it('a prefix on an account without a hierarchical namespace is refused, not widened to the container', async () => {
    expect(await codeOf(resolver.vend(`https://${ACCOUNT}.blob.core.windows.net/media/images/`, { ttlSeconds: 600 }))).toBe('VEND_UNSUPPORTED');
    expect(await codeOf(resolver.vend(`https://${ACCOUNT}.blob.core.windows.net/media/uploads/`, { ttlSeconds: 600, mode: 'read-write' }))).toBe('VEND_UNSUPPORTED');
    // It asked the service (Get Account Information), it did not assume.
    expect(env.azurite.requests.some((r) => r.comp === 'properties' && r.queryNames.includes('restype') && r.auth === 'sas')).toBe(true);
  });

  it('the whole container: a container SAS that reads and lists, cannot write, cannot reach another container', async () => {
    const creds = await vendBlob(`https://${ACCOUNT}.blob.core.windows.net/media`, { ttlSeconds: 600 });
    expect(creds).toMatchObject({ provider: 'azure', prefix: '', mode: 'read-only', integrationId: 'media-ro' });
    const query = new URLSearchParams(creds.sasToken);
    expect([query.get('sr'), query.get('sp'), query.get('spr')]).toEqual(['c', 'rl', 'https']);
    const container = containerWith(creds);
    expect(await read(container, 'images/a.jpg')).toBe('body of a');
    const names: string[] = [];
    for await (const blob of container.listBlobsFlat()) names.push(blob.name);
    expect(names).toEqual(['images/a.jpg', 'images2/b.jpg']);
    expect(await statusOf(container.getBlockBlobClient('images/new.jpg').upload('x', 1))).toBe(403);
    expect(await statusOf(container.getBlobClient('images/a.jpg').delete())).toBe(403);
    const other = containerWith(creds, creds.containerUrl.replace(/\/media$/, '/private'));
    expect(await statusOf(read(other, 'secret.txt'))).toBe(403);
    for (const text of [JSON.stringify(creds), inspect(creds), String(creds)]) expect(text).not.toContain(query.get('sig')!);
    expect(creds.toEnv()).toMatchObject({ AZURE_STORAGE_SAS_TOKEN: creds.sasToken, AZURE_STORAGE_CONTAINER_URL: creds.containerUrl });
  });

  it('stops working after expiresAt', async () => {
    const creds = await vendBlob(`https://${ACCOUNT}.blob.core.windows.net/media/`, { ttlSeconds: 2 });
    expect(creds.expiresAt.getTime()).toBeLessThanOrEqual(Date.now() + 2000);
    const container = containerWith(creds);
    expect(await read(container, 'images/a.jpg')).toBe('body of a');
    await new Promise((r) => setTimeout(r, Math.max(0, creds.expiresAt.getTime() - Date.now()) + 1200));
    expect(await statusOf(read(container, 'images/a.jpg'))).toBe(403);
  });
});

describe('Azure directory SAS (hierarchical namespace), offline', () => {
  const key: DelegationKey = {
    signedObjectId: 'oid', signedTenantId: 'tid', signedStartsOn: '2025-01-01T00:00:00Z', signedExpiresOn: '2025-01-08T00:00:00Z',
    signedService: 'b', signedVersion: '2025-07-05', value: Buffer.alloc(32, 7).toString('base64'),
  };
  const now = Date.parse('2025-01-01T12:00:00.500Z');
  const target = { integrationId: 'lake', uri: 'https://acct.blob.core.windows.net/lake/raw/2025/', sasAccount: 'acct', container: 'lake', containerUrl: 'https://acct.blob.core.windows.net/lake' };
  const deps = (hierarchical: boolean) => ({
    now: () => now, clockSkewSeconds: 300, hierarchical: async () => hierarchical, signer: async () => new UserDelegationSasSigner(key),
  });

  it('sr=d with sdd = the directory depth, rl / racwdl, signed over the directory as documented', async () => {
    for (const [mode, sp] of [['read-only', 'rl'], ['read-write', 'racwdl']] as const) {
      const creds = await vendAzure(deps(true), target, { prefix: 'raw/2025', mode, ttlSeconds: 900, clamp: false });
      const q = new URLSearchParams(creds.sasToken);
      expect([q.get('sr'), q.get('sdd'), q.get('sp'), q.get('spr')]).toEqual(['d', '2', sp, 'https']);
      expect(creds.expiresAt.toISOString()).toBe('2025-01-01T12:15:00.000Z');
      expect(q.get('se')).toBe('2025-01-01T12:15:00Z');
      const stringToSign = [sp, '2025-01-01T11:55:00Z', '2025-01-01T12:15:00Z', '/blob/acct/lake/raw/2025',
        'oid', 'tid', '2025-01-01T00:00:00Z', '2025-01-08T00:00:00Z', 'b', '2025-07-05', '', '', '', '', '', '',
        'https', SAS_VERSION, 'd', '', '', '', '', '', '', ''].join('\n');
      expect(q.get('sig')).toBe(createHmac('sha256', Buffer.alloc(32, 7)).update(stringToSign).digest('base64'));
    }
  });

  it('refuses a prefix on a flat account and TTLs beyond the key or 7 days', async () => {
    expect(await codeOf(vendAzure(deps(false), target, { prefix: 'raw/2025', mode: 'read-only', ttlSeconds: 900, clamp: false }))).toBe('VEND_UNSUPPORTED');
    expect(await codeOf(vendAzure(deps(true), target, { prefix: 'raw', mode: 'read-only', ttlSeconds: 8 * 86_400, clamp: false }))).toBe('INVALID_TTL');
    // The key ends 2025-01-08T00:00:00Z: a 7-day SAS from 12:00 would outlive it.
    expect(await codeOf(vendAzure(deps(true), target, { prefix: 'raw', mode: 'read-only', ttlSeconds: 7 * 86_400, clamp: false }))).toBe('INVALID_TTL');
    const clamped = await vendAzure(deps(true), target, { prefix: 'raw', mode: 'read-only', ttlSeconds: 7 * 86_400, clamp: true });
    expect(clamped.expiresAt.toISOString()).toBe('2025-01-08T00:00:00.000Z');
  });
});
