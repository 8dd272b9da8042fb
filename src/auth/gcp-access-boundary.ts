import { CredentialsUnavailableError } from '../errors.js';
import type { Mode } from '../types.js';
import { callTokenService } from './gcp-http.js';
import type { FetchLike } from '../net/proxy-fetch.js';

/**
 * Credential Access Boundaries: an impersonated token is exchanged at STS for one that GCS will
 * only honour inside the integration's bucket and prefix, and only with object-viewer permissions
 * for read-only integrations. IAM on the customer's side still applies on top: the boundary can
 * only narrow what the service account was granted, never widen it.
 */

export interface AccessBoundaryRule {
  availableResource: string;
  availablePermissions: string[];
  availabilityCondition?: { title: string; expression: string };
}

export const DEFAULT_STS_ENDPOINT = 'https://sts.googleapis.com';

/** Roles the boundary allows: Object Viewer (get, list) or Object Admin (the widest object role; IAM narrows it). */
export function boundaryRole(mode: Mode): string {
  return mode === 'read-write' ? 'roles/storage.objectAdmin' : 'roles/storage.objectViewer';
}

/** CEL string literal in single quotes. */
function celString(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/**
 * One rule for the bucket; with a prefix, a condition that admits objects under `prefix/` and
 * listings whose prefix starts with `prefix/` (listing is a bucket-level call, so `resource.name`
 * alone would refuse it). Segment-aware like assetlink's own scope check.
 */
export function accessBoundaryFor(scope: { bucket: string; prefix?: string }, mode: Mode): AccessBoundaryRule[] {
  const rule: AccessBoundaryRule = {
    availableResource: `//storage.googleapis.com/projects/_/buckets/${scope.bucket}`,
    availablePermissions: [`inRole:${boundaryRole(mode)}`],
  };
  const prefix = (scope.prefix ?? '').replace(/\/+$/, '');
  if (prefix) {
    const objects = `projects/_/buckets/${scope.bucket}/objects/${prefix}/`;
    rule.availabilityCondition = {
      title: `assetlink: ${scope.bucket}/${prefix}/`,
      expression: [
        `resource.name.startsWith(${celString(objects)})`,
        `api.getAttribute('storage.googleapis.com/objectListPrefix', '').startsWith(${celString(`${prefix}/`)})`,
      ].join(' || '),
    };
  }
  return [rule];
}

/** A short description of the boundary for cache keys and audit events (no token material). */
export function describeBoundary(scope: { bucket: string; prefix?: string }, mode: Mode): string {
  return `cab:${boundaryRole(mode)}@${scope.bucket}/${scope.prefix ?? ''}`;
}

export interface DownscopeRequest {
  stsEndpoint: string;
  token: string;
  tokenExpiresAt: number;
  rules: AccessBoundaryRule[];
  integrationId: string;
  timeoutMs: number;
  now: number;
  /** Through `platform.proxy` when it covers gcp; default the global fetch. */
  fetch?: FetchLike;
}

/** STS token exchange (RFC 8693) with `options.accessBoundary`. The result expires no later than its source. */
export async function downscopeToken(request: DownscopeRequest): Promise<{ token: string; expiresAt: number }> {
  const response = await callTokenService<{ access_token?: string; expires_in?: number }>({
    url: `${request.stsEndpoint.replace(/\/+$/, '')}/v1/token`,
    purpose: 'downscoping the token with a credential access boundary (STS)',
    integrationId: request.integrationId,
    timeoutMs: request.timeoutMs,
    ...(request.fetch ? { fetch: request.fetch } : {}),
    form: {
      grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange',
      subject_token_type: 'urn:ietf:params:oauth:token-type:access_token',
      requested_token_type: 'urn:ietf:params:oauth:token-type:access_token',
      subject_token: request.token,
      options: JSON.stringify({ accessBoundary: { accessBoundaryRules: request.rules } }),
    },
  });
  if (!response.access_token) {
    throw new CredentialsUnavailableError('downscoping the token: STS answered without an access_token', { integrationId: request.integrationId, retryable: true });
  }
  const stsExpiry = typeof response.expires_in === 'number' ? request.now + response.expires_in * 1000 : Infinity;
  return { token: response.access_token, expiresAt: Math.min(request.tokenExpiresAt, stsExpiry) };
}
