import path from 'node:path';
import { createAssetResolver } from '../src/index.js';
import { startAwsFakes } from '../src/testing/aws/index.js';
import { startFakeGcp, type FakeGcp } from '../src/testing/gcp/index.js';
import type { ListChildConfig, ListChildReport } from './fixtures/list-child.js';
import { compare, runJsonChild, type BenchRow } from './measure.js';

/**
 * Listing (docs/listing.md, docs/performance.md):
 * - throughput of `resolver.list()` against the raw SDK paginator (`paginateListObjectsV2`, 1000
 *   keys a page, same credentials and endpoint) on the same S3 fake, same run (target ≥ 0.95×);
 * - memory while listing 1,000,000 objects against listing 10,000, on the memory provider and on
 *   the fake GCS, each listing in a child process of its own;
 * - a split listing, 4 ranges listed concurrently, against one plain listing of a wide bucket
 *   (64 folders) on the fake GCS: as is (the fake, one thread in the parent process, is then the
 *   bottleneck), and with 100 ms added to every request, about what a 1000-key page of S3 or GCS
 *   takes over the network — the latency splitting exists to overlap.
 */

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const root = path.resolve(import.meta.dirname, '..');
const S3_OBJECTS = 2_000;
const ROUNDS = 41;
const mib = (bytes: number): string => (bytes / 2 ** 20).toFixed(1);

function child(config: ListChildConfig): Promise<ListChildReport> {
  return runJsonChild<ListChildReport>(['--expose-gc', '--max-old-space-size=4096', '--import', 'tsx', path.join(root, 'bench/fixtures/list-child.ts')], root,
    { LIST_CHILD: JSON.stringify(config) }, `list ${config.mode} ${config.count ?? ''} ${config.ranges ?? ''}`);
}

export async function s3Throughput(): Promise<BenchRow> {
  const fakes = await startAwsFakes({ buckets: ['bench-list'] });
  try {
    for (let i = 0; i < S3_OBJECTS; i += 50) {
      await Promise.all(Array.from({ length: Math.min(50, S3_OBJECTS - i) }, (_, j) =>
        fakes.s3.putObject('bench-list', `data/${String(Math.floor((i + j) / 500)).padStart(2, '0')}/${String(i + j).padStart(6, '0')}.jpg`, 'x')));
    }
    const credentials = fakes.platform.credentials;
    const resolver = createAssetResolver({
      platform: { aws: fakes.platform },
      integrations: [{ id: 'bench', provider: 'aws', scope: { bucket: 'bench-list', prefix: 'data' }, auth: { kind: 'access-key', ...credentials } }],
    });
    const { S3Client, paginateListObjectsV2 } = await import('@aws-sdk/client-s3');
    const client = new S3Client({ region: 'us-east-1', credentials, endpoint: fakes.s3.endpoint, forcePathStyle: true });
    const assetlink = async (): Promise<number> => {
      let n = 0;
      for await (const _ of resolver.list('s3://bench-list/data/')) n++;
      return n;
    };
    const sdk = async (): Promise<number> => {
      let n = 0;
      for await (const page of paginateListObjectsV2({ client, pageSize: 1000 }, { Bucket: 'bench-list', Prefix: 'data/' })) n += page.Contents?.length ?? 0;
      return n;
    };
    const rate = async (fn: () => Promise<number>): Promise<number> => {
      const start = performance.now();
      const n = await fn();
      if (n !== S3_OBJECTS) throw new Error(`listed ${n} of ${S3_OBJECTS}`);
      return n / ((performance.now() - start) / 1000);
    };
    await assetlink(); await sdk(); // warm: SDK loaded, credentials, region, connections
    const rates = { assetlink: [] as number[], sdk: [] as number[] };
    for (let round = 0; round < ROUNDS; round++) {
      const order = round % 2 ? (['sdk', 'assetlink'] as const) : (['assetlink', 'sdk'] as const);
      for (const side of order) rates[side].push(await rate(side === 'assetlink' ? assetlink : sdk));
    }
    client.destroy();
    await resolver.close();
    const median = (values: number[]): number => [...values].sort((a, b) => a - b)[values.length >> 1]!;
    // The shared machine's load swings whole listings by ±30 %; the two listings of one round run
    // back to back under the same load, so the ratio is the median of the per-round ratios.
    const ratio = median(rates.assetlink.map((r, i) => r / rates.sdk[i]!));
    return {
      ...compare(`S3 listing, ${S3_OBJECTS.toLocaleString('en-US')} objects: resolver.list() (objects/s)`, 'paginateListObjectsV2, 1000 a page, same key',
        median(rates.assetlink), median(rates.sdk), 0.95,
        `${ROUNDS} rounds of one full listing per side, order alternating; rates are medians, the ratio is the median of the per-round ratios (median rates alone: ${(median(rates.assetlink) / median(rates.sdk)).toFixed(2)}×); the fake's own work per page is shared by both sides`),
      ratio,
    };
  } finally {
    await fakes.close();
  }
}

