import { InvalidArgumentError, NotFoundError } from '../../errors.js';
import type { CompletedPart, PresignedPost } from '../../upload-types.js';
import type { ObjectTarget } from '../driver.js';
import type {
  PartUrlsRequest, PresignPostRequest, ResumeState, SignedParts, StartUploadRequest, UploadDriver, UploadLimits, UploadSession,
} from '../uploads/driver-uploads.js';
import { uploadHeaders } from '../uploads/part-headers.js';
import type { UrlSigner } from './credentials.js';
import { gcsPostPolicy } from './post-policy.js';
import { CHUNK_QUANTUM } from './upload.js';
import { V4_MAX_EXPIRES_SECONDS } from './v4-signer.js';
import type { FetchLike } from '../../net/proxy-fetch.js';

/**
 * Cloud Storage browser uploads: the backend starts a resumable session with the integration's
 * (downscoped) token; the browser PUTs `Content-Range` chunks to the session URI, in order, with
 * no credential (the session URI is the credential, for this one object, for one week). Resume
 * asks the session how many bytes it persisted; complete checks the session finished with the
 * right object; abort cancels the session. POST policies are V4 (post-policy.ts).
 */

const MiB = 1024 * 1024;
export const GCS_UPLOAD_LIMITS: UploadLimits = {
  maxSize: 5 * 1024 * 1024 * MiB, minPartSize: CHUNK_QUANTUM, maxPartSize: 5 * 1024 * 1024 * MiB,
  // GCS counts no parts; the bound only keeps plans (one URL per part) to a sane length.
  maxParts: 10_000, partQuantum: CHUNK_QUANTUM, defaultPartSize: 8 * MiB,
};
/** GCS keeps a resumable session for a week after it starts. */
const SESSION_LIFETIME_MS = 7 * 24 * 3600 * 1000;

export interface GcsUploadHost {
  /** JSON API origin, e.g. https://storage.googleapis.com. */
  apiEndpoint: string;
  /** Origin POST policies name. */
  signingEndpoint: string;
  token(target: ObjectTarget): Promise<string>;
  signer(target: ObjectTarget): UrlSigner;
  now(): number;
  timeoutMs: number;
  /** `platform.proxy`'s fetch when it covers gcp; default the global fetch. */
  fetch?: FetchLike;
  /** Maps a failure to an AssetLinkError (mapGcsError, dropping a refused token). */
  fail(error: unknown, target: ObjectTarget, operation: string): Error;
}

class HttpError extends Error {
  constructor(readonly code: number, message: string) { super(message); this.name = 'GcsUploadHttpError'; }
}

export class GcsUploads implements UploadDriver {
  readonly maxUploadTtlSeconds = V4_MAX_EXPIRES_SECONDS;
  readonly limits = GCS_UPLOAD_LIMITS;
  readonly #host: GcsUploadHost;

