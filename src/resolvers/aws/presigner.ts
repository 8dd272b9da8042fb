import { createHmac } from 'node:crypto';
import { isAscii, Sha256Hmac, sha256Hex } from '../hmac-sha256.js';
import type { HttpMethod } from '../../types.js';
import { encodeKeyPath, objectUrlBase, rfc3986, type ObjectUrlBase, type S3EndpointOptions } from './endpoint.js';
import type { AwsCredentialValue } from './types.js';

/**
 * SigV4 query-string presigning for S3 GetObject/PutObject without an SDK client per call.
 *
 * A presigned URL costs one SHA-256 of the canonical request and one HMAC; the signing key
 * (four chained HMACs) is derived once per credential, day and region and reused. The output is
 * byte-for-byte what `@aws-sdk/s3-request-presigner` produces for a client configured with
 * `requestChecksumCalculation/responseChecksumValidation: 'WHEN_REQUIRED'` and
 * `signableHeaders: ['content-type']` (test/resolvers/aws-presigner.test.ts proves it). With the
 * SDK's default checksum settings a PUT URL would carry the CRC32 of an empty body and every real
 * upload through it would fail, so that default is deliberately not reproduced.
 */

export interface PresignInput {
  credentials: AwsCredentialValue;
  region: string;
  bucket: string;
  key: string;
  method: HttpMethod;
  expiresInSeconds: number;
  /** Epoch ms of the signature (the URL is valid from this second for `expiresInSeconds`). */
  signingTimeMs: number;
  /** PUT only: bound into the signature; the uploader must send exactly this Content-Type. */
  contentType?: string;
  /** Hoisted as `x-amz-expected-bucket-owner` so S3 refuses the URL for a bucket someone else owns. */
  expectedBucketOwner?: string;
  /** GET only: the object version the URL names (`versionId`), signed into it. */
  versionId?: string;
  /**
   * PUT only: more headers the uploader must send, signed (lower-case names, e.g. the
   * integration's `x-amz-server-side-encryption*`). S3 ignores SSE parameters hoisted into a query.
   */
  extraHeaders?: Record<string, string>;
  /** GET only: `response-content-type` / `response-content-disposition`, signed into the URL. */
  responseContentType?: string;
  responseContentDisposition?: string;
}

const MAX_CACHED_KEYS = 1_000;

interface LastSigner {
  /**
   * Compared by value, field by field (so a credentials object someone mutated is not reused): an
   * access-key integration hands over a new object with the same key on every presign.
   */
  secret: string; accessKeyId: string; sessionToken: string | undefined;
  date: string; region: string; service: string;
  credentialParams: string; tokenParam: string;
  /** HMAC under the signing key; `ascii`: the string to sign is ASCII (checked once here: its scope is the only part that varies in kind). */
  hmac: Sha256Hmac; ascii: boolean;
}
const MAX_CACHED_BASES = 10_000;

export class FastS3Presigner {
  readonly #endpoint: S3EndpointOptions;
  readonly #keys = new Map<string, { secret: string; key: Buffer }>();
  readonly #bases = new Map<string, ObjectUrlBase & { hostOnly: SignedHeaderBlock }>();
  #last: LastSigner | undefined;
  #lastBase: { bucket: string; region: string; base: ObjectUrlBase & { hostOnly: SignedHeaderBlock } } | undefined;
  #lastSecond = -1;
  #lastAmzDate = '';

  constructor(endpoint: S3EndpointOptions = {}) {
    this.#endpoint = endpoint;
  }

  presign(input: PresignInput): string {
    const base = this.#base(input.bucket, input.region);
    const amzDate = this.#amzDate(input.signingTimeMs);
    const date = amzDate.slice(0, 8);
    const service = base.service;
    const scope = `${date}/${input.region}/${service}/aws4_request`;
    const { credentials } = input;
    const path = `${base.pathPrefix}/${encodeKeyPath(input.key)}`;
    const { headerNames, canonicalHeaders } = input.method === 'PUT' ? putHeaders(input, base.host) : base.hostOnly;
    const signedHeaders = headerNames === 'host' ? 'host' : headerNames.replace(/;/g, '%3B');

    const signer = this.#signerFor(credentials, amzDate, input.region, service);
    // Parameters in canonical (code point) order; X-Amz-Signature slots in before SignedHeaders.
    const head = `${signer.credentialParams}&X-Amz-Date=${amzDate}&X-Amz-Expires=${input.expiresInSeconds}${signer.tokenParam}`;
    let tail = `X-Amz-SignedHeaders=${signedHeaders}`;
    if (input.method === 'GET') {
      if (input.responseContentDisposition !== undefined) tail += `&response-content-disposition=${rfc3986(input.responseContentDisposition)}`;
      if (input.responseContentType !== undefined) tail += `&response-content-type=${rfc3986(input.responseContentType)}`;
    }
    if (input.versionId !== undefined && input.method === 'GET') tail += `&versionId=${rfc3986(input.versionId)}`;
    if (input.expectedBucketOwner !== undefined) tail += `&x-amz-expected-bucket-owner=${rfc3986(input.expectedBucketOwner)}`;
    tail += input.method === 'PUT' ? '&x-id=PutObject' : '&x-id=GetObject';

    const canonicalRequest = `${input.method}\n${path}\n${head}&${tail}\n${canonicalHeaders}\n${headerNames}\nUNSIGNED-PAYLOAD`;
    const stringToSign = `AWS4-HMAC-SHA256\n${amzDate}\n${scope}\n${sha256Hex(canonicalRequest)}`;
    const signature = signer.hmac.digest(stringToSign, 'hex', signer.ascii);
    return `${base.origin}${path}?${head}&X-Amz-Signature=${signature}&${tail}`;
  }

