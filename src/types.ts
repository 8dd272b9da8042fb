import type { AssetLinkEvent } from './events.js';
import type { CredentialStore } from './cache/store.js';

export type Provider = 'aws' | 'gcp' | 'azure' | 'https' | 'file' | 'memory';
export type Mode = 'read-only' | 'read-write';
export type HttpMethod = 'GET' | 'PUT';

/** Which query parameter marked a URL as already pre-signed. */
export interface PresignedInfo {
  kind: 'aws' | 'gcp' | 'azure';
  /** When the URL's own parameters say it expires, if they say. */
  expiresAt?: Date;
}

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
  /** AWS partition derived from the host: 'aws' or 'aws-cn'. */
  partition?: 'aws' | 'aws-cn';
  /**
   * The https URL exactly as given, fragment removed, query (and so any signature) kept. Set for
   * plain `https` assets and for pre-signed cloud URLs: the https provider fetches this URL, and a
   * pre-signed one is passed through as is. Non-enumerable and left out of util.inspect (even with
   * `showHidden`), so JSON.stringify, util.inspect and object spreads never copy a signature into logs.
   */
  originalUrl?: string;
}

// ---------------------------------------------------------------- integrations

export interface AwsScope { bucket: string; prefix?: string; region?: string; accountId?: string }
export type AwsAuth =
  | { kind: 'assume-role'; roleArn: string; externalId: string; sessionName?: string; durationSeconds?: number }
  | { kind: 'cross-account' }
  | { kind: 'access-key'; accessKeyId: string; secretAccessKey: string; sessionToken?: string };
export interface AwsIntegration { id: string; provider: 'aws'; mode?: Mode; scope: AwsScope; auth: AwsAuth }

export interface GcpScope { bucket: string; prefix?: string }
export type GcpAuth =
  | { kind: 'impersonation'; serviceAccount: string; delegates?: string[] }
  | { kind: 'service-account-key'; credentials: { client_email: string; private_key: string } };
export interface GcpIntegration { id: string; provider: 'gcp'; mode?: Mode; scope: GcpScope; auth: GcpAuth }

export interface AzureScope { account: string; container: string; prefix?: string }
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
export type AzureAuth =
  | AzureFederatedAuth
  | { kind: 'client-secret'; tenantId: string; clientId: string; clientSecret: string };
export interface AzureIntegration { id: string; provider: 'azure'; mode?: Mode; scope: AzureScope; auth: AzureAuth }

export interface HttpsIntegration {
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
export interface MemoryIntegration { id: string; provider: 'memory'; mode?: Mode; scope: { bucket: string; prefix?: string } }
export interface FileIntegration { id: string; provider: 'file'; mode?: Mode; scope: { root: string } }

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
  forcePathStyle?: boolean;
  /** STS endpoint (tests). */
  stsEndpoint?: string;
  /** Parts above this size are uploaded with multipart upload. Default 16 MiB. */
  multipartThresholdBytes?: number;
}

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
}

export interface PlatformOptions {
  aws?: AwsPlatformOptions;
  gcp?: GcpPlatformOptions;
  azure?: AzurePlatformOptions;
  https?: HttpsPlatformOptions;
}

export interface CacheOptions {
  /** Refresh credentials this many seconds before they expire. Default 300. */
  refreshBeforeExpirySeconds?: number;
  /** Most credential entries kept. Default 10 000. */
  maxEntries?: number;
  store?: CredentialStore;
}

export interface ResolverOptions {
  integrations?: Integration[];
  platform?: PlatformOptions;
  cache?: CacheOptions;
  onEvent?: (event: AssetLinkEvent) => void;
  /** Per-request timeout for provider and token-service calls, ms. Default 30 000. */
  requestTimeoutMs?: number;
  /** Clock, for tests. */
  now?: () => number;
}

// ---------------------------------------------------------------- resolved assets

export interface HeadResult { size: number; contentType?: string; etag?: string; lastModified?: Date }
export interface ByteRange { start: number; end?: number }
export interface ReadOptions { range?: ByteRange }
export interface WriteOptions { contentType?: string }
/**
 * A body to write: bytes (a Buffer is a Uint8Array), a string (UTF-8), a web `ReadableStream`, or any
 * `AsyncIterable` of byte chunks — a Node `Readable` such as `fs.createReadStream(path)`, or an async
 * generator. Streams are read on demand, never buffered whole.
 */
export type WriteBody = Uint8Array | string | ReadableStream<Uint8Array> | AsyncIterable<Uint8Array | string>;

export interface PresignedUrl { url: string; method: HttpMethod; expiresAt: Date; headers: Record<string, string> }

export interface PresignOptions { ttlSeconds: number; method?: HttpMethod; contentType?: string; clamp?: boolean }

export interface ResolvedAsset {
  readonly location: AssetLocation;
  readonly integrationId: string;
  readonly mode: Mode;
  head(): Promise<HeadResult>;
  read(opts?: ReadOptions): Promise<ReadableStream<Uint8Array>>;
  bytes(): Promise<Uint8Array>;
  write(body: WriteBody, opts?: WriteOptions): Promise<void>;
  delete(): Promise<void>;
  presign(opts: PresignOptions): Promise<PresignedUrl>;
}

/** A view of a registered integration with every secret replaced by `[REDACTED]`. */
export type IntegrationSummary = {
  id: string;
  provider: Provider;
  mode: Mode;
  scope: Record<string, unknown>;
  authKind?: string;
};

export interface MatchResult {
  integration: IntegrationSummary;
  location: AssetLocation;
  /** Human-readable reason this integration was chosen. */
  reason: string;
  /** Prefix that matched ('' when the integration covers the whole bucket). */
  matchedPrefix: string;
}
