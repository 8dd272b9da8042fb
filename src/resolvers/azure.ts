import { Readable } from 'node:stream';
import { azureHeadExtras, azureUploadOptions } from './azure/object-options.js';
import type { DriverWriteOptions } from './write-options.js';
import type https from 'node:https';
import type { BlobServiceClient, Pipeline } from '@azure/storage-blob';
import { CachedTokenCredential, createAzureTokenStrategy } from '../auth/azure-token.js';
import { AccessDeniedError, AssetLinkError, InvalidTtlError, ProviderError, ReadOnlyError, VendUnsupportedError } from '../errors.js';
import type { RegisteredIntegration } from '../integrations/registered.js';
import type { AzureIntegration, AzurePlatformOptions, ByteRange, HeadResult, PresignedUrl } from '../types.js';
import type {
  CorsRule, CredentialCheck, DriverContext, DriverFactory, DriverPresignRequest, ListPage, ListPageRequest, ListResult, ObjectTarget,
  ObjectVersion, ProviderDriver,
} from './driver.js';
import { DelegationKeys, MAX_DELEGATION_KEY_SECONDS, type DelegationKeyScope } from './azure/delegation-key.js';
import { vendAzure } from './azure/vend.js';
import type { AzureVendedCredentials, DriverVendRequest } from '../vend/credentials.js';
import { mapStorageError } from './azure/errors.js';
import { typedByteStream } from '../resolver/streams.js';
import { createTrustingAgent, storagePipeline } from './azure/http.js';
import { assertListablePrefix, BlobEndpoint } from './azure/url.js';
import { filterPage, type RawItem } from './azure/list-page.js';
import { OperationSas, withSas, type OperationPermission, type OperationSasScope, type SasGrant } from './azure/operation-sas.js';
import { alreadyExistsAt, removeProbe } from './probe-write.js';
import { blobPinOf, pinnedBlobUrl, refusePinnedBlob, type BlobPin } from './azure/pins.js';
import { missingDependency } from '../optional-import.js';
import { azureBlobHost } from '../uri/azure.js';
import { createProxyAgent } from '../net/proxy.js';
import { proxyFor } from '../net/proxy-settings.js';
import { CustomerSas } from '../auth/azure-sas.js';
import { presignWithCustomerSas, probeWithCustomerSas, sasOperation } from './azure/customer-sas.js';
import { AzureBlockUploads } from './azure/block-upload.js';
import { anonymousAzureError, presignPublicAzure } from './azure/public-url.js';
import { ANONYMOUS_DETAIL } from '../auth/anonymous.js';

type StorageBlobModule = typeof import('@azure/storage-blob');

/** Block size and parallelism for streaming uploads: bounded memory (4 × 4 MiB) per write. */
const UPLOAD_BLOCK_BYTES = 4 * 1024 * 1024;
const UPLOAD_CONCURRENCY = 4;
/** Azure's maximum `maxresults` for List Blobs. */
const MAX_LIST_PAGE = 5000;
/** Storage errors that mean "this SAS kind is not accepted here" (a directory SAS on a service that will not list with it). */
const SAS_RESOURCE_REFUSED = new Set(['AuthorizationResourceTypeMismatch', 'AuthorizationFailure', 'AuthenticationFailed']);

/** What one Azure operation needs, derived from an ObjectTarget. */
interface BlobTarget {
  integration: RegisteredIntegration;
  config: AzureIntegration & { mode: 'read-only' | 'read-write' };
  account: string;
  container: string;
  key: string;
  uri: string;
  endpoint: BlobEndpoint;
  /** The blob's URL, without any SAS ('' for a listing target); names the pin, if any. */
  url: string;
  /** The snapshot or version the location pins. */
  pin?: BlobPin;
}

/**
 * Per-integration Entra clients: the token credential and a bearer-token pipeline. The token is
 * used for nothing but Get User Delegation Key (and reading the account's CORS rules for verify,
 * which no SAS can authorise); every data-plane request carries a SAS instead.
 */
interface IntegrationClients {
  credential: CachedTokenCredential;
  pipeline: Pipeline;
}

export const createDriver: DriverFactory = (ctx) => new AzureDriver(ctx);

/**
 * Azure Blob Storage through @azure/storage-blob. The customer's app registration (workload
 * identity federation or client secret) obtains a user delegation key; every data-plane request
 * then carries a user-delegation SAS minted locally for that operation alone (operation-sas.ts),
 * so a read-only integration's requests cannot write even when its identity could. Presigned URLs
 * are user-delegation SAS from the same key.
 */
