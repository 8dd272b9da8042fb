import { createHash } from 'node:crypto';
import { assumeRole, sessionNameFor, type AssumeRoleRequest } from '../../auth/assume-role.js';
import { isSecretCallback, readSecret } from '../../auth/secret-value.js';
import { buildSessionPolicy, MAX_SESSION_POLICY_LENGTH } from '../../auth/session-policy.js';
import { AccessDeniedError, AssetLinkError, CredentialsUnavailableError, InvalidArgumentError, InvalidTtlError, VendUnsupportedError } from '../../errors.js';
import type { AwsIntegration, AwsPlatformOptions } from '../../types.js';
import { s3BucketKind } from '../../uri/aws-names.js';
import { awsVended, type AwsVendedCredentials, type DriverVendRequest } from '../../vend/credentials.js';
import type { ObjectTarget } from '../driver.js';
import type { AwsCredentialSource } from './credentials.js';
import { partitionOf } from './credentials.js';
import { awsErrorInfo, isRetryableAwsError } from './errors.js';
import { loadSts } from './sdk.js';

/**
 * AWS vending (docs/vending.md). The credentials are confined by an IAM policy that names only the
 * vended prefix (and, read-only, no write action), evaluated by AWS on top of what the customer
 * granted — so they can never do more than both allow:
 * - assume-role: AssumeRole into the customer's role with that policy as the session policy;
 * - access-key holding an IAM user's long-term keys: GetFederationToken signed by those keys, with
 *   that policy (a federated session gets the intersection of the user's permissions and it);
 * - access-key holding temporary keys (a session token, an ASIA… key id): GetFederationToken
 *   refuses session credentials and nothing else can narrow them → VEND_UNSUPPORTED;
 * - cross-account: the platform's own identity is never handed out → VEND_UNSUPPORTED.
 */

type AwsConfig = Omit<AwsIntegration, 'mode'> & { mode: 'read-only' | 'read-write' };

export interface AwsVendDeps {
  credentials: AwsCredentialSource;
  platform: AwsPlatformOptions;
  now(): number;
  requestTimeoutMs: number;
  /** The bucket's region, as the driver resolves it for every request. */
  region(): Promise<string>;
}

/** STS's bounds: both calls issue at least 15 minutes; AssumeRole at most 12 h, GetFederationToken 36 h. */
export const MIN_STS_SECONDS = 900;
export const MAX_ASSUME_ROLE_SECONDS = 43_200;
export const MAX_FEDERATION_SECONDS = 129_600;

const NAME_CHARS = /[^\w+=,.@-]/g;

/** GetFederationToken `Name`: 2–32 of `[\w+=,.@-]`, naming the integration in the customer's CloudTrail. */
export function federatedUserName(integrationId: string): string {
  const name = `al-${integrationId.replace(NAME_CHARS, '-')}`;
  if (name.length <= 32) return name;
  return `${name.slice(0, 23)}-${createHash('sha256').update(integrationId).digest('hex').slice(0, 8)}`;
}

/** Temporary AWS keys: a session token, or an access key id of the `ASIA` kind. */
export function temporaryKeys(auth: { accessKeyId: string; sessionToken?: string }): boolean {
  return auth.sessionToken !== undefined || auth.accessKeyId.startsWith('ASIA');
}

function lifetime(request: DriverVendRequest, max: number, what: string, integrationId: string): number {
  if (request.ttlSeconds < MIN_STS_SECONDS) {
    throw new InvalidTtlError(
      `AWS STS issues credentials for at least ${MIN_STS_SECONDS} seconds, so a ${request.ttlSeconds}s vend cannot be honoured; ask for ≥ ${MIN_STS_SECONDS}s, or hand the worker presigned URLs (presignMany) for shorter access`,
      { integrationId },
    );
  }
  if (request.ttlSeconds <= max) return request.ttlSeconds;
  if (request.clamp) return max;
  throw new InvalidTtlError(`TTL ${request.ttlSeconds}s exceeds the ${max}s maximum of ${what}; ask for less or pass { clamp: true }`, { integrationId });
}

