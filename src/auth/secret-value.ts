import { randomUUID } from 'node:crypto';
import { CredentialsUnavailableError } from '../errors.js';
import type { SecretValue } from '../types.js';

/**
 * Secret fields (`secretAccessKey`, `clientSecret`, `private_key`) hold the value or a callback
 * that fetches it from the platform's vault. Callbacks are called here only, and only when
 * credentials are minted: callers keep what they mint in the credential cache, so a callback runs
 * once per minted credential, not once per operation.
 */

export function isSecretCallback(value: SecretValue): value is () => Promise<string> {
  return typeof value === 'function';
}

/**
 * The secret's value. A callback that throws, or returns anything but a non-empty string, is
 * `CREDENTIALS_UNAVAILABLE` (retryable: vaults have outages). Its value is never part of an error.
 */
export async function readSecret(value: SecretValue, field: string, owner: { integrationId?: string; describe: string }): Promise<string> {
  if (!isSecretCallback(value)) return value;
  const options = owner.integrationId !== undefined ? { integrationId: owner.integrationId } : {};
  let secret: unknown;
  try {
    secret = await value();
  } catch (error) {
    // Only the error's name and code: a vault client's message may quote a token or the secret's path.
    const code = typeof (error as { code?: unknown })?.code === 'string' ? ` (${(error as { code: string }).code})` : '';
    const name = error instanceof Error ? error.name : typeof error;
    throw new CredentialsUnavailableError(`the callback for ${field} of ${owner.describe} failed: ${name}${code}`, { ...options, retryable: true });
  }
  if (typeof secret !== 'string' || secret.length === 0) {
    throw new CredentialsUnavailableError(`the callback for ${field} of ${owner.describe} returned no secret (expected a non-empty string)`, { ...options, retryable: true });
  }
  return secret;
}

const identities = new WeakMap<object, string>();

/** A random identity per callback, for cache keys (a callback has no value to hash before it is called). */
export function functionIdentity(fn: () => unknown): string {
  let id = identities.get(fn);
  if (!id) { id = `fn:${randomUUID()}`; identities.set(fn, id); }
  return id;
}
