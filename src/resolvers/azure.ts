import { Readable } from 'node:stream';
import type https from 'node:https';
import type { BlobServiceClient, Pipeline } from '@azure/storage-blob';
import { CachedTokenCredential, createAzureTokenStrategy } from '../auth/azure-token.js';
import { InvalidTtlError, ProviderError, ReadOnlyError } from '../errors.js';
import type { RegisteredIntegration } from '../integrations/registered.js';
import type { AzureIntegration, AzurePlatformOptions, ByteRange, HeadResult, PresignedUrl } from '../types.js';
import type {
  CorsRule, CredentialCheck, DriverContext, DriverFactory, DriverPresignRequest, ListResult, ObjectTarget, ProviderDriver,
} from './driver.js';
import { DelegationKeys, MAX_DELEGATION_KEY_SECONDS } from './azure/delegation-key.js';
import { mapStorageError } from './azure/errors.js';
import { typedByteStream } from '../resolver/streams.js';
import { createTrustingAgent, storagePipeline } from './azure/http.js';
import { assertListablePrefix, BlobEndpoint } from './azure/url.js';
import { missingDependency } from '../optional-import.js';

type StorageBlobModule = typeof import('@azure/storage-blob');

/** Block size and parallelism for streaming uploads: bounded memory (4 × 4 MiB) per write. */
const UPLOAD_BLOCK_BYTES = 4 * 1024 * 1024;
const UPLOAD_CONCURRENCY = 4;

/** What one Azure operation needs, derived from an ObjectTarget. */
interface BlobTarget {
  integration: RegisteredIntegration;
  config: AzureIntegration & { mode: 'read-only' | 'read-write' };
  account: string;
  container: string;
  key: string;
  uri: string;
  endpoint: BlobEndpoint;
  /** The blob's URL ('' for a listing target). */
  url: string;
}

/** Per-integration clients: one token credential and one storage pipeline, created on first use. */
interface IntegrationClients {
  credential: CachedTokenCredential;
  pipeline: Pipeline;
}

export const createDriver: DriverFactory = (ctx) => new AzureDriver(ctx);

/**
 * Azure Blob Storage through @azure/storage-blob, authenticated as the customer's app registration
 * (workload identity federation or client secret). Presigned URLs are user-delegation SAS signed
 * locally with a cached delegation key.
 */
class AzureDriver implements ProviderDriver {
  readonly provider = 'azure' as const;
  readonly maxPresignTtlSeconds = MAX_DELEGATION_KEY_SECONDS;
  readonly #ctx: DriverContext;
  readonly #options: AzurePlatformOptions;
  readonly #agent: https.Agent | undefined;
  readonly #keys: DelegationKeys;
  /** Keyed by the registered integration, so re-registering an id builds fresh clients. */
  readonly #clients = new WeakMap<RegisteredIntegration, Promise<IntegrationClients>>();
  readonly #endpoints = new Map<string, BlobEndpoint>();
  #sdk: Promise<StorageBlobModule> | undefined;

