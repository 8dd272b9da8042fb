import { createHash } from 'node:crypto';
import type { STSClient } from '@aws-sdk/client-sts';
import { assumeRole, DEFAULT_SESSION_SECONDS, sessionNameFor, type AssumeRoleRequest } from '../../auth/assume-role.js';
import { accessKeyCredentials } from '../../auth/access-key.js';
import { platformIdentity, type PlatformIdentity } from '../../auth/cross-account.js';
import { buildSessionPolicy, MAX_SESSION_POLICY_LENGTH, partitionForRegion, type AwsPartition } from '../../auth/session-policy.js';
import { AccessDeniedError, CredentialsUnavailableError, InvalidIntegrationError } from '../../errors.js';
import type { AwsIntegration, AwsPlatformOptions } from '../../types.js';
import type { DriverContext } from '../driver.js';
import { loadSts } from './sdk.js';
import { awsErrorInfo, isRetryableAwsError } from './errors.js';
import { resolvePlatformRegion } from './platform-region.js';
import { toIdentity, type AwsCredentialValue } from './types.js';

type AwsConfig = Omit<AwsIntegration, 'mode'> & { mode: 'read-only' | 'read-write' };

/** Partition of the role (and so of the customer's bucket). */
export function partitionOf(config: AwsConfig): AwsPartition {
  if (config.auth.kind === 'assume-role') {
    const m = /^arn:(aws(?:-cn|-us-gov)?):/.exec(config.auth.roleArn);
    if (m) return m[1] as AwsPartition;
  }
  return partitionForRegion(config.scope.region);
}

const fingerprint = (...parts: string[]): string => createHash('sha256').update(parts.join('\n')).digest('hex').slice(0, 16);

/** The AssumeRole request of an integration, session policy included. */
export function assumeRoleRequest(config: AwsConfig): AssumeRoleRequest {
  if (config.auth.kind !== 'assume-role') throw new TypeError('not an assume-role integration');
  const policy = JSON.stringify(buildSessionPolicy({
    bucket: config.scope.bucket,
    ...(config.scope.prefix !== undefined ? { prefix: config.scope.prefix } : {}),
    mode: config.mode,
    partition: partitionOf(config),
  }));
  if (policy.length > MAX_SESSION_POLICY_LENGTH) {
    throw new InvalidIntegrationError('scope.prefix', `is too long: the session policy that confines the credentials to it would exceed AWS's ${MAX_SESSION_POLICY_LENGTH}-character limit`, { integrationId: config.id });
  }
  return {
    RoleArn: config.auth.roleArn,
    RoleSessionName: sessionNameFor(config.id, config.auth.sessionName),
    ExternalId: config.auth.externalId,
    DurationSeconds: config.auth.durationSeconds ?? DEFAULT_SESSION_SECONDS,
    Policy: policy,
  };
}

/**
 * Hands out the credentials each auth strategy yields. Assume-role credentials live in the shared
 * credential cache, keyed by integration id and the exact downscoped scope (plus a fingerprint of
 * the role settings, so an integration re-registered with another role never reuses old keys).
 */
export class AwsCredentialSource {
  readonly #ctx: DriverContext;
  readonly #platform: AwsPlatformOptions;
  readonly #identity: PlatformIdentity;
  #sts: Promise<STSClient> | undefined;
  #region: Promise<string> | undefined;

  constructor(ctx: DriverContext, platform: AwsPlatformOptions) {
    this.#ctx = ctx;
    this.#platform = platform;
    this.#identity = platformIdentity(platform, ctx.now);
  }

  /** Identifies the credentials an integration uses (its SDK clients are pooled under it). */
  credentialKey(config: AwsConfig): string {
    const { auth, scope } = config;
    switch (auth.kind) {
      case 'assume-role': {
        const request = assumeRoleRequest(config);
        const roleFingerprint = fingerprint(request.RoleArn, request.ExternalId, request.RoleSessionName, String(request.DurationSeconds), request.Policy);
        return `${config.id}|aws|assume-role|${scope.bucket}|${scope.prefix ?? ''}|${config.mode}|${roleFingerprint}`;
      }
      case 'access-key':
        return `${config.id}|aws|access-key|${fingerprint(auth.accessKeyId, auth.secretAccessKey, auth.sessionToken ?? '')}`;
      case 'cross-account':
        return 'platform|aws';
    }
  }

