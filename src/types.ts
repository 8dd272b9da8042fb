import type { AssetLinkEvent } from './events.js';
import type { CredentialStore } from './cache/store.js';
import type { CompletedPart, CreateUploadOptions, PresignedPost, PresignPostOptions, ResumedUploadPlan, ResumeUploadOptions, UploadCallOptions, UploadPlan } from './upload-types.js';

/** Where an asset lives: a cloud (`aws`, `gcp`, `azure`), any https host, a local directory (`file`) or an in-process store (`memory`). */
export type Provider = 'aws' | 'gcp' | 'azure' | 'https' | 'file' | 'memory';
/** What an integration may do. `read-only` (the default) refuses writes, deletes and PUT URLs, and mints read-only credentials where the provider allows. */
export type Mode = 'read-only' | 'read-write';
/** The methods presigned URLs are issued for. */
export type HttpMethod = 'GET' | 'PUT';
/** AWS partitions assetlink supports. A bucket in another partition is a different bucket. */
export type AwsPartition = 'aws' | 'aws-cn' | 'aws-us-gov';
/** Azure clouds assetlink supports: public (core.windows.net), China (chinacloudapi.cn), US Government (usgovcloudapi.net). */
export type AzureCloud = 'public' | 'china' | 'usgov';

/** Which query parameter marked a URL as already pre-signed. */
export interface PresignedInfo {
  kind: 'aws' | 'gcp' | 'azure';
  /** When the URL's own parameters say it expires, if they say. */
  expiresAt?: Date;
}

/** A parsed asset URI (`parseAssetUri`): provider, bucket (or container, host, store), key, and the canonical URI. */
export interface AssetLocation {
  provider: Provider;
  /** S3/GCS bucket, Azure container, https host, memory store name ('' for file). */
  bucket: string;
  /** Object key, never starting with '/'. '' for a bucket-only URI. */
  key: string;
  /** Azure storage account. */
  account?: string;
  /** AWS region when the URL names one. */
  region?: string;
  /** Canonical form: s3://b/k, gs://b/k, https://acct.blob.core.windows.net/c/k, az://c/k, ... */
  uri: string;
  /** Present when the input URL already carried a signature (never re-signed blindly). */
  presigned?: PresignedInfo;
  /**
   * AWS partition the URL names (from its host or ARN). Absent for `s3://` URIs and configured
   * endpoints, which name no partition: they match the integration's partition.
   */
  partition?: AwsPartition;
  /**
   * The object version the URI pins: S3 `versionId`, GCS `generation`, Azure `versionid`. A pinned
   * location is read-only: head/read/bytes/presign address exactly this version, write and delete fail.
   */
  version?: string;
  /** Azure blob snapshot the URI pins (`snapshot=`); read-only like `version`. */
  snapshot?: string;
  /** Azure cloud of the account's host. Absent for `az://` URIs and configured endpoints (the integration's cloud applies). */
  cloud?: AzureCloud;
  /**
   * The S3-compatible store (an integration's `endpoint.url` or `endpoint.publicUrl`, normalised)
   * the URL was on. Such a location is only ever covered by an integration of that store, and its
   * `uri` stays the URL on the store.
   */
  endpoint?: string;
  /**
   * The https URL exactly as given, fragment removed, query (and so any signature) kept. Set for
   * plain `https` assets and for pre-signed cloud URLs: the https provider fetches this URL, and a
   * pre-signed one is passed through as is. Non-enumerable and left out of util.inspect (even with
   * `showHidden`), so JSON.stringify, util.inspect and object spreads never copy a signature into logs.
   */
  originalUrl?: string;
}

// ---------------------------------------------------------------- integrations

