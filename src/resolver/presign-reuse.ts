import { InvalidArgumentError } from '../errors.js';
import type { RegisteredIntegration } from '../integrations/registered.js';
import type { ObjectTarget, DriverPresignRequest, ProviderDriver } from '../resolvers/driver.js';
import type { AssetLocation, PresignedUrl } from '../types.js';

/**
 * Signed-URL reuse (docs/presign-reuse.md): repeated presigns of the same asset with the same
 * options inside one time window return the byte-identical URL, so browsers and CDNs can cache
 * what it points at, and a signer that costs a network call (GCS IAM signBlob) is called once per
 * window instead of once per URL.
 *
 * A URL made in window [start, end) is signed to expire at `end + ttl` (the TTL rounded up to the
 * window's end), so whenever inside the window it is handed out it still has at least the asked
 * TTL left. It is handed out only while that holds (remaining life ≥ asked TTL) and the window is
 * current; after that the next call signs a fresh one. Provider maximum and credential lifetime
 * still bound the signed TTL: when they cut it below what the window needs, the entry simply
 * expires sooner, and when they cut it below the asked TTL itself the call falls back to an
 * ordinary presign, with exactly the errors and clamping it would have had without reuse.
 *
 * The key is the registration object (so never across integrations, tenants or an updated
 * configuration), the canonical URI, and every presign option generically serialised (method,
 * TTL, clamp, content type, response overrides and any option added later): options that cannot
 * be serialised faithfully disable reuse for that call instead of being ignored.
 */

/** Longest reuse window: a URL outlives the asked TTL by at most this. */
export const MAX_REUSE_WINDOW_SECONDS = 86_400;
const DEFAULT_MAX_ENTRIES = 10_000;

export interface ReuseSettings { windowSeconds: number; maxEntries?: number }

interface Entry {
  /** Pending while being signed: concurrent identical calls share one signature. */
  promise: Promise<PresignedUrl>;
  url?: PresignedUrl;
  /** Epoch ms: served while now < reuseUntil. */
  reuseUntil: number;
}

/** Options of a presign that are not part of what the URL says. */
const NOT_IN_KEY = new Set(['reuse', 'signal', 'integration']);

export function checkReuseSettings(value: unknown, field: string): ReuseSettings | false | undefined {
  if (value === undefined || value === false) return value;
  if (typeof value !== 'object' || value === null) throw new InvalidArgumentError(`${field} must be { windowSeconds } or false`);
  const { windowSeconds, maxEntries } = value as { windowSeconds?: unknown; maxEntries?: unknown };
  if (typeof windowSeconds !== 'number' || !Number.isInteger(windowSeconds) || windowSeconds <= 0 || windowSeconds > MAX_REUSE_WINDOW_SECONDS) {
    throw new InvalidArgumentError(`${field}.windowSeconds must be a whole number of seconds from 1 to ${MAX_REUSE_WINDOW_SECONDS}, got ${String(windowSeconds)}`);
  }
  if (maxEntries !== undefined && (typeof maxEntries !== 'number' || !Number.isInteger(maxEntries) || maxEntries <= 0)) {
    throw new InvalidArgumentError(`${field}.maxEntries must be a positive whole number, got ${String(maxEntries)}`);
  }
  return { windowSeconds, ...(maxEntries !== undefined ? { maxEntries } : {}) };
}

/** The presign request a reused URL is signed with, or why the call falls back to a fresh one. */
export interface ReusePlan {
  key: string;
  /** TTL to sign with: the asked TTL extended to the end of the current window. */
  signTtlSeconds: number;
  windowEndMs: number;
}

/** A bounded (LRU) store of reusable presigned URLs, one per resolver, shared with its tenant views. */
export class PresignReuse {
  readonly #entries = new Map<string, Entry>();
  readonly #maxEntries: number;
  readonly #ids = new WeakMap<RegisteredIntegration, number>();
  #nextId = 1;
  /** Settings from createAssetResolver({ presignReuse }), undefined: reuse only when a call asks. */
  readonly defaults: ReuseSettings | undefined;

  constructor(defaults: ReuseSettings | undefined) {
    this.defaults = defaults;
    this.#maxEntries = defaults?.maxEntries ?? DEFAULT_MAX_ENTRIES;
  }

  get size(): number { return this.#entries.size; }

  /** Which window applies to a call: its own `reuse`, else the resolver's; undefined = no reuse. */
  settingsFor(callReuse: unknown): ReuseSettings | undefined {
    const call = checkReuseSettings(callReuse, 'reuse');
    if (call === false) return undefined;
    return call ?? this.defaults;
  }

  /**
   * The reuse key and the extended TTL, or undefined when this call cannot be reused safely
   * (an option value that does not serialise faithfully, or no room below the provider maximum).
   */
  plan(integration: RegisteredIntegration, location: AssetLocation, options: object, ttlSeconds: number, settings: ReuseSettings,
    maxTtlSeconds: number, nowMs: number): ReusePlan | undefined {
    const serialised = serialiseOptions(options);
    if (serialised === undefined) return undefined;
    const windowMs = settings.windowSeconds * 1000;
    const windowEndMs = (Math.floor(nowMs / windowMs) + 1) * windowMs;
    // Counted from the whole second the signature names (drivers sign at second precision or finer).
    const signTtlSeconds = Math.min(maxTtlSeconds, Math.ceil((windowEndMs - Math.floor(nowMs / 1000) * 1000) / 1000) + ttlSeconds);
    if (signTtlSeconds <= ttlSeconds) return undefined;
    const key = `${this.#idOf(integration)}\n${settings.windowSeconds}\n${location.uri}\n${serialised}`;
    return { key, signTtlSeconds, windowEndMs };
  }

  /** A URL still good for this call: same key, window current, at least `ttlSeconds` of life left. */
  lookup(key: string, ttlSeconds: number, nowMs: number): Promise<PresignedUrl> | undefined {
    const entry = this.#entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.url !== undefined && !(nowMs < entry.reuseUntil && entry.url.expiresAt.getTime() - nowMs >= ttlSeconds * 1000)) {
      this.#entries.delete(key);
      return undefined;
    }
    // Most recently used last (LRU order).
    this.#entries.delete(key);
    this.#entries.set(key, entry);
    return entry.promise;
  }

