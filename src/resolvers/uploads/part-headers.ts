import type { RegisteredIntegration } from '../../integrations/registered.js';

/**
 * THE one place where the headers of browser upload parts are built (S3 UploadPart, GCS resumable
 * chunks, Azure Put Block), and of the provider call that starts an upload. Per-integration
 * encryption (design.md §7 `encryption`) plugs in here: e.g. Azure's `x-ms-encryption-scope` on
 * every Put Block URL, S3 SSE-KMS headers on CreateMultipartUpload, GCS `kmsKeyName` on the
 * session start. Headers returned for parts must also be signed into the part URL where the
 * provider signs headers (S3 SigV4 signs every `x-amz-*` header it is given).
 */
export interface UploadHeaderSet {
  /** Sent by the browser with every part. */
  part: Record<string, string>;
  /** Sent by the backend with the call that starts the upload. */
  start: Record<string, string>;
}

export function uploadHeaders(_integration: RegisteredIntegration, provider: 'aws' | 'gcp' | 'azure'): UploadHeaderSet {
  // No encryption settings yet: parts carry only what the protocol needs (added by each provider).
  void provider;
  return { part: {}, start: {} };
}
