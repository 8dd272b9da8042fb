import { AssetLinkError, CredentialsUnavailableError, InvalidArgumentError } from '../errors.js';
import type { AssetLinkEvent } from '../events.js';
import { DEFAULT_RETRY, realSleep, retrying, type RetryPolicy } from './backoff.js';
import type { CredentialStore } from './store.js';
import { traced } from '../telemetry/otel.js';
import { tenantOfCacheKey } from './tenant-key.js';

/** What a fetcher returns: a JSON-serialisable credential and when it stops working. */
export interface Expiring<T> {
  value: T;
  /** Epoch ms. `Infinity` for credentials that never expire (static keys). */
  expiresAt: number;
}

/** Options of a `CredentialCache` (the resolver builds its own from `ResolverOptions.cache`). */
export interface CredentialCacheOptions {
  /** Refresh a credential this many seconds before it expires, in the background. Default 300. */
  refreshBeforeExpirySeconds?: number;
  /** Most entries kept; the least recently used go first. Default 10 000. */
  maxEntries?: number;
  /** A shared store consulted before fetching, and written after. Default: none (in-process only). */
  store?: CredentialStore;
  /** Clock, epoch ms (tests). */
  now?: () => number;
  /** How retries wait (tests). */
  sleep?: (ms: number) => Promise<void>;
  /** Jitter source for retry delays (tests). */
  random?: () => number;
  /** Attempts and backoff for retryable fetch failures. Default 3 attempts, 100 ms base, 2 s cap, full jitter. */
  retry?: Partial<RetryPolicy>;
  /** Receives `credentials.*` events. */
  emit?: (event: AssetLinkEvent) => void;
  /** Longest wait for another process's lock before minting here (and taking the lock over). Default 2 000 ms. */
  lockWaitMs?: number;
}

/** What an entry is for, for events and logs (never a secret). */
export interface CacheKeyInfo {
  integrationId: string;
  /** Human-readable description of the exact scope the credential was minted for. */
  scope: string;
}

interface Entry { value: unknown; expiresAt: number }
/** One fetch in flight; `superseded` once its integration was updated or removed meanwhile. */
interface Flight { promise: Promise<Entry>; superseded: boolean }

/**
 * A credential fetch that was in flight when its integration was updated or removed: what it
 * minted belongs to the old configuration and is handed to no one. Retryable; the resolver's
 * drivers retry it themselves on the current configuration.
 */
export class IntegrationUpdatedError extends CredentialsUnavailableError {
  constructor(integrationId: string) {
    super(`integration "${integrationId}" was updated or removed while its credentials were being obtained; retry with the current configuration`, { integrationId, retryable: true });
  }
}

/** Lifetime of a store lock assetlink takes; a lock that lives longer (or forever) was not set by assetlink. */
const LOCK_TTL_MS = 10_000;
const LOCK_POLL_MS = 50;
const DEFAULT_LOCK_WAIT_MS = 2_000;

/**
 * Credentials keyed by integration and exact downscoped scope.
 * - fresh entries are served from memory;
 * - inside the refresh window the old value is served while one background refresh runs;
 * - expired or missing entries are fetched once for all concurrent callers (shared promise);
 * - failures are never cached; retryable ones are retried with capped, jittered backoff;
 * - the map is LRU-bounded.
 */
export class CredentialCache {
  readonly #entries = new Map<string, Entry>();
  /** The entry last moved to the end of #entries (LRU order), so a repeat touch costs nothing. */
  #newest: Entry | undefined;
  readonly #inflight = new Map<string, Flight>();
  readonly #refreshAheadMs: number;
  readonly #maxEntries: number;
  readonly #store: CredentialStore | undefined;
  readonly #now: () => number;
  readonly #sleep: (ms: number) => Promise<void>;
  readonly #random: () => number;
  readonly #retry: RetryPolicy;
  readonly #emit: (event: AssetLinkEvent) => void;
  readonly #lockWaitMs: number;
  #storeWarned = false;