/** Fields every integration kind accepts (docs/integrations.md, "multi-tenant platforms"). */
export interface IntegrationCommon {
  /**
   * The platform's customer this integration belongs to. A tenant's integrations are matched only
   * through `resolver.forTenant(tenant)`, and are invisible to every other tenant's view.
   */
  tenant?: string;
  /** Registered but refused: every operation fails with `INTEGRATION_DISABLED`. */
  disabled?: boolean;
  /** Free-form key/value pairs copied into summaries and audit events (never secrets). */
  labels?: Record<string, string>;
}

/**
 * A secret given as its value, or as a callback that fetches it (from a vault) only when
 * credentials are minted. The value is never logged, whichever form it takes.
 */
export type SecretValue = string | (() => Promise<string>);

/** What an AWS integration covers: one bucket, optionally one prefix (segment-aware: `images` covers `images/a.jpg`, not `images-old/a.jpg`), its region and owning account when known. */
export interface AwsScope {
  /**
   * A bucket name, an access point ARN (`arn:aws:s3:REGION:ACCOUNT:accesspoint/NAME`), an access
   * point alias (`…-s3alias`), a directory bucket (`NAME--ZONE--x-s3`), or `'*'`: any bucket the
   * role can reach (credentials minted per bucket; needs `tenant`).
   */
  bucket: string;
  prefix?: string;
  region?: string;
  accountId?: string;
  /**
   * The partition the bucket lives in. Default: from `auth.roleArn`, else `region`, else an
   * access point ARN, else `aws`; when given it must agree with all of them.
   */
  partition?: AwsPartition;
  /**
   * The access point ARN behind an alias `bucket`: IAM policies cannot name an access point by its
   * alias, so assume-role integrations on an alias need it for their session policy.
   */
  accessPointArn?: string;
}
/** How an AWS integration gets credentials: `assume-role` into the customer's role with an ExternalId (recommended; downscoped by a session policy), `cross-account` (the platform identity, granted by the customer's bucket policy), or `access-key` (static keys the customer gave). */
export type AwsAuth =
  | { kind: 'assume-role'; roleArn: string; externalId: string; sessionName?: string; durationSeconds?: number }
  | { kind: 'cross-account' }
  | { kind: 'access-key'; accessKeyId: string; secretAccessKey: SecretValue; sessionToken?: string;
      /** When the key stops working (STS keys): used past it, it fails with CREDENTIALS_UNAVAILABLE before any request; presigned URLs never outlive it. */
      expiresAt?: Date;
      /** Fetches the next key (single flight, ahead of `expiresAt`, and when AWS rejects the current one). */
      refresh?: AwsAccessKeyRefresh }
  | { kind: 'anonymous' };
/** A fresh key from an `access-key` integration's `refresh` callback (e.g. the customer's STS token vending). */
export interface AwsRefreshedAccessKey { accessKeyId: string; secretAccessKey: string; sessionToken?: string; expiresAt: Date }
/** The `refresh` callback of an `access-key` integration. */
export type AwsAccessKeyRefresh = () => Promise<AwsRefreshedAccessKey>;
/** A customer's S3 bucket (or prefix) and how to reach it. */
export interface AwsIntegration extends IntegrationCommon {
  id: string; provider: 'aws'; mode?: Mode; scope: AwsScope; auth: AwsAuth;
  /** Server-side encryption of every write and presigned PUT (docs/providers/aws.md). */
  encryption?: AwsEncryption;
  /** An S3-compatible store (MinIO, R2, Wasabi, B2, Ceph) instead of AWS: docs/providers/s3-compatible.md. */
  endpoint?: AwsEndpoint;
}
/**
 * Where an S3-compatible store of one integration lives. Platform configuration, not customer
 * input: it is not passed through the https provider's SSRF guard (metadata addresses are refused).
 */
