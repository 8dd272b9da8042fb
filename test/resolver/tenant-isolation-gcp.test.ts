import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAssetResolver, type AssetResolver, type GcpIntegration, type TenantResolver } from '../../src/index.js';
import { startFakeGcp, type FakeGcp } from '../../src/testing/gcp/index.js';

/**
 * Issue 15's isolation proof on GCP: two tenants, the same bucket and prefix, different customer
 * service accounts. Everything a view does reaches the fake IAM Credentials API (generateAccessToken,
 * signBlob) as that tenant's service account only — alone, under 1,000 concurrent mixed-tenant
 * calls, and after updateIntegration. Read from the fake IAM's own call log.
 */

const PLATFORM = 'assetlink-platform@platform-project.iam.gserviceaccount.com';
const PLATFORM_TOKEN = 'platform-token-tenancy-1';
const BUCKET = 'shared-training-data';
const SA_ACME = 'acme-reader@acme-project.iam.gserviceaccount.com';
const SA_ACME_NEXT = 'acme-reader-v2@acme-project.iam.gserviceaccount.com';
const SA_GLOBEX = 'globex-reader@globex-project.iam.gserviceaccount.com';
const SAMPLE = `gs://${BUCKET}/datasets/a.txt`;

let fake: FakeGcp;
let platform: NonNullable<Parameters<typeof createAssetResolver>[0]>['platform'];

const integration = (id: string, tenant: string, serviceAccount: string): GcpIntegration => ({
  id, tenant, provider: 'gcp', scope: { bucket: BUCKET, prefix: 'datasets' }, auth: { kind: 'impersonation', serviceAccount },
});

beforeAll(async () => {
  fake = await startFakeGcp();
  fake.directory.registerToken(PLATFORM_TOKEN, { principal: PLATFORM });
  for (const sa of [SA_ACME, SA_ACME_NEXT, SA_GLOBEX]) {
    fake.directory.addServiceAccount(sa);
    fake.directory.grantTokenCreator(PLATFORM, sa);
  }
  fake.gcs.createBucket(BUCKET, { iam: { [SA_ACME]: 'roles/storage.objectViewer', [SA_ACME_NEXT]: 'roles/storage.objectViewer', [SA_GLOBEX]: 'roles/storage.objectViewer' } });
  fake.gcs.putObject(BUCKET, 'datasets/a.txt', 'alpha');
  platform = { gcp: { authClient: { getAccessToken: async () => ({ token: PLATFORM_TOKEN }) }, ...fake.endpoints, maxRetries: 0 } };
});
afterAll(async () => { await fake?.close(); });

function resolverFor(): AssetResolver {
  return createAssetResolver({ platform, integrations: [integration('acme-gcs', 'acme', SA_ACME), integration('globex-gcs', 'globex', SA_GLOBEX)] });
}

/** Service accounts the fake IAM acted as since `from` (generateAccessToken and signBlob). */
const actedAs = (from: number): Set<string> => new Set(fake.iam.calls.slice(from).map((c) => c.serviceAccount));
const signedAs = (url: string): string => decodeURIComponent(new URL(url).searchParams.get('X-Goog-Credential') ?? '').split('/')[0]!;

async function everyOperation(view: TenantResolver, ownId: string): Promise<void> {
  const asset = await view.resolveAsset(SAMPLE);
  expect(asset.integrationId).toBe(ownId);
  expect(new TextDecoder().decode(await asset.bytes())).toBe('alpha');
  await asset.head();
  const url = await view.presign(SAMPLE, 300);
  expect((await fetch(url.url)).status).toBe(200);
  expect(view.match(SAMPLE).integration.id).toBe(ownId);
  expect(await view.verify(ownId, { sampleUri: SAMPLE, profile: 'read-objects' })).toMatchObject({ status: 'active', tenant: view.tenant });
}

