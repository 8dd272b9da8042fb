import type { AssetLinkEvent } from '../events.js';
import type {
  AssetLocation, ByteRange, HeadResult, HttpMethod, PlatformOptions, PresignedUrl, Provider,
} from '../types.js';
import type { CredentialCache } from '../cache/credential-cache.js';
import type { RegisteredIntegration } from '../integrations/registered.js';
import type { DriverVendRequest, VendedCredentials } from '../vend/credentials.js';
import type { UploadDriver } from './uploads/driver-uploads.js';
import type { DriverWriteOptions } from './write-options.js';

/** Everything a provider driver gets from the resolver that owns it. */
export interface DriverContext {
  platform: PlatformOptions;
  /** Shared credential cache: `cache.get(key, fetch)`; keys should name integration and scope. */
  cache: CredentialCache;
  emit(event: AssetLinkEvent): void;
  now(): number;
  requestTimeoutMs: number;
}

/** One object an operation targets. The location has already passed the integration's scope check. */
export interface ObjectTarget {
  integration: RegisteredIntegration;
  location: AssetLocation;
}

export interface DriverPresignRequest {
  method: HttpMethod;
  /** Already validated: positive integer, ≤ driver.maxPresignTtlSeconds (or clamped to it). */
  ttlSeconds: number;
  contentType?: string;
  /** When true, shorten the TTL to what the signing credentials allow instead of failing. */
  clamp: boolean;
  /** GET only (validated): headers the download is served with, signed into the URL. */
  responseContentType?: string;
  responseContentDisposition?: string;
}

export interface ListResult { keys: string[]; truncated: boolean }

/**
 * One page of a listing, as the provider returns it. The resolver turns pages into the lazy
 * `resolver.list()` iterator (scope filtering, match, ranges, limit) — drivers only fetch pages.
 */
export interface ListPageRequest {
  /** Key prefix to list ('' = the whole bucket/container). Already checked against the integration's scope. */
  prefix: string;
  /** true → only the next path segment: keys with a '/' after `prefix` are folded into `prefixes`. */
  delimiter: boolean;
  /** Most entries (objects + prefixes) wanted in this page; a provider may return fewer. */
  pageSize: number;
  /** Exclusive lower bound (UTF-8 byte order). Used for the first page; later pages follow `pageToken`. */
  startAfter?: string;
  /** Exclusive upper bound, a hint: providers that can stop early use it; the caller filters anyway. */
  endBefore?: string;
  /** `nextPageToken` of the previous page. */
  pageToken?: string;
  signal?: AbortSignal;
}

export interface ListPageObject { key: string; size: number; etag?: string; lastModified?: Date; contentType?: string }

export interface ListPage {
  /** Objects of this page, sorted by key in UTF-8 byte order. */
  objects: ListPageObject[];
  /** Common prefixes (each ending in '/'), only when `delimiter` is true; sorted. */
  prefixes: string[];
  /** Absent on the last page. */
  nextPageToken?: string;
}

export interface CredentialCheck { expiresAt?: Date; detail: string }

/**
 * The exact version a create-only write made, for a later delete of that version only: S3 ETag
 * (+ VersionId on a versioned bucket), GCS generation, Azure ETag. Opaque outside the driver.
 */
export interface ObjectVersion { value: string; versionId?: string }

export interface CorsRule { allowedOrigins: string[]; allowedMethods: string[]; allowedHeaders?: string[]; exposeHeaders?: string[]; maxAgeSeconds?: number }

/**
 * What each provider implements, one file per provider under src/resolvers/.
 * Drivers never see read-only writes (the resolver refuses them first) nor out-of-scope keys.
 */
