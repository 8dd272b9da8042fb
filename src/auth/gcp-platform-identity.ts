import { CredentialsUnavailableError } from '../errors.js';
import { missingDependency } from '../optional-import.js';
import type { GcpPlatformOptions } from '../types.js';
import { serviceAccountKeyFor, type ServiceAccountKey } from './service-account-key.js';

/**
 * The platform's own Google identity: the one that holds Token Creator on customers' service
 * accounts. Taken from `platform.gcp.authClient`, else `platform.gcp.credentials`, else
 * Application Default Credentials (loaded lazily, only when first needed).
 */
export interface PlatformIdentity {
  /** A bearer token the IAM Credentials API accepts. */
  accessToken(): Promise<string>;
}

const CLOUD_PLATFORM = 'https://www.googleapis.com/auth/cloud-platform';
const IAM_AUDIENCE = 'https://iamcredentials.googleapis.com/';
const JWT_LIFETIME_SECONDS = 3600;
/** Mint a new self-signed JWT this long before the old one expires. */
const JWT_RENEW_MS = 5 * 60_000;

/** An agent per URL for gaxios (node-fetch takes a function): `platform.proxy`'s tunnels for gcp. */
export type GaxiosAgent = (url: { protocol?: string | null }) => import('node:http').Agent;

/** google-auth-library client options that send the client's own token requests through `agent`. */
export function transporterAgent(agent: GaxiosAgent | undefined): { transporterOptions?: { agent: import('node:http').Agent } } {
  // gaxios hands `agent` to node-fetch, which also accepts a function of the URL.
  return agent ? { transporterOptions: { agent: agent as unknown as import('node:http').Agent } } : {};
}

export function platformIdentity(options: GcpPlatformOptions | undefined, now: () => number, agent?: GaxiosAgent): PlatformIdentity {
  if (options?.authClient) return fromAuthClient(options.authClient);
  if (options?.credentials) return fromKey(serviceAccountKeyFor(options.credentials, 'platform.gcp.credentials'), now);
  return fromApplicationDefault(agent);
}

type TokenLike = { token?: string | null } | string | null | undefined;

function fromAuthClient(client: NonNullable<GcpPlatformOptions['authClient']>): PlatformIdentity {
  return {
    async accessToken() {
      let result: TokenLike;
      try {
        result = await client.getAccessToken();
      } catch (error) {
        throw unavailable('platform.gcp.authClient could not produce an access token', error, isTransient(error));
      }
      const token = typeof result === 'string' ? result : result?.token;
      if (!token) throw unavailable('platform.gcp.authClient returned no access token');
      return token;
    },
  };
}

/**
 * A self-signed JWT for the IAM Credentials audience: Google accepts these from service accounts
 * in place of an OAuth access token, so no token-endpoint round trip (and nothing to reach offline).
 */
function fromKey(key: ServiceAccountKey, now: () => number): PlatformIdentity {
  let cached: { token: string; expiresAt: number } | undefined;
  return {
    async accessToken() {
      const issuedAt = now();
      if (!cached || issuedAt >= cached.expiresAt - JWT_RENEW_MS) {
        cached = {
          token: key.selfSignedJwt({ audience: IAM_AUDIENCE, issuedAt, lifetimeSeconds: JWT_LIFETIME_SECONDS }),
          expiresAt: issuedAt + JWT_LIFETIME_SECONDS * 1000,
        };
      }
      return cached.token;
    },
  };
}

function fromApplicationDefault(agent: GaxiosAgent | undefined): PlatformIdentity {
  let auth: Promise<{ getAccessToken(): Promise<TokenLike> }> | undefined;
  return {
    async accessToken() {
      auth ??= import('google-auth-library').catch(missingDependency('google-auth-library'))
        .then(({ GoogleAuth }) => new GoogleAuth({ scopes: [CLOUD_PLATFORM], ...(agent ? { clientOptions: transporterAgent(agent) } : {}) }));
      let result: TokenLike;
      try {
        result = await (await auth).getAccessToken();
      } catch (error) {
        if ((error as { code?: string }).code === 'MISSING_DEPENDENCY') throw error;
        if (isTransient(error)) throw unavailable('Application Default Credentials could not reach their token service', error, true);
        throw unavailable(
          'no platform identity for GCP: set platform.gcp.authClient or platform.gcp.credentials, or configure Application Default Credentials',
          error,
        );
      }
      const token = typeof result === 'string' ? result : result?.token;
      if (!token) throw unavailable('Application Default Credentials produced no access token');
      return token;
    },
  };
}

function unavailable(message: string, cause?: unknown, retryable = false): CredentialsUnavailableError {
  // A missing or refused platform identity is configuration, not a passing fault: retrying will not
  // fix it. A token service that throttled, failed or could not be reached is worth another attempt.
  return new CredentialsUnavailableError(message, { retryable, ...(cause !== undefined ? { cause } : {}) });
}

const TRANSIENT_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN', 'ECONNABORTED', 'UND_ERR_SOCKET', 'UND_ERR_CONNECT_TIMEOUT']);

/** gaxios / fetch-style failures of the token endpoint behind an auth client: 408, 429, 5xx, resets, timeouts. */
function isTransient(error: unknown): boolean {
  const e = (error ?? {}) as { status?: unknown; code?: unknown; name?: unknown; response?: { status?: unknown }; cause?: { code?: unknown } };
  const status = typeof e.status === 'number' ? e.status : typeof e.response?.status === 'number' ? e.response.status : typeof e.code === 'number' ? e.code : undefined;
  if (status !== undefined) return status === 408 || status === 429 || status >= 500;
  const code = typeof e.code === 'string' ? e.code : typeof e.cause?.code === 'string' ? e.cause.code : undefined;
  return (code !== undefined && TRANSIENT_CODES.has(code)) || e.name === 'TimeoutError' || e.name === 'AbortError';
}
