import type { S3Client } from '@aws-sdk/client-s3';
import { AccessDeniedError, AssetLinkError, InvalidArgumentError, ProviderError, ReadOnlyError } from '../errors.js';
import { awsPartitionOf } from '../integrations/aws-scope.js';
import type { RegisteredIntegration } from '../integrations/registered.js';
import type { AssetLocation, AwsIntegration, AwsPlatformOptions, ByteRange, HeadResult, PresignedUrl } from '../types.js';
import { boundByCredentials } from '../resolver/ttl.js';
import { typedByteStream } from '../resolver/streams.js';
import type {
  CorsRule, CredentialCheck, DriverContext, DriverFactory, DriverPresignRequest, ListPage, ListPageRequest, ListResult, ObjectTarget, ObjectVersion, ProviderDriver,
} from './driver.js';
import { alreadyExistsAt, removeProbe } from './probe-write.js';
import { listObjectsV2Input, listPageFromS3 } from './aws/list-page.js';
import { AwsCredentialSource, remintable } from './aws/credentials.js';
import { awsErrorInfo, isRetryableAwsError, mapS3Error, wrongRegion } from './aws/errors.js';
import { FastS3Presigner } from './aws/presigner.js';
import { BucketRegions, homeRegionFor } from './aws/region.js';
import { loadNetworking, loadS3, loadStorage, loadStoreClient } from './aws/sdk.js';
import { toIdentity } from './aws/types.js';
import { refuseProxiedStore, StorePresigners, storeKey, storeRegion } from './aws/store.js';
import { anonymousS3ClientOptions } from '../auth/anonymous.js';
import { presignPublicS3 } from './aws/public-url.js';
import { vendAws } from './aws/vend.js';
import type { AwsVendedCredentials, DriverVendRequest } from '../vend/credentials.js';
import { S3Uploads } from './aws/upload.js';
import { awsEncryptionHeaders, awsEncryptionParams } from './aws/encryption.js';
import { s3ObjectParams, headFromS3, uploadWithAbort } from './aws/object-options.js';
import type { DriverWriteOptions } from './write-options.js';

/**
 * The `aws` provider: S3 through @aws-sdk/client-s3 (loaded on first use), credentials from the
 * integration's auth strategy (src/auth/), presigned URLs from a cached-key SigV4 signer.
 */

type AwsConfig = Omit<AwsIntegration, 'mode'> & { mode: 'read-only' | 'read-write' };

const SEVEN_DAYS = 7 * 24 * 3600;
const DEFAULT_MULTIPART_THRESHOLD = 16 * 1024 * 1024;
/** S3's minimum part size (except the last part). */
const MIN_PART_SIZE = 5 * 1024 * 1024;
const MAX_CLIENTS = 256;
/** Credentials refreshed early for a long presign TTL must be at least this old (so refreshes stay rare). */
const MIN_REFRESH_AGE_MS = 60_000;

export const createDriver: DriverFactory = (ctx) => new AwsDriver(ctx);

class AwsDriver implements ProviderDriver {
  readonly provider = 'aws' as const;
  readonly maxPresignTtlSeconds = SEVEN_DAYS;
  readonly honoursPins = true;
  readonly #ctx: DriverContext;
  readonly #platform: AwsPlatformOptions;
  readonly #credentials: AwsCredentialSource;
  readonly #regions: BucketRegions;
  readonly #presigner: FastS3Presigner;
  readonly #storePresigners = new StorePresigners();
  readonly #clients = new Map<string, Promise<S3Client>>();
  /** Browser uploads (src/resolvers/aws/upload.ts), run with this driver's calls and signing credentials. */
  readonly uploads: S3Uploads;

