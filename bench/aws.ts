import { createHmac } from 'node:crypto';
import { createAssetResolver } from '../src/index.js';
import { startAwsFakes } from '../src/testing/aws/index.js';
import { bestOfInterleaved, compare, type BenchRow } from './measure.js';

/**
 * S3 presigned URLs with warm credentials, through the whole resolver (parse, match, cache hit,
 * TTL checks, signing):
 * - vs `getSignedUrl` of @aws-sdk/s3-request-presigner with one reused S3Client (target ≥ 10×);
 * - vs the raw HMAC floor of a signer that re-derives its key each time: 4 HMACs to derive the
 *   SigV4 key + 1 HMAC per URL, nothing else (target ≥ 0.3×).
 */

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

export async function bench(): Promise<BenchRow[]> {
  const roleArn = 'arn:aws:iam::222222222222:role/bench';
  const externalId = 'bench-external-id-0123456789abcdef';
  const fakes = await startAwsFakes({ roles: [{ roleArn, externalId }], buckets: [{ name: 'bench-bucket', ownerAccountId: '222222222222' }] });
  const resolver = createAssetResolver({
    platform: { aws: fakes.platform },
    integrations: [{ id: 'bench', provider: 'aws', scope: { bucket: 'bench-bucket', prefix: 'images', region: 'us-east-1' }, auth: { kind: 'assume-role', roleArn, externalId } }],
  });
  try {
    let n = 0;
    const assetlink = (): Promise<unknown> => resolver.presign(`s3://bench-bucket/images/${n++ % 1000}.jpg`, 900);
    await assetlink(); // warm: AssumeRole once, credentials cached
    const call = fakes.sts.calls.at(-1)!;
    const key = fakes.keyring.get(call.issuedAccessKeyId!)!;
    const credentials = { accessKeyId: key.accessKeyId, secretAccessKey: key.secretAccessKey, sessionToken: key.sessionToken! };

    const { S3Client, GetObjectCommand } = await import('@aws-sdk/client-s3');
    const { getSignedUrl } = await import('@aws-sdk/s3-request-presigner');
    const client = new S3Client({ region: 'us-east-1', credentials, endpoint: fakes.s3.endpoint, forcePathStyle: true, responseChecksumValidation: 'WHEN_REQUIRED', requestChecksumCalculation: 'WHEN_REQUIRED' });
    const sdk = (): Promise<unknown> => getSignedUrl(client, new GetObjectCommand({ Bucket: 'bench-bucket', Key: `images/${n++ % 1000}.jpg` }), { expiresIn: 900 });
    await sdk();

    // The floor: derive the key and sign a fixed-size string, per URL, with nothing around it.
    const stringToSign = `AWS4-HMAC-SHA256\n20240101T000000Z\n20240101/us-east-1/s3/aws4_request\n${'0'.repeat(64)}`;
    const rawHmac = (): string => {
      const kDate = createHmac('sha256', `AWS4${credentials.secretAccessKey}`).update('20240101').digest();
      const kRegion = createHmac('sha256', kDate).update('us-east-1').digest();
      const kService = createHmac('sha256', kRegion).update('s3').digest();
      const kSigning = createHmac('sha256', kService).update('aws4_request').digest();
      return createHmac('sha256', kSigning).update(stringToSign).digest('hex');
    };

    const [ours, theirs, floor] = await bestOfInterleaved([assetlink, sdk, rawHmac], 3, 700);
    const stsCalls = fakes.sts.issuedCount;
    client.destroy();
    return [
      compare('presign GET, warm (resolver.presign)', 'getSignedUrl, reused S3Client', ours!, theirs!, 10, `STS AssumeRole calls during the run: ${stsCalls}`),
      compare('presign GET, warm (resolver.presign)', 'raw HMAC: derive key + 1 HMAC per URL', ours!, floor!, 0.3),
    ];
  } finally {
    await resolver.close();
    await fakes.close();
  }
}