  constructor(host: GcsUploadHost) { this.#host = host; }

  get #fetch(): FetchLike { return this.#host.fetch ?? fetch; }

  async start(target: ObjectTarget, request: StartUploadRequest): Promise<string> {
    const { bucket, key } = target.location;
    try {
      const response = await this.#fetch(`${this.#host.apiEndpoint}/upload/storage/v1/b/${encodeURIComponent(bucket)}/o?uploadType=resumable&name=${encodeURIComponent(key)}${startQuery(target)}`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${await this.#host.token(target)}`,
          'content-type': 'application/json; charset=UTF-8',
          'x-upload-content-length': String(request.size),
          ...(request.contentType !== undefined ? { 'x-upload-content-type': request.contentType } : {}),
          // GCS answers CORS on the session URI only for the origin that started it.
          ...(request.origin !== undefined ? { origin: request.origin } : {}),
          ...uploadHeaders(target.integration, 'gcp').start,
        },
        body: JSON.stringify({ name: key, ...(request.contentType !== undefined ? { contentType: request.contentType } : {}) }),
        signal: this.#signal(request.signal),
      });
      const text = await response.text();
      if (response.status !== 200 && response.status !== 201) throw new HttpError(response.status, messageOf(text, response.status));
      const location = response.headers.get('location');
      const uploadId = location ? new URL(location).searchParams.get('upload_id') : null;
      if (!uploadId) throw new HttpError(502, 'Cloud Storage started a resumable session but named no session URI');
      // The creation time rides along: a session lives a week from it, which expiresAt must tell.
      return `${this.#host.now()}:${uploadId}`;
    } catch (error) {
      throw this.#host.fail(error, target, 'create an upload to');
    }
  }

  async signParts(target: ObjectTarget, session: UploadSession, request: PartUrlsRequest): Promise<SignedParts> {
    const url = this.#sessionUri(target, session);
    const extra = uploadHeaders(target.integration, 'gcp').part;
    const parts = request.parts.map((p) => ({
      partNumber: p.partNumber, url, method: 'PUT' as const,
      headers: { ...extra, 'Content-Range': `bytes ${p.start}-${p.end - 1}/${session.size}` },
      start: p.start, end: p.end,
    }));
    // The session URI cannot be shortened: it works until the session's week is over (abortUpload ends it sooner).
    return { parts, expiresAt: new Date(startedAt(session) + SESSION_LIFETIME_MS) };
  }

  async resumeState(target: ObjectTarget, session: UploadSession, signal?: AbortSignal): Promise<ResumeState> {
    const status = await this.#status(target, session, signal);
    const persisted = status.finished ? session.size : status.persisted;
    const count = Math.ceil(session.size / session.partSize);
    const uploaded: CompletedPart[] = [];
    for (let n = 1; n <= count && Math.min(n * session.partSize, session.size) <= persisted; n++) uploaded.push({ partNumber: n });
    return { uploaded, persistedBytes: persisted };
  }

  async complete(target: ObjectTarget, session: UploadSession, _parts: CompletedPart[], signal?: AbortSignal): Promise<void> {
    // The last chunk already created the object; completing checks that it did, with this name and size.
    const status = await this.#status(target, session, signal);
    if (!status.finished) {
      throw new InvalidArgumentError(`completeUpload: Cloud Storage holds ${status.persisted} of ${session.size} bytes of ${target.location.uri}; send the rest (resumeUpload says from where) and complete again`, { integrationId: target.integration.id, uri: target.location.uri });
    }
    if (status.finished.name !== target.location.key || Number(status.finished.size) !== session.size) {
      throw new InvalidArgumentError(`completeUpload: the session of this upload id finished a different object than ${target.location.uri}`, { integrationId: target.integration.id, uri: target.location.uri });
    }
  }

  async abort(target: ObjectTarget, session: UploadSession, signal?: AbortSignal): Promise<void> {
    try {
      const response = await this.#fetch(this.#sessionUri(target, session), { method: 'DELETE', headers: { 'content-length': '0' }, signal: this.#signal(signal) });
      const text = await response.text();
      // 499: cancelled now. 404/410: already gone (cancelled, expired or finished).
      if (response.status === 499 || response.status === 204 || response.status === 200) return;
      if (response.status === 404 || response.status === 410) return;
      throw new HttpError(response.status, messageOf(text, response.status));
    } catch (error) {
      throw this.#host.fail(error, target, 'abort an upload to');
    }
  }

  async presignPost(target: ObjectTarget, request: PresignPostRequest): Promise<PresignedPost> {
    try {
      return await gcsPostPolicy({
        signer: this.#host.signer(target), endpoint: this.#host.signingEndpoint, bucket: target.location.bucket, key: target.location.key,
        now: this.#host.now(), ttlSeconds: request.ttlSeconds, maxBytes: request.maxBytes,
        ...(request.contentType !== undefined ? { contentType: request.contentType } : {}),
      });
    } catch (error) {
      throw this.#host.fail(error, target, 'presign a POST policy for');
    }
  }

  /** A status query on the session: `Content-Range: bytes *\/SIZE` with an empty body. */
  async #status(target: ObjectTarget, session: UploadSession, signal?: AbortSignal): Promise<{ persisted: number; finished?: { name: string; size: string } }> {
    try {
      const response = await this.#fetch(this.#sessionUri(target, session), {
        method: 'PUT', headers: { 'content-range': `bytes */${session.size}`, 'content-length': '0' }, signal: this.#signal(signal),
      });
      const text = await response.text();
      if (response.status === 308) {
        const range = /^bytes=0-(\d+)$/.exec(response.headers.get('range') ?? '');
        return { persisted: range ? Number(range[1]) + 1 : 0 };
      }
      if (response.status === 200 || response.status === 201) {
        const object = JSON.parse(text) as { name?: string; size?: string };
        return { persisted: session.size, finished: { name: object.name ?? '', size: object.size ?? '' } };
      }
      if (response.status === 404 || response.status === 410) {
        throw new NotFoundError(`the upload session of ${target.location.uri} is gone (aborted, or older than a week); start a new upload`, { integrationId: target.integration.id, uri: target.location.uri });
      }
      throw new HttpError(response.status, messageOf(text, response.status));
    } catch (error) {
      throw this.#host.fail(error, target, 'read the upload status of');
    }
  }

  /**
   * The session URI, rebuilt from the configured endpoint and the asset's own bucket and key: only
   * the `upload_id` comes from the upload id, so a forged one can never send requests elsewhere.
   */
  #sessionUri(target: ObjectTarget, session: UploadSession): string {
    const id = session.providerId.slice(session.providerId.indexOf(':') + 1);
    const { bucket, key } = target.location;
    return `${this.#host.apiEndpoint}/upload/storage/v1/b/${encodeURIComponent(bucket)}/o?uploadType=resumable&name=${encodeURIComponent(key)}&upload_id=${encodeURIComponent(id)}`;
  }

  #signal(signal: AbortSignal | undefined): AbortSignal {
    const timeout = AbortSignal.timeout(this.#host.timeoutMs);
    return signal ? AbortSignal.any([signal, timeout]) : timeout;
  }
}

function startedAt(session: UploadSession): number {
  const ms = Number(session.providerId.slice(0, session.providerId.indexOf(':')));
  return Number.isSafeInteger(ms) ? ms : 0;
}

function messageOf(text: string, status: number): string {
  try {
    const parsed = JSON.parse(text) as { error?: { message?: string } };
    if (parsed.error?.message) return parsed.error.message;
  } catch { /* not JSON */ }
  return `Cloud Storage answered HTTP ${status}`;
}

/** `&kmsKeyName=…` when the integration encrypts with a customer-managed key (part-headers.ts). */
function startQuery(target: ObjectTarget): string {
  const query = uploadHeaders(target.integration, 'gcp').startQuery;
  return Object.entries(query).map(([k, v]) => `&${k}=${encodeURIComponent(v)}`).join('');
}