  constructor(ctx: DriverContext) {
    this.#ctx = ctx;
    this.#platform = ctx.platform.aws ?? {};
    this.#credentials = new AwsCredentialSource(ctx, this.#platform);
    this.#regions = new BucketRegions(this.#platform.region ?? 'us-east-1');
    this.#presigner = new FastS3Presigner({
      ...(this.#platform.endpoint ? { endpoint: this.#platform.endpoint } : {}),
      ...(this.#platform.forcePathStyle !== undefined ? { forcePathStyle: this.#platform.forcePathStyle } : {}),
    });
    this.uploads = new S3Uploads({
      run: (target, operation, call) => { refusePinned(target, operation); return this.#run(target, operation, true, (client, config) => call(client, this.#objectParams(target, config))); },
      signing: (target, ttlSeconds) => this.#signing(target, ttlSeconds),
      endpoint: {
        ...(this.#platform.endpoint ? { endpoint: this.#platform.endpoint } : {}),
        ...(this.#platform.forcePathStyle !== undefined ? { forcePathStyle: this.#platform.forcePathStyle } : {}),
      },
    });
  }

  /** Signing credentials and region for a browser upload URL or POST policy valid `ttlSeconds` (bounded by the credentials). */
  async #signing(target: ObjectTarget, ttlSeconds: number): Promise<{ credentials: import('./aws/types.js').AwsCredentialValue; region: string; signedAt: number; ttlSeconds: number; accountId?: string }> {
    const config = this.#config(target);
    refusePinned(target, 'upload to');
    try {
      const region = await this.#region(target, config);
      const signedAt = Math.floor(this.#ctx.now() / 1000) * 1000;
      const bucket = target.location.bucket;
      let credentials = await this.#credentials.get(config, bucket);
      if (this.#shouldRefreshFor(config, credentials.expiresAt, ttlSeconds, signedAt)) {
        this.#credentials.invalidate(config, bucket);
        credentials = await this.#credentials.get(config, bucket);
      }
      const ttl = boundByCredentials(ttlSeconds, signedAt, credentials.expiresAt ?? Number.POSITIVE_INFINITY, false);
      return { credentials, region, signedAt, ttlSeconds: ttl, ...(config.scope.accountId ? { accountId: config.scope.accountId } : {}) };
    } catch (error) {
      throw mapS3Error(error, 'sign an upload to', this.#errorOptions(target));
    }
  }

  async head(target: ObjectTarget, signal?: AbortSignal): Promise<HeadResult> {
    const { HeadObjectCommand } = await loadS3();
    return this.#run(target, 'head', true, async (client, config) => {
      const out = await client.send(new HeadObjectCommand({ ...this.#objectParams(target, config), ...versionOf(target) }), signal ? { abortSignal: signal } : {});
      return headFromS3(out);
    });
  }

  async read(target: ObjectTarget, range?: ByteRange, signal?: AbortSignal): Promise<ReadableStream<Uint8Array>> {
    const { GetObjectCommand } = await loadS3();
    const body = await this.#run(target, 'read', true, async (client, config) => {
      const out = await client.send(new GetObjectCommand({
        ...this.#objectParams(target, config),
        ...versionOf(target),
        ...(range ? { Range: `bytes=${range.start}-${range.end ?? ''}` } : {}),
      }), signal ? { abortSignal: signal } : {});
      if (!out.Body) throw new TypeError('S3 returned no body');
      // On Node the body is the response stream itself (async-iterable): adapt it once, not twice.
      return out.Body as unknown as AsyncIterable<Uint8Array>;
    });
    return typedByteStream(body, (error) => mapS3Error(error, 'read', this.#errorOptions(target)));
  }

  async write(target: ObjectTarget, body: Uint8Array | ReadableStream<Uint8Array>, opts: DriverWriteOptions): Promise<void> {
    refusePinned(target, 'write');
    const threshold = this.#platform.multipartThresholdBytes ?? DEFAULT_MULTIPART_THRESHOLD;
    if (body instanceof Uint8Array && body.byteLength <= threshold) {
      const { PutObjectCommand } = await loadS3();
      await this.#run(target, 'write', true, async (client, config) => {
        await client.send(new PutObjectCommand({
          ...this.#objectParams(target, config),
          Body: body,
          ContentLength: body.byteLength,
          ...s3ObjectParams(opts),
          ...awsEncryptionParams(config.encryption),
        }), opts.signal ? { abortSignal: opts.signal } : {});
      });
      opts.onProgress?.(body.byteLength);
      return;
    }
    // Streams (length unknown) and large bodies: lib-storage reads one part at a time, sends a
    // single PutObject when the whole body fits in one part, multipart otherwise. Memory stays
    // bounded by partSize × queueSize. A half-consumed stream cannot be replayed, so no retry here.
    const { Upload } = await loadStorage();
    await this.#run(target, 'write', false, async (client, config) => {
      const upload = new Upload({
        client,
        params: { ...this.#objectParams(target, config), Body: body, ...s3ObjectParams(opts), ...awsEncryptionParams(config.encryption) },
        partSize: Math.max(threshold, MIN_PART_SIZE),
        queueSize: 4,
        leavePartsOnError: false,
      });
      await uploadWithAbort(upload, client, opts);
    });
  }

  async delete(target: ObjectTarget): Promise<void> {
    // A DeleteObject with a VersionId would destroy that version for good: pinned locations never get here.
    refusePinned(target, 'delete');
    const { DeleteObjectCommand } = await loadS3();
    await this.#run(target, 'delete', true, async (client, config) => {
      await client.send(new DeleteObjectCommand(this.#objectParams(target, config)));
    });
  }

  async list(target: ObjectTarget, limit: number): Promise<ListResult> {
    const { ListObjectsV2Command } = await loadS3();
    return this.#run(target, 'list', true, async (client, config) => {
      const out = await client.send(new ListObjectsV2Command({
        Bucket: target.location.bucket,
        Prefix: target.location.key,
        MaxKeys: limit,
        ...(config.scope.accountId ? { ExpectedBucketOwner: config.scope.accountId } : {}),
      }));
      return { keys: (out.Contents ?? []).flatMap((c) => (c.Key === undefined ? [] : [c.Key])), truncated: out.IsTruncated === true };
    });
  }

