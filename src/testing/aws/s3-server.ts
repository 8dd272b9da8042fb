import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { ChunkedBodyError, decodeAwsChunked } from './aws-chunked.js';
import { BodyTooLargeError, closeServer, listenOnLoopback, readBody } from './http-util.js';
import { evaluatePolicies, type ResourcePolicyDocument } from './iam-policy.js';
import { anonymousVerification, isUnsignedRequest } from './s3-anonymous.js';
import { AwsKeyring, type AwsKeyEntry } from './keyring.js';
import { classify, parsePathStyle, permissionsFor, writeContext, type S3Operation } from './s3-action.js';
import { AccessPointRegistry, partitionOf, type AccessPointState, type FakeAccessPoint, type FakeAccessPointOptions } from './s3-access-points.js';
import { authorize, type Context } from './s3-authorize.js';
import { checkKms, kmsPermissionsFor } from './s3-kms.js';
import * as buckets from './s3-buckets.js';
import { verifyRequestChecksums, type ProvidedChecksum } from './s3-checksums.js';
import { copyObject, uploadPartCopy } from './s3-copy.js';
import { corsHeaders, deleteBucketCors, getBucketCors, preflight, putBucketCors } from './s3-cors.js';
import { S3Error, accessDenied, noSuchBucket, notImplemented } from './s3-errors.js';
import { MAX_KEY_BYTES, compareUtf8, utf8Length } from './s3-keys.js';
import { listObjectVersions, listObjectsV1, listObjectsV2 } from './s3-list.js';
import * as multipart from './s3-multipart.js';
import { DEFAULT_CONTENT_TYPE, effectiveSse, readObjectAttributes, sseHeaders, versionHeader } from './s3-object-headers.js';
import { deleteObject, deleteObjects, getObject, putObject } from './s3-objects.js';
import { parseMultipartForm, verifyPostPolicy, type VerifiedPost } from './s3-post-policy.js';
import { S3Request, emptyResponse, errorResponse, xmlResponse, type S3Context, type S3Response, type S3Services, type S3Target } from './s3-request.js';
import {
  BucketState, canonicalUserId, EMPTY, md5Etag, ObjectVersion,
  type FakeCorsRule, type FakeS3Bucket, type ObjectAttributes, type SseSettings, type StoredChecksum, type VersioningStatus,
} from './s3-store.js';
import { putVersion } from './s3-versioning.js';
import { tag, wrap, xmlDocument } from './s3-xml.js';
import { parseRawQuery, sha256Hex, verifySigV4, type VerifiedRequest } from './sigv4-verify.js';

/**
 * A fake S3 that is as strict as S3: an in-memory object store (s3-store.ts and friends) behind a
 * front that checks every request the way S3 would — SigV4 (header, presigned query, chunk and
 * trailer signatures, POST policies), session tokens and their expiry, the bucket's region,
 * `x-amz-expected-bucket-owner`, checksums, and the IAM policies of the key (identity ∩ session
 * policy, bucket policy, access point policy) on exactly the key that is served. Keys are
 * literal. Path-style addressing only; an access point is addressed by its alias.
 */

export type { FakeCorsRule, FakeS3Bucket, SseSettings, VersioningStatus, StoredChecksum };
export type { FakeAccessPoint, FakeAccessPointOptions };

/** Options of `FakeS3Server`. */
export interface FakeS3ServerOptions {
  /** Keys accepted by the front (share the fake STS's keyring so issued sessions work). */
  keyring?: AwsKeyring;
  /** Buckets created at start. */
  buckets?: Array<string | FakeS3Bucket>;
  /** Clock for presigned-URL and session expiry and Last-Modified, shared with the code under test. */
  now?: () => number;
  /** Largest request body accepted. Default 128 MiB. */
  maxBodyBytes?: number;
  /**
   * Send `x-amz-bucket-region` as S3 does (default true). False models S3-compatible servers that
   * do not, so clients must fall back to GetBucketLocation.
   */
  bucketRegionHeader?: boolean;
}

