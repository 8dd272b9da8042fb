import type { AwsPartition, AzureCloud, Provider } from '../types.js';
import { dnsSuffixOf, parseAccessPointArn } from './aws-names.js';
import { azureBlobHost } from './azure.js';

/**
 * Percent-encodes one key for a URL path: every byte except the RFC 3986 unreserved characters
 * (`A-Z a-z 0-9 - . _ ~`) is escaped, segment by segment, so '/' stays the separator. This is
 * also the encoding SigV4 expects, so a key round-trips through S3, GCS and Azure unchanged.
 */
const UNRESERVED_PATH = /^[A-Za-z0-9\-._~/]*$/;

export function encodeKeyForUrl(key: string): string {
  // Most keys need no escaping at all: skip the split/encode/join.
  if (UNRESERVED_PATH.test(key)) return key;
  return key
    .split('/')
    .map((segment) => encodeURIComponent(segment).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`))
    .join('/');
}

/** `https://host[:port]/encoded/key`. */
export function httpsUri(host: string, key: string, port?: number): string {
  return `https://${host}${port === undefined ? '' : `:${port}`}/${encodeKeyForUrl(key)}`;
}

/** `https://ACCOUNT.blob.core.windows.net/container/key`, or the host of the account's sovereign cloud. */
export function azureBlobUri(account: string, container: string, key: string, cloud: AzureCloud = 'public'): string {
  return `https://${azureBlobHost(account, cloud)}/${container}/${encodeKeyForUrl(key)}`;
}

/**
 * The canonical URI of a location. Bucket-only locations end in '/', so `uri` is always the
 * bucket's URI followed by the key. In s3://, gs://, az:// and memory:// forms the key is
 * literal; in https and file forms each segment is percent-encoded.
 */
export function canonicalUri(provider: Provider, bucket: string, key: string, account?: string, cloud?: AzureCloud): string {
  switch (provider) {
    case 'aws':
      return `s3://${bucket}/${key}`;
    case 'gcp':
      return `gs://${bucket}/${key}`;
    case 'azure':
      return account === undefined ? `az://${bucket}/${key}` : azureBlobUri(account, bucket, key, cloud);
    case 'https':
      return httpsUri(bucket, key);
    case 'file':
      return `file:///${encodeKeyForUrl(key)}`;
    case 'memory':
      return `memory://${bucket}/${key}`;
  }
}

/** What a pinned location's canonical URI needs besides provider, bucket and key. */
export interface PinnedParts {
  version?: string;
  snapshot?: string;
  region?: string;
  partition?: AwsPartition;
  account?: string;
  cloud?: AzureCloud;
}

const queryValue = (value: string): string => encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

/**
 * The canonical URI of a location pinned to a version or snapshot. `s3://` and `gs://` keys are
 * literal (a `?versionId=` there is part of the key), so a pinned location is written in the
 * provider's https form, which round-trips: S3 path-style (`https://s3[.REGION].amazonaws.com/
 * BUCKET/KEY?versionId=V`, the region kept when known so the partition survives) or the access
 * point's host; `https://storage.googleapis.com/BUCKET/KEY?generation=N`; the Azure blob URL with
 * `?versionid=` or `?snapshot=`. Undefined when the location is not pinned.
 */
export function pinnedUri(provider: Provider, bucket: string, key: string, pin: PinnedParts): string | undefined {
  const version = pin.version;
  if (version === undefined && pin.snapshot === undefined) return undefined;
  const path = encodeKeyForUrl(key);
  switch (provider) {
    case 'aws': {
      const query = `versionId=${queryValue(version ?? '')}`;
      if (bucket.startsWith('arn:')) {
        const ap = parseAccessPointArn(bucket);
        return `https://${ap.name}-${ap.accountId}.s3-accesspoint.${ap.region}.${dnsSuffixOf(ap.partition)}/${path}?${query}`;
      }
      const partition = pin.partition ?? 'aws';
      const host = pin.region === undefined ? `s3.${dnsSuffixOf(partition)}` : `s3.${pin.region}.${dnsSuffixOf(partition)}`;
      return `https://${host}/${bucket}/${path}?${query}`;
    }
    case 'gcp':
      return `https://storage.googleapis.com/${bucket}/${path}?generation=${version ?? ''}`;
    case 'azure': {
      if (pin.account === undefined) return undefined;
      const query = version !== undefined ? `versionid=${queryValue(version)}` : `snapshot=${queryValue(pin.snapshot ?? '')}`;
      return `${azureBlobUri(pin.account, bucket, key, pin.cloud)}?${query}`;
    }
    default:
      return undefined;
  }
}

/**
 * Segment-aware prefix test: "images" (or "images/") covers "images/a.jpg" but neither
 * "images-old/a.jpg" nor "images" itself; '' covers every key.
 */
export function isUnder(key: string, prefix: string): boolean {
  const base = prefix.endsWith('/') ? prefix.slice(0, -1) : prefix;
  if (base === '') return true;
  return key.length > base.length + 1 && key.startsWith(`${base}/`);
}

/**
 * Joins key parts with single slashes, ignoring empty parts and slashes at the joins; a trailing
 * '/' on the last part survives, since it marks a folder-like key.
 */
export function joinKey(...parts: string[]): string {
  const joined = parts
    .map((part) => part.replace(/^\/+|\/+$/g, ''))
    .filter((part) => part !== '')
    .join('/');
  return joined !== '' && (parts[parts.length - 1] ?? '').endsWith('/') ? `${joined}/` : joined;
}
