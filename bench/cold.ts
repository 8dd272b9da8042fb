import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { createAssetResolver, type Integration } from '../src/index.js';
import { startAwsFakes, type AwsFakes } from '../src/testing/aws/index.js';
import { otherCloudPackages, packagesIn } from './fixtures/packages.js';
import { compare, runJsonChild, type BenchRow } from './measure.js';

/**
 * Cold paths, two parts.
 *
 * 1. Cold start, in fresh plain-Node child processes (bench/fixtures/*-child.*) against the BUILT
 *    package (dist/, built here if missing): time from the first line of the child script to the
 *    end of `import('assetlink')` + `createAssetResolver` + one S3 presign, with RSS and heap
 *    after it, against a child that only imports @aws-sdk/client-s3 (the issue's target: ≤ 1.2×
 *    its time) and against children doing the same work with the raw SDK. Node's own bootstrap,
 *    identical on both sides, is left out so the ratios are not diluted by it. Medians of
 *    COLD_REPS runs, contenders interleaved. The fakes (STS, S3) run in this process; children
 *    get their endpoints through the environment. A separate pair of children (ESM with a
 *    resolve hook, and the CJS build with require.cache) reports which packages an S3-only
 *    process loaded: no Google or Azure package may appear.
 *
 * 2. Cold resolve under concurrency, in this process, against the fakes: N concurrent first calls
 *    `resolveAsset(uri).head()` on a fresh resolver (cold credential cache, no S3 client yet)
 *    must make exactly one AssumeRole call; latency p50/p99 of those calls, against the raw SDK
 *    doing N HeadObject calls on a fresh S3Client with one AssumeRole credential fetched
 *    beforehand. One unrecorded round first loads the driver and SDK modules, so the rounds
 *    measure the resolver's cold path, not module loading (part 1 covers that).
 */

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const root = path.resolve(import.meta.dirname, '..');
const fixtures = path.join(root, 'bench/fixtures');
const COLD_REPS = 7;
const ROLE_ARN = 'arn:aws:iam::222222222222:role/bench-cold';
const EXTERNAL_ID = 'bench-cold-external-id-0123456789';
const BUCKET = 'bench-cold';
const REGION = 'us-east-1';
const CUSTOMER_KEY = { accessKeyId: 'AKIABENCHCOLDCUST001', secretAccessKey: 'bench-cold-customer-secret-key-0000000000' };

interface ChildReport {
  importMs: number;
  opsMs: number;
  totalMs: number;
  sinceStartMs: number;
  rss: number;
  heapUsed: number;
  results: { presign?: string; head?: number };
  cjsModules: string[];
}

/** Builds dist/ when it is missing; says so when it is older than src/ (numbers then describe the older build). */
function ensureDist(): string | undefined {
  const entry = path.join(root, 'dist/index.js');
  if (!fs.existsSync(entry) || !fs.existsSync(path.join(root, 'dist/index.cjs')) || !fs.existsSync(path.join(root, 'dist/index.node.js'))) {
    execFileSync('npx', ['tsup'], { cwd: root, stdio: 'ignore' });
    return undefined;
  }
  const built = fs.statSync(entry).mtimeMs;
  const newest = (dir: string): number => fs.readdirSync(dir, { withFileTypes: true }).reduce((max, e) => {
    const p = path.join(dir, e.name);
    return Math.max(max, e.isDirectory() ? newest(p) : fs.statSync(p).mtimeMs);
  }, 0);
  if (newest(path.join(root, 'src')) > built) {
    process.stderr.write('\n  cold: dist/ is older than src/; run `npm run build` for numbers of the current sources\n');
    return 'dist/ was older than src/ during this run';
  }
  return undefined;
}

/** A plain-Node child (no tsx), cwd = the package root; its one JSON line. */
function runChild(args: string[], env: Record<string, string>): Promise<ChildReport> {
  return runJsonChild<ChildReport>(args, root, env);
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};
/** Nearest-rank percentile. */
const percentile = (values: number[], p: number): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
};
const mib = (bytes: number): string => (bytes / 2 ** 20).toFixed(1);
const ms = (n: number): string => n.toFixed(n < 10 ? 2 : 1);

