import { compareUtf8 } from './s3-keys.js';

/**
 * The keys of one bucket in UTF-8 byte order, kept sorted as they are inserted so that a listing
 * page costs O(log n + page) however large the bucket is. Keys live in chunks of at most
 * 2 × CHUNK keys (a two-level B-tree): an insert moves at most one chunk's worth of pointers, and
 * nothing is copied per listing.
 */

const CHUNK = 256;

/** A position in the index; invalid (key undefined) past the end. Invalidated by any change to the index. */
export class KeyCursor {
  constructor(private readonly chunks: readonly string[][], private chunk: number, private pos: number) {}

  get key(): string | undefined {
    return this.chunks[this.chunk]?.[this.pos];
  }

  next(): void {
    this.pos++;
    const current = this.chunks[this.chunk];
    if (current && this.pos >= current.length) {
      this.chunk++;
      this.pos = 0;
    }
  }
}

export class SortedKeyIndex {
  readonly #chunks: string[][] = [];
  #size = 0;

  get size(): number { return this.#size; }

  /** Adds `key`; false when it was already present. */
  insert(key: string): boolean {
    const chunks = this.#chunks;
    if (chunks.length === 0) {
      chunks.push([key]);
      this.#size++;
      return true;
    }
    // Keys often arrive in order (bulk loads, sequential names): append without searching.
    const lastChunk = chunks[chunks.length - 1]!;
    if (compareUtf8(lastChunk[lastChunk.length - 1]!, key) < 0) {
      if (lastChunk.length >= 2 * CHUNK) chunks.push([key]);
      else lastChunk.push(key);
      this.#size++;
      return true;
    }
    let c = this.#chunkWhere((k) => compareUtf8(k, key) < 0);
    if (c === chunks.length) c = chunks.length - 1;
    const chunk = chunks[c]!;
    const i = lowerBound(chunk, (k) => compareUtf8(k, key) < 0);
    if (chunk[i] === key) return false;
    chunk.splice(i, 0, key);
    this.#size++;
    if (chunk.length > 2 * CHUNK) chunks.splice(c + 1, 0, chunk.splice(CHUNK));
    return true;
  }

  /** Removes `key`; false when it was absent. */
  delete(key: string): boolean {
    const chunks = this.#chunks;
    const c = this.#chunkWhere((k) => compareUtf8(k, key) < 0);
    const chunk = chunks[c];
    if (!chunk) return false;
    const i = lowerBound(chunk, (k) => compareUtf8(k, key) < 0);
    if (chunk[i] !== key) return false;
    chunk.splice(i, 1);
    this.#size--;
    if (chunk.length === 0) chunks.splice(c, 1);
    return true;
  }

  /** Cursor at the first key ≥ `key` (inclusive) or > `key`. */
  seek(key: string, inclusive: boolean): KeyCursor {
    return this.#seekWhere(inclusive ? (k) => compareUtf8(k, key) < 0 : (k) => compareUtf8(k, key) <= 0);
  }

  /** Cursor at the first key after every key that starts with `prefix` (and after `prefix` itself). */
  seekPastPrefix(prefix: string): KeyCursor {
    // Truncating keys to the prefix's length keeps them sorted, so "k ≤ prefix once truncated" is a monotone predicate.
    return this.#seekWhere((k) => compareUtf8(k.length > prefix.length ? k.slice(0, prefix.length) : k, prefix) <= 0);
  }

  first(): KeyCursor {
    return new KeyCursor(this.#chunks, 0, 0);
  }

  /** Cursor at the first key for which `before` is false; `before` must be true for a prefix of the sorted keys. */
  #seekWhere(before: (key: string) => boolean): KeyCursor {
    const c = this.#chunkWhere(before);
    const chunk = this.#chunks[c];
    if (!chunk) return new KeyCursor(this.#chunks, c, 0);
    return new KeyCursor(this.#chunks, c, lowerBound(chunk, before));
  }

  /** Index of the first chunk whose last key is not `before` (chunks.length when none). */
  #chunkWhere(before: (key: string) => boolean): number {
    let lo = 0;
    let hi = this.#chunks.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const chunk = this.#chunks[mid]!;
      if (before(chunk[chunk.length - 1]!)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

function lowerBound(items: readonly string[], before: (key: string) => boolean): number {
  let lo = 0;
  let hi = items.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (before(items[mid]!)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
