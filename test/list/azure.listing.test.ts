import { describe, expect, it } from 'vitest';
import { createAssetResolver, type Integration } from '../../src/index.js';
import { startAzureTestEnvironment } from '../../src/testing/azure/environment.js';
import { describeListingContract } from '../contract/listing-contract.js';
import { encodeKeyForUrl } from '../../src/uri/index.js';
import { createTrustingAgent, storagePipeline } from '../../src/resolvers/azure/http.js';
import { BlobEndpoint } from '../../src/resolvers/azure/url.js';

/**
 * The shared listing contract against Azurite over HTTPS with OAuth: a read-only integration whose
 * every List Blobs request carries a list-only (sp=l) user-delegation SAS. Azurite orders names
 * in UTF-16 code units, not UTF-8 bytes (astral characters before U+E000–U+FFFF), so the astral
 * ordering case is off for it; Azure itself lists in UTF-8 byte order.
 */

const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
const APP = '0f7e1a52-1111-4c2b-9d7e-5f4a3b2c1d0e';
const ACCOUNT = 'listingdata';
const CONTAINER = 'datasets';
const auth = { kind: 'client-secret', tenantId: TENANT, clientId: APP, clientSecret: 'listing-secret' } as const;
/** Canonical https form: the key percent-encoded per segment, as listings name it. */
const uri = (key: string): string => `https://${ACCOUNT}.blob.core.windows.net/${CONTAINER}/${encodeKeyForUrl(key)}`;

/** Seeds through Azurite's back door, 12 at a time; a put the loaded machine drops (ECONNRESET) is sent again. */
async function seedAll(put: (key: string) => Promise<void>, keys: string[]): Promise<void> {
  let next = 0;
  const putWithRetry = async (key: string): Promise<void> => {
    for (let attempt = 1; ; attempt++) {
      try {
        return await put(key);
      } catch (error) {
        if (attempt >= 4) throw error;
      }
    }
  };
  await Promise.all(Array.from({ length: 12 }, async () => {
    while (next < keys.length) await putWithRetry(keys[next++]!);
  }));
}

describeListingContract('azure (client secret, per-operation list SAS, Azurite)', async () => {
  const env = await startAzureTestEnvironment({ accounts: [ACCOUNT], containers: [`${ACCOUNT}/${CONTAINER}`], apps: [{ tenantId: TENANT, clientId: APP, clientSecret: auth.clientSecret }] });
  const integrations: Integration[] = [{ id: 'ro', provider: 'azure', scope: { account: ACCOUNT, container: CONTAINER, prefix: 'images' }, auth }];
  const resolver = createAssetResolver({ integrations, platform: { azure: env.platform } });
  return {
    resolver,
    integrationId: 'ro',
    scope: 'images',
    uri,
    seed: async (keys) => {
      // One shared-key client for the whole seed (the back door, not the code under test): 2,600 puts on a loaded machine.
      const sdk = await import('@azure/storage-blob');
      const pipeline = storagePipeline(sdk, new sdk.StorageSharedKeyCredential(ACCOUNT, env.azurite.accountKey(ACCOUNT)), createTrustingAgent(env.tls.ca), { retryOptions: { maxTries: 1 } });
      const endpoint = new BlobEndpoint(ACCOUNT, { blobEndpoint: env.azurite.endpointTemplate });
      await seedAll(async (key) => {
        const body = Buffer.from(`body of ${key}`);
        await new sdk.BlockBlobClient(endpoint.blobUrl(CONTAINER, key), pipeline).upload(body, body.byteLength);
      }, keys);
    },
    // The SAS pipeline tries a request 3 times: a page fails when all three attempts do.
    failNextListPage: () => env.azurite.injectFault({ status: 503, comp: 'list', times: 3 }),
    clearFaults: () => env.azurite.clearFaults(),
    close: async () => { await resolver.close(); await env.close(); },
  };
}, { faults: true, astralOrder: false, slashNeighbours: true, nestedFolders: true, setupTimeoutMs: 900_000 });

describe('azure listing credentials', () => {
  it('every List Blobs request carries a list-only container SAS; the scope is enforced by the prefix and assetlink, and nothing outside it is yielded', async () => {
    const env = await startAzureTestEnvironment({ accounts: [ACCOUNT], containers: [`${ACCOUNT}/${CONTAINER}`], apps: [{ tenantId: TENANT, clientId: APP, clientSecret: auth.clientSecret }] });
    const resolver = createAssetResolver({
      integrations: [{ id: 'ro', provider: 'azure', scope: { account: ACCOUNT, container: CONTAINER, prefix: 'images' }, auth }],
      platform: { azure: env.platform },
    });
    try {
      for (const key of ['images/a.jpg', 'images/sub/b.jpg', 'images2/secret.jpg', 'images-old/secret.jpg', 'other/secret.jpg']) {
        await env.azurite.putBlob(CONTAINER, key, 'x', { account: ACCOUNT });
      }
      const before = env.azurite.requests.length;
      const keys: string[] = [];
      for await (const o of resolver.list(uri('images/'), { pageSize: 1 })) keys.push(o.key);
      expect(keys).toEqual(['images/a.jpg', 'images/sub/b.jpg']);
      const lists = env.azurite.requests.slice(before).filter((r) => r.comp === 'list');
      expect(lists.length).toBeGreaterThanOrEqual(2);
      for (const r of lists) {
        expect(r.auth).toBe('sas');
        // Flat namespace: Azure cannot confine a SAS to a prefix, so it is a container SAS with only `l`
        // (no read, no write), and the request names the scope folder as its prefix.
        expect(r.sas).toMatchObject({ sp: 'l', sr: 'c' });
        expect(r.queryNames).toContain('prefix');
      }
      expect(env.azurite.requests.slice(before).every((r) => r.comp === 'list' || r.comp === 'userdelegationkey' || r.auth !== 'sas' || r.sas?.sp === 'l')).toBe(true);
      await expect((async () => { for await (const _ of resolver.list(uri(''))) void _; })()).rejects.toMatchObject({ code: 'OUT_OF_SCOPE' });
    } finally {
      await resolver.close();
      await env.close();
    }
  }, 120_000);
});
