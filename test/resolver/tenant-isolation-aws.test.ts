import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createAssetResolver, type AssetLinkEvent, type AssetResolver, type AwsIntegration, type CredentialStore, type StoredCredential, type TenantResolver,
} from '../../src/index.js';
import { startAwsFakes, type AwsFakes } from '../../src/testing/aws/index.js';

/**
 * Issue 15's isolation proof on AWS: two tenants hold integrations for the SAME bucket and prefix,
 * with different roles and ExternalIds. Every operation through a tenant's view must reach the
 * fake STS with that tenant's role and ExternalId only, and the fake S3 only with keys STS issued
 * to that role — one tenant at a time, under 1,000 concurrent mixed-tenant calls, and after
 * `updateIntegration`. Identities are read from what the fakes recorded, not from assetlink.
 */

const CUSTOMER = '222222222222';
const BUCKET = 'shared-media';
const ROLE_ACME = `arn:aws:iam::${CUSTOMER}:role/acme-access`;
const ROLE_ACME_NEXT = `arn:aws:iam::${CUSTOMER}:role/acme-access-v2`;
const ROLE_GLOBEX = `arn:aws:iam::${CUSTOMER}:role/globex-access`;
const EXT_ACME = 'acme-external-id-0001';
const EXT_ACME_NEXT = 'acme-external-id-0002';
const EXT_GLOBEX = 'globex-external-id-0001';
const SAMPLE = `s3://${BUCKET}/assets/cat.jpg`;

let fakes: AwsFakes;

const integration = (id: string, tenant: string, roleArn: string, externalId: string): AwsIntegration => ({
  id, tenant, provider: 'aws', scope: { bucket: BUCKET, prefix: 'assets', region: 'us-east-1' },
  auth: { kind: 'assume-role', roleArn, externalId },
});
const ACME = integration('acme-media', 'acme', ROLE_ACME, EXT_ACME);
const GLOBEX = integration('globex-media', 'globex', ROLE_GLOBEX, EXT_GLOBEX);

/** Which role STS issued each access key to. */
function keyOwners(): Map<string, { roleArn: string; externalId?: string }> {
  const owners = new Map<string, { roleArn: string; externalId?: string }>();
  for (const call of fakes.sts.calls) {
    if (call.issuedAccessKeyId) owners.set(call.issuedAccessKeyId, { roleArn: call.roleArn, ...(call.externalId ? { externalId: call.externalId } : {}) });
  }
  return owners;
}

/** The access key a presigned URL was signed with. */
function signingKey(url: string): string {
  return decodeURIComponent(new URL(url).searchParams.get('X-Amz-Credential') ?? '').split('/')[0]!;
}

/** Roles behind everything that reached the fakes since `mark`. */
function identitiesSince(mark: { sts: number; s3: number }): { stsRoles: Set<string>; stsExternalIds: Set<string>; s3Roles: Set<string> } {
  const owners = keyOwners();
  const sts = fakes.sts.calls.slice(mark.sts);
  const s3 = fakes.s3.requests.slice(mark.s3).filter((r) => r.accessKeyId !== undefined);
  return {
    stsRoles: new Set(sts.map((c) => c.roleArn)),
    stsExternalIds: new Set(sts.map((c) => c.externalId ?? '')),
    s3Roles: new Set(s3.map((r) => owners.get(r.accessKeyId!)?.roleArn ?? `unknown key ${r.accessKeyId}`)),
  };
}

const mark = () => ({ sts: fakes.sts.calls.length, s3: fakes.s3.requests.length });

function resolverWith(extra: { store?: CredentialStore } = {}): AssetResolver {
  return createAssetResolver({
    requestTimeoutMs: 10_000,
    platform: { aws: fakes.platform },
    integrations: [ACME, GLOBEX],
    ...(extra.store ? { cache: { store: extra.store } } : {}),
  });
}

beforeAll(async () => {
  fakes = await startAwsFakes({
    roles: [
      { roleArn: ROLE_ACME, externalId: EXT_ACME },
      { roleArn: ROLE_ACME_NEXT, externalId: EXT_ACME_NEXT },
      { roleArn: ROLE_GLOBEX, externalId: EXT_GLOBEX },
    ],
    buckets: [{ name: BUCKET, ownerAccountId: CUSTOMER }],
  });
  await fakes.s3.putObject(BUCKET, 'assets/cat.jpg', 'meow');
});
afterAll(async () => { await fakes?.close(); });

