import { createAssetResolver, parseAssetUri } from '../../src/index.js';
import { describeProviderContract } from '../contract/provider-contract.js';
import { BUCKET, startGcpWorld } from './gcp-fixture.js';

describeProviderContract('gcp (impersonation, fake GCS + IAM + STS)', async () => {
  const world = await startGcpWorld();
  const resolver = world.resolver();
  return {
    resolver,
    readWriteIntegrationId: world.readWrite.id,
    readOnlyIntegrationId: world.readOnly.id,
    readWriteUri: (key) => `gs://${BUCKET}/labels/${key}`,
    readOnlyUri: (key) => `gs://${BUCKET}/datasets/${key}`,
    outOfScopeUri: (key) => `gs://${BUCKET}/private/${key}`,
    seed: async (uri, body, contentType) => {
      const location = parseAssetUri(uri);
      world.fake.gcs.putObject(location.bucket, location.key, body, contentType ? { contentType } : {});
    },
    close: () => world.close(),
  };
});

describeProviderContract('gcp (service-account keys, fake GCS)', async () => {
  const world = await startGcpWorld();
  const reader = world.fake.directory.addServiceAccount('keyed-reader@customer-project.iam.gserviceaccount.com');
  const writer = world.fake.directory.addServiceAccount('keyed-writer@customer-project.iam.gserviceaccount.com');
  world.fake.gcs.createBucket('keyed-bucket', { iam: { [reader.email]: 'roles/storage.objectViewer', [writer.email]: 'roles/storage.objectUser' } });
  const key = (account: { email: string; privateKeyPem: string }) => ({ client_email: account.email, private_key: account.privateKeyPem });
  const resolver = createAssetResolver({
    integrations: [
      { id: 'keyed-ro', provider: 'gcp', scope: { bucket: 'keyed-bucket', prefix: 'in' }, auth: { kind: 'service-account-key', credentials: key(reader) } },
      { id: 'keyed-rw', provider: 'gcp', mode: 'read-write', scope: { bucket: 'keyed-bucket', prefix: 'out' }, auth: { kind: 'service-account-key', credentials: key(writer) } },
    ],
    platform: { gcp: { apiEndpoint: world.fake.gcs.url, maxRetries: 0 } },
  });
  return {
    resolver,
    readWriteIntegrationId: 'keyed-rw',
    readOnlyIntegrationId: 'keyed-ro',
    readWriteUri: (k) => `gs://keyed-bucket/out/${k}`,
    readOnlyUri: (k) => `gs://keyed-bucket/in/${k}`,
    outOfScopeUri: (k) => `gs://keyed-bucket/elsewhere/${k}`,
    seed: async (uri, body, contentType) => {
      const location = parseAssetUri(uri);
      world.fake.gcs.putObject(location.bucket, location.key, body, contentType ? { contentType } : {});
    },
    close: async () => { await resolver.close(); await world.close(); },
  };
});