class AzureDriver implements ProviderDriver {
  readonly provider = 'azure' as const;
  readonly maxPresignTtlSeconds = MAX_DELEGATION_KEY_SECONDS;
  readonly honoursPins = true;
  readonly #ctx: DriverContext;
  readonly #options: AzurePlatformOptions;
  readonly #agent: https.Agent | undefined;
  readonly #keys: DelegationKeys;
  readonly #sas: OperationSas;
  /** Keyed by the registered integration, so re-registering an id builds fresh clients. */
  readonly #clients = new WeakMap<RegisteredIntegration, Promise<IntegrationClients>>();
  readonly #endpoints = new Map<string, BlobEndpoint>();
  /** Per account: whether listings may use a directory SAS (hierarchical namespace), once known. */
  readonly #directorySas = new Map<string, boolean>();
  #sdk: Promise<StorageBlobModule> | undefined;
  /** Anonymous pipeline for requests whose URL already carries their SAS. */
  #sasPipeline: Pipeline | undefined;
  /** The customer's own SAS of `sas` integrations, parsed once per registration. */
  readonly #customerSas = new WeakMap<RegisteredIntegration, CustomerSas>();
  /** Browser uploads (src/resolvers/azure/block-upload.ts): Put Block SAS URLs, Put Block List. */
  readonly uploads: AzureBlockUploads = new AzureBlockUploads({
    presignPut: (target, ttlSeconds) => this.presign(target, { method: 'PUT', ttlSeconds, clamp: false }),
    blob: async (target, permissions, operation, run) => {
      const t = this.#target(target);
      if (permissions !== 'r') this.#assertWritable(t, operation);
      const sdk = await this.#loadSdk();
      return this.#call(t, operation, async () => run(new sdk.BlockBlobClient(await this.#blobUrl(t, permissions), this.#anonymous(sdk))));
    },
  });

