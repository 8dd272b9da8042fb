import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { boundariesAllow } from './access-boundary.js';
import { SCOPES, type FakeGcpDirectory, type StoragePermission, type TokenGrant } from './directory.js';
import { FakeGoogleService, readBody, sendError, sendJson } from './http.js';
import { listObjects } from './list-objects.js';
import { boundaryOf, parseMultipart } from './multipart.js';
import { deleteGeneration, deleteLive, generationParam, generationsOf, objectAt, storeGeneration } from './generations.js';
import { SortedKeyMap } from '../../resolvers/sorted-key-map.js';
import { makeObject, objectResource, type FakeBucket, type GcsCorsRule, type StoredObject } from './object-store.js';
import { isSignedUrlRequest, verifySignedUrl } from './signed-url-verifier.js';
import { verifyPostPolicy } from './post-policy.js';
import { applyChunk, SESSION_LIFETIME_MS, sessionCors, type ResumableSessionState } from './resumable.js';
import { applyAttributes, fromResource, fromXmlHeaders, kmsRefusal, mediaHeaders, type WriteAttributes } from './object-options.js';

/**
 * A fake Cloud Storage JSON API plus V4 signed-URL endpoint, strict where it matters for tests:
 * - every JSON API request needs a bearer token the fake IAM/STS issued (or one registered in the
 *   directory, or a self-signed JWT of a known service account); resumable chunks need none (the
 *   session URI is the credential, as on GCS: src/testing/gcp/resumable.ts);
 * - the token's OAuth scope is enforced (devstorage.read_only cannot write);
 * - bucket IAM (when configured) and Credential Access Boundaries are enforced per object;
 * - downloads carry a correct `x-goog-hash` (crc32c + md5) so the client's validation runs;
 * - signed URLs are verified against the signer's public key and refused when tampered or expired.
 */

export interface FakeGcsOptions {
  /** Whose tokens and grants it checks (shared with the fake IAM and STS). */
  directory: FakeGcpDirectory;
}

/** One request the fake GCS received: what, by whom, and the answer. */
export interface GcsRequestRecord {
  method: string;
  path: string;
  uploadType?: string;
  /** Whether an Authorization header was present. */
  authorized: boolean;
  principal?: string;
  /** OAuth scopes of the token that authenticated the request. */
  scopes?: string[];
  /** How many Credential Access Boundaries the token carried (0: an unbounded token). */
  boundaries?: number;
  signedUrl: boolean;
  status?: number;
}

interface ResumableSession extends ResumableSessionState {
  /** Preconditions of the initiating request, evaluated again when the upload completes. */
  preconditions: Preconditions;
  attrs: WriteAttributes;
}

const READ_SCOPES = new Set<string>([SCOPES.storageReadOnly, SCOPES.storageReadWrite, SCOPES.storageFullControl, SCOPES.cloudPlatform, SCOPES.cloudPlatformReadOnly]);
const WRITE_SCOPES = new Set<string>([SCOPES.storageReadWrite, SCOPES.storageFullControl, SCOPES.cloudPlatform]);
const STORAGE_AUDIENCE = 'https://storage.googleapis.com/';
/** The IAM member of unauthenticated callers. */
const ANONYMOUS = 'allUsers';

type Denial = { status: number; message: string; reason?: string };

/**
 * A fake GCS JSON API (and XML signed-URL endpoint) that checks tokens, scopes, access boundaries,
 * bucket IAM and V4 signatures the way GCS does.
 */
export class FakeGcs extends FakeGoogleService {
  readonly directory: FakeGcpDirectory;
  readonly requests: GcsRequestRecord[] = [];
  readonly #buckets = new Map<string, FakeBucket>();
  readonly #sessions = new Map<string, ResumableSession>();
  /** Resumable sessions cancelled by a DELETE of their session URI. */
  cancelledSessions = 0;

  constructor(options: FakeGcsOptions) {
    super();
    this.directory = options.directory;
  }


  // ------------------------------------------------------------------ backdoors (no auth)

  /**
   * Creates a bucket. With `iam`, only those members (emails) may use it, with those roles
   * (`roles/storage.objectViewer`, `roles/storage.objectUser`, or a role defined in the directory);
   * without, any authenticated principal may.
   */
  createBucket(name: string, options: { iam?: Record<string, string | string[]>; cors?: GcsCorsRule[]; versioning?: boolean; requireKmsKeyName?: string } = {}): void {
    const bucket: FakeBucket = {
      name, objects: new SortedKeyMap(), ...(options.cors ? { cors: options.cors } : {}), ...(options.versioning ? { versioning: true } : {}),
      ...(options.requireKmsKeyName ? { requireKmsKeyName: options.requireKmsKeyName } : {}),
    };
    if (options.iam) {
      bucket.iam = new Map(Object.entries(options.iam).map(([member, roles]) => [member, new Set(Array.isArray(roles) ? roles : [roles])]));
    }
    this.#buckets.set(name, bucket);
  }

