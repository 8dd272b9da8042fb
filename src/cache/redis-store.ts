import { createHash, randomBytes } from 'node:crypto';
import { missingDependency } from '../optional-import.js';
import { SealedBox } from './encryption.js';
import type { CredentialStore, LockHolder, StoredCredential } from './store.js';
import { tenantKeySpace, tenantOfCacheKey } from './tenant-key.js';

/** The subset of an ioredis client the store uses, so callers may pass their own client. */
export interface RedisLike {
  get(key: string): Promise<string | null>;
  set(key: string, value: string, px: 'PX', ms: number): Promise<unknown>;
  set(key: string, value: string, px: 'PX', ms: number, nx: 'NX'): Promise<unknown>;
  del(key: string): Promise<unknown>;
  eval(script: string, keys: number, ...args: string[]): Promise<unknown>;
  quit(): Promise<unknown>;
}

/** Options of the shared Redis credential store (docs/cache.md). */
export interface RedisCredentialStoreOptions {
  /** An ioredis client, or a redis:// URL from which one is made (ioredis is an optional peer dependency). */
  client?: RedisLike;
  /** A redis:// or rediss:// URL, used when no `client` is given. */
  url?: string;
  /** 32 bytes (or base64 of 32 bytes) for AES-256-GCM. Nothing is stored in plaintext. */
  encryptionKey: Uint8Array | string;
  /** Namespace for keys; default `assetlink:`. */
  keyPrefix?: string;
  /** Per-command timeout; a slow or dead Redis falls back to the in-process cache. Default 500 ms. */
  commandTimeoutMs?: number;
}

const RELEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end";
/** [token, pttl] of the lock, or nil when free. PTTL -1: the lock never expires (not one assetlink set). */
const HOLDER = "local v = redis.call('get', KEYS[1]) if v == false then return nil end return {v, redis.call('pttl', KEYS[1])}";
/** Replaces the lock only if it is still the one the caller saw (ARGV[1]; '' = free), so one waiter wins. */
const TAKE_OVER = "local v = redis.call('get', KEYS[1]) "
  + "if (v == false and ARGV[1] == '') or (v ~= false and v == ARGV[1] and ARGV[1] ~= '') then "
  + "redis.call('set', KEYS[1], ARGV[2], 'PX', ARGV[3]) return 1 end return 0";

/**
 * A shared, encrypted credential store. Keys are hashed (customer bucket names and integration ids
 * stay out of Redis), values are sealed with AES-256-GCM bound to their key, and entries expire
 * with the credential. `lock` gives cross-process single flight with SET NX PX.
 */
export class RedisCredentialStore implements CredentialStore {
  readonly #client: RedisLike;
  readonly #box: SealedBox;
  readonly #prefix: string;
  readonly #owned: boolean;

  constructor(client: RedisLike, options: RedisCredentialStoreOptions, owned: boolean) {
    this.#client = client;
    this.#box = new SealedBox(options.encryptionKey);
    this.#prefix = options.keyPrefix ?? 'assetlink:';
    this.#owned = owned;
  }

