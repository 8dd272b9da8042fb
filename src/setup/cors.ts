import { InvalidArgumentError } from '../errors.js';
import type { SetupOptions } from './types.js';

/**
 * Browser origins for the CORS rules. Presigned URLs are bearer tokens, so CORS is not what
 * protects the data; still, a rule should name the customer's real origins, not `*`. Origins are
 * compared by browsers as exact `scheme://host[:port]` strings, so they are normalised to that
 * (lower-case host, no default port, no path) and anything else is refused rather than guessed.
 */
export function normalizeOrigins(origins: SetupOptions['origins']): string[] {
  if (origins === undefined) return [];
  if (!Array.isArray(origins)) throw new InvalidArgumentError('options.origins must be an array of origins such as "https://app.example.com"');
  const out: string[] = [];
  origins.forEach((raw, i) => {
    const field = `options.origins[${i}]`;
    if (typeof raw !== 'string' || raw.trim() === '') throw new InvalidArgumentError(`${field} must be a non-empty string`);
    if (raw.includes('*')) {
      throw new InvalidArgumentError(`${field}: wildcard origins are not generated; list each origin exactly (GCS and Azure do not support partial wildcards, and "*" lets any site use the rule)`);
    }
    let url: URL;
    try {
      url = new URL(raw.trim());
    } catch {
      throw new InvalidArgumentError(`${field} is not an origin; expected "https://host" or "https://host:port"`);
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new InvalidArgumentError(`${field} must use https (or http for local development)`);
    if (url.username || url.password || url.search || url.hash || (url.pathname !== '/' && url.pathname !== '')) {
      throw new InvalidArgumentError(`${field} must be an origin only (scheme, host and optional port), without path, query or credentials`);
    }
    if (!out.includes(url.origin)) out.push(url.origin);
  });
  return out;
}

export const DEFAULT_CORS_MAX_AGE_SECONDS = 3600;

export function corsMaxAge(value: number | undefined): number {
  if (value === undefined) return DEFAULT_CORS_MAX_AGE_SECONDS;
  if (!Number.isInteger(value) || value < 0 || value > 86_400) throw new InvalidArgumentError('options.corsMaxAgeSeconds must be a whole number of seconds from 0 to 86400');
  return value;
}
