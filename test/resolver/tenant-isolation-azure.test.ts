import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAssetResolver, type AssetResolver, type AzureIntegration, type TenantResolver } from '../../src/index.js';
import { startAzureTestEnvironment, type AzureTestEnvironment } from '../../src/testing/azure/environment.js';

/**
 * Issue 15's isolation proof on Azure: two tenants with integrations for the same account,
 * container and prefix, through different customer app registrations. Every token a view causes
 * is requested from the fake Entra by that tenant's app only, and every SAS it signs names that
 * app's object id (`skoid`: the user delegation key it was signed with) — alone, under 1,000
 * concurrent mixed-tenant calls, and after updateIntegration.
 */

const ENTRA_TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
const APP_ACME = '0f7e1a52-1111-4c2b-9d7e-5f4a3b2c1d0e';
const APP_ACME_NEXT = '0f7e1a52-1111-4c2b-9d7e-5f4a3b2c1d0f';
const APP_GLOBEX = '9b2c7d41-2222-4e8f-a1b3-c4d5e6f70819';
const OID: Record<string, string> = { [APP_ACME]: 'aaaaaaaa-0000-4000-8000-000000000001', [APP_ACME_NEXT]: 'aaaaaaaa-0000-4000-8000-000000000002', [APP_GLOBEX]: 'bbbbbbbb-0000-4000-8000-000000000001' };
const ACCOUNT = 'tenancydata';
const CONTAINER = 'shared';
const SAMPLE = `https://${ACCOUNT}.blob.core.windows.net/${CONTAINER}/assets/a.txt`;

let env: AzureTestEnvironment;

const integration = (id: string, tenant: string, clientId: string): AzureIntegration => ({
  id, tenant, provider: 'azure', scope: { account: ACCOUNT, container: CONTAINER, prefix: 'assets' },
  auth: { kind: 'client-secret', tenantId: ENTRA_TENANT, clientId, clientSecret: `secret-of-${clientId}` },
});

beforeAll(async () => {
  env = await startAzureTestEnvironment({
    accounts: [ACCOUNT],
    containers: [`${ACCOUNT}/${CONTAINER}`],
    apps: [APP_ACME, APP_ACME_NEXT, APP_GLOBEX].map((clientId) => ({ tenantId: ENTRA_TENANT, clientId, clientSecret: `secret-of-${clientId}`, objectId: OID[clientId] })),
  });
  await env.azurite.putBlob(CONTAINER, 'assets/a.txt', 'alpha', { account: ACCOUNT });
});
afterAll(async () => { await env?.close(); });

function resolverFor(): AssetResolver {
  return createAssetResolver({ platform: { azure: env.platform }, integrations: [integration('acme-az', 'acme', APP_ACME), integration('globex-az', 'globex', APP_GLOBEX)] });
}

const appsSince = (from: number): Set<string> => new Set(env.entra.tokenRequests.slice(from).map((r) => r.clientId));
const skoid = (url: string): string | null => new URL(url).searchParams.get('skoid');

async function everyOperation(view: TenantResolver, ownId: string): Promise<string[]> {
  const asset = await view.resolveAsset(SAMPLE);
  expect(asset.integrationId).toBe(ownId);
  expect(new TextDecoder().decode(await asset.bytes())).toBe('alpha');
  await asset.head();
  const url = (await view.presign(SAMPLE, 300)).url;
  expect((await env.fetch(url)).status).toBe(200);
  expect(view.match(SAMPLE).integration.id).toBe(ownId);
  expect(await view.verify(ownId, { sampleUri: SAMPLE, profile: 'read-objects' })).toMatchObject({ status: 'active', tenant: view.tenant });
  return [url];
}

describe('azure: two tenants, same account, container and prefix, different app registrations', () => {
  it('each view gets tokens and delegation keys only as its tenant’s app', async () => {
    const resolver = resolverFor();
    try {
      for (const [tenant, id, app] of [['acme', 'acme-az', APP_ACME], ['globex', 'globex-az', APP_GLOBEX]] as const) {
        const from = env.entra.tokenRequests.length;
        const urls = await everyOperation(resolver.forTenant(tenant), id);
        expect(appsSince(from), tenant).toEqual(new Set([app]));
        for (const url of urls) expect(skoid(url)).toBe(OID[app]);
      }
    } finally { await resolver.close(); }
  });

  it('1,000 concurrent mixed-tenant presigns: each SAS is signed with its own tenant’s delegation key; one token per app', async () => {
    const resolver = resolverFor();
    try {
      const from = env.entra.tokenRequests.length;
      const results = await Promise.all(Array.from({ length: 1000 }, (_, i) => {
        const tenant = i % 2 === 0 ? 'acme' : 'globex';
        return resolver.forTenant(tenant).presign(SAMPLE, 300).then((p) => ({ tenant, oid: skoid(p.url) }));
      }));
      for (const r of results) expect(r.oid).toBe(r.tenant === 'acme' ? OID[APP_ACME] : OID[APP_GLOBEX]);
      expect(env.entra.tokenRequests.slice(from).map((r) => r.clientId).sort()).toEqual([APP_ACME, APP_GLOBEX].sort());
    } finally { await resolver.close(); }
  });

  it('after updateIntegration the tenant uses its new app only; the other tenant is untouched', async () => {
    const resolver = resolverFor();
    try {
      await everyOperation(resolver.forTenant('acme'), 'acme-az');
      await everyOperation(resolver.forTenant('globex'), 'globex-az');
      const early = await resolver.forTenant('acme').resolveAsset(SAMPLE);
      resolver.updateIntegration(integration('acme-az', 'acme', APP_ACME_NEXT));
      let from = env.entra.tokenRequests.length;
      const urls = await everyOperation(resolver.forTenant('acme'), 'acme-az');
      urls.push((await early.presign({ ttlSeconds: 60 })).url);
      await early.bytes();
      expect(appsSince(from)).toEqual(new Set([APP_ACME_NEXT]));
      for (const url of urls) expect(skoid(url)).toBe(OID[APP_ACME_NEXT]);
      from = env.entra.tokenRequests.length;
      const globex = await everyOperation(resolver.forTenant('globex'), 'globex-az');
      expect(env.entra.tokenRequests.length - from).toBe(0);
      expect(skoid(globex[0]!)).toBe(OID[APP_GLOBEX]);
    } finally { await resolver.close(); }
  });
});
