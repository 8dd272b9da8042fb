import { InvalidArgumentError, UnsupportedUriError } from '../errors.js';
import type { AssetLinkEvent } from '../events.js';
import { raceAbort, throwIfAborted } from '../list/abort.js';
import type { ObjectTarget, ProviderDriver } from '../resolvers/driver.js';
import type { UploadDriver } from '../resolvers/uploads/driver-uploads.js';
import { choosePartSize, partRanges } from '../resolvers/uploads/plan.js';
import type {
  CompletedPart, CreateUploadOptions, PresignedPost, PresignPostOptions, ResumedUploadPlan, ResumeUploadOptions, UploadCallOptions, UploadPlan,
} from '../upload-types.js';
import { checkTtl } from './ttl.js';
import { decodeUploadId, encodeUploadId } from './upload-id.js';

/**
 * Browser uploads of a resolved asset (docs/uploads.md): the checks every provider shares — write
 * access, TTL, sizes, upload id binding, AbortSignal — and the audit events. The provider work is
 * the driver's `uploads` (src/resolvers/<provider>/upload*.ts).
 */

export interface UploadHost {
  driver: ProviderDriver;
  /** The asset's current target (follows updateIntegration). */
  target(): ObjectTarget;
  /** Throws READ_ONLY (and emits write.refused) unless the integration may write this location. */
  refuseIfReadOnly(operation: string): void;
  emit(event: AssetLinkEvent): void;
  listening: boolean;
  now(): number;
  owner(): { tenant?: string; labels?: Readonly<Record<string, string>> };
}

type UploadEventType = 'upload.created' | 'upload.resumed' | 'upload.completed' | 'upload.aborted' | 'post.issued';

function uploadsOf(host: UploadHost, operation: string): UploadDriver {
  const uploads = host.driver.uploads;
  const { location, integration } = host.target();
  if (!uploads) {
    throw new UnsupportedUriError(`${operation} is not available for ${location.provider} assets (${location.uri}): only S3, Cloud Storage and Azure Blob support browser uploads`, { integrationId: integration.id, uri: location.uri });
  }
  return uploads;
}

function event(host: UploadHost, type: UploadEventType, extra: { bytes?: number; parts?: number; expiresAt?: Date }): void {
  if (!host.listening) return;
  const { integration, location } = host.target();
  host.emit({ type, time: new Date(host.now()), integrationId: integration.id, provider: location.provider, ...host.owner(), uri: location.uri, ...extra });
}

function optionsObject<T>(opts: T | undefined, operation: string): T {
  if (typeof opts !== 'object' || opts === null) throw new InvalidArgumentError(`${operation} needs an options object`);
  return opts;
}