  /**
   * `assetlink:cred:<hash>`, or `assetlink:tenant:<hash of tenant>:cred:<hash>` for a tenant-bound
   * integration, so one tenant's entries can be found (SCAN), dropped or ACL-fenced together.
   */
  #redisKey(kind: 'cred' | 'lock', key: string): string {
    return `${tenantKeySpace(this.#prefix, tenantOfCacheKey(key))}${kind}:${createHash('sha256').update(key).digest('base64url')}`;
  }

  /** The stored credential for `key`, decrypted and authenticated; undefined when absent or tampered with. */
  async get(key: string): Promise<StoredCredential | undefined> {
    const sealed = await this.#client.get(this.#redisKey('cred', key));
    if (sealed === null) return undefined;
    const plain = this.#box.open(sealed, key);
    if (plain === undefined) return undefined;
    try {
      const parsed = JSON.parse(plain) as StoredCredential;
      return typeof parsed.expiresAt === 'number' ? parsed : undefined;
    } catch {
      return undefined;
    }
  }

  /** Stores `entry` encrypted, expiring with the credential. */
  async set(key: string, entry: StoredCredential): Promise<void> {
    const ttl = Math.floor(entry.expiresAt - Date.now());
    if (ttl <= 0) return;
    await this.#client.set(this.#redisKey('cred', key), this.#box.seal(JSON.stringify(entry), key), 'PX', ttl);
  }

  /** Forgets `key` (e.g. after `updateIntegration`). */
  async delete(key: string): Promise<void> {
    await this.#client.del(this.#redisKey('cred', key));
  }

  /** Takes the refresh lock of `key` for `ttlMs`; resolves to its release, or undefined when another process holds it. */
  async lock(key: string, ttlMs: number): Promise<(() => Promise<void>) | undefined> {
    const token = randomBytes(16).toString('hex');
    const lockKey = this.#redisKey('lock', key);
    const ok = await this.#client.set(lockKey, token, 'PX', ttlMs, 'NX');
    if (ok !== 'OK') return undefined;
    return async () => { await this.#client.eval(RELEASE, 1, lockKey, token).catch(() => undefined); };
  }

/** Who holds the refresh lock of `key` now, and for how much longer (undefined: nobody). */
  async lockHolder(key: string): Promise<LockHolder | undefined> {
    const answer = await this.#client.eval(HOLDER, 1, this.#redisKey('lock', key));
    if (!Array.isArray(answer) || typeof answer[0] !== 'string') return undefined;
    const pttl = Number(answer[1]);
    return { token: answer[0], ttlMs: pttl >= 0 ? pttl : undefined };
  }

/** Takes the lock over from `holder` atomically, only if `holder` still holds it (a crashed refresher). */
  async takeOverLock(key: string, holder: string | undefined, ttlMs: number): Promise<(() => Promise<void>) | undefined> {
    const token = randomBytes(16).toString('hex');
    const lockKey = this.#redisKey('lock', key);
    const won = await this.#client.eval(TAKE_OVER, 1, lockKey, holder ?? '', token, String(ttlMs));
    if (Number(won) !== 1) return undefined;
    return async () => { await this.#client.eval(RELEASE, 1, lockKey, token).catch(() => undefined); };
  }

  /** Closes the Redis connection if this store opened it. */
  async close(): Promise<void> {
    if (this.#owned) await this.#client.quit().catch(() => undefined);
  }

  /** Never serialises the client or the encryption key. */
  toJSON(): string { return 'RedisCredentialStore'; }
  [Symbol.for('nodejs.util.inspect.custom')](): string { return 'RedisCredentialStore'; }
}

/** Creates a store from a client or URL. A URL client fails fast while Redis is down instead of queueing. */
export async function createRedisCredentialStore(options: RedisCredentialStoreOptions): Promise<RedisCredentialStore> {
  if (options.client) return new RedisCredentialStore(options.client, options, false);
  if (!options.url) throw new TypeError('createRedisCredentialStore needs a client or a url');
  const mod = await import('ioredis').catch(missingDependency('ioredis'));
  const Redis = (mod as unknown as { default: new (url: string, opts: Record<string, unknown>) => RedisLike }).default;
  const client = new Redis(options.url, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: options.commandTimeoutMs ?? 500,
    connectTimeout: 1_000,
    lazyConnect: false,
    retryStrategy: (times: number) => Math.min(times * 200, 2_000),
  });
  const events = client as unknown as { on(e: string, f: () => void): void; once(e: string, f: () => void): void; status: string };
  events.on('error', () => undefined);
  // Without an offline queue, commands sent before the connection is up would fail: wait for it
  // briefly. A Redis that is down stays down for this wait too; the cache then runs in-process.
  if (events.status !== 'ready') {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, 1_000);
      events.once('ready', () => { clearTimeout(timer); resolve(); });
    });
  }
  return new RedisCredentialStore(client, options, true);
}