  async listPage(target: ObjectTarget, request: ListPageRequest): Promise<ListPage> {
    const { ListObjectsV2Command } = await loadS3();
    return this.#run(target, 'list', true, async (client, config) => {
      const input = listObjectsV2Input(target.location.bucket, request, config.scope.accountId);
      const out = await client.send(new ListObjectsV2Command(input), request.signal ? { abortSignal: request.signal } : {});
      return listPageFromS3(out, `list ${target.location.uri}`);
    });
  }

  /** For `verify`: obtains the integration's credentials and proves AWS accepts them, touching no object. */
  async checkCredentials(integration: RegisteredIntegration, location?: AssetLocation): Promise<CredentialCheck> {
    const config = awsConfigOf(integration);
    return this.#credentials.check(config, bucketFor(config, location?.bucket));
  }

  /**
   * For `verify` on read-only integrations: a create-only PutObject with the minted credentials
   * themselves, bypassing assetlink's READ_ONLY guard, to prove the session policy (or the
   * customer's grants) stop writes at AWS. Anything it creates is deleted by exact version.
   */
  async probeRawWrite(target: ObjectTarget, body: Uint8Array): Promise<'refused' | 'allowed'> {
    let created: ObjectVersion;
    try {
      created = await this.createIfAbsent(target, body, { contentType: 'text/plain' });
    } catch (error) {
      if (error instanceof AssetLinkError && error.code === 'ACCESS_DENIED') return 'refused';
      throw error;
    }
    await removeProbe(() => this.deleteVersion(target, created), target);
    return 'allowed';
  }

  /** PutObject with `If-None-Match: *`: S3 answers 412 (or 409 while a concurrent write is in flight) when the key exists. */
  async createIfAbsent(target: ObjectTarget, body: Uint8Array, opts: { contentType?: string }): Promise<ObjectVersion> {
    const { PutObjectCommand } = await loadS3();
    return this.#run(target, 'create', true, async (client, config) => {
      try {
        const out = await client.send(new PutObjectCommand({
          ...this.#objectParams(target, config),
          Body: body,
          ContentLength: body.byteLength,
          IfNoneMatch: '*',
          ...(opts.contentType ? { ContentType: opts.contentType } : {}),
          ...awsEncryptionParams(config.encryption),
        }));
        if (!out.ETag) throw new ProviderError(`S3 created ${target.location.uri} but returned no ETag`, this.#errorOptions(target));
        return { value: out.ETag, ...(out.VersionId ? { versionId: out.VersionId } : {}) };
      } catch (error) {
        const { status } = awsErrorInfo(error);
        if (status === 412 || status === 409) throw alreadyExistsAt(target);
        throw error;
      }
    });
  }

  /**
   * Deletes exactly `version`: by VersionId on a versioned bucket (needs s3:DeleteObjectVersion;
   * without it, falls back to the next form), else DeleteObject with `If-Match: <ETag>` (S3's
   * conditional delete, evaluated on the current version: 412 when someone replaced it).
   */
  async deleteVersion(target: ObjectTarget, version: ObjectVersion): Promise<boolean> {
    const { DeleteObjectCommand } = await loadS3();
    if (version.versionId !== undefined) {
      try {
        await this.#run(target, 'delete', true, async (client, config) => {
          await client.send(new DeleteObjectCommand({ ...this.#objectParams(target, config), VersionId: version.versionId }));
        });
        return true;
      } catch (error) {
        if (!(error instanceof AssetLinkError && error.code === 'ACCESS_DENIED')) throw error;
      }
    }
    return this.#run(target, 'delete', true, async (client, config) => {
      try {
        await client.send(new DeleteObjectCommand({ ...this.#objectParams(target, config), IfMatch: version.value }));
        return true;
      } catch (error) {
        const { status } = awsErrorInfo(error);
        if (status === 412 || status === 409 || status === 404) return false;
        throw error;
      }
    });
  }

  /** For `verify`: the bucket's region as S3 tells the integration's own credentials (HeadBucket, else GetBucketLocation). */
  async bucketRegion(target: ObjectTarget): Promise<string | undefined> {
    return this.#discoverRegion(target.location.bucket, this.#config(target));
  }

  /** For `verify`: the bucket's CORS rules (needs s3:GetBucketCORS; no rules configured → []). */
  async getCors(target: ObjectTarget): Promise<CorsRule[]> {
    const { GetBucketCorsCommand } = await loadS3();
    try {
      return await this.#run(target, 'read the CORS rules of', true, async (client, config) => {
        const out = await client.send(new GetBucketCorsCommand({
          Bucket: target.location.bucket,
          ...(config.scope.accountId ? { ExpectedBucketOwner: config.scope.accountId } : {}),
        }));
        return (out.CORSRules ?? []).map((rule) => ({
          allowedOrigins: rule.AllowedOrigins ?? [],
          allowedMethods: rule.AllowedMethods ?? [],
          ...(rule.AllowedHeaders ? { allowedHeaders: rule.AllowedHeaders } : {}),
          ...(rule.ExposeHeaders ? { exposeHeaders: rule.ExposeHeaders } : {}),
          ...(rule.MaxAgeSeconds !== undefined ? { maxAgeSeconds: rule.MaxAgeSeconds } : {}),
        }));
      });
    } catch (error) {
      // S3 answers NoSuchCORSConfiguration (404) for a bucket without rules.
      if (error instanceof AssetLinkError && error.code === 'NOT_FOUND' && awsErrorInfo(error.cause).code === 'NoSuchCORSConfiguration') return [];
      if (error instanceof AssetLinkError && error.code === 'ACCESS_DENIED') {
        throw new AccessDeniedError(`reading the CORS rules of bucket ${target.location.bucket} needs s3:GetBucketCORS for these credentials`, { integrationId: target.integration.id, cause: error });
      }
      throw error;
    }
  }

  async presign(target: ObjectTarget, request: DriverPresignRequest): Promise<PresignedUrl> {
    const config = this.#config(target);
    if (request.method === 'PUT') refusePinned(target, 'presign PUT');
    try {
      // Region and credentials held in memory come back without a promise: a warm presign awaits nothing.
      const regionNow = this.#region(target, config);
      const region = typeof regionNow === 'string' ? regionNow : await regionNow;
      if (config.auth.kind === 'anonymous') return presignPublicS3(target, request, region, this.#platform, this.#ctx.now());
      const now = this.#ctx.now();
      // The URL is valid from the whole second it names in X-Amz-Date.
      const signedAt = Math.floor(now / 1000) * 1000;
      const bucket = target.location.bucket;
      const credentialsNow = this.#credentials.getNow(config, bucket);
      let credentials = credentialsNow instanceof Promise ? await credentialsNow : credentialsNow;
      if (this.#shouldRefreshFor(config, credentials.expiresAt, request.ttlSeconds, signedAt)) {
        this.#credentials.invalidate(config, bucket);
        credentials = await this.#credentials.get(config, bucket);
      }
      const ttl = boundByCredentials(request.ttlSeconds, signedAt, credentials.expiresAt ?? Number.POSITIVE_INFINITY, request.clamp);
      return this.#signUrl(config, target, request, { credentials, region, signedAt, ttl });
    } catch (error) {
      throw mapS3Error(error, 'presign', this.#errorOptions(target));
    }
  }

  /** presignMany: `presign` for many keys of one integration and bucket, credentials and region looked up once. */
  async presignBatch(targets: readonly ObjectTarget[], request: DriverPresignRequest): Promise<Array<PresignedUrl | Error>> {
    const first = targets[0];
    if (!first) return [];
    const config = this.#config(first);
    // Public URLs need no credentials: nothing to share across the batch.
    if (config.auth.kind === 'anonymous') return Promise.all(targets.map((t) => this.presign(t, request).catch((error: unknown) => error as Error)));
    const bucket = first.location.bucket;
    let region: string;
    let credentials: Awaited<ReturnType<AwsCredentialSource['get']>>;
    const signedAt = Math.floor(this.#ctx.now() / 1000) * 1000;
    let ttl: number;
    try {
      region = await this.#region(first, config);
      credentials = await this.#credentials.get(config, bucket);
      if (this.#shouldRefreshFor(config, credentials.expiresAt, request.ttlSeconds, signedAt)) {
        this.#credentials.invalidate(config, bucket);
        credentials = await this.#credentials.get(config, bucket);
      }
      ttl = boundByCredentials(request.ttlSeconds, signedAt, credentials.expiresAt ?? Number.POSITIVE_INFINITY, request.clamp);
    } catch (error) {
      const mapped = mapS3Error(error, 'presign', this.#errorOptions(first));
      return targets.map(() => mapped);
    }
    return targets.map((target) => {
      try {
        if (target.location.bucket !== bucket || target.integration !== first.integration) throw new TypeError('presignBatch takes targets of one integration and bucket');
        return this.#signUrl(config, target, request, { credentials, region, signedAt, ttl });
      } catch (error) {
        return mapS3Error(error, 'presign', this.#errorOptions(target));
      }
    });
  }

  /**
   * One presigned URL from looked-up credentials: `presign` and `presignBatch` share it, so a batch
   * signs exactly what a single call would (store host, pins, encryption headers, response overrides).
   */
  #signUrl(config: AwsConfig, target: ObjectTarget, request: DriverPresignRequest, signing: { credentials: Awaited<ReturnType<AwsCredentialSource['get']>>; region: string; signedAt: number; ttl: number }): PresignedUrl {
    const { credentials, region, signedAt, ttl } = signing;
    if (request.method === 'PUT') refusePinned(target, 'presign PUT');
    const put = request.method === 'PUT';
    // What a PUT must send besides the body: its Content-Type and the integration's encryption, all signed.
    const sse = put ? awsEncryptionHeaders(config) : undefined;
    const hasSse = sse !== undefined && Object.keys(sse).length > 0;
    // Optional fields as undefined rather than spread in: this object is built for every presigned URL.
    const url = (config.endpoint ? this.#storePresigners.for(config.endpoint) : this.#presigner).presign({
      credentials,
      region,
      bucket: target.location.bucket,
      key: target.location.key,
      method: request.method,
      expiresInSeconds: ttl,
      signingTimeMs: signedAt,
      contentType: put ? request.contentType : undefined,
      expectedBucketOwner: config.scope.accountId || undefined,
      versionId: target.location.version,
      extraHeaders: hasSse ? sse : undefined,
      responseContentType: request.responseContentType,
      responseContentDisposition: request.responseContentDisposition,
    });
    return {
      url,
      method: request.method,
      expiresAt: new Date(signedAt + ttl * 1000),
      headers: put ? { ...(request.contentType !== undefined ? { 'content-type': request.contentType } : {}), ...sse } : {},
    };
  }

  /** Credentials for another process, confined to a prefix and mode (aws/vend.ts, docs/vending.md). */
  vend(target: ObjectTarget, request: DriverVendRequest): Promise<AwsVendedCredentials> {
    const config = this.#config(target);
    return vendAws({
      credentials: this.#credentials, platform: this.#platform, now: this.#ctx.now, requestTimeoutMs: this.#ctx.requestTimeoutMs,
      region: async () => this.#region(target, config),
    }, config, target, request);
  }

  async close(): Promise<void> {
    const clients = [...this.#clients.values()];
    this.#clients.clear();
    for (const client of await Promise.allSettled(clients)) if (client.status === 'fulfilled') client.value.destroy();
    await this.#credentials.close();
  }

  /**
   * A TTL longer than what the cached session has left, but within what a fresh session would
   * have, is served by minting a fresh session — at most once a minute, so long TTLs cannot turn
   * every presign into an STS call.
   */
  #shouldRefreshFor(config: AwsConfig, expiresAt: number | undefined, ttlSeconds: number, now: number): boolean {
    if (config.auth.kind !== 'assume-role' || expiresAt === undefined) return false;
    const left = expiresAt - now;
    if (ttlSeconds * 1000 <= left) return false;
    const sessionMs = (config.auth.durationSeconds ?? 3600) * 1000;
    return ttlSeconds * 1000 <= sessionMs - MIN_REFRESH_AGE_MS && sessionMs - left >= MIN_REFRESH_AGE_MS;
  }

  #config(target: ObjectTarget): AwsConfig {
    return awsConfigOf(target.integration);
  }

  #objectParams(target: ObjectTarget, config: AwsConfig): { Bucket: string; Key: string; ExpectedBucketOwner?: string } {
    return {
      Bucket: target.location.bucket,
      Key: target.location.key,
      // S3 then refuses to act on a bucket that changed hands (deleted and re-created by someone else).
      ...(config.scope.accountId ? { ExpectedBucketOwner: config.scope.accountId } : {}),
    };
  }

  #errorOptions(target: ObjectTarget): { integrationId: string; uri: string } {
    return { integrationId: target.integration.id, uri: target.location.uri };
  }

  /**
   * Runs one S3 call with the integration's credentials in the bucket's region. A wrong-region
   * answer is followed once (and remembered); credentials S3 calls expired or invalid are
   * re-minted once. `replayable: false` for calls whose body cannot be sent twice.
   */
  async #run<T>(target: ObjectTarget, operation: string, replayable: boolean, call: (client: S3Client, config: AwsConfig) => Promise<T>): Promise<T> {
    const config = this.#config(target);
    let redirected = false;
    let refreshed = false;
    try {
      let region = await this.#region(target, config);
      for (;;) {
        const client = await this.#client(config, region, target.location.bucket);
        try {
          return await call(client, config);
        } catch (error) {
          if (error instanceof AssetLinkError || !replayable) throw error;
          const correct = wrongRegion(error, region);
          if (correct && !redirected) {
            redirected = true;
            this.#regions.learn(regionKey(target.location.bucket, config), correct);
            region = correct;
            continue;
          }
          if (remintable(config) && !refreshed && sessionRejected(error)) {
            refreshed = true;
            this.#credentials.invalidate(config, target.location.bucket);
            continue;
          }
          throw error;
        }
      }
    } catch (error) {
      throw mapS3Error(error, operation, this.#errorOptions(target));
    }
  }

  #region(target: ObjectTarget, config: AwsConfig): string | Promise<string> {
    // An S3-compatible store signs for the region its endpoint names: nothing to discover.
    if (config.endpoint) return storeRegion(config.endpoint);
    return this.#regions.regionFor(
      regionKey(target.location.bucket, config),
      { urlRegion: target.location.region, scopeRegion: config.scope.region ?? accessPointRegion(config.scope.accessPointArn) },
      async () => (await this.#discoverRegion(target.location.bucket, config)) ?? this.#homeRegion(config),
    );
  }

  /**
   * The region to reach a partition from when nothing names the bucket's: the platform region
   * when it is in the integration's partition, else that partition's first region (an S3 or STS
   * endpoint of another partition does not know its buckets or roles).
   */
  #homeRegion(config: AwsConfig): string {
    return homeRegionFor(awsPartitionOf(config), this.#platform.region);
  }

  /**
   * HeadBucket from the platform region: S3 names the bucket's region (`x-amz-bucket-region`) even
   * when it refuses access or redirects. Servers that do not send the header are asked
   * GetBucketLocation. No answer at all → undefined (the platform region, corrected by a redirect).
   */
  async #discoverRegion(bucket: string, config: AwsConfig): Promise<string | undefined> {
    const { HeadBucketCommand, GetBucketLocationCommand } = await loadS3();
    const client = await this.#client(config, this.#homeRegion(config), bucket);
    const owner = config.scope.accountId ? { ExpectedBucketOwner: config.scope.accountId } : {};
    try {
      const out = await client.send(new HeadBucketCommand({ Bucket: bucket, ...owner }));
      if (out.BucketRegion) return out.BucketRegion;
    } catch (error) {
      if (error instanceof AssetLinkError) throw error;
      const { bucketRegion } = awsErrorInfo(error);
      if (bucketRegion) return bucketRegion;
      if (isRetryableAwsError(error)) throw error;
    }
    try {
      const out = await client.send(new GetBucketLocationCommand({ Bucket: bucket, ...owner }));
      // An empty LocationConstraint means us-east-1; "EU" is the legacy name of eu-west-1.
      const constraint: string = out.LocationConstraint ?? '';
      return constraint === '' ? 'us-east-1' : constraint === 'EU' ? 'eu-west-1' : constraint;
    } catch (error) {
      if (error instanceof AssetLinkError) throw error;
      const { bucketRegion } = awsErrorInfo(error);
      if (bucketRegion) return bucketRegion;
      if (isRetryableAwsError(error)) throw error;
      return undefined;
    }
  }

  /** `bucket` picks the credentials of a wildcard integration (minted per bucket); others ignore it. */
  #client(config: AwsConfig, region: string, bucket: string): Promise<S3Client> {
    if (config.endpoint) refuseProxiedStore(this.#ctx, config.endpoint.url, config.id);
    const key = `${this.#credentials.credentialKey(config, bucket)}|${region}|${storeKey(config.endpoint)}`;
    const existing = this.#clients.get(key);
    if (existing) {
      this.#clients.delete(key);
      this.#clients.set(key, existing);
      return existing;
    }
    const created = Promise.all([loadS3(), loadNetworking(), config.endpoint && loadStoreClient()]).then(([{ S3Client }, { awsAgents }, store]) => new S3Client({
      region,
      // Called on every request; the credential cache does the caching (and honours the
      // resolver's clock). `memoized` stops the SDK wrapping it in its own real-time memoizer.
      ...(config.auth.kind === 'anonymous'
        ? anonymousS3ClientOptions()
        : { credentials: Object.assign(async () => toIdentity(await this.#credentials.get(config, bucket)), { memoized: true }) }),
      ...(this.#platform.endpoint ? { endpoint: this.#platform.endpoint } : {}),
      ...(this.#platform.forcePathStyle !== undefined ? { forcePathStyle: this.#platform.forcePathStyle } : {}),
      followRegionRedirects: false,
      // Socket-level deadlines: connecting, and silence while waiting for or reading a response
      // (socketTimeout is an idle timer, so it also guards downloads mid-stream). No overall
      // deadline per call: it would count time queued for a pooled socket under load and cut long
      // transfers. (`requestTimeout` alone only logs a warning in this SDK generation.) The
      // handler's own `connectionTimeout` would count that queueing too, so the agents time the
      // connect instead (see agents.ts).
      requestHandler: { socketTimeout: this.#ctx.requestTimeoutMs, ...awsAgents(this.#ctx) },
      // An S3-compatible store of this integration: its own URL, addressing, checksums and CA (store.ts).
      ...(config.endpoint && store ? store.storeClientConfig(config.endpoint, this.#ctx.requestTimeoutMs) : {}),
    }));
    created.catch(() => this.#clients.delete(key));
    this.#clients.set(key, created);
    if (this.#clients.size > MAX_CLIENTS) {
      const [oldestKey, oldest] = this.#clients.entries().next().value as [string, Promise<S3Client>];
      this.#clients.delete(oldestKey);
      void oldest.then((c) => c.destroy(), () => undefined);
    }
    return created;
  }
}

/** The version a pinned location names, as S3 wants it on HeadObject and GetObject. */
function versionOf(target: ObjectTarget): { VersionId?: string } {
  return target.location.version === undefined ? {} : { VersionId: target.location.version };
}

function refusePinned(target: ObjectTarget, operation: string): void {
  if (target.location.version === undefined) return;
  throw new ReadOnlyError(`cannot ${operation} ${target.location.uri}: it names version ${target.location.version}, and a pinned version is read-only`, { integrationId: target.integration.id, uri: target.location.uri });
}

/** Bucket regions are remembered per partition: the same name in two partitions is two buckets. */
function regionKey(bucket: string, config: AwsConfig): string {
  return `${awsPartitionOf(config)}/${bucket}`;
}

function accessPointRegion(arn: string | undefined): string | undefined {
  return arn === undefined ? undefined : arn.split(':')[3];
}

/** The bucket credentials are minted for: the scope's, or for a wildcard scope the one used. */
function bucketFor(config: AwsConfig, used: string | undefined): string {
  if (config.scope.bucket !== '*') return config.scope.bucket;
  if (!used) throw new InvalidArgumentError(`integration "${config.id}" covers any bucket: its credentials are minted per bucket, so name one (verify: pass sampleUri)`, { integrationId: config.id });
  return used;
}

function awsConfigOf(integration: RegisteredIntegration): AwsConfig {
  const config = integration.config;
  if (config.provider !== 'aws') throw new TypeError(`aws driver given a ${config.provider} integration`);
  return config;
}

/**
 * S3 refused the session token (expired early, or revoked), or no longer knows the session's key
 * (InvalidAccessKeyId: a cached session that S3 will never accept again; keeping it would fail
 * every call until it expires). HEAD responses carry no error body, so a bare 400 on HEAD (which
 * is not a region redirect, handled before) is read the same way.
 */
function sessionRejected(error: unknown): boolean {
  const { code, status } = awsErrorInfo(error);
  if (code === 'ExpiredToken' || code === 'InvalidToken' || code === 'TokenRefreshRequired' || code === 'InvalidAccessKeyId') return true;
  return status === 400 && (code === undefined || code === 'Unknown' || code === 'BadRequest');
}