export async function vendAws(deps: AwsVendDeps, config: AwsConfig, target: ObjectTarget, request: DriverVendRequest): Promise<AwsVendedCredentials> {
  const { auth } = config;
  const bucket = target.location.bucket;
  const where = { integrationId: config.id, uri: target.location.uri };
  if (auth.kind === 'cross-account') {
    throw new VendUnsupportedError(
      `integration "${config.id}" reaches the bucket with the platform's own identity (cross-account), which is never vended; use an assume-role integration, or hand the worker presigned URLs (presignMany)`,
      where,
    );
  }
  if (auth.kind !== 'assume-role' && auth.kind !== 'access-key') {
    throw new VendUnsupportedError(`integration "${config.id}" (auth ${String((auth as { kind: unknown }).kind)}) has no credentials that can be narrowed and vended`, where);
  }
  if (s3BucketKind(bucket) === 'directory' && request.prefix !== '') {
    throw new VendUnsupportedError(
      `${target.location.uri}: S3 Express sessions of a directory bucket cover the whole bucket, so credentials cannot be confined to a prefix; vend the whole bucket (through an integration scoped to it) or use presigned URLs`,
      where,
    );
  }
  const policy = JSON.stringify(buildSessionPolicy({
    bucket,
    prefix: request.prefix,
    mode: request.mode,
    partition: partitionOf(config),
    ...(config.scope.accessPointArn !== undefined ? { accessPointArn: config.scope.accessPointArn } : {}),
    ...(config.scope.accountId !== undefined ? { accountId: config.scope.accountId } : {}),
  }));
  if (policy.length > MAX_SESSION_POLICY_LENGTH) {
    throw new InvalidArgumentError(`the prefix of ${target.location.uri} is too long: the policy confining credentials to it would exceed AWS's ${MAX_SESSION_POLICY_LENGTH}-character limit`, where);
  }

  let issued: { accessKeyId: string; secretAccessKey: string; sessionToken: string; expiresAt: number };
  if (auth.kind === 'assume-role') {
    const duration = lifetime(request, MAX_ASSUME_ROLE_SECONDS, 'an AssumeRole session', config.id);
    const input: AssumeRoleRequest = {
      RoleArn: auth.roleArn,
      RoleSessionName: sessionNameFor(config.id, auth.sessionName),
      ExternalId: auth.externalId,
      DurationSeconds: duration,
      Policy: policy,
    };
    const sts = await deps.credentials.platformSts(config);
    const { AssumeRoleCommand } = await loadSts();
    const signal = abortAfter(deps.requestTimeoutMs, request.signal);
    const minted = await assumeRole(async (i) => {
      try {
        return await sts.send(new AssumeRoleCommand(i), { abortSignal: signal });
      } catch (error) {
        throw durationRefused(error, request.ttlSeconds, config.id) ?? error;
      }
    }, input, config.id);
    issued = { ...minted.value, sessionToken: minted.value.sessionToken ?? '', expiresAt: minted.expiresAt };
  } else {
    if (temporaryKeys(auth) || 'refresh' in auth || 'expiresAt' in auth) {
      throw new VendUnsupportedError(
        `integration "${config.id}" holds temporary AWS keys, which GetFederationToken cannot narrow; vending them would hand out all of their access. Give it an IAM user's long-term keys, use an assume-role integration, or hand the worker presigned URLs (presignMany)`,
        where,
      );
    }
    const duration = lifetime(request, MAX_FEDERATION_SECONDS, 'a GetFederationToken session', config.id);
    const secretAccessKey = isSecretCallback(auth.secretAccessKey)
      ? await readSecret(auth.secretAccessKey, 'auth.secretAccessKey', { integrationId: config.id, describe: `integration "${config.id}"` })
      : auth.secretAccessKey;
    const { STSClient, GetFederationTokenCommand } = await loadSts();
    const sts = new STSClient({
      ...(await deps.credentials.stsLocationFor(config)),
      credentials: { accessKeyId: auth.accessKeyId, secretAccessKey },
      maxAttempts: 2,
    });
    try {
      const out = await sts.send(
        new GetFederationTokenCommand({ Name: federatedUserName(config.id), Policy: policy, DurationSeconds: duration }),
        { abortSignal: abortAfter(deps.requestTimeoutMs, request.signal) },
      );
      const c = out.Credentials;
      if (!c?.AccessKeyId || !c.SecretAccessKey || !c.SessionToken || !(c.Expiration instanceof Date)) {
        throw new CredentialsUnavailableError(`STS answered GetFederationToken for integration "${config.id}" without complete credentials`, { integrationId: config.id, retryable: true });
      }
      issued = { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken, expiresAt: c.Expiration.getTime() };
    } catch (error) {
      throw federationError(error, request.ttlSeconds, config.id);
    } finally {
      sts.destroy();
    }
  }

  // Never longer than asked, whatever STS answered.
  const expiresAt = Math.min(issued.expiresAt, deps.now() + request.ttlSeconds * 1000);
  return awsVended({
    accessKeyId: issued.accessKeyId,
    secretAccessKey: issued.secretAccessKey,
    sessionToken: issued.sessionToken,
    region: await deps.region(),
    bucket,
    prefix: request.prefix,
    mode: request.mode,
    expiresAt: new Date(expiresAt),
    integrationId: config.id,
    ...(deps.platform.endpoint !== undefined ? { endpoint: deps.platform.endpoint } : {}),
  });
}

function abortAfter(ms: number, signal: AbortSignal | undefined): AbortSignal {
  const timeout = AbortSignal.timeout(ms);
  return signal ? AbortSignal.any([timeout, signal]) : timeout;
}

/** STS ValidationError about the duration: the role's MaxSessionDuration is shorter than the TTL asked. */
function durationRefused(error: unknown, ttl: number, integrationId: string): AssetLinkError | undefined {
  const { code } = awsErrorInfo(error);
  const message = error instanceof Error ? error.message : '';
  if (code !== 'ValidationError' || !/duration/i.test(message)) return undefined;
  return new InvalidTtlError(`STS refused a ${ttl}s session: it exceeds the MaxSessionDuration of the customer's role; ask for less`, { integrationId, cause: error });
}

function federationError(error: unknown, ttl: number, integrationId: string): AssetLinkError {
  if (error instanceof AssetLinkError) return error;
  const duration = durationRefused(error, ttl, integrationId);
  if (duration) return duration;
  const { code } = awsErrorInfo(error);
  const options = { integrationId, cause: error };
  switch (code) {
    case 'AccessDenied':
      return new AccessDeniedError(`GetFederationToken was denied for integration "${integrationId}": the IAM user of its access key needs sts:GetFederationToken (and must not be the root user)`, options);
    case 'InvalidClientTokenId':
    case 'SignatureDoesNotMatch':
    case 'ExpiredToken':
      return new AccessDeniedError(`AWS refused the access key of integration "${integrationId}" (${code})`, options);
    case 'MalformedPolicyDocument':
    case 'PackedPolicyTooLarge':
      return new InvalidArgumentError(`STS refused the policy that confines the vended credentials (${code}); vend a shorter or simpler prefix`, options);
    default: {
      const retryable = isRetryableAwsError(error);
      return new CredentialsUnavailableError(
        `GetFederationToken failed for integration "${integrationId}": ${retryable ? 'STS is unavailable or throttling' : 'STS error'} (${code ?? 'no code'})`,
        { ...options, retryable },
      );
    }
  }
}
