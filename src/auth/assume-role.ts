import { createHash } from 'node:crypto';
import type { Expiring } from '../cache/credential-cache.js';
import { AccessDeniedError, AssetLinkError, CredentialsUnavailableError, InvalidIntegrationError } from '../errors.js';
import type { AwsCredentialValue } from './aws-credential-value.js';
import { awsErrorInfo, isRetryableAwsError } from './aws-error-info.js';

/** What AssumeRole is asked for (structurally the SDK's AssumeRoleCommandInput). */
export interface AssumeRoleRequest {
  RoleArn: string;
  RoleSessionName: string;
  ExternalId: string;
  DurationSeconds: number;
  Policy: string;
}

/** The part of AssumeRoleCommandOutput we read. */
export interface AssumeRoleResult {
  Credentials?: { AccessKeyId?: string; SecretAccessKey?: string; SessionToken?: string; Expiration?: Date };
}

/** Sends one AssumeRole call (the driver binds this to its STS client and timeout). */
export type AssumeRoleCall = (request: AssumeRoleRequest) => Promise<AssumeRoleResult>;

export const DEFAULT_SESSION_SECONDS = 3600;
const SESSION_NAME_CHARS = /[^\w+=,.@-]/g;

/**
 * A RoleSessionName that names the integration, so the customer's CloudTrail shows which
 * integration acted: `assetlink-<id>`, invalid characters replaced, at most 64 characters (a hash
 * of the full id keeps truncated names distinct).
 */
export function sessionNameFor(integrationId: string, configured?: string): string {
  if (configured) return configured;
  const name = `assetlink-${integrationId.replace(SESSION_NAME_CHARS, '-')}`;
  if (name.length <= 64) return name;
  const hash = createHash('sha256').update(integrationId).digest('hex').slice(0, 8);
  return `${name.slice(0, 55)}-${hash}`;
}

/** Calls STS AssumeRole and returns the credentials with their expiry, or a typed error. */
export async function assumeRole(call: AssumeRoleCall, request: AssumeRoleRequest, integrationId: string): Promise<Expiring<AwsCredentialValue>> {
  let result: AssumeRoleResult;
  try {
    result = await call(request);
  } catch (error) {
    throw stsError(error, request, integrationId);
  }
  const c = result.Credentials;
  if (!c?.AccessKeyId || !c.SecretAccessKey || !c.SessionToken || !(c.Expiration instanceof Date)) {
    throw new CredentialsUnavailableError(`STS answered AssumeRole for integration "${integrationId}" without complete credentials`, { integrationId, retryable: true });
  }
  const expiresAt = c.Expiration.getTime();
  return {
    value: { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken, expiresAt },
    expiresAt,
  };
}

/**
 * STS failures, typed. The ExternalId is never echoed: customers treat it as a shared secret.
 * The platform's own identity is never used as a fallback — an integration whose role cannot be
 * assumed fails.
 */
export function stsError(error: unknown, request: AssumeRoleRequest, integrationId: string): AssetLinkError {
  if (error instanceof AssetLinkError) return error;
  const { code, status } = awsErrorInfo(error);
  const options = { integrationId, cause: error };
  switch (code) {
    case 'AccessDenied':
      return new AccessDeniedError(
        `AssumeRole into ${request.RoleArn} was denied for integration "${integrationId}": the role's trust policy must name the platform's principal `
        + 'and require exactly the ExternalId this integration was created with (sts:ExternalId)', options);
    case 'MalformedPolicyDocument':
    case 'PackedPolicyTooLarge':
      return new InvalidIntegrationError('scope.prefix', `STS refused the session policy derived from the scope (${code}); use a shorter or simpler prefix`, options);
    case 'ValidationError':
      return new InvalidIntegrationError('auth', `STS refused the AssumeRole parameters (check auth.durationSeconds against the role's MaxSessionDuration): ${messageOf(error)}`, options);
    case 'RegionDisabledException':
      return new CredentialsUnavailableError(`STS is not activated in the platform's region for integration "${integrationId}"`, options);
    case 'InvalidClientTokenId':
    case 'SignatureDoesNotMatch':
    case 'ExpiredToken':
    case 'ExpiredTokenException':
    case 'IncompleteSignature':
    case 'MissingAuthenticationToken':
    case 'CredentialsProviderError':
      return new CredentialsUnavailableError(`the platform's own AWS identity was not accepted by STS (${code}); check platform.aws.credentials or the default credential chain`, options);
    default:
      break;
  }
  const retryable = isRetryableAwsError(error);
  return new CredentialsUnavailableError(
    `could not assume ${request.RoleArn} for integration "${integrationId}": ${retryable ? 'STS is unavailable or throttling' : 'STS error'} (${code ?? `HTTP ${status ?? '?'}`})`,
    { ...options, retryable },
  );
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message.slice(0, 300) : String(error);
}