  async get(config: AwsConfig): Promise<AwsCredentialValue> {
    const { auth } = config;
    switch (auth.kind) {
      case 'access-key': return accessKeyCredentials(auth);
      case 'cross-account': return this.#identity();
      case 'assume-role': {
        const request = assumeRoleRequest(config);
        const key = this.credentialKey(config);
        const scope = `s3://${config.scope.bucket}/${config.scope.prefix ? `${config.scope.prefix}/` : ''} ${config.mode}`;
        return this.#ctx.cache.get<AwsCredentialValue>(key, { integrationId: config.id, scope }, async () => {
          const sts = await this.#stsClient();
          const { AssumeRoleCommand } = await loadSts();
          return assumeRole(
            (input) => sts.send(new AssumeRoleCommand(input), { abortSignal: AbortSignal.timeout(this.#ctx.requestTimeoutMs) }),
            request,
            config.id,
          );
        });
      }
    }
  }

  /**
   * Proves the integration's credentials work without touching an object: AssumeRole for
   * assume-role (that call is the check), STS GetCallerIdentity (needs no permission) otherwise.
   */
  async check(config: AwsConfig): Promise<{ detail: string; expiresAt?: Date }> {
    const credentials = await this.get(config);
    const expiresAt = credentials.expiresAt !== undefined ? { expiresAt: new Date(credentials.expiresAt) } : {};
    if (config.auth.kind === 'assume-role') {
      const request = assumeRoleRequest(config);
      const where = `s3://${config.scope.bucket}/${config.scope.prefix ? `${config.scope.prefix}/` : ''}`;
      return { detail: `assumed ${request.RoleArn} as session ${request.RoleSessionName}, downscoped to ${where} (${config.mode})`, ...expiresAt };
    }
    const { STSClient, GetCallerIdentityCommand } = await loadSts();
    const sts = new STSClient({
      ...(await this.#stsLocation()),
      credentials: toIdentity(credentials),
      maxAttempts: 1,
      requestHandler: { connectionTimeout: this.#ctx.requestTimeoutMs, socketTimeout: this.#ctx.requestTimeoutMs, requestTimeout: this.#ctx.requestTimeoutMs, throwOnRequestTimeout: true },
    });
    try {
      const who = await sts.send(new GetCallerIdentityCommand({}), { abortSignal: AbortSignal.timeout(this.#ctx.requestTimeoutMs) });
      const whose = config.auth.kind === 'access-key' ? "the integration's access key" : 'the platform identity (granted by the bucket policy)';
      return { detail: `${whose} is ${who.Arn ?? 'valid'}`, ...expiresAt };
    } catch (error) {
      const { code } = awsErrorInfo(error);
      if (code === 'InvalidClientTokenId' || code === 'SignatureDoesNotMatch' || code === 'ExpiredToken' || code === 'AccessDenied') {
        throw new AccessDeniedError(`${config.auth.kind === 'access-key' ? "the integration's access key" : 'the platform identity'} was refused by AWS (${code})`, { integrationId: config.id, cause: error });
      }
      throw new CredentialsUnavailableError(`could not check the credentials of integration "${config.id}" with STS`, { integrationId: config.id, cause: error, retryable: isRetryableAwsError(error) });
    } finally {
      sts.destroy();
    }
  }

  /** Forgets cached credentials of an integration (after S3 said they expired or were revoked). */
  invalidate(config: AwsConfig): void {
    if (config.auth.kind === 'assume-role') this.#ctx.cache.invalidate(this.credentialKey(config));
  }

  /** The platform's own identity (cross-account integrations sign with it). */
  platformIdentity(): Promise<AwsCredentialValue> { return this.#identity(); }

  async close(): Promise<void> {
    const sts = this.#sts;
    this.#sts = undefined;
    if (sts) (await sts.catch(() => undefined))?.destroy();
  }

  /** The platform region (resolved as the SDK does) and STS's regional endpoint, or the configured one. */
  async #stsLocation(): Promise<{ region: string; endpoint?: string; useGlobalEndpoint: false }> {
    this.#region ??= loadSts().then((sts) => resolvePlatformRegion(this.#platform.region, sts)).then((r) => r.region);
    this.#region.catch(() => { this.#region = undefined; });
    return { region: await this.#region, ...(this.#platform.stsEndpoint ? { endpoint: this.#platform.stsEndpoint } : {}), useGlobalEndpoint: false };
  }

  #stsClient(): Promise<STSClient> {
    this.#sts ??= Promise.all([loadSts(), this.#stsLocation()]).then(([{ STSClient }, location]) => new STSClient({
      ...location,
      // The platform identity, memoized and refreshed by assetlink (static keys, a provider, or the default chain).
      credentials: async () => toIdentity(await this.#identity()),
      // One attempt per call: the credential cache retries with backoff, and two retry layers
      // would multiply into a storm against a throttling STS.
      maxAttempts: 1,
      // The call is also bounded by an abort signal; without throwOnRequestTimeout the handler's
      // requestTimeout would only log a warning.
      requestHandler: {
        connectionTimeout: this.#ctx.requestTimeoutMs,
        socketTimeout: this.#ctx.requestTimeoutMs,
        requestTimeout: this.#ctx.requestTimeoutMs,
        throwOnRequestTimeout: true,
      },
    }));
    this.#sts.catch(() => { this.#sts = undefined; });
    return this.#sts;
  }
}
