import { randomBytes, randomUUID } from 'node:crypto';
import { generateExternalId } from '../auth/external-id.js';
import { InvalidArgumentError } from '../errors.js';
import type { AwsIntegration, AzureIntegration, GcpIntegration, Mode, PlatformOptions } from '../types.js';
import { parseAssetUri } from '../uri/index.js';
import { startAwsFakes, type AwsFakes, type AwsFakesOptions } from './aws/index.js';
import { startAzureTestEnvironment, type AzureTestEnvironment, type AzureTestEnvironmentOptions, type FetchLike } from './azure/index.js';
import { startFakeGcp, type FakeGcp, type StartFakeGcpOptions } from './gcp/index.js';

/** A cloud the fake cloud can start. */
export type FakeProvider = 'aws' | 'gcp' | 'azure';

/** Options of `startFakeCloud` (and of `createTestResolver`). */
export interface FakeCloudOptions {
  /** Which clouds to start. Default all three; each loads its emulator only when listed. */
  providers?: FakeProvider[];
  /** Options of the AWS fakes (roles, buckets, clock). */
  aws?: AwsFakesOptions;
  /** Options of the GCP fakes (service accounts, token lifetimes). */
  gcp?: StartFakeGcpOptions;
  /** Options of the Azure environment (Azurite, Entra, OIDC issuer). */
  azure?: AzureTestEnvironmentOptions;
}

/** What a customer grants: a bucket (or container) and prefix, read-only or read-write. */
export interface CustomerGrant {
  /** Integration id. Default `<provider>-<mode>-<n>`. */
  id?: string;
  /** Bucket (S3/GCS) or container (Azure). Default `assetlink-test`. Created when missing. */
  bucket?: string;
  prefix?: string;
  mode?: Mode;
}

/**
 * The fakes this project tests against, started in-process on loopback ports: S3 (an in-memory
 * store behind a SigV4- and IAM-checking front) and STS; GCS, IAM Credentials and STS; Azurite over HTTPS with
 * OAuth and a fake Entra. `platform` points assetlink at them.
 */
export interface FakeCloud {
  readonly platform: PlatformOptions;
  readonly aws?: AwsFakes;
  readonly gcp?: FakeGcp;
  readonly azure?: AzureTestEnvironment;
  /** `fetch` for presigned URLs: trusts the fakes' self-signed certificate (Azure is HTTPS-only). */
  readonly fetch: FetchLike;
  /** Registers a customer role (trusting the platform, with a fresh ExternalId) and returns its integration. */
  awsIntegration(grant?: CustomerGrant): Promise<AwsIntegration>;
  /** Registers a customer service account the platform may impersonate, granted on the bucket per mode. */
  gcpIntegration(grant?: CustomerGrant): Promise<GcpIntegration>;
  /** Registers a customer app registration with a federated credential for the platform's issuer. */
  azureIntegration(grant?: CustomerGrant & { account?: string }): Promise<AzureIntegration>;
  /** Puts an object straight into the fake store behind `uri` (s3://, gs://, https://ACCOUNT.blob.core.windows.net/…). */
  putObject(uri: string, body: string | Uint8Array, contentType?: string): Promise<void>;
  /** Reads an object straight from the fake store, or `undefined`. */
  getObject(uri: string): Promise<Uint8Array | undefined>;
  close(): Promise<void>;
}

const DEFAULT_BUCKET = 'assetlink-test';
const AWS_ACCOUNT = '111111111111';
const GCP_PLATFORM = 'assetlink-platform@platform-project.iam.gserviceaccount.com';

function need<T>(value: T | undefined, provider: FakeProvider): T {
  if (value === undefined) throw new InvalidArgumentError(`the fake cloud was started without ${provider}: pass providers: [..., '${provider}']`);
  return value;
}

/**
 * Starts the fakes of the chosen clouds on loopback ports (S3 + STS; GCS + IAM Credentials + STS;
 * Azurite over HTTPS + Entra + an OIDC issuer) and returns the `platform` options that point at them.
 * Close it when done.
 */
export async function startFakeCloud(options: FakeCloudOptions = {}): Promise<FakeCloud> {
  const providers = new Set(options.providers ?? ['aws', 'gcp', 'azure']);
  const started: Array<{ close(): Promise<void> }> = [];
  try {
    const aws = providers.has('aws') ? await startAwsFakes(options.aws) : undefined;
    if (aws) started.push(aws);
    const gcp = providers.has('gcp') ? await startFakeGcp(options.gcp) : undefined;
    if (gcp) started.push(gcp);
    const azure = providers.has('azure') ? await startAzureTestEnvironment(options.azure) : undefined;
    if (azure) started.push(azure);

    const gcpPlatformToken = `platform-token-${randomBytes(8).toString('hex')}`;
    gcp?.directory.registerToken(gcpPlatformToken, { principal: GCP_PLATFORM });

    const platform: PlatformOptions = {
      ...(aws ? { aws: aws.platform } : {}),
      ...(gcp ? { gcp: { authClient: { getAccessToken: async () => ({ token: gcpPlatformToken }) }, ...gcp.endpoints } } : {}),
      ...(azure ? { azure: azure.platform } : {}),
    };
    return new FakeCloudImpl(platform, aws, gcp, azure);
  } catch (error) {
    await Promise.allSettled(started.map((s) => s.close()));
    throw error;
  }
}