  /**
   * Signs through `sign` once for every concurrent caller with this key and keeps the URL for the
   * rest of its window. `sign` resolves to undefined when the signed URL could not cover the
   * asked TTL (the caller then presigns without reuse): nothing is kept.
   */
  remember(plan: ReusePlan, ttlSeconds: number, sign: () => Promise<PresignedUrl | undefined>): Promise<PresignedUrl | undefined> {
    const pending = sign();
    const entry: Entry = { promise: undefined as unknown as Promise<PresignedUrl>, reuseUntil: plan.windowEndMs };
    const kept = pending.then((url) => {
      if (url === undefined) throw new NotReusable();
      entry.url = url;
      // Handed out only while it has the asked TTL left: the window end, or sooner if the signer cut the TTL.
      entry.reuseUntil = Math.min(plan.windowEndMs, url.expiresAt.getTime() - ttlSeconds * 1000);
      return url;
    });
    entry.promise = kept;
    kept.catch(() => { if (this.#entries.get(plan.key) === entry) this.#entries.delete(plan.key); });
    this.#entries.set(plan.key, entry);
    while (this.#entries.size > this.#maxEntries) this.#entries.delete(this.#entries.keys().next().value as string);
    return pending;
  }

  clear(): void { this.#entries.clear(); }

  #idOf(integration: RegisteredIntegration): number {
    let id = this.#ids.get(integration);
    if (id === undefined) {
      id = this.#nextId++;
      this.#ids.set(integration, id);
    }
    return id;
  }
}

/** Thrown to waiters of an entry whose signing could not be reused; they presign on their own. */
export class NotReusable extends Error {}

/**
 * Every option, keys sorted, values as JSON; undefined when a value is not plain data (a function,
 * a class instance, a Date whose JSON would hide what it is): such a call is not reused.
 */
export function serialiseOptions(options: object): string | undefined {
  const out: Record<string, unknown> = {};
  for (const name of Object.keys(options).sort()) {
    if (NOT_IN_KEY.has(name)) continue;
    const value = (options as Record<string, unknown>)[name];
    if (value === undefined) continue;
    if (!plainData(value, 0)) return undefined;
    out[name] = sortKeys(value);
  }
  if (out.method === undefined) out.method = 'GET';
  return JSON.stringify(out);
}

function plainData(value: unknown, depth: number): boolean {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return true;
  if (typeof value === 'number') return Number.isFinite(value);
  if (depth > 4 || typeof value !== 'object') return false;
  if (Array.isArray(value)) return value.every((v) => plainData(v, depth + 1));
  const proto = Object.getPrototypeOf(value) as object | null;
  if (proto !== Object.prototype && proto !== null) return false;
  return Object.values(value).every((v) => v === undefined || plainData(v, depth + 1));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(value).sort()) out[k] = sortKeys((value as Record<string, unknown>)[k]);
  return out;
}

/**
 * The asset's presign through the reuse store: a URL to hand out (fresh or reused), or undefined
 * when this call is not reused and the caller presigns as usual.
 */
export async function presignThroughReuse(reuse: PresignReuse | undefined, callReuse: unknown, target: ObjectTarget, options: object,
  request: DriverPresignRequest, driver: ProviderDriver, nowMs: number): Promise<PresignedUrl | undefined> {
  if (reuse === undefined) {
    if (checkReuseSettings(callReuse, 'reuse') === undefined) return undefined;
    throw new InvalidArgumentError('this asset was not resolved by a resolver that supports presign reuse');
  }
  const settings = reuse.settingsFor(callReuse);
  if (settings === undefined) return undefined;
  const ttl = request.ttlSeconds;
  const plan = reuse.plan(target.integration, target.location, options, ttl, settings, driver.maxPresignTtlSeconds, nowMs);
  if (plan === undefined) return undefined;
  const shared = reuse.lookup(plan.key, ttl, nowMs) ?? reuse.remember(plan, ttl, async () => {
    // Clamped by the credentials rather than refused: whether the result still covers the asked TTL is checked below.
    const url = await driver.presign(target, { ...request, ttlSeconds: plan.signTtlSeconds, clamp: true });
    return url.expiresAt.getTime() - nowMs >= ttl * 1000 ? url : undefined;
  });
  try {
    const url = await shared;
    // A waiter that joined a signing begun in an earlier window checks the life left for itself.
    return url !== undefined && url.expiresAt.getTime() - nowMs >= ttl * 1000 ? url : undefined;
  } catch (error) {
    if (error instanceof NotReusable) return undefined;
    throw error;
  }
}