  #base(bucket: string, region: string): ObjectUrlBase & { hostOnly: SignedHeaderBlock } {
    // Most URLs in a row are for one bucket: skip building and hashing the map key for them.
    const last = this.#lastBase;
    if (last !== undefined && last.bucket === bucket && last.region === region) return last.base;
    const cacheKey = `${bucket}\n${region}`;
    let base = this.#bases.get(cacheKey);
    if (!base) {
      const url = objectUrlBase(bucket, region, this.#endpoint);
      // A GET signs the host alone: its header block is the same for every URL of the bucket.
      base = { ...url, hostOnly: signedHeaderBlock([['host', url.host]]) };
      if (this.#bases.size >= MAX_CACHED_BASES) this.#bases.clear();
      this.#bases.set(cacheKey, base);
    }
    this.#lastBase = { bucket, region, base };
    return base;
  }

  /**
   * The signing key and the query text that depend only on the credentials, day, region and
   * service, kept for the last combination used (one hot credential signs most URLs) so a URL
   * costs one SHA-256 and one HMAC, not re-encoding a session token of a kilobyte.
   */
  #signerFor(credentials: AwsCredentialValue, amzDate: string, region: string, service: string): LastSigner {
    const last = this.#last;
    const date = amzDate.slice(0, 8);
    if (last !== undefined && last.secret === credentials.secretAccessKey && last.accessKeyId === credentials.accessKeyId
      && last.sessionToken === credentials.sessionToken && last.date === date && last.region === region && last.service === service) return last;
    const next: LastSigner = {
      secret: credentials.secretAccessKey, accessKeyId: credentials.accessKeyId, sessionToken: credentials.sessionToken, date, region, service,
      hmac: new Sha256Hmac(this.#signingKey(credentials, date, region, service)), ascii: isAscii(region) && isAscii(service),
      credentialParams: 'X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Content-Sha256=UNSIGNED-PAYLOAD'
        + `&X-Amz-Credential=${rfc3986(credentials.accessKeyId)}%2F${date}%2F${rfc3986(region)}%2F${service}%2Faws4_request`,
      tokenParam: credentials.sessionToken !== undefined ? `&X-Amz-Security-Token=${rfc3986(credentials.sessionToken)}` : '',
    };
    this.#last = next;
    return next;
  }

  #signingKey(credentials: AwsCredentialValue, date: string, region: string, service: string): Buffer {
    const cacheKey = `${credentials.accessKeyId}\n${date}\n${region}\n${service}`;
    const cached = this.#keys.get(cacheKey);
    // Compare the secret too: an access key id is only ever paired with one secret, but a cache
    // keyed on the id alone would sign with a stale secret if that assumption were ever broken.
    if (cached && cached.secret === credentials.secretAccessKey) return cached.key;
    const key = deriveSigningKey(credentials.secretAccessKey, date, region, service);
    if (this.#keys.size >= MAX_CACHED_KEYS) this.#keys.clear();
    this.#keys.set(cacheKey, { secret: credentials.secretAccessKey, key });
    return key;
  }

  #amzDate(ms: number): string {
    const second = Math.floor(ms / 1000);
    if (second !== this.#lastSecond) {
      this.#lastSecond = second;
      this.#lastAmzDate = new Date(second * 1000).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}Z$/, 'Z');
    }
    return this.#lastAmzDate;
  }
}

interface SignedHeaderBlock { headerNames: string; canonicalHeaders: string }

/** A PUT's signed headers beyond host, sorted by name (content-type < host < x-amz-*), values trimmed as SigV4 canonicalises them. */
function putHeaders(input: PresignInput, host: string): SignedHeaderBlock {
  const bound: Array<[string, string]> = [];
  if (input.contentType !== undefined) bound.push(['content-type', input.contentType]);
  bound.push(['host', host]);
  if (input.extraHeaders) for (const name of Object.keys(input.extraHeaders).sort()) bound.push([name, input.extraHeaders[name]!]);
  return signedHeaderBlock(bound);
}

function signedHeaderBlock(bound: ReadonlyArray<readonly [string, string]>): SignedHeaderBlock {
  let canonicalHeaders = '';
  for (const [name, value] of bound) canonicalHeaders += `${name}:${value.trim().replace(/\s+/g, ' ')}\n`;
  return { headerNames: bound.map(([name]) => name).join(';'), canonicalHeaders };
}

export function deriveSigningKey(secret: string, date: string, region: string, service: string): Buffer {
  const kDate = createHmac('sha256', `AWS4${secret}`).update(date).digest();
  const kRegion = createHmac('sha256', kDate).update(region).digest();
  const kService = createHmac('sha256', kRegion).update(service).digest();
  return createHmac('sha256', kService).update('aws4_request').digest();
}
