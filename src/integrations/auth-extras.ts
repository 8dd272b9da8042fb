import { InvalidIntegrationError } from '../errors.js';
import type { AwsAccessKeyRefresh, Mode } from '../types.js';
import { dateMs } from './date-ms.js';

/**
 * Validation of the auth kinds added with the seeds' remaining setups (anonymous, GCP
 * cross-project, STS keys with expiry and refresh), kept apart from validate.ts so the provider
 * switch there only gains one line per kind.
 */

type Dict = Record<string, unknown>;
const fail = (field: string, message: string): never => { throw new InvalidIntegrationError(field, message); };

/** `{ kind: 'anonymous' }`: nothing else, and never read-write (a public bucket cannot be written anonymously, and must not be tried). */
export function anonymousAuth(mode: Mode): { kind: 'anonymous' } {
  if (mode !== 'read-only') fail('mode', 'must be "read-only" with auth kind "anonymous": unsigned requests can only read public objects, and assetlink never writes without an identity');
  return { kind: 'anonymous' };
}

/**
 * `expiresAt` (a valid Date; in the past only together with `refresh`, which then fetches the
 * first usable key) and `refresh` (a function) of an `access-key` auth block. The Date is copied:
 * the caller's object may change later, the registered integration must not.
 */
export function temporaryKeyFields(a: Dict, now: number): { expiresAt?: Date; refresh?: AwsAccessKeyRefresh } {
  const out: { expiresAt?: Date; refresh?: AwsAccessKeyRefresh } = {};
  if (a.refresh !== undefined) {
    if (typeof a.refresh !== 'function') fail('auth.refresh', 'must be a function returning a Promise of { accessKeyId, secretAccessKey, sessionToken?, expiresAt }');
    out.refresh = a.refresh as AwsAccessKeyRefresh;
  }
  if (a.expiresAt !== undefined) {
    const ms = dateMs(a.expiresAt);
    if (ms === undefined) fail('auth.expiresAt', 'must be a valid Date (in JSON config: an ISO 8601 string such as "2030-01-01T00:00:00Z")');
    if (ms! <= now && out.refresh === undefined) {
      fail('auth.expiresAt', `is in the past (${new Date(ms!).toISOString()}): the key has expired; give a current key, or a refresh callback that fetches one`);
    }
    out.expiresAt = new Date(ms!);
  }
  if (a.sessionToken === undefined && a.expiresAt === undefined && out.refresh !== undefined) {
    // Long-term keys do not expire; a refresh callback only makes sense for temporary ones.
    fail('auth.refresh', 'needs auth.expiresAt (or auth.sessionToken): only temporary keys are refreshed');
  }
  return out;
}