export interface ProviderDriver {
  readonly provider: Provider;
  /** Provider maximum for a presigned URL's lifetime. */
  readonly maxPresignTtlSeconds: number;
  /**
   * True when head/read/presign address exactly `location.version` / `location.snapshot`. A
   * driver without it is never handed a pinned location: it would serve the live object.
   */
  readonly honoursPins?: boolean;
  /** `signal` stops the request (the resolver turns what follows into ABORTED). */
  head(target: ObjectTarget, signal?: AbortSignal): Promise<HeadResult>;
  /** Must stream; must not buffer the whole object. Errors mid-stream error the stream. */
  read(target: ObjectTarget, range?: ByteRange, signal?: AbortSignal): Promise<ReadableStream<Uint8Array>>;
  /**
   * Writes with the integration's encryption, the object options, progress reports; an aborted
   * write must leave no object and no unfinished multipart upload / resumable session.
   */
  write(target: ObjectTarget, body: Uint8Array | ReadableStream<Uint8Array>, opts: DriverWriteOptions): Promise<void>;
  delete(target: ObjectTarget): Promise<void>;
  presign(target: ObjectTarget, request: DriverPresignRequest): Promise<PresignedUrl>;
  /** Keys under a prefix (location.key is the prefix), for verification. */
  list?(target: ObjectTarget, limit: number): Promise<ListResult>;
  /**
   * One page of a listing of `target.location.bucket` (the location's key is ignored: the request
   * names the prefix). Must use credentials allowed to list exactly the integration's scope.
   */
  listPage?(target: ObjectTarget, request: ListPageRequest): Promise<ListPage>;
  /**
   * Obtains (or reuses) the integration's delegated credentials without touching an object.
   * `location` names the bucket for integrations whose credentials are minted per bucket (wildcard scopes).
   */
  checkCredentials?(integration: RegisteredIntegration, location?: AssetLocation): Promise<CredentialCheck>;
  /**
   * Tries a write with the integration's own minted credentials, bypassing assetlink's READ_ONLY
   * guard. Only `verify` calls it, on read-only integrations, to prove the credentials themselves
   * cannot write. The write is create-only (ALREADY_EXISTS when the key exists: nothing is
   * touched); anything it creates it deletes by exact version before returning 'allowed', and a
   * version someone else wrote in between is left alone. Throws when its own object could not
   * be removed.
   */
  probeRawWrite?(target: ObjectTarget, body: Uint8Array): Promise<'refused' | 'allowed'>;
  /**
   * Writes `body` only when no object exists at the key (S3 `If-None-Match: *`, GCS
   * `ifGenerationMatch=0`, Azure `If-None-Match: *`): ALREADY_EXISTS otherwise, nothing written.
   */
  createIfAbsent?(target: ObjectTarget, body: Uint8Array, opts: { contentType?: string }): Promise<ObjectVersion>;
  /**
   * Deletes the object only while it is still exactly `version` (S3 `If-Match` / VersionId, GCS
   * `ifGenerationMatch`, Azure `If-Match`). false: it was replaced or is gone; nothing was deleted.
   */
  deleteVersion?(target: ObjectTarget, version: ObjectVersion): Promise<boolean>;
  /** The bucket's region/location as the provider reveals it to the integration's credentials (verify reports it). */
  bucketRegion?(target: ObjectTarget): Promise<string | undefined>;
  /** The bucket/container CORS rules, when the provider exposes them to these credentials. */
  getCors?(target: ObjectTarget): Promise<CorsRule[]>;
  /**
   * Credentials for another process, confined to `request.prefix` of `target.location.bucket` and
   * `request.mode`, living at most `request.ttlSeconds` (docs/vending.md). VEND_UNSUPPORTED when
   * the provider cannot enforce that for this integration. Absent: the provider cannot vend.
   */
  vend?(target: ObjectTarget, request: DriverVendRequest): Promise<VendedCredentials>;
  /**
   * `presign` for many targets of ONE integration and bucket (resolver.presignMany), looking the
   * credentials and region up once. Each result is the URL or the typed error for that target, in
   * order; never rejects for one target's failure. Pinned locations are never passed. Optional:
   * without it presignMany calls `presign` per target.
   */
  presignBatch?(targets: readonly ObjectTarget[], request: DriverPresignRequest): Promise<Array<PresignedUrl | Error>>;
  /** Browser uploads: multi-part plans and POST policies (docs/uploads.md). */
  readonly uploads?: UploadDriver;
  close(): Promise<void>;
}

export type DriverFactory = (ctx: DriverContext) => ProviderDriver | Promise<ProviderDriver>;
