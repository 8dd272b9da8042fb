import { InvalidTtlError } from '../errors.js';

/** A TTL is a positive integer of seconds no larger than `max`; `clamp` shortens instead of failing. */
export function checkTtl(ttl: unknown, max: number, clamp: boolean, what = 'this provider', whatSuffix?: string): number {
  if (typeof ttl !== 'number' || !Number.isFinite(ttl) || !Number.isInteger(ttl) || ttl <= 0) {
    throw new InvalidTtlError(`TTL must be a positive whole number of seconds, got ${String(ttl)}`);
  }
  if (ttl > max) {
    if (clamp) return max;
    // (`what` comes in two pieces so a hot caller need not build the phrase when nothing fails.)
    throw new InvalidTtlError(`TTL ${ttl}s exceeds the ${max}s maximum of ${whatSuffix === undefined ? what : `${what} ${whatSuffix}`}; ask for less or pass { clamp: true } to shorten it`);
  }
  return ttl;
}

/**
 * Bounds a TTL by the lifetime left on the credentials that sign the URL, so a URL never outlives
 * its signer. Used by drivers whose credentials expire.
 */
export function boundByCredentials(ttl: number, nowMs: number, credentialsExpireAt: number, clamp: boolean): number {
  if (!Number.isFinite(credentialsExpireAt)) return ttl;
  const left = Math.floor((credentialsExpireAt - nowMs) / 1000);
  if (ttl <= left) return ttl;
  if (clamp && left > 0) return left;
  throw new InvalidTtlError(
    `TTL ${ttl}s exceeds the ${Math.max(left, 0)}s left on the credentials that would sign the URL; ask for less or pass { clamp: true }`,
  );
}
