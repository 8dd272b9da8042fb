/**
 * Public shapes of browser uploads (docs/uploads.md): multi-part plans and POST policies.
 * Names follow design.md section 7.
 */

/** Options of `asset.createUpload()`. */
export interface CreateUploadOptions {
  /** Total size of the file in bytes (S3 up to 5 TiB). A zero-byte file is one empty part. */
  size: number;
  /** Content-Type stored with the object. */
  contentType?: string;
  /**
   * Bytes per part (the last may be smaller). Default: the smallest size that keeps the upload
   * within the provider's part limit (S3: ≥ 5 MiB and ≤ 10,000 parts; GCS: a multiple of
   * 256 KiB; Azure: ≤ 50,000 blocks).
   */
  partSize?: number;
  /** Lifetime of the part URLs, whole seconds. */
  ttlSeconds: number;
  /**
   * GCS only: the browser origin that will send the parts. GCS answers CORS on the session URI only
   * for the origin the session was started with. Ignored by S3 and Azure (bucket CORS applies).
   */
  origin?: string;
  /** Stops the call with `ABORTED`. */
  signal?: AbortSignal;
}

/** One part of an upload plan: send bytes [start, end) of the file with `method` to `url`, with `headers`. */
export interface UploadPart {
  partNumber: number;
  url: string;
  method: 'PUT';
  headers: Record<string, string>;
  /** First byte of the part (inclusive). */
  start: number;
  /** End of the part (exclusive). */
  end: number;
}

/** What `createUpload` and `resumeUpload` return: the parts to send and the id that completes or aborts them. */
export interface UploadPlan {
  /**
   * Opaque id for `completeUpload`, `abortUpload` and `resumeUpload` of the same asset. It carries no
   * credential, but on GCS it names the resumable session, which is itself a bearer capability
   * for that one upload (as its part URLs are): treat it like the part URLs.
   */
  uploadId: string;
  /** When the part URLs stop working (the truth, never later). */
  expiresAt: Date;
  /**
   * The parts to send. GCS parts must be sent in order, one at a time (each continues the
   * previous); S3 and Azure parts may be sent in parallel and in any order.
   */
  parts: UploadPart[];
}

/** What `resumeUpload` returns: fresh URLs for the parts still missing, and those already stored. */
export interface ResumedUploadPlan extends UploadPlan {
  /** Parts the provider already holds (S3 ETags included): do not send them again. */
  uploadedParts: CompletedPart[];
}

/** Options of `asset.resumeUpload()`. */
export interface ResumeUploadOptions {
  /** Lifetime of the new part URLs, whole seconds. */
  ttlSeconds: number;
  /** Stops the call with `ABORTED`. */
  signal?: AbortSignal;
}

/** A part the browser sent, as `completeUpload` wants it: S3 needs the `ETag` response header of each part. */
export interface CompletedPart { partNumber: number; etag?: string }

/** Options of `completeUpload` and `abortUpload`. */
export interface UploadCallOptions {
  /** Stops the call with `ABORTED`. */
  signal?: AbortSignal;
}

/** Options of `asset.presignPost()`. */
export interface PresignPostOptions {
  /** Lifetime of the policy, whole seconds. */
  ttlSeconds: number;
  /** Largest file the form may upload, bytes (a `content-length-range` condition: 0 … maxBytes). */
  maxBytes: number;
  /** The Content-Type the form must send (a fixed `Content-Type` field). */
  contentType?: string;
  /** Stops the call with `ABORTED`. */
  signal?: AbortSignal;
}

/** A browser form upload: POST multipart/form-data to `url` with every field of `fields`, then the file as the last field, named `file`. */
export interface PresignedPost { url: string; fields: Record<string, string>; expiresAt: Date }