describe('gcp: two tenants, same bucket and prefix, different service accounts', () => {
  it('each view acts only as its tenant’s service account', async () => {
    const resolver = resolverFor();
    try {
      for (const [tenant, id, sa] of [['acme', 'acme-gcs', SA_ACME], ['globex', 'globex-gcs', SA_GLOBEX]] as const) {
        const from = fake.iam.calls.length;
        await everyOperation(resolver.forTenant(tenant), id);
        expect(actedAs(from), tenant).toEqual(new Set([sa]));
      }
    } finally { await resolver.close(); }
  });

  it('1,000 concurrent mixed-tenant calls: one token per tenant; every signature made as the caller’s tenant', async () => {
    const resolver = resolverFor();
    try {
      const from = fake.iam.calls.length;
      // 1,000 concurrent cold reads (one token mint per tenant, shared by its callers)...
      const reads = await Promise.all(Array.from({ length: 1000 }, async (_, i) => {
        const tenant = i % 2 === 0 ? 'acme' : 'globex';
        const asset = await resolver.forTenant(tenant).resolveAsset(SAMPLE);
        // Each read needs a token; 1 in 20 goes to GCS (1,000 sockets at once would test the loopback, not us).
        if (i % 20 < 2) await asset.head();
        return asset.integrationId === `${tenant}-gcs`;
      }));
      expect(reads.every(Boolean)).toBe(true);
      expect(fake.iam.calls.slice(from).filter((c) => c.method === 'generateAccessToken').map((c) => c.serviceAccount).sort()).toEqual([SA_ACME, SA_GLOBEX].sort());
      // ...and 1,000 mixed-tenant presigns, each a signBlob as the caller's tenant (at most 100 signBlob calls in flight).
      const results: Array<{ tenant: string; email: string }> = [];
      for (let batch = 0; batch < 10; batch++) {
        results.push(...await Promise.all(Array.from({ length: 100 }, (_, i) => {
          const tenant = (batch * 100 + i) % 2 === 0 ? 'acme' : 'globex';
          return resolver.forTenant(tenant).presign(SAMPLE, 300).then((p) => ({ tenant, email: signedAs(p.url) }));
        })));
      }
      for (const r of results) expect(r.email).toBe(r.tenant === 'acme' ? SA_ACME : SA_GLOBEX);
      const signBlobs = fake.iam.calls.slice(from).filter((c) => c.method === 'signBlob');
      expect(signBlobs.filter((c) => c.serviceAccount === SA_ACME)).toHaveLength(500);
      expect(signBlobs.filter((c) => c.serviceAccount === SA_GLOBEX)).toHaveLength(500);
    } finally { await resolver.close(); }
  });

  it('a slow IAM: neither a token nor a signature of the old service account reaches a caller after the update returns', async () => {
    const resolver = resolverFor();
    try {
      const view = resolver.forTenant('acme');
      await view.presign(SAMPLE, 60); // warm: later presigns only need signBlob
      const arrived = async (count: number): Promise<void> => {
        for (let i = 0; i < 1000 && fake.iam.requestCount < count; i++) await new Promise((r) => setTimeout(r, 5));
        expect(fake.iam.requestCount).toBe(count);
      };
      const requests = fake.iam.requestCount;
      // A token mint for the old service account, held by IAM...
      const freshTokenFor = createAssetResolver({ platform, integrations: [integration('acme-gcs', 'acme', SA_ACME)] });
      fake.iam.injectFault({ delayMs: 1_500, pathIncludes: ':generateAccessToken' });
      const minting = freshTokenFor.forTenant('acme').resolveAsset(SAMPLE).then((a) => a.bytes());
      await arrived(requests + 1);
      // ...and a signature as the old service account, held too.
      fake.iam.injectFault({ delayMs: 1_000, pathIncludes: ':signBlob' });
      const signing = view.presign(SAMPLE, 300);
      await arrived(requests + 2);
      resolver.updateIntegration(integration('acme-gcs', 'acme', SA_ACME_NEXT));
      freshTokenFor.updateIntegration(integration('acme-gcs', 'acme', SA_ACME_NEXT));
      const from = fake.iam.calls.length;
      expect(signedAs((await signing).url)).toBe(SA_ACME_NEXT);
      await minting;
      // The reads after the update were made with a token minted as the new service account.
      expect(fake.iam.calls.slice(from).filter((c) => c.method === 'generateAccessToken' && c.status === 200).map((c) => c.serviceAccount)).toContain(SA_ACME_NEXT);
      await freshTokenFor.close();
    } finally {
      fake.iam.clearFaults();
      await resolver.close();
    }
  });

  it('after updateIntegration the tenant acts as its new service account; the other tenant is untouched', async () => {
    const resolver = resolverFor();
    try {
      await everyOperation(resolver.forTenant('acme'), 'acme-gcs');
      const early = await resolver.forTenant('acme').resolveAsset(SAMPLE);
      resolver.updateIntegration(integration('acme-gcs', 'acme', SA_ACME_NEXT));
      let from = fake.iam.calls.length;
      await everyOperation(resolver.forTenant('acme'), 'acme-gcs');
      await early.bytes();
      expect(actedAs(from)).toEqual(new Set([SA_ACME_NEXT]));
      from = fake.iam.calls.length;
      await everyOperation(resolver.forTenant('globex'), 'globex-gcs');
      expect(actedAs(from)).toEqual(new Set([SA_GLOBEX]));
    } finally { await resolver.close(); }
  });
});
