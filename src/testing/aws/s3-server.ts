import { mkdtemp, rm } from 'node:fs/promises';
import { request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as zlib from 'node:zlib';
import { importOptional } from '../../resolvers/registry.js';
import { ChunkedBodyError, decodeAwsChunked } from './aws-chunked.js';
import { BodyTooLargeError, closeServer, listenOnLoopback, readBody, sendXml, xmlEscape } from './http-util.js';
import { evaluatePolicies, evaluateResourcePolicy, type AuthorizationRequest, type Decision, type ResourcePolicyDocument } from './iam-policy.js';
import { AwsKeyring, DEFAULT_ACCOUNT_ID, type AwsKeyEntry } from './keyring.js';
import { parsePathStyle, s3Authorization, type S3Target } from './s3-action.js';
import { parseRawQuery, sha256Hex, verifySigV4, type VerifiedRequest } from './sigv4-verify.js';

/**
 * A strict front for s3rver. s3rver stores objects faithfully but is far more permissive than S3
 * (it serves unsigned requests and ignores session tokens), so every request is first checked
 * here, the way S3 would: SigV4 signature (header or presigned query, including chunk signatures),
 * session token and its expiry, the bucket's region, `x-amz-expected-bucket-owner`, checksums, and
 * the IAM policies attached to the key (identity ∩ session policy, plus the bucket policy for
 * callers from other accounts). Only then is the request forwarded to s3rver, unsigned, with
 * aws-chunked bodies decoded, the trailing-slash quirk of bucket-level paths removed and
 * `Range: bytes=0-0` answered with one byte as S3 does.
 * Path-style addressing only.
 */

export interface FakeS3Bucket {
  name: string;
  /** Region the bucket lives in; requests signed for another region get a 301 redirect. Default us-east-1. */
  region?: string;
  /** Account that owns the bucket. Default 111111111111. */
  ownerAccountId?: string;
  /** Bucket policy, consulted for callers from other accounts (cross-account access). */
  policy?: ResourcePolicyDocument;
  /** CORS rules (served to GetBucketCors and applied by s3rver to browser requests). */
  cors?: FakeCorsRule[];
}

export interface FakeCorsRule {
  allowedOrigins: string[];
  allowedMethods: string[];
  allowedHeaders?: string[];
  exposeHeaders?: string[];
  maxAgeSeconds?: number;
}

function corsXml(rules: FakeCorsRule[]): string {
  const list = (tag: string, values: string[] | undefined): string => (values ?? []).map((v) => `<${tag}>${xmlEscape(v)}</${tag}>`).join('');
  return `<CORSConfiguration>${rules.map((r) => `<CORSRule>${list('AllowedOrigin', r.allowedOrigins)}${list('AllowedMethod', r.allowedMethods)}`
    + `${list('AllowedHeader', r.allowedHeaders)}${list('ExposeHeader', r.exposeHeaders)}`
    + `${r.maxAgeSeconds !== undefined ? `<MaxAgeSeconds>${r.maxAgeSeconds}</MaxAgeSeconds>` : ''}</CORSRule>`).join('')}</CORSConfiguration>`;
}

export interface FakeS3ServerOptions {
  /** Keys accepted by the front (share the fake STS's keyring so issued sessions work). */
  keyring?: AwsKeyring;
  buckets?: Array<string | FakeS3Bucket>;
  /** Clock for presigned-URL and session expiry, shared with the code under test. */
  now?: () => number;
  /** Largest request body accepted. Default 128 MiB. */
  maxBodyBytes?: number;
  /**
   * Send `x-amz-bucket-region` as S3 does (default true). False models S3-compatible servers that
   * do not, so clients must fall back to GetBucketLocation.
   */
  bucketRegionHeader?: boolean;
}

export interface S3RequestRecord {
  method: string;
  bucket?: string;
  key?: string;
  accessKeyId?: string;
  presigned: boolean;
  actions: string[];
  /** The payload hash the signature covered (hex, UNSIGNED-PAYLOAD or a STREAMING-… marker). */
  payloadHash?: string;
  status: number;
  /** Error code when the front refused the request. */
  code?: string;
  /** The injected fault this request got, if any. */
  fault?: S3Fault['type'];
}

/** Failures the front can answer with instead of serving a request (or while serving it). */
export type S3Fault =
  | { type: 'server-error' }
  | { type: 'slow-down' }
  /** Never answer (until the server closes). */
  | { type: 'hang' }
  /** Wait, then serve normally (a slow S3). */
  | { type: 'delay'; ms: number }
  /** Cut the connection without answering (TCP reset). */
  | { type: 'reset' }
  /**
   * Serve normally, but cut the connection halfway through the response body: the headers (with
   * the full Content-Length) and part of the bytes arrive, the rest never does. Requests without
   * a body to cut (HEAD, errors, empty objects) are served normally.
   */
  | { type: 'truncate' }
  /** Like `truncate`, but the connection stays open and silent after half of the body. */
  | { type: 'stall' }
  /** Answer as S3 does for a session token that has expired (400 ExpiredToken). */
  | { type: 'expired-token' };

/** Decides, per request, whether it gets a fault (consulted when no queued fault is pending). */
export type S3FaultPolicy = (request: { method: string; bucket?: string; key?: string }) => S3Fault | undefined;

export interface StoredObject { body: Uint8Array; contentType?: string; etag?: string }

interface S3rverInstance {
  run(): Promise<AddressInfo>;
  close(): Promise<void>;
  store: { putBucket(name: string): Promise<unknown> };
}
type S3rverConstructor = new (options: Record<string, unknown>) => S3rverInstance;

const CHUNKED_MARKERS = new Set([
  'STREAMING-AWS4-HMAC-SHA256-PAYLOAD',
  'STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER',
  'STREAMING-UNSIGNED-PAYLOAD-TRAILER',
]);
const STRIPPED_HEADERS = new Set([
  'authorization', 'host', 'content-length', 'transfer-encoding', 'connection', 'expect',
  'x-amz-security-token', 'x-amz-content-sha256', 'x-amz-decoded-content-length', 'x-amz-trailer',
  'x-amz-date', 'x-amz-user-agent', 'x-amz-expected-bucket-owner',
]);

export class FakeS3Server {
  readonly keyring: AwsKeyring;
  /** Every request the front answered, in order. */
  readonly requests: S3RequestRecord[] = [];
  readonly #buckets = new Map<string, FakeS3Bucket>();
  readonly #faults: S3Fault[] = [];
  #faultPolicy: S3FaultPolicy | undefined;
  readonly #now: () => number;
  readonly #maxBodyBytes: number;
  readonly #regionHeader: boolean;
  #s3rver: S3rverInstance | undefined;
  #backend: string | undefined;
  #front: Server | undefined;
  #url: string | undefined;
  #directory: string | undefined;

  constructor(options: FakeS3ServerOptions = {}) {
    this.keyring = options.keyring ?? new AwsKeyring();
    this.#now = options.now ?? Date.now;
    this.#maxBodyBytes = options.maxBodyBytes ?? 128 * 1024 * 1024;
    this.#regionHeader = options.bucketRegionHeader ?? true;
    for (const bucket of options.buckets ?? []) {
      const spec = typeof bucket === 'string' ? { name: bucket } : bucket;
      this.#buckets.set(spec.name, spec);
    }
  }

  /** Starts s3rver and the front on 127.0.0.1 (random ports); returns the front's endpoint. */
  async start(): Promise<string> {
    if (this.#url) return this.#url;
    // s3rver ships no types; the specifier is widened to string so the compiler does not look for them.
    const mod = await importOptional('@20minutes/s3rver', () => import('@20minutes/s3rver' as string) as Promise<{ default: S3rverConstructor }>);
    this.#directory = await mkdtemp(join(tmpdir(), 'assetlink-s3rver-'));
    const s3rver = new mod.default({
      address: '127.0.0.1',
      port: 0,
      silent: true,
      directory: this.#directory,
      configureBuckets: [...this.#buckets.values()].map((b) => ({ name: b.name, ...(b.cors ? { configs: [corsXml(b.cors)] } : {}) })),
    });
    const address = await s3rver.run();
    this.#s3rver = s3rver;
    this.#backend = `http://127.0.0.1:${address.port}`;
    const { server, url } = await listenOnLoopback((req, res) => {
      this.#handle(req, res).catch((error: unknown) => {
        const status = error instanceof BodyTooLargeError ? 413 : 500;
        this.#refuse(res, { method: req.method ?? '', presigned: false, actions: [], status: 0 }, status, status === 413 ? 'EntityTooLarge' : 'InternalError', error instanceof Error ? error.message : 'internal error');
      });
    });
    this.#front = server;
    this.#url = url;
    return url;
  }

  get endpoint(): string {
    if (!this.#url) throw new Error('FakeS3Server is not started');
    return this.#url;
  }

  /** Creates a bucket (directly in the store: no credentials needed). */
  async createBucket(bucket: string | FakeS3Bucket): Promise<void> {
    const spec = typeof bucket === 'string' ? { name: bucket } : bucket;
    this.#buckets.set(spec.name, spec);
    if (!this.#s3rver) return;
    await this.#s3rver.store.putBucket(spec.name);
    if (spec.cors) {
      const res = await fetch(`${this.#backend ?? ''}/${encodeURIComponent(spec.name)}?cors`, { method: 'PUT', body: corsXml(spec.cors) });
      await res.arrayBuffer();
      if (!res.ok) throw new Error(`could not configure CORS of ${spec.name}: HTTP ${res.status}`);
    }
  }

  /** Backdoor write that bypasses signing and policies (test setup). */
  async putObject(bucket: string, key: string, body: string | Uint8Array, options: { contentType?: string } = {}): Promise<void> {
    const res = await fetch(this.#backendUrl(bucket, key), {
      method: 'PUT',
      body: typeof body === 'string' ? body : Buffer.from(body),
      headers: options.contentType ? { 'content-type': options.contentType } : {},
    });
    await res.arrayBuffer();
    if (!res.ok) throw new Error(`backdoor putObject failed with ${res.status}`);
  }

  /** Backdoor read that bypasses signing and policies (test assertions). `undefined` when absent. */
  async getObject(bucket: string, key: string): Promise<StoredObject | undefined> {
    const res = await fetch(this.#backendUrl(bucket, key));
    const body = new Uint8Array(await res.arrayBuffer());
    if (res.status === 404) return undefined;
    if (!res.ok) throw new Error(`backdoor getObject failed with ${res.status}`);
    const object: StoredObject = { body };
    const contentType = res.headers.get('content-type');
    if (contentType) object.contentType = contentType;
    const etag = res.headers.get('etag');
    if (etag) object.etag = etag;
    return object;
  }

  /** The next `count` requests get `fault` instead of an answer. */
  injectFault(fault: S3Fault, count = 1): void {
    for (let i = 0; i < count; i++) this.#faults.push(fault);
  }

  /** Drops queued faults and the fault policy. */
  clearFaults(): void {
    this.#faults.length = 0;
    this.#faultPolicy = undefined;
  }

  /**
   * Faults by rule instead of by count: `policy` is asked about every request that finds no
   * queued fault (e.g. a seeded random choice for "10% of requests fail"). `undefined` removes it.
   */
  setFaultPolicy(policy: S3FaultPolicy | undefined): void { this.#faultPolicy = policy; }

  /** Requests the front refused (signature, token, policy, owner, region…). */
  get refusals(): S3RequestRecord[] { return this.requests.filter((r) => r.code !== undefined); }

  async close(): Promise<void> {
    await closeServer(this.#front);
    this.#front = undefined;
    this.#url = undefined;
    if (this.#s3rver) await this.#s3rver.close().catch(() => undefined);
    this.#s3rver = undefined;
    if (this.#directory) await rm(this.#directory, { recursive: true, force: true });
    this.#directory = undefined;
  }

  #backendUrl(bucket: string, key: string): string {
    if (!this.#backend) throw new Error('FakeS3Server is not started');
    return `${this.#backend}/${encodeURIComponent(bucket)}/${key.split('/').map(encodeURIComponent).join('/')}`;
  }

  #refuse(res: ServerResponse, record: S3RequestRecord, status: number, code: string, message: string, headers: Record<string, string> = {}): void {
    record.status = status;
    record.code = code;
    this.requests.push(record);
    if (record.method === 'HEAD') {
      // HEAD responses have no body; S3 still sends the status and the region header.
      if (!res.headersSent) res.writeHead(status, headers).end();
      return;
    }
    sendXml(res, status, `<Error><Code>${xmlEscape(code)}</Code><Message>${xmlEscape(message)}</Message></Error>`, headers);
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = req.method ?? 'GET';
    const rawUrl = req.url ?? '/';
    const queryStart = rawUrl.indexOf('?');
    const rawPath = queryStart < 0 ? rawUrl : rawUrl.slice(0, queryStart);
    const query = new Map(parseRawQuery(queryStart < 0 ? '' : rawUrl.slice(queryStart + 1)));
    const target = parsePathStyle(rawPath);
    const record: S3RequestRecord = { method, presigned: query.has('X-Amz-Algorithm'), actions: [], status: 0 };
    if (target.bucket !== undefined) record.bucket = target.bucket;
    if (target.key !== undefined) record.key = target.key;

    let body = await readBody(req, this.#maxBodyBytes);
    const fault = this.#faults.shift() ?? this.#faultPolicy?.({ method, ...(target.bucket !== undefined ? { bucket: target.bucket } : {}), ...(target.key !== undefined ? { key: target.key } : {}) });
    if (fault) record.fault = fault.type;
    if (fault?.type === 'hang') return;
    if (fault?.type === 'reset') {
      record.status = 0;
      this.requests.push(record);
      req.socket.resetAndDestroy();
      return;
    }
    if (fault?.type === 'server-error') return this.#refuse(res, record, 500, 'InternalError', 'We encountered an internal error. Please try again.');
    if (fault?.type === 'slow-down') return this.#refuse(res, record, 503, 'SlowDown', 'Please reduce your request rate.');
    if (fault?.type === 'expired-token') return this.#refuse(res, record, 400, 'ExpiredToken', 'The provided token has expired.');
    if (fault?.type === 'delay') await new Promise((resolve) => setTimeout(resolve, fault.ms));
    // CORS preflights are never signed, in S3 either.
    if (method === 'OPTIONS') return this.#forward(req, res, target, query, body, record);

    const verified = verifySigV4({ method, url: rawUrl, headers: req.headers }, { keyring: this.keyring, service: 's3', now: this.#now(), bodySha256: sha256Hex(body) });
    if (!verified.ok) return this.#refuse(res, record, verified.status, verified.code, verified.message);
    record.accessKeyId = verified.key.accessKeyId;
    record.payloadHash = verified.payloadHash;

    const bucket = target.bucket === undefined ? undefined : this.#buckets.get(target.bucket);
    const regionHeader: Record<string, string> = bucket && this.#regionHeader ? { 'x-amz-bucket-region': bucket.region ?? 'us-east-1' } : {};
    // GetBucketLocation is global: S3 answers it from any region (s3rver knows no regions).
    const locationQuery = method === 'GET' && target.key === undefined && query.has('location');
    if (bucket && (bucket.region ?? 'us-east-1') !== verified.region && !locationQuery) {
      return this.#refuse(res, record, 301, 'PermanentRedirect', 'The bucket you are attempting to access must be addressed using the specified endpoint.', regionHeader);
    }
    const expectedOwner = headerOrQuery(req, query, 'x-amz-expected-bucket-owner');
    if (bucket && expectedOwner !== undefined && expectedOwner !== (bucket.ownerAccountId ?? DEFAULT_ACCOUNT_ID)) {
      return this.#refuse(res, record, 403, 'AccessDenied', 'Access Denied', regionHeader);
    }

    try {
      body = this.#decodeBody(req, body, verified);
    } catch (error) {
      if (error instanceof ChunkedBodyError) return this.#refuse(res, record, 403, 'SignatureDoesNotMatch', error.message);
      throw error;
    }
    // Only PUT bodies are the object bytes; a checksum on CompleteMultipartUpload covers the parts.
    const checksumError = method === 'PUT' ? checkCrc32(headerOrQuery(req, query, 'x-amz-checksum-crc32'), body) : undefined;
    if (checksumError) return this.#refuse(res, record, 400, 'BadDigest', checksumError);

    const partition = verified.region.startsWith('cn-') ? 'aws-cn' : 'aws';
    const wanted = s3Authorization(method, target, query, req.headers, partition);
    if (method === 'POST' && target.key === undefined && query.has('delete') && target.bucket) {
      for (const key of body.toString('utf8').matchAll(/<Key>([^<]*)<\/Key>/g)) {
        wanted.push({ action: 's3:DeleteObject', resource: `arn:${partition}:s3:::${target.bucket}/${unescapeXml(key[1] ?? '')}` });
      }
    }
    record.actions = wanted.map((w) => w.action);
    for (const request of wanted) {
      if (this.#authorize(verified.key, bucket, request) !== 'allow') {
        return this.#refuse(res, record, 403, 'AccessDenied', 'Access Denied', method === 'HEAD' ? regionHeader : {});
      }
    }
    if (locationQuery && bucket) {
      record.status = 200;
      this.requests.push(record);
      const region = bucket.region ?? 'us-east-1';
      return sendXml(res, 200, `<LocationConstraint xmlns="http://s3.amazonaws.com/doc/2006-03-01/">${region === 'us-east-1' ? '' : xmlEscape(region)}</LocationConstraint>`);
    }
    const cut = fault?.type === 'truncate' || fault?.type === 'stall' ? fault.type : undefined;
    return this.#forward(req, res, target, query, body, record, regionHeader, cut);
  }

  /** Identity policies must allow; a caller from another account also needs the bucket policy to. */
  #authorize(key: AwsKeyEntry, bucket: FakeS3Bucket | undefined, request: AuthorizationRequest): Decision {
    const identity = evaluatePolicies(key.policies, request);
    if (identity !== 'allow') return identity;
    const owner = bucket?.ownerAccountId ?? DEFAULT_ACCOUNT_ID;
    if (!bucket || owner === key.accountId) return 'allow';
    if (!bucket.policy) return 'implicit-deny';
    return evaluateResourcePolicy(bucket.policy, { accountId: key.accountId, principalArn: key.principalArn }, request);
  }

  #decodeBody(req: IncomingMessage, body: Buffer, verified: VerifiedRequest): Buffer {
    const encoding = String(req.headers['content-encoding'] ?? '');
    if (!CHUNKED_MARKERS.has(verified.payloadHash) && !encoding.split(',').map((s) => s.trim()).includes('aws-chunked')) return body;
    const signed = verified.payloadHash.startsWith('STREAMING-AWS4-HMAC-SHA256-PAYLOAD');
    const decoded = decodeAwsChunked(body, signed ? {
      signingKey: verified.signingKey,
      amzDate: verified.amzDate,
      scope: verified.scope,
      seedSignature: verified.signature,
      trailer: verified.payloadHash.endsWith('-TRAILER'),
    } : undefined);
    const declared = req.headers['x-amz-decoded-content-length'];
    if (declared !== undefined && Number(declared) !== decoded.body.length) throw new ChunkedBodyError('x-amz-decoded-content-length does not match the body');
    // Trailing checksums are checked like header ones.
    for (const [name, value] of Object.entries(decoded.trailers)) req.headers[name] = value;
    return decoded.body;
  }

  #forward(req: IncomingMessage, res: ServerResponse, target: S3Target, query: Map<string, string>, body: Buffer, record: S3RequestRecord, extraHeaders: Record<string, string> = {}, cut?: 'truncate' | 'stall'): Promise<void> {
    const path = target.bucket === undefined ? '/'
      : `/${encodeURIComponent(target.bucket)}${target.key === undefined ? '' : `/${target.key.split('/').map(encodeURIComponent).join('/')}`}`;
    const search = [...query]
      .filter(([name]) => !name.toLowerCase().startsWith('x-amz-') && name !== 'x-id')
      .map(([name, value]) => `${encodeURIComponent(name)}=${encodeURIComponent(value)}`)
      .join('&');
    const headers: Record<string, string | string[]> = {};
    for (const [name, value] of Object.entries(req.headers)) {
      if (value === undefined || STRIPPED_HEADERS.has(name) || name.startsWith('x-amz-checksum-') || name === 'x-amz-sdk-checksum-algorithm') continue;
      if (name === 'content-encoding') {
        const rest = String(value).split(',').map((s) => s.trim()).filter((s) => s !== 'aws-chunked' && s !== '');
        if (rest.length > 0) headers[name] = rest.join(', ');
        continue;
      }
      headers[name] = value;
    }
    headers['content-length'] = String(body.length);
    // s3rver reads `bytes=0-0` as "from 0 to the end" (it treats an end of 0 as absent); S3 sends one byte.
    const firstByteOnly = req.method === 'GET' && /^bytes=0-0$/.test(String(req.headers.range ?? ''));
    return new Promise((resolve) => {
      const upstream = httpRequest(`${this.#backend ?? ''}${path}${search ? `?${search}` : ''}`, { method: req.method, headers }, (backendRes) => {
        record.status = backendRes.statusCode ?? 502;
        this.requests.push(record);
        const responseHeaders = { ...backendRes.headers, ...(record.method === 'HEAD' || target.key === undefined ? extraHeaders : {}) };
        const total = /\/(\d+)$/.exec(String(backendRes.headers['content-range'] ?? ''))?.[1];
        if (firstByteOnly && backendRes.statusCode === 206 && total !== undefined && Number(total) > 0) {
          res.writeHead(206, { ...responseHeaders, 'content-length': '1', 'content-range': `bytes 0-0/${total}` });
          backendRes.once('data', (chunk: Buffer) => { res.end(chunk.subarray(0, 1)); backendRes.destroy(); resolve(); });
          backendRes.on('error', () => resolve());
          return;
        }
        const length = Number(backendRes.headers['content-length'] ?? 0);
        if (cut && req.method !== 'HEAD' && (backendRes.statusCode === 200 || backendRes.statusCode === 206) && length > 1) {
          // Headers promise `length` bytes; half of them arrive, then the connection drops.
          res.writeHead(backendRes.statusCode, responseHeaders);
          let sent = 0;
          const half = Math.floor(length / 2);
          backendRes.on('data', (chunk: Buffer) => {
            if (sent >= half) return;
            const part = chunk.subarray(0, half - sent);
            sent += part.length;
            if (sent < half) { res.write(part); return; }
            backendRes.destroy();
            if (cut === 'stall') { res.write(part); res.on('close', () => resolve()); return; }
            // Let the partial bytes leave, then drop the connection.
            res.write(part, () => { req.socket.destroy(); resolve(); });
          });
          backendRes.on('error', () => resolve());
          return;
        }
        res.writeHead(backendRes.statusCode ?? 502, responseHeaders);
        backendRes.pipe(res);
        backendRes.on('end', resolve);
        backendRes.on('error', () => resolve());
        res.on('close', () => { backendRes.destroy(); resolve(); });
      });
      upstream.on('error', (error) => {
        this.#refuse(res, record, 502, 'InternalError', `s3rver unreachable: ${error.message}`);
        resolve();
      });
      upstream.end(body);
    });
  }
}

function headerOrQuery(req: IncomingMessage, query: Map<string, string>, name: string): string | undefined {
  const header = req.headers[name];
  if (typeof header === 'string') return header;
  for (const [key, value] of query) if (key.toLowerCase() === name) return value;
  return undefined;
}

/** Verifies `x-amz-checksum-crc32` (header, trailer or presigned query) when the runtime has CRC32 (Node ≥ 20.15). */
function checkCrc32(given: string | undefined, body: Buffer): string | undefined {
  const crc32 = (zlib as { crc32?: (data: Uint8Array) => number }).crc32;
  if (typeof given !== 'string' || !crc32) return undefined;
  const expected = Buffer.alloc(4);
  expected.writeUInt32BE(crc32(body) >>> 0);
  return expected.toString('base64') === given ? undefined : 'The CRC32 you specified did not match the calculated checksum.';
}

function unescapeXml(text: string): string {
  return text.replace(/&(lt|gt|amp|apos|quot);/g, (_, e: string) => ({ lt: '<', gt: '>', amp: '&', apos: "'", quot: '"' })[e] ?? '');
}