class FakeCloudImpl implements FakeCloud {
  readonly fetch: FetchLike;
  #counter = 0;
  readonly #buckets = new Set<string>();

  constructor(
    readonly platform: PlatformOptions,
    readonly aws: AwsFakes | undefined,
    readonly gcp: FakeGcp | undefined,
    readonly azure: AzureTestEnvironment | undefined,
  ) {
    // S3 and GCS fakes are plain http on loopback; Azurite is https with a self-signed certificate.
    const trusting = azure?.fetch;
    this.fetch = (url, init) => (trusting && url.startsWith('https:') ? trusting(url, init) : fetch(url, init));
  }

  #id(provider: string, grant: CustomerGrant): string {
    return grant.id ?? `${provider}-${grant.mode ?? 'read-only'}-${++this.#counter}`;
  }

  async awsIntegration(grant: CustomerGrant = {}): Promise<AwsIntegration> {
    const aws = need(this.aws, 'aws');
    const bucket = grant.bucket ?? DEFAULT_BUCKET;
    if (!this.#buckets.has(`s3|${bucket}`)) { await aws.s3.createBucket(bucket); this.#buckets.add(`s3|${bucket}`); }
    const id = this.#id('aws', grant);
    const roleArn = `arn:aws:iam::${AWS_ACCOUNT}:role/customer-${id.replace(/[^\w+=,.@-]/g, '-')}`;
    const externalId = generateExternalId();
    aws.sts.addRole({ roleArn, externalId });
    return {
      id, provider: 'aws', mode: grant.mode ?? 'read-only',
      scope: { bucket, ...(grant.prefix ? { prefix: grant.prefix } : {}) },
      auth: { kind: 'assume-role', roleArn, externalId },
    };
  }

  async gcpIntegration(grant: CustomerGrant = {}): Promise<GcpIntegration> {
    const gcp = need(this.gcp, 'gcp');
    const bucket = grant.bucket ?? DEFAULT_BUCKET;
    const id = this.#id('gcp', grant);
    const serviceAccount = `customer-${++this.#counter}@customer-project.iam.gserviceaccount.com`;
    gcp.directory.addServiceAccount(serviceAccount);
    gcp.directory.grantTokenCreator(GCP_PLATFORM, serviceAccount);
    gcp.gcs.grantBucketRole(bucket, serviceAccount, grant.mode === 'read-write' ? 'roles/storage.objectUser' : 'roles/storage.objectViewer');
    return {
      id, provider: 'gcp', mode: grant.mode ?? 'read-only',
      scope: { bucket, ...(grant.prefix ? { prefix: grant.prefix } : {}) },
      auth: { kind: 'impersonation', serviceAccount },
    };
  }

  async azureIntegration(grant: CustomerGrant & { account?: string } = {}): Promise<AzureIntegration> {
    const azure = need(this.azure, 'azure');
    const account = grant.account ?? 'devstoreaccount1';
    const container = grant.bucket ?? DEFAULT_BUCKET;
    if (!this.#buckets.has(`az|${account}|${container}`)) {
      await azure.azurite.createContainer(container, account);
      this.#buckets.add(`az|${account}|${container}`);
    }
    const id = this.#id('azure', grant);
    const tenantId = randomUUID();
    const clientId = randomUUID();
    const subject = `assetlink:${id}`;
    azure.entra.addApp({ tenantId, clientId, federated: [{ issuer: azure.issuer.issuer, subject }] });
    const issuer = azure.issuer;
    return {
      id, provider: 'azure', mode: grant.mode ?? 'read-only',
      scope: { account, container, ...(grant.prefix ? { prefix: grant.prefix } : {}) },
      auth: { kind: 'federated', tenantId, clientId, assertion: async () => issuer.mint({ subject }) },
    };
  }

  async putObject(uri: string, body: string | Uint8Array, contentType?: string): Promise<void> {
    const loc = parseAssetUri(uri);
    const options = contentType !== undefined ? { contentType } : {};
    switch (loc.provider) {
      case 'aws': await need(this.aws, 'aws').s3.putObject(loc.bucket, loc.key, body, options); return;
      case 'gcp': need(this.gcp, 'gcp').gcs.putObject(loc.bucket, loc.key, body, options); return;
      case 'azure': return need(this.azure, 'azure').azurite.putBlob(loc.bucket, loc.key, body, { ...options, ...(loc.account ? { account: loc.account } : {}) });
      default: throw new InvalidArgumentError(`putObject takes s3://, gs:// or Azure blob URIs, not ${loc.provider}`);
    }
  }

  async getObject(uri: string): Promise<Uint8Array | undefined> {
    const loc = parseAssetUri(uri);
    switch (loc.provider) {
      case 'aws': return (await need(this.aws, 'aws').s3.getObject(loc.bucket, loc.key))?.body;
      case 'gcp': { const o = need(this.gcp, 'gcp').gcs.getObject(loc.bucket, loc.key); return o ? new Uint8Array(o.data) : undefined; }
      case 'azure': return need(this.azure, 'azure').azurite.getBlob(loc.bucket, loc.key, loc.account);
      default: throw new InvalidArgumentError(`getObject takes s3://, gs:// or Azure blob URIs, not ${loc.provider}`);
    }
  }

  async close(): Promise<void> {
    await Promise.allSettled([this.aws?.close(), this.gcp?.close(), this.azure?.close()]);
  }
}