  constructor(ctx: DriverContext) {
    this.#ctx = ctx;
    this.#options = ctx.platform.azure ?? {};
    // platform.proxy: storage and Entra requests alike are CONNECT tunnels through it.
    const proxy = proxyFor(ctx.platform.proxy, 'azure', ctx.platform.noProxy);
    this.#agent = proxy ? createProxyAgent(proxy, this.#options.ca !== undefined ? { ca: this.#options.ca } : {}) : createTrustingAgent(this.#options.ca);
    const clockSkewSeconds = this.#options.clockSkewSeconds ?? 300;
    this.#keys = new DelegationKeys({
      cache: ctx.cache,
      now: ctx.now,
      clockSkewSeconds,
      ...(this.#options.delegationKeyTtlSeconds !== undefined ? { keyTtlSeconds: this.#options.delegationKeyTtlSeconds } : {}),
    });
    this.#sas = new OperationSas({ now: ctx.now, clockSkewSeconds });
  }

  async head(target: ObjectTarget, signal?: AbortSignal): Promise<HeadResult> {
    const t = this.#target(target);
    const sdk = await this.#loadSdk();
    const props = await this.#call(t, 'read the properties of', async () => {
      const blob = new sdk.BlobClient(await this.#blobUrl(t, 'r'), this.#anonymous(sdk));
      return blob.getProperties(signal ? { abortSignal: signal } : {});
    });
    return {
      size: props.contentLength ?? 0,
      ...(props.contentType !== undefined ? { contentType: props.contentType } : {}),
      ...(props.etag !== undefined ? { etag: props.etag } : {}),
      ...(props.lastModified !== undefined ? { lastModified: props.lastModified } : {}),
      ...azureHeadExtras(props),
    };
  }

  async read(target: ObjectTarget, range?: ByteRange, signal?: AbortSignal): Promise<ReadableStream<Uint8Array>> {
    const t = this.#target(target);
    const sdk = await this.#loadSdk();
    const offset = range?.start ?? 0;
    const count = range?.end !== undefined ? range.end - range.start + 1 : undefined;
    // The per-request timeout covers the response headers only: a large body may take longer.
    // A SAS is checked when a request starts, so a long download outliving it is fine.
    const response = await this.#call(t, 'read', async () => {
      const blob = new sdk.BlobClient(await this.#blobUrl(t, 'r'), this.#anonymous(sdk));
      return blob.download(offset, count, signal ? { abortSignal: signal } : {});
    });
    const body = response.readableStreamBody as Readable | undefined;
    if (!body) throw new ProviderError(`Azure Storage returned no body for ${t.uri}`, { integrationId: t.integration.id, uri: t.uri });
    return typedByteStream(body as AsyncIterable<Uint8Array>, (error) => mapStorageError(error, { integrationId: t.integration.id, uri: t.uri, operation: 'read' }));
  }

  async write(target: ObjectTarget, body: Uint8Array | ReadableStream<Uint8Array>, opts: DriverWriteOptions): Promise<void> {
    const t = this.#target(target);
    this.#assertWritable(t, 'write');
    const options = azureUploadOptions(opts, t.integration.config as { encryption?: { scope: string } }, t.uri);
    const sdk = await this.#loadSdk();
    // Every request of the upload (one Put Blob, or Put Block × n + Put Block List) signs itself
    // with a `w` SAS for this blob: an upload longer than a SAS window keeps working.
    const blob = new sdk.BlockBlobClient(t.url, this.#signingPipeline(sdk, t, 'w'));
    if (body instanceof Uint8Array) {
      await this.#call(t, 'write', () => blob.uploadData(body, {
        ...options, maxSingleShotSize: UPLOAD_BLOCK_BYTES, blockSize: UPLOAD_BLOCK_BYTES, concurrency: UPLOAD_CONCURRENCY,
      }));
      return;
    }
    // Staged blocks committed at the end: nothing is visible until the whole stream has arrived.
    // An aborted upload never sends Put Block List: its blocks stay uncommitted, invisible, and
    // Azure discards them after a week.
    const stream = Readable.fromWeb(body as import('node:stream/web').ReadableStream<Uint8Array>);
    await this.#call(t, 'write', () => blob.uploadStream(stream, UPLOAD_BLOCK_BYTES, UPLOAD_CONCURRENCY, options));
  }

  async delete(target: ObjectTarget): Promise<void> {
    const t = this.#target(target);
    this.#assertWritable(t, 'delete');
    const sdk = await this.#loadSdk();
    // Deleting a blob that is already gone is not an error (the contract's idempotent delete).
    await this.#call(t, 'delete', async () => {
      const blob = new sdk.BlobClient(await this.#blobUrl(t, 'd'), this.#anonymous(sdk));
      return blob.deleteIfExists({ deleteSnapshots: 'include' });
    });
  }

  /**
   * Put Blob with `If-None-Match: *` and a create-only (`c`) SAS: Azure refuses to overwrite on
   * both counts (409 BlobAlreadyExists / 412). The version is the new blob's ETag.
   */
  async createIfAbsent(target: ObjectTarget, body: Uint8Array, opts: { contentType?: string }): Promise<ObjectVersion> {
    const t = this.#target(target);
    this.#assertWritable(t, 'create');
    return this.#createOnly(t, 'c', body, opts.contentType);
  }

  /** Delete Blob with `If-Match: <ETag>` and a `d` SAS: 412 (replaced) or 404 (gone) delete nothing. */
  async deleteVersion(target: ObjectTarget, version: ObjectVersion): Promise<boolean> {
    const t = this.#target(target);
    this.#assertWritable(t, 'delete');
    const sdk = await this.#loadSdk();
    try {
      await this.#call(t, 'delete', async () => {
        const blob = new sdk.BlobClient(await this.#blobUrl(t, 'd'), this.#anonymous(sdk));
        return blob.delete({ conditions: { ifMatch: version.value } });
      });
      return true;
    } catch (error) {
      const status = statusOf(error);
      if (status === 412 || status === 404) return false;
      throw error;
    }
  }

  async presign(target: ObjectTarget, request: DriverPresignRequest): Promise<PresignedUrl> {
    const t = this.#target(target);
    if (request.method === 'PUT') this.#assertWritable(t, 'presign PUT');
    if (isAnonymous(t)) return presignPublicAzure(t, request, this.#ctx.now());
    const customer = this.#customerSasOf(t);
    if (customer) return presignWithCustomerSas(t, customer, request, this.#ctx.now());
    const now = this.#ctx.now();
    const skewMs = (this.#options.clockSkewSeconds ?? 300) * 1000;
    const wantedExpiry = floorSeconds(now + request.ttlSeconds * 1000);
    // A cached delegation key that covers the URL comes back without a promise: a warm presign awaits nothing.
    const signerNow = this.#keys.signerNow(this.#keyScope(t), wantedExpiry);
    const signer = signerNow instanceof Promise ? await signerNow : signerNow;
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
    const get = request.method === 'GET';
    // Optional fields as undefined rather than spread in: this object is built for every presigned URL.
    const query = signer.sign({
      account: t.endpoint.sasAccount,
      container: t.container,
      blob: t.key,
      // Least privilege: read-write integrations still get read-only GET URLs.
      permissions: request.method === 'PUT' ? 'cw' : 'r',
      resource: t.pin?.resource,
      pinnedTime: t.pin?.time,
      startsOn: new Date(startsOn),
      expiresOn: new Date(expiresOn),
      responseContentType: get ? request.responseContentType ?? request.contentType : undefined,
      responseContentDisposition: get ? request.responseContentDisposition : undefined,
    });
    const scope = (t.integration.config as { encryption?: { scope: string } }).encryption?.scope;
    const headers: Record<string, string> = request.method === 'PUT'
      ? { 'x-ms-blob-type': 'BlockBlob', ...(request.contentType !== undefined ? { 'content-type': request.contentType } : {}), ...(scope !== undefined ? { 'x-ms-encryption-scope': scope } : {}) }
      : {};
    return { url: withSas(t.url, query), method: request.method, expiresAt: new Date(expiresOn), headers };
  }

  /** Credentials for another process: a directory (or container) SAS (azure/vend.ts, docs/vending.md). */
  vend(target: ObjectTarget, request: DriverVendRequest): Promise<AzureVendedCredentials> {
    const t = this.#target({ ...target, location: { ...target.location, key: '' } }, true);
    if (isAnonymous(t)) {
      // Nothing to vend: a public container needs no credentials, and assetlink holds none for it.
      return Promise.reject(new VendUnsupportedError(`integration "${t.integration.id}" is anonymous: there are no credentials to vend for ${t.uri}; hand the worker the public URLs (presignMany) instead`, { integrationId: t.integration.id, uri: t.uri }));
    }
    return vendAzure({
      now: this.#ctx.now,
      clockSkewSeconds: this.#options.clockSkewSeconds ?? 300,
      hierarchical: () => this.#hierarchical(t),
      signer: (neededUntil) => this.#keys.signerFor(this.#keyScope(t), neededUntil),
    }, {
      integrationId: t.integration.id, uri: t.uri, sasAccount: t.endpoint.sasAccount, container: t.container, containerUrl: t.endpoint.containerUrl(t.container),
    }, request);
  }

  /** Whether the account has a hierarchical namespace: Get Account Information, remembered per account (shared with listings). */
  async #hierarchical(t: BlobTarget): Promise<boolean> {
    const known = this.#directorySas.get(t.account);
    if (known !== undefined) return known;
    const sdk = await this.#loadSdk();
    const sas = await this.#sas.query(this.#sasScope(t), { resource: 'c', path: '', permissions: 'l' });
    const container = new sdk.ContainerClient(withSas(t.endpoint.containerUrl(t.container), sas), this.#anonymous(sdk));
    try {
      const hns = (await container.getAccountInfo()).isHierarchicalNamespaceEnabled === true;
      this.#directorySas.set(t.account, hns);
      return hns;
    } catch (error) {
      // Refused: not confirmed, so treated as flat (vending then refuses rather than guessing).
      if (statusOf(error) === 403) return false;
      throw mapStorageError(error, { integrationId: t.integration.id, uri: t.uri, operation: 'read the account information of' });
    }
  }

  async list(target: ObjectTarget, limit: number): Promise<ListResult> {
    const page = await this.listPage(target, { prefix: target.location.key, delimiter: false, pageSize: Math.max(1, limit) });
    return { keys: page.objects.map((o) => o.key).slice(0, limit), truncated: page.nextPageToken !== undefined };
  }

  /**
   * One page of List Blobs with a list-only SAS: the container (sr=c), or on an account with a
   * hierarchical namespace the directory that holds the prefix (sr=d + sdd), so there the SAS
   * itself confines the listing. `startAfter` is applied by skipping (see list-page.ts);
   * `endBefore` ends the listing at the first page that reaches it.
   */
  async listPage(target: ObjectTarget, request: ListPageRequest): Promise<ListPage> {
    const t = this.#target({ ...target, location: { ...target.location, key: request.prefix } }, true);
    const sdk = await this.#loadSdk();
    const maxPageSize = Math.min(MAX_LIST_PAGE, Math.max(1, Math.floor(request.pageSize)));
    let marker = request.pageToken;
    for (;;) {
      if (request.signal?.aborted) throw abortedError(t, request.signal);
      const page = await this.#listOnce(sdk, t, request, maxPageSize, marker);
      const filtered = filterPage(request, page.items, page.prefixes);
      // Accounts with a hierarchical namespace list directory-first ('/' before every other
      // character), not in byte order: there `endBefore` only filters, it cannot end the listing.
      const ordered = this.#directorySas.get(t.account) !== true;
      const next = filtered.reachedEnd && ordered ? undefined : page.continuationToken;
      if (filtered.objects.length > 0 || filtered.prefixes.length > 0 || next === undefined) {
        return { objects: filtered.objects, prefixes: filtered.prefixes, ...(next !== undefined ? { nextPageToken: next } : {}) };
      }
      // Everything on this page lay before `startAfter`: read on rather than hand back an empty page.
      marker = next;
    }
  }

  /**
   * Gets the integration's Entra token and a user delegation key for its account: the two things
   * every operation and every presigned URL need. A missing `generateUserDelegationKey` permission
   * (data role assigned below account scope, no Storage Blob Delegator) fails here, not later.
   */
  async checkCredentials(integration: RegisteredIntegration): Promise<CredentialCheck> {
    const config = integration.config;
    if (config.provider !== 'azure') throw new ProviderError(`integration "${integration.id}" is not an Azure integration`, { integrationId: integration.id });
    // A container-less (account-wide, tenant-bound) scope: the token and delegation key are per account anyway.
    const { account, container = '' } = config.scope;
    const cloud = config.scope.cloud ?? 'public';
    const uri = `https://${azureBlobHost(account, cloud)}/${container}`;
    const t = this.#target({ integration, location: { provider: 'azure', account, bucket: container, key: '', uri, cloud } }, true);
    if (isAnonymous(t)) return { detail: ANONYMOUS_DETAIL };
    const customer = this.#customerSasOf(t);
    if (customer) {
      customer.queryFor('read', this.#ctx.now(), uri);
      const p = customer.parsed;
      return {
        expiresAt: p.expiresOn,
        detail: `customer-issued ${p.resource} SAS${p.userDelegation ? ' (user delegation)' : ''}, sp=${[...p.permissions].join('')}, `
          + `valid until ${p.expiresOn.toISOString()}; used as is (assetlink cannot narrow it)`
          + (config.mode === 'read-only' && [...p.permissions].some((l) => l !== 'r' && l !== 'l') ? '; it also grants writes, which assetlink never uses for this read-only integration' : ''),
      };
    }

    const { credential } = await this.#clientsFor(t);
    const token = await credential.getToken();
    const signer = await this.#keys.signerFor(this.#keyScope(t), this.#ctx.now());
    return {
      expiresAt: new Date(token.expiresOnTimestamp),
      detail: `Entra token for app ${entraApp(config)} (${config.auth.kind}); ` +
        `user delegation key for account ${account} valid until ${signer.expiresOn.toISOString()}; ` +
        `data-plane requests use per-operation SAS (${config.mode === 'read-write' ? 'r/w/c/d/l' : 'r/l only'})`,
    };
  }

  /**
   * A create-only write with exactly the SAS this integration can mint for the blob, past
   * assetlink's READ_ONLY guard (verify only). For a read-only integration that is an `r` SAS, so
   * Azure refuses the write whatever role the customer assigned. Anything it manages to create is
   * removed by exact ETag (which needs a `d` SAS: a read-only integration never gets one, and then
   * reports the object for removal by hand).
   */
  async probeRawWrite(target: ObjectTarget, body: Uint8Array): Promise<'refused' | 'allowed'> {
    const t = this.#target(target);
    // Azure authorises no unsigned write, and an anonymous integration sends nothing else.
    if (isAnonymous(t)) return 'refused';
    const customer = this.#customerSasOf(t);
    // A read-only integration's SAS is never sent with a write: what it could do is read from its sp.
    if (customer && t.config.mode !== 'read-write') return probeWithCustomerSas(customer);
    let created: ObjectVersion;
    try {
      created = await this.#createOnly(t, t.config.mode === 'read-write' ? 'c' : 'r', body, 'text/plain');
    } catch (error) {
      if (error instanceof AssetLinkError && error.code === 'ACCESS_DENIED') return 'refused';
      throw error;
    }
    await removeProbe(() => this.deleteVersion(target, created), target);
    return 'allowed';
  }

  /**
   * The account's Blob service CORS rules. Reading them (Get Blob Service Properties) needs more than
   * the data roles grant, and no SAS but an account SAS can authorise it, so this one read uses the
   * Entra token; least-privilege setups get ACCESS_DENIED here; `az storage cors list` shows them.
   */
  async getCors(target: ObjectTarget): Promise<CorsRule[]> {
    const t = this.#target(target, true);
    if (isAnonymous(t)) {
      throw new AccessDeniedError(`integration "${t.integration.id}" is anonymous: reading the CORS rules of account ${t.account} (Get Blob Service Properties) needs the account's credentials; check them with az storage cors list`, { integrationId: t.integration.id, uri: t.uri });
    }
    const customer = this.#customerSasOf(t);
    let service: BlobServiceClient;
    if (customer) {
      // Only an account SAS with srt "s" can read service properties; anything else fails here, unsent.
      const sdk = await this.#loadSdk();
      service = new sdk.BlobServiceClient(withSas(t.endpoint.serviceUrl, customer.queryFor('service-properties', this.#ctx.now(), t.uri)), this.#anonymous(sdk));
    } else {
      const { sdk, pipeline } = await this.#clientsFor(t);
      service = new sdk.BlobServiceClient(t.endpoint.serviceUrl, pipeline);
    }
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
    this.#sas.clear();
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
    // The integration's cloud decides the host (a URI of another cloud never matches it).
    const cloud = config.scope.cloud ?? 'public';
    const endpointKey = `${cloud}\n${account}`;
    let endpoint = this.#endpoints.get(endpointKey);
    if (!endpoint) {
      endpoint = new BlobEndpoint(account, this.#options, cloud);
      this.#endpoints.set(endpointKey, endpoint);
    }
    const container = target.location.bucket;
    let url = '';
    const pin = listing ? undefined : blobPinOf(target.location);
    if (listing) assertListablePrefix(key);
    else url = pinnedBlobUrl(endpoint.blobUrl(container, key), pin);
    return { integration: target.integration, config, account, container, key, uri: target.location.uri, endpoint, url, ...(pin ? { pin } : {}) };
  }

  #assertWritable(t: BlobTarget, operation: string): void {
    refusePinnedBlob(t.pin, operation, { integrationId: t.integration.id, uri: t.uri });
    // The resolver refuses first; this is the driver's own guard for direct callers.
    if (t.config.mode !== 'read-write') {
      throw new ReadOnlyError(`cannot ${operation} ${t.uri}: integration "${t.integration.id}" is read-only`, { integrationId: t.integration.id, uri: t.uri });
    }
  }

  /** Put Blob, create-only (`If-None-Match: *`), with a SAS of `permissions`. */
  async #createOnly(t: BlobTarget, permissions: 'c' | 'r', body: Uint8Array, contentType: string | undefined): Promise<ObjectVersion> {
    const sdk = await this.#loadSdk();
    try {
      const response = await this.#call(t, 'create', async () => {
        const blob = new sdk.BlockBlobClient(await this.#blobUrl(t, permissions), this.#anonymous(sdk));
        return blob.upload(body, body.byteLength, {
          conditions: { ifNoneMatch: '*' },
          ...(contentType !== undefined ? { blobHTTPHeaders: { blobContentType: contentType } } : {}),
          ...((t.integration.config as { encryption?: { scope: string } }).encryption ? { encryptionScope: (t.integration.config as { encryption?: { scope: string } }).encryption!.scope } : {}),
        });
      });
      if (!response.etag) throw new ProviderError(`Azure Storage created ${t.uri} but returned no ETag`, { integrationId: t.integration.id, uri: t.uri });
      return { value: response.etag };
    } catch (error) {
      const status = statusOf(error);
      const at = { integration: t.integration, location: { provider: 'azure' as const, account: t.account, bucket: t.container, key: t.key, uri: t.uri } };
      if (status === 409 || status === 412) throw alreadyExistsAt(at);
      // A create-only (`c`) SAS may not replace a blob: Azure answers 403 AuthorizationPermissionMismatch
      // before it looks at If-None-Match. Whether that meant "exists" or "not allowed" is told apart
      // by a read; nothing was written either way.
      if (permissions === 'c' && status === 403 && storageCodeOf(error) === 'AuthorizationPermissionMismatch'
        && await this.head(at).then(() => true, () => false)) throw alreadyExistsAt(at);
      throw error;
    }
  }

  /** The blob URL with a SAS for one operation. */
  async #blobUrl(t: BlobTarget, permissions: OperationPermission): Promise<string> {
    return withSas(t.url, await this.#query(t, t.pin
      ? { resource: t.pin.resource, path: t.key, permissions, pinnedTime: t.pin.time }
      : { resource: 'b', path: t.key, permissions }));
  }

  /**
   * The SAS query for one operation: the customer's own SAS for `sas` integrations (checked for
   * mode, permission and expiry, nothing sent otherwise), else a user-delegation SAS minted for it.
   */
  async #query(t: BlobTarget, grant: SasGrant): Promise<string> {
    if (isAnonymous(t)) {
      // No SAS at all ('' keeps the URL plain); only reads and listings are ever sent unsigned.
      if (grant.permissions !== 'r' && grant.permissions !== 'l') {
        throw new ReadOnlyError(`integration "${t.integration.id}" is anonymous and so read-only: no "${grant.permissions}" request is sent (${t.uri})`, { integrationId: t.integration.id, uri: t.uri });
      }
      return '';
    }
    const customer = this.#customerSasOf(t);
    if (!customer) return this.#sas.query(this.#sasScope(t), grant);
    if (t.config.mode !== 'read-write' && grant.permissions !== 'r' && grant.permissions !== 'l') {
      throw new ReadOnlyError(`integration "${t.integration.id}" is read-only: its SAS is never used for "${grant.permissions}" (${t.uri})`, { integrationId: t.integration.id, uri: t.uri });
    }
    return customer.queryFor(sasOperation(grant.permissions), this.#ctx.now(), t.uri);
  }

  #customerSasOf(t: BlobTarget): CustomerSas | undefined {
    const auth = t.config.auth;
    if (auth.kind !== 'sas') return undefined;
    let sas = this.#customerSas.get(t.integration);
    if (!sas) {
      sas = new CustomerSas(auth.sasToken, t.integration.id);
      this.#customerSas.set(t.integration, sas);
    }
    return sas;
  }

  #sasScope(t: BlobTarget): OperationSasScope {
    return {
      key: `${t.integration.cacheNamespace}\n${t.account}\n${t.container}`,
      integrationId: t.integration.id,
      mode: t.config.mode,
      account: t.endpoint.sasAccount,
      container: t.container,
      uri: t.uri,
      signer: (neededUntil) => this.#keys.signerFor(this.#keyScope(t), neededUntil),
    };
  }

  async #listOnce(sdk: StorageBlobModule, t: BlobTarget, request: ListPageRequest, maxPageSize: number, marker: string | undefined): Promise<RawListPage> {
    const directory = await this.#listingDirectory(sdk, t, request.prefix);
    const run = async (useDirectory: boolean): Promise<RawListPage> => {
      const grant: SasGrant = useDirectory && directory
        ? { resource: 'd', path: directory.path, depth: directory.depth, permissions: 'l' }
        : { resource: 'c', path: '', permissions: 'l' };
      const sas = await this.#query(t, grant);
      const container = new sdk.ContainerClient(withSas(t.endpoint.containerUrl(t.container), sas), this.#anonymous(sdk));
      const options = { ...(request.prefix ? { prefix: request.prefix } : {}), ...(request.signal ? { abortSignal: request.signal } : {}) };
      const pages = request.delimiter
        ? container.listBlobsByHierarchy('/', options).byPage({ maxPageSize, ...(marker ? { continuationToken: marker } : {}) })
        : container.listBlobsFlat(options).byPage({ maxPageSize, ...(marker ? { continuationToken: marker } : {}) });
      const page = (await pages.next()).value as RawSdkPage | undefined;
      const segment = page?.segment;
      return {
        items: (segment?.blobItems ?? []).map((item) => ({
          name: item.name,
          ...(item.properties?.contentLength !== undefined ? { size: item.properties.contentLength } : {}),
          ...(item.properties?.etag !== undefined ? { etag: item.properties.etag } : {}),
          ...(item.properties?.lastModified !== undefined ? { lastModified: item.properties.lastModified } : {}),
          ...(item.properties?.contentType ? { contentType: item.properties.contentType } : {}),
        })),
        prefixes: (segment?.blobPrefixes ?? []).map((p) => p.name),
        ...(page?.continuationToken ? { continuationToken: page.continuationToken } : {}),
      };
    };
    return this.#call(t, 'list', async () => {
      if (!directory) return run(false);
      try {
        return await run(true);
      } catch (error) {
        // A service that will not list with a directory SAS: the container list SAS (still list-only,
        // the prefix enforced by assetlink) is what every other account gets. Remembered per account.
        if (!SAS_RESOURCE_REFUSED.has(storageCodeOf(error) ?? '')) throw error;
        this.#directorySas.set(t.account, false);
        return run(false);
      }
    });
  }

  /**
   * The directory a listing SAS can be confined to: on accounts with a hierarchical namespace, the
   * deepest whole directory of the prefix. Found once per account with Get Account Information
   * (authorised by the list SAS itself); Azurite and flat-namespace accounts answer "no" or refuse,
   * and get the container SAS.
   */
  async #listingDirectory(sdk: StorageBlobModule, t: BlobTarget, prefix: string): Promise<{ path: string; depth: number } | undefined> {
    const slash = prefix.lastIndexOf('/');
    // A customer's SAS is what it is: no directory SAS can be derived from it.
    if (slash <= 0 || isAnonymous(t) || this.#customerSasOf(t)) return undefined;
    let hns = this.#directorySas.get(t.account);
    if (hns === undefined) {
      try {
        const sas = await this.#sas.query(this.#sasScope(t), { resource: 'c', path: '', permissions: 'l' });
        const container = new sdk.ContainerClient(withSas(t.endpoint.containerUrl(t.container), sas), this.#anonymous(sdk));
        hns = (await container.getAccountInfo()).isHierarchicalNamespaceEnabled === true;
        this.#directorySas.set(t.account, hns);
      } catch (error) {
        const status = statusOf(error);
        // Refused (the list SAS does not cover it): the account is treated as flat from now on.
        if (status === 403) this.#directorySas.set(t.account, false);
        return undefined;
      }
    }
    if (!hns) return undefined;
    const path = prefix.slice(0, slash);
    return { path, depth: path.split('/').length };
  }

  #keyScope(t: BlobTarget): DelegationKeyScope {
    // One object per call, no closures: asked for on every presign.
    let perAccount = this.#keyCacheKeys.get(t.integration);
    if (!perAccount) { perAccount = new Map(); this.#keyCacheKeys.set(t.integration, perAccount); }
    const tenantId = entraTenant(t.config);
    let cacheKey = perAccount.get(t.account);
    if (cacheKey === undefined) {
      cacheKey = DelegationKeys.cacheKey({ cacheNamespace: t.integration.cacheNamespace, tenantId, account: t.account });
      if (perAccount.size < 1024) perAccount.set(t.account, cacheKey);
    }
    return new KeyScope(t, tenantId, cacheKey, this.#keyHooks);
  }

  /** Delegation key cache keys per registration and account, built once (the registration fixes namespace and tenant). */
  readonly #keyCacheKeys = new WeakMap<object, Map<string, string>>();

  /** What a KeyScope needs of this driver, bound once. */
  readonly #keyHooks: KeyHooks = {
    service: async (t) => {
      const { sdk, pipeline } = await this.#clientsFor(t);
      return new sdk.BlobServiceClient(t.endpoint.serviceUrl, pipeline);
    },
    mapError: (t, error) => {
      // Storage refused the Entra token itself (expired early, revoked): mint a new one next time.
      if (tokenRejected(error)) void this.#dropToken(t);
      return mapStorageError(error, { integrationId: t.integration.id, uri: t.uri, operation: 'get a user delegation key for' });
    },
  };

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
      ...(t.config.scope.cloud !== undefined ? { cloud: t.config.scope.cloud } : {}),
      ...(this.#options.authorityHost !== undefined ? { authorityHost: this.#options.authorityHost } : {}),
      ...(this.#agent ? { agent: this.#agent } : {}),
      requestTimeoutMs: this.#ctx.requestTimeoutMs,
    });
    const credential = new CachedTokenCredential(this.#ctx.cache, t.integration.id, strategy, t.integration.cacheNamespace);
    // One attempt per request: Get User Delegation Key is retried by the credential cache (bounded,
    // jittered, see docs/reliability.md); two retry layers would multiply.
    const pipeline = storagePipeline(sdk, credential, this.#agent, { retryOptions: { maxTries: 1 } }, this.#ctx.requestTimeoutMs);
    return { credential, pipeline };
  }

  /** The shared anonymous pipeline: every request on it carries its own SAS in the URL. */
  #anonymous(sdk: StorageBlobModule): Pipeline {
    this.#sasPipeline ??= storagePipeline(sdk, undefined, this.#agent, {
      // Short, bounded retries: callers see a typed, retryable error instead of a long stall.
      retryOptions: { maxTries: 3, retryDelayInMs: 200, maxRetryDelayInMs: 2_000 },
    }, this.#ctx.requestTimeoutMs);
    return this.#sasPipeline;
  }

  /**
   * A pipeline for one multi-request operation (an upload) on one blob: each request is signed as
   * it is sent with the current window's SAS of `permissions`, so it never carries an old one.
   */
  #signingPipeline(sdk: StorageBlobModule, t: BlobTarget, permissions: OperationPermission): Pipeline {
    const pipeline = storagePipeline(sdk, undefined, this.#agent, {
      retryOptions: { maxTries: 3, retryDelayInMs: 200, maxRetryDelayInMs: 2_000 },
    }, this.#ctx.requestTimeoutMs);
    const scope = this.#sasScope(t);
    pipeline.factories.push({
      create: (next) => ({
        sendRequest: async (request) => {
          request.url = withSas(request.url, this.#customerSasOf(t)
            ? await this.#query(t, { resource: 'b', path: t.key, permissions })
            : await this.#sas.query(scope, { resource: 'b', path: t.key, permissions }));
          return next.sendRequest(request);
        },
      }),
    });
    return pipeline;
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
      if (isAnonymous(t) && !(error instanceof AssetLinkError)) {
        throw anonymousAzureError(error, { integrationId: t.integration.id, uri: t.uri, operation }) ?? mapStorageError(error, { integrationId: t.integration.id, uri: t.uri, operation });
      }
      // A SAS storage refuses to authenticate (its delegation key was revoked, or rotated away):
      // forget the key and the SAS it signed so the next call gets a new key.
      if (!(error instanceof AssetLinkError) && tokenRejected(error)) this.#forgetKey(t);
      throw mapStorageError(error, { integrationId: t.integration.id, uri: t.uri, operation });
    }
  }

  #forgetKey(t: BlobTarget): void {
    this.#ctx.cache.invalidate(DelegationKeys.cacheKey({ cacheNamespace: t.integration.cacheNamespace, tenantId: entraTenant(t.config), account: t.account }));
    this.#sas.forget(`${t.integration.cacheNamespace}\n${t.account}\n`);
  }

  /** Forgets the token everywhere it is cached: the credential cache, the SDK credential, and the pipeline's bearer policy (so the pipeline is rebuilt). */
  async #dropToken(t: BlobTarget): Promise<void> {
    const pending = this.#clients.get(t.integration);
    this.#clients.delete(t.integration);
    (await pending?.catch(() => undefined))?.credential.invalidate();
  }
}