async function memoryRows(): Promise<BenchRow> {
  const runs = [];
  for (const count of [10_000, 100_000, 1_000_000]) runs.push(await child({ mode: 'memory', count, bucket: 'bench-mem', prefix: 'data' }));
  return memoryRow('memory provider', runs);
}

/**
 * Growth while listing 10,000, 100,000 and 1,000,000 objects, each over the figures taken just
 * before its listing: peak RSS and heap (garbage not yet collected included), and the heap still
 * in use after the listing and a full gc (what the listing retained).
 */
function memoryRow(where: string, runs: ListChildReport[]): BenchRow {
  const [small, , large] = runs as [ListChildReport, ListChildReport, ListChildReport];
  const grow = (r: ListChildReport): string => `${r.listed.toLocaleString('en-US')}: RSS +${mib(r.rssPeak - r.rssBefore)}, heap peak +${mib(r.heapPeak - r.heapBefore)}, retained ${mib(r.heapAfterGc - r.heapBefore)}`;
  const extra = (large.rssPeak - large.rssBefore) - (small.rssPeak - small.rssBefore);
  return compare(
    `${where}: list 1,000,000 objects (objects/s; memory)`, 'list 10,000 objects, same process setup',
    large.listed / (large.ms / 1000), small.listed / (small.ms / 1000), undefined,
    `memory growth while listing, MiB, over the figures just before (after warm-up and gc) — ${runs.map(grow).join('; ')}. `
    + `1,000,000 vs 10,000: ${extra >= 0 ? '+' : ''}${mib(extra)} MiB RSS`,
  );
}

interface GcpWorld { fake: FakeGcp; gcp: NonNullable<ListChildConfig['gcp']> }

async function gcpWorld(bucket: string): Promise<GcpWorld> {
  const fake = await startFakeGcp();
  const platform = 'bench-platform@platform.iam.gserviceaccount.com';
  const reader = 'bench-reader@customer.iam.gserviceaccount.com';
  fake.directory.registerToken('bench-platform-token', { principal: platform });
  fake.directory.addServiceAccount(reader);
  fake.directory.grantTokenCreator(platform, reader);
  fake.gcs.createBucket(bucket, { iam: { [reader]: 'roles/storage.objectViewer' } });
  return { fake, gcp: { ...fake.endpoints, platformToken: 'bench-platform-token', serviceAccount: reader } };
}

async function gcsMemoryRow(): Promise<BenchRow> {
  const world = await gcpWorld('bench-gcs-mem');
  try {
    const empty = new Uint8Array(0);
    const runs: ListChildReport[] = [];
    for (const count of [10_000, 100_000, 1_000_000]) {
      for (let i = 0; i < count; i++) world.fake.gcs.putObject('bench-gcs-mem', `n${count}/${String(i).padStart(8, '0')}.jpg`, empty);
      runs.push(await child({ mode: 'gcp', bucket: 'bench-gcs-mem', prefix: `n${count}`, gcp: world.gcp }));
    }
    return memoryRow('fake GCS (impersonation + access boundary)', runs);
  } finally {
    await world.fake.close();
  }
}

async function splitRows(): Promise<BenchRow[]> {
  const world = await gcpWorld('bench-wide');
  const folders = 64;
  const perFolder = 1_500;
  try {
    const empty = new Uint8Array(0);
    for (let f = 0; f < folders; f++) for (let i = 0; i < perFolder; i++) world.fake.gcs.putObject('bench-wide', `wide/f${String(f).padStart(3, '0')}/${String(i).padStart(6, '0')}.jpg`, empty);
    const rows: BenchRow[] = [];
    for (const latency of [0, 100]) {
      world.fake.gcs.setFaultPolicy(latency ? () => ({ delayMs: latency }) : undefined);
      // Best of two alternating runs per side: the machine is shared, and one slow run says little.
      const runs = { 1: [] as ListChildReport[], 4: [] as ListChildReport[] };
      for (const ranges of [1, 4, 4, 1] as const) runs[ranges].push(await child({ mode: 'gcp', bucket: 'bench-wide', prefix: 'wide', ranges, gcp: world.gcp }));
      const fastest = (r: ListChildReport[]): ListChildReport => r.reduce((a, b) => (b.ms < a.ms ? b : a));
      const one = fastest(runs[1]);
      const four = fastest(runs[4]);
      rows.push(compare(
        `split listing, 4 ranges at once, wide bucket (${folders} folders × ${perFolder.toLocaleString('en-US')})${latency ? `, +${latency} ms per request` : ''} (objects/s)`,
        'one range (a plain listing)', four.listed / (four.ms / 1000), one.listed / (one.ms / 1000), undefined,
        `${four.listed.toLocaleString('en-US')} objects each; ${(four.ms / 1000).toFixed(1)} s vs ${(one.ms / 1000).toFixed(1)} s (best of 2 each; splitListing's own requests not timed); the fake runs in the parent process, the lister in a child (2 cores shared)`,
      ));
    }
    world.fake.gcs.setFaultPolicy(undefined);
    return rows;
  } finally {
    await world.fake.close();
  }
}

export async function bench(): Promise<BenchRow[]> {
  return [await s3Throughput(), await memoryRows(), await gcsMemoryRow(), ...await splitRows()];
}
