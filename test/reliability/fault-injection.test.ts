import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createAssetResolver, type AssetLinkEvent } from '../../src/index.js';
import type { S3Fault, StsFault } from '../../src/testing/aws/index.js';
import type { InjectedFault } from '../../src/testing/gcp/index.js';
import { faultSchedule, mintStats, runLoad, type LoadReport, type MintStats } from './fixtures/load.js';
import { seededRandom, startAwsWorld, startGcpWorld } from './fixtures/worlds.js';

/**
 * 1000 concurrent "resolve + read/head" calls per provider while every fake service (token
 * service and storage) answers ~10% of requests with a fault: throttling, 5xx, connection resets,
 * slow answers, no answer at all, bodies cut or stalled mid-stream, and credentials the storage
 * service calls expired. Asserted, per provider:
 * - every call settles (an outer guard catches hangs), as success with its own object's bytes
 *   (or size) or as a typed AssetLinkError with a documented code — never a wrong object;
 * - the token service saw a bounded number of requests: each refresh is one call plus at most
 *   two retries, and refreshes only happen on a cold key or after storage rejected a credential;
 * - no unhandled rejections.
 * The measured counts are printed (and quoted in docs/reliability.md).
 */

const CALLS = 1000;
const INTEGRATIONS = 20;
const PER_INTEGRATION = 10;
const FAULT_RATE = 0.1;
/**
 * requestTimeoutMs per provider: what a hung request costs, and the idle limit of a socket. The
 * emulators run in this process, so 1000 requests at once queue inside them for seconds (the S3 fake
 * most of all); these leave 2× headroom over the no-fault latency measured on a 2-core machine.
 */
const AWS_TIMEOUT_MS = 5_000;
const GCP_TIMEOUT_MS = 3_000;
/** No call may still be pending after this: far beyond the worst retry path, far below "hung". */
const GUARD_MS = 40_000;
/** Codes these faults may honestly produce. NOT_FOUND would mean a request went to the wrong key. */
const EXPECTED_CODES = new Set(['PROVIDER_ERROR', 'TIMEOUT', 'CREDENTIALS_UNAVAILABLE', 'ACCESS_DENIED']);

const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown): void => { unhandled.push(reason); };
beforeAll(() => { process.on('unhandledRejection', onUnhandled); });
afterAll(() => { process.off('unhandledRejection', onUnhandled); });
afterEach(() => { expect(unhandled).toEqual([]); });

function checkOutcomes(report: LoadReport): void {
  expect(report.pending, 'calls still pending when the guard fired').toBe(0);
  expect(report.wrong, 'calls that returned another object').toEqual([]);
  expect(report.untyped, 'failures that were not typed AssetLinkErrors').toEqual([]);
  const failed = Object.values(report.codes).reduce((a, b) => a + b, 0);
  expect(report.ok + failed).toBe(report.calls);
  for (const code of Object.keys(report.codes)) expect(EXPECTED_CODES, `unexpected code ${code}`).toContain(code);
  // Most calls succeed: faults are retried where that is safe.
  expect(report.ok).toBeGreaterThan(report.calls * 0.8);
}

function print(provider: string, data: Record<string, unknown>): void {
  console.log(`[reliability] ${provider} ${JSON.stringify(data)}`);
}