export async function bench(): Promise<BenchRow[]> {
  const distNote = ensureDist();
  const fakes = await startAwsFakes({ roles: [{ roleArn: ROLE_ARN, externalId: EXTERNAL_ID }], buckets: [{ name: BUCKET, ownerAccountId: '222222222222' }] });
  fakes.keyring.addStaticKey({ ...CUSTOMER_KEY, accountId: '222222222222' });
  try {
    await fakes.s3.putObject(BUCKET, 'images/cold.jpg', 'cold start object', { contentType: 'image/jpeg' });
    await Promise.all(Array.from({ length: 100 }, (_, i) => fakes.s3.putObject(BUCKET, `images/${i}.jpg`, `object ${i}`)));
    const rows = [...await coldStart(fakes, distNote), ...await coldConcurrency(fakes)];
    return rows;
  } finally {
    await fakes.close();
  }
}

// ------------------------------------------------------------------------------------ cold start

async function coldStart(fakes: AwsFakes, distNote: string | undefined): Promise<BenchRow[]> {
  const scope = { bucket: BUCKET, prefix: 'images', region: REGION };
  const accessKey: Integration = { id: 'cold-ak', provider: 'aws', scope, auth: { kind: 'access-key', ...CUSTOMER_KEY } };
  const assumeRole: Integration = { id: 'cold-ar', provider: 'aws', scope, auth: { kind: 'assume-role', roleArn: ROLE_ARN, externalId: EXTERNAL_ID } };
  const uri = `s3://${BUCKET}/images/cold.jpg`;
  const platform = { aws: { region: REGION, endpoint: fakes.s3.endpoint, forcePathStyle: true } };
  const assetlink = (integration: Integration, ops: string[], withPlatformKey = false): () => Promise<ChildReport> => {
    const env = { ASSETLINK_CHILD: JSON.stringify({ integration, uri, ops, platform: withPlatformKey ? { aws: fakes.platform } : platform }) };
    return () => runChild([path.join(fixtures, 'assetlink-child.mjs')], env);
  };
  const sdk = (mode: string): () => Promise<ChildReport> => {
    const env = { SDK_CHILD: JSON.stringify({
      mode, endpoint: fakes.s3.endpoint, region: REGION, bucket: BUCKET, key: 'images/cold.jpg', credentials: CUSTOMER_KEY,
      stsEndpoint: fakes.sts.endpoint, platformCredentials: fakes.platform.credentials, roleArn: ROLE_ARN, externalId: EXTERNAL_ID,
    }) };
    return () => runChild([path.join(fixtures, 'sdk-s3-child.mjs')], env);
  };
  const contenders = {
    akPresign: assetlink(accessKey, ['presign']),
    arPresign: assetlink(assumeRole, ['presign'], true),
    akHead: assetlink(accessKey, ['head']),
    sdkImport: sdk('import'),
    sdkPresign: sdk('presign'),
    sdkArPresign: sdk('assume-role-presign'),
    sdkHead: sdk('head'),
  };
  type Name = keyof typeof contenders;
  const names = Object.keys(contenders) as Name[];
  const reports = Object.fromEntries(names.map((n) => [n, [] as ChildReport[]])) as Record<Name, ChildReport[]>;
  for (const name of names) await contenders[name](); // warm the OS file cache; not recorded
  for (let rep = 0; rep < COLD_REPS; rep++) {
    // Rotate the order so no contender always runs right after another one.
    for (let i = 0; i < names.length; i++) {
      const name = names[(i + rep) % names.length]!;
      const report = await contenders[name]();
      if (name.startsWith('ak') || name.startsWith('ar')) {
        if (name.endsWith('Presign') && !report.results.presign?.includes('X-Amz-Signature=')) throw new Error(`${name}: no presigned URL`);
        if (name.endsWith('Head') && report.results.head !== 'cold start object'.length) throw new Error(`${name}: wrong HEAD size`);
      }
      reports[name].push(report);
    }
  }
  const m = (name: Name, field: 'totalMs' | 'rss' | 'heapUsed' | 'importMs'): number => median(reports[name].map((r) => r[field]));
  const perSecond = (name: Name): number => 1000 / m(name, 'totalMs');
  const memory = (a: Name, b: Name): string =>
    `median RSS ${mib(m(a, 'rss'))} vs ${mib(m(b, 'rss'))} MiB, heap used ${mib(m(a, 'heapUsed'))} vs ${mib(m(b, 'heapUsed'))} MiB`;
  const times = (a: Name, b: Name): string => `median ${ms(m(a, 'totalMs'))} ms (import ${ms(m(a, 'importMs'))} ms) vs ${ms(m(b, 'totalMs'))} ms`;

  const modules = await loadedModules(fakes, assumeRole, uri);
  const stale = distNote ? `; ${distNote}` : '';
  const note = `${times('akPresign', 'sdkImport')}; ${memory('akPresign', 'sdkImport')}; issue 19: at least 2× the bare import's starts/s; ${COLD_REPS} runs each; ${modules}${stale}`;
  return [
    compare('cold start: import(assetlink) + 1 presign, access key (starts/s)', 'import(@aws-sdk/client-s3) alone', perSecond('akPresign'), perSecond('sdkImport'), 2, note),
    compare('cold start: import(assetlink) + 1 presign, access key (starts/s)', 'raw SDK: import client-s3 + s3-request-presigner, getSignedUrl', perSecond('akPresign'), perSecond('sdkPresign'), undefined,
      `${times('akPresign', 'sdkPresign')}; ${memory('akPresign', 'sdkPresign')}`),
    compare('cold start: import(assetlink) + 1 presign, assume-role (AssumeRole on loopback) (starts/s)', 'raw SDK: import client-sts + client-s3 + presigner, AssumeRole, getSignedUrl',
      perSecond('arPresign'), perSecond('sdkArPresign'), undefined,
      `${times('arPresign', 'sdkArPresign')}; ${memory('arPresign', 'sdkArPresign')}; vs import(@aws-sdk/client-s3) alone: ${(m('sdkImport', 'totalMs') / m('arPresign', 'totalMs')).toFixed(2)}×`),
    compare('cold start: import(assetlink) + 1 head, access key (starts/s)', 'raw SDK: import client-s3, HeadObject', perSecond('akHead'), perSecond('sdkHead'), 1,
      `${times('akHead', 'sdkHead')}; ${memory('akHead', 'sdkHead')}`),
  ];
}

