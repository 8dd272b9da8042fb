import type { RegisteredIntegration } from '../../integrations/registered.js';
import type { AwsEncryption, AzureEncryption, GcpEncryption } from '../../types.js';
import { awsEncryptionParams, type AwsSseParams } from '../aws/encryption.js';

/**
 * THE one place where an integration's encryption (design.md §7 `encryption`) reaches browser
 * uploads: S3 takes SSE parameters on CreateMultipartUpload (parts inherit them; UploadPart needs
 * no SSE header for SSE-S3/SSE-KMS), GCS takes `kmsKeyName` on the session start, Azure needs
 * `x-ms-encryption-scope` on every Put Block the browser sends and on the backend's Put Block List.
 */
export interface UploadHeaderSet {
  /** Sent by the browser with every part. */
  part: Record<string, string>;
  /** Sent by the backend with the call that starts the upload. */
  start: Record<string, string>;
  /** Query parameters of the call that starts the upload (GCS `kmsKeyName`). */
  startQuery: Record<string, string>;
  /** SDK parameters of the call that starts the upload (S3 CreateMultipartUpload SSE fields). */
  startParams: AwsSseParams;
  /** Azure encryption scope for the backend's commit. */
  encryptionScope?: string;
}

export function uploadHeaders(integration: RegisteredIntegration, provider: 'aws' | 'gcp' | 'azure'): UploadHeaderSet {
  const encryption = (integration.config as { encryption?: AwsEncryption | GcpEncryption | AzureEncryption }).encryption;
  const none: UploadHeaderSet = { part: {}, start: {}, startQuery: {}, startParams: {} };
  if (encryption === undefined) return none;
  if (provider === 'aws') return { ...none, startParams: awsEncryptionParams(encryption as AwsEncryption) };
  if (provider === 'gcp') return { ...none, startQuery: { kmsKeyName: (encryption as GcpEncryption).kmsKeyName } };
  const scope = (encryption as AzureEncryption).scope;
  return { ...none, part: { 'x-ms-encryption-scope': scope }, encryptionScope: scope };
}
