import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createAssetResolver, type AssetLinkEvent, type AssetResolver, type Integration } from '../../src/index.js';
import type { StsFault } from '../../src/testing/aws/index.js';
import type { FakeEntraFault } from '../../src/testing/azure/index.js';
import { startAzureTestEnvironment, type AzureTestEnvironment } from '../../src/testing/azure/index.js';
import type { InjectedFault } from '../../src/testing/gcp/index.js';
import { faultSchedule, mintStats, type MintStats } from './fixtures/load.js';
import { contentFor, seededRandom, sha256, startAwsWorld, startGcpWorld, typedCode, type Seeded } from './fixtures/worlds.js';

/**
 * The token services alone under a fault storm: STS (AWS), IAM Credentials + STS (GCP) and
 * Entra (Azure) each answer 30% of requests with throttling, a 5xx, a reset connection, a slow
 * answer or no answer at all, while storage is healthy. Each round is a cold start of KEYS
 * credentials with several concurrent callers each (a fresh resolver per round).
 * Asserted: every call settles, successes read their own object, failures are typed; each
 * credential key costs one refresh per round (single flight) and each refresh at most 3 token
 * requests (1 + 2 retries); failed refreshes are never cached as successes. Counts are printed.
 */

const KEYS = 10;
const ROUNDS = 3;
const FAULT_RATE = 0.3;
const GUARD_MS = 30_000;

/** Per provider: callers per key and requestTimeoutMs (which is also what a hung token request costs). */
interface Shape { callersPerKey: number; requestTimeoutMs: number }
const AWS: Shape = { callersPerKey: 10, requestTimeoutMs: 1_500 };
const GCP: Shape = { callersPerKey: 10, requestTimeoutMs: 1_500 };
// Azurite (HTTPS, in this process) is the slowest emulator: fewer callers and a longer timeout so
// that storage stays healthy and only Entra is under test. (Each cold key also fetches a user
// delegation key from Azurite now: every data-plane request carries a SAS signed with it.)
const AZURE: Shape = { callersPerKey: 3, requestTimeoutMs: 5_000 };

const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown): void => { unhandled.push(reason); };
beforeAll(() => { process.on('unhandledRejection', onUnhandled); });
afterAll(() => { process.off('unhandledRejection', onUnhandled); });
afterEach(() => { expect(unhandled).toEqual([]); });

interface RoundsReport { ok: number; failed: Record<string, number>; wrong: string[]; pending: number; mints: MintStats }

/** ROUNDS cold starts; every caller reads its key's own object (bytes checked). */
async function runRounds(shape: Shape, makeResolver: (events: AssetLinkEvent[]) => AssetResolver, objects: Seeded[], prefix: string, scopePrefix?: string): Promise<RoundsReport> {
  const report: RoundsReport = { ok: 0, failed: {}, wrong: [], pending: 0, mints: { minted: 0, retried: 0, gaveUp: 0, attempts: 0 } };
  const events: AssetLinkEvent[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const resolver = makeResolver(events);
    let unsettled = 0;
    const calls = objects.flatMap((object) => Array.from({ length: shape.callersPerKey }, async () => {
      unsettled++;
      try {
        const bytes = await (await resolver.resolveAsset(object.uri)).bytes();
        if (sha256(bytes) === object.sha256) report.ok++;
        else report.wrong.push(object.uri);
      } catch (error) {
        const code = typedCode(error);
        report.failed[code] = (report.failed[code] ?? 0) + 1;
      } finally {
        unsettled--;
      }
    }));
    let guard: NodeJS.Timeout | undefined;
    const outcome = await Promise.race([
      Promise.allSettled(calls).then(() => 'settled'),
      new Promise((resolve) => { guard = setTimeout(() => resolve('guard'), GUARD_MS); }),
    ]);
    clearTimeout(guard);
    if (outcome === 'guard') report.pending += unsettled;
    await resolver.close();
  }
  // Azure integrations hold two credentials (the Entra token and the user delegation key it
  // fetches); the token service under test is Entra, so only its token's mints are counted.
  report.mints = mintStats(scopePrefix ? events.filter((e) => !('scope' in e) || String(e.scope).startsWith(scopePrefix)) : events, prefix);
  return report;
}