export interface AwsEndpoint {
  /** The store's S3 API origin (optionally with a base path), e.g. `https://minio.internal:9000`. The backend talks to it. */
  url: string;
  /** Path-style `https://host/bucket/key` (default true: what most S3-compatible stores serve); false → `https://bucket.host/key`. */
  forcePathStyle?: boolean;
  /** Region to sign for. Default `us-east-1` (MinIO, Ceph); R2 wants `auto`, Wasabi and B2 their own region. */
  region?: string;
  /** Origin browsers reach the store at: presigned URLs name it (and are signed for it). Default `url`. */
  publicUrl?: string;
  /** PEM CA certificate(s) trusted for this endpoint only, in addition to Node's bundled roots. */
  ca?: string;
  /** STS endpoint for `assume-role` (MinIO and Ceph RGW serve it at the S3 origin). Required with assume-role. */
  stsUrl?: string;
  /**
   * The store's user that calls AssumeRole at `stsUrl` (MinIO: a user whose policy the sessions are
   * carved from). Required with assume-role: the platform's AWS identity is never sent to another store.
   */
  stsCredentials?: { accessKeyId: string; secretAccessKey: SecretValue };
}
/**
 * Server-side encryption every write (and presigned PUT) of an AWS integration asks for:
 * SSE-KMS with the customer's key (`keyId`: a key ARN, or an alias for auth kinds that mint no
 * session policy), optionally with an S3 Bucket Key, or SSE-S3 (`AES256`). docs/providers/aws.md.
 */
export type AwsEncryption = { kind: 'aws:kms'; keyId: string; bucketKey?: boolean } | { kind: 'AES256' };

/** What a GCP integration covers: one bucket, optionally one prefix (segment-aware). */
export interface GcpScope {
  /** A bucket name, or `'*'`: any bucket the service account can reach (tokens downscoped per bucket; needs `tenant`). */
  bucket: string;
  prefix?: string;
}
/** How a GCP integration gets credentials: `impersonation` of the customer's service account by the platform identity (recommended; downscoped by a Credential Access Boundary), or `service-account-key` (the customer's JSON key). */
export type GcpAuth =
  | { kind: 'impersonation'; serviceAccount: string; delegates?: string[] }
  | { kind: 'service-account-key'; credentials: { client_email: string; private_key: SecretValue } }
  /** The platform's own identity (`platform.gcp`), granted on the bucket by the customer; always narrowed by a Credential Access Boundary. */
  | { kind: 'cross-project' }
  | { kind: 'anonymous' };
/** Customer-managed encryption (CMEK) for every write of a GCP integration: `projects/P/locations/L/keyRings/R/cryptoKeys/K`. */
export interface GcpEncryption { kmsKeyName: string }
/** A customer's GCS bucket (or prefix) and how to reach it. */
export interface GcpIntegration extends IntegrationCommon { id: string; provider: 'gcp'; mode?: Mode; scope: GcpScope; auth: GcpAuth; encryption?: GcpEncryption }

/** What an Azure integration covers: a container of one storage account (or any, for a tenant's wildcard), optionally one prefix (segment-aware). */
export interface AzureScope {
  account: string;
  /** Omitted: any container of the account (needs `tenant`). */
  container?: string;
  prefix?: string;
  /** The account's cloud. Default `public`. Decides the blob host and the Entra authority. */
  cloud?: AzureCloud;
}
/**
 * Workload identity federation: the platform presents its own OIDC token (the "assertion") to the
 * customer's tenant for the customer's app registration. The token comes from `assertion`, a
 * function, or from `tokenFile`, the path of a token file re-read when it rotates (a Kubernetes
 * projected service-account token such as `$AZURE_FEDERATED_TOKEN_FILE`; usable from JSON config).
 */
export type AzureFederatedAuth = { kind: 'federated'; tenantId: string; clientId: string } & (
  | { assertion: () => Promise<string>; tokenFile?: undefined }
  | { tokenFile: string; assertion?: undefined }
);
/**
 * A container SAS (`sr=c`) or account SAS the customer issued (docs/providers/azure.md, "Shared
 * access signatures"). Used as is for every request its `sp` allows and the mode permits. `presign`:
 * `'refuse'` (default) — no presigned URLs, since one would carry the customer's SAS and so grant
 * the whole container until its `se`; `'share-sas'` — the blob URL with the customer's SAS
 * (`expiresAt` = the SAS expiry), never for a read-only integration whose SAS can write.
 */
