import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { createAssetResolver } from '../../src/index.js';
import { startAwsFakes, type AwsFakes } from '../../src/testing/aws/index.js';
import { describeListingContract } from '../contract/listing-contract.js';

const ROLE_ARN = 'arn:aws:iam::222222222222:role/assetlink-listing';
const EXTERNAL_ID = 'listing-external-id-0123456789abcdef';
const BUCKET = 'listing-bucket';

async function start(): Promise<AwsFakes> {
  return startAwsFakes({ roles: [{ roleArn: ROLE_ARN, externalId: EXTERNAL_ID }], buckets: [{ name: BUCKET, ownerAccountId: '222222222222' }] });
}

function resolverFor(fakes: AwsFakes) {
  return createAssetResolver({
    platform: { aws: fakes.platform },
    integrations: [{ id: 'aws-list', provider: 'aws', mode: 'read-only', scope: { bucket: BUCKET, prefix: 'images' }, auth: { kind: 'assume-role', roleArn: ROLE_ARN, externalId: EXTERNAL_ID } }],
    requestTimeoutMs: 10_000,
  });
}

async function seed(fakes: AwsFakes, keys: string[]): Promise<void> {
  for (let i = 0; i < keys.length; i += 32) {
    await Promise.all(keys.slice(i, i + 32).map((key) => fakes.s3.putObject(BUCKET, key, `body of ${key}`)));
  }
}

describeListingContract('aws (assume-role session, S3 fake)', async () => {
  const fakes = await start();
  const resolver = resolverFor(fakes);
  return {
    resolver,
    integrationId: 'aws-list',
    scope: 'images',
    uri: (key) => `s3://${BUCKET}/${key}`,
    seed: (keys) => seed(fakes, keys),
    // The SDK makes three attempts; all three fail.
    failNextListPage: () => fakes.s3.injectFault({ type: 'server-error' }, 3),
    clearFaults: () => fakes.s3.clearFaults(),
    close: async () => { await resolver.close(); await fakes.close(); },
  };
}, {
  faults: true,
  astralOrder: true, slashNeighbours: true, nestedFolders: true,
});

describe('aws listing credentials', () => {
  it('the session lists exactly the scope folder (with and without delimiter) and nothing wider', async () => {
    const fakes = await start();
    const resolver = resolverFor(fakes);
    try {
      await seed(fakes, ['images/a.jpg', 'images/sub/b.jpg', 'images2/c.jpg', 'images-old/d.jpg']);
      const keys: string[] = [];
      for await (const entry of resolver.list(`s3://${BUCKET}/images/`, { recursive: false })) keys.push(entry.key);
      expect(keys).toEqual(['images/a.jpg', 'images/sub/']);
      const issued = fakes.sts.calls.find((c) => c.issuedAccessKeyId)!;
      const key = fakes.keyring.get(issued.issuedAccessKeyId!)!;
      const client = new S3Client({
        region: 'us-east-1', endpoint: fakes.s3.endpoint, forcePathStyle: true, maxAttempts: 1,
        credentials: { accessKeyId: key.accessKeyId, secretAccessKey: key.secretAccessKey, sessionToken: key.sessionToken! },
      });
      const outcome = async (input: { Prefix?: string; Delimiter?: string; StartAfter?: string }): Promise<string> => {
        try {
          await client.send(new ListObjectsV2Command({ Bucket: BUCKET, ...input }));
          return 'allowed';
        } catch (error) {
          return (error as { name?: string }).name ?? 'error';
        }
      };
      expect(await outcome({ Prefix: 'images/' })).toBe('allowed');
      expect(await outcome({ Prefix: 'images/', Delimiter: '/' })).toBe('allowed');
      expect(await outcome({ Prefix: 'images/sub/', Delimiter: '/' })).toBe('allowed');
      expect(await outcome({ Prefix: 'images/2024-' })).toBe('allowed');
      expect(await outcome({})).toBe('AccessDenied');
      expect(await outcome({ Delimiter: '/' })).toBe('AccessDenied');
      expect(await outcome({ Prefix: 'images' })).toBe('AccessDenied');
      expect(await outcome({ Prefix: 'images2/' })).toBe('AccessDenied');
      expect(await outcome({ Prefix: 'images-old/' })).toBe('AccessDenied');
      expect(await outcome({ Prefix: '', StartAfter: 'images/' })).toBe('AccessDenied');
      client.destroy();
    } finally {
      await resolver.close();
      await fakes.close();
    }
  });
});