interface RawListPage { items: RawItem[]; prefixes: string[]; continuationToken?: string }

/** The fields of a List Blobs page the driver reads (flat and hierarchical pages share them). */
interface RawSdkPage {
  continuationToken?: string;
  segment?: {
    blobItems?: Array<{ name: string; properties?: { contentLength?: number; etag?: string; lastModified?: Date; contentType?: string } }>;
    blobPrefixes?: Array<{ name: string }>;
  };
}

/** `{ kind: 'anonymous' }`: unsigned requests only, no SAS, no Entra token, no delegation key. */
function isAnonymous(t: BlobTarget): boolean {
  return t.config.auth.kind === 'anonymous';
}

/** The Entra tenant of an app-registration integration ('' for a SAS integration, which has none). */
function entraTenant(config: AzureIntegration): string {
  return 'tenantId' in config.auth ? config.auth.tenantId : '';
}

function entraApp(config: AzureIntegration): string {
  return 'clientId' in config.auth ? `${config.auth.clientId} in tenant ${config.auth.tenantId}` : '(none)';
}

function statusOf(error: unknown): number | undefined {
  if (error instanceof AssetLinkError) return statusOf(error.cause);
  const e = (error ?? {}) as { statusCode?: number; status?: number };
  return e.statusCode ?? e.status;
}

