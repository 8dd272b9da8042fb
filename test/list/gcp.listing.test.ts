import { describe, expect, it } from 'vitest';
import { describeListingContract } from '../contract/listing-contract.js';
import { BUCKET, startGcpWorld } from '../resolvers/gcp-fixture.js';

describeListingContract('gcp (impersonation + access boundary, fake GCS)', async () => {
  const world = await startGcpWorld();
  const resolver = world.resolver();
  return {
    resolver,
    integrationId: world.readOnly.id,
    scope: 'datasets',
    uri: (key) => `gs://${BUCKET}/${key}`,
    seed: async (keys) => { for (const key of keys) world.fake.gcs.putObject(BUCKET, key, `body of ${key}`); },
    // The fixture's storage client does not retry (maxRetries: 0), so one 503 reaches the listing.
    failNextListPage: () => world.fake.gcs.injectFault({ status: 503, pathIncludes: '/o' }),
    clearFaults: () => world.fake.gcs.clearFaults(),
    close: () => world.close(),
  };
}, { faults: true, astralOrder: true, slashNeighbours: true, nestedFolders: true });

describe('gcp listing credentials', () => {
  it('the downscoped token lists exactly the scope folder and nothing wider', async () => {
    const world = await startGcpWorld();
    try {
      const resolver = world.resolver();
      world.fake.gcs.putObject(BUCKET, 'datasets/a.jpg', 'a');
      world.fake.gcs.putObject(BUCKET, 'datasets2/b.jpg', 'b');
      const keys: string[] = [];
      for await (const entry of resolver.list(`gs://${BUCKET}/datasets/`)) keys.push(entry.key);
      expect(keys).toEqual(['datasets/a.jpg']);
      const token = world.fake.sts.calls.find((c) => c.issuedToken)?.issuedToken;
      expect(token).toBeTruthy();
      const status = async (query: string): Promise<number> => {
        const res = await fetch(`${world.fake.gcs.url}/storage/v1/b/${BUCKET}/o?${query}`, { headers: { authorization: `Bearer ${token}` } });
        await res.arrayBuffer();
        return res.status;
      };
      expect(await status('prefix=datasets/')).toBe(200);
      expect(await status('prefix=datasets/deeper/&delimiter=/')).toBe(200);
      expect(await status('prefix=datasets/a')).toBe(200);
      expect(await status('')).toBe(403);
      expect(await status('prefix=datasets')).toBe(403);
      expect(await status('prefix=datasets2/')).toBe(403);
      expect(await status('prefix=&startOffset=datasets/')).toBe(403);
    } finally {
      await world.close();
    }
  });
});
