import type { Storage } from '@google-cloud/storage';
import { AssetLinkError, InvalidUriError, ProviderError, ReadOnlyError } from '../errors.js';
import type { RegisteredIntegration } from '../integrations/registered.js';
import type { AssetLocation, HeadResult, PresignedUrl } from '../types.js';
import { InvalidArgumentError } from '../errors.js';
import { narrowToBucket } from '../integrations/narrow.js';
import type {
  CorsRule, CredentialCheck, DriverContext, DriverFactory, DriverPresignRequest, ListPage, ListPageRequest, ListResult, ObjectTarget, ObjectVersion, ProviderDriver,
} from './driver.js';
import { alreadyExistsAt, removeProbe } from './probe-write.js';
import { fetchListPage } from './gcp/list-page.js';
import { GcpCredentials, type GcpRegistered } from './gcp/credentials.js';
import { httpStatusOf, mapGcsError } from './gcp/errors.js';
import { presignV4 } from './gcp/presign.js';
import { createStorageClient, DEFAULT_API_ENDPOINT } from './gcp/storage-client.js';
import { typedByteStream } from '../resolver/streams.js';
import { withIdleTimeout } from './gcp/idle-timeout.js';
import { DEFAULT_CHUNK_BYTES, DEFAULT_RESUMABLE_THRESHOLD, objectResourceOf, uploadObject } from './gcp/upload.js';
import { gcsHeadExtras, gcsKmsOption } from './gcp/object-options.js';
import type { DriverWriteOptions } from './write-options.js';
import { V4_MAX_EXPIRES_SECONDS } from './gcp/v4-signer.js';
import { anonymousGcsDenial, presignPublicGcs } from './gcp/public-url.js';
import { ANONYMOUS_DETAIL } from '../auth/anonymous.js';
import { vendGcp } from './gcp/vend.js';
import type { DriverVendRequest, GcpVendedCredentials } from '../vend/credentials.js';
import { GcsUploads } from './gcp/browser-upload.js';
import { gcpEgress } from './gcp/proxy.js';

/**
 * Google Cloud Storage through @google-cloud/storage (loaded on first use). Each integration gets
 * its own storage client whose token comes from the shared credential cache: impersonated (and
 * downscoped) or a scope-limited self-signed JWT for key integrations. Signed URLs are V4, signed
 * locally with a key parsed once, or by IAM signBlob as the impersonated service account.
 */
class GcpDriver implements ProviderDriver {
  readonly provider = 'gcp' as const;
  readonly maxPresignTtlSeconds = V4_MAX_EXPIRES_SECONDS;
  readonly honoursPins = true;
  readonly #ctx: DriverContext;
  readonly #credentials: GcpCredentials;
  /** One client per registered integration object; replaced integrations get new ones. */
  #clients = new WeakMap<GcpRegistered, Promise<Storage>>();

  /** Browser uploads (src/resolvers/gcp/browser-upload.ts) with this driver's tokens and signer. */
  readonly uploads: GcsUploads;

