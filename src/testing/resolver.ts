import { AssetResolver } from '../resolver/create.js';
import type { Integration, ResolverOptions } from '../types.js';
import { startFakeCloud, type FakeCloud, type FakeCloudOptions, type FakeProvider } from './cloud.js';

/** Options of `createTestResolver`: resolver options (not `platform`, which points at the fakes) and which clouds to start. */
export interface TestResolverOptions extends Omit<ResolverOptions, 'platform'>, FakeCloudOptions {
  /** Reuse a running fake cloud instead of starting one (it is then not closed with the resolver). */
  cloud?: FakeCloud;
}

/** A resolver wired to a fake cloud, with one read-only and one read-write integration per provider. */
export interface TestResolver {
  resolver: AssetResolver;
  cloud: FakeCloud;
  /**
   * The ready-made integrations, by provider: `readOnly` covers `<bucket>/in`, `readWrite` covers
   * `<bucket>/out` of bucket (or container) `assetlink-test`.
   */
  integrations: Partial<Record<FakeProvider, { readOnly: Integration; readWrite: Integration }>>;
  close(): Promise<void>;
}

/**
 * One line in a user's test: `const { resolver, cloud } = await createTestResolver()`.
 * Seed objects with `cloud.putObject('s3://assetlink-test/in/a.jpg', bytes)`.
 */
export async function createTestResolver(options: TestResolverOptions = {}): Promise<TestResolver> {
  const { cloud: given, providers, aws, gcp, azure, integrations: extra, ...resolverOptions } = options;
  const cloud = given ?? await startFakeCloud({
    ...(providers ? { providers } : {}), ...(aws ? { aws } : {}), ...(gcp ? { gcp } : {}), ...(azure ? { azure } : {}),
  });
  try {
    const made: TestResolver['integrations'] = {};
    const pair = async (make: (g: { id: string; prefix: string; mode: 'read-only' | 'read-write' }) => Promise<Integration>, provider: FakeProvider) => {
      made[provider] = {
        readOnly: await make({ id: `${provider}-read-only`, prefix: 'in', mode: 'read-only' }),
        readWrite: await make({ id: `${provider}-read-write`, prefix: 'out', mode: 'read-write' }),
      };
    };
    if (cloud.aws) await pair((g) => cloud.awsIntegration(g), 'aws');
    if (cloud.gcp) await pair((g) => cloud.gcpIntegration(g), 'gcp');
    if (cloud.azure) await pair((g) => cloud.azureIntegration(g), 'azure');
    const resolver = new AssetResolver({
      ...resolverOptions,
      platform: cloud.platform,
      integrations: [...Object.values(made).flatMap((p) => [p.readOnly, p.readWrite]), ...(extra ?? [])],
    });
    return {
      resolver, cloud, integrations: made,
      close: async () => { await resolver.close(); if (!given) await cloud.close(); },
    };
  } catch (error) {
    if (!given) await cloud.close();
    throw error;
  }
}