export async function createUpload(host: UploadHost, opts: CreateUploadOptions): Promise<UploadPlan> {
  optionsObject(opts, 'createUpload');
  host.refuseIfReadOnly('create an upload to');
  const uploads = uploadsOf(host, 'createUpload');
  const target = host.target();
  const ttlSeconds = checkTtl(opts.ttlSeconds, uploads.maxUploadTtlSeconds, false, `${target.location.provider} upload URLs`);
  const partSize = choosePartSize(opts.size, opts.partSize, uploads.limits, `${target.location.provider} uploads`);
  if (opts.contentType !== undefined && (typeof opts.contentType !== 'string' || /[\r\n]/.test(opts.contentType))) throw new InvalidArgumentError('createUpload: contentType must be a single-line string');
  if (opts.origin !== undefined && (typeof opts.origin !== 'string' || !/^https?:\/\/[^/\s?#]+$/.test(opts.origin))) {
    throw new InvalidArgumentError('createUpload: origin must be a web origin such as https://app.example.com (scheme and host, no path)');
  }
  throwIfAborted(opts.signal, 'createUpload', target.location.uri);
  const providerId = await raceAbort(uploads.start(target, {
    size: opts.size, partSize,
    ...(opts.contentType !== undefined ? { contentType: opts.contentType } : {}),
    ...(opts.origin !== undefined ? { origin: opts.origin } : {}),
    ...(opts.signal ? { signal: opts.signal } : {}),
  }), opts.signal, 'createUpload', target.location.uri);
  const session = { providerId, size: opts.size, partSize, ...(opts.contentType !== undefined ? { contentType: opts.contentType } : {}) };
  const signed = await raceAbort(uploads.signParts(target, session, { parts: partRanges(opts.size, partSize), ttlSeconds, ...(opts.signal ? { signal: opts.signal } : {}) }), opts.signal, 'createUpload', target.location.uri);
  event(host, 'upload.created', { bytes: opts.size, parts: signed.parts.length, expiresAt: signed.expiresAt });
  return { uploadId: encodeUploadId(target, session), expiresAt: signed.expiresAt, parts: signed.parts };
}

export async function resumeUpload(host: UploadHost, uploadId: string, opts: ResumeUploadOptions): Promise<ResumedUploadPlan> {
  optionsObject(opts, 'resumeUpload');
  host.refuseIfReadOnly('resume an upload to');
  const uploads = uploadsOf(host, 'resumeUpload');
  const target = host.target();
  const session = decodeUploadId(uploadId, target);
  const ttlSeconds = checkTtl(opts.ttlSeconds, uploads.maxUploadTtlSeconds, false, `${target.location.provider} upload URLs`);
  throwIfAborted(opts.signal, 'resumeUpload', target.location.uri);
  const state = await raceAbort(uploads.resumeState(target, session, opts.signal), opts.signal, 'resumeUpload', target.location.uri);
  const done = new Set(state.uploaded.map((p) => p.partNumber));
  let missing = partRanges(session.size, session.partSize).filter((p) => !done.has(p.partNumber));
  if (state.persistedBytes !== undefined) {
    // A resumable session continues where the provider stopped persisting, even inside a part.
    const persisted = state.persistedBytes;
    missing = missing.filter((p) => p.end > persisted).map((p) => (p.start < persisted ? { ...p, start: persisted } : p));
  }
  const signed = missing.length === 0 ? { parts: [], expiresAt: new Date(host.now() + ttlSeconds * 1000) }
    : await raceAbort(uploads.signParts(target, session, { parts: missing, ttlSeconds, ...(opts.signal ? { signal: opts.signal } : {}) }), opts.signal, 'resumeUpload', target.location.uri);
  event(host, 'upload.resumed', { bytes: session.size, parts: signed.parts.length, expiresAt: signed.expiresAt });
  return { uploadId, expiresAt: signed.expiresAt, parts: signed.parts, uploadedParts: state.uploaded };
}

export async function completeUpload(host: UploadHost, uploadId: string, parts: CompletedPart[], opts: UploadCallOptions = {}): Promise<void> {
  host.refuseIfReadOnly('complete an upload to');
  const uploads = uploadsOf(host, 'completeUpload');
  const target = host.target();
  const session = decodeUploadId(uploadId, target);
  const count = Math.ceil(session.size / session.partSize);
  if (!Array.isArray(parts)) throw new InvalidArgumentError('completeUpload: parts must be an array of { partNumber, etag }');
  for (const part of parts) {
    if (typeof part !== 'object' || part === null || !Number.isInteger(part.partNumber) || part.partNumber < 1 || part.partNumber > count
      || (part.etag !== undefined && typeof part.etag !== 'string')) {
      throw new InvalidArgumentError(`completeUpload: each part needs a partNumber from 1 to ${count} and an optional etag string`, { uri: target.location.uri });
    }
  }
  const sorted = [...parts].sort((a, b) => a.partNumber - b.partNumber);
  throwIfAborted(opts.signal, 'completeUpload', target.location.uri);
  await raceAbort(uploads.complete(target, session, sorted, opts.signal), opts.signal, 'completeUpload', target.location.uri);
  event(host, 'upload.completed', { bytes: session.size, parts: count });
}

export async function abortUpload(host: UploadHost, uploadId: string, opts: UploadCallOptions = {}): Promise<void> {
  host.refuseIfReadOnly('abort an upload to');
  const uploads = uploadsOf(host, 'abortUpload');
  const target = host.target();
  const session = decodeUploadId(uploadId, target);
  throwIfAborted(opts.signal, 'abortUpload', target.location.uri);
  await raceAbort(uploads.abort(target, session, opts.signal), opts.signal, 'abortUpload', target.location.uri);
  event(host, 'upload.aborted', { bytes: session.size });
}

export async function presignPost(host: UploadHost, opts: PresignPostOptions): Promise<PresignedPost> {
  optionsObject(opts, 'presignPost');
  host.refuseIfReadOnly('presign a POST policy for');
  const uploads = uploadsOf(host, 'presignPost');
  const target = host.target();
  if (!uploads.presignPost) {
    throw new UnsupportedUriError(
      `presignPost: ${target.location.provider === 'azure' ? 'Azure Blob Storage has no form-upload (POST policy) equivalent' : `${target.location.provider} has no POST policies`}; use createUpload (block uploads) or presign({ method: 'PUT' }) for ${target.location.uri}`,
      { integrationId: target.integration.id, uri: target.location.uri },
    );
  }
  const ttlSeconds = checkTtl(opts.ttlSeconds, uploads.maxUploadTtlSeconds, false, `${target.location.provider} POST policies`);
  if (!Number.isSafeInteger(opts.maxBytes) || opts.maxBytes < 0 || opts.maxBytes > uploads.limits.maxSize) {
    throw new InvalidArgumentError(`presignPost: maxBytes must be a whole number of bytes from 0 to ${uploads.limits.maxSize}, got ${String(opts.maxBytes)}`);
  }
  if (opts.contentType !== undefined && (typeof opts.contentType !== 'string' || /[\r\n]/.test(opts.contentType))) throw new InvalidArgumentError('presignPost: contentType must be a single-line string');
  throwIfAborted(opts.signal, 'presignPost', target.location.uri);
  const post = await raceAbort(uploads.presignPost(target, {
    ttlSeconds, maxBytes: opts.maxBytes, ...(opts.contentType !== undefined ? { contentType: opts.contentType } : {}), ...(opts.signal ? { signal: opts.signal } : {}),
  }), opts.signal, 'presignPost', target.location.uri);
  event(host, 'post.issued', { bytes: opts.maxBytes, expiresAt: post.expiresAt });
  return post;
}
