import type { AwsIntegration } from '../../types.js';
import { createHash, createHmac } from 'node:crypto';
import type { S3Client } from '@aws-sdk/client-s3';
import { InvalidArgumentError, NotFoundError, UnsupportedUriError } from '../../errors.js';
import { s3BucketKind } from '../../uri/aws-names.js';
import type { CompletedPart, PresignedPost } from '../../upload-types.js';
import type { ObjectTarget } from '../driver.js';
import type {
  PartUrlsRequest, PresignPostRequest, ResumeState, SignedParts, StartUploadRequest, UploadDriver, UploadLimits, UploadSession,
} from '../uploads/driver-uploads.js';
import { uploadHeaders } from '../uploads/part-headers.js';
import { awsEncryptionHeaders } from './encryption.js';
import { encodeKeyPath, objectUrlBase, rfc3986, type S3EndpointOptions } from './endpoint.js';
import { awsErrorInfo } from './errors.js';
import { deriveSigningKey } from './presigner.js';
import { loadS3 } from './sdk.js';
import type { AwsCredentialValue } from './types.js';

/**
 * S3 browser uploads: multipart uploads whose UploadPart requests are presigned (SigV4 query
 * signing, host header only, UNSIGNED-PAYLOAD), created, listed, completed and aborted by the
 * backend with the integration's credentials; and SigV4 POST policies for form uploads, signed
 * by hand (no @aws-sdk/s3-presigned-post): key fixed, bucket fixed, `content-length-range`.
 */

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;
export const S3_UPLOAD_LIMITS: UploadLimits = {
  maxSize: 5 * 1024 * GiB, minPartSize: 5 * MiB, maxPartSize: 5 * GiB, maxParts: 10_000, partQuantum: 1, defaultPartSize: 8 * MiB,
};
/** S3 refuses a POST Object body larger than 5 GiB whatever the policy says. */
const MAX_POST_BYTES = 5 * GiB;
const SEVEN_DAYS = 7 * 24 * 3600;

/** What the S3 driver lends its upload code: its retrying, region-following call runner and signing credentials. */
export interface S3UploadHost {
  run<T>(target: ObjectTarget, operation: string, call: (client: S3Client, params: { Bucket: string; Key: string; ExpectedBucketOwner?: string }) => Promise<T>): Promise<T>;
  /** Credentials good for `ttlSeconds` more (refreshed if need be), the bucket's region and the TTL they allow. */
  signing(target: ObjectTarget, ttlSeconds: number): Promise<{ credentials: AwsCredentialValue; region: string; signedAt: number; ttlSeconds: number; accountId?: string }>;
  endpoint: S3EndpointOptions;
}

export class S3Uploads implements UploadDriver {
  readonly maxUploadTtlSeconds = SEVEN_DAYS;
  readonly limits = S3_UPLOAD_LIMITS;
  readonly #host: S3UploadHost;