function storageCodeOf(error: unknown): string | undefined {
  if (error instanceof AssetLinkError) return storageCodeOf(error.cause);
  const e = (error ?? {}) as { code?: string; details?: { errorCode?: string } };
  return e.details?.errorCode ?? e.code;
}

function abortedError(t: BlobTarget, signal: AbortSignal): AssetLinkError {
  return mapStorageError(Object.assign(new Error('aborted'), { name: 'AbortError', cause: signal.reason }), { integrationId: t.integration.id, uri: t.uri, operation: 'list' });
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

interface KeyHooks {
  service(t: BlobTarget): Promise<BlobServiceClient>;
  mapError(t: BlobTarget, error: unknown): Error;
}

/** The delegation key scope of one blob target (DelegationKeyScope): the integration's tenant and account. */
class KeyScope implements DelegationKeyScope {
  readonly integrationId: string;
  readonly cacheNamespace: string;
  readonly account: string;
  readonly #target: BlobTarget;
  readonly #hooks: KeyHooks;

  constructor(target: BlobTarget, readonly tenantId: string, readonly cacheKey: string, hooks: KeyHooks) {
    this.integrationId = target.integration.id;
    this.cacheNamespace = target.integration.cacheNamespace;
    this.account = target.account;
    this.#target = target;
    this.#hooks = hooks;
  }

  service(): Promise<BlobServiceClient> { return this.#hooks.service(this.#target); }
  mapError(error: unknown): Error { return this.#hooks.mapError(this.#target, error); }
}
