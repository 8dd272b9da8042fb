import type { BlobServiceClient } from '@azure/storage-blob';
import type { CredentialCache } from '../../cache/credential-cache.js';
import { sasTime, UserDelegationSasSigner, type DelegationKey } from './sas.js';

/** Azure refuses user delegation keys that expire more than 7 days from now. */
export const MAX_DELEGATION_KEY_SECONDS = 7 * 24 * 3600;
const DEFAULT_DELEGATION_KEY_SECONDS = 24 * 3600;
/** Extra life asked for beyond the longest SAS requested, so near-simultaneous requests share one key. */
const COVERAGE_SLACK_MS = 5 * 60_000;

export interface DelegationKeyOptions {
  cache: CredentialCache;
  now(): number;
  /** Lifetime of keys fetched for ordinary requests (clamped to 7 days). */
  keyTtlSeconds?: number;
  /** How far key start times are backdated for clock skew. */
  clockSkewSeconds: number;
}

export interface DelegationKeyScope {
  integrationId: string;
  /** The integration's cache namespace (id + configuration fingerprint). */
  cacheNamespace: string;
  tenantId: string;
  account: string;
  /** Client of the account's blob service, authenticated as the integration. */
  service(): Promise<BlobServiceClient>;
  /** Maps an SDK failure to a typed error. */
  mapError(error: unknown): Error;
  /** `DelegationKeys.cacheKey(this)`, when the caller keeps it (the same string object each time is cheaper to look up). */
  readonly cacheKey?: string;
}

/**
 * User delegation keys, cached per (integration, tenant, account) in the credential cache and
 * shared by every SAS URL they can sign. A key normally lives `keyTtlSeconds`; when a SAS must
 * outlive the cached key, a longer key (up to 7 days) replaces it. Signers are memoised per key.
 */
export class DelegationKeys {
  readonly #options: DelegationKeyOptions;
  readonly #keyTtlMs: number;
  /** Longest expiry (epoch ms) any caller currently needs, per cache key. */
  readonly #wanted = new Map<string, number>();
  /** Keyed by the cached key object itself, so a replaced key gets a new signer. */
  #signers = new WeakMap<DelegationKey, UserDelegationSasSigner>();

  constructor(options: DelegationKeyOptions) {
    this.#options = options;
    const ttl = Math.min(options.keyTtlSeconds ?? DEFAULT_DELEGATION_KEY_SECONDS, MAX_DELEGATION_KEY_SECONDS);
    this.#keyTtlMs = Math.max(ttl, 60) * 1000;
  }

  static cacheKey(scope: Pick<DelegationKeyScope, 'cacheNamespace' | 'tenantId' | 'account'>): string {
    return `${scope.cacheNamespace}|azure-udk|${scope.tenantId}|${scope.account}`;
  }

  /**
   * A signer whose key is valid until at least `neededUntil` (epoch ms) when Azure allows it;
   * otherwise the longest-lived key available (the caller clamps or refuses).
   */
  async signerFor(scope: DelegationKeyScope, neededUntil: number): Promise<UserDelegationSasSigner> {
    return this.signerNow(scope, neededUntil);
  }

  /** `signerFor`, with a signer whose cached key already covers `neededUntil` returned as is (no promise: presign's hot path). */
  signerNow(scope: DelegationKeyScope, neededUntil: number): UserDelegationSasSigner | Promise<UserDelegationSasSigner> {
    const cacheKey = scope.cacheKey ?? DelegationKeys.cacheKey(scope);
    const needed = Math.min(neededUntil, this.#options.now() + MAX_DELEGATION_KEY_SECONDS * 1000);
    this.#want(cacheKey, needed);
    const cached = this.#get(scope, cacheKey);
    if (!(cached instanceof Promise) && cached.expiresOn.getTime() >= needed) return cached;
    return this.#longEnough(scope, cacheKey, cached, needed);
  }

  async #longEnough(scope: DelegationKeyScope, cacheKey: string, pending: UserDelegationSasSigner | Promise<UserDelegationSasSigner>, needed: number): Promise<UserDelegationSasSigner> {
    let signer = await pending;
    // At most one replacement: the new key is fetched for the longest expiry anyone asked for.
    if (signer.expiresOn.getTime() < needed) {
      this.#options.cache.invalidate(cacheKey);
      signer = await this.#get(scope, cacheKey);
    }
    return signer;
  }

  clear(): void {
    this.#wanted.clear();
    this.#signers = new WeakMap();
  }

  #want(cacheKey: string, until: number): void {
    const now = this.#options.now();
    const current = this.#wanted.get(cacheKey);
    if (current === undefined || current < now || until > current) this.#wanted.set(cacheKey, until);
  }

  #get(scope: DelegationKeyScope, cacheKey: string): UserDelegationSasSigner | Promise<UserDelegationSasSigner> {
    const key = this.#options.cache.getNow<DelegationKey>(
      cacheKey,
      { integrationId: scope.integrationId, scope: `azure user delegation key, account ${scope.account}, tenant ${scope.tenantId}` },
      () => this.#fetch(scope, cacheKey),
    );
    return key instanceof Promise ? key.then((k) => this.#signerOf(k)) : this.#signerOf(key);
  }

  #signerOf(key: DelegationKey): UserDelegationSasSigner {
    let signer = this.#signers.get(key);
    if (!signer) {
      signer = new UserDelegationSasSigner(key);
      this.#signers.set(key, signer);
    }
    return signer;
  }

  async #fetch(scope: DelegationKeyScope, cacheKey: string): Promise<{ value: DelegationKey; expiresAt: number }> {
    const now = this.#options.now();
    const cap = now + MAX_DELEGATION_KEY_SECONDS * 1000;
    const wanted = this.#wanted.get(cacheKey) ?? 0;
    // Whole seconds: SAS times have no milliseconds and must not end after the key.
    const startsOn = new Date(Math.floor((now - this.#options.clockSkewSeconds * 1000) / 1000) * 1000);
    const expiresOn = new Date(Math.floor(Math.min(cap, Math.max(now + this.#keyTtlMs, wanted + COVERAGE_SLACK_MS)) / 1000) * 1000);
    let response;
    try {
      response = await (await scope.service()).getUserDelegationKey(startsOn, expiresOn);
    } catch (error) {
      throw scope.mapError(error);
    }
    const value: DelegationKey = {
      signedObjectId: response.signedObjectId,
      signedTenantId: response.signedTenantId,
      signedStartsOn: sasTime(response.signedStartsOn),
      signedExpiresOn: sasTime(response.signedExpiresOn),
      signedService: response.signedService,
      signedVersion: response.signedVersion,
      value: response.value,
    };
    return { value, expiresAt: response.signedExpiresOn.getTime() };
  }
}
