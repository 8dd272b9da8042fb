import type { CompletedPart, PresignedPost, UploadPart } from '../../upload-types.js';
import type { ObjectTarget } from '../driver.js';

/**
 * What a provider driver implements for browser uploads (docs/uploads.md). The resolver has already
 * refused read-only integrations, pinned locations and bad sizes, checked the TTL against the
 * provider maximum, and decoded and bound the upload id to the target before any of these run.
 */

/** The state an upload id carries (nothing secret): provider upload id and the plan's geometry. */
export interface UploadSession {
  /** S3 UploadId, GCS resumable session `upload_id`, Azure: a random block-id prefix. */
  providerId: string;
  size: number;
  partSize: number;
  contentType?: string;
}

export interface StartUploadRequest {
  size: number;
  partSize: number;
  contentType?: string;
  origin?: string;
  signal?: AbortSignal;
}

export interface PartUrlsRequest {
  /** Ranges to sign, [start, end). */
  parts: Array<{ partNumber: number; start: number; end: number }>;
  ttlSeconds: number;
  signal?: AbortSignal;
}

export interface SignedParts { parts: UploadPart[]; expiresAt: Date }

export interface PresignPostRequest { ttlSeconds: number; maxBytes: number; contentType?: string; signal?: AbortSignal }

export interface ResumeState {
  /** Parts the provider holds completely. */
  uploaded: CompletedPart[];
  /**
   * GCS: bytes persisted so far (a prefix of the file); the next part starts there, even inside a
   * part. Undefined for providers whose parts are independent.
   */
  persistedBytes?: number;
}

export interface UploadDriver {
  /** Largest TTL of part URLs and POST policies. */
  readonly maxUploadTtlSeconds: number;
  /** Provider limits the planner applies. */
  readonly limits: UploadLimits;
  /** Starts the provider-side upload (CreateMultipartUpload, resumable session); returns its provider id. */
  start(target: ObjectTarget, request: StartUploadRequest): Promise<string>;
  /** Presigned URLs (and headers) for these parts of the session. */
  signParts(target: ObjectTarget, session: UploadSession, request: PartUrlsRequest): Promise<SignedParts>;
  /** What the provider already holds of the session (ListParts, session status, uncommitted blocks). */
  resumeState(target: ObjectTarget, session: UploadSession, signal?: AbortSignal): Promise<ResumeState>;
  /** Assembles the object from the parts (CompleteMultipartUpload, Put Block List, GCS: checks it is finished). */
  complete(target: ObjectTarget, session: UploadSession, parts: CompletedPart[], signal?: AbortSignal): Promise<void>;
  /** Discards the upload: nothing of it is left at the provider afterwards. */
  abort(target: ObjectTarget, session: UploadSession, signal?: AbortSignal): Promise<void>;
  /** A browser form upload policy (S3, GCS). Absent: the provider has no equivalent. */
  presignPost?(target: ObjectTarget, request: PresignPostRequest): Promise<PresignedPost>;
}

export interface UploadLimits {
  /** Largest object an upload may create. */
  maxSize: number;
  /** Smallest part except the last. */
  minPartSize: number;
  /** Largest part. */
  maxPartSize: number;
  maxParts: number;
  /** Part sizes must be multiples of this (GCS: 256 KiB); 1 = any. */
  partQuantum: number;
  /** Used when the caller names no part size and the file needs no larger one. */
  defaultPartSize: number;
}
