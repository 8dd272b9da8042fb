import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CredentialCache } from '../../src/cache/credential-cache.js';
import { createRedisCredentialStore, type RedisCredentialStore, type RedisLike } from '../../src/cache/redis-store.js';
import { createAssetResolver, type AssetLinkEvent, type CredentialStore } from '../../src/index.js';
import { startAwsFakes, type AwsFakes } from '../../src/testing/aws/index.js';
import { hasRedisServer, startRedis, type RedisHandle } from '../helpers/redis-server.js';

/**
 * Issue 13 item 9: a store lock that is never released must not add its lifetime (or forever) to
 * every cold resolve. On a real redis-server: a waiter waits at most `cache.lockWaitMs` (default
 * 2 s) for the holder to publish, then the first waiter to give up takes the lock over and mints;
 * a lock with no expiry (not one assetlink sets) is taken over at once; whoever mints publishes, so
 * later callers neither wait nor mint again. Waiting is measured on an injected clock that advances
 * only when the cache sleeps — no timing assertions.
 */

const KEY = randomBytes(32);
const info = { integrationId: 'i', scope: 's' };
const lockKeyOf = (key: string): string => `assetlink:lock:${createHash('sha256').update(key).digest('base64url')}`;
const credKeyOf = (key: string): string => `assetlink:cred:${createHash('sha256').update(key).digest('base64url')}`;

type Raw = RedisLike & { pttl(k: string): Promise<number>; set(k: string, v: string, ...args: Array<string | number>): Promise<unknown> };

if (!hasRedisServer) console.warn('redis-server is not installed: the Redis lock starvation tests cannot run here (CI installs it).');

/** A clock that moves only when the cache sleeps: `waited` is exactly how long the cache waited. */
function virtualTime(onSleep?: (sleeps: number) => Promise<void>): { now(): number; sleep(ms: number): Promise<void>; waited(): number } {
  const start = Date.now();
  let offset = 0;
  let sleeps = 0;
  return {
    now: () => start + offset,
    sleep: async (ms) => {
      offset += ms;
      sleeps += 1;
      await onSleep?.(sleeps);
      await new Promise((r) => setImmediate(r));
    },
    waited: () => offset,
  };
}