  constructor(host: S3UploadHost) { this.#host = host; }

  async start(target: ObjectTarget, request: StartUploadRequest): Promise<string> {
    const { CreateMultipartUploadCommand } = await loadS3();
    // The integration's encryption (part-headers.ts): parts inherit it from this call.
    const sse = uploadHeaders(target.integration, 'aws').startParams;
    const out = await this.#host.run(target, 'create an upload to', (client, params) => client.send(new CreateMultipartUploadCommand({
      ...params, ...(request.contentType !== undefined ? { ContentType: request.contentType } : {}), ...sse,
    }), request.signal ? { abortSignal: request.signal } : {}));
    if (!out.UploadId) throw new TypeError('S3 CreateMultipartUpload returned no UploadId');
    return out.UploadId;
  }

  async signParts(target: ObjectTarget, session: UploadSession, request: PartUrlsRequest): Promise<SignedParts> {
    const signing = await this.#host.signing(target, request.ttlSeconds);
    const headers = uploadHeaders(target.integration, 'aws').part;
    const parts = request.parts.map((p) => ({
      partNumber: p.partNumber,
      url: presignS3Query({
        ...signing, endpoint: this.#host.endpoint, bucket: target.location.bucket, key: target.location.key, method: 'PUT',
        query: { partNumber: String(p.partNumber), uploadId: session.providerId, 'x-id': 'UploadPart' },
      }),
      method: 'PUT' as const, headers: { ...headers }, start: p.start, end: p.end,
    }));
    return { parts, expiresAt: new Date(signing.signedAt + signing.ttlSeconds * 1000) };
  }

  async resumeState(target: ObjectTarget, session: UploadSession, signal?: AbortSignal): Promise<ResumeState> {
    const listed = await this.#listParts(target, session, signal);
    const count = Math.ceil(session.size / session.partSize);
    // Only parts of exactly the planned size count as uploaded: a truncated one is sent again.
    const uploaded = listed.filter((p) => p.partNumber <= count && p.size === partLength(session, p.partNumber)).map((p) => ({ partNumber: p.partNumber, etag: p.etag }));
    return { uploaded };
  }

  async complete(target: ObjectTarget, session: UploadSession, parts: CompletedPart[], signal?: AbortSignal): Promise<void> {
    const { CompleteMultipartUploadCommand } = await loadS3();
    const listed = new Map((await this.#listParts(target, session, signal)).map((p) => [p.partNumber, p]));
    const given = new Map(parts.map((p) => [p.partNumber, p]));
    const count = Math.ceil(session.size / session.partSize);
    const chosen: Array<{ PartNumber: number; ETag: string }> = [];
    for (let n = 1; n <= count; n++) {
      const held = listed.get(n);
      if (!held || held.size !== partLength(session, n)) {
        throw new InvalidArgumentError(`completeUpload: part ${n} of ${count} of ${target.location.uri} is ${held ? `${held.size} bytes instead of ${partLength(session, n)}` : 'missing'}; send it (resumeUpload gives fresh URLs) and complete again`, { integrationId: target.integration.id, uri: target.location.uri });
      }
      const etag = given.get(n)?.etag;
      // The browser's ETag, when given, must be the part S3 holds: a part replaced since is not what it sent.
      if (etag !== undefined && unquote(etag) !== unquote(held.etag)) {
        throw new InvalidArgumentError(`completeUpload: part ${n} of ${target.location.uri} has ETag ${held.etag} at S3, not ${etag}; it was replaced after the browser sent it`, { integrationId: target.integration.id, uri: target.location.uri });
      }
      chosen.push({ PartNumber: n, ETag: held.etag });
    }
    await this.#host.run(target, 'complete an upload to', (client, params) => client.send(new CompleteMultipartUploadCommand({
      ...params, UploadId: session.providerId, MultipartUpload: { Parts: chosen },
    }), signal ? { abortSignal: signal } : {}));
  }

  async abort(target: ObjectTarget, session: UploadSession, signal?: AbortSignal): Promise<void> {
    const { AbortMultipartUploadCommand } = await loadS3();
    try {
      await this.#host.run(target, 'abort an upload to', (client, params) => client.send(new AbortMultipartUploadCommand({ ...params, UploadId: session.providerId }), signal ? { abortSignal: signal } : {}));
    } catch (error) {
      // Already aborted (or completed): nothing of the upload is left to discard.
      if (error instanceof NotFoundError && awsErrorInfo(error.cause).code === 'NoSuchUpload') return;
      throw error;
    }
  }

  async presignPost(target: ObjectTarget, request: PresignPostRequest): Promise<PresignedPost> {
    const kind = s3BucketKind(target.location.bucket);
    if (kind !== 'bucket') {
      // S3 serves POST Object only on general purpose buckets' own endpoints.
      throw new UnsupportedUriError(`presignPost: S3 has no form uploads through ${kind === 'directory' ? 'directory buckets' : 'access points'} (${target.location.uri}); use createUpload`, { integrationId: target.integration.id, uri: target.location.uri });
    }
    if (request.maxBytes > MAX_POST_BYTES) throw new InvalidArgumentError(`presignPost: S3 form uploads stop at 5 GiB (${MAX_POST_BYTES} bytes); use createUpload for larger files`, { uri: target.location.uri });
    const signing = await this.#host.signing(target, request.ttlSeconds);
    return s3PostPolicy({ ...signing, endpoint: this.#host.endpoint, bucket: target.location.bucket, key: target.location.key, maxBytes: request.maxBytes, ...(request.contentType !== undefined ? { contentType: request.contentType } : {}),
      // The integration's encryption: form fields the policy fixes, so the browser cannot drop them.
      extraFields: awsEncryptionHeaders(target.integration.config as AwsIntegration) });
  }

  async #listParts(target: ObjectTarget, session: UploadSession, signal?: AbortSignal): Promise<Array<{ partNumber: number; etag: string; size: number }>> {
    const { ListPartsCommand } = await loadS3();
    const out: Array<{ partNumber: number; etag: string; size: number }> = [];
    let marker: string | undefined;
    for (;;) {
      const page = await this.#host.run(target, 'list the parts of an upload to', (client, params) => client.send(new ListPartsCommand({
        ...params, UploadId: session.providerId, MaxParts: 1000, ...(marker !== undefined ? { PartNumberMarker: marker } : {}),
      }), signal ? { abortSignal: signal } : {}));
      for (const p of page.Parts ?? []) {
        if (p.PartNumber !== undefined && p.ETag !== undefined) out.push({ partNumber: p.PartNumber, etag: p.ETag, size: p.Size ?? 0 });
      }
      if (!page.IsTruncated || page.NextPartNumberMarker === undefined) return out;
      marker = String(page.NextPartNumberMarker);
    }
  }
}

