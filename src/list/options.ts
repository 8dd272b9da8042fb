import { InvalidArgumentError } from '../errors.js';
import { compileMatch, type KeyMatcher } from './glob.js';
import type { ListOptions } from './types.js';
import { compareUtf8 } from '../resolvers/key-order.js';

export const MAX_PAGE_SIZE = 1000;
export const DEFAULT_PAGE_SIZE = 1000;

/** ListOptions checked once, before any request. */
export interface CheckedListOptions {
  recursive: boolean;
  pageSize: number;
  startAfter?: string;
  endBefore?: string;
  matcher?: KeyMatcher;
  modifiedSince?: number;
  limit: number;
  signal?: AbortSignal;
}

/** Validates ListOptions; every problem is an INVALID_ARGUMENT that names the option and what to write. */
export function checkListOptions(options: ListOptions): CheckedListOptions {
  if (typeof options !== 'object' || options === null) throw new InvalidArgumentError('list options must be an object');
  const { recursive = true, pageSize = DEFAULT_PAGE_SIZE, startAfter, endBefore, modifiedSince, limit, signal } = options;
  if (typeof recursive !== 'boolean') throw new InvalidArgumentError(`recursive must be true or false, got ${JSON.stringify(recursive)}`);
  if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > MAX_PAGE_SIZE) {
    throw new InvalidArgumentError(`pageSize must be an integer from 1 to ${MAX_PAGE_SIZE} (the most S3 and GCS return per request), got ${String(pageSize)}`);
  }
  for (const [name, value] of [['startAfter', startAfter], ['endBefore', endBefore]] as const) {
    if (value !== undefined && typeof value !== 'string') throw new InvalidArgumentError(`${name} must be a key (string), got ${typeof value}`);
  }
  if (startAfter !== undefined && endBefore !== undefined && compareUtf8(startAfter, endBefore) >= 0) {
    throw new InvalidArgumentError(
      `startAfter "${startAfter}" must sort before endBefore "${endBefore}" (both exclusive, UTF-8 byte order); the range is empty`,
    );
  }
  let since: number | undefined;
  if (modifiedSince !== undefined) {
    since = modifiedSince instanceof Date ? modifiedSince.getTime() : Number.NaN;
    if (Number.isNaN(since)) throw new InvalidArgumentError('modifiedSince must be a valid Date');
  }
  if (limit !== undefined && (!Number.isInteger(limit) || limit < 1)) {
    throw new InvalidArgumentError(`limit must be a positive integer, got ${String(limit)}`);
  }
  if (signal !== undefined && !(typeof signal === 'object' && signal !== null && 'aborted' in signal)) {
    throw new InvalidArgumentError('signal must be an AbortSignal');
  }
  const matcher = compileMatch(options.match);
  return {
    recursive, pageSize,
    ...(startAfter !== undefined ? { startAfter } : {}),
    ...(endBefore !== undefined ? { endBefore } : {}),
    ...(matcher ? { matcher } : {}),
    ...(since !== undefined ? { modifiedSince: since } : {}),
    limit: limit ?? Number.POSITIVE_INFINITY,
    ...(signal ? { signal } : {}),
  };
}
