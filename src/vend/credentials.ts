import { inspectSymbol } from '../redact.js';
import type { Mode } from '../types.js';

/**
 * Credentials `resolver.vend()` hands out for a worker that is not this process.
 *
 * The secret fields are ordinary readable properties (the caller's job is to pass them on), but
 * `JSON.stringify`, `util.inspect` / `console.log` and template strings show them masked, so an
 * object that reaches a log line by accident leaks nothing. `toEnv()` is the deliberate way out:
 * the environment variables the provider's own tools read. Spreading (`{ ...creds }`) copies the
 * secrets into a plain object that masks nothing — pass the object itself or `toEnv()` instead.
 */

const MASK = '[REDACTED]';

interface VendedBase {
  /** The vended prefix, without a trailing slash ('' = the whole bucket or container). */
  readonly prefix: string;
  readonly mode: Mode;
  /** When the credentials stop working: never later than `ttlSeconds` after the vend. */
  readonly expiresAt: Date;
  /** The integration that vended them. */
  readonly integrationId: string;
  /** Environment variables the provider's tools (AWS CLI/boto3, gcloud libraries, azcopy) read. Contains the secret. */
  toEnv(): Record<string, string>;
  /** The credentials with every secret masked. */
  toJSON(): Record<string, unknown>;
}

/** AWS session credentials confined by a session (or federation) policy to `s3://bucket/prefix/`. */
export interface AwsVendedCredentials extends VendedBase {
  readonly provider: 'aws';
  readonly accessKeyId: string;
  /** Secret. */
  readonly secretAccessKey: string;
  /** Secret. */
  readonly sessionToken: string;
  readonly region: string;
  readonly bucket: string;
  /** S3 endpoint to use when it is not AWS's own (an S3-compatible store, a test fake). */
  readonly endpoint?: string;
}

/** A GCP OAuth access token downscoped by a Credential Access Boundary to `gs://bucket/prefix/`. */
export interface GcpVendedCredentials extends VendedBase {
  readonly provider: 'gcp';
  /** Secret. */
  readonly accessToken: string;
  readonly bucket: string;
}

/** An Azure user-delegation SAS for one directory (`sr=d`) of a hierarchical-namespace account. */
export interface AzureVendedCredentials extends VendedBase {
  readonly provider: 'azure';
  /** `https://ACCOUNT.blob.core.windows.net/CONTAINER` (no SAS). */
  readonly containerUrl: string;
  /** Secret: the SAS query string, without a leading `?`. */
  readonly sasToken: string;
}

/** What `resolver.vend()` returns (design.md §7), one shape per provider. */
export type VendedCredentials = AwsVendedCredentials | GcpVendedCredentials | AzureVendedCredentials;

type Fields<T> = Omit<T, 'toEnv' | 'toJSON'>;

const SECRET_FIELDS = new Set(['secretAccessKey', 'sessionToken', 'accessToken', 'sasToken']);

abstract class Vended {
  abstract readonly provider: 'aws' | 'gcp' | 'azure';
  abstract toEnv(): Record<string, string>;

  toJSON(): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const [name, value] of Object.entries(this)) {
      // The key id names the session: only its kind prefix (AKIA/ASIA) is shown, like the AWS console does.
      out[name] = SECRET_FIELDS.has(name) ? MASK
        : name === 'accessKeyId' && typeof value === 'string' ? `${value.slice(0, 4)}…`
          : value instanceof Date ? value.toISOString() : value;
    }
    return out;
  }

  [inspectSymbol](): string { return `VendedCredentials ${JSON.stringify(this.toJSON())}`; }
  toString(): string { return this[inspectSymbol](); }
}

class AwsVended extends Vended implements AwsVendedCredentials {
  readonly provider = 'aws' as const;
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken: string;
  readonly region: string;
  readonly bucket: string;
  readonly prefix: string;
  readonly mode: Mode;
  readonly expiresAt: Date;
  readonly integrationId: string;
  declare readonly endpoint?: string;

