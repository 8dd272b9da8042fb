import { dateMs } from '../integrations/date-ms.js';
import type { Expiring } from '../cache/credential-cache.js';
import { CredentialsUnavailableError } from '../errors.js';
import type { AwsAccessKeyRefresh } from '../types.js';
import type { AwsCredentialValue } from './aws-credential-value.js';

/**
 * STS keys a customer hands over (an `access-key` integration with `sessionToken` and
 * `expiresAt`, Dataloop's "STS" integration type), optionally with a `refresh` callback that
 * fetches the next one. Expiry is checked before every use: an expired key fails here, so no
 * request carrying it ever leaves the process. With `refresh`, the credential cache treats the key
 * like any minted credential: one refresh in flight per key, ahead of expiry, and again when AWS
 * rejects the current key.
 */

/** Fails when a key with this expiry cannot be used at `now`. The message names the expiry (not the key). */
export function assertNotExpired(expiresAt: number | undefined, now: number, integrationId: string, refreshable: boolean): void {
  if (expiresAt === undefined || now < expiresAt) return;
  throw new CredentialsUnavailableError(
    `the access key of integration "${integrationId}" expired at ${new Date(expiresAt).toISOString()}; `
    + (refreshable ? 'its refresh callback has not produced a newer one' : 'give the integration a new key (updateIntegration) or a refresh callback'),
    { integrationId, retryable: false },
  );
}

/**
 * Calls `refresh` and checks what it returned. A throwing callback, or one returning anything but
 * a complete, unexpired key, is `CREDENTIALS_UNAVAILABLE` (retryable: token vending has outages).
 * Only the error's name and code are kept: a callback's message may quote a token.
 */
export async function refreshAccessKey(refresh: AwsAccessKeyRefresh, integrationId: string, now: () => number): Promise<Expiring<AwsCredentialValue>> {
  const where = `the refresh callback of integration "${integrationId}"`;
  let result: unknown;
  try {
    result = await refresh();
  } catch (error) {
    const code = typeof (error as { code?: unknown })?.code === 'string' ? ` (${(error as { code: string }).code})` : '';
    const name = error instanceof Error ? error.name : typeof error;
    throw new CredentialsUnavailableError(`${where} failed: ${name}${code}`, { integrationId, retryable: true });
  }
  const bad = (what: string): never => { throw new CredentialsUnavailableError(`${where} returned ${what}`, { integrationId, retryable: true }); };
  if (typeof result !== 'object' || result === null) return bad('no credentials (expected { accessKeyId, secretAccessKey, sessionToken?, expiresAt })');
  const r = result as Record<string, unknown>;
  if (typeof r.accessKeyId !== 'string' || r.accessKeyId === '') return bad('no accessKeyId');
  if (typeof r.secretAccessKey !== 'string' || r.secretAccessKey === '') return bad('no secretAccessKey');
  if (r.sessionToken !== undefined && (typeof r.sessionToken !== 'string' || r.sessionToken === '')) return bad('a sessionToken that is not a non-empty string');
  const expiresAt = dateMs(r.expiresAt);
  if (expiresAt === undefined) return bad('no expiresAt (a Date) with the key');
  if (expiresAt <= now()) return bad(`a key that already expired (at ${new Date(expiresAt).toISOString()})`);
  const value: AwsCredentialValue = {
    accessKeyId: r.accessKeyId,
    secretAccessKey: r.secretAccessKey,
    ...(r.sessionToken !== undefined ? { sessionToken: r.sessionToken as string } : {}),
    expiresAt,
  };
  return { value, expiresAt };
}

export { dateMs };
