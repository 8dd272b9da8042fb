import { createAssetResolver, type AssetResolver } from '../../src/index.js';
import type { Integration, ResolverOptions } from '../../src/types.js';
import { startFakeGcp, type FakeGcp } from '../../src/testing/gcp/index.js';

/**
 * A fake Google world for GCP tests: the platform identity (a registered bearer token), a
 * customer's reader and writer service accounts the platform may impersonate, and one bucket
 * whose IAM grants the reader Object Viewer and the writer Object User.
 */
export const PLATFORM = 'assetlink-platform@platform-project.iam.gserviceaccount.com';
export const READER = 'assetlink-reader@customer-project.iam.gserviceaccount.com';
export const WRITER = 'assetlink-writer@customer-project.iam.gserviceaccount.com';
export const BUCKET = 'customer-training-data';
export const PLATFORM_TOKEN = 'platform-token-canary-5f0c';

export interface GcpWorld {
  fake: FakeGcp;
  platform: NonNullable<ResolverOptions['platform']>;
  readOnly: Integration;
  readWrite: Integration;
  resolver(options?: Partial<ResolverOptions>): AssetResolver;
  close(): Promise<void>;
}

export async function startGcpWorld(overrides: { gcp?: NonNullable<ResolverOptions['platform']>['gcp'] } = {}): Promise<GcpWorld> {
  const fake = await startFakeGcp();
  const { directory, gcs } = fake;
  directory.registerToken(PLATFORM_TOKEN, { principal: PLATFORM });
  directory.addServiceAccount(READER);
  directory.addServiceAccount(WRITER);
  directory.grantTokenCreator(PLATFORM, READER);
  directory.grantTokenCreator(PLATFORM, WRITER);
  gcs.createBucket(BUCKET, { iam: { [READER]: 'roles/storage.objectViewer', [WRITER]: 'roles/storage.objectUser' } });

  const platform = {
    gcp: {
      authClient: { getAccessToken: async () => ({ token: PLATFORM_TOKEN }) },
      ...fake.endpoints,
      maxRetries: 0,
      ...overrides.gcp,
    },
  };
  const readOnly: Integration = {
    id: 'acme-gcs-datasets', provider: 'gcp', mode: 'read-only',
    scope: { bucket: BUCKET, prefix: 'datasets' }, auth: { kind: 'impersonation', serviceAccount: READER },
  };
  const readWrite: Integration = {
    id: 'acme-gcs-labels', provider: 'gcp', mode: 'read-write',
    scope: { bucket: BUCKET, prefix: 'labels' }, auth: { kind: 'impersonation', serviceAccount: WRITER },
  };
  const resolvers: AssetResolver[] = [];
  return {
    fake, platform, readOnly, readWrite,
    resolver: (options = {}) => {
      const resolver = createAssetResolver({ integrations: [readOnly, readWrite], platform, ...options });
      resolvers.push(resolver);
      return resolver;
    },
    close: async () => {
      await Promise.all(resolvers.map((r) => r.close()));
      await fake.close();
    },
  };
}
