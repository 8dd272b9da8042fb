import { accessBoundaryFor, DEFAULT_STS_ENDPOINT, downscopeToken } from '../../auth/gcp-access-boundary.js';
import { generateAccessToken } from '../../auth/impersonation.js';
import { InvalidTtlError, VendUnsupportedError } from '../../errors.js';
import type { GcpPlatformOptions } from '../../types.js';
import { gcpVended, type DriverVendRequest, type GcpVendedCredentials } from '../../vend/credentials.js';
import type { ObjectTarget } from '../driver.js';
import { STORAGE_SCOPES, type GcpCredentials, type GcpRegistered } from './credentials.js';

/**
 * GCP vending (docs/vending.md): a fresh token of the impersonated service account, living the
 * TTL asked, exchanged at STS for a downscoped token whose Credential Access Boundary admits only
 * the vended prefix of the bucket (Object Viewer for read-only, Object Admin narrowed by the
 * customer's IAM for read-write). Only a token GCS evaluates a boundary on can be vended:
 * service-account-key integrations (self-signed JWTs, which STS does not downscope) and platforms
 * that turned boundaries off are refused rather than handed a token for the whole bucket.
 */

export interface GcpVendDeps {
  credentials: GcpCredentials;
  platform: GcpPlatformOptions;
  now(): number;
  requestTimeoutMs: number;
}

/** generateAccessToken's limit without the org policy that extends it. */
const DEFAULT_MAX_LIFETIME_SECONDS = 3600;

export async function vendGcp(deps: GcpVendDeps, integration: GcpRegistered, target: ObjectTarget, request: DriverVendRequest): Promise<GcpVendedCredentials> {
  const { auth } = integration.config;
  const where = { integrationId: integration.id, uri: target.location.uri };
  if (auth.kind !== 'impersonation') {
    throw new VendUnsupportedError(
      `integration "${integration.id}" (auth ${auth.kind}) signs its own tokens, which Google STS cannot confine to a prefix with a credential access boundary; use an impersonation integration, or hand the worker presigned URLs (presignMany)`,
      where,
    );
  }
  if (deps.platform.credentialAccessBoundary === false) {
    throw new VendUnsupportedError('platform.gcp.credentialAccessBoundary is false: without a boundary a vended token would reach the whole bucket', where);
  }
  const max = Math.max(DEFAULT_MAX_LIFETIME_SECONDS, deps.platform.tokenLifetimeSeconds ?? 0);
  let lifetime = request.ttlSeconds;
  if (lifetime > max) {
    if (!request.clamp) throw new InvalidTtlError(`TTL ${request.ttlSeconds}s exceeds the ${max}s maximum of a service account access token; ask for less or pass { clamp: true }`, where);
    lifetime = max;
  }
  const bucket = target.location.bucket;
  const issuedAt = deps.now();
  // The same options carry `platform.proxy`'s fetch to the STS exchange below.
  const impersonation = deps.credentials.impersonation(integration);
  const minted = await generateAccessToken(
    { serviceAccount: auth.serviceAccount, ...(auth.delegates ? { delegates: auth.delegates } : {}) },
    { scope: [STORAGE_SCOPES[request.mode]], lifetimeSeconds: lifetime },
    impersonation,
  );
  const downscoped = await downscopeToken({
    stsEndpoint: deps.platform.stsEndpoint ?? DEFAULT_STS_ENDPOINT,
    token: minted.token,
    tokenExpiresAt: minted.expiresAt,
    rules: accessBoundaryFor({ bucket, prefix: request.prefix }, request.mode),
    integrationId: integration.id,
    timeoutMs: deps.requestTimeoutMs,
    now: deps.now(),
    ...(impersonation.fetch ? { fetch: impersonation.fetch } : {}),
  });
  return gcpVended({
    accessToken: downscoped.token,
    bucket,
    prefix: request.prefix,
    mode: request.mode,
    // Never longer than asked, whatever IAM answered.
    expiresAt: new Date(Math.min(downscoped.expiresAt, issuedAt + request.ttlSeconds * 1000)),
    integrationId: integration.id,
  });
}
