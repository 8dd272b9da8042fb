import { execFile } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import { inspect } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CredentialCache } from '../../src/cache/credential-cache.js';
import { createRedisCredentialStore, type RedisCredentialStore } from '../../src/cache/redis-store.js';
import type { AssetLinkEvent } from '../../src/events.js';
import { hasRedisServer, startRedis, type RedisHandle } from '../helpers/redis-server.js';

const run = promisify(execFile);
const KEY = Buffer.alloc(32, 7);
const CANARY = 'CANARY-SESSION-TOKEN-in-redis-0042';
const info = { integrationId: 'i', scope: 's' };

if (!hasRedisServer) console.warn('redis-server is not installed: the Redis credential store tests cannot run here (CI installs it).');

describe.skipIf(!hasRedisServer)('Redis credential store (real redis-server)', () => {
  let redis: RedisHandle;
  let store: RedisCredentialStore;
  let raw: { keys(p: string): Promise<string[]>; get(k: string): Promise<string | null>; set(k: string, v: string): Promise<unknown>; pttl(k: string): Promise<number>; quit(): Promise<unknown> };

  beforeAll(async () => {
    redis = await startRedis();
    store = await createRedisCredentialStore({ url: redis.url, encryptionKey: KEY });
    const mod = (await import('ioredis')) as unknown as { default: new (url: string) => typeof raw };
    raw = new mod.default(redis.url);
  });
  afterAll(async () => { await raw?.quit(); await store?.close(); await redis?.stop(); });

  it('stores only ciphertext under hashed keys, expiring with the credential', async () => {
    const cache = new CredentialCache({ store });
    await cache.get('tenant-bucket|aws|scope', info, async () => ({ value: { sessionToken: CANARY }, expiresAt: Date.now() + 60_000 }));
    const keys = await raw.keys('assetlink:cred:*');
    expect(keys.length).toBeGreaterThan(0);
    for (const k of keys) {
      expect(k).not.toContain('tenant-bucket');
      const value = (await raw.get(k)) ?? '';
      expect(value).not.toContain(CANARY);
      expect(Buffer.from(value, 'base64').toString('latin1')).not.toContain(CANARY);
      const ttl = await raw.pttl(k);
      expect(ttl).toBeGreaterThan(50_000);
      expect(ttl).toBeLessThanOrEqual(60_000);
    }
    expect(inspect(store)).not.toContain(KEY.toString('base64'));
  });

  it('a second cache reads the shared entry; a tampered entry is a miss, not a crash', async () => {
    const a = new CredentialCache({ store });
    const b = new CredentialCache({ store });
    let calls = 0;
    const fetch = async () => { calls++; return { value: `v${calls}`, expiresAt: Date.now() + 60_000 }; };
    expect(await a.get('shared-key', info, fetch)).toBe('v1');
    expect(await b.get('shared-key', info, fetch)).toBe('v1');
    expect(calls).toBe(1);
    for (const k of await raw.keys('assetlink:cred:*')) {
      const v = (await raw.get(k))!;
      const bytes = Buffer.from(v, 'base64');
      bytes[bytes.length - 1] = bytes[bytes.length - 1]! ^ 0xff;
      await raw.set(k, bytes.toString('base64'));
    }
    const c = new CredentialCache({ store });
    expect(await c.get('shared-key', info, fetch)).toBe('v2');
    expect(calls).toBe(2);
  });

  it('an entry sealed under another key is a miss', async () => {
    const other = await createRedisCredentialStore({ url: redis.url, encryptionKey: Buffer.alloc(32, 9) });
    await new CredentialCache({ store }).get('k-other', info, async () => ({ value: 'mine', expiresAt: Date.now() + 60_000 }));
    expect(await other.get('k-other')).toBeUndefined();
    await other.close();
  });

  it('separate processes cold-starting together make one token call', async () => {
    let tokenCalls = 0;
    const server = http.createServer((req, res) => {
      tokenCalls++;
      setTimeout(() => res.end(`token-${tokenCalls}`), 300); // slow, so the workers overlap
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const tokenUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/token`;
    const worker = path.join(import.meta.dirname, 'fixtures/cache-worker.ts');
    const outputs = await Promise.all(Array.from({ length: 4 }, () =>
      run(process.execPath, ['--import', 'tsx', worker, redis.url, tokenUrl, 'cross-process-key'], { cwd: path.resolve(import.meta.dirname, '../..') })));
    server.close();
    expect(new Set(outputs.map((o) => o.stdout))).toEqual(new Set(['token-1']));
    expect(tokenCalls).toBe(1);
  }, 60_000);

  it('Redis dying mid-run keeps resolves working, with one warning event', async () => {
    const own = await startRedis();
    const ownStore = await createRedisCredentialStore({ url: own.url, encryptionKey: KEY });
    const events: AssetLinkEvent[] = [];
    const cache = new CredentialCache({ store: ownStore, emit: (e) => events.push(e) });
    let calls = 0;
    const fetch = async () => { calls++; return { value: `v${calls}`, expiresAt: Date.now() + 60_000 }; };
    expect(await cache.get('before', info, fetch)).toBe('v1');
    await own.stop();
    expect(await cache.get('before', info, fetch)).toBe('v1'); // in-process copy
    const after = await Promise.all(Array.from({ length: 20 }, (_, i) => cache.get(`after-${i % 2}`, info, fetch)));
    expect(new Set(after).size).toBe(2);
    expect(events.filter((e) => e.type === 'cache.store-unavailable')).toHaveLength(1);
    await ownStore.close();
  }, 30_000);
});
