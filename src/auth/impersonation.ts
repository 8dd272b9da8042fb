import { retrying, type RetryPolicy } from '../cache/backoff.js';
import { AssetLinkError, CredentialsUnavailableError } from '../errors.js';
import { callTokenService } from './gcp-http.js';
import type { FetchLike } from '../net/proxy-fetch.js';
import type { PlatformIdentity } from './gcp-platform-identity.js';

/**
 * Service-account impersonation through the IAM Credentials API, done directly rather than with
 * google-auth's `Impersonated` client: that client refreshes per instance without sharing an
 * in-flight request, so N cold callers would make N IAM calls. Here the caller (assetlink's
 * credential cache) decides when to mint, and every mint is exactly one HTTP call.
 */

export const DEFAULT_IAM_ENDPOINT = 'https://iamcredentials.googleapis.com';

export interface ImpersonationTarget {
  serviceAccount: string;
  /** Chain of service accounts the platform identity goes through, each Token Creator on the next. */
  delegates?: string[];
}

export interface ImpersonationOptions {
  iamEndpoint: string;
  identity: PlatformIdentity;
  integrationId: string;
  /** Per attempt. */
  timeoutMs: number;
  /** The caller's signal: aborts the request in flight and any further attempt. */
  signal?: AbortSignal;
  /** Through `platform.proxy` when it covers gcp; default the global fetch. */
  fetch?: FetchLike;
  /** Attempts and backoff of signing calls; default DEFAULT_RETRY (3 attempts, jittered, ≤ 2 s). */
  retry?: RetryPolicy;
}

function resourceName(email: string): string {
  return `projects/-/serviceAccounts/${email}`;
}

function methodUrl(endpoint: string, serviceAccount: string, method: 'generateAccessToken' | 'signBlob'): string {
  return `${endpoint.replace(/\/+$/, '')}/v1/projects/-/serviceAccounts/${encodeURIComponent(serviceAccount)}:${method}`;
}

/** `generateAccessToken`: an OAuth access token for the target with exactly `scope`. */
export async function generateAccessToken(
  target: ImpersonationTarget,
  request: { scope: string[]; lifetimeSeconds: number },
  options: ImpersonationOptions,
): Promise<{ token: string; expiresAt: number }> {
  const bearer = await options.identity.accessToken();
  const response = await callTokenService<{ accessToken?: string; expireTime?: string }>({
    url: methodUrl(options.iamEndpoint, target.serviceAccount, 'generateAccessToken'),
    purpose: `impersonating ${target.serviceAccount} (IAM generateAccessToken)`,
    integrationId: options.integrationId,
    timeoutMs: options.timeoutMs,
    ...(options.fetch ? { fetch: options.fetch } : {}),
    bearer,
    json: {
      ...(target.delegates?.length ? { delegates: target.delegates.map(resourceName) } : {}),
      scope: request.scope,
      lifetime: `${request.lifetimeSeconds}s`,
    },
  });
  const expiresAt = Date.parse(response.expireTime ?? '');
  if (!response.accessToken || !Number.isFinite(expiresAt)) {
    throw new CredentialsUnavailableError(`impersonating ${target.serviceAccount}: IAM answered without a token or expiry`, {
      integrationId: options.integrationId, retryable: true,
    });
  }
  return { token: response.accessToken, expiresAt };
}

/**
 * `signBlob`: an RSA-SHA256 signature of `payload` by a Google-managed key of the target. Nothing
 * caches a signature, so this call carries its own retry: the shared bounded, jittered retry
 * (cache/backoff.ts) for throttling, 5xx, resets and timeouts; a refusal (403) fails at once.
 * Each attempt is bounded by `timeoutMs`; `signal` (the caller's) stops further attempts.
 */
export async function signBlob(target: ImpersonationTarget, payload: string | Uint8Array, options: ImpersonationOptions): Promise<Buffer> {
  const body = {
    ...(target.delegates?.length ? { delegates: target.delegates.map(resourceName) } : {}),
    payload: Buffer.from(payload).toString('base64'),
  };
  return retrying(async () => {
    const bearer = await options.identity.accessToken();
    const response = await callTokenService<{ signedBlob?: string }>({
      url: methodUrl(options.iamEndpoint, target.serviceAccount, 'signBlob'),
      purpose: `signing as ${target.serviceAccount} (IAM signBlob)`,
      integrationId: options.integrationId,
      timeoutMs: options.timeoutMs,
      ...(options.fetch ? { fetch: options.fetch } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
      bearer,
      json: body,
    });
    if (!response.signedBlob) {
      throw new CredentialsUnavailableError(`signing as ${target.serviceAccount}: IAM answered without a signature`, {
        integrationId: options.integrationId, retryable: true,
      });
    }
    return Buffer.from(response.signedBlob, 'base64');
  }, {
    ...(options.retry ? { policy: options.retry } : {}),
    isRetryable: (error) => error instanceof AssetLinkError && error.retryable,
    ...(options.signal ? { signal: options.signal } : {}),
  });
}
