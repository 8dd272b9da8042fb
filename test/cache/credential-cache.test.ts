import { describe, expect, it } from 'vitest';
import { CredentialCache, type Expiring } from '../../src/cache/credential-cache.js';
import { AccessDeniedError, AssetLinkError, ProviderError } from '../../src/errors.js';
import type { AssetLinkEvent } from '../../src/events.js';

function fakeClock(start = 1_700_000_000_000) {
  let now = start;
  return { now: () => now, advance: (ms: number) => { now += ms; } };
}
const info = { integrationId: 'i1', scope: 'bucket/prefix:read-only' };
const noSleep = async () => undefined;

describe('CredentialCache', () => {
  it('1000 concurrent cold callers share one fetch', async () => {
    const clock = fakeClock();
    const cache = new CredentialCache({ now: clock.now, sleep: noSleep });
    let calls = 0;
    let release!: () => void;
    const gate = new Promise<void>((r) => { release = r; });
    const fetch = async (): Promise<Expiring<string>> => { calls++; await gate; return { value: 'cred-1', expiresAt: clock.now() + 3_600_000 }; };
    const all = Array.from({ length: 1000 }, () => cache.get('k', info, fetch));
    release();
    const values = await Promise.all(all);
    expect(calls).toBe(1);
    expect(new Set(values)).toEqual(new Set(['cred-1']));
  });

  it('serves from memory until the refresh window, then refreshes once in the background', async () => {
    const clock = fakeClock();
    const cache = new CredentialCache({ now: clock.now, sleep: noSleep, refreshBeforeExpirySeconds: 300 });
    let calls = 0;
    const fetch = async (): Promise<Expiring<string>> => { calls++; return { value: `cred-${calls}`, expiresAt: clock.now() + 3_600_000 }; };
    expect(await cache.get('k', info, fetch)).toBe('cred-1');
    clock.advance(3_600_000 - 300_001); // just outside the window
    expect(await cache.get('k', info, fetch)).toBe('cred-1');
    expect(calls).toBe(1);
    clock.advance(2); // inside the window: old value served, one refresh starts
    const during = await Promise.all([cache.get('k', info, fetch), cache.get('k', info, fetch)]);
    expect(during).toEqual(['cred-1', 'cred-1']);
    await new Promise((r) => setImmediate(r));
    expect(calls).toBe(2);
    expect(await cache.get('k', info, fetch)).toBe('cred-2');
  });

  it('fetches again after expiry', async () => {
    const clock = fakeClock();
    const cache = new CredentialCache({ now: clock.now, sleep: noSleep, refreshBeforeExpirySeconds: 0 });
    let calls = 0;
    const fetch = async (): Promise<Expiring<number>> => { calls++; return { value: calls, expiresAt: clock.now() + 1_000 }; };
    expect(await cache.get('k', info, fetch)).toBe(1);
    clock.advance(1_000);
    expect(await cache.get('k', info, fetch)).toBe(2);
    expect(calls).toBe(2);
  });

  it('does not cache failures, retries retryable ones with backoff, then recovers', async () => {
    const clock = fakeClock();
    const delays: number[] = [];
    const events: AssetLinkEvent[] = [];
    const cache = new CredentialCache({
      now: clock.now, sleep: async (ms) => { delays.push(ms); }, random: () => 1,
      retry: { attempts: 3, baseDelayMs: 100, maxDelayMs: 150 }, emit: (e) => events.push(e),
    });
    let calls = 0;
    const failing = async (): Promise<Expiring<string>> => { calls++; throw new ProviderError('throttled', { retryable: true }); };
    await expect(cache.get('k', info, failing)).rejects.toMatchObject({ code: 'PROVIDER_ERROR' });
    expect(calls).toBe(3);
    expect(delays).toEqual([100, 150]); // capped exponential
    expect(events.filter((e) => e.type === 'credentials.failed')).toHaveLength(3);
    const ok = async (): Promise<Expiring<string>> => { calls++; return { value: 'good', expiresAt: clock.now() + 60_000 }; };
    expect(await cache.get('k', info, ok)).toBe('good');
  });

  it('does not retry non-retryable failures', async () => {
    const cache = new CredentialCache({ sleep: noSleep });
    let calls = 0;
    const denied = async (): Promise<Expiring<string>> => { calls++; throw new AccessDeniedError('wrong external id'); };
    await expect(cache.get('k', info, denied)).rejects.toBeInstanceOf(AccessDeniedError);
    expect(calls).toBe(1);
  });

  it('wraps unknown errors as CREDENTIALS_UNAVAILABLE', async () => {
    const cache = new CredentialCache({ sleep: noSleep, retry: { attempts: 1 } });
    const error = await cache.get('k', info, async () => { throw new Error('socket hang up'); }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AssetLinkError);
    expect((error as AssetLinkError).code).toBe('CREDENTIALS_UNAVAILABLE');
    expect((error as AssetLinkError).integrationId).toBe('i1');
  });

  it('evicts least recently used entries beyond maxEntries', async () => {
    const clock = fakeClock();
    const cache = new CredentialCache({ now: clock.now, maxEntries: 2 });
    let calls = 0;
    const fetch = (v: string) => async (): Promise<Expiring<string>> => { calls++; return { value: v, expiresAt: clock.now() + 3_600_000 }; };
    await cache.get('a', info, fetch('a'));
    await cache.get('b', info, fetch('b'));
    await cache.get('a', info, fetch('a')); // a is now most recent
    await cache.get('c', info, fetch('c')); // evicts b
    expect(cache.size).toBe(2);
    expect(calls).toBe(3);
    await cache.get('a', info, fetch('a'));
    expect(calls).toBe(3);
    await cache.get('b', info, fetch('b'));
    expect(calls).toBe(4);
  });

  it('uses and fills a shared store, and survives a broken one', async () => {
    const clock = fakeClock();
    const backing = new Map<string, { value: unknown; expiresAt: number }>();
    const store = {
      get: async (k: string) => backing.get(k),
      set: async (k: string, e: { value: unknown; expiresAt: number }) => { backing.set(k, e); },
      delete: async (k: string) => { backing.delete(k); },
    };
    const a = new CredentialCache({ now: clock.now, store });
    const b = new CredentialCache({ now: clock.now, store });
    let calls = 0;
    const fetch = async (): Promise<Expiring<string>> => { calls++; return { value: 'shared', expiresAt: clock.now() + 3_600_000 }; };
    expect(await a.get('k', info, fetch)).toBe('shared');
    expect(await b.get('k', info, fetch)).toBe('shared');
    expect(calls).toBe(1);

    const events: AssetLinkEvent[] = [];
    const broken = { get: async () => { throw new Error('ECONNREFUSED'); }, set: async () => { throw new Error('ECONNREFUSED'); }, delete: async () => undefined };
    const c = new CredentialCache({ now: clock.now, store: broken, emit: (e) => events.push(e) });
    expect(await c.get('k', info, fetch)).toBe('shared');
    expect(await c.get('k2', info, fetch)).toBe('shared');
    expect(events.filter((e) => e.type === 'cache.store-unavailable')).toHaveLength(1);
  });
});
