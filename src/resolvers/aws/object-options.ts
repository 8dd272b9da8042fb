import type { HeadObjectCommandOutput, S3Client } from '@aws-sdk/client-s3';
import type { Upload } from '@aws-sdk/lib-storage';
import type { HeadResult } from '../../types.js';
import type { DriverWriteOptions } from '../write-options.js';
import { loadS3 } from './sdk.js';

/** Object options of a write as S3 command parameters (PutObject, CreateMultipartUpload). */
export function s3ObjectParams(opts: DriverWriteOptions): { ContentType?: string; ContentDisposition?: string; CacheControl?: string; Metadata?: Record<string, string> } {
  return {
    ...(opts.contentType ? { ContentType: opts.contentType } : {}),
    ...(opts.contentDisposition !== undefined ? { ContentDisposition: opts.contentDisposition } : {}),
    ...(opts.cacheControl !== undefined ? { CacheControl: opts.cacheControl } : {}),
    ...(opts.metadata !== undefined ? { Metadata: opts.metadata } : {}),
  };
}

export function headFromS3(out: HeadObjectCommandOutput): HeadResult {
  const result: HeadResult = { size: out.ContentLength ?? 0 };
  if (out.ContentType) result.contentType = out.ContentType;
  if (out.ETag) result.etag = out.ETag;
  if (out.LastModified) result.lastModified = out.LastModified;
  if (out.Metadata && Object.keys(out.Metadata).length > 0) result.metadata = { ...out.Metadata };
  if (out.ContentDisposition !== undefined) result.contentDisposition = out.ContentDisposition;
  if (out.CacheControl !== undefined) result.cacheControl = out.CacheControl;
  return result;
}

interface UploadInternals {
  uploadId?: string;
  createMultiPartPromise?: Promise<{ UploadId?: string }>;
  params: { Bucket: string; Key: string; ExpectedBucketOwner?: string };
}

/**
 * Runs a lib-storage upload with progress reports and the caller's signal. lib-storage's own abort
 * rejects `done()` at once and aborts the multipart upload later, in the background; here the
 * multipart upload (if one was created, or is being created) is aborted before this returns, so
 * an aborted write leaves nothing behind — parts still in flight then fail with NoSuchUpload.
 */
export async function uploadWithAbort(upload: Upload, client: S3Client, opts: DriverWriteOptions): Promise<void> {
  const { onProgress, signal } = opts;
  if (onProgress) upload.on('httpUploadProgress', (progress) => { if (progress.loaded !== undefined) onProgress(progress.loaded); });
  if (!signal) {
    await upload.done();
    return;
  }
  const onAbort = (): void => { void upload.abort(); };
  signal.addEventListener('abort', onAbort, { once: true });
  if (signal.aborted) onAbort();
  try {
    await upload.done();
  } catch (error) {
    if (signal.aborted) await abortMultipartUpload(upload as unknown as UploadInternals, client);
    throw error;
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
}

async function abortMultipartUpload(upload: UploadInternals, client: S3Client): Promise<void> {
  let uploadId = upload.uploadId;
  if (uploadId === undefined && upload.createMultiPartPromise) uploadId = (await upload.createMultiPartPromise.catch(() => undefined))?.UploadId;
  if (uploadId === undefined) return;
  const { AbortMultipartUploadCommand } = await loadS3();
  const { Bucket, Key, ExpectedBucketOwner } = upload.params;
  // Best effort: the write already failed with ABORTED; a failed abort leaves what S3's lifecycle rule (AbortIncompleteMultipartUpload) cleans.
  await client.send(new AbortMultipartUploadCommand({ Bucket, Key, UploadId: uploadId, ...(ExpectedBucketOwner ? { ExpectedBucketOwner } : {}) })).catch(() => undefined);
}