/** Every operation a view offers, with a network effect where it has one. */
async function everyOperation(view: TenantResolver, ownId: string): Promise<void> {
  const asset = await view.resolveAsset(SAMPLE);
  expect(asset.integrationId).toBe(ownId);
  await asset.head();
  expect(new TextDecoder().decode(await asset.bytes())).toBe('meow');
  const presigned = await view.presign(SAMPLE, 300);
  expect((await fetch(presigned.url)).status).toBe(200);
  expect(view.match(SAMPLE).integration.id).toBe(ownId);
  const report = await view.verify(ownId, { sampleUri: SAMPLE });
  expect(report).toMatchObject({ status: 'active', tenant: view.tenant });
  expect(view.listIntegrations().map((i) => i.id)).toEqual([ownId]);
  await (await view.resolveAsset(SAMPLE, ownId)).head();
}

describe('two tenants, same bucket and prefix, different roles', () => {
  it('every operation through a view reaches STS and S3 with that tenant’s identity only', async () => {
    const resolver = resolverWith();
    try {
      for (const [tenant, id, role, externalId] of [['acme', 'acme-media', ROLE_ACME, EXT_ACME], ['globex', 'globex-media', ROLE_GLOBEX, EXT_GLOBEX]] as const) {
        const before = mark();
        await everyOperation(resolver.forTenant(tenant), id);
        const seen = identitiesSince(before);
        expect([...seen.stsRoles], tenant).toEqual([role]);
        expect([...seen.stsExternalIds], tenant).toEqual([externalId]);
        expect([...seen.s3Roles], tenant).toEqual([role]);
      }
    } finally { await resolver.close(); }
  });

  it('1,000 concurrent mixed-tenant calls: each gets its own tenant’s credentials, one AssumeRole per tenant', async () => {
    const resolver = resolverWith();
    try {
      const before = mark();
      const views = { acme: resolver.forTenant('acme'), globex: resolver.forTenant('globex') };
      const roleOf = { acme: ROLE_ACME, globex: ROLE_GLOBEX };
      const work = Array.from({ length: 1000 }, (_, i) => {
        const tenant = i % 2 === 0 ? 'acme' : 'globex';
        // A fresh view per call, as a request handler would make one.
        const view = i % 3 === 0 ? resolver.forTenant(tenant) : views[tenant];
        if (i % 25 === 0) return view.resolveAsset(SAMPLE).then(async (a) => { await a.head(); return { tenant, url: undefined }; });
        return view.presign(SAMPLE, 300).then((p) => ({ tenant, url: p.url }));
      });
      const results = await Promise.all(work);
      const owners = keyOwners();
      for (const r of results) {
        if (r.url) expect(owners.get(signingKey(r.url))?.roleArn).toBe(roleOf[r.tenant as 'acme' | 'globex']);
      }
      const seen = identitiesSince(before);
      expect(fakes.sts.calls.slice(before.sts).map((c) => c.roleArn).sort()).toEqual([ROLE_ACME, ROLE_GLOBEX].sort());
      expect(seen.s3Roles).toEqual(new Set([ROLE_ACME, ROLE_GLOBEX]));
      // The heads went out with the right keys too (each head request was for one tenant's asset).
      const heads = fakes.s3.requests.slice(before.s3).filter((r) => r.method === 'HEAD' && r.accessKeyId);
      expect(heads.length).toBeGreaterThanOrEqual(20);
    } finally { await resolver.close(); }
  });

  it('after updateIntegration, the updated tenant uses its new role only; the other tenant is untouched', async () => {
    const resolver = resolverWith();
    try {
      await everyOperation(resolver.forTenant('acme'), 'acme-media');
      await everyOperation(resolver.forTenant('globex'), 'globex-media');
      resolver.updateIntegration(integration('acme-media', 'acme', ROLE_ACME_NEXT, EXT_ACME_NEXT));
      for (const [tenant, id, role, externalId, newCalls] of [
        ['acme', 'acme-media', ROLE_ACME_NEXT, EXT_ACME_NEXT, 1], ['globex', 'globex-media', ROLE_GLOBEX, EXT_GLOBEX, 0],
      ] as const) {
        const before = mark();
        await everyOperation(resolver.forTenant(tenant), id);
        const seen = identitiesSince(before);
        expect(fakes.sts.calls.length - before.sts, `${tenant}: AssumeRole calls after the update`).toBe(newCalls);
        if (newCalls) {
          expect([...seen.stsRoles]).toEqual([role]);
          expect([...seen.stsExternalIds]).toEqual([externalId]);
        }
        expect([...seen.s3Roles], tenant).toEqual([role]);
      }
    } finally { await resolver.close(); }
  });
});

