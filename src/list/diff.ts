import { InvalidArgumentError } from '../errors.js';
import type { ListedObject, ListingChange, ListingSource } from './types.js';
import { compareUtf8 } from '../resolvers/key-order.js';

/**
 * Streaming merge of two listings sorted by key in UTF-8 byte order (as `resolver.list()` yields
 * them and S3, GCS and Azure list): `added` and `changed` carry the `after` object, `removed` the
 * `before` one; `changed` means etag, size or lastModified differ. Holds one object of each side
 * at a time, so memory is constant however long the listings are. An input that is not strictly
 * increasing (unsorted, or a key twice) cannot be merged correctly: INVALID_ARGUMENT, naming the
 * two keys, instead of a silently wrong diff.
 */
export function diffListings(before: ListingSource, after: ListingSource): AsyncIterable<ListingChange> {
  return { [Symbol.asyncIterator]: () => merge(before, after) };
}

async function* merge(beforeSource: ListingSource, afterSource: ListingSource): AsyncGenerator<ListingChange, void, undefined> {
  const before = sortedCursor(beforeSource, 'before');
  const after = sortedCursor(afterSource, 'after');
  try {
    let b = await before.next();
    let a = await after.next();
    while (b !== undefined || a !== undefined) {
      const order = b === undefined ? 1 : a === undefined ? -1 : compareUtf8(b.key, a.key);
      if (order < 0) {
        yield { kind: 'removed', object: b! };
        b = await before.next();
      } else if (order > 0) {
        yield { kind: 'added', object: a! };
        a = await after.next();
      } else {
        if (differs(b!, a!)) yield { kind: 'changed', object: a! };
        b = await before.next();
        a = await after.next();
      }
    }
  } finally {
    await Promise.allSettled([before.close(), after.close()]);
  }
}

/** etag, size or lastModified differ (a missing value differs from a present one). */
export function differs(x: ListedObject, y: ListedObject): boolean {
  return x.size !== y.size || x.etag !== y.etag || timeOf(x.lastModified) !== timeOf(y.lastModified);
}

function timeOf(value: Date | string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const time = value instanceof Date ? value.getTime() : new Date(value).getTime();
  return Number.isNaN(time) ? undefined : time;
}

interface Cursor { next(): Promise<ListedObject | undefined>; close(): Promise<void> }

function sortedCursor(source: ListingSource, side: 'before' | 'after'): Cursor {
  if (source === null || typeof source !== 'object' || (!(Symbol.asyncIterator in source) && !(Symbol.iterator in source))) {
    throw new InvalidArgumentError(`diffListings: ${side} must be an iterable or async iterable of listed objects`);
  }
  const iterator: AsyncIterator<ListedObject> | Iterator<ListedObject> = Symbol.asyncIterator in source
    ? (source as AsyncIterable<ListedObject>)[Symbol.asyncIterator]()
    : (source as Iterable<ListedObject>)[Symbol.iterator]();
  let previous: string | undefined;
  let done = false;
  return {
    async next() {
      if (done) return undefined;
      const step = await iterator.next();
      if (step.done) { done = true; return undefined; }
      const object = step.value as ListedObject | { kind?: unknown; key?: unknown };
      if (typeof object !== 'object' || object === null || typeof object.key !== 'string') {
        throw new InvalidArgumentError(`diffListings: every ${side} entry must be a listed object with a string key`);
      }
      if (object.kind === 'prefix') {
        throw new InvalidArgumentError(`diffListings: ${side} contains the folded prefix "${object.key}"; diff recursive listings (recursive: true)`);
      }
      if (previous !== undefined && compareUtf8(object.key, previous) <= 0) {
        throw new InvalidArgumentError(
          `diffListings: the ${side} listing is not sorted by key in UTF-8 byte order: "${object.key}" came after "${previous}"`
          + `${object.key === previous ? ' (a key twice)' : ''}. Diff listings as resolver.list() yields them, or sort with compareKeys.`,
        );
      }
      previous = object.key;
      return object as ListedObject;
    },
    async close() {
      if (done) return;
      done = true;
      await iterator.return?.();
    },
  };
}