function check(shape: Shape, report: RoundsReport, tokenRequests: number, faultsInjected: number): void {
  const total = KEYS * shape.callersPerKey * ROUNDS;
  expect(report.pending, 'calls still pending when the guard fired').toBe(0);
  expect(report.wrong).toEqual([]);
  expect(report.ok + Object.values(report.failed).reduce((a, b) => a + b, 0)).toBe(total);
  // Only token failures were injected: a failed call can only say the credentials were unavailable.
  for (const code of Object.keys(report.failed)) expect(code).toBe('CREDENTIALS_UNAVAILABLE');
  expect(faultsInjected, 'faults were actually injected').toBeGreaterThan(0);
  const refreshes = KEYS * ROUNDS;
  // One successful refresh per key per round, whatever the number of callers...
  expect(report.mints.minted).toBeLessThanOrEqual(refreshes);
  // ...and each refresh (successful or not) made at most 3 attempts.
  expect(report.mints.attempts).toBeLessThanOrEqual(3 * (report.mints.minted + report.mints.gaveUp));
  // Every token request is an attempt the credential cache made: no hidden retry layer below it.
  // (An attempt can time out before its request reaches the fake, so not necessarily equal.)
  expect(tokenRequests).toBeLessThanOrEqual(report.mints.attempts);
  expect(tokenRequests).toBeLessThanOrEqual(3 * (refreshes + report.mints.gaveUp));
  // A refresh that gave up failed its callers; everyone else got bytes.
  expect(report.ok).toBeGreaterThanOrEqual(total - report.mints.gaveUp * shape.callersPerKey);
}

const print = (provider: string, data: Record<string, unknown>): void => { console.log(`[reliability] token-storm ${provider} ${JSON.stringify(data)}`); };

