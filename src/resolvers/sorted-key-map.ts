import { compareUtf8, lowerBound, sortUtf8 } from './key-order.js';

/** Splice-inserting a key costs O(n); past this many since the last full sort, the index is rebuilt on next use instead. */
const MAX_SPLICES = 64;
const SMALL = 4096;

/**
 * A Map whose keys can also be read in UTF-8 byte order, for listing: the sorted index is built
 * once (O(n log n)) and then kept up to date — appends are O(1), deletes and the occasional
 * out-of-order insert O(n) memmove — so a page costs a binary search plus the page, however many
 * pages are read. A burst of out-of-order inserts (bulk loading) just marks the index stale.
 */
export class SortedKeyMap<V> extends Map<string, V> {
  #sorted: string[] | undefined = [];
  #splices = 0;

  override set(key: string, value: V): this {
    const added = !super.has(key);
    super.set(key, value);
    const sorted = this.#sorted;
    if (added && sorted) {
      const last = sorted[sorted.length - 1];
      if (last === undefined || compareUtf8(key, last) > 0) sorted.push(key);
      else if (sorted.length <= SMALL || this.#splices++ < MAX_SPLICES) sorted.splice(lowerBound(sorted, key, true), 0, key);
      else this.#sorted = undefined;
    }
    return this;
  }

  override delete(key: string): boolean {
    const had = super.delete(key);
    const sorted = this.#sorted;
    if (had && sorted) {
      const index = lowerBound(sorted, key, true);
      if (sorted[index] === key) sorted.splice(index, 1);
    }
    return had;
  }

  override clear(): void {
    super.clear();
    this.#sorted = [];
    this.#splices = 0;
  }

  /** The keys in UTF-8 byte order. The array is the live index: read it, never change it. */
  sortedKeys(): readonly string[] {
    if (!this.#sorted) {
      this.#sorted = sortUtf8([...super.keys()]);
      this.#splices = 0;
    }
    return this.#sorted;
  }
}

/** The smallest string greater than every string that starts with `prefix` (prefix non-empty, last code unit below 0xFFFF). */
export function afterPrefix(prefix: string): string {
  return prefix.slice(0, -1) + String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1);
}

export interface SortedPageRequest {
  prefix: string;
  delimiter: boolean;
  pageSize: number;
  startAfter?: string;
  endBefore?: string;
  pageToken?: string;
}

export interface SortedPage { keys: string[]; prefixes: string[]; nextPageToken?: string }

/**
 * One page of a listing of a sorted key index, as S3 would page it: objects and folded prefixes
 * together count towards `pageSize`; a folded prefix is skipped as a whole with one binary search;
 * the page token is the (opaque-encoded) first key not yet returned.
 */
export function sortedPage(keys: readonly string[], request: SortedPageRequest): SortedPage {
  const { prefix, delimiter, pageSize, endBefore } = request;
  let i: number;
  if (request.pageToken !== undefined) i = lowerBound(keys, decodeToken(request.pageToken), true);
  else if (request.startAfter !== undefined && compareUtf8(request.startAfter, prefix) >= 0) i = lowerBound(keys, request.startAfter, false);
  else i = lowerBound(keys, prefix, true);
  const out: SortedPage = { keys: [], prefixes: [] };
  let count = 0;
  const inRange = (key: string): boolean => key.startsWith(prefix) && (endBefore === undefined || compareUtf8(key, endBefore) < 0);
  while (i < keys.length && inRange(keys[i]!)) {
    if (count >= pageSize) { out.nextPageToken = encodeToken(keys[i]!); break; }
    const key = keys[i]!;
    const slash = delimiter ? key.indexOf('/', prefix.length) : -1;
    if (slash >= 0) {
      const folded = key.slice(0, slash + 1);
      out.prefixes.push(folded);
      i = lowerBound(keys, afterPrefix(folded), true);
    } else {
      out.keys.push(key);
      i++;
    }
    count++;
  }
  return out;
}

function encodeToken(key: string): string {
  return Buffer.from(key, 'utf8').toString('base64url');
}

function decodeToken(token: string): string {
  return Buffer.from(token, 'base64url').toString('utf8');
}