  constructor(f: Omit<Fields<AwsVendedCredentials>, 'provider'>) {
    super();
    this.accessKeyId = f.accessKeyId;
    this.secretAccessKey = f.secretAccessKey;
    this.sessionToken = f.sessionToken;
    this.region = f.region;
    this.bucket = f.bucket;
    this.prefix = f.prefix;
    this.mode = f.mode;
    this.expiresAt = f.expiresAt;
    this.integrationId = f.integrationId;
    if (f.endpoint !== undefined) (this as { endpoint?: string }).endpoint = f.endpoint;
    Object.freeze(this);
  }

  toEnv(): Record<string, string> {
    return {
      AWS_ACCESS_KEY_ID: this.accessKeyId,
      AWS_SECRET_ACCESS_KEY: this.secretAccessKey,
      AWS_SESSION_TOKEN: this.sessionToken,
      AWS_REGION: this.region,
      AWS_DEFAULT_REGION: this.region,
      ...(this.endpoint !== undefined ? { AWS_ENDPOINT_URL_S3: this.endpoint } : {}),
      ASSETLINK_BUCKET: this.bucket,
      ASSETLINK_PREFIX: this.prefix,
      ASSETLINK_EXPIRES_AT: this.expiresAt.toISOString(),
    };
  }
}

class GcpVended extends Vended implements GcpVendedCredentials {
  readonly provider = 'gcp' as const;
  readonly accessToken: string;
  readonly bucket: string;
  readonly prefix: string;
  readonly mode: Mode;
  readonly expiresAt: Date;
  readonly integrationId: string;

  constructor(f: Omit<Fields<GcpVendedCredentials>, 'provider'>) {
    super();
    this.accessToken = f.accessToken;
    this.bucket = f.bucket;
    this.prefix = f.prefix;
    this.mode = f.mode;
    this.expiresAt = f.expiresAt;
    this.integrationId = f.integrationId;
    Object.freeze(this);
  }

  toEnv(): Record<string, string> {
    return {
      GOOGLE_OAUTH_ACCESS_TOKEN: this.accessToken,
      ASSETLINK_BUCKET: this.bucket,
      ASSETLINK_PREFIX: this.prefix,
      ASSETLINK_EXPIRES_AT: this.expiresAt.toISOString(),
    };
  }
}

class AzureVended extends Vended implements AzureVendedCredentials {
  readonly provider = 'azure' as const;
  readonly containerUrl: string;
  readonly sasToken: string;
  readonly prefix: string;
  readonly mode: Mode;
  readonly expiresAt: Date;
  readonly integrationId: string;

  constructor(f: Omit<Fields<AzureVendedCredentials>, 'provider'>) {
    super();
    this.containerUrl = f.containerUrl;
    this.sasToken = f.sasToken;
    this.prefix = f.prefix;
    this.mode = f.mode;
    this.expiresAt = f.expiresAt;
    this.integrationId = f.integrationId;
    Object.freeze(this);
  }

  toEnv(): Record<string, string> {
    return {
      AZURE_STORAGE_SAS_TOKEN: this.sasToken,
      AZURE_STORAGE_CONTAINER_URL: this.containerUrl,
      ASSETLINK_PREFIX: this.prefix,
      ASSETLINK_EXPIRES_AT: this.expiresAt.toISOString(),
    };
  }
}

export function awsVended(fields: Omit<Fields<AwsVendedCredentials>, 'provider'>): AwsVendedCredentials { return new AwsVended(fields); }
export function gcpVended(fields: Omit<Fields<GcpVendedCredentials>, 'provider'>): GcpVendedCredentials { return new GcpVended(fields); }
export function azureVended(fields: Omit<Fields<AzureVendedCredentials>, 'provider'>): AzureVendedCredentials { return new AzureVended(fields); }

/** What a driver is asked to vend. The resolver has already matched the integration and checked mode and TTL. */
export interface DriverVendRequest {
  /** Key prefix the credentials are confined to, without trailing slash ('' = whole bucket); ⊆ the integration's scope. */
  prefix: string;
  /** ≤ the integration's mode. */
  mode: Mode;
  /** Positive integer; the credentials must not outlive it. */
  ttlSeconds: number;
  /** Shorten the lifetime to what the provider allows instead of failing (never lengthen it). */
  clamp: boolean;
  signal?: AbortSignal;
}