  /** Adds `role` for `member` to a bucket's IAM, creating the bucket (IAM-enforcing) when missing. */
  grantBucketRole(bucket: string, member: string, role: string): void {
    if (!this.#buckets.has(bucket)) this.createBucket(bucket, { iam: {} });
    const target = this.#buckets.get(bucket)!;
    target.iam ??= new Map();
    const roles = target.iam.get(member) ?? new Set<string>();
    roles.add(role);
    target.iam.set(member, roles);
  }

  /** Writes a new generation directly (seeding tests), bypassing authorization; the previous one stays readable by generation when the bucket has versioning. */
  putObject(bucket: string, name: string, data: Uint8Array | string, options: { contentType?: string } = {}): { generation: string } {
    const target = this.#bucket(bucket);
    if (!target) throw new Error(`fake GCS: no bucket ${bucket}`);
    const object = makeObject(bucket, name, typeof data === 'string' ? Buffer.from(data) : data, options.contentType);
    storeGeneration(target, object);
    return { generation: object.generation };
  }

  /** The live object, or generation `generation` of it (live or noncurrent). */
  getObject(bucket: string, name: string, generation?: string): { data: Buffer; contentType: string; generation: string; kmsKeyName?: string; contentDisposition?: string; cacheControl?: string; metadata?: Record<string, string> } | undefined {
    const target = this.#bucket(bucket);
    const object = target ? objectAt(target, name, generation) : undefined;
    return object ? {
      data: Buffer.from(object.data), contentType: object.contentType, generation: object.generation,
      ...(object.kmsKeyName !== undefined ? { kmsKeyName: object.kmsKeyName } : {}),
      ...(object.contentDisposition !== undefined ? { contentDisposition: object.contentDisposition } : {}),
      ...(object.cacheControl !== undefined ? { cacheControl: object.cacheControl } : {}),
      ...(object.metadata !== undefined ? { metadata: { ...object.metadata } } : {}),
    } : undefined;
  }

  /** Resumable upload sessions started and neither completed nor cancelled. */
  /** Resumable sessions neither finished nor cancelled (finished ones are kept to answer status queries). */
  get openResumableSessions(): number { return [...this.#sessions.values()].filter((s) => !s.finished).length; }

  /** Every generation of an object still kept, oldest first. */
  listGenerations(bucket: string, name: string): string[] {
    const target = this.#bucket(bucket);
    return target ? generationsOf(target, name).map((o) => o.generation) : [];
  }

  /** Every object name in a bucket, sorted. */
  listObjects(bucket: string): string[] {
    const objects = this.#bucket(bucket)?.objects;
    return objects instanceof SortedKeyMap ? [...objects.sortedKeys()] : [...(objects?.keys() ?? [])].sort();
  }

  #bucket(name: string): FakeBucket | undefined {
    return this.#buckets.get(name);
  }

  // ------------------------------------------------------------------ routing

  protected async handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const record: GcsRequestRecord = {
      method: req.method ?? 'GET',
      path: url.pathname,
      authorized: req.headers.authorization !== undefined,
      signedUrl: isSignedUrlRequest(url),
      ...(url.searchParams.has('uploadType') ? { uploadType: url.searchParams.get('uploadType')! } : {}),
    };
    this.requests.push(record);
    res.on('finish', () => { record.status = res.statusCode; });

    const bucketOnly = /^\/storage\/v1\/b\/([^/]+)$/.exec(url.pathname);
    if (bucketOnly && req.method === 'GET') return this.#getBucket(req, res, decodeURIComponent(bucketOnly[1]!), record);
    const json = /^\/(?:storage|download\/storage)\/v1\/b\/([^/]+)\/o(?:\/(.+))?$/.exec(url.pathname);
    const upload = /^\/upload\/storage\/v1\/b\/([^/]+)\/o$/.exec(url.pathname);
    if (json) {
      const bucket = decodeURIComponent(json[1]!);
      const object = json[2] !== undefined ? decodeURIComponent(json[2]) : undefined;
      if (object === undefined && req.method === 'GET') return this.#list(req, res, url, bucket, record);
      if (object !== undefined && req.method === 'GET') return this.#get(req, res, url, bucket, object, record);
      if (object !== undefined && req.method === 'DELETE') return this.#delete(req, res, url, bucket, object, record);
    } else if (upload) {
      const bucket = decodeURIComponent(upload[1]!);
      if (req.method === 'POST') return this.#upload(req, res, url, bucket, record);
      if (req.method === 'PUT' && url.searchParams.has('upload_id')) return this.#resumableChunk(req, res, url, bucket, record);
      if (req.method === 'DELETE' && url.searchParams.has('upload_id')) return this.#cancelSession(req, res, url, bucket, record);
    } else if (record.signedUrl) {
      return this.#signed(req, res, url);
    } else if ((req.method === 'GET' || req.method === 'HEAD') && !url.pathname.startsWith('/storage/') && !url.pathname.startsWith('/upload/') && !url.pathname.startsWith('/download/')) {
      return this.#publicObject(req, res, url, record);
    } else if (req.method === 'POST' && /^\/[^/]+\/?$/.test(url.pathname)) {
      return this.#postObject(req, res, decodeURIComponent(url.pathname.split('/')[1]!));
    }
    sendError(res, 404, `fake GCS: no route for ${req.method} ${url.pathname}`);
  }

  /** Authentication, OAuth scope, bucket IAM and access boundaries, in the order GCS applies them. */
  #authorize(req: IncomingMessage, bucket: string, ops: Array<{ permission: StoragePermission; object?: string; listPrefix?: string }>, record: GcsRequestRecord): TokenGrant | Denial {
    if (req.headers.authorization === undefined) return this.#authorizeAnonymous(bucket, ops, record);
    const auth = this.directory.authenticate(req.headers.authorization);
    if (!auth.ok) return { status: 401, message: auth.reason, reason: 'required' };
    const grant = auth.grant;
    record.principal = grant.principal;
    record.scopes = [...grant.scopes];
    record.boundaries = grant.boundaries?.length ?? 0;
    const writes = ops.some((op) => op.permission === 'storage.objects.create' || op.permission === 'storage.objects.delete');
    const scopeOk = grant.audience === STORAGE_AUDIENCE || grant.scopes.some((s) => (writes ? WRITE_SCOPES : READ_SCOPES).has(s));
    if (!scopeOk) {
      return { status: 403, message: 'Provided scope(s) are not authorized', reason: 'insufficientPermissions' };
    }
    const target = this.#bucket(bucket);
    if (!target) return { status: 404, message: 'The specified bucket does not exist.', reason: 'notFound' };
    for (const op of ops) {
      const denial = this.#iamDenial(target, grant.principal, op.permission, op.object);
      if (denial) return denial;
      if (!boundariesAllow(grant.boundaries, { bucket, ...op }, this.directory)) {
        return { status: 403, message: `${grant.principal} does not have ${op.permission} access (credential access boundary).`, reason: 'forbidden' };
      }
    }
    return grant;
  }