/** One request the fake S3 served or refused, for assertions. */
export interface S3RequestRecord {
  method: string;
  /** The bucket segment of the path (a bucket name or an access point alias). */
  bucket?: string;
  key?: string;
  accessKeyId?: string;
  /** The request carried no signature (s3-anonymous.ts). */
  anonymous?: true;
  presigned: boolean;
  /** The S3 operation (GetObject, ListObjectsV2, PostObject, …) once recognised. */
  operation?: string;
  /** Every IAM action evaluated for the request. */
  actions: string[];
  /** The payload hash the signature covered (hex, UNSIGNED-PAYLOAD or a STREAMING-… marker). */
  payloadHash?: string;
  status: number;
  /** Error code when the front refused the request (signature, token, policy, owner, region, checksum, fault). */
  code?: string;
  /** Error code of an S3 answer that is not a refusal (NoSuchKey, PreconditionFailed, InvalidRange, …). */
  error?: string;
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

/** An object as the backdoor reads it. */
export interface StoredObject {
  body: Uint8Array;
  contentType: string;
  etag: string;
  lastModified: Date;
  /** `'null'` in buckets that were never versioned. */
  versionId: string;
  metadata: Record<string, string>;
  cacheControl?: string;
  contentDisposition?: string;
  contentEncoding?: string;
  contentLanguage?: string;
  expires?: string;
  storageClass: string;
  sse: SseSettings;
  checksum?: StoredChecksum;
  /** Part sizes when the object was assembled by CompleteMultipartUpload. */
  partSizes?: number[];
}

/** Options of the backdoor `putObject`. */
export interface FakeObjectOptions {
  /** `Content-Type` stored with the object. */
  contentType?: string;
  /** User metadata (`x-amz-meta-*`), names without the prefix. */
  metadata?: Record<string, string>;
  /** `Cache-Control` stored with the object. */
  cacheControl?: string;
  /** `Content-Disposition` stored with the object. */
  contentDisposition?: string;
  /** `Content-Encoding` stored with the object. */
  contentEncoding?: string;
  /** `Content-Language` stored with the object. */
  contentLanguage?: string;
  /** Server-side encryption the object was written with. */
  sse?: SseSettings;
  /** Storage class (default STANDARD). */
  storageClass?: string;
}

/** One entry of the backdoor `listObjectVersions`. */
export interface FakeObjectVersion {
  key: string;
  versionId: string;
  isLatest: boolean;
  deleteMarker: boolean;
  etag?: string;
  size: number;
  lastModified: Date;
}

/** One entry of the backdoor `listMultipartUploads`. */
export interface FakeMultipartUpload {
  key: string;
  uploadId: string;
  initiated: Date;
  /** Part numbers uploaded so far, ascending. */
  parts: number[];
}

const CHUNKED_MARKERS = new Set([
  'STREAMING-AWS4-HMAC-SHA256-PAYLOAD',
  'STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER',
  'STREAMING-UNSIGNED-PAYLOAD-TRAILER',
]);

/** Operations S3 serves through an access point alias. */
const ACCESS_POINT_OPERATIONS = new Set<S3Operation>([
  'GetObject', 'HeadObject', 'PutObject', 'CopyObject', 'DeleteObject', 'DeleteObjects', 'CreateMultipartUpload', 'UploadPart', 'UploadPartCopy',
  'CompleteMultipartUpload', 'AbortMultipartUpload', 'ListParts', 'ListObjects', 'ListObjectsV2', 'ListMultipartUploads', 'HeadBucket', 'GetBucketLocation',
]);

/** Operations whose body is what a checksum header covers (CompleteMultipartUpload's covers the object). */
const BODY_CHECKSUMMED = new Set<S3Operation>(['PutObject', 'UploadPart', 'DeleteObjects', 'PutBucketCors', 'PutBucketPolicy', 'PutBucketVersioning', 'PutBucketEncryption']);

/** An in-memory S3 that verifies SigV4 and evaluates IAM, bucket and session policies (docs/testing.md). */
export class FakeS3Server {
  readonly keyring: AwsKeyring;
  /** Every request the front answered, in order. */
  readonly requests: S3RequestRecord[] = [];
  readonly #buckets = new Map<string, BucketState>();
  readonly #accessPoints = new AccessPointRegistry();
  readonly #faults: S3Fault[] = [];
  #faultPolicy: S3FaultPolicy | undefined;
  readonly #now: () => number;
  readonly #maxBodyBytes: number;
  readonly #regionHeader: boolean;
  #front: Server | undefined;
  #url: string | undefined;
  #requestCount = 0;

  constructor(options: FakeS3ServerOptions = {}) {
    this.keyring = options.keyring ?? new AwsKeyring();
    this.#now = options.now ?? Date.now;
    this.#maxBodyBytes = options.maxBodyBytes ?? 128 * 1024 * 1024;
    this.#regionHeader = options.bucketRegionHeader ?? true;
    for (const bucket of options.buckets ?? []) this.#addBucket(bucket);
  }

  /** Starts the server on 127.0.0.1 (random port); returns its endpoint. */
  async start(): Promise<string> {
    if (this.#url) return this.#url;
    const { server, url } = await listenOnLoopback((req, res) => {
      this.#handle(req, res).catch((error: unknown) => {
        const tooLarge = error instanceof BodyTooLargeError;
        const record: S3RequestRecord = { method: req.method ?? '', presigned: false, actions: [], status: 0, code: tooLarge ? 'EntityTooLarge' : 'InternalError' };
        this.#send(req, res, record, errorResponse(new S3Error(tooLarge ? 413 : 500, record.code!, error instanceof Error ? error.message : 'internal error'), req.url ?? '/', this.#requestId()), {});
      });
    });
    // Idle keep-alive sockets stay usable for a minute: a test that pauses longer than Node's 5 s
    // default would otherwise race the server closing the socket it is about to reuse.
    server.keepAliveTimeout = 60_000;
    this.#front = server;
    this.#url = url;
    return url;
  }

