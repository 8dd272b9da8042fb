import { createHash } from 'node:crypto';
import { retrying } from '../../cache/backoff.js';
import type { STSClient } from '@aws-sdk/client-sts';
import { assumeRole, DEFAULT_SESSION_SECONDS, sessionNameFor, type AssumeRoleRequest } from '../../auth/assume-role.js';
import { accessKeyCredentials } from '../../auth/access-key.js';
import { ANONYMOUS_DETAIL } from '../../auth/anonymous.js';
import { assertNotExpired, dateMs, refreshAccessKey } from '../../auth/temporary-access-key.js';
import { functionIdentity, isSecretCallback, readSecret } from '../../auth/secret-value.js';
import { cachePrefixOf } from '../../integrations/registered.js';
import { platformIdentity, type PlatformIdentity } from '../../auth/cross-account.js';
import { buildSessionPolicy, MAX_SESSION_POLICY_LENGTH, type AwsPartition } from '../../auth/session-policy.js';
import { awsPartitionOf } from '../../integrations/aws-scope.js';
import { AccessDeniedError, CredentialsUnavailableError, InvalidIntegrationError } from '../../errors.js';
import type { AwsIntegration, AwsPlatformOptions } from '../../types.js';
import type { DriverContext } from '../driver.js';
import { homeRegionFor } from './region.js';
import { kmsKeyArnOf } from './encryption.js';
import { loadNetworking, loadSts } from './sdk.js';
import { awsErrorInfo, isRetryableAwsError } from './errors.js';
import { resolvePlatformRegion } from './platform-region.js';
import { toIdentity, type AwsCredentialValue } from './types.js';
import { storeKey } from './store.js';
import { StoreStsClients } from './store-sts.js';

type AwsConfig = Omit<AwsIntegration, 'mode'> & { mode: 'read-only' | 'read-write' };

/** Credentials worth fetching again when S3 rejects them: assume-role sessions and vault-held access keys. */
export function remintable(config: AwsConfig): boolean {
  return config.auth.kind === 'assume-role'
    || (config.auth.kind === 'access-key' && (isSecretCallback(config.auth.secretAccessKey) || config.auth.refresh !== undefined));
}

/** Access-key auth blocks whose initial key was already handed out: every later fetch calls `refresh`. */
const initialKeyUsed = new WeakSet<object>();

/** Partition of the integration (and so of the customer's bucket): explicit, role ARN, region or access point ARN. */
export function partitionOf(config: AwsConfig): AwsPartition {
  return awsPartitionOf(config);
}

const fingerprint = (...parts: string[]): string => createHash('sha256').update(parts.join('\n')).digest('hex').slice(0, 16);

/** Built once per validated configuration object and bucket: every credential lookup (so every presign) asks for it. */
const requests = new WeakMap<AwsConfig, Map<string, AssumeRoleRequest>>();
/** A wildcard integration mints per bucket: remember that many requests per configuration at most. */
const MAX_REMEMBERED_BUCKETS = 1024;

/**
 * The AssumeRole request of an integration, session policy included. `bucket` is the bucket the
 * credentials are for: the scope's own, or — for a wildcard (`'*'`) scope — the bucket actually
 * used, so every session of a wildcard integration reaches exactly one bucket.
 */
export function assumeRoleRequest(config: AwsConfig, bucket: string = config.scope.bucket): AssumeRoleRequest {
  const known = requests.get(config)?.get(bucket);
  if (known !== undefined) return known;
  const request = Object.freeze(buildAssumeRoleRequest(config, bucket));
  rememberPerBucket(requests, config, bucket, request);
  return request;
}

/** The credential cache key of an assume-role configuration and bucket, likewise built once. */
const assumeRoleKeys = new WeakMap<AwsConfig, Map<string, string>>();

function rememberPerBucket<T>(memo: WeakMap<AwsConfig, Map<string, T>>, config: AwsConfig, bucket: string, value: T): void {
  let perBucket = memo.get(config);
  if (!perBucket) { perBucket = new Map(); memo.set(config, perBucket); }
  if (perBucket.size < MAX_REMEMBERED_BUCKETS) perBucket.set(bucket, value);
}