  /**
   * A request with no credentials at all is made by `allUsers`: allowed only by a bucket IAM
   * binding for allUsers (a public bucket). A bucket without IAM configured admits any
   * *authenticated* principal in this fake, never an anonymous one. GCS answers an anonymous
   * caller without access with 401 ("Anonymous caller does not have … access").
   */
  #authorizeAnonymous(bucket: string, ops: Array<{ permission: StoragePermission; object?: string }>, record: GcsRequestRecord): TokenGrant | Denial {
    record.principal = ANONYMOUS;
    const target = this.#bucket(bucket);
    for (const op of ops) {
      const roles = target?.iam?.get(ANONYMOUS);
      const allowed = [...(roles ?? [])].some((role) => this.directory.permissionsOf(role).includes(op.permission));
      if (!allowed) {
        const what = op.object !== undefined ? `the Google Cloud Storage object ${bucket}/${op.object}` : `the Google Cloud Storage bucket ${bucket}`;
        return { status: 401, message: `Anonymous caller does not have ${op.permission} access to ${what}.`, reason: 'required' };
      }
    }
    if (!target) return { status: 404, message: 'The specified bucket does not exist.', reason: 'notFound' };
    return { principal: ANONYMOUS, scopes: [], expiresAt: Number.POSITIVE_INFINITY, origin: 'registered' };
  }

  /** `GET ENDPOINT/BUCKET/OBJECT` without a signature: the XML API's public URL (allUsers only; credentials are not read here). */
  async #publicObject(req: IncomingMessage, res: ServerResponse, url: URL, record: GcsRequestRecord): Promise<void> {
    const match = /^\/([^/]+)\/(.+)$/.exec(url.pathname);
    const xmlError = (status: number, code: string, message: string): void => {
      const text = `<?xml version='1.0' encoding='UTF-8'?><Error><Code>${code}</Code><Message>${message}</Message></Error>`;
      res.writeHead(status, { 'content-type': 'application/xml; charset=UTF-8', 'content-length': Buffer.byteLength(text) });
      res.end(text);
    };
    if (!match) return xmlError(400, 'InvalidArgument', 'no object in path');
    const bucketName = decodeURIComponent(match[1]!);
    const name = match[2]!.split('/').map(decodeURIComponent).join('/');
    const auth = this.#authorizeAnonymous(bucketName, [{ permission: 'storage.objects.get', object: name }], record);
    if (!('principal' in auth)) return xmlError(auth.status === 401 ? 403 : auth.status, auth.status === 404 ? 'NoSuchBucket' : 'AccessDenied', auth.message);
    const generation = generationParam(url);
    if (generation === 'invalid') return xmlError(400, 'InvalidArgument', 'Invalid argument: generation.');
    const object = objectAt(this.#bucket(bucketName)!, name, generation);
    if (!object) return xmlError(404, 'NoSuchKey', 'The specified key does not exist.');
    this.#sendMedia(req, res, object);
  }

  #iamDenial(bucket: FakeBucket, principal: string, permission: StoragePermission, object?: string): Denial | undefined {
    if (!bucket.iam) return undefined;
    const roles = bucket.iam.get(principal);
    const allowed = [...(roles ?? [])].some((role) => this.directory.permissionsOf(role).includes(permission));
    if (allowed) return undefined;
    const what = object !== undefined ? `the Google Cloud Storage object ${bucket.name}/${object}` : `the Google Cloud Storage bucket ${bucket.name}`;
    return { status: 403, message: `${principal} does not have ${permission} access to ${what}.`, reason: 'forbidden' };
  }

  #deny(res: ServerResponse, denial: Denial): void {
    sendError(res, denial.status, denial.message, denial.reason);
  }

  #baseUrl(req: IncomingMessage): string {
    return `http://${req.headers.host ?? '127.0.0.1'}`;
  }

  async #getBucket(req: IncomingMessage, res: ServerResponse, bucket: string, record: GcsRequestRecord): Promise<void> {
    const auth = this.#authorize(req, bucket, [{ permission: 'storage.buckets.get' }], record);
    if (!('principal' in auth)) return this.#deny(res, auth);
    const target = this.#bucket(bucket)!;
    sendJson(res, 200, {
      kind: 'storage#bucket', id: bucket, name: bucket, storageClass: 'STANDARD', location: 'US',
      ...(target.cors ? { cors: target.cors } : {}),
    });
  }

  async #list(req: IncomingMessage, res: ServerResponse, url: URL, bucket: string, record: GcsRequestRecord): Promise<void> {
    const prefix = url.searchParams.get('prefix') ?? '';
    const auth = this.#authorize(req, bucket, [{ permission: 'storage.objects.list', listPrefix: prefix }], record);
    if (!('principal' in auth)) return this.#deny(res, auth);
    const answer = listObjects(this.#bucket(bucket)!.objects, url, this.#baseUrl(req));
    sendJson(res, answer.status, answer.body);
  }

  async #get(req: IncomingMessage, res: ServerResponse, url: URL, bucket: string, name: string, record: GcsRequestRecord): Promise<void> {
    const auth = this.#authorize(req, bucket, [{ permission: 'storage.objects.get', object: name }], record);
    if (!('principal' in auth)) return this.#deny(res, auth);
    const generation = generationParam(url);
    if (generation === 'invalid') return sendError(res, 400, 'Invalid argument: generation', 'invalid');
    const object = objectAt(this.#bucket(bucket)!, name, generation);
    if (!object) return sendError(res, 404, `No such object: ${bucket}/${name}${generation === undefined ? '' : `#${generation}`}`, 'notFound');
    if (url.searchParams.get('alt') === 'media') return this.#sendMedia(req, res, object, mediaHeaders(object, undefined));
    sendJson(res, 200, objectResource(object, this.#baseUrl(req)));
  }

  #sendMedia(req: IncomingMessage, res: ServerResponse, object: StoredObject, extraHeaders: Record<string, string> = {}): void {
    const total = object.data.length;
    const headers: Record<string, string> = {
      'content-type': object.contentType,
      'x-goog-hash': `crc32c=${object.crc32c},md5=${object.md5Hash}`,
      'x-goog-generation': object.generation,
      'x-goog-metageneration': object.metageneration,
      'x-goog-stored-content-length': String(total),
      'x-goog-stored-content-encoding': 'identity',
      'x-goog-storage-class': 'STANDARD',
      etag: object.etag,
      'last-modified': object.updated.toUTCString(),
      'accept-ranges': 'bytes',
      ...extraHeaders,
    };
    const range = req.headers.range;
    if (range) {
      const m = /^bytes=(\d*)-(\d*)$/.exec(range.trim());
      let start: number;
      let end: number;
      if (!m || (m[1] === '' && m[2] === '')) { start = 0; end = total - 1; }
      else if (m[1] === '') { start = Math.max(0, total - Number(m[2])); end = total - 1; }
      else { start = Number(m[1]); end = m[2] === '' ? total - 1 : Math.min(Number(m[2]), total - 1); }
      if (start >= total || start > end) {
        res.writeHead(416, { 'content-range': `bytes */${total}`, 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { code: 416, message: 'The requested range cannot be satisfied.' } }));
        return;
      }
      const slice = object.data.subarray(start, end + 1);
      res.writeHead(206, { ...headers, 'content-range': `bytes ${start}-${end}/${total}`, 'content-length': String(slice.length) });
      res.end(req.method === 'HEAD' ? undefined : slice);
      return;
    }
    res.writeHead(200, { ...headers, 'content-length': String(total) });
    res.end(req.method === 'HEAD' ? undefined : object.data);
  }

  async #delete(req: IncomingMessage, res: ServerResponse, url: URL, bucket: string, name: string, record: GcsRequestRecord): Promise<void> {
    const auth = this.#authorize(req, bucket, [{ permission: 'storage.objects.delete', object: name }], record);
    if (!('principal' in auth)) return this.#deny(res, auth);
    const generation = generationParam(url);
    if (generation === 'invalid') return sendError(res, 400, 'Invalid argument: generation', 'invalid');
    const target = this.#bucket(bucket)!;
    if (!objectAt(target, name, generation)) return sendError(res, 404, `No such object: ${bucket}/${name}`, 'notFound');
    // Preconditions name the object's current (live) generation, as in GCS.
    if (preconditionFails(queryPreconditions(url), target.objects.get(name))) return sendError(res, 412, PRECONDITION_FAILED, 'conditionNotMet');
    const deleted = generation === undefined ? deleteLive(target, name) : deleteGeneration(target, name, generation);
    if (!deleted) return sendError(res, 404, `No such object: ${bucket}/${name}`, 'notFound');
    res.writeHead(204);
    res.end();
  }

  /** Creating an object that exists is an overwrite, which GCS also checks delete permission for. */
  #writeOps(bucket: string, name: string): Array<{ permission: StoragePermission; object: string }> {
    const ops: Array<{ permission: StoragePermission; object: string }> = [{ permission: 'storage.objects.create', object: name }];
    if (this.#bucket(bucket)?.objects.has(name)) ops.push({ permission: 'storage.objects.delete', object: name });
    return ops;
  }


  async #upload(req: IncomingMessage, res: ServerResponse, url: URL, bucket: string, record: GcsRequestRecord): Promise<void> {
    const uploadType = url.searchParams.get('uploadType');
    const body = await readBody(req);
    let name = url.searchParams.get('name') ?? undefined;
    let contentType: string | undefined;
    let data: Buffer | undefined;
    let attrs: WriteAttributes = fromResource({}, url);

    if (uploadType === 'multipart') {
      const boundary = boundaryOf(req.headers['content-type']);
      const parts = boundary ? parseMultipart(body, boundary) : [];
      if (parts.length !== 2) return sendError(res, 400, 'multipart upload needs a metadata part and a media part');
      const metadata = JSON.parse(parts[0]!.body.toString('utf8') || '{}') as { name?: string; contentType?: string };
      attrs = fromResource(metadata, url);
      name = metadata.name ?? name;
      contentType = metadata.contentType ?? parts[1]!.headers['content-type'];
      data = parts[1]!.body;
    } else if (uploadType === 'media') {
      contentType = req.headers['content-type'];
      data = body;
    } else if (uploadType === 'resumable') {
      const metadata = body.length ? (JSON.parse(body.toString('utf8')) as { name?: string; contentType?: string }) : {};
      attrs = fromResource(metadata, url);
      name = metadata.name ?? name;
      contentType = metadata.contentType ?? (req.headers['x-upload-content-type'] as string | undefined);
    } else {
      return sendError(res, 400, `unsupported uploadType ${String(uploadType)}`);
    }
    if (!name) return sendError(res, 400, 'Required object name is missing', 'required');

    const auth = this.#authorize(req, bucket, this.#writeOps(bucket, name), record);
    if (!('principal' in auth)) return this.#deny(res, auth);
    const preconditions = queryPreconditions(url);
    if (preconditionFails(preconditions, this.#bucket(bucket)!.objects.get(name))) return sendError(res, 412, PRECONDITION_FAILED, 'conditionNotMet');
    const cmek = kmsRefusal(this.#bucket(bucket)!, attrs);
    if (cmek) return sendError(res, 403, cmek, 'forbidden');

    if (uploadType === 'resumable') {
      const id = randomBytes(16).toString('hex');
      // GCS evaluates the preconditions again when the upload completes: an object created in the
      // meantime must not be overwritten by an `ifGenerationMatch=0` upload.
      const declared = req.headers['x-upload-content-length'];
      const origin = req.headers.origin;
      this.#sessions.set(id, {
        bucket, name, ...(contentType ? { contentType } : {}), principal: auth.principal, chunks: [], received: 0, preconditions, attrs,
        ...(typeof declared === 'string' && /^\d+$/.test(declared) ? { declaredSize: Number(declared) } : {}),
        ...(typeof origin === 'string' ? { origin } : {}), startedAt: this.directory.now(),
      });
      const location = `${this.#baseUrl(req)}/upload/storage/v1/b/${encodeURIComponent(bucket)}/o?uploadType=resumable&name=${encodeURIComponent(name)}&upload_id=${id}`;
      res.writeHead(200, { location, 'x-guploader-uploadid': id, 'content-length': '0' });
      res.end();
      return;
    }
    this.#store(bucket, name, data!, contentType, attrs);
    sendJson(res, 200, objectResource(this.#bucket(bucket)!.objects.get(name)!, this.#baseUrl(req)));
  }

  #store(bucket: string, name: string, data: Buffer, contentType?: string, attrs: WriteAttributes = {}): void {
    storeGeneration(this.#bucket(bucket)!, applyAttributes(makeObject(bucket, name, data, contentType), attrs));
  }

  /** DELETE of a session URI cancels the upload: GCS answers 499 and the session is gone (nothing is stored). */


  /** One PUT on a resumable session URI (src/testing/gcp/resumable.ts): a chunk or a status query. */
  async #resumableChunk(req: IncomingMessage, res: ServerResponse, url: URL, bucket: string, record: GcsRequestRecord): Promise<void> {
    const body = await readBody(req);
    const id = url.searchParams.get('upload_id') ?? '';
    const session = this.#liveSession(id);
    if (!session || session.bucket !== bucket) return sendError(res, 404, 'No such upload session.');
    const cors = sessionCors(session, req.headers.origin);
    if (req.headers.authorization !== undefined) {
      const auth = this.#authorize(req, bucket, this.#writeOps(bucket, session.name), record);
      if (!('principal' in auth)) return this.#deny(res, auth);
      if (auth.principal !== session.principal) return sendError(res, 403, 'upload session belongs to another principal', 'forbidden');
    }
    if (session.finished) {
      const object = this.#bucket(bucket)!.objects.get(session.name);
      return object ? sendJson(res, 200, objectResource(object, this.#baseUrl(req)), cors) : sendError(res, 404, 'No such upload session.');
    }
    const outcome = applyChunk(session, req.headers['content-range'], body);
    if (outcome.kind === 'error') return sendError(res, outcome.status, outcome.message);
    if (outcome.kind === 'complete') {
      if (preconditionFails(session.preconditions, this.#bucket(bucket)!.objects.get(session.name))) {
        this.#sessions.delete(id);
        return sendError(res, 412, PRECONDITION_FAILED, 'conditionNotMet');
      }
      this.#store(bucket, session.name, outcome.data, session.contentType, session.attrs);
      const object = this.#bucket(bucket)!.objects.get(session.name)!;
      session.chunks = [];
      session.finished = { generation: object.generation };
      return sendJson(res, 200, objectResource(object, this.#baseUrl(req)), cors);
    }
    const headers: Record<string, string> = { 'content-length': '0', ...cors };
    if (session.received > 0) headers.range = `bytes=0-${session.received - 1}`;
    res.writeHead(308, headers);
    res.end();
  }

  /** DELETE on a session URI cancels the upload (499, as GCS answers); nothing of it is kept. */
  /** DELETE on a resumable session URI: the URI is the credential (as on GCS); a bearer token, when sent, must still be allowed to write. */
  async #cancelSession(req: IncomingMessage, res: ServerResponse, url: URL, bucket: string, record: GcsRequestRecord): Promise<void> {
    req.resume();
    const id = url.searchParams.get('upload_id') ?? '';
    const session = this.#liveSession(id);
    if (!session || session.bucket !== bucket || session.finished) return sendError(res, 404, 'No such upload session.');
    if (req.headers.authorization !== undefined) {
      const auth = this.#authorize(req, bucket, this.#writeOps(bucket, session.name), record);
      if (!('principal' in auth)) return this.#deny(res, auth);
    }
    this.#sessions.delete(id);
    this.cancelledSessions++;
    res.writeHead(499, { 'content-length': '0', ...sessionCors(session, req.headers.origin) });
    res.end();
  }


  /** A session that exists and is less than a week old. */
  #liveSession(id: string): ResumableSession | undefined {
    const session = this.#sessions.get(id);
    if (session && this.directory.now() - session.startedAt > SESSION_LIFETIME_MS) {
      this.#sessions.delete(id);
      return undefined;
    }
    return session;
  }

  /** Resumable sessions neither finished nor cancelled (backdoor for tests: "nothing left"). */
  listOpenUploads(bucket: string): Array<{ name: string; received: number }> {
    return [...this.#sessions.values()].filter((s) => s.bucket === bucket && !s.finished).map((s) => ({ name: s.name, received: s.received }));
  }

  // ------------------------------------------------------------------ V4 POST policies

  /** A browser form upload, authorised by its V4 POST policy (post-policy.ts) and the signer's bucket IAM. */
  async #postObject(req: IncomingMessage, res: ServerResponse, bucketName: string): Promise<void> {
    const body = await readBody(req);
    const xmlError = (status: number, code: string, message: string): void => {
      const text = `<?xml version='1.0' encoding='UTF-8'?><Error><Code>${code}</Code><Message>${message}</Message></Error>`;
      res.writeHead(status, { 'content-type': 'application/xml; charset=UTF-8', 'content-length': Buffer.byteLength(text) });
      res.end(text);
    };
    const bucket = this.#bucket(bucketName);
    if (!bucket) return xmlError(404, 'NoSuchBucket', 'The specified bucket does not exist.');
    const verdict = verifyPostPolicy(body, req.headers['content-type'] ?? '', bucketName, this.directory);
    if (!verdict.ok) return xmlError(verdict.status, verdict.code, verdict.message);
    const permissions: StoragePermission[] = bucket.objects.has(verdict.key) ? ['storage.objects.create', 'storage.objects.delete'] : ['storage.objects.create'];
    for (const permission of permissions) {
      const denial = this.#iamDenial(bucket, verdict.signer, permission, verdict.key);
      if (denial) return xmlError(403, 'AccessDenied', denial.message);
    }
    this.#store(bucketName, verdict.key, verdict.form.file!.data, verdict.field('content-type'));
    const status = verdict.field('success_action_status');
    res.writeHead(status === '201' ? 201 : status === '200' ? 200 : 204, { etag: bucket.objects.get(verdict.key)!.etag, 'content-length': '0' });
    res.end();
  }

  // ------------------------------------------------------------------ V4 signed URLs

  async #signed(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const match = /^\/([^/]+)(?:\/(.*))?$/.exec(url.pathname);
    const xmlError = (status: number, code: string, message: string): void => {
      const text = `<?xml version='1.0' encoding='UTF-8'?><Error><Code>${code}</Code><Message>${message}</Message></Error>`;
      res.writeHead(status, { 'content-type': 'application/xml; charset=UTF-8', 'content-length': Buffer.byteLength(text) });
      res.end(text);
    };
    if (!match) return xmlError(400, 'InvalidArgument', 'no bucket in path');
    const bucketName = decodeURIComponent(match[1]!);
    const name = match[2] !== undefined && match[2] !== '' ? match[2].split('/').map(decodeURIComponent).join('/') : undefined;
    const body = req.method === 'PUT' || req.method === 'POST' ? await readBody(req) : undefined;

    const verdict = verifySignedUrl(req, url, { bucket: bucketName, ...(name !== undefined ? { object: name } : {}) }, this.directory);
    if (!verdict.ok) return xmlError(verdict.status, verdict.code, verdict.message);
    const bucket = this.#bucket(bucketName);
    if (!bucket) return xmlError(404, 'NoSuchBucket', 'The specified bucket does not exist.');
    if (name === undefined) return xmlError(400, 'InvalidArgument', 'bucket-level signed URLs are not served by this fake');

    const method = req.method ?? 'GET';
    const permissions: StoragePermission[] = method === 'GET' || method === 'HEAD' ? ['storage.objects.get']
      : method === 'PUT' ? (bucket.objects.has(name) ? ['storage.objects.create', 'storage.objects.delete'] : ['storage.objects.create'])
        : method === 'DELETE' ? ['storage.objects.delete'] : [];
    if (permissions.length === 0) return xmlError(405, 'MethodNotAllowed', `${method} is not supported by this fake`);
    for (const permission of permissions) {
      const denial = this.#iamDenial(bucket, verdict.signer, permission, name);
      if (denial) return xmlError(403, 'AccessDenied', denial.message);
    }

    // XML API preconditions (x-goog-if-generation-match / x-goog-if-metageneration-match).
    const headerPreconditions = headerPreconditionsOf(req);
    if ((method === 'PUT' || method === 'DELETE') && preconditionFails(headerPreconditions, bucket.objects.get(name))
      && !(method === 'DELETE' && !bucket.objects.has(name))) {
      return xmlError(412, 'PreconditionFailed', 'At least one of the pre-conditions you specified did not hold.');
    }
    if (method === 'PUT') {
      const attrs = fromXmlHeaders(req);
      const cmek = kmsRefusal(bucket, attrs);
      if (cmek) return xmlError(403, 'AccessDenied', cmek);
      this.#store(bucketName, name, body!, req.headers['content-type'], attrs);
      res.writeHead(200, { etag: bucket.objects.get(name)!.etag, 'content-length': '0' });
      res.end();
      return;
    }
    // The XML API (and so signed URLs) names a generation with the same `generation` parameter.
    const generation = generationParam(url);
    if (generation === 'invalid') return xmlError(400, 'InvalidArgument', 'Invalid argument: generation.');
    if (method === 'DELETE') {
      const deleted = generation === undefined ? deleteLive(bucket, name) : deleteGeneration(bucket, name, generation);
      if (!deleted) return xmlError(404, 'NoSuchKey', 'The specified key does not exist.');
      res.writeHead(204);
      res.end();
      return;
    }
    const object = objectAt(bucket, name, generation);
    if (!object) return xmlError(404, 'NoSuchKey', 'The specified key does not exist.');
    this.#sendMedia(req, res, object, mediaHeaders(object, url));
  }
}

const PRECONDITION_FAILED = 'At least one of the pre-conditions you specified did not hold.';

/** The generation / metageneration preconditions GCS evaluates against the live object. */
interface Preconditions { ifGenerationMatch?: string; ifGenerationNotMatch?: string; ifMetagenerationMatch?: string; ifMetagenerationNotMatch?: string }

function queryPreconditions(url: URL): Preconditions {
  const out: Preconditions = {};
  for (const name of ['ifGenerationMatch', 'ifGenerationNotMatch', 'ifMetagenerationMatch', 'ifMetagenerationNotMatch'] as const) {
    const value = url.searchParams.get(name);
    if (value !== null) out[name] = value;
  }
  return out;
}

function headerPreconditionsOf(req: IncomingMessage): Preconditions {
  const generation = req.headers['x-goog-if-generation-match'];
  const metageneration = req.headers['x-goog-if-metageneration-match'];
  return {
    ...(typeof generation === 'string' ? { ifGenerationMatch: generation } : {}),
    ...(typeof metageneration === 'string' ? { ifMetagenerationMatch: metageneration } : {}),
  };
}

/**
 * As GCS: generation 0 stands for "no live object"; a metageneration condition needs an object.
 * Any condition that does not hold fails the request (412) before anything changes.
 */
function preconditionFails(p: Preconditions, live: { generation: string; metageneration: string } | undefined): boolean {
  const generation = live?.generation ?? '0';
  if (p.ifGenerationMatch !== undefined && p.ifGenerationMatch !== generation) return true;
  if (p.ifGenerationNotMatch !== undefined && p.ifGenerationNotMatch === generation) return true;
  if (p.ifMetagenerationMatch !== undefined && (!live || p.ifMetagenerationMatch !== live.metageneration)) return true;
  if (p.ifMetagenerationNotMatch !== undefined && live && p.ifMetagenerationNotMatch === live.metageneration) return true;
  return false;
}