describe(`token services at ${FAULT_RATE * 100}% faults: ${ROUNDS} cold starts × ${KEYS} keys × N concurrent callers`, () => {
  it('AWS STS', async () => {
    const world = await startAwsWorld({ integrations: KEYS, perIntegration: 1 });
    try {
      const random = seededRandom(0x5757);
      const faults = faultSchedule<StsFault>(random, FAULT_RATE, [
        { name: 'throttle', fault: () => ({ type: 'throttle' }) },
        { name: 'server-error', fault: () => ({ type: 'server-error' }) },
        { name: 'reset', fault: () => ({ type: 'reset' }) },
        { name: 'slow', fault: () => ({ type: 'delay', ms: 50 + Math.floor(random() * 300) }) },
        { name: 'hang', fault: () => ({ type: 'hang' }) },
      ]);
      world.fakes.sts.setFaultPolicy(() => faults.next());
      const report = await runRounds(AWS, (events) => createAssetResolver({
        platform: world.platform, integrations: world.integrations, requestTimeoutMs: AWS.requestTimeoutMs, onEvent: (e) => events.push(e),
      }), world.objects, 'aws-');
      world.fakes.sts.clearFaults();
      const tokenRequests = world.fakes.sts.requestCount;
      print('aws', { ok: report.ok, failed: report.failed, stsRequests: tokenRequests, stsIssued: world.fakes.sts.issuedCount, faultsInjected: faults.counts, credentialCache: report.mints });
      check(AWS, report, tokenRequests, faults.total());
    } finally {
      await world.close();
    }
  }, 60_000);

  it('GCP IAM Credentials + STS', async () => {
    const world = await startGcpWorld({ integrations: KEYS, perIntegration: 1 });
    try {
      const random = seededRandom(0x6767);
      const tokenFaults = [
        { name: 'throttle', fault: (): InjectedFault => ({ status: 429 }) },
        { name: 'server-error', fault: (): InjectedFault => ({ status: random() < 0.5 ? 500 : 503 }) },
        { name: 'reset', fault: (): InjectedFault => ({ reset: true }) },
        { name: 'slow', fault: (): InjectedFault => ({ delayMs: 50 + Math.floor(random() * 300) }) },
        { name: 'hang', fault: (): InjectedFault => ({ delayMs: GCP.requestTimeoutMs * 3 }) },
      ];
      const iam = faultSchedule(random, FAULT_RATE, tokenFaults);
      const sts = faultSchedule(random, FAULT_RATE, tokenFaults);
      world.fake.iam.setFaultPolicy(() => iam.next());
      world.fake.sts.setFaultPolicy(() => sts.next());
      const report = await runRounds(GCP, (events) => createAssetResolver({
        platform: world.platform, integrations: world.integrations, requestTimeoutMs: GCP.requestTimeoutMs, onEvent: (e) => events.push(e),
      }), world.objects, 'gcp-');
      world.fake.iam.clearFaults();
      world.fake.sts.clearFaults();
      const iamRequests = world.fake.iam.requestCount;
      const stsRequests = world.fake.sts.requestCount;
      print('gcp', {
        ok: report.ok, failed: report.failed, iamRequests, stsRequests, stsIssued: world.fake.sts.count(),
        iamFaultsInjected: iam.counts, stsFaultsInjected: sts.counts, credentialCache: report.mints,
      });
      // An attempt is one IAM call, then one STS call if IAM answered.
      check(GCP, report, iamRequests, iam.total() + sts.total());
      expect(stsRequests).toBeLessThanOrEqual(iamRequests);
    } finally {
      await world.close();
    }
  }, 60_000);

  describe('Azure Entra', () => {
    const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
    const APP = '0f7e1a52-1111-4c2b-9d7e-5f4a3b2c1d0e';
    const ACCOUNT = 'reliabilitydata';
    const CONTAINER = 'assets';
    let env: AzureTestEnvironment;
    const integrations: Integration[] = [];
    const objects: Seeded[] = [];

    beforeAll(async () => {
      env = await startAzureTestEnvironment({
        accounts: [ACCOUNT], containers: [`${ACCOUNT}/${CONTAINER}`],
        apps: [{ tenantId: TENANT, clientId: APP, clientSecret: 'reliability-client-secret' }],
      });
      for (let p = 0; p < KEYS; p++) {
        integrations.push({
          id: `azure-${p}`, provider: 'azure', scope: { account: ACCOUNT, container: CONTAINER, prefix: `p${p}` },
          auth: { kind: 'client-secret', tenantId: TENANT, clientId: APP, clientSecret: 'reliability-client-secret' },
        });
        const uri = `https://${ACCOUNT}.blob.core.windows.net/${CONTAINER}/p${p}/object.bin`;
        const body = contentFor(uri, 300 + p * 17);
        await env.azurite.putBlob(CONTAINER, `p${p}/object.bin`, body, { account: ACCOUNT });
        objects.push({ uri, integrationId: `azure-${p}`, body, sha256: sha256(body) });
      }
    });
    afterAll(async () => { await env?.close(); });

    it('token requests', async () => {
      const random = seededRandom(0xa2a2);
      const faults = faultSchedule<FakeEntraFault>(random, FAULT_RATE, [
        { name: 'throttle', fault: () => ({ status: 429 }) },
        { name: 'server-error', fault: () => ({ status: random() < 0.5 ? 500 : 503 }) },
        { name: 'reset', fault: () => ({ reset: true }) },
        { name: 'slow', fault: () => ({ delayMs: 50 + Math.floor(random() * 300) }) },
        { name: 'hang', fault: () => ({ delayMs: AZURE.requestTimeoutMs * 3 }) },
      ]);
      env.entra.setFaultPolicy(() => faults.next());
      const before = env.entra.tokenRequests.length;
      const report = await runRounds(AZURE, (events) => createAssetResolver({
        platform: { azure: env.platform }, integrations, requestTimeoutMs: AZURE.requestTimeoutMs, onEvent: (e) => events.push(e),
      }), objects, 'azure-', 'azure storage token');
      env.entra.clearFaults();
      const tokenRequests = env.entra.tokenRequests.length - before;
      print('azure', { ok: report.ok, failed: report.failed, entraRequests: tokenRequests, entraIssued: env.entra.tokensIssued, faultsInjected: faults.counts, credentialCache: report.mints });
      check(AZURE, report, tokenRequests, faults.total());
    }, 60_000);
  });
});
