import { createAssetResolver, CredentialCache, type Integration } from '../src/index.js';
import { compare, opsPerSecond, type BenchRow } from './measure.js';

const gc = (globalThis as { gc?: () => void }).gc;
const heapMiB = (): number => { gc?.(); return process.memoryUsage().heapUsed / 2 ** 20; };

/** 100k registered integrations: memory per integration, per cached credential, and lookup cost. */
export async function bench(): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const N = 100_000;
  const before = heapMiB();
  const resolver = createAssetResolver();
  for (let i = 0; i < N; i++) {
    const integration: Integration = {
      id: `customer-${i}`, provider: 'aws', scope: { bucket: `bucket-${i % 5000}`, prefix: `tenant-${i}` },
      auth: { kind: 'assume-role', roleArn: `arn:aws:iam::${String(100000000000 + i)}:role/labeling`, externalId: `ext-${i}-0123456789abcdef0123456789` },
    };
    resolver.addIntegration(integration);
  }
  const afterIntegrations = heapMiB();

  const cache = new CredentialCache({ maxEntries: N });
  const expiresAt = Date.now() + 3_600_000;
  for (let i = 0; i < N; i++) {
    await cache.get(`customer-${i}|aws|bucket|tenant-${i}|read-only`, { integrationId: `customer-${i}`, scope: 's' }, async () => ({
      value: { accessKeyId: `ASIA${String(i).padStart(16, '0')}`, secretAccessKey: 'x'.repeat(40), sessionToken: 't'.repeat(700), expiration: expiresAt },
      expiresAt,
    }));
  }
  const afterCache = heapMiB();

  // Lookup cost per resolve: match by scope among 100k integrations (5000 buckets × 20 prefixes).
  let i = 0;
  const matchOps = await opsPerSecond(() => { resolver.match(`s3://bucket-${i % 5000}/tenant-${i % N}/a.jpg`); i++; }, 1_000, 5);
  const small = createAssetResolver({ integrations: [{ id: 'one', provider: 'aws', scope: { bucket: 'bucket-0' }, auth: { kind: 'cross-account' } }] });
  const smallOps = await opsPerSecond(() => { small.match('s3://bucket-0/tenant-0/a.jpg'); }, 1_000);
  let j = 0;
  const hitOps = await opsPerSecond(() => { const k = j++ % N; return cache.get(`customer-${k}|aws|bucket|tenant-${k}|read-only`, { integrationId: 'x', scope: 's' }, async () => { throw new Error('unexpected miss'); }); }, 1_000);
  rows.push(compare('match() with 100k integrations', 'match() with 1 integration', matchOps, smallOps, undefined,
    `memory: ${(((afterIntegrations - before) * 2 ** 20) / N).toFixed(0)} B per registered integration; ${(((afterCache - afterIntegrations) * 2 ** 20) / N).toFixed(0)} B per cached AWS credential; warm cache get ${Math.round(hitOps).toLocaleString()} ops/s`));
  await resolver.close();
  await small.close();
  return rows;
}