  constructor(ctx: DriverContext) {
    this.#ctx = ctx;
    this.#options = ctx.platform.azure ?? {};
    this.#agent = createTrustingAgent(this.#options.ca);
    this.#keys = new DelegationKeys({
      cache: ctx.cache,
      now: ctx.now,
      clockSkewSeconds: this.#options.clockSkewSeconds ?? 300,
      ...(this.#options.delegationKeyTtlSeconds !== undefined ? { keyTtlSeconds: this.#options.delegationKeyTtlSeconds } : {}),
    });
  }

  async head(target: ObjectTarget): Promise<HeadResult> {
    const t = this.#target(target);
    const { sdk, pipeline } = await this.#clientsFor(t);
    const blob = new sdk.BlobClient(t.url, pipeline);
    const props = await this.#call(t, 'read the properties of', () => blob.getProperties());
    return {
      size: props.contentLength ?? 0,
      ...(props.contentType !== undefined ? { contentType: props.contentType } : {}),
      ...(props.etag !== undefined ? { etag: props.etag } : {}),
      ...(props.lastModified !== undefined ? { lastModified: props.lastModified } : {}),
    };
  }

  async read(target: ObjectTarget, range?: ByteRange): Promise<ReadableStream<Uint8Array>> {
    const t = this.#target(target);
    const { sdk, pipeline } = await this.#clientsFor(t);
    const blob = new sdk.BlobClient(t.url, pipeline);
    const offset = range?.start ?? 0;
    const count = range?.end !== undefined ? range.end - range.start + 1 : undefined;
    // The per-request timeout covers the response headers only: a large body may take longer.
    const response = await this.#call(t, 'read', () => blob.download(offset, count));
    const body = response.readableStreamBody as Readable | undefined;
    if (!body) throw new ProviderError(`Azure Storage returned no body for ${t.uri}`, { integrationId: t.integration.id, uri: t.uri });
    return typedByteStream(body as AsyncIterable<Uint8Array>, (error) => mapStorageError(error, { integrationId: t.integration.id, uri: t.uri, operation: 'read' }));
  }

  async write(target: ObjectTarget, body: Uint8Array | ReadableStream<Uint8Array>, opts: { contentType?: string }): Promise<void> {
    const t = this.#target(target);
    this.#assertWritable(t, 'write');
    const { sdk, pipeline } = await this.#clientsFor(t);
    const blob = new sdk.BlockBlobClient(t.url, pipeline);
    const blobHTTPHeaders = opts.contentType !== undefined ? { blobContentType: opts.contentType } : {};
    if (body instanceof Uint8Array) {
      await this.#call(t, 'write', () => blob.uploadData(body, {
        blobHTTPHeaders, maxSingleShotSize: UPLOAD_BLOCK_BYTES, blockSize: UPLOAD_BLOCK_BYTES, concurrency: UPLOAD_CONCURRENCY,
      }));
      return;
    }
    // Staged blocks committed at the end: nothing is visible until the whole stream has arrived.
    const stream = Readable.fromWeb(body as import('node:stream/web').ReadableStream<Uint8Array>);
    await this.#call(t, 'write', () => blob.uploadStream(stream, UPLOAD_BLOCK_BYTES, UPLOAD_CONCURRENCY, { blobHTTPHeaders }));
  }

  async delete(target: ObjectTarget): Promise<void> {
    const t = this.#target(target);
    this.#assertWritable(t, 'delete');
    const { sdk, pipeline } = await this.#clientsFor(t);
    const blob = new sdk.BlobClient(t.url, pipeline);
    // Deleting a blob that is already gone is not an error (the contract's idempotent delete).
    await this.#call(t, 'delete', () => blob.deleteIfExists({ deleteSnapshots: 'include' }));
  }

  async presign(target: ObjectTarget, request: DriverPresignRequest): Promise<PresignedUrl> {
    const t = this.#target(target);
    if (request.method === 'PUT') this.#assertWritable(t, 'presign PUT');
    const now = this.#ctx.now();
    const skewMs = (this.#options.clockSkewSeconds ?? 300) * 1000;
    const wantedExpiry = floorSeconds(now + request.ttlSeconds * 1000);
    const signer = await this.#keys.signerFor(this.#keyScope(t), wantedExpiry);
    // Never outlive the delegation key that signs the URL; never start before it.
    let expiresOn = wantedExpiry;
    const keyExpiry = signer.expiresOn.getTime();
    if (expiresOn > keyExpiry) {
      if (!request.clamp) {
        throw new InvalidTtlError(
          `TTL ${request.ttlSeconds}s outlives the user delegation key that signs the URL (${Math.max(0, Math.floor((keyExpiry - now) / 1000))}s left); ask for less or pass { clamp: true }`,
          { integrationId: t.integration.id, uri: t.uri },
        );
      }
      expiresOn = keyExpiry;
    }
    const startsOn = Math.max(floorSeconds(now - skewMs), signer.startsOn.getTime());
    const query = signer.sign({
      account: t.endpoint.sasAccount,
      container: t.container,
      blob: t.key,
      // Least privilege: read-write integrations still get read-only GET URLs.
      permissions: request.method === 'PUT' ? 'cw' : 'r',
      startsOn: new Date(startsOn),
      expiresOn: new Date(expiresOn),
      ...(request.method === 'GET' && request.contentType !== undefined ? { responseContentType: request.contentType } : {}),
    });
    const headers: Record<string, string> = request.method === 'PUT'
      ? { 'x-ms-blob-type': 'BlockBlob', ...(request.contentType !== undefined ? { 'content-type': request.contentType } : {}) }
      : {};
    return { url: `${t.url}?${query}`, method: request.method, expiresAt: new Date(expiresOn), headers };
  }

  async list(target: ObjectTarget, limit: number): Promise<ListResult> {
    const t = this.#target(target, true);
    const { sdk, pipeline } = await this.#clientsFor(t);
    const container = new sdk.ContainerClient(t.endpoint.containerUrl(t.container), pipeline);
    const page = await this.#call(t, 'list', async () => {
      const pages = container.listBlobsFlat(t.key ? { prefix: t.key } : {}).byPage({ maxPageSize: Math.max(1, limit) });
      return (await pages.next()).value;
    });
    const keys = (page?.segment.blobItems ?? []).map((item: { name: string }) => item.name).slice(0, limit);
    return { keys, truncated: Boolean(page?.continuationToken) };
  }

  /**
   * Gets the integration's Entra token and a user delegation key for its account: the two things
   * every operation and every presigned URL need. A missing `generateUserDelegationKey` permission
   * (data role assigned below account scope, no Storage Blob Delegator) fails here, not later.
   */
  async checkCredentials(integration: RegisteredIntegration): Promise<CredentialCheck> {
    const config = integration.config;
    if (config.provider !== 'azure') throw new ProviderError(`integration "${integration.id}" is not an Azure integration`, { integrationId: integration.id });
    const { account, container } = config.scope;
    const uri = `https://${account}.blob.core.windows.net/${container}`;
    const t = this.#target({ integration, location: { provider: 'azure', account, bucket: container, key: '', uri } }, true);
    const { credential } = await this.#clientsFor(t);
    const token = await credential.getToken();
    const signer = await this.#keys.signerFor(this.#keyScope(t), this.#ctx.now());
    return {
      expiresAt: new Date(token.expiresOnTimestamp),
      detail: `Entra token for app ${config.auth.clientId} in tenant ${config.auth.tenantId} (${config.auth.kind}); ` +
        `user delegation key for account ${account} valid until ${signer.expiresOn.toISOString()}`,
    };
  }

  /**
   * A write with the integration's own token, past assetlink's READ_ONLY guard (verify only): a
   * Storage Blob Data Reader identity is refused by Azure. Deletes anything it manages to create.
   */
  async probeRawWrite(target: ObjectTarget, body: Uint8Array): Promise<'refused' | 'allowed'> {
    const t = this.#target(target);
    const { sdk, pipeline } = await this.#clientsFor(t);
    const blob = new sdk.BlockBlobClient(t.url, pipeline);
    try {
      await this.#call(t, 'probe a write to', () => blob.upload(body, body.byteLength, { blobHTTPHeaders: { blobContentType: 'text/plain' } }));
    } catch (error) {
      if ((error as { code?: string }).code === 'ACCESS_DENIED') return 'refused';
      throw error;
    }
    await blob.deleteIfExists().catch(() => undefined);
    return 'allowed';
  }

  /**
   * The account's Blob service CORS rules. Reading them (Get Blob Service Properties) needs more than
   * the data roles grant, so least-privilege setups get ACCESS_DENIED here; `az storage cors list`
   * shows them to the customer.
   */
  async getCors(target: ObjectTarget): Promise<CorsRule[]> {
    const t = this.#target(target, true);
    const { sdk, pipeline } = await this.#clientsFor(t);
    const service = new sdk.BlobServiceClient(t.endpoint.serviceUrl, pipeline);
    const properties = await this.#call(t, 'read the CORS rules of the account of', () => service.getProperties());
    const list = (value: string | undefined): string[] => (value ?? '').split(',').map((v) => v.trim()).filter(Boolean);
    return (properties.cors ?? []).map((rule) => ({
      allowedOrigins: list(rule.allowedOrigins),
      allowedMethods: list(rule.allowedMethods),
      allowedHeaders: list(rule.allowedHeaders),
      exposeHeaders: list(rule.exposedHeaders),
      maxAgeSeconds: rule.maxAgeInSeconds,
    }));
  }

  async close(): Promise<void> {
    this.#keys.clear();
    this.#agent?.destroy();
  }

  // ----------------------------------------------------------------- internals

  #target(target: ObjectTarget, listing = false): BlobTarget {
    const config = target.integration.config;
    if (config.provider !== 'azure') {
      throw new ProviderError(`integration "${target.integration.id}" is not an Azure integration`, { integrationId: target.integration.id });
    }
    const account = target.location.account ?? config.scope.account;
    const key = target.location.key;
    // Resolve the URL now: refuses keys the URL layer would rewrite before any network call.
    let endpoint = this.#endpoints.get(account);
    if (!endpoint) {
      endpoint = new BlobEndpoint(account, this.#options);
      this.#endpoints.set(account, endpoint);
    }
    const container = target.location.bucket;
    let url = '';
    if (listing) assertListablePrefix(key);
    else url = endpoint.blobUrl(container, key);
    return { integration: target.integration, config, account, container, key, uri: target.location.uri, endpoint, url };
  }

  #assertWritable(t: BlobTarget, operation: string): void {
    // The resolver refuses first; this is the driver's own guard for direct callers.
    if (t.config.mode !== 'read-write') {
      throw new ReadOnlyError(`cannot ${operation} ${t.uri}: integration "${t.integration.id}" is read-only`, { integrationId: t.integration.id, uri: t.uri });
    }
  }

  #keyScope(t: BlobTarget): import('./azure/delegation-key.js').DelegationKeyScope {
    return {
      integrationId: t.integration.id,
      cacheNamespace: t.integration.cacheNamespace,
      tenantId: t.config.auth.tenantId,
      account: t.account,
      service: async (): Promise<BlobServiceClient> => {
        const { sdk, pipeline } = await this.#clientsFor(t);
        return new sdk.BlobServiceClient(t.endpoint.serviceUrl, pipeline);
      },
      mapError: (error) => mapStorageError(error, { integrationId: t.integration.id, uri: t.uri, operation: 'get a user delegation key for' }),
    };
  }

  async #clientsFor(t: BlobTarget): Promise<IntegrationClients & { sdk: StorageBlobModule }> {
    const sdk = await this.#loadSdk();
    let clients = this.#clients.get(t.integration);
    if (!clients) {
      clients = this.#buildClients(sdk, t);
      clients.catch(() => this.#clients.delete(t.integration));
      this.#clients.set(t.integration, clients);
    }
    return { sdk, ...(await clients) };
  }

  async #buildClients(sdk: StorageBlobModule, t: BlobTarget): Promise<IntegrationClients> {
    const strategy = await createAzureTokenStrategy(t.config.auth, {
      ...(this.#options.authorityHost !== undefined ? { authorityHost: this.#options.authorityHost } : {}),
      ...(this.#agent ? { agent: this.#agent } : {}),
      requestTimeoutMs: this.#ctx.requestTimeoutMs,
    });
    const credential = new CachedTokenCredential(this.#ctx.cache, t.integration.id, strategy, t.integration.cacheNamespace);
    const pipeline = storagePipeline(sdk, credential, this.#agent, {
      // Short, bounded retries: callers see a typed, retryable error instead of a long stall.
      retryOptions: { maxTries: 3, retryDelayInMs: 200, maxRetryDelayInMs: 2_000 },
    }, this.#ctx.requestTimeoutMs);
    return { credential, pipeline };
  }

  #loadSdk(): Promise<StorageBlobModule> {
    this.#sdk ??= import('@azure/storage-blob').catch(missingDependency('@azure/storage-blob'));
    this.#sdk.catch(() => { this.#sdk = undefined; });
    return this.#sdk;
  }

  /** Runs one SDK call with typed errors (the pipeline applies the per-request timeout). */
  async #call<T>(t: BlobTarget, operation: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      // A token storage no longer accepts (expired early, revoked) must not stay cached until its
      // stated expiry, failing every call: drop it so the next call mints a new one.
      if (tokenRejected(error)) await this.#dropToken(t);
      throw mapStorageError(error, { integrationId: t.integration.id, uri: t.uri, operation });
    }
  }

  /** Forgets the token everywhere it is cached: the credential cache, the SDK credential, and the pipeline's bearer policy (so the pipeline is rebuilt). */
  async #dropToken(t: BlobTarget): Promise<void> {
    const pending = this.#clients.get(t.integration);
    this.#clients.delete(t.integration);
    (await pending?.catch(() => undefined))?.credential.invalidate();
  }
}

/** Storage refused the bearer token itself (401, or 403 AuthenticationFailed), not what it may do. */
function tokenRejected(error: unknown): boolean {
  const e = (error ?? {}) as { statusCode?: number; code?: string; details?: { errorCode?: string } };
  const code = e.details?.errorCode ?? e.code;
  return e.statusCode === 401 || code === 'InvalidAuthenticationInfo' || code === 'AuthenticationFailed';
}

function floorSeconds(ms: number): number {
  return Math.floor(ms / 1000) * 1000;
}
