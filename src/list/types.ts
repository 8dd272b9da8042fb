import type { Integration } from '../types.js';

/** An integration given by id, by object, or left for the resolver to match by scope. */
export type ListIntegrationRef = string | Integration;

/** Options of `resolver.list(uri, options)`. Every option is optional; the defaults list everything below the URI. */
export interface ListOptions {
  /** The integration to list through (id or object); omitted → the one whose scope covers the URI. */
  integration?: ListIntegrationRef;
  /** Default true: every key below the URI. false: only the next path segment, deeper keys folded into `kind: 'prefix'` entries. */
  recursive?: boolean;
  /** Entries asked of the provider per request, 1–1000. Default 1000. */
  pageSize?: number;
  /** Exclusive lower bound on the full key, in UTF-8 byte order: resume after the last key you received. */
  startAfter?: string;
  /** Exclusive upper bound on the full key, in UTF-8 byte order. */
  endBefore?: string;
  /**
   * A glob (`**\/*.{jpg,png}`) or a RegExp, tested against the key below the listed prefix. A glob's
   * literal leading part is listed as a provider-side prefix, so only that part of the bucket is read.
   */
  match?: string | RegExp;
  /** Only objects whose lastModified is at or after this time (objects without one are kept). */
  modifiedSince?: Date;
  /** Stop after this many entries. */
  limit?: number;
  /** Aborting stops the listing with an `ABORTED` error; no page is fetched after it. */
  signal?: AbortSignal;
}

/** One object of a listing. */
export interface ListedObject {
  kind: 'object';
  /** Canonical URI of the object (s3://b/k, gs://b/k, https://acct.blob.core.windows.net/c/k, …). */
  uri: string;
  /** The full object key. */
  key: string;
  size: number;
  etag?: string;
  lastModified?: Date;
  contentType?: string;
}

/** A folded path segment of a non-recursive listing: `key` ends with '/'. */
export interface ListedPrefix {
  kind: 'prefix';
  uri: string;
  key: string;
}

/** What a listing yields: objects, and with `recursive: false` also folded prefixes. */
export type ListedEntry = ListedObject | ListedPrefix;

/** A key range of a listing; both bounds exclusive, in UTF-8 byte order. */
export interface KeyRange { startAfter?: string; endBefore?: string }

/** Options of `splitListing`. */
export interface SplitListingOptions {
  /** Lists through this integration instead of matching the URI by scope. */
  integration?: ListIntegrationRef;
  /** Aborting stops the split with an `ABORTED` error. */
  signal?: AbortSignal;
  /**
   * Most provider requests spent looking at the key space. Default 64. More requests give ranges
   * of more even size on buckets with few folders.
   */
  maxRequests?: number;
}

/** One difference between two listings: added and changed carry the newer object, removed the older one. */
export interface ListingChange {
  kind: 'added' | 'changed' | 'removed';
  object: ListedObject;
}

/** A listing to compare: the iterator of `resolver.list` or an array (e.g. a manifest read back). */
export type ListingSource = AsyncIterable<ListedObject> | Iterable<ListedObject>;