export type AzureSasAuth = { kind: 'sas'; sasToken: string; presign?: 'refuse' | 'share-sas' };
/**
 * The customer's app registration (or the platform's consented multi-tenant app) authenticating
 * with a certificate: `certificate` is PEM holding the private key and the certificate (chain).
 * `sendCertificateChain` sends the chain (`x5c`) for subject-name/issuer authentication.
 */
export type AzureClientCertificateAuth = { kind: 'client-certificate'; tenantId: string; clientId: string; certificate: SecretValue; sendCertificateChain?: boolean };
/** How an Azure integration gets tokens for the customer's app registration: workload identity federation (`federated`, no secret), a client secret (`client-secret`), a client certificate (`client-certificate`), or uses a customer-issued SAS (`sas`), or none at all for a public container (`anonymous`, always read-only). */
export type AzureAuth =
  | AzureFederatedAuth
  | { kind: 'client-secret'; tenantId: string; clientId: string; clientSecret: SecretValue }
  | AzureClientCertificateAuth
  | AzureSasAuth
  | { kind: 'anonymous' };
/** The encryption scope of the storage account every write of an Azure integration names (`x-ms-encryption-scope`). */
export interface AzureEncryption { scope: string }
/** A customer's Azure Blob container (or prefix) and how to reach it. */
export interface AzureIntegration extends IntegrationCommon { id: string; provider: 'azure'; mode?: Mode; scope: AzureScope; auth: AzureAuth; encryption?: AzureEncryption }

/** Plain https hosts assets may be read from (always read-only), fetched through the SSRF guard. */
export interface HttpsIntegration extends IntegrationCommon {
  id: string; provider: 'https'; mode?: 'read-only';
  /** Allowed hosts: exact names or `*.example.com` (sub-domains only). Checked again on every redirect. */
  scope: { hosts: string[] };
  /**
   * Longest `expiresAt` that `presign` may claim for a plain https asset (it returns the URL itself,
   * which has no expiry of its own). Omitted → the requested TTL, up to 7 days. Pre-signed cloud
   * URLs always report their own expiry instead.
   */
  presignTtlSeconds?: number;
}
/** An in-process store (`memory://bucket/key`), for tests and local development. */
export interface MemoryIntegration extends IntegrationCommon { id: string; provider: 'memory'; mode?: Mode; scope: { bucket: string; prefix?: string } }
/** A local directory (`file:///root/...`), for tests and local development; symlinks out of the root are refused. */
export interface FileIntegration extends IntegrationCommon { id: string; provider: 'file'; mode?: Mode; scope: { root: string } }

/** One customer integration: which bucket (or container, hosts, directory) it covers and how credentials are obtained. Validated when registered (`INVALID_INTEGRATION` names the field). */
export type Integration =
  | AwsIntegration
  | GcpIntegration
  | AzureIntegration
  | HttpsIntegration
  | MemoryIntegration
  | FileIntegration;

// ---------------------------------------------------------------- platform identity

/** AWS credentials, shaped like the AWS SDK's `AwsCredentialIdentity`. */
export interface AwsCredentialIdentity {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  /** When temporary credentials stop working; a provider's result is refreshed before then. */
  expiration?: Date;
}

/**
 * A function returning credentials — the AWS SDK's `AwsCredentialIdentityProvider`, as built by
 * `@aws-sdk/credential-providers` (`fromNodeProviderChain()`, `fromTemporaryCredentials()`,
 * `fromIni()`, `fromContainerMetadata()`, …).
 */
export type AwsCredentialIdentityProvider = () => Promise<AwsCredentialIdentity>;

