import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { SCOPES, startFakeGcp, type FakeGcp } from '../src/testing/gcp/index.js';
import { startAwsFakes, type AwsFakes } from '../src/testing/aws/index.js';
import type { StreamChildConfig, StreamChildReport, StreamTransfer } from './fixtures/stream-child.js';
import { compare, runJsonChild, type BenchRow } from './measure.js';

/**
 * Streaming throughput of a 64 MiB object through `ResolvedAsset.read()` / `.write(stream)` against
 * the raw SDK, on the same emulator in the same run (target ≥ 0.95×), with memory growth during
 * each transfer to show that neither side holds the whole object.
 *
 * Every transfer runs in a child process (bench/fixtures/stream-child.ts, on the sources through
 * tsx): the emulators stay in this process, and they buffer whole request bodies to verify
 * signatures and checksums (the same cost for both sides), which would swamp the memory figures
 * otherwise. Each child warms up (SDK loaded, client created, one small request), collects
 * garbage, then samples RSS, ArrayBuffer bytes and heap every SAMPLE_MS while it streams. The
 * body written is generated 256 KiB at a time; the body read is counted and dropped. Contenders
 * alternate; rates are medians over all transfers (READ_REPEATS per process for reads).
 * Memory growth counts garbage not yet collected too, so it is an upper bound; the flatness
 * check is one more assetlink transfer of an object 4× larger: growth that does not scale with
 * the object means no whole-object buffering.
 *
 * - S3: the strict in-memory fake (SigV4, checksums and IAM checked on every request), an
 *   access-key integration. Baseline: GetObject's Body as a Node stream; lib-storage
 *   `Upload` with its defaults (5 MiB parts, 4 in flight) for a stream of unknown length.
 * - GCS: the in-memory fake GCS, an impersonation integration. Baseline: @google-cloud/storage
 *   `createReadStream()` (CRC32C-checked, as assetlink's read is) and a resumable
 *   `createWriteStream()` in 8 MiB chunks (assetlink's chunk size), with an already-minted token
 *   for the same service account.
 */

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const root = path.resolve(import.meta.dirname, '..');
const SIZE = 64 * 2 ** 20;
const BIG_SIZE = 4 * SIZE;
const ROUNDS = 4;
const READ_REPEATS = 2;
const SAMPLE_MS = 5;
const BUCKET = 'bench-stream';
const CUSTOMER_KEY = { accessKeyId: 'AKIABENCHSTREAM00001', secretAccessKey: 'bench-stream-customer-secret-key-00000000' };
const GCP_PLATFORM = 'bench-platform@platform.iam.gserviceaccount.com';
const GCP_WRITER = 'bench-writer@customer.iam.gserviceaccount.com';

function runChild(config: StreamChildConfig): Promise<StreamChildReport> {
  return runJsonChild<StreamChildReport>(
    ['--expose-gc', '--import', 'tsx', path.join(root, 'bench/fixtures/stream-child.ts')], root,
    { STREAM_CHILD: JSON.stringify(config) }, `stream ${config.side} ${config.provider} ${config.op}`,
  );
}

/** Object bodies for the emulators: a 1 MiB random block repeated (cheap to make at 256 MiB). */
function body(size: number): Buffer {
  const block = randomBytes(2 ** 20);
  const out = Buffer.allocUnsafe(size);
  for (let offset = 0; offset < size; offset += block.length) block.copy(out, offset);
  return out;
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};
const mib = (bytes: number): string => (bytes / 2 ** 20).toFixed(0);
/**
 * Memory growth of one child: its highest sample over the RSS (and ArrayBuffer, heap) figures
 * taken before its first transfer, after warm-up and gc. Medians over children.
 */
const growth = (children: StreamTransfer[][]): string => {
  const grown = (field: 'rss' | 'arrayBuffers' | 'heap'): string => mib(median(children.map((t) => {
    const peak = (x: StreamTransfer): number => (field === 'rss' ? x.rssPeak : field === 'heap' ? x.heapPeak : x.arrayBuffersPeak);
    const first = t[0]!;
    return Math.max(...t.map(peak)) - (field === 'rss' ? first.rssBefore : field === 'heap' ? first.heapBefore : first.arrayBuffersBefore);
  })));
  return `+${grown('rss')} MiB RSS (Buffers +${grown('arrayBuffers')}, heap +${grown('heap')})`;
};

interface Transfers {
  base: Omit<StreamChildConfig, 'side' | 'key' | 'size' | 'repeats'>;
  /** Object read (read) or key prefix written (write), for SIZE and for BIG_SIZE. */
  key: string;
  bigKey: string;
}

/**
 * Both sides of one operation, ROUNDS child processes each, alternating which goes first; rates
 * are medians over every transfer. Then one assetlink child moves an object BIG_SIZE / SIZE
 * times larger: if its memory growth stays where it was, the body is not being held whole.
 */
