import { createAssetResolver } from '../src/index.js';
import { startAwsFakes } from '../src/testing/aws/index.js';
import { compare, type BenchRow } from './measure.js';

/**
 * `resolver.presignMany` against `resolver.presign` in a loop, for 1,000 S3 URIs of one
 * integration with warm credentials (issue 17: ≥ 1.5×). Both sides are timed in the same process,
 * in alternating rounds; each side's median round counts (robust to load swings on a shared machine).
 */

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const URIS = 1000;
const ROUNDS = 15;

export async function bench(): Promise<BenchRow[]> {
  const roleArn = 'arn:aws:iam::222222222222:role/bench';
  const externalId = 'bench-external-id-0123456789abcdef';
  const fakes = await startAwsFakes({ roles: [{ roleArn, externalId }], buckets: [{ name: 'bench-bucket', ownerAccountId: '222222222222' }] });
  const resolver = createAssetResolver({
    platform: { aws: fakes.platform },
    integrations: [{ id: 'bench', provider: 'aws', scope: { bucket: 'bench-bucket', prefix: 'frames', region: 'us-east-1' }, auth: { kind: 'assume-role', roleArn, externalId } }],
  });
  try {
    const uris = Array.from({ length: URIS }, (_, i) => `s3://bench-bucket/frames/sample-7/${String(i).padStart(5, '0')}.jpg`);
    await resolver.presign(uris[0]!, 900); // warm: AssumeRole once
    const loop = async (): Promise<void> => { for (const uri of uris) await resolver.presign(uri, 900); };
    const batch = async (): Promise<void> => {
      const out = await resolver.presignMany(uris, 900);
      if (out.some((r) => r instanceof Error)) throw new Error('presignMany failed for a URI');
    };
    for (let i = 0; i < 3; i++) { await loop(); await batch(); }
    const loopRates: number[] = [];
    const batchRates: number[] = [];
    const ratios: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      let t = performance.now();
      await loop();
      const loopRate = (URIS * 1000) / (performance.now() - t);
      t = performance.now();
      await batch();
      const batchRate = (URIS * 1000) / (performance.now() - t);
      loopRates.push(loopRate);
      batchRates.push(batchRate);
      ratios.push(batchRate / loopRate);
    }
    const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    const row = compare(
      `presignMany, ${URIS} URIs of one integration (URLs/s)`, 'resolver.presign in a loop',
      median(batchRates), median(loopRates), 1.5,
      `median of ${ROUNDS} alternating rounds; median per-round ratio ${median(ratios).toFixed(2)}×; STS AssumeRole calls: ${fakes.sts.issuedCount}`,
    );
    return [row];
  } finally {
    await resolver.close();
    await fakes.close();
  }
}