  /** The http:// origin it listens on (after `start()`). */
  get endpoint(): string {
    if (!this.#url) throw new Error('FakeS3Server is not started');
    return this.#url;
  }

  /** Creates a bucket (no credentials needed). Creating an existing bucket replaces its settings and keeps its objects. */
  async createBucket(bucket: string | FakeS3Bucket): Promise<void> {
    this.#addBucket(bucket);
  }

  /**
   * Creates an access point on a bucket. Path-style requests to `/ALIAS/key` reach the bucket and
   * are authorised against `arn:aws:s3:REGION:ACCOUNT:accesspoint/NAME/object/KEY`.
   */
  createAccessPoint(options: FakeAccessPointOptions): FakeAccessPoint {
    const state = this.#accessPoints.create(options, this.#bucket(options.bucket));
    return { name: state.name, arn: state.arn, alias: state.alias };
  }

  /** Sets a bucket's versioning status (as `PUT ?versioning` does). */
  setBucketVersioning(bucket: string, status: VersioningStatus): void {
    this.#bucket(bucket).versioning = status;
  }

  /** Replaces (or with `undefined` removes) a bucket's policy. */
  setBucketPolicy(bucket: string, policy: ResourcePolicyDocument | undefined): void {
    const state = this.#bucket(bucket);
    if (policy) state.spec.policy = policy;
    else delete state.spec.policy;
  }

  /** Backdoor write that bypasses signing and policies (test setup). Versioned buckets get a new version. */
  async putObject(bucket: string, key: string, body: string | Uint8Array, options: FakeObjectOptions = {}): Promise<{ etag: string; versionId?: string }> {
    const state = this.#bucket(bucket);
    // Own the bytes: a caller reusing its buffer must not change the stored object.
    const stored = body.length === 0 ? EMPTY : typeof body === 'string' ? Buffer.from(body) : Buffer.from(body);
    const { sse, ...rest } = options;
    const attrs: ObjectAttributes = { ...rest };
    if (sse) attrs.sse = sse;
    if (rest.metadata && Object.keys(rest.metadata).length === 0) delete attrs.metadata;
    if (rest.storageClass === 'STANDARD') delete attrs.storageClass;
    const version = putVersion(state, key, new ObjectVersion(stored, md5Etag(stored), this.#now(), '', Object.keys(attrs).length > 0 ? attrs : undefined, false));
    return { etag: version.etag, ...(state.versioning !== undefined ? { versionId: version.versionId } : {}) };
  }

  /** Backdoor read that bypasses signing and policies (test assertions). `undefined` when absent (or deleted). */
  async getObject(bucket: string, key: string, options: { versionId?: string } = {}): Promise<StoredObject | undefined> {
    const state = this.#buckets.get(bucket);
    if (!state) return undefined;
    const version = options.versionId !== undefined ? state.findVersion(key, options.versionId) : state.current(key);
    if (!version || version.deleteMarker) return undefined;
    const attrs = version.attrs;
    return {
      body: new Uint8Array(version.body),
      contentType: attrs?.contentType ?? DEFAULT_CONTENT_TYPE,
      etag: version.etag,
      lastModified: new Date(version.lastModified),
      versionId: version.versionId,
      metadata: { ...attrs?.metadata },
      ...(attrs?.cacheControl !== undefined ? { cacheControl: attrs.cacheControl } : {}),
      ...(attrs?.contentDisposition !== undefined ? { contentDisposition: attrs.contentDisposition } : {}),
      ...(attrs?.contentEncoding !== undefined ? { contentEncoding: attrs.contentEncoding } : {}),
      ...(attrs?.contentLanguage !== undefined ? { contentLanguage: attrs.contentLanguage } : {}),
      ...(attrs?.expires !== undefined ? { expires: attrs.expires } : {}),
      storageClass: attrs?.storageClass ?? 'STANDARD',
      sse: effectiveSse(attrs, state),
      ...(version.checksum ? { checksum: version.checksum } : {}),
      ...(version.partSizes ? { partSizes: [...version.partSizes] } : {}),
    };
  }

  /** Every version and delete marker under `prefix`, keys in UTF-8 order, newest version first. */
  listObjectVersions(bucket: string, prefix = ''): FakeObjectVersion[] {
    const state = this.#bucket(bucket);
    const out: FakeObjectVersion[] = [];
    for (let cursor = state.index.seek(prefix, true), key = cursor.key; key !== undefined && key.startsWith(prefix); cursor.next(), key = cursor.key) {
      const current = state.current(key);
      for (const v of state.versions(key)) {
        out.push({
          key, versionId: v.versionId, isLatest: v === current, deleteMarker: v.deleteMarker, size: v.size, lastModified: new Date(v.lastModified),
          ...(v.deleteMarker ? {} : { etag: v.etag }),
        });
      }
    }
    return out;
  }

  /** Multipart uploads in progress (neither completed nor aborted), sorted by key then initiation. */
  listMultipartUploads(bucket: string): FakeMultipartUpload[] {
    return multipart.sortedUploads(this.#bucket(bucket)).map((u) => ({
      key: u.key, uploadId: u.uploadId, initiated: new Date(u.initiated), parts: [...u.parts.keys()].sort((a, b) => a - b),
    }));
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

  /** Requests the front refused (signature, token, policy, owner, region, checksum…). */
  get refusals(): S3RequestRecord[] { return this.requests.filter((r) => r.code !== undefined); }

  /** Stops listening and drops every connection. */
  async close(): Promise<void> {
    await closeServer(this.#front);
    this.#front = undefined;
    this.#url = undefined;
  }

  #addBucket(bucket: string | FakeS3Bucket): void {
    const spec = typeof bucket === 'string' ? { name: bucket } : bucket;
    const existing = this.#buckets.get(spec.name);
    if (existing) {
      // Keep the objects; take the new settings.
      const state = new BucketState(spec, existing.created);
      for (const [key, version] of existing.objects) state.setVersions(key, [version, ...(version.older ?? [])]);
      for (const [id, upload] of existing.uploads) state.uploads.set(id, upload);
      this.#buckets.set(spec.name, state);
      return;
    }
    this.#buckets.set(spec.name, new BucketState(spec, this.#now()));
  }

  #bucket(name: string): BucketState {
    const state = this.#buckets.get(name);
    if (!state) throw new Error(`FakeS3Server has no bucket ${name}`);
    return state;
  }

  #resolve(name: string): S3Target | undefined {
    const bucket = this.#buckets.get(name);
    if (bucket) return { bucket };
    const accessPoint = this.#accessPoints.byAlias(name);
    if (!accessPoint || this.#buckets.get(accessPoint.bucket.name) !== accessPoint.bucket) {
      return accessPoint ? this.#reattach(accessPoint) : undefined;
    }
    return { bucket: accessPoint.bucket, accessPoint };
  }