/** The platform's own AWS identity (what customers' roles trust) and endpoints. */
export interface AwsPlatformOptions {
  /**
   * The platform's own identity: static credentials, or a credential provider function (memoized
   * and refreshed before it expires). Omitted → the AWS SDK default chain (`fromNodeProviderChain`
   * of `@aws-sdk/credential-providers`): environment, SSO, shared config, web identity, ECS, EC2.
   */
  credentials?: AwsCredentialIdentity | AwsCredentialIdentityProvider;
  /**
   * Region for STS (its regional endpoint) and for buckets whose region cannot be learned otherwise.
   * Default: resolved as the AWS SDK does — `AWS_REGION`, then `AWS_DEFAULT_REGION`, then the
   * profile's `region` in the shared config file — else us-east-1.
   */
  region?: string;
  /** S3-compatible endpoint (tests, MinIO, emulators). */
  endpoint?: string;
  /** Path-style URLs (`https://host/bucket/key`), as most S3-compatible servers need. */
  forcePathStyle?: boolean;
  /** STS endpoint (tests). */
  stsEndpoint?: string;
  /** Parts above this size are uploaded with multipart upload. Default 16 MiB. */
  multipartThresholdBytes?: number;
}

/** The platform's own Google identity (what holds Token Creator on customers' service accounts) and endpoints. */
export interface GcpPlatformOptions {
  /**
   * The platform identity as any google-auth-library client (GoogleAuth, JWT, Impersonated, …) or
   * anything with the same `getAccessToken()`. Takes precedence over `credentials` and ADC.
   */
  authClient?: { getAccessToken(): Promise<{ token?: string | null } | string | null | undefined> };
  /** The platform identity as a service-account JSON key; omitted (with authClient) → ADC. */
  credentials?: { client_email: string; private_key: string };
  /** JSON API endpoint, e.g. http://127.0.0.1:PORT for a local fake. Default https://storage.googleapis.com. */
  apiEndpoint?: string;
  /** IAM Credentials endpoint (generateAccessToken, signBlob). Default https://iamcredentials.googleapis.com. */
  iamEndpoint?: string;
  /** STS token-exchange endpoint for Credential Access Boundaries. Default https://sts.googleapis.com. */
  stsEndpoint?: string;
  /** Origin that signed URLs name. Default `apiEndpoint`, else https://storage.googleapis.com. */
  signingEndpoint?: string;
  /**
   * Downscope impersonated tokens with a Credential Access Boundary (integration bucket + prefix;
   * object viewer for read-only). Default true. When STS fails the operation fails: a token is
   * never silently used wider than asked.
   */
  credentialAccessBoundary?: boolean;
  /** Lifetime requested for impersonated tokens, seconds (max 3600 unless an org policy allows 43200). Default 3600. */
  tokenLifetimeSeconds?: number;
  /** Uploads of at least this many bytes use a resumable session. Default 8 MiB. */
  resumableThresholdBytes?: number;
  /** Chunk size of resumable uploads; a multiple of 256 KiB. Default 8 MiB. */
  resumableChunkBytes?: number;
  /** Retries the storage client makes itself on 429/5xx for idempotent calls. Default 3. */
  maxRetries?: number;
}

/** Where Azure integrations get tokens and reach blobs, and how SAS are issued. */
export interface AzurePlatformOptions {
  /** https authority host of the token service. Default https://login.microsoftonline.com. */
  authorityHost?: string;
  /** Template for a storage account's blob endpoint; `{account}` is replaced. */
  blobEndpoint?: string;
  /** Extra CA certificates (PEM) to trust for the authority and blob endpoints (tests). */
  ca?: string;
  /** Lifetime of user delegation keys in seconds (max 7 days). Default 1 day. */
  delegationKeyTtlSeconds?: number;
  /** How far back SAS start times are dated for clock skew. Default 300 s. */
  clockSkewSeconds?: number;
}