describe('audit trail', () => {
  it('credential and asset events carry the tenant and the integration’s labels', async () => {
    const events: AssetLinkEvent[] = [];
    const resolver = createAssetResolver({
      platform: { aws: fakes.platform }, onEvent: (e) => events.push(e),
      integrations: [{ ...ACME, labels: { customer: 'acme-corp' } }, GLOBEX],
    });
    try {
      await (await resolver.forTenant('acme').resolveAsset(SAMPLE)).head();
      await (await resolver.forTenant('globex').resolveAsset(SAMPLE)).head();
      const minted = events.filter((e) => e.type === 'credentials.minted');
      expect(minted.map((e) => [e.integrationId, e.tenant, e.labels])).toEqual([
        ['acme-media', 'acme', { customer: 'acme-corp' }],
        ['globex-media', 'globex', undefined],
      ]);
      expect(events.filter((e) => e.type === 'asset.head').map((e) => e.tenant)).toEqual(['acme', 'globex']);
    } finally { await resolver.close(); }
  });
});

/** A shared store in memory, as another process would see it (what Redis would hold). */
class MapStore implements CredentialStore {
  readonly entries = new Map<string, StoredCredential>();
  async get(key: string): Promise<StoredCredential | undefined> { return this.entries.get(key); }
  async set(key: string, entry: StoredCredential): Promise<void> { this.entries.set(key, entry); }
  async delete(key: string): Promise<void> { this.entries.delete(key); }
}

describe('updateIntegration and credentials', () => {
  it('drops the integration’s cached credentials locally and in the shared store; other integrations keep theirs', async () => {
    const store = new MapStore();
    const resolver = resolverWith({ store });
    try {
      await resolver.forTenant('acme').presign(SAMPLE, 60);
      await resolver.forTenant('globex').presign(SAMPLE, 60);
      const owners = keyOwners();
      const roleOfStored = () => [...store.entries.values()].map((e) => owners.get((e.value as { accessKeyId: string }).accessKeyId)?.roleArn).sort();
      expect(roleOfStored()).toEqual([ROLE_ACME, ROLE_GLOBEX].sort());
      resolver.updateIntegration(integration('acme-media', 'acme', ROLE_ACME_NEXT, EXT_ACME_NEXT));
      await new Promise((r) => setTimeout(r, 10));
      expect(roleOfStored()).toEqual([ROLE_GLOBEX]);
      // Tenant-bound keys are named per tenant (so the Redis store can namespace them).
      expect([...store.entries.keys()].every((k) => k.startsWith('t=globex|globex-media|'))).toBe(true);
    } finally { await resolver.close(); }
  });

  it('a slow STS: no caller receives credentials minted for the old configuration after update returns', async () => {
    const resolver = resolverWith();
    try {
      const view = resolver.forTenant('acme');
      const early = await view.resolveAsset(SAMPLE); // resolved before the update, used after it
      const before = mark();
      const requestsBefore = fakes.sts.requestCount;
      fakes.sts.injectFault({ type: 'delay', ms: 1_500 });
      const inFlight = view.presign(SAMPLE, 300);
      const headInFlight = (await view.resolveAsset(SAMPLE)).head();
      // Wait until the old configuration's AssumeRole has reached STS (which holds it for 1.5 s).
      for (let i = 0; i < 400 && fakes.sts.requestCount === requestsBefore; i++) await new Promise((r) => setTimeout(r, 5));
      expect(fakes.sts.requestCount).toBe(requestsBefore + 1);
      expect(fakes.sts.calls.length).toBe(before.sts);
      resolver.updateIntegration(integration('acme-media', 'acme', ROLE_ACME_NEXT, EXT_ACME_NEXT));
      const after = view.presign(SAMPLE, 300);
      const [oldCaller, newCaller] = await Promise.all([inFlight, after, headInFlight]);
      await early.head();
      const laterPresign = await early.presign({ ttlSeconds: 300 });
      const owners = keyOwners();
      for (const url of [oldCaller.url, newCaller.url, laterPresign.url]) expect(owners.get(signingKey(url))?.roleArn).toBe(ROLE_ACME_NEXT);
      // The old role was asked (slowly), and what it minted went nowhere: every S3 request after
      // the update was signed by the new role.
      const calls = fakes.sts.calls.slice(before.sts);
      expect(calls.map((c) => c.roleArn)).toContain(ROLE_ACME);
      expect(calls.filter((c) => c.roleArn === ROLE_ACME_NEXT && c.outcome === 'issued')).toHaveLength(1);
      const oldKeys = new Set(calls.filter((c) => c.roleArn === ROLE_ACME).map((c) => c.issuedAccessKeyId));
      expect(fakes.s3.requests.slice(before.s3).filter((r) => oldKeys.has(r.accessKeyId))).toEqual([]);
      expect(identitiesSince(before).s3Roles).toEqual(new Set([ROLE_ACME_NEXT]));
    } finally {
      fakes.sts.clearFaults();
      await resolver.close();
    }
  });
});
