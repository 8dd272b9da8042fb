/** A credential as kept in a store: JSON-serialisable value plus its absolute expiry (epoch ms). */
export interface StoredCredential {
  /** The credential, JSON-serialisable. */
  value: unknown;
  /** When it expires, epoch ms. */
  expiresAt: number;
}

/**
 * Where credentials live between processes. The in-process cache always sits in front of it;
 * a store only adds sharing. Implementations must treat a corrupt or undecryptable entry as a miss.
 */
export interface CredentialStore {
  /** The entry for `key`, or `undefined` (missing, expired, corrupt or undecryptable). */
  get(key: string): Promise<StoredCredential | undefined>;
  /** Stores an entry until its `expiresAt`. */
  set(key: string, entry: StoredCredential): Promise<void>;
  /** Forgets an entry. */
  delete(key: string): Promise<void>;
  /**
   * Optional cross-process single flight: resolve to a release function when this process holds
   * the lock for `key`, or `undefined` when another process does (the caller then polls `get`).
   */
  lock?(key: string, ttlMs: number): Promise<(() => Promise<void>) | undefined>;
  /**
   * Optional, with `takeOverLock`: who holds the lock for `key` — the holder's token and its
   * remaining time to live in ms (`undefined`: the lock never expires) — or `undefined` when free.
   */
  lockHolder?(key: string): Promise<LockHolder | undefined>;
  /**
   * Optional: takes over the lock for `key` from a holder that made no progress, atomically and
   * only if the lock is still held by `holder` (as `lockHolder` reported it; `undefined` = free).
   * Resolves to a release function, or `undefined` when another process moved first.
   */
  takeOverLock?(key: string, holder: string | undefined, ttlMs: number): Promise<(() => Promise<void>) | undefined>;
  /** Releases connections the store owns. */
  close?(): Promise<void>;
}

/** The holder of a store lock, as `CredentialStore.lockHolder` reports it. */
export interface LockHolder { token: string; ttlMs: number | undefined }
