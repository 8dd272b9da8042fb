import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Integration } from '../../src/index.js';
import { BUCKET, READER, WRITER, startGcpWorld, type GcpWorld } from '../resolvers/gcp-fixture.js';

/**
 * Two configurations that share an id must never share credentials: the cache keys carry a
 * fingerprint of the whole configuration, not just the id.
 */
describe('credentials are isolated by configuration, not by id', () => {
  let world: GcpWorld;
  beforeAll(async () => {
    world = await startGcpWorld();
    world.fake.gcs.putObject(BUCKET, 'shared/a.txt', 'bytes');
  });
  afterAll(async () => { await world?.close(); });

  const as = (serviceAccount: string): Integration => ({
    id: 'tenant', provider: 'gcp', scope: { bucket: BUCKET, prefix: 'shared' }, auth: { kind: 'impersonation', serviceAccount },
  });

  it('two ad-hoc integrations with one id each impersonate their own service account', async () => {
    const resolver = world.resolver({ integrations: [] });
    const before = world.fake.iam.calls.length;
    await (await resolver.resolveAsset(`gs://${BUCKET}/shared/a.txt`, as(READER))).head();
    await (await resolver.resolveAsset(`gs://${BUCKET}/shared/a.txt`, as(WRITER))).head();
    const minted = world.fake.iam.calls.slice(before).filter((c) => c.method === 'generateAccessToken').map((c) => c.serviceAccount);
    expect(minted).toEqual([READER, WRITER]);
  });

  it('an ad-hoc integration reusing a registered id with another identity is refused', async () => {
    const resolver = world.resolver({ integrations: [as(READER)] });
    await expect(resolver.resolveAsset(`gs://${BUCKET}/shared/a.txt`, as(WRITER))).rejects.toMatchObject({ code: 'INVALID_INTEGRATION', field: 'id' });
    // The same configuration as an object is fine.
    expect((await resolver.resolveAsset(`gs://${BUCKET}/shared/a.txt`, as(READER))).integrationId).toBe('tenant');
  });
});