function buildAssumeRoleRequest(config: AwsConfig, bucket: string): AssumeRoleRequest {
  if (config.auth.kind !== 'assume-role') throw new TypeError('not an assume-role integration');
  if (bucket === '*') throw new TypeError('a wildcard integration mints credentials per bucket: pass the bucket');
  const policy = JSON.stringify(buildSessionPolicy({
    bucket,
    ...(config.scope.prefix !== undefined ? { prefix: config.scope.prefix } : {}),
    mode: config.mode,
    partition: partitionOf(config),
    ...(config.scope.accessPointArn !== undefined ? { accessPointArn: config.scope.accessPointArn } : {}),
    ...(config.scope.accountId !== undefined ? { accountId: config.scope.accountId } : {}),
    ...(kmsKeyArnOf(config.encryption) !== undefined ? { kmsKeyArn: kmsKeyArnOf(config.encryption) } : {}),
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
  /** One STS client per region: AssumeRole goes to the integration's partition (see stsRegion). */
  readonly #sts = new Map<string, Promise<STSClient>>();
  /** The platform region, resolved once as the SDK does. */
  #region: Promise<string> | undefined;
  /** STS of integrations' S3-compatible stores (endpoint.stsUrl). */
  readonly #storeSts: StoreStsClients;

  constructor(ctx: DriverContext, platform: AwsPlatformOptions) {
    this.#ctx = ctx;
    this.#storeSts = new StoreStsClients(ctx.requestTimeoutMs);
    this.#platform = platform;
    this.#identity = platformIdentity(platform, ctx.now);
  }

  /**
   * Identifies the credentials an integration uses for `bucket` (its SDK clients are pooled under
   * it). Starts with the integration's cache prefix (tenant and id), so updating or removing the
   * integration drops it.
   */
  credentialKey(config: AwsConfig, bucket: string = config.scope.bucket): string {
    const { auth, scope } = config;
    switch (auth.kind) {
      case 'assume-role': {
        // Asked on every presign: a SHA-256 of the role settings per call would cost as much as the signature.
        const known = assumeRoleKeys.get(config)?.get(bucket);
        if (known !== undefined) return known;
        const request = assumeRoleRequest(config, bucket);
        const store = config.endpoint ? [storeKey(config.endpoint), config.endpoint.stsUrl ?? '', config.endpoint.stsCredentials?.accessKeyId ?? ''] : [];
        const roleFingerprint = fingerprint(request.RoleArn, request.ExternalId, request.RoleSessionName, String(request.DurationSeconds), request.Policy, ...store);
        const key = `${cachePrefixOf(config)}aws|assume-role|${bucket}|${scope.prefix ?? ''}|${config.mode}|${roleFingerprint}`;
        rememberPerBucket(assumeRoleKeys, config, bucket, key);
        return key;
      }
      case 'access-key': {
        // A vault callback has no value to hash until it is called: its identity stands in.
        const secret = isSecretCallback(auth.secretAccessKey) ? functionIdentity(auth.secretAccessKey) : auth.secretAccessKey;
        const expiry = dateMs(auth.expiresAt);
        return `${cachePrefixOf(config)}aws|access-key|${fingerprint(auth.accessKeyId, secret, auth.sessionToken ?? '', expiry === undefined ? '' : String(expiry), auth.refresh ? 'refresh' : '')}`;
      }
      case 'cross-account':
        return 'platform|aws';
      case 'anonymous':
        return 'anonymous|aws';
    }
  }

  async get(config: AwsConfig, bucket: string = config.scope.bucket): Promise<AwsCredentialValue> {
    return this.getNow(config, bucket);
  }

  /** `get`, with credentials held in memory returned as they are (see CredentialCache.getNow); may throw. */
  getNow(config: AwsConfig, bucket: string = config.scope.bucket): AwsCredentialValue | Promise<AwsCredentialValue> {
    const { auth } = config;
    switch (auth.kind) {
      case 'access-key': {
        const expiresAt = dateMs(auth.expiresAt);
        if (auth.refresh !== undefined) return this.#refreshable(config, auth);
        // Checked before every use: an expired key never reaches the wire.
        assertNotExpired(expiresAt, this.#ctx.now(), config.id, false);
        if (!isSecretCallback(auth.secretAccessKey)) return { ...accessKeyCredentials({ ...auth, secretAccessKey: auth.secretAccessKey }), ...(expiresAt !== undefined ? { expiresAt } : {}) };
        // Read from the vault once, kept in memory only (no expiry → never written to a shared store).
        const secretAccessKey = auth.secretAccessKey;
        return this.#ctx.cache.getNow<AwsCredentialValue>(this.credentialKey(config), { integrationId: config.id, scope: 'aws access key' }, async () => ({
          value: { ...accessKeyCredentials({ ...auth, secretAccessKey: await readSecret(secretAccessKey, 'auth.secretAccessKey', { integrationId: config.id, describe: `integration "${config.id}"` }) }), ...(expiresAt !== undefined ? { expiresAt } : {}) },
          expiresAt: expiresAt ?? Number.POSITIVE_INFINITY,
        }));
      }
      case 'cross-account': return this.#identity();
      case 'anonymous':
        // Never reached by the S3 driver (it signs nothing for anonymous integrations); refusing
        // here keeps any future caller from signing with some identity by accident.
        throw new CredentialsUnavailableError(`integration "${config.id}" is anonymous: it has no credentials and never borrows any`, { integrationId: config.id });
      case 'assume-role': {
        const request = assumeRoleRequest(config, bucket);
        const key = this.credentialKey(config, bucket);
        const scope = `s3://${bucket}/${config.scope.prefix ? `${config.scope.prefix}/` : ''} ${config.mode}`;
        return this.#ctx.cache.getNow<AwsCredentialValue>(key, { integrationId: config.id, scope }, async () => {
          const sts = config.endpoint ? await this.#storeSts.get(config) : await this.#stsClient(await this.#stsRegion(config));
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
  async check(config: AwsConfig, bucket: string = config.scope.bucket): Promise<{ detail: string; expiresAt?: Date }> {
    if (config.auth.kind === 'anonymous') return { detail: ANONYMOUS_DETAIL };
    const credentials = await this.get(config, bucket);
    const expiresAt = credentials.expiresAt !== undefined ? { expiresAt: new Date(credentials.expiresAt) } : {};
    if (config.auth.kind === 'assume-role') {
      const request = assumeRoleRequest(config, bucket);
      const where = `s3://${bucket}/${config.scope.prefix ? `${config.scope.prefix}/` : ''}`;
      return { detail: `assumed ${request.RoleArn} as session ${request.RoleSessionName}, downscoped to ${where} (${config.mode})`, ...expiresAt };
    }
    // A store's key means nothing to AWS STS (and is not sent there): the store checks it on the first request.
    if (config.endpoint) return { detail: `the integration's access key for the S3-compatible store ${config.endpoint.url} (checked by the store itself)`, ...expiresAt };
    const [{ STSClient, GetCallerIdentityCommand }, { stsProxyAgents }] = await Promise.all([loadSts(), loadNetworking()]);
    const sts = new STSClient({
      ...this.#stsLocation(await this.#stsRegion(config)),
      credentials: toIdentity(credentials),
      maxAttempts: 1,
      requestHandler: { connectionTimeout: this.#ctx.requestTimeoutMs, socketTimeout: this.#ctx.requestTimeoutMs, requestTimeout: this.#ctx.requestTimeoutMs, throwOnRequestTimeout: true, ...stsProxyAgents(this.#ctx) },
    });
    try {
      // One SDK attempt per call (maxAttempts: 1), retried here like every token-service call.
      const who = await retrying(
        () => sts.send(new GetCallerIdentityCommand({}), { abortSignal: AbortSignal.timeout(this.#ctx.requestTimeoutMs) }),
        { isRetryable: isRetryableAwsError },
      );
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

  /**
   * An access key with a `refresh` callback, kept in the credential cache like minted credentials:
   * one refresh in flight per key, ahead of expiry, and again after AWS rejected the key
   * (invalidate). The integration's own key is served first, while it is unexpired.
   */
  #refreshable(config: AwsConfig, auth: Extract<AwsConfig['auth'], { kind: 'access-key' }>): Promise<AwsCredentialValue> {
    const refresh = auth.refresh!;
    return this.#ctx.cache.get<AwsCredentialValue>(this.credentialKey(config), { integrationId: config.id, scope: 'aws access key (refreshable)' }, async () => {
      const expiresAt = dateMs(auth.expiresAt);
      if (!initialKeyUsed.has(auth) && (expiresAt === undefined || this.#ctx.now() < expiresAt)) {
        initialKeyUsed.add(auth);
        const secretAccessKey = await readSecret(auth.secretAccessKey, 'auth.secretAccessKey', { integrationId: config.id, describe: `integration "${config.id}"` });
        const value = { ...accessKeyCredentials({ ...auth, secretAccessKey }), ...(expiresAt !== undefined ? { expiresAt } : {}) };
        return { value, expiresAt: expiresAt ?? Number.POSITIVE_INFINITY };
      }
      initialKeyUsed.add(auth);
      return refreshAccessKey(refresh, config.id, this.#ctx.now);
    });
  }

  /**
   * Forgets cached credentials of an integration (after S3 said they expired or were revoked). A
   * vault-held access key is read again: the platform may have rotated it.
   */
  invalidate(config: AwsConfig, bucket: string = config.scope.bucket): void {
    if (remintable(config)) this.#ctx.cache.invalidate(this.credentialKey(config, bucket));
  }

  /** The STS client (signed as the platform identity) AssumeRole of this integration goes to; for vending. */
  async platformSts(config: AwsConfig): Promise<STSClient> {
    return this.#stsClient(await this.#stsRegion(config));
  }

  /** Where STS calls for this integration go (region of its partition, configured endpoint); for vending. */
  async stsLocationFor(config: AwsConfig): Promise<{ region: string; endpoint?: string; useGlobalEndpoint: false }> {
    return this.#stsLocation(await this.#stsRegion(config));
  }

  /** The platform's own identity (cross-account integrations sign with it). */
  platformIdentity(): Promise<AwsCredentialValue> { return this.#identity(); }

  async close(): Promise<void> {
    await this.#storeSts.close();
    const clients = [...this.#sts.values()];
    this.#sts.clear();
    for (const sts of clients) (await sts.catch(() => undefined))?.destroy();
  }

  /** The platform region: `platform.aws.region`, else resolved as the SDK does (AWS_REGION, profile, …). */
  #platformRegion(): Promise<string> {
    this.#region ??= loadSts().then((sts) => resolvePlatformRegion(this.#platform.region, sts)).then((r) => r.region);
    this.#region.catch(() => { this.#region = undefined; });
    return this.#region;
  }

  /**
   * STS of the integration's partition: a role in aws-cn or aws-us-gov is unknown to the
   * commercial STS (and the reverse), so the platform region is used only when it is in the
   * integration's partition, else that partition's first region.
   */
  async #stsRegion(config: AwsConfig): Promise<string> {
    return homeRegionFor(partitionOf(config), await this.#platformRegion());
  }

  /** STS's regional endpoint in `region`, or the configured one. */
  #stsLocation(region: string): { region: string; endpoint?: string; useGlobalEndpoint: false } {
    return { region, ...(this.#platform.stsEndpoint ? { endpoint: this.#platform.stsEndpoint } : {}), useGlobalEndpoint: false };
  }

  #stsClient(region: string): Promise<STSClient> {
    const existing = this.#sts.get(region);
    if (existing) return existing;
    const created = Promise.all([loadSts(), loadNetworking()]).then(([{ STSClient }, { stsProxyAgents }]) => new STSClient({
      ...this.#stsLocation(region),
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
        ...stsProxyAgents(this.#ctx),
      },
    }));
    created.catch(() => this.#sts.delete(region));
    this.#sts.set(region, created);
    return created;
  }
}
