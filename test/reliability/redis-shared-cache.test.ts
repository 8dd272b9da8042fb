import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAssetResolver, createRedisCredentialStore, type AssetLinkEvent } from '../../src/index.js';
import { hasRedisServer, startRedis, type RedisHandle } from '../helpers/redis-server.js';
import { EXTERNAL_ID, ROLE_ARN, S3_BUCKET, sha256, startAwsWorld, type AwsWorld } from './fixtures/worlds.js';

/**
 * The shared Redis credential store, end to end with real resolvers and a real redis-server:
 * - resolvers in separate processes, cold-starting at the same moment against the same fake STS,
 *   make exactly one AssumeRole between them (and sign S3 requests with the same session);
 * - Redis dying mid-run does not fail a single resolve (one warning event, in-process cache).
 */

const ROOT = path.resolve(import.meta.dirname, '../..');
const WORKER = path.join(import.meta.dirname, 'fixtures/redis-resolver-worker.ts');

if (!hasRedisServer) console.warn('[reliability] redis-server is not installed: the Redis reliability tests are SKIPPED (CI installs it).');

interface WorkerResult { ok: boolean; sha256?: string; minted?: number; storeWarnings?: number; error?: string }

/** Starts a worker; resolves once it is ready, with a function that releases it and awaits its result. */
async function startWorker(env: Record<string, string>): Promise<{ go(): Promise<WorkerResult>; child: ChildProcess }> {
  const child = spawn(process.execPath, ['--import', 'tsx', WORKER], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => { stderr += d.toString(); });
  const lines = createInterface({ input: child.stdout! });
  const queue: string[] = [];
  const waiters: Array<(line: string) => void> = [];
  lines.on('line', (line) => { const w = waiters.shift(); if (w) w(line); else queue.push(line); });
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  const nextLine = (): Promise<string> => {
    const queued = queue.shift();
    if (queued !== undefined) return Promise.resolve(queued);
    return Promise.race([
      new Promise<string>((resolve) => waiters.push(resolve)),
      exited.then((code) => { throw new Error(`worker exited (${code}) early: ${stderr.slice(-2000)}`); }),
    ]);
  };
  const ready = await nextLine();
  if (ready !== 'ready') throw new Error(`worker said ${ready}; stderr: ${stderr.slice(-2000)}`);
  return {
    child,
    go: async () => {
      child.stdin!.write('go\n');
      const result = JSON.parse(await nextLine()) as WorkerResult;
      await exited;
      return result;
    },
  };
}