/** SSRF-guard settings of the https provider (docs/providers/https.md). `allowPorts` and `allowPrivateHosts` are for tests only. */
export interface HttpsPlatformOptions {
  /** TEST ONLY. Ports other than 443 that may be connected to. */
  allowPorts?: number[];
  /**
   * TEST ONLY. Hosts (exact names or IP literals) whose loopback/private/link-local addresses are
   * accepted. Cloud metadata addresses stay refused even here. Never set this in production.
   */
  allowPrivateHosts?: string[];
  /** DNS resolution (all addresses of a host). Default: the system resolver. Tests inject answers. */
  lookup?: (hostname: string) => Promise<Array<{ address: string; family: 4 | 6 }>>;
  /** Extra CA certificate(s), PEM, trusted in addition to Node's bundled roots. */
  ca?: string;
  /** Redirects followed per request, each re-checked. Default 5. */
  maxRedirects?: number;
  /**
   * Largest body one request may deliver, in bytes, counted decompressed when the server sends
   * `Content-Encoding` anyway. Past it, `bytes()` and `read()` fail with `BODY_TOO_LARGE` (refused
   * before reading when `Content-Length` says so). Default 32 MiB; `Infinity` disables the limit.
   */
  maxBodyBytes?: number;
  /**
   * Overall deadline of one request, ms: redirects, headers and the whole body. A body still
   * arriving at the deadline fails with `TIMEOUT`, however steadily it trickles. Default: the
   * resolver's `requestTimeoutMs`; `Infinity` leaves only the idle timeout.
   */
  deadlineMs?: number;
}

/** The platform's own identity and endpoints, per provider. */
export interface PlatformOptions {
  /** The platform's AWS identity and endpoints. */
  aws?: AwsPlatformOptions;
  /** The platform's Google identity and endpoints. */
  gcp?: GcpPlatformOptions;
  /** Azure authority and endpoints (Azure integrations carry their own credentials). */
  azure?: AzurePlatformOptions;
  /** The https provider's SSRF guard. */
  https?: HttpsPlatformOptions;
  /**
   * Forward proxy for egress from fixed IPs (docs/security.md, "Egress through a proxy"): one
   * `http://` or `https://` proxy URL for all traffic, or one per provider (`https` = plain https
   * assets). Every provider, token-service and asset request is tunnelled with HTTP CONNECT; the
   * https provider resolves and checks the address itself and CONNECTs to that IP, so the proxy
   * never resolves a name the SSRF guard did not check. Default: no proxy (`HTTPS_PROXY` is not read).
   */
  proxy?: string | { aws?: string; gcp?: string; azure?: string; https?: string };
  /**
   * Hosts reached without the proxy (`NO_PROXY` syntax: `example.com` covers sub-domains, `host:port`,
   * `*`). Default: the `NO_PROXY` / `no_proxy` environment variable.
   */
  noProxy?: string[];
}

/** Credentials cache settings: keyed by integration and downscoped scope, refreshed ahead of expiry, one in-flight fetch per key. */
export interface CacheOptions {
  /** Refresh credentials this many seconds before they expire. Default 300. */
  refreshBeforeExpirySeconds?: number;
  /** Most credential entries kept. Default 10 000. */
  maxEntries?: number;
  /** A shared store (e.g. `createRedisCredentialStore`) so processes share credentials; entries are encrypted. Default: in-process only. */
  store?: CredentialStore;
  /**
   * With a shared `store`: longest wait, ms, for another process that holds the lock for a
   * credential to publish it. After that this process mints the credential itself (taking the lock
   * over, so the next caller does not wait again). A lock with no expiry is taken over at once.
   * Default 2 000.
   */
  lockWaitMs?: number;
}