  constructor(options: CredentialCacheOptions = {}) {
    this.#refreshAheadMs = (options.refreshBeforeExpirySeconds ?? 300) * 1000;
    this.#maxEntries = options.maxEntries ?? 10_000;
    this.#store = options.store;
    this.#now = options.now ?? Date.now;
    this.#sleep = options.sleep ?? realSleep;
    this.#random = options.random ?? Math.random;
    this.#retry = { ...DEFAULT_RETRY, ...options.retry };
    this.#emit = options.emit ?? (() => undefined);
    const wait = options.lockWaitMs ?? DEFAULT_LOCK_WAIT_MS;
    if (!(Number.isFinite(wait) && wait >= 0)) throw new InvalidArgumentError(`cache.lockWaitMs must be a number of milliseconds ≥ 0, got ${String(wait)}`);
    this.#lockWaitMs = wait;
  }

  /** Entries held in this process. */
  get size(): number { return this.#entries.size; }

  /** Returns a usable credential for `key`, calling `fetch` only when needed and only once at a time. */
  async get<T>(key: string, info: CacheKeyInfo, fetch: () => Promise<Expiring<T>>): Promise<T> {
    return this.getNow(key, info, fetch);
  }

  /**
   * `get`, but a credential held in memory comes back as is, not wrapped in a promise: a presign
   * with warm credentials then waits on nothing.
   */
  getNow<T>(key: string, info: CacheKeyInfo, fetch: () => Promise<Expiring<T>>): T | Promise<T> {
    const now = this.#now();
    const entry = this.#entries.get(key);
    if (entry && now < entry.expiresAt) {
      this.#touch(key, entry);
      if (now >= entry.expiresAt - this.#refreshAheadMs && !this.#inflight.has(key)) {
        // Serve the still-valid credential; refresh behind it so no caller waits.
        this.#load(key, info, fetch as () => Promise<Expiring<unknown>>, true).catch(() => undefined);
      }
      return entry.value as T;
    }
    return this.#load(key, info, fetch as () => Promise<Expiring<unknown>>, false).then((loaded) => loaded.value as T);
  }

  /** Forgets one entry (here and in the shared store): the next `get` fetches anew. */
  invalidate(key: string): void {
    this.#entries.delete(key);
    void this.#store?.delete(key).catch(() => undefined);
  }

  /**
   * Drops every entry whose key starts with `prefix` (an integration was updated or removed), here
   * and in the shared store, and supersedes fetches in flight for those keys: their results are
   * neither cached nor handed to their waiters (who get IntegrationUpdatedError), and the next
   * caller starts a fresh fetch.
   */
  invalidatePrefix(prefix: string): void {
    for (const key of [...this.#entries.keys()]) if (key.startsWith(prefix)) this.invalidate(key);
    for (const [key, flight] of [...this.#inflight]) {
      if (!key.startsWith(prefix)) continue;
      flight.superseded = true;
      this.#inflight.delete(key);
      void this.#store?.delete(key).catch(() => undefined);
    }
  }

  /** Forgets every entry held in this process. */
  clear(): void { this.#entries.clear(); }

  #touch(key: string, entry: Entry): void {
    // Already the most recently used (the common case of one hot credential): nothing to move.
    if (this.#newest === entry) return;
    this.#newest = entry;
    this.#entries.delete(key);
    this.#entries.set(key, entry);
  }

  #remember(key: string, entry: Entry): void {
    this.#newest = entry;
    this.#entries.delete(key);
    this.#entries.set(key, entry);
    while (this.#entries.size > this.#maxEntries) {
      const oldest = this.#entries.keys().next().value as string;
      this.#entries.delete(oldest);
    }
  }

  #load(key: string, info: CacheKeyInfo, fetch: () => Promise<Expiring<unknown>>, refresh: boolean): Promise<Entry> {
    const pending = this.#inflight.get(key);
    if (pending) return pending.promise;
    const flight: Flight = { promise: undefined as unknown as Promise<Entry>, superseded: false };
    flight.promise = this.#fetchWithRetry(key, info, fetch, refresh, flight).finally(() => {
      if (this.#inflight.get(key) === flight) this.#inflight.delete(key);
    });
    this.#inflight.set(key, flight);
    return flight.promise;
  }

  async #fetchWithRetry(key: string, info: CacheKeyInfo, fetch: () => Promise<Expiring<unknown>>, refresh: boolean, flight: Flight): Promise<Entry> {
    const superseded = (): never => { throw new IntegrationUpdatedError(info.integrationId); };
    // A cold load takes any unexpired shared entry; a refresh wants one outside the refresh window.
    const shared = await this.#fromStore(key, refresh);
    if (flight.superseded) return superseded();
    if (shared) { this.#remember(key, shared); return shared; }
    const lock = await this.#lockOrWait(key, refresh);
    if (flight.superseded) { await lock.release?.().catch(() => undefined); return superseded(); }
    if (lock.entry) { this.#remember(key, lock.entry); return lock.entry; }
    try {
      return await this.#fetchLoop(key, info, fetch, refresh, flight);
    } finally {
      await lock.release?.().catch(() => undefined);
    }
  }

  /**
   * Cross-process single flight: take the store's lock, or wait for the process holding it to
   * publish the credential — at most `lockWaitMs`. A holder that makes no progress in that time (a
   * lock that is never released, a process that died or hangs) is taken over: the first waiter to
   * give up replaces the lock atomically and mints; a lock that never expires (no TTL, so not one
   * assetlink set) is taken over at once. A lock released without a credential is taken by the next
   * poll. A broken store → fetch here. Whoever mints publishes, so later callers do not wait again.
   */
  async #lockOrWait(key: string, refresh: boolean): Promise<{ release?: () => Promise<void>; entry?: Entry }> {
    const store = this.#store;
    if (!store?.lock) return {};
    // Holding the lock: the previous holder may have published and let go just before we took it.
    const holding = async (release: () => Promise<void>): Promise<{ release?: () => Promise<void>; entry?: Entry }> => {
      const entry = await this.#readStore(key, refresh);
      if (!entry) return { release };
      await release().catch(() => undefined);
      return { entry };
    };
    try {
      const release = await store.lock(key, LOCK_TTL_MS);
      if (release) return await holding(release);
      const holder = store.lockHolder ? await store.lockHolder(key) : undefined;
      const stale = holder !== undefined && (holder.ttlMs === undefined || holder.ttlMs > LOCK_TTL_MS);
      if (!stale) {
        const giveUpAt = this.#now() + this.#lockWaitMs;
        // Bounded by the clock and by a poll count, so an injected clock that stands still cannot spin forever.
        for (let polls = Math.ceil(this.#lockWaitMs / LOCK_POLL_MS); polls > 0 && this.#now() < giveUpAt; polls--) {
          await this.#sleep(Math.min(LOCK_POLL_MS, Math.max(1, giveUpAt - this.#now())));
          const entry = await this.#readStore(key, refresh);
          if (entry) return { entry };
          // The holder let go without publishing (its fetch failed): take the lock ourselves.
          const freed = await store.lock(key, LOCK_TTL_MS);
          if (freed) return await holding(freed);
        }
      }
      const takenOver = await store.takeOverLock?.(key, holder?.token, LOCK_TTL_MS);
      if (takenOver) return await holding(takenOver);
      return {};
    } catch (error) {
      // The store went away under us: the holder can no longer publish, so stop waiting for it.
      this.#warnStore(error);
      return {};
    }
  }

  async #fetchLoop(key: string, info: CacheKeyInfo, fetch: () => Promise<Expiring<unknown>>, refresh: boolean, flight: Flight): Promise<Entry> {
    const tenant = tenantOfCacheKey(key);
    const attributes = { 'assetlink.integration_id': info.integrationId, ...(tenant !== undefined ? { 'assetlink.tenant': tenant } : {}) };
    const fetched = await retrying(
      async (attempt) => {
        if (flight.superseded) throw new IntegrationUpdatedError(info.integrationId);
        try {
          return await traced('assetlink.credentials', { ...attributes, 'assetlink.attempt': attempt }, fetch);
        } catch (error) {
          throw toCredentialError(error, info.integrationId);
        }
      },
      {
        policy: this.#retry,
        // A superseded fetch is retried by the driver on the current configuration, never here.
        isRetryable: (error) => !(error instanceof IntegrationUpdatedError) && (error as AssetLinkError).retryable,
        sleep: this.#sleep,
        random: this.#random,
        now: this.#now,
        onFailure: (error, attempt, willRetry) => {
          if (error instanceof IntegrationUpdatedError) return;
          this.#emit({
            type: 'credentials.failed', time: new Date(this.#now()), integrationId: info.integrationId,
            ...(tenant !== undefined ? { tenant } : {}),
            scope: info.scope, code: (error as AssetLinkError).code, attempt, willRetry,
          });
        },
      },
    );
    // Minted for a configuration that was replaced meanwhile: cache it nowhere, hand it to no one.
    if (flight.superseded) throw new IntegrationUpdatedError(info.integrationId);
    const entry: Entry = { value: fetched.value, expiresAt: fetched.expiresAt };
    this.#remember(key, entry);
    await this.#toStore(key, entry);
    this.#emit({
      type: refresh ? 'credentials.refreshed' : 'credentials.minted',
      time: new Date(this.#now()),
      integrationId: info.integrationId,
      ...(tenant !== undefined ? { tenant } : {}),
      scope: info.scope,
      ...(Number.isFinite(entry.expiresAt) ? { expiresAt: new Date(entry.expiresAt) } : {}),
    });
    if (flight.superseded) {
      // Updated while the shared store was being written: take back what was just cached.
      this.invalidate(key);
      throw new IntegrationUpdatedError(info.integrationId);
    }
    return entry;
  }

