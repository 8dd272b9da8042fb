import type { ListObjectsV2CommandInput, ListObjectsV2CommandOutput } from '@aws-sdk/client-s3';
import { ProviderError } from '../../errors.js';
import type { ListPage, ListPageObject, ListPageRequest } from '../driver.js';

/**
 * One ListObjectsV2 page. `StartAfter` (exclusive, as assetlink's startAfter) on the first request,
 * the continuation token after; `Delimiter: '/'` for folder-by-folder listings; `EncodingType: url`
 * because keys may hold characters XML 1.0 cannot carry (S3 then answers percent-encoded keys with
 * `+` for space — decoded only when the response says so, since some S3-compatible servers ignore
 * the parameter and answer raw keys). S3 has no end bound: the caller stops at `endBefore`.
 */
export function listObjectsV2Input(bucket: string, request: ListPageRequest, expectedOwner: string | undefined): ListObjectsV2CommandInput {
  return {
    Bucket: bucket,
    ...(request.prefix !== '' ? { Prefix: request.prefix } : {}),
    ...(request.delimiter ? { Delimiter: '/' } : {}),
    MaxKeys: request.pageSize,
    EncodingType: 'url',
    ...(request.pageToken !== undefined ? { ContinuationToken: request.pageToken } : request.startAfter !== undefined ? { StartAfter: request.startAfter } : {}),
    ...(expectedOwner ? { ExpectedBucketOwner: expectedOwner } : {}),
  };
}

export function listPageFromS3(out: ListObjectsV2CommandOutput, what: string): ListPage {
  const decode = out.EncodingType === 'url' ? decodeS3Url : (text: string) => text;
  const objects: ListPageObject[] = [];
  for (const item of out.Contents ?? []) {
    if (item.Key === undefined) continue;
    const object: ListPageObject = { key: decode(item.Key), size: item.Size ?? 0 };
    if (item.ETag !== undefined) object.etag = item.ETag;
    if (item.LastModified !== undefined) object.lastModified = item.LastModified;
    objects.push(object);
  }
  const prefixes = (out.CommonPrefixes ?? []).flatMap((p) => (p.Prefix === undefined ? [] : [decode(p.Prefix)]));
  if (out.IsTruncated && !out.NextContinuationToken) throw new ProviderError(`${what}: S3 said the listing continues but sent no continuation token`, { retryable: true });
  return { objects, prefixes, ...(out.IsTruncated && out.NextContinuationToken ? { nextPageToken: out.NextContinuationToken } : {}) };
}

/** S3's `encoding-type=url`: percent-encoding with `+` for space (a literal `+` comes as %2B). */
export function decodeS3Url(text: string): string {
  return decodeURIComponent(text.replace(/\+/g, ' '));
}