describe.skipIf(!hasRedisServer)('shared Redis credential store (real redis-server)', () => {
  let redis: RedisHandle;
  let world: AwsWorld;
  beforeAll(async () => {
    [redis, world] = await Promise.all([startRedis(), startAwsWorld({ integrations: 6, perIntegration: 1 })]);
  });
  afterAll(async () => { await redis?.stop(); await world?.close(); });

  it('two resolvers in separate processes, cold-starting together, share one AssumeRole', async () => {
    const object = world.objects[0]!;
    // A slow STS: the first process is still inside AssumeRole when the second one asks.
    world.fakes.sts.injectFault({ type: 'delay', ms: 400 }, 2);
    const stsBefore = world.fakes.sts.requestCount;
    const s3Before = world.fakes.s3.requests.length;
    const env = {
      RELIABILITY_WORKER: JSON.stringify({
        redisUrl: redis.url,
        encryptionKey: randomBytes(32).toString('base64'),
        platform: world.fakes.platform,
        integration: { id: 'aws-0', bucket: S3_BUCKET, prefix: 'p0', roleArn: ROLE_ARN, externalId: EXTERNAL_ID },
        uri: object.uri,
      }),
    };
    // Both workers share the encryption key (one env), as a fleet does.
    const workers = await Promise.all([startWorker(env), startWorker(env)]);
    const results = await Promise.all(workers.map((w) => w.go()));
    world.fakes.sts.clearFaults();

    const assumeRoles = world.fakes.sts.calls.filter((c) => c.roleSessionName === 'assetlink-aws-0');
    const s3Reads = world.fakes.s3.requests.slice(s3Before).filter((r) => r.key === 'p0/object-0.bin' && r.method === 'GET');
    console.log(`[reliability] redis cross-process ${JSON.stringify({ workers: results, stsRequests: world.fakes.sts.requestCount - stsBefore, assumeRoles: assumeRoles.length, s3Signers: s3Reads.map((r) => r.accessKeyId) })}`);

    for (const result of results) expect(result).toMatchObject({ ok: true, sha256: object.sha256, storeWarnings: 0 });
    expect(world.fakes.sts.requestCount - stsBefore).toBe(1);
    expect(assumeRoles).toHaveLength(1);
    // Exactly one worker minted; the other took the credentials from Redis...
    expect(results.map((r) => r.minted).sort()).toEqual([0, 1]);
    // ...and both signed their S3 reads with that one session.
    expect(s3Reads).toHaveLength(2);
    expect(new Set(s3Reads.map((r) => r.accessKeyId))).toEqual(new Set([assumeRoles[0]!.issuedAccessKeyId]));
  }, 60_000);

  it('Redis dying while another process holds the lock: the waiter mints itself instead of waiting out the lock', async () => {
    const own = await startRedis();
    const key = randomBytes(32);
    const [storeA, storeB] = await Promise.all([createRedisCredentialStore({ url: own.url, encryptionKey: key }), createRedisCredentialStore({ url: own.url, encryptionKey: key })]);
    const integration = world.integrations[5]!;
    const object = world.objects[5]!;
    // Two "processes" (separate resolvers and caches, one Redis). A takes the lock and sits in a
    // slow AssumeRole; B finds the lock taken and waits for A to publish; then Redis dies.
    const a = createAssetResolver({ platform: world.platform, integrations: [integration], cache: { store: storeA }, requestTimeoutMs: 10_000 });
    const b = createAssetResolver({ platform: world.platform, integrations: [integration], cache: { store: storeB }, requestTimeoutMs: 10_000 });
    const finished: string[] = [];
    try {
      await Promise.all([a.driver('aws'), b.driver('aws')]);
      const requestsBefore = world.fakes.sts.requestCount;
      const callsBefore = world.fakes.sts.calls.length;
      world.fakes.sts.injectFault({ type: 'delay', ms: 2_000 });
      const readA = a.resolveAsset(object.uri).then((x) => x.bytes()).then((bytes) => { finished.push('A'); return sha256(bytes); });
      // A is inside AssumeRole (received, not yet answered).
      await expect.poll(() => world.fakes.sts.requestCount > requestsBefore && world.fakes.sts.calls.length === callsBefore, { timeout: 10_000 }).toBe(true);
      const readB = b.resolveAsset(object.uri).then((x) => x.bytes()).then((bytes) => { finished.push('B'); return sha256(bytes); });
      await new Promise((r) => setTimeout(r, 200)); // B is polling for A's credentials
      await own.stop();
      expect(await Promise.all([readA, readB])).toEqual([object.sha256, object.sha256]);
      // B did not sit out A's lock (10 s): it minted on its own and finished while A still waited on STS (2 s).
      expect(finished).toEqual(['B', 'A']);
    } finally {
      world.fakes.sts.clearFaults();
      await Promise.all([a.close(), b.close(), storeA.close(), storeB.close()]);
      await own.stop();
    }
  }, 60_000);

  it('killing Redis mid-run keeps every resolve working, with one warning event', async () => {
    const own = await startRedis();
    const store = await createRedisCredentialStore({ url: own.url, encryptionKey: randomBytes(32) });
    const events: AssetLinkEvent[] = [];
    // Integrations aws-1 … aws-5 (aws-0 belongs to the previous test's workers).
    const integrations = world.integrations.slice(1);
    const objects = world.objects.slice(1);
    const resolver = createAssetResolver({ platform: world.platform, integrations, cache: { store }, requestTimeoutMs: 5_000, onEvent: (e) => events.push(e) });
    const stsBefore = world.fakes.sts.issuedCount;
    try {
      /** Reads object i (mod n); resolves to true when the bytes are that object's. */
      const read = async (i: number): Promise<boolean> => {
        const object = objects[i % objects.length]!;
        return sha256(await (await resolver.resolveAsset(object.uri)).bytes()) === object.sha256;
      };
      // Warm two integrations through Redis.
      expect(await read(0)).toBe(true);
      expect(await read(1)).toBe(true);
      // 200 reads in flight across every integration (three still cold), and Redis dies under them.
      const inFlight = Promise.allSettled(Array.from({ length: 200 }, (_, i) => read(i)));
      await own.stop();
      const results = await inFlight;
      // And after: every integration still resolves.
      const after = await Promise.allSettled(objects.map((_, i) => read(i)));
      const outcomes = [...results, ...after];
      const failures = outcomes.filter((r) => r.status === 'rejected').map((r) => String((r as PromiseRejectedResult).reason));
      console.log(`[reliability] redis killed mid-run ${JSON.stringify({
        reads: outcomes.length, failures: failures.length, stsIssued: world.fakes.sts.issuedCount - stsBefore,
        storeWarnings: events.filter((e) => e.type === 'cache.store-unavailable').length,
      })}`);
      expect(failures).toEqual([]);
      expect(outcomes.every((r) => (r as PromiseFulfilledResult<boolean>).value)).toBe(true);
      expect(events.filter((e) => e.type === 'cache.store-unavailable')).toHaveLength(1);
      // Still one session per integration: the in-process cache kept single-flighting.
      expect(world.fakes.sts.issuedCount - stsBefore).toBe(objects.length);
    } finally {
      await resolver.close();
      await store.close();
      await own.stop();
    }
  }, 60_000);
});