  async #fromStore(key: string, fresh: boolean): Promise<Entry | undefined> {
    try {
      return await this.#readStore(key, fresh);
    } catch (error) {
      this.#warnStore(error);
      return undefined;
    }
  }

  /** A usable entry from the store, or undefined; throws when the store fails. */
  async #readStore(key: string, fresh: boolean): Promise<Entry | undefined> {
    if (!this.#store) return undefined;
    const stored = await this.#store.get(key);
    if (stored && this.#now() < stored.expiresAt - (fresh ? this.#refreshAheadMs : 0)) return { value: stored.value, expiresAt: stored.expiresAt };
    return undefined;
  }

  async #toStore(key: string, entry: Entry): Promise<void> {
    if (!this.#store || !Number.isFinite(entry.expiresAt)) return;
    try {
      await this.#store.set(key, { value: entry.value, expiresAt: entry.expiresAt });
    } catch (error) {
      this.#warnStore(error);
    }
  }

  #warnStore(error: unknown): void {
    if (this.#storeWarned) return;
    this.#storeWarned = true;
    const message = error instanceof Error ? error.message : String(error);
    this.#emit({ type: 'cache.store-unavailable', time: new Date(this.#now()), message: `credential store unavailable, using in-process cache: ${message}` });
  }
}

function toCredentialError(error: unknown, integrationId: string): AssetLinkError {
  if (error instanceof AssetLinkError) return error;
  return new CredentialsUnavailableError(
    `could not obtain credentials for integration "${integrationId}": ${error instanceof Error ? error.message : String(error)}`,
    { integrationId, cause: error, retryable: true },
  );
}