describe.skipIf(!hasRedisServer)('Redis lock starvation (real redis-server)', () => {
  let redis: RedisHandle;
  let store: RedisCredentialStore;
  let raw: Raw;
  let counter = 0;
  const freshKey = (): string => `integration-${++counter}|scope`;
  const minted = (label: string) => {
    let calls = 0;
    return { fetch: async () => ({ value: `${label}-${++calls}`, expiresAt: Date.now() + 600_000 }), calls: () => calls };
  };

  beforeAll(async () => {
    redis = await startRedis();
    store = await createRedisCredentialStore({ url: redis.url, encryptionKey: KEY });
    const mod = (await import('ioredis')) as unknown as { default: new (url: string) => Raw };
    raw = new mod.default(redis.url);
  });
  afterAll(async () => { await raw?.quit(); await store?.close(); await redis?.stop(); });

  it('a lock that never expires (its holder died) is taken over at once; the credential is shared and the lock gone', async () => {
    const key = freshKey();
    await raw.set(lockKeyOf(key), 'a-process-that-died'); // no PX: never expires
    const clock = virtualTime();
    const own = minted('self');
    const cache = new CredentialCache({ store, now: clock.now, sleep: clock.sleep });
    expect(await cache.get(key, info, own.fetch)).toBe('self-1');
    expect(own.calls()).toBe(1);
    expect(clock.waited()).toBe(0);
    expect(await raw.get(lockKeyOf(key))).toBeNull(); // taken over, then released
    // Another process: takes the published credential, no wait, no mint.
    const other = minted('other');
    const later = virtualTime();
    expect(await new CredentialCache({ store, now: later.now, sleep: later.sleep }).get(key, info, other.fetch)).toBe('self-1');
    expect(other.calls()).toBe(0);
    expect(later.waited()).toBe(0);
  });

  it('a lock that is never released (10 s TTL, holder hangs) costs at most lockWaitMs (default 2 s), then the waiter takes it over', async () => {
    const key = freshKey();
    await raw.set(lockKeyOf(key), 'a-holder-that-hangs', 'PX', 10_000);
    const clock = virtualTime();
    const own = minted('self');
    const events: AssetLinkEvent[] = [];
    const cache = new CredentialCache({ store, now: clock.now, sleep: clock.sleep, emit: (e) => events.push(e) });
    expect(await cache.get(key, info, own.fetch)).toBe('self-1');
    expect(own.calls()).toBe(1);
    expect(clock.waited()).toBeGreaterThanOrEqual(2_000);
    expect(clock.waited()).toBeLessThanOrEqual(2_050);
    expect(events.map((e) => e.type)).toEqual(['credentials.minted']);
    expect(await raw.get(lockKeyOf(key))).toBeNull();
    expect(await raw.get(credKeyOf(key))).not.toBeNull();

    // The credential expires from the store: the next cold caller finds no stale lock to wait for.
    await raw.del(credKeyOf(key));
    const next = virtualTime();
    const again = minted('next');
    expect(await new CredentialCache({ store, now: next.now, sleep: next.sleep }).get(key, info, again.fetch)).toBe('next-1');
    expect(next.waited()).toBe(0);
  });

  it('lockWaitMs is configurable', async () => {
    const key = freshKey();
    await raw.set(lockKeyOf(key), 'a-holder-that-hangs', 'PX', 10_000);
    const clock = virtualTime();
    const own = minted('self');
    const cache = new CredentialCache({ store, now: clock.now, sleep: clock.sleep, lockWaitMs: 300 });
    expect(await cache.get(key, info, own.fetch)).toBe('self-1');
    expect(clock.waited()).toBeGreaterThanOrEqual(300);
    expect(clock.waited()).toBeLessThanOrEqual(350);
    expect(() => new CredentialCache({ lockWaitMs: -1 })).toThrow(/lockWaitMs/);
  });

  it('two processes waiting on a hung lock: the first to give up takes it over; each waits at most the bound', async () => {
    const key = freshKey();
    await raw.set(lockKeyOf(key), 'a-holder-that-hangs', 'PX', 10_000);
    const clocks = [virtualTime(), virtualTime()];
    const fetches = [minted('a'), minted('b')];
    const values = await Promise.all([0, 1].map((i) => new CredentialCache({ store, now: clocks[i]!.now, sleep: clocks[i]!.sleep }).get(key, info, fetches[i]!.fetch)));
    for (const clock of clocks) expect(clock.waited()).toBeLessThanOrEqual(2_050);
    // At most one each; the shared store ends with one of them, and no lock is left behind.
    expect(fetches[0]!.calls() + fetches[1]!.calls()).toBeGreaterThanOrEqual(1);
    expect(fetches[0]!.calls()).toBeLessThanOrEqual(1);
    expect(fetches[1]!.calls()).toBeLessThanOrEqual(1);
    const published = await store.get(key);
    expect(values).toContain(published?.value);
    expect(await raw.get(lockKeyOf(key))).toBeNull();
  });

  it('a holder that publishes within the bound is waited for: one mint between two processes', async () => {
    const key = freshKey();
    let release!: () => void;
    const gate = new Promise<void>((r) => { release = r; });
    let holderCalls = 0;
    const holder = new CredentialCache({ store });
    const first = holder.get(key, info, async () => { holderCalls++; await gate; return { value: 'from-holder', expiresAt: Date.now() + 600_000 }; });
    await expect.poll(async () => raw.get(lockKeyOf(key))).not.toBeNull();
    const waiterClock = virtualTime(async (sleeps) => { if (sleeps === 5) release(); });
    const waiter = minted('waiter');
    const second = new CredentialCache({ store, now: waiterClock.now, sleep: waiterClock.sleep }).get(key, info, waiter.fetch);
    expect(await Promise.all([first, second])).toEqual(['from-holder', 'from-holder']);
    expect(holderCalls).toBe(1);
    expect(waiter.calls()).toBe(0);
  });

  it('a holder that lets go without publishing (its fetch failed) is replaced at the next poll, not after the bound', async () => {
    const key = freshKey();
    await raw.set(lockKeyOf(key), 'a-holder-that-fails', 'PX', 10_000);
    const clock = virtualTime(async (sleeps) => { if (sleeps === 3) await raw.del(lockKeyOf(key)); });
    const own = minted('self');
    expect(await new CredentialCache({ store, now: clock.now, sleep: clock.sleep }).get(key, info, own.fetch)).toBe('self-1');
    expect(own.calls()).toBe(1);
    expect(clock.waited()).toBeLessThan(500);
    expect(await raw.get(lockKeyOf(key))).toBeNull();
  });

  it('a holder that publishes and lets go between a waiter\'s poll and its lock attempt is not minted over', async () => {
    const key = freshKey();
    await raw.set(lockKeyOf(key), 'the-holder', 'PX', 10_000);
    let locks = 0;
    // The holder publishes and releases exactly after the waiter's second poll read the store (and found nothing).
    const racing: CredentialStore = {
      get: (k) => store.get(k), set: (k, e) => store.set(k, e), delete: (k) => store.delete(k),
      lockHolder: (k) => store.lockHolder(k), takeOverLock: (k, h, ttl) => store.takeOverLock(k, h, ttl),
      lock: async (k, ttl) => {
        if (++locks === 3) {
          await store.set(k, { value: 'from-holder', expiresAt: Date.now() + 600_000 });
          await raw.del(lockKeyOf(key));
        }
        return store.lock(k, ttl);
      },
    };
    const clock = virtualTime();
    const own = minted('waiter');
    expect(await new CredentialCache({ store: racing, now: clock.now, sleep: clock.sleep }).get(key, info, own.fetch)).toBe('from-holder');
    expect(own.calls()).toBe(0);
    expect(await raw.get(lockKeyOf(key))).toBeNull();
  });

  describe('end to end: resolvers against the fake STS and S3', () => {
    const ROLE_ARN = 'arn:aws:iam::222222222222:role/starved';
    const EXTERNAL_ID = 'starvation-external-id-0123456789';
    let fakes: AwsFakes;
    beforeAll(async () => {
      fakes = await startAwsFakes({ roles: [{ roleArn: ROLE_ARN, externalId: EXTERNAL_ID }], buckets: [{ name: 'starved', ownerAccountId: '222222222222' }] });
      await fakes.s3.putObject('starved', 'in/a.txt', 'hello');
    });
    afterAll(async () => { await fakes?.close(); });

    /** A client on the real Redis that plants a lock before assetlink's first SET NX on it, as a process that then hung or died would. */
    function plantingClient(lock: 'forever' | 'ten-seconds'): RedisLike {
      const planted = new Set<string>();
      return {
        get: (k) => raw.get(k),
        del: (k) => raw.del(k),
        eval: (script, n, ...args) => raw.eval(script, n, ...args),
        quit: async () => 'OK',
        set: (async (k: string, v: string, px: 'PX', ms: number, nx?: 'NX') => {
          if (nx && k.includes(':lock:') && !planted.has(k)) {
            planted.add(k);
            if (lock === 'forever') await raw.set(k, 'hung-process');
            else await raw.set(k, 'hung-process', 'PX', 10_000);
          }
          return nx ? raw.set(k, v, px, ms, nx) : raw.set(k, v, px, ms);
        }) as RedisLike['set'],
      };
    }

    it.each(['forever', 'ten-seconds'] as const)('a lock held %s: the cold resolve mints once, publishes, and the next process reuses it', async (lock) => {
      const integration = { id: `starved-${lock}`, provider: 'aws' as const, scope: { bucket: 'starved', prefix: 'in' }, auth: { kind: 'assume-role' as const, roleArn: ROLE_ARN, externalId: EXTERNAL_ID } };
      const encryptionKey = randomBytes(32);
      const events: AssetLinkEvent[] = [];
      const storeA = await createRedisCredentialStore({ client: plantingClient(lock), encryptionKey });
      const a = createAssetResolver({ platform: { aws: fakes.platform }, integrations: [integration], cache: { store: storeA, lockWaitMs: 500 }, onEvent: (e) => events.push(e), requestTimeoutMs: 10_000 });
      await a.driver('aws'); // load the SDK first: the timing printed below is the lock's cost alone
      const stsBefore = fakes.sts.issuedCount;
      const started = Date.now();
      expect(new TextDecoder().decode(await (await a.resolveAsset('s3://starved/in/a.txt')).bytes())).toBe('hello');
      const coldMs = Date.now() - started;
      expect(fakes.sts.issuedCount - stsBefore).toBe(1);
      expect(events.filter((e) => e.type === 'credentials.minted')).toHaveLength(1);

      const storeB = await createRedisCredentialStore({ url: redis.url, encryptionKey });
      const b = createAssetResolver({ platform: { aws: fakes.platform }, integrations: [integration], cache: { store: storeB }, requestTimeoutMs: 10_000 });
      expect(new TextDecoder().decode(await (await b.resolveAsset('s3://starved/in/a.txt')).bytes())).toBe('hello');
      expect(fakes.sts.issuedCount - stsBefore).toBe(1); // B took A's credential from Redis
      console.log(`[reliability] redis lock held ${lock}: cold resolve ${coldMs} ms (lockWaitMs 500; before the fix: 10 000 ms or more)`);
      await Promise.all([a.close(), b.close(), storeA.close(), storeB.close()]);
    }, 60_000);
  });
});
