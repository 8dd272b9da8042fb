import { AssetLinkError, CredentialsUnavailableError } from '../errors.js';
import type { AssetLinkEvent } from '../events.js';
import { backoffDelay, DEFAULT_RETRY, realSleep, type RetryPolicy } from './backoff.js';
import type { CredentialStore } from './store.js';
import { traced } from '../telemetry/otel.js';

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
}

/** What an entry is for, for events and logs (never a secret). */
export interface CacheKeyInfo {
  integrationId: string;
  /** Human-readable description of the exact scope the credential was minted for. */
  scope: string;
}

interface Entry { value: unknown; expiresAt: number }

const LOCK_TTL_MS = 10_000;
const LOCK_POLL_MS = 50;

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
  readonly #inflight = new Map<string, Promise<Entry>>();
  readonly #refreshAheadMs: number;
  readonly #maxEntries: number;
  readonly #store: CredentialStore | undefined;
  readonly #now: () => number;
  readonly #sleep: (ms: number) => Promise<void>;
  readonly #random: () => number;
  readonly #retry: RetryPolicy;
  readonly #emit: (event: AssetLinkEvent) => void;
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
  }

  /** Entries held in this process. */
  get size(): number { return this.#entries.size; }

  /** Returns a usable credential for `key`, calling `fetch` only when needed and only once at a time. */
  async get<T>(key: string, info: CacheKeyInfo, fetch: () => Promise<Expiring<T>>): Promise<T> {
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
    const loaded = await this.#load(key, info, fetch as () => Promise<Expiring<unknown>>, false);
    return loaded.value as T;
  }

  /** Forgets one entry (here and in the shared store): the next `get` fetches anew. */
  invalidate(key: string): void {
    this.#entries.delete(key);
    void this.#store?.delete(key).catch(() => undefined);
  }

  /** Drops every entry whose key starts with `prefix` (used when an integration is removed). */
  invalidatePrefix(prefix: string): void {
    for (const key of [...this.#entries.keys()]) if (key.startsWith(prefix)) this.invalidate(key);
  }

  /** Forgets every entry held in this process. */
  clear(): void { this.#entries.clear(); }

  #touch(key: string, entry: Entry): void {
    this.#entries.delete(key);
    this.#entries.set(key, entry);
  }

  #remember(key: string, entry: Entry): void {
    this.#entries.delete(key);
    this.#entries.set(key, entry);
    while (this.#entries.size > this.#maxEntries) {
      const oldest = this.#entries.keys().next().value as string;
      this.#entries.delete(oldest);
    }
  }

  #load(key: string, info: CacheKeyInfo, fetch: () => Promise<Expiring<unknown>>, refresh: boolean): Promise<Entry> {
    const pending = this.#inflight.get(key);
    if (pending) return pending;
    const promise = this.#fetchWithRetry(key, info, fetch, refresh).finally(() => this.#inflight.delete(key));
    this.#inflight.set(key, promise);
    return promise;
  }

  async #fetchWithRetry(key: string, info: CacheKeyInfo, fetch: () => Promise<Expiring<unknown>>, refresh: boolean): Promise<Entry> {
    // A cold load takes any unexpired shared entry; a refresh wants one outside the refresh window.
    const shared = await this.#fromStore(key, refresh);
    if (shared) { this.#remember(key, shared); return shared; }
    const lock = await this.#lockOrWait(key, refresh);
    if (lock.entry) { this.#remember(key, lock.entry); return lock.entry; }
    try {
      return await this.#fetchLoop(key, info, fetch, refresh);
    } finally {
      await lock.release?.().catch(() => undefined);
    }
  }

  /**
   * Cross-process single flight: take the store's lock, or wait for the process holding it to
   * publish the credential. A broken store or a holder that never publishes → fetch ourselves.
   */
  async #lockOrWait(key: string, refresh: boolean): Promise<{ release?: () => Promise<void>; entry?: Entry }> {
    if (!this.#store?.lock) return {};
    let release: (() => Promise<void>) | undefined;
    try {
      release = await this.#store.lock(key, LOCK_TTL_MS);
    } catch (error) {
      this.#warnStore(error);
      return {};
    }
    if (release) return { release };
    const deadline = this.#now() + LOCK_TTL_MS;
    for (let i = 0; i < LOCK_TTL_MS / LOCK_POLL_MS && this.#now() < deadline; i++) {
      await realSleep(LOCK_POLL_MS);
      let entry: Entry | undefined;
      try {
        entry = await this.#readStore(key, refresh);
      } catch (error) {
        // The store went away under us: the holder can no longer publish, so stop waiting for it.
        this.#warnStore(error);
        return {};
      }
      if (entry) return { entry };
    }
    return {};
  }

  async #fetchLoop(key: string, info: CacheKeyInfo, fetch: () => Promise<Expiring<unknown>>, refresh: boolean): Promise<Entry> {
    for (let attempt = 1; ; attempt++) {
      try {
        const fetched = await traced('assetlink.credentials', { 'assetlink.integration_id': info.integrationId, 'assetlink.attempt': attempt }, fetch);
        const entry: Entry = { value: fetched.value, expiresAt: fetched.expiresAt };
        this.#remember(key, entry);
        await this.#toStore(key, entry);
        this.#emit({
          type: refresh ? 'credentials.refreshed' : 'credentials.minted',
          time: new Date(this.#now()),
          integrationId: info.integrationId,
          scope: info.scope,
          ...(Number.isFinite(entry.expiresAt) ? { expiresAt: new Date(entry.expiresAt) } : {}),
        });
        return entry;
      } catch (error) {
        const typed = toCredentialError(error, info.integrationId);
        const willRetry = typed.retryable && attempt < this.#retry.attempts;
        this.#emit({
          type: 'credentials.failed', time: new Date(this.#now()), integrationId: info.integrationId,
          scope: info.scope, code: typed.code, attempt, willRetry,
        });
        if (!willRetry) throw typed;
        await this.#sleep(backoffDelay(attempt, this.#retry, this.#random));
      }
    }
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