async function compareTransfers(name: string, baseline: string, { base, key, bigKey }: Transfers): Promise<BenchRow> {
  const repeats = base.op === 'read' ? READ_REPEATS : 1;
  const children: Record<'assetlink' | 'sdk', StreamTransfer[][]> = { assetlink: [], sdk: [] };
  for (let round = 0; round < ROUNDS; round++) {
    const order = round % 2 === 0 ? (['assetlink', 'sdk'] as const) : (['sdk', 'assetlink'] as const);
    for (const side of order) {
      const target = base.op === 'read' ? key : `${key}-${side}-${round}.bin`;
      children[side].push((await runChild({ ...base, side, key: target, size: SIZE, repeats })).transfers);
    }
  }
  const big = [(await runChild({ ...base, side: 'assetlink', key: base.op === 'read' ? bigKey : `${bigKey}.bin`, size: BIG_SIZE, repeats: 1 })).transfers];
  const transfers = { assetlink: children.assetlink.flat(), sdk: children.sdk.flat() };
  const rate = (t: StreamTransfer[]): number => median(t.map((x) => (x.bytes / 2 ** 20) / (x.ms / 1000)));
  const before = (c: StreamTransfer[][]): string => mib(median(c.map((t) => t[0]!.rssBefore)));
  const note = `memory growth during ${mib(SIZE)} MiB transfers, over the RSS before them (assetlink ${before(children.assetlink)} MiB, SDK ${before(children.sdk)} MiB): `
    + `assetlink ${growth(children.assetlink)}, SDK ${growth(children.sdk)}; assetlink with a ${mib(BIG_SIZE)} MiB object: ${growth(big)} at ${rate(big.flat()).toFixed(0)} MiB/s; `
    + `median of ${transfers.assetlink.length} transfers per side in ${ROUNDS} processes each, ${median(transfers.assetlink.map((x) => x.ms)).toFixed(0)} vs ${median(transfers.sdk.map((x) => x.ms)).toFixed(0)} ms`;
  return compare(name, baseline, rate(transfers.assetlink), rate(transfers.sdk), 0.95, note);
}

async function s3Rows(): Promise<BenchRow[]> {
  const fakes: AwsFakes = await startAwsFakes({ buckets: [BUCKET] });
  fakes.keyring.addStaticKey(CUSTOMER_KEY);
  try {
    await fakes.s3.putObject(BUCKET, 'stream/source.bin', body(SIZE));
    await fakes.s3.putObject(BUCKET, 'stream/source-big.bin', body(BIG_SIZE));
    const base = { provider: 'aws' as const, bucket: BUCKET, sampleMs: SAMPLE_MS, aws: { endpoint: fakes.s3.endpoint, region: 'us-east-1', credentials: CUSTOMER_KEY } };
    return [
      await compareTransfers('S3 streaming read, 64 MiB: asset.read() (MiB/s)', 'GetObject Body (Node stream), same client options',
        { base: { ...base, op: 'read' }, key: 'stream/source.bin', bigKey: 'stream/source-big.bin' }),
      await compareTransfers('S3 streaming write, 64 MiB stream: asset.write(stream) (MiB/s)', 'lib-storage Upload, default 5 MiB parts × 4',
        { base: { ...base, op: 'write' }, key: 'stream/written', bigKey: 'stream/written-big' }),
    ];
  } finally {
    await fakes.close();
  }
}

async function gcsRows(): Promise<BenchRow[]> {
  const fake: FakeGcp = await startFakeGcp();
  try {
    const { directory, gcs } = fake;
    directory.registerToken('bench-platform-token', { principal: GCP_PLATFORM });
    directory.addServiceAccount(GCP_WRITER);
    directory.grantTokenCreator(GCP_PLATFORM, GCP_WRITER);
    gcs.createBucket(BUCKET, { iam: { [GCP_WRITER]: 'roles/storage.objectUser' } });
    directory.registerToken('bench-sdk-token', { principal: GCP_WRITER, scopes: [SCOPES.storageReadWrite] });
    gcs.putObject(BUCKET, 'stream/source.bin', body(SIZE), { contentType: 'application/octet-stream' });
    gcs.putObject(BUCKET, 'stream/source-big.bin', body(BIG_SIZE), { contentType: 'application/octet-stream' });
    const base = {
      provider: 'gcp' as const, bucket: BUCKET, sampleMs: SAMPLE_MS,
      gcp: { ...fake.endpoints, platformToken: 'bench-platform-token', serviceAccount: GCP_WRITER, token: 'bench-sdk-token' },
    };
    return [
      await compareTransfers('GCS streaming read, 64 MiB: asset.read() (MiB/s)', '@google-cloud/storage createReadStream (CRC32C-checked)',
        { base: { ...base, op: 'read' }, key: 'stream/source.bin', bigKey: 'stream/source-big.bin' }),
      await compareTransfers('GCS streaming write, 64 MiB stream: asset.write(stream) (MiB/s)', '@google-cloud/storage createWriteStream (resumable, 8 MiB chunks)',
        { base: { ...base, op: 'write' }, key: 'stream/written', bigKey: 'stream/written-big' }),
    ];
  } finally {
    await fake.close();
  }
}

export async function bench(): Promise<BenchRow[]> {
  return [...await s3Rows(), ...await gcsRows()];
}
