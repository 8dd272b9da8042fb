import type { AwsEncryption } from '../../types.js';

/**
 * The server-side encryption an AWS integration's writes ask for, in the three forms it is needed:
 * SDK command parameters (PutObject, CreateMultipartUpload via lib-storage), request headers (what
 * a presigned PUT or an upload plan must send, signed into the URL), and the KMS key for session
 * policies. Exported on its own so browser uploads (createUpload, presignPost) reuse exactly this.
 */

export interface AwsSseParams {
  ServerSideEncryption?: 'AES256' | 'aws:kms';
  SSEKMSKeyId?: string;
  BucketKeyEnabled?: boolean;
}

export function awsEncryptionParams(encryption: AwsEncryption | undefined): AwsSseParams {
  if (!encryption) return {};
  if (encryption.kind === 'AES256') return { ServerSideEncryption: 'AES256' };
  return { ServerSideEncryption: 'aws:kms', SSEKMSKeyId: encryption.keyId, ...(encryption.bucketKey !== undefined ? { BucketKeyEnabled: encryption.bucketKey } : {}) };
}

/**
 * Lower-case header names and values an upload must send (and a presigned PUT signs), e.g.
 * `{ 'x-amz-server-side-encryption': 'aws:kms', 'x-amz-server-side-encryption-aws-kms-key-id': ARN }`.
 * `{}` without encryption.
 */
export function awsEncryptionHeaders(integration: { encryption?: AwsEncryption }): Record<string, string> {
  const encryption = integration.encryption;
  if (!encryption) return {};
  if (encryption.kind === 'AES256') return { 'x-amz-server-side-encryption': 'AES256' };
  return {
    'x-amz-server-side-encryption': 'aws:kms',
    'x-amz-server-side-encryption-aws-kms-key-id': encryption.keyId,
    ...(encryption.bucketKey !== undefined ? { 'x-amz-server-side-encryption-bucket-key-enabled': String(encryption.bucketKey) } : {}),
  };
}

/** The KMS key ARN a session policy must grant, when the integration names one by ARN. */
export function kmsKeyArnOf(encryption: AwsEncryption | undefined): string | undefined {
  return encryption?.kind === 'aws:kms' && encryption.keyId.startsWith('arn:') && encryption.keyId.includes(':key/') ? encryption.keyId : undefined;
}