  /** An access point whose bucket was re-created follows the bucket of that name. */
  #reattach(accessPoint: AccessPointState): S3Target | undefined {
    const bucket = this.#buckets.get(accessPoint.bucket.name);
    if (!bucket) return undefined;
    accessPoint.bucket = bucket;
    return { bucket, accessPoint };
  }

  #requestId(): string {
    return (++this.#requestCount).toString(16).toUpperCase().padStart(16, '0');
  }

  #send(req: IncomingMessage, res: ServerResponse, record: S3RequestRecord, response: S3Response, extra: Record<string, string>, cut?: 'truncate' | 'stall'): void {
    record.status = response.status;
    this.requests.push(record);
    if (res.headersSent || res.destroyed) return;
    const body = typeof response.body === 'string' ? Buffer.from(response.body) : response.body;
    const requestId = response.headers['x-amz-request-id'] ?? this.#requestId();
    const headers: Record<string, string> = { 'x-amz-request-id': requestId, 'x-amz-id-2': sha256Hex(requestId).slice(0, 32), server: 'AmazonS3', ...response.headers, ...extra };
    const noBody = req.method === 'HEAD' || response.status === 204 || response.status === 304;
    if (!noBody && headers['content-length'] === undefined) headers['content-length'] = String(body?.length ?? 0);
    if (response.status === 204 || response.status === 304) delete headers['content-length'];
    if (noBody || !body || body.length === 0) {
      res.writeHead(response.status, headers).end();
      return;
    }
    if (cut && (response.status === 200 || response.status === 206) && body.length > 1) {
      // Headers promise every byte; half of them arrive, then the connection drops (or goes silent).
      res.writeHead(response.status, headers);
      const half = body.subarray(0, Math.floor(body.length / 2));
      if (cut === 'stall') { res.write(half); return; }
      res.write(half, () => { req.socket.destroy(); });
      return;
    }
    res.writeHead(response.status, headers);
    res.end(body);
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = req.method ?? 'GET';
    const rawUrl = req.url ?? '/';
    const queryStart = rawUrl.indexOf('?');
    const rawPath = queryStart < 0 ? rawUrl : rawUrl.slice(0, queryStart);
    const query = new Map(parseRawQuery(queryStart < 0 ? '' : rawUrl.slice(queryStart + 1)));
    const target = parsePathStyle(rawPath);
    const record: S3RequestRecord = { method, presigned: query.has('X-Amz-Algorithm'), actions: [], status: 0 };
    if (target?.bucket !== undefined) record.bucket = target.bucket;
    if (target?.key !== undefined) record.key = target.key;

    const rawBody = await readBody(req, this.#maxBodyBytes);
    const fault = this.#faults.shift() ?? this.#faultPolicy?.({ method, ...(target?.bucket !== undefined ? { bucket: target.bucket } : {}), ...(target?.key !== undefined ? { key: target.key } : {}) });
    if (fault) record.fault = fault.type;
    if (fault?.type === 'hang') return;
    if (fault?.type === 'reset') {
      record.status = 0;
      this.requests.push(record);
      req.socket.resetAndDestroy();
      return;
    }
    const s3req = new S3Request(method, req.headers, query, rawBody, record.presigned);
    const resolved = target?.bucket !== undefined ? this.#resolve(target.bucket) : undefined;
    // Browsers must be able to read S3's answers, refusals included.
    const cors = method === 'OPTIONS' ? {} : corsHeaders(resolved?.bucket, s3req);
    const resource = rawPath;
    const refuse = (error: S3Error, extra: Record<string, string> = {}): void => {
      record.code = error.code;
      this.#send(req, res, record, errorResponse(error, resource, this.#requestId()), { ...cors, ...extra });
    };
    const answer = (error: S3Error, extra: Record<string, string> = {}): void => {
      record.error = error.code;
      this.#send(req, res, record, errorResponse(error, resource, this.#requestId()), { ...cors, ...extra });
    };

    if (fault?.type === 'server-error') return refuse(new S3Error(500, 'InternalError', 'We encountered an internal error. Please try again.'));
    if (fault?.type === 'slow-down') return refuse(new S3Error(503, 'SlowDown', 'Please reduce your request rate.'));
    if (fault?.type === 'expired-token') return refuse(new S3Error(400, 'ExpiredToken', 'The provided token has expired.'));
    if (fault?.type === 'delay') await new Promise((resolve) => setTimeout(resolve, fault.ms));
    if (!target) return answer(new S3Error(400, 'InvalidURI', "Couldn't parse the specified URI."));

    // CORS preflights are never signed, in S3 either.
    if (method === 'OPTIONS') {
      record.operation = 'PreflightRequest';
      try {
        return this.#send(req, res, record, preflight(resolved?.bucket, s3req), {});
      } catch (error) {
        if (error instanceof S3Error) return answer(error);
        throw error;
      }
    }

    const classified = classify(method, target, query, (n) => s3req.header(n));
    if ('operation' in classified) record.operation = classified.operation;
    if ('operation' in classified && classified.operation === 'PostObject') {
      return this.#postObject(req, res, record, s3req, resolved, target.bucket ?? '', cors, refuse, answer);
    }

    const anonymous = isUnsignedRequest(req.headers, query);
    const verified = anonymous
      ? anonymousVerification(resolved?.accessPoint?.region ?? resolved?.bucket.region ?? 'us-east-1', sha256Hex(rawBody))
      : verifySigV4({ method, url: rawUrl, headers: req.headers }, { keyring: this.keyring, service: 's3', now: this.#now(), bodySha256: sha256Hex(rawBody) });
    if (!verified.ok) return refuse(new S3Error(verified.status, verified.code, verified.message));
    if (anonymous) record.anonymous = true;
    else record.accessKeyId = verified.key.accessKeyId;
    record.payloadHash = verified.payloadHash;
    const caller = verified.key;

    if ('unsupported' in classified) return answer(notImplemented(classified.unsupported));
    const operation = classified.operation;
    if (anonymous && (operation === 'ListBuckets' || operation === 'CreateBucket' || resolved?.accessPoint)) return refuse(accessDenied());
    if (operation === 'ListBuckets') return this.#answer(req, res, record, cors, answer, () => this.#listBuckets(caller, record));
    if (operation === 'CreateBucket' && !resolved) return this.#answer(req, res, record, cors, answer, () => this.#createBucket(caller, target.bucket!, s3req, verified, record));
    if (!resolved) return answer(noSuchBucket(target.bucket!));
    const { bucket, accessPoint } = resolved;

    const home = accessPoint?.region ?? bucket.region;
    const regionHeader: Record<string, string> = this.#regionHeader ? { 'x-amz-bucket-region': home } : {};
    // GetBucketLocation is global: S3 answers it from any region.
    if (home !== verified.region && operation !== 'GetBucketLocation') {
      return refuse(new S3Error(301, 'PermanentRedirect', 'The bucket you are attempting to access must be addressed using the specified endpoint.', {}, { Region: home }), regionHeader);
    }
    const expectedOwner = s3req.value('x-amz-expected-bucket-owner');
    if (expectedOwner !== undefined && expectedOwner !== bucket.owner) return refuse(accessDenied(), regionHeader);
    const bucketLevelHeaders = method === 'HEAD' || target.key === undefined ? regionHeader : {};

    let provided: ProvidedChecksum | undefined;
    try {
      s3req.body = this.#decodeBody(req, rawBody, verified);
      if (BODY_CHECKSUMMED.has(operation)) {
        provided = verifyRequestChecksums((n) => s3req.value(n), s3req.header('content-md5'), s3req.body, s3req.header('x-amz-trailer') !== undefined);
      }
    } catch (error) {
      if (error instanceof ChunkedBodyError) return refuse(new S3Error(403, 'SignatureDoesNotMatch', error.message));
      if (error instanceof S3Error) return refuse(error);
      throw error;
    }

    if (accessPoint && !ACCESS_POINT_OPERATIONS.has(operation)) {
      return answer(new S3Error(400, 'InvalidRequest', `${operation} is not supported through an access point`));
    }
    const key = target.key ?? '';
    if (target.key !== undefined && utf8Length(key) > MAX_KEY_BYTES) {
      return answer(new S3Error(400, 'KeyTooLongError', 'Your key is too long', {}, { Size: String(utf8Length(key)), MaxSizeAllowed: String(MAX_KEY_BYTES) }));
    }

    const baseContext = this.#callerContext(caller, verified);
    const services: S3Services = {
      authorize: (t, action, k, context) => {
        record.actions.push(action);
        return authorize(caller, t, action, k, { ...baseContext, ...context });
      },
      resolveBucket: (name) => this.#resolve(name),
    };
    const permissions = permissionsFor(operation, query, (n) => s3req.value(n));
    const uploadContext = this.#uploadContext(operation, bucket, key, query);
    for (const permission of permissions) {
      const allowed = services.authorize(resolved, permission.action, permission.onObject ? key : undefined, { ...permission.context, ...(permission.action === 's3:PutObject' ? uploadContext : {}) });
      if (!allowed) return refuse(accessDenied(), method === 'HEAD' ? regionHeader : {});
    }
    for (const kms of kmsPermissionsFor(operation, bucket, key, s3req)) {
      record.actions.push(kms.action);
      const denied = checkKms(caller, kms, baseContext);
      if (denied) return refuse(denied);
    }

    const ctx: S3Context = { req: s3req, bucket, ...(accessPoint ? { accessPoint } : {}), key, caller, now: this.#now(), services };
    let response: S3Response;
    try {
      response = this.#dispatch(operation, ctx, provided, Boolean(provided) || s3req.header('content-md5') !== undefined || s3req.header('x-amz-trailer') !== undefined);
    } catch (error) {
      if (error instanceof S3Error) return answer(error, bucketLevelHeaders);
      throw error;
    }
    const cut = fault?.type === 'truncate' || fault?.type === 'stall' ? fault.type : undefined;
    this.#send(req, res, record, response, { ...cors, ...bucketLevelHeaders }, cut);
  }

  #answer(req: IncomingMessage, res: ServerResponse, record: S3RequestRecord, cors: Record<string, string>, answer: (error: S3Error) => void, produce: () => S3Response): void {
    try {
      this.#send(req, res, record, produce(), cors);
    } catch (error) {
      if (error instanceof S3Error) return answer(error);
      throw error;
    }
  }

  #dispatch(operation: S3Operation, ctx: S3Context, provided: ProvidedChecksum | undefined, checksummed: boolean): S3Response {
    switch (operation) {
      case 'GetObject': return getObject(ctx, false);
      case 'HeadObject': return getObject(ctx, true);
      case 'PutObject': return putObject(ctx, provided);
      case 'CopyObject': return copyObject(ctx);
      case 'DeleteObject': return deleteObject(ctx);
      case 'DeleteObjects': return deleteObjects(ctx, checksummed);
      case 'CreateMultipartUpload': return multipart.createMultipartUpload(ctx);
      case 'UploadPart': return multipart.uploadPart(ctx, provided);
      case 'UploadPartCopy': return uploadPartCopy(ctx);
      case 'CompleteMultipartUpload': return multipart.completeMultipartUpload(ctx);
      case 'AbortMultipartUpload': return multipart.abortMultipartUpload(ctx);
      case 'ListParts': return multipart.listParts(ctx);
      case 'ListMultipartUploads': return multipart.listMultipartUploads(ctx);
      case 'ListObjectsV2': return listObjectsV2(ctx);
      case 'ListObjects': return listObjectsV1(ctx);
      case 'ListObjectVersions': return listObjectVersions(ctx);
      case 'HeadBucket': return buckets.headBucket(ctx);
      case 'GetBucketLocation': return buckets.getBucketLocation(ctx);
      case 'GetBucketCors': return getBucketCors(ctx);
      case 'PutBucketCors':
        if (!checksummed) throw new S3Error(400, 'InvalidRequest', 'Missing required header for this request: Content-MD5 OR x-amz-checksum-*');
        return putBucketCors(ctx);
      case 'DeleteBucketCors': return deleteBucketCors(ctx);
      case 'GetBucketPolicy': return buckets.getBucketPolicy(ctx);
      case 'PutBucketPolicy': return buckets.putBucketPolicy(ctx);
      case 'DeleteBucketPolicy': return buckets.deleteBucketPolicy(ctx);
      case 'GetBucketVersioning': return buckets.getBucketVersioning(ctx);
      case 'PutBucketVersioning': return buckets.putBucketVersioning(ctx);
      case 'GetBucketEncryption': return buckets.getBucketEncryption(ctx);
      case 'PutBucketEncryption': return buckets.putBucketEncryption(ctx);
      case 'DeleteBucketEncryption': return buckets.deleteBucketEncryption(ctx);
      case 'CreateBucket': return this.#createBucket(ctx.caller, ctx.bucket.name, ctx.req, undefined, undefined);
      case 'DeleteBucket': return this.#deleteBucket(ctx);
      case 'ListBuckets':
      case 'PostObject':
        throw notImplemented(operation);
    }
  }

  /** Condition keys every request carries. */
  #callerContext(caller: AwsKeyEntry, verified: VerifiedRequest): Context {
    const now = this.#now();
    return {
      'aws:PrincipalAccount': caller.accountId,
      'aws:PrincipalArn': caller.principalArn,
      'aws:SecureTransport': 'false',
      'aws:SourceIp': '127.0.0.1',
      'aws:CurrentTime': new Date(now).toISOString(),
      'aws:EpochTime': String(Math.floor(now / 1000)),
      's3:authType': verified.presigned ? 'REST-QUERY-STRING' : 'REST-HEADER',
      's3:signatureversion': 'AWS4-HMAC-SHA256',
      's3:x-amz-content-sha256': verified.payloadHash,
    };
  }

  /** UploadPart and CompleteMultipartUpload are checked against the encryption their upload was created with. */
  #uploadContext(operation: S3Operation, bucket: BucketState, key: string, query: ReadonlyMap<string, string>): Context {
    if (operation !== 'UploadPart' && operation !== 'UploadPartCopy' && operation !== 'CompleteMultipartUpload') return {};
    const upload = bucket.uploads.get(query.get('uploadId') ?? '');
    if (!upload || upload.key !== key || !upload.attrs?.sse) return {};
    return {
      's3:x-amz-server-side-encryption': upload.attrs.sse.algorithm,
      's3:x-amz-server-side-encryption-aws-kms-key-id': upload.attrs.sse.kmsKeyId,
    };
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
    // aws-chunked is a transfer detail, not the object's Content-Encoding.
    const rest = encoding.split(',').map((s) => s.trim()).filter((s) => s !== 'aws-chunked' && s !== '');
    if (rest.length > 0) req.headers['content-encoding'] = rest.join(', ');
    else delete req.headers['content-encoding'];
    return decoded.body;
  }

  #listBuckets(caller: AwsKeyEntry, record: S3RequestRecord): S3Response {
    record.actions.push('s3:ListAllMyBuckets');
    if (evaluatePolicies(caller.policies, { action: 's3:ListAllMyBuckets', resource: '*' }) !== 'allow') throw accessDenied();
    const owned = [...this.#buckets.values()].filter((b) => b.owner === caller.accountId).sort((a, b) => compareUtf8(a.name, b.name));
    return xmlResponse(200, xmlDocument('ListAllMyBucketsResult', wrap('Owner', tag('ID', canonicalUserId(caller.accountId)))
      + wrap('Buckets', owned.map((b) => wrap('Bucket', tag('Name', b.name) + tag('CreationDate', new Date(b.created).toISOString()) + tag('BucketRegion', b.region))).join(''))));
  }

  #createBucket(caller: AwsKeyEntry, name: string, req: S3Request, verified: VerifiedRequest | undefined, record: S3RequestRecord | undefined): S3Response {
    record?.actions.push('s3:CreateBucket');
    const arn = `arn:${partitionOf(verified?.region ?? 'us-east-1')}:s3:::${name}`;
    if (evaluatePolicies(caller.policies, { action: 's3:CreateBucket', resource: arn }) !== 'allow') throw accessDenied();
    const existing = this.#buckets.get(name);
    if (existing) {
      if (existing.owner !== caller.accountId) throw new S3Error(409, 'BucketAlreadyExists', 'The requested bucket name is not available. The bucket namespace is shared by all users of the system. Please select a different name and try again.', {}, { BucketName: name });
      // us-east-1 answers 200 to re-creating your own bucket, for historical reasons.
      if (existing.region === 'us-east-1') return emptyResponse(200, { location: `/${name}` });
      throw new S3Error(409, 'BucketAlreadyOwnedByYou', 'Your previous request to create the named bucket succeeded and you already own it.', {}, { BucketName: name });
    }
    if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(name) || name.includes('..') || /^\d+\.\d+\.\d+\.\d+$/.test(name) || name.endsWith('-s3alias')) {
      throw new S3Error(400, 'InvalidBucketName', 'The specified bucket is not valid.', {}, { BucketName: name });
    }
    const constraint = /<LocationConstraint>([^<]*)<\/LocationConstraint>/.exec(req.body.toString('utf8'))?.[1];
    const region = constraint || 'us-east-1';
    if (verified && region !== verified.region) {
      throw new S3Error(400, 'IllegalLocationConstraintException', `The ${region} location constraint is incompatible for the region specific endpoint this request was sent to.`);
    }
    this.#addBucket({ name, region, ownerAccountId: caller.accountId });
    return emptyResponse(200, { location: `/${name}` });
  }

  #deleteBucket(ctx: S3Context): S3Response {
    if (ctx.bucket.objectCount > 0) throw new S3Error(409, 'BucketNotEmpty', 'The bucket you tried to delete is not empty', {}, { BucketName: ctx.bucket.name });
    this.#buckets.delete(ctx.bucket.name);
    return emptyResponse(204);
  }

  /** POST Object: a browser form, authenticated by its SigV4 POST policy instead of a signed request. */
  #postObject(req: IncomingMessage, res: ServerResponse, record: S3RequestRecord, s3req: S3Request, resolved: S3Target | undefined, bucketName: string,
    cors: Record<string, string>, refuse: (e: S3Error, extra?: Record<string, string>) => void, answer: (e: S3Error) => void): void {
    if (!resolved) return answer(noSuchBucket(bucketName));
    if (resolved.accessPoint) return answer(new S3Error(400, 'InvalidRequest', 'PostObject is not supported through an access point'));
    const { bucket } = resolved;
    let post: VerifiedPost;
    try {
      const form = parseMultipartForm(s3req.body, s3req.header('content-type') ?? '');
      post = verifyPostPolicy(form, bucket.name, this.keyring, this.#now());
      record.accessKeyId = post.caller.accessKeyId;
      record.key = post.key;
      if (post.region !== bucket.region) {
        return refuse(new S3Error(400, 'AuthorizationHeaderMalformed', `The authorization header is malformed; the region '${post.region}' is wrong; expecting '${bucket.region}'`, {}, { Region: bucket.region }),
          this.#regionHeader ? { 'x-amz-bucket-region': bucket.region } : {});
      }
      if (utf8Length(post.key) > MAX_KEY_BYTES) throw new S3Error(400, 'KeyTooLongError', 'Your key is too long');
      if (post.key === '') throw new S3Error(400, 'InvalidArgument', 'User key must have a length greater than 0.');
      const file = form.file!;
      s3req.body = file.data;
      const value = (name: string): string | undefined => post.field(name);
      const metadataNames = [...form.fields.keys()].filter((n) => n.startsWith('x-amz-meta-'));
      const attrs = readObjectAttributes(value, metadataNames, bucket);
      const caller = post.caller;
      const context: Context = {
        'aws:PrincipalAccount': caller.accountId, 'aws:PrincipalArn': caller.principalArn, 'aws:SecureTransport': 'false', 'aws:SourceIp': '127.0.0.1',
        's3:authType': 'POST', 's3:signatureversion': 'AWS4-HMAC-SHA256', ...writeContext(value),
      };
      const needed = ['s3:PutObject', ...(value('tagging') !== undefined ? ['s3:PutObjectTagging'] : [])];
      for (const action of needed) {
        record.actions.push(action);
        if (!authorize(caller, resolved, action, post.key, context)) return refuse(accessDenied());
      }
      const kmsKey = attrs?.sse?.kmsKeyId ?? bucket.spec.defaultEncryption?.kmsKeyId;
      if (kmsKey !== undefined && effectiveSse(attrs, bucket).algorithm !== 'AES256' && !kmsKey.endsWith(':alias/aws/s3')) {
        record.actions.push('kms:GenerateDataKey');
        const denied = checkKms(caller, { action: 'kms:GenerateDataKey', keyArn: kmsKey }, context);
        if (denied) return refuse(denied);
      }
      const version = putVersion(bucket, post.key, new ObjectVersion(file.data, md5Etag(file.data), this.#now(), '', attrs, false));
      const host = s3req.header('host') ?? '127.0.0.1';
      const location = `http://${host}/${encodeURIComponent(bucket.name)}/${post.key.split('/').map(encodeURIComponent).join('/')}`;
      const headers: Record<string, string> = { etag: version.etag, location, ...versionHeader(bucket, version.versionId), ...sseHeaders(effectiveSse(attrs, bucket), bucket) };
      const redirect = value('success_action_redirect') ?? value('redirect');
      if (redirect !== undefined && redirect !== '') {
        const url = `${redirect}${redirect.includes('?') ? '&' : '?'}bucket=${encodeURIComponent(bucket.name)}&key=${encodeURIComponent(post.key)}&etag=${encodeURIComponent(version.etag)}`;
        return this.#send(req, res, record, emptyResponse(303, { ...headers, location: url }), cors);
      }
      const status = value('success_action_status');
      if (status === '201') {
        const xml = xmlDocument('PostResponse', tag('Location', location) + tag('Bucket', bucket.name) + tag('Key', post.key) + tag('ETag', version.etag));
        return this.#send(req, res, record, xmlResponse(201, xml, headers), cors);
      }
      return this.#send(req, res, record, emptyResponse(status === '200' ? 200 : 204, headers), cors);
    } catch (error) {
      if (!(error instanceof S3Error)) throw error;
      // Authentication and policy failures are refusals; malformed forms and size limits are answers.
      const refusal = error.status === 403 || ['InvalidToken', 'ExpiredToken', 'EntityTooLarge', 'EntityTooSmall'].includes(error.code);
      return refusal ? refuse(error) : answer(error);
    }
  }
}