/** Options of `createAssetResolver`. */
export interface ResolverOptions {
  /** Integrations to register now (more can be added with `addIntegration`). */
  integrations?: Integration[];
  /** The platform's own identity per cloud, and endpoints. */
  platform?: PlatformOptions;
  /** Credentials cache settings. */
  cache?: CacheOptions;
  /** Audit trail: one event per security-relevant action, secrets redacted (docs/events.md). A throwing listener is ignored. */
  onEvent?: (event: AssetLinkEvent) => void;
  /**
   * Refuse root calls that would match an integration by scope (`TenantRequiredError`, code
   * `NO_INTEGRATION`): every request must go through `resolver.forTenant(tenant)` or name its integration.
   */
  requireTenant?: boolean;
  /** Per-request timeout for provider and token-service calls, ms. Default 30 000. */
  requestTimeoutMs?: number;
  /** Signed-URL reuse for every presign of this resolver (off by default; docs/presign-reuse.md). */
  presignReuse?: PresignReuseOptions & { /** Most URLs kept (LRU), default 10 000. */ maxEntries?: number };
  /** Clock, for tests. */
  now?: () => number;
}

// ---------------------------------------------------------------- resolved assets

/** Object metadata from `head()`. */
export interface HeadResult {
  size: number; contentType?: string; etag?: string; lastModified?: Date;
  /** User metadata stored with the object (names lower-cased). */
  metadata?: Record<string, string>;
  contentDisposition?: string;
  cacheControl?: string;
}
/** Options of `head()` and `bytes()`. */
export interface SignalOptions {
  /** Stops the operation: it fails with `ABORTED`. */
  signal?: AbortSignal;
}
/** A byte range, `start` and `end` both inclusive; `end` omitted reads to the end. */
export interface ByteRange { start: number; end?: number }
/** Options of `read()`. */
export interface ReadOptions {
  /** Only these bytes: `{ start, end }`, both inclusive (`end` omitted: to the end of the object). */
  range?: ByteRange;
  /** Stops the read (before or during the body): fails (or errors the stream) with `ABORTED`. */
  signal?: AbortSignal;
}
/** Options of `write()`. */
export interface WriteOptions {
  /** Content-Type stored with the object (and served with it). */
  contentType?: string;
  /** Content-Disposition stored with the object (e.g. `attachment; filename="a.jpg"`). */
  contentDisposition?: string;
  /** Cache-Control stored with the object. */
  cacheControl?: string;
  /**
   * User metadata (S3 `x-amz-meta-*`, GCS custom metadata, Azure metadata). Names: letters, digits,
   * `_` and `-`, starting with a letter (lower-cased by the stores); values printable ASCII; 2 KiB
   * in all. Never copied into audit events.
   */
  metadata?: Record<string, string>;
  /** Stops the upload: fails with `ABORTED`, leaving no object and no unfinished multipart upload. */
  signal?: AbortSignal;
  /** Called with the bytes sent so far, as the upload progresses (ends with the total). */
  onProgress?: (bytesSent: number) => void;
}
/**
 * A body to write: bytes (a Buffer is a Uint8Array), a string (UTF-8), a web `ReadableStream`, or any
 * `AsyncIterable` of byte chunks — a Node `Readable` such as `fs.createReadStream(path)`, or an async
 * generator. Streams are read on demand, never buffered whole.
 */
export type WriteBody = Uint8Array | string | ReadableStream<Uint8Array> | AsyncIterable<Uint8Array | string>;

/** A presigned URL: send `method` to `url` with `headers` before `expiresAt` (the real expiry, never longer than the credentials that signed it). */
export interface PresignedUrl { url: string; method: HttpMethod; expiresAt: Date; headers: Record<string, string> }