/**
 * Which packages an S3-only process loads: an ESM child with a resolve hook recording every
 * resolved URL (plus require.cache, for CommonJS loaded underneath), and a child running the CJS
 * build (require.cache sees everything there). Both presign and HEAD with an assume-role integration.
 */
async function loadedModules(fakes: AwsFakes, integration: Integration, uri: string): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'assetlink-cold-'));
  try {
    const log = path.join(dir, 'modules.log');
    const env = { ASSETLINK_CHILD: JSON.stringify({ integration, uri, ops: ['presign', 'head'], platform: { aws: fakes.platform } }) };
    const esm = await runChild(['--import', pathToFileURL(path.join(fixtures, 'module-log.mjs')).href, path.join(fixtures, 'assetlink-child.mjs')], { ...env, ASSETLINK_MODULE_LOG: log });
    const esmLines = (await readFile(log, 'utf8').catch(() => '')).split('\n').filter(Boolean);
    const esmPackages = packagesIn([...esmLines, ...esm.cjsModules]);
    const cjs = await runChild([path.join(fixtures, 'assetlink-child.cjs')], env);
    const cjsPackages = packagesIn(cjs.cjsModules);
    const foreign = [...new Set([...otherCloudPackages(esmPackages), ...otherCloudPackages(cjsPackages)])];
    const s3 = esmPackages.includes('@aws-sdk/client-s3') && cjsPackages.includes('@aws-sdk/client-s3');
    return `module check (S3-only child, presign + head; ESM resolve hook: ${esmLines.length} resolutions, ${esmPackages.length} packages; CJS require.cache: ${cjs.cjsModules.length} files, ${cjsPackages.length} packages): `
      + `Google/Azure packages loaded: ${foreign.length ? `${foreign.join(', ')} ✘` : 'none ✔'}; @aws-sdk/client-s3 loaded: ${s3 ? 'yes' : 'NO (check broken?)'}`;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

// ------------------------------------------------------------------------- cold resolve, concurrent

async function coldConcurrency(fakes: AwsFakes): Promise<BenchRow[]> {
  const { S3Client, HeadObjectCommand } = await import('@aws-sdk/client-s3');
  const integration: Integration = { id: 'cold-burst', provider: 'aws', scope: { bucket: BUCKET, prefix: 'images', region: REGION }, auth: { kind: 'assume-role', roleArn: ROLE_ARN, externalId: EXTERNAL_ID } };
  const uri = (i: number): string => `s3://${BUCKET}/images/${i % 100}.jpg`;

  const assetlinkRound = async (n: number): Promise<{ latencies: number[]; totalMs: number; stsCalls: number }> => {
    const resolver = createAssetResolver({ platform: { aws: fakes.platform }, integrations: [integration] });
    const before = fakes.sts.calls.length;
    try {
      const start = performance.now();
      const latencies = await Promise.all(Array.from({ length: n }, async (_, i) => {
        const t = performance.now();
        await (await resolver.resolveAsset(uri(i))).head();
        return performance.now() - t;
      }));
      return { latencies, totalMs: performance.now() - start, stsCalls: fakes.sts.calls.length - before };
    } finally {
      await resolver.close();
    }
  };

  await assetlinkRound(1); // loads the aws driver, client-s3 and client-sts; not recorded
  const issued = fakes.keyring.get(fakes.sts.calls.at(-1)!.issuedAccessKeyId!)!;
  const credentials = { accessKeyId: issued.accessKeyId, secretAccessKey: issued.secretAccessKey, sessionToken: issued.sessionToken! };
  const sdkRound = async (n: number): Promise<{ latencies: number[]; totalMs: number }> => {
    const client = new S3Client({ region: REGION, credentials, endpoint: fakes.s3.endpoint, forcePathStyle: true });
    try {
      const start = performance.now();
      const latencies = await Promise.all(Array.from({ length: n }, async (_, i) => {
        const t = performance.now();
        await client.send(new HeadObjectCommand({ Bucket: BUCKET, Key: `images/${i % 100}.jpg` }));
        return performance.now() - t;
      }));
      return { latencies, totalMs: performance.now() - start };
    } finally {
      client.destroy();
    }
  };
  await sdkRound(1);

  const rows: BenchRow[] = [];
  for (const [n, rounds] of [[1, 9], [100, 5], [1000, 3]] as const) {
    const ours: number[] = [];
    const theirs: number[] = [];
    const ourTotals: number[] = [];
    const theirTotals: number[] = [];
    const stsCalls: number[] = [];
    for (let round = 0; round < rounds; round++) {
      const a = await assetlinkRound(n);
      ours.push(...a.latencies);
      ourTotals.push(a.totalMs);
      stsCalls.push(a.stsCalls);
      const b = await sdkRound(n);
      theirs.push(...b.latencies);
      theirTotals.push(b.totalMs);
    }
    const single = stsCalls.every((c) => c === 1);
    const lat = (l: number[]): string => `p50 ${ms(percentile(l, 50))} ms, p99 ${ms(percentile(l, 99))} ms`;
    rows.push(compare(
      `cold resolve: ${n} concurrent first resolveAsset().head() on a fresh resolver (calls/s)`,
      `raw SDK: ${n} concurrent HeadObject, fresh S3Client, pre-fetched AssumeRole credentials`,
      (n * 1000) / median(ourTotals), (n * 1000) / median(theirTotals), undefined,
      `AssumeRole calls per round: ${stsCalls.join(', ')} ${single ? '(must be 1 ✔)' : '(must be 1 ✘)'}; assetlink ${lat(ours)}; SDK ${lat(theirs)}; ${rounds} rounds, median round time ${ms(median(ourTotals))} vs ${ms(median(theirTotals))} ms`,
    ));
  }
  return rows;
}
