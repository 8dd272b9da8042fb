import { describeProviderContract } from '../contract/provider-contract.js';
import { createAssetResolver } from '../../src/index.js';
import { startAwsFakes } from '../../src/testing/aws/index.js';

const ROLE_ARN = 'arn:aws:iam::222222222222:role/assetlink-contract';
const EXTERNAL_ID = 'contract-external-id-0123456789abcdef';
const BUCKET = 'contract-bucket';

describeProviderContract('aws (strict in-memory fake S3, fake STS)', async () => {
  const fakes = await startAwsFakes({
    roles: [{ roleArn: ROLE_ARN, externalId: EXTERNAL_ID }],
    buckets: [{ name: BUCKET, ownerAccountId: '222222222222' }],
  });
  const auth = { kind: 'assume-role' as const, roleArn: ROLE_ARN, externalId: EXTERNAL_ID };
  const resolver = createAssetResolver({
    platform: { aws: fakes.platform },
    integrations: [
      { id: 'contract-rw', provider: 'aws', mode: 'read-write', scope: { bucket: BUCKET, prefix: 'rw' }, auth },
      { id: 'contract-ro', provider: 'aws', mode: 'read-only', scope: { bucket: BUCKET, prefix: 'ro' }, auth },
    ],
    requestTimeoutMs: 5_000,
  });
  return {
    resolver,
    readWriteIntegrationId: 'contract-rw',
    readOnlyIntegrationId: 'contract-ro',
    readWriteUri: (key) => `s3://${BUCKET}/rw/${key}`,
    readOnlyUri: (key) => `s3://${BUCKET}/ro/${key}`,
    outOfScopeUri: (key) => `s3://${BUCKET}/elsewhere/${key}`,
    seed: async (uri, body, contentType) => {
      const key = uri.slice(`s3://${BUCKET}/`.length);
      await fakes.s3.putObject(BUCKET, key, body, contentType ? { contentType } : {});
    },
    close: async () => {
      await resolver.close();
      await fakes.close();
    },
  };
});
