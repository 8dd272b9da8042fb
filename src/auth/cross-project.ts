import { CredentialsUnavailableError } from '../errors.js';
import { missingDependency } from '../optional-import.js';
import type { GcpPlatformOptions, Mode } from '../types.js';
import { accessBoundaryFor, DEFAULT_STS_ENDPOINT, downscopeToken } from './gcp-access-boundary.js';
import { platformIdentity, transporterAgent, type GaxiosAgent, type PlatformIdentity } from './gcp-platform-identity.js';
import type { FetchLike } from '../net/proxy-fetch.js';

/**
 * GCP `cross-project`: the customer grants the platform's own service account an object role on
 * the bucket (the GCP twin of AWS `cross-account`). The platform identity reaches every customer
 * that granted it, so its token is never used as it is: every token is first exchanged at STS for
 * one bounded by a Credential Access Boundary to the integration's bucket, prefix and mode — the
 * `credentialAccessBoundary: false` platform option does not apply here. If STS fails, the
 * operation fails; there is no unbounded fallback.
 *
 * Presigned URLs are refused (PRESIGN_UNSUPPORTED): a V4 signature would be made with the
 * platform service account's own key (IAM signBlob), which no boundary narrows.
 */

const CLOUD_PLATFORM = 'https://www.googleapis.com/auth/cloud-platform';
/** When neither the source token nor STS says how long a token lives, assume no longer than this. */
const ASSUMED_LIFETIME_MS = 55 * 60_000;

/**
 * A Google-issued OAuth access token of the platform identity: STS downscopes only those (a
 * self-signed JWT, which is what `platformIdentity` makes from a key for the IAM API, is not one).
 * `authClient` and ADC give one already; a service-account key goes through google-auth-library's
 * JWT client (an OAuth token request to Google), loaded only when needed.
 */
export function platformSourceToken(options: GcpPlatformOptions | undefined, now: () => number, agent?: GaxiosAgent): PlatformIdentity {
  const key = options?.authClient ? undefined : options?.credentials;
  if (!key) return platformIdentity(options, now, agent);
  let client: Promise<{ getAccessToken(): Promise<{ token?: string | null }> }> | undefined;
  return {
    async accessToken() {
      client ??= import('google-auth-library').catch(missingDependency('google-auth-library'))
        .then(({ JWT }) => new JWT({ email: key.client_email, key: key.private_key, scopes: [CLOUD_PLATFORM], ...transporterAgent(agent) }));
      client.catch(() => { client = undefined; });
      let token: string | null | undefined;
      try {
        token = (await (await client).getAccessToken()).token;
      } catch (error) {
        if ((error as { code?: string }).code === 'MISSING_DEPENDENCY') throw error;
        throw new CredentialsUnavailableError('the platform identity (platform.gcp.credentials) could not obtain an OAuth access token', { retryable: true, cause: error });
      }
      if (!token) throw new CredentialsUnavailableError('the platform identity (platform.gcp.credentials) obtained no OAuth access token', { retryable: true });
      return token;
    },
  };
}

export interface CrossProjectRequest {
  identity: PlatformIdentity;
  scope: { bucket: string; prefix?: string };
  mode: Mode;
  stsEndpoint?: string;
  integrationId: string;
  timeoutMs: number;
  now: number;
  /** Through `platform.proxy` when it covers gcp; default the global fetch. */
  fetch?: FetchLike;
}

/** The platform's token, bounded to the integration's bucket, prefix and mode by STS. */
export async function crossProjectToken(request: CrossProjectRequest): Promise<{ token: string; expiresAt: number }> {
  const source = await request.identity.accessToken();
  const downscoped = await downscopeToken({
    stsEndpoint: request.stsEndpoint ?? DEFAULT_STS_ENDPOINT,
    token: source,
    // The platform token's own expiry is not known here; STS answers with the lifetime it has left.
    tokenExpiresAt: Number.POSITIVE_INFINITY,
    rules: accessBoundaryFor(request.scope, request.mode),
    integrationId: request.integrationId,
    timeoutMs: request.timeoutMs,
    now: request.now,
    ...(request.fetch ? { fetch: request.fetch } : {}),
  });
  const expiresAt = Number.isFinite(downscoped.expiresAt) ? downscoped.expiresAt : request.now + ASSUMED_LIFETIME_MS;
  return { token: downscoped.token, expiresAt };
}