  constructor(ctx: DriverContext) {
    this.#ctx = ctx;
    this.#credentials = new GcpCredentials(ctx);
    this.uploads = new GcsUploads({
      apiEndpoint: this.#options.apiEndpoint ?? DEFAULT_API_ENDPOINT,
      signingEndpoint: this.#options.signingEndpoint ?? this.#options.apiEndpoint ?? DEFAULT_API_ENDPOINT,
      token: (target) => { refusePinned(target, 'upload to'); return this.#credentials.storageToken(this.#integration(target)); },
      signer: (target) => { refusePinned(target, 'upload to'); return this.#credentials.signer(this.#integration(target)); },
      now: () => this.#ctx.now(),
      timeoutMs: ctx.requestTimeoutMs,
      ...(gcpEgress(ctx) ? { fetch: gcpEgress(ctx)!.fetch } : {}),
      fail: (error, target, operation) => this.#fail(error, target, operation),
    });
  }

  get #options() { return this.#ctx.platform.gcp ?? {}; }

  /** A wildcard integration narrowed to the target's bucket: tokens are downscoped to that bucket. */
  #integration(target: ObjectTarget): GcpRegistered {
    return narrowToBucket(asGcp(target.integration), target.location.bucket);
  }

  #storage(integration: GcpRegistered): Promise<Storage> {
    let client = this.#clients.get(integration);
    if (!client) {
      client = createStorageClient({
        apiEndpoint: this.#options.apiEndpoint ?? DEFAULT_API_ENDPOINT,
        ...(integration.config.auth.kind === 'anonymous' ? {} : { token: () => this.#credentials.storageToken(integration) }),
        maxRetries: this.#options.maxRetries ?? 3,
        timeoutMs: this.#ctx.requestTimeoutMs,
        ...(gcpEgress(this.#ctx) ? { egress: gcpEgress(this.#ctx)! } : {}),
      });
      client.catch(() => this.#clients.delete(integration));
      this.#clients.set(integration, client);
    }
    return client;
  }

  async #file(target: ObjectTarget, forWrite = false) {
    const integration = this.#integration(target);
    const storage = await this.#storage(integration);
    // A pinned generation scopes every call (metadata, media, delete) to exactly that generation.
    // Writes name the integration's CMEK key (`kmsKeyName` on every upload request).
    const options = { ...generationOf(target), ...(forWrite ? gcsKmsOption(integration.config) : {}) };
    return { integration, file: storage.bucket(target.location.bucket).file(target.location.key, options) };
  }

  /** Maps an error; a 401 also drops the cached token so the next call mints a fresh one. */
  #fail(error: unknown, target: ObjectTarget, operation: string): AssetLinkError {
    if (target.integration.config.provider === 'gcp' && target.integration.config.auth.kind === 'anonymous') {
      const denial = anonymousGcsDenial(error, target, operation);
      if (denial) return denial;
    }
    if (httpStatusOf(error) === 401) this.#credentials.invalidate(this.#integration(target));
    return mapGcsError(error, target, operation);
  }

  async head(target: ObjectTarget): Promise<HeadResult> {
    try {
      const { file } = await this.#file(target);
      const [metadata] = await file.getMetadata();
      const result: HeadResult = { size: Number(metadata.size ?? 0) };
      if (metadata.contentType) result.contentType = metadata.contentType;
      if (metadata.etag) result.etag = metadata.etag;
      if (metadata.updated) result.lastModified = new Date(metadata.updated);
      Object.assign(result, gcsHeadExtras(metadata));
      return result;
    } catch (error) {
      throw this.#fail(error, target, 'head');
    }
  }

  async read(target: ObjectTarget, range?: { start: number; end?: number }): Promise<ReadableStream<Uint8Array>> {
    try {
      const { file } = await this.#file(target);
      // Whole-object reads are CRC32C-checked by the SDK; ranged reads cannot be.
      const stream = file.createReadStream(range ? { start: range.start, ...(range.end !== undefined ? { end: range.end } : {}) } : {});
      // The SDK never reports a connection lost mid-body (see idle-timeout.ts): a silent download fails instead of hanging.
      const guarded = withIdleTimeout(stream, this.#ctx.requestTimeoutMs, `read ${target.location.uri}`);
      return await typedByteStream(guarded, (error) => this.#fail(error, target, 'read'), { awaitFirstChunk: true });
    } catch (error) {
      throw this.#fail(error, target, 'read');
    }
  }

  async write(target: ObjectTarget, body: Uint8Array | ReadableStream<Uint8Array>, opts: DriverWriteOptions): Promise<void> {
    refusePinned(target, 'write');
    try {
      const { integration, file } = await this.#file(target, true);
      await uploadObject(file, body, objectResourceOf(opts), {
        thresholdBytes: this.#options.resumableThresholdBytes ?? DEFAULT_RESUMABLE_THRESHOLD,
        chunkBytes: this.#options.resumableChunkBytes ?? DEFAULT_CHUNK_BYTES,
        token: () => this.#credentials.storageToken(integration),
        timeoutMs: this.#ctx.requestTimeoutMs,
        ...(gcpEgress(this.#ctx) ? { fetch: gcpEgress(this.#ctx)!.fetch } : {}),
        ...(opts.signal ? { signal: opts.signal } : {}),
        ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
      });
    } catch (error) {
      throw this.#fail(error, target, 'write');
    }
  }

  async delete(target: ObjectTarget): Promise<void> {
    // A delete scoped to a generation would destroy that generation for good.
    refusePinned(target, 'delete');
    try {
      const { file } = await this.#file(target);
      // Deleting what is already gone is success: the caller's intent holds.
      await file.delete({ ignoreNotFound: true });
    } catch (error) {
      throw this.#fail(error, target, 'delete');
    }
  }

  async presign(target: ObjectTarget, request: DriverPresignRequest): Promise<PresignedUrl> {
    if (request.method === 'PUT') refusePinned(target, 'presign PUT');
    const integration = this.#integration(target);
    const endpoint = this.#options.signingEndpoint ?? this.#options.apiEndpoint ?? DEFAULT_API_ENDPOINT;
    if (integration.config.auth.kind === 'anonymous') return presignPublicGcs(target, request, endpoint, this.#ctx.now());
    try {
      return await presignV4(target, request, this.#credentials.signer(integration), endpoint, this.#ctx.now(), integration.config.encryption?.kmsKeyName);
    } catch (error) {
      throw mapGcsError(error, target, `presign ${request.method}`);
    }
  }

  async list(target: ObjectTarget, limit: number): Promise<ListResult> {
    try {
      const storage = await this.#storage(this.#integration(target));
      const [files, nextQuery] = await storage.bucket(target.location.bucket).getFiles({
        prefix: target.location.key, maxResults: limit, autoPaginate: false,
      });
      return { keys: files.map((f) => f.name), truncated: Boolean(nextQuery) };
    } catch (error) {
      throw this.#fail(error, target, 'list');
    }
  }

  async listPage(target: ObjectTarget, request: ListPageRequest): Promise<ListPage> {
    try {
      const storage = await this.#storage(this.#integration(target));
      return await fetchListPage(storage.bucket(target.location.bucket), request);
    } catch (error) {
      throw this.#fail(error, target, 'list');
    }
  }

  async checkCredentials(integration: RegisteredIntegration, location?: AssetLocation): Promise<CredentialCheck> {
    const gcp = asGcp(integration);
    if (gcp.wildcard && !location) {
      throw new InvalidArgumentError(`integration "${gcp.id}" covers any bucket: its tokens are minted per bucket, so name one (verify: pass sampleUri)`, { integrationId: gcp.id });
    }
    if (location) return this.checkCredentials(narrowToBucket(gcp, location.bucket));
    if (gcp.config.auth.kind === 'anonymous') return { detail: ANONYMOUS_DETAIL };
    const credential = await this.#credentials.storageCredential(gcp);
    return { expiresAt: new Date(credential.expiresAt), detail: this.#credentials.describe(gcp) };
  }

  /**
   * A write with the integration's own token, past assetlink's READ_ONLY guard (verify only):
   * proves that the read-only scope / access boundary / IAM refuse it. Create-only, and any object
   * it makes is removed by exact generation.
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

  /** `ifGenerationMatch=0`: GCS refuses the upload (412) when any live object has the name. */
  async createIfAbsent(target: ObjectTarget, body: Uint8Array, opts: { contentType?: string }): Promise<ObjectVersion> {
    try {
      const { file } = await this.#file(target, true);
      await file.save(Buffer.from(body), {
        resumable: false,
        preconditionOpts: { ifGenerationMatch: 0 },
        ...(opts.contentType ? { contentType: opts.contentType } : {}),
      });
      const generation = file.metadata.generation;
      if (generation === undefined || generation === null) throw new ProviderError(`Cloud Storage created ${target.location.uri} but reported no generation`, { integrationId: target.integration.id, uri: target.location.uri });
      return { value: String(generation) };
    } catch (error) {
      if (httpStatusOf(error) === 412) throw alreadyExistsAt(target);
      throw this.#fail(error, target, 'create');
    }
  }

  /** `ifGenerationMatch=<generation>`: only that generation is deleted; a newer one (412) or none (404) is left. */
  async deleteVersion(target: ObjectTarget, version: ObjectVersion): Promise<boolean> {
    try {
      const { file } = await this.#file(target);
      await file.delete({ ifGenerationMatch: version.value });
      return true;
    } catch (error) {
      const status = httpStatusOf(error);
      if (status === 412 || status === 404) return false;
      throw this.#fail(error, target, 'delete');
    }
  }

  /** For `verify`: the bucket's location. Needs `storage.buckets.get`, which object roles do not grant (then undefined). */
  async bucketRegion(target: ObjectTarget): Promise<string | undefined> {
    try {
      const storage = await this.#storage(this.#integration(target));
      const [metadata] = await storage.bucket(target.location.bucket).getMetadata();
      return typeof metadata.location === 'string' ? metadata.location : undefined;
    } catch (error) {
      throw this.#fail(error, target, 'read the location of');
    }
  }

  /** Needs `storage.buckets.get`, which object roles do not grant: expect ACCESS_DENIED for least-privilege setups. */
  async getCors(target: ObjectTarget): Promise<CorsRule[]> {
    try {
      const storage = await this.#storage(this.#integration(target));
      const [metadata] = await storage.bucket(target.location.bucket).getMetadata();
      return (metadata.cors ?? []).map((rule) => ({
        allowedOrigins: rule.origin ?? [],
        allowedMethods: rule.method ?? [],
        ...(rule.responseHeader ? { exposeHeaders: rule.responseHeader } : {}),
        ...(rule.maxAgeSeconds !== undefined ? { maxAgeSeconds: Number(rule.maxAgeSeconds) } : {}),
      }));
    } catch (error) {
      throw this.#fail(error, target, 'read the CORS configuration of');
    }
  }

  /** Credentials for another process, confined to a prefix and mode (gcp/vend.ts, docs/vending.md). */
  vend(target: ObjectTarget, request: DriverVendRequest): Promise<GcpVendedCredentials> {
    return vendGcp({ credentials: this.#credentials, platform: this.#options, now: this.#ctx.now, requestTimeoutMs: this.#ctx.requestTimeoutMs }, this.#integration(target), target, request);
  }

  async close(): Promise<void> {
    this.#clients = new WeakMap();
  }
}

/** `{ generation }` for a pinned location. The SDK keeps generations as JS numbers: one beyond 2^53 cannot be addressed exactly. */
function generationOf(target: ObjectTarget): { generation?: number } {
  const version = target.location.version;
  if (version === undefined) return {};
  const generation = Number(version);
  if (!Number.isSafeInteger(generation)) {
    throw new InvalidUriError(`generation ${version} of ${target.location.uri} is beyond what the Cloud Storage client can address exactly`, { uri: target.location.uri, integrationId: target.integration.id });
  }
  return { generation };
}

function refusePinned(target: ObjectTarget, operation: string): void {
  if (target.location.version === undefined) return;
  throw new ReadOnlyError(`cannot ${operation} ${target.location.uri}: it names generation ${target.location.version}, and a pinned generation is read-only`, { integrationId: target.integration.id, uri: target.location.uri });
}

function asGcp(integration: RegisteredIntegration): GcpRegistered {
  if (integration.config.provider !== 'gcp') throw new TypeError(`gcp driver given a ${integration.config.provider} integration`);
  return integration as unknown as GcpRegistered;
}

export const createDriver: DriverFactory = (ctx) => new GcpDriver(ctx);