/** Options of `presign()`. */
export interface PresignOptions {
  /** Lifetime in whole seconds. Longer than the credentials or the provider allow is INVALID_TTL, unless `clamp`. */
  ttlSeconds: number;
  /** `GET` (default) or `PUT` (read-write integrations only). */
  method?: HttpMethod;
  /** For PUT: the Content-Type the upload must send (it is signed, and returned in `headers`). */
  contentType?: string;
  /** Shorten a TTL that is too long instead of failing; `expiresAt` tells the real expiry. */
  clamp?: boolean;
  /**
   * Hand out the same URL for repeated identical presigns within a time window (docs/presign-reuse.md);
   * `false` turns off the resolver's `presignReuse` for this call. Default: the resolver's setting (off).
   */
  reuse?: PresignReuseOptions | false;
  /** GET only: the Content-Type the download is served with (signed into the URL). */
  responseContentType?: string;
  /** GET only: the Content-Disposition the download is served with, e.g. `attachment; filename="cat.jpg"` (signed into the URL). */
  responseContentDisposition?: string;
}

/** Signed-URL reuse: one URL per asset, method and options per window of `windowSeconds` (docs/presign-reuse.md). */
export interface PresignReuseOptions {
  /** Window length, 1–86 400 s: a reused URL is signed for the asked TTL plus at most this. */
  windowSeconds: number;
}

/** One asset bound to the integration that covers it: read, write, delete and presign through that integration's credentials. */
export interface ResolvedAsset {
  /** Where the asset is (canonical URI, bucket, key). */
  readonly location: AssetLocation;
  /** The integration that covers it. */
  readonly integrationId: string;
  /** That integration's mode. */
  readonly mode: Mode;
  /** Size, content type, ETag, last-modified time, user metadata. `NOT_FOUND` when the object does not exist. */
  head(opts?: SignalOptions): Promise<HeadResult>;
  /**
   * The object's bytes as a web stream, read on demand (a failure before the first byte rejects the
   * call; one mid-body errors the stream). Cancel a stream you do not read to the end.
   */
  read(opts?: ReadOptions): Promise<ReadableStream<Uint8Array>>;
  /** The whole object in memory. */
  bytes(opts?: SignalOptions): Promise<Uint8Array>;
  /** Writes (replaces) the object. `READ_ONLY` on a read-only integration; streams are uploaded as they are read. */
  write(body: WriteBody, opts?: WriteOptions): Promise<void>;
  /** Deletes the object (no error when it is already gone). `READ_ONLY` on a read-only integration. */
  delete(): Promise<void>;
  /** A URL a browser can use without credentials, valid for `ttlSeconds` (see `PresignOptions`). */
  presign(opts: PresignOptions): Promise<PresignedUrl>;
  /** A multi-part browser upload: presigned part URLs with byte ranges (docs/uploads.md). `READ_ONLY` on a read-only integration. */
  createUpload(opts: CreateUploadOptions): Promise<UploadPlan>;
  /** Fresh URLs for the parts of an upload the provider does not hold yet, and the parts it holds. */
  resumeUpload(uploadId: string, opts: ResumeUploadOptions): Promise<ResumedUploadPlan>;
  /** Assembles the object from the uploaded parts (S3: each part's ETag). */
  completeUpload(uploadId: string, parts: CompletedPart[], opts?: UploadCallOptions): Promise<void>;
  /** Discards an upload and every part of it. */
  abortUpload(uploadId: string, opts?: UploadCallOptions): Promise<void>;
  /** A browser form upload (S3 and GCS POST policy) limited to `maxBytes`; Azure has none (`UNSUPPORTED_URI`). */
  presignPost(opts: PresignPostOptions): Promise<PresignedPost>;
}

/** A view of a registered integration with every secret replaced by `[REDACTED]`. */
export type IntegrationSummary = {
  id: string;
  provider: Provider;
  mode: Mode;
  scope: Record<string, unknown>;
  authKind?: string;
  tenant?: string;
  disabled?: boolean;
  labels?: Record<string, string>;
};

/** Which integration covers a URI and why (`resolver.match`); no network. */
export interface MatchResult {
  integration: IntegrationSummary;
  location: AssetLocation;
  /** Human-readable reason this integration was chosen. */
  reason: string;
  /** Prefix that matched ('' when the integration covers the whole bucket). */
  matchedPrefix: string;
}