describe('1000 concurrent resolves with ~10% injected faults', () => {
  it('AWS: fake STS + strict fake S3', async () => {
    const world = await startAwsWorld({ integrations: INTEGRATIONS, perIntegration: PER_INTEGRATION });
    const events: AssetLinkEvent[] = [];
    const resolver = createAssetResolver({ platform: world.platform, integrations: world.integrations, requestTimeoutMs: AWS_TIMEOUT_MS, onEvent: (e) => events.push(e) });
    try {
      const random = seededRandom(0xa75);
      const sts = faultSchedule<StsFault>(random, FAULT_RATE, [
        { name: 'throttle', fault: () => ({ type: 'throttle' }) },
        { name: 'server-error', fault: () => ({ type: 'server-error' }) },
        { name: 'reset', fault: () => ({ type: 'reset' }) },
        { name: 'slow', fault: () => ({ type: 'delay', ms: 50 + Math.floor(random() * 300) }) },
        { name: 'hang', fault: () => ({ type: 'hang' }) },
      ]);
      const s3 = faultSchedule<S3Fault>(random, FAULT_RATE, [
        { name: 'server-error', fault: () => ({ type: 'server-error' }) },
        { name: 'slow-down', fault: () => ({ type: 'slow-down' }) },
        { name: 'reset', fault: () => ({ type: 'reset' }) },
        { name: 'slow', fault: () => ({ type: 'delay', ms: 50 + Math.floor(random() * 300) }) },
        { name: 'hang', fault: () => ({ type: 'hang' }) },
        { name: 'truncate', fault: () => ({ type: 'truncate' }) },
        { name: 'stall', fault: () => ({ type: 'stall' }) },
        { name: 'expired-token', fault: () => ({ type: 'expired-token' }) },
      ]);
      world.fakes.sts.setFaultPolicy(() => sts.next());
      world.fakes.s3.setFaultPolicy(() => s3.next());

      const report = await runLoad(resolver, world.objects, CALLS, GUARD_MS);
      world.fakes.sts.clearFaults();
      world.fakes.s3.clearFaults();

      const mints = mintStats(events, 'aws-');
      const stsRequests = world.fakes.sts.requestCount;
      const rejections = s3.counts['expired-token']!;
      print('aws', {
        calls: report.calls, ok: report.ok, failedByCode: report.codes, byOp: report.byOp, latencyMs: report.latencyMs,
        s3Requests: world.fakes.s3.requests.length, s3FaultsInjected: s3.counts,
        stsRequests, stsIssued: world.fakes.sts.issuedCount, stsFaultsInjected: sts.counts, credentialCache: mints,
        stsBound: boundFor(INTEGRATIONS, rejections, mints),
      });

      checkOutcomes(report);
      expect(sts.total() + s3.total(), 'faults were actually injected').toBeGreaterThan(CALLS * FAULT_RATE * 0.5);
      checkTokenBound(INTEGRATIONS, rejections, mints, stsRequests);
    } finally {
      await resolver.close();
      await world.close();
    }
  }, 90_000);

  it('GCP: fake IAM Credentials + fake STS (access boundaries) + fake GCS', async () => {
    const world = await startGcpWorld({ integrations: INTEGRATIONS, perIntegration: PER_INTEGRATION, maxRetries: 3 });
    const events: AssetLinkEvent[] = [];
    const resolver = createAssetResolver({ platform: world.platform, integrations: world.integrations, requestTimeoutMs: GCP_TIMEOUT_MS, onEvent: (e) => events.push(e) });
    try {
      const random = seededRandom(0x6c9);
      const tokenFaults = [
        { name: 'throttle', fault: (): InjectedFault => ({ status: 429 }) },
        { name: 'server-error', fault: (): InjectedFault => ({ status: random() < 0.5 ? 500 : 503 }) },
        { name: 'reset', fault: (): InjectedFault => ({ reset: true }) },
        { name: 'slow', fault: (): InjectedFault => ({ delayMs: 50 + Math.floor(random() * 300) }) },
        { name: 'hang', fault: (): InjectedFault => ({ delayMs: GCP_TIMEOUT_MS * 3 }) },
      ];
      const iam = faultSchedule(random, FAULT_RATE, tokenFaults);
      const sts = faultSchedule(random, FAULT_RATE, tokenFaults);
      const gcs = faultSchedule<InjectedFault>(random, FAULT_RATE, [
        { name: 'throttle', fault: () => ({ status: 429 }) },
        { name: 'server-error', fault: () => ({ status: random() < 0.5 ? 500 : 503 }) },
        { name: 'reset', fault: () => ({ reset: true }) },
        { name: 'slow', fault: () => ({ delayMs: 50 + Math.floor(random() * 300) }) },
        { name: 'hang', fault: () => ({ delayMs: GCP_TIMEOUT_MS * 3 }) },
        { name: 'truncate', fault: () => ({ truncate: true }) },
        { name: 'stall', fault: () => ({ stall: true }) },
        // What GCS answers for a token that expired or was revoked.
        { name: 'expired-token', fault: () => ({ status: 401 }) },
      ]);
      world.fake.iam.setFaultPolicy(() => iam.next());
      world.fake.sts.setFaultPolicy(() => sts.next());
      world.fake.gcs.setFaultPolicy(() => gcs.next());

      const report = await runLoad(resolver, world.objects, CALLS, GUARD_MS);
      world.fake.iam.clearFaults();
      world.fake.sts.clearFaults();
      world.fake.gcs.clearFaults();

      const mints = mintStats(events, 'gcp-');
      const iamRequests = world.fake.iam.requestCount;
      const stsRequests = world.fake.sts.requestCount;
      const rejections = gcs.counts['expired-token']!;
      print('gcp', {
        calls: report.calls, ok: report.ok, failedByCode: report.codes, byOp: report.byOp, latencyMs: report.latencyMs,
        gcsRequests: world.fake.gcs.requestCount, gcsFaultsInjected: gcs.counts,
        iamRequests, iamIssued: world.fake.iam.count('generateAccessToken'), iamFaultsInjected: iam.counts,
        stsRequests, stsIssued: world.fake.sts.count(), stsFaultsInjected: sts.counts, credentialCache: mints,
        iamBound: boundFor(INTEGRATIONS, rejections, mints),
      });

      checkOutcomes(report);
      expect(iam.total() + sts.total() + gcs.total(), 'faults were actually injected').toBeGreaterThan(CALLS * FAULT_RATE * 0.5);
      // A mint attempt is one IAM generateAccessToken, then (if that worked) one STS exchange.
      expect(stsRequests).toBeLessThanOrEqual(iamRequests);
      checkTokenBound(INTEGRATIONS, rejections, mints, iamRequests);
    } finally {
      await resolver.close();
      await world.close();
    }
  }, 90_000);
});

/**
 * Refreshes happen only for a cold key, after the storage service rejected a credential, or after
 * a refresh gave up; each refresh makes at most 3 attempts (1 + 2 retries).
 */
function boundFor(keys: number, rejections: number, mints: MintStats): number {
  return 3 * (keys + rejections + mints.gaveUp);
}

function checkTokenBound(keys: number, rejections: number, mints: MintStats, tokenRequests: number): void {
  expect(mints.minted, 'successful mints: one per key plus one per rejected credential').toBeLessThanOrEqual(keys + rejections);
  expect(mints.attempts, 'each refresh: 1 call + at most 2 retries').toBeLessThanOrEqual(3 * (mints.minted + mints.gaveUp));
  // Every token request is an attempt the credential cache made: no hidden retry layer below it.
  // (An attempt can time out before its request reaches the fake, so not necessarily equal.)
  expect(tokenRequests).toBeLessThanOrEqual(mints.attempts);
  expect(tokenRequests).toBeLessThanOrEqual(boundFor(keys, rejections, mints));
  // Far fewer token calls than resolves: 1000 calls share ~20 keys' credentials.
  expect(tokenRequests).toBeLessThan(CALLS / 4);
}
