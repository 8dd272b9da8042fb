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
export type AzureAuth =
  | { kind: 'federated'; tenantId: string; clientId: string; assertion: () => Promise<string> }
  | { kind: 'client-secret'; tenantId: string; clientId: string; clientSecret: string };
export interface AzureIntegration { id: string; provider: 'azure'; mode?: Mode; scope: AzureScope; auth: AzureAuth }

export interface HttpsIntegration {
  id: string; provider: 'https'; mode?: 'read-only';
  scope: { hosts: string[] };
  /** Lifetime to report for `presign` of a plain https asset (the URL itself); none when omitted. */
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

export interface AwsPlatformOptions {
  /** The platform's own credentials; omitted → the AWS SDK default provider chain. */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  /** Region for STS and for buckets whose region cannot be learned otherwise. Default us-east-1. */
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
  /** A google-auth-library AuthClient for the platform identity; omitted → ADC or `credentials`. */
  authClient?: unknown;
  credentials?: { client_email: string; private_key: string };
  /** JSON API endpoint, e.g. http://127.0.0.1:PORT for a local fake. */
  apiEndpoint?: string;
  /** IAM Credentials endpoint (generateAccessToken, signBlob). */
  iamEndpoint?: string;
  /** STS token-exchange endpoint for Credential Access Boundaries. */
  stsEndpoint?: string;
  /** Host that signed URLs name. Default https://storage.googleapis.com. */
  signingEndpoint?: string;
  /** Downscope impersonated tokens with a Credential Access Boundary. Default true when reachable. */
  credentialAccessBoundary?: boolean;
  resumableThresholdBytes?: number;
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

export interface HttpsPlatformOptions {
  /** Ports other than 443 that may be connected to (tests only). */
  allowPorts?: number[];
  /** Hosts (exact) whose loopback/private addresses are allowed (tests only). */
  allowPrivateHosts?: string[];
  /** Injectable DNS lookup (tests). */
  lookup?: (hostname: string) => Promise<Array<{ address: string; family: 4 | 6 }>>;
  ca?: string;
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
export type WriteBody = Uint8Array | string | ReadableStream<Uint8Array>;

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