function partLength(session: UploadSession, partNumber: number): number {
  return Math.min(partNumber * session.partSize, session.size) - (partNumber - 1) * session.partSize;
}

const unquote = (etag: string): string => etag.replace(/^W\//, '').replace(/^"|"$/g, '');

function amzDateOf(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}Z$/, 'Z');
}

interface SigningInput {
  credentials: AwsCredentialValue; region: string; signedAt: number; ttlSeconds: number; accountId?: string;
  endpoint: S3EndpointOptions; bucket: string; key: string;
}

/** A SigV4 presigned URL for any S3 object request named by query parameters (UploadPart). Host is the only signed header. */
export function presignS3Query(input: SigningInput & { method: 'PUT' | 'GET' | 'DELETE'; query: Record<string, string> }): string {
  const base = objectUrlBase(input.bucket, input.region, input.endpoint);
  const amzDate = amzDateOf(input.signedAt);
  const date = amzDate.slice(0, 8);
  const scope = `${date}/${input.region}/${base.service}/aws4_request`;
  const params: Record<string, string> = {
    'X-Amz-Algorithm': 'AWS4-HMAC-SHA256', 'X-Amz-Content-Sha256': 'UNSIGNED-PAYLOAD',
    'X-Amz-Credential': `${input.credentials.accessKeyId}/${scope}`, 'X-Amz-Date': amzDate, 'X-Amz-Expires': String(input.ttlSeconds),
    ...(input.credentials.sessionToken !== undefined ? { 'X-Amz-Security-Token': input.credentials.sessionToken } : {}),
    'X-Amz-SignedHeaders': 'host',
    ...(input.accountId !== undefined ? { 'x-amz-expected-bucket-owner': input.accountId } : {}),
    ...input.query,
  };
  const query = Object.keys(params).map((k) => [rfc3986(k), rfc3986(params[k]!)] as const)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([k, v]) => `${k}=${v}`).join('&');
  const path = `${base.pathPrefix}/${encodeKeyPath(input.key)}`;
  const canonical = `${input.method}\n${path}\n${query}\nhost:${base.host}\n\nhost\nUNSIGNED-PAYLOAD`;
  const stringToSign = `AWS4-HMAC-SHA256\n${amzDate}\n${scope}\n${createHash('sha256').update(canonical, 'utf8').digest('hex')}`;
  const signature = createHmac('sha256', deriveSigningKey(input.credentials.secretAccessKey, date, input.region, base.service)).update(stringToSign, 'utf8').digest('hex');
  return `${base.origin}${path}?${query}&X-Amz-Signature=${signature}`;
}

/**
 * A SigV4 POST policy (what @aws-sdk/s3-presigned-post builds): the form names the bucket and the
 * exact key, sizes 0 … maxBytes, the Content-Type when given, and the credential fields; every
 * field is covered by a condition, so the browser can add none of its own.
 */
export function s3PostPolicy(input: SigningInput & { maxBytes: number; contentType?: string; extraFields?: Record<string, string> }): PresignedPost {
  const base = objectUrlBase(input.bucket, input.region, input.endpoint);
  const amzDate = amzDateOf(input.signedAt);
  const date = amzDate.slice(0, 8);
  const expiresAt = new Date(Math.floor(input.signedAt / 1000) * 1000 + input.ttlSeconds * 1000);
  const fields: Record<string, string> = {
    bucket: input.bucket,
    key: input.key,
    ...(input.contentType !== undefined ? { 'Content-Type': input.contentType } : {}),
    ...input.extraFields,
    'X-Amz-Algorithm': 'AWS4-HMAC-SHA256',
    'X-Amz-Credential': `${input.credentials.accessKeyId}/${date}/${input.region}/s3/aws4_request`,
    'X-Amz-Date': amzDate,
    ...(input.credentials.sessionToken !== undefined ? { 'X-Amz-Security-Token': input.credentials.sessionToken } : {}),
  };
  const conditions: unknown[] = [
    ...Object.entries(fields).map(([name, value]) => ({ [name]: value })),
    ['content-length-range', 0, input.maxBytes],
  ];
  const policy = Buffer.from(JSON.stringify({ expiration: expiresAt.toISOString(), conditions }), 'utf8').toString('base64');
  const signature = createHmac('sha256', deriveSigningKey(input.credentials.secretAccessKey, date, input.region, 's3')).update(policy, 'utf8').digest('hex');
  // Path-style endpoints name the bucket in the path; virtual-hosted ones in the host.
  return { url: `${base.origin}${base.pathPrefix}/`, fields: { ...fields, Policy: policy, 'X-Amz-Signature': signature }, expiresAt };
}
