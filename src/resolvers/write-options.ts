import { InvalidArgumentError } from '../errors.js';
import type { PresignOptions, WriteOptions } from '../types.js';

/**
 * What a driver's write gets besides the body: the object options, already validated, and the
 * caller's AbortSignal and progress callback. Encryption is not here: it belongs to the
 * integration, never to one call, so a caller cannot write around it.
 */
export interface DriverWriteOptions {
  contentType?: string;
  contentDisposition?: string;
  cacheControl?: string;
  /** Names lower-cased (every store does), validated by `checkWriteOptions`. */
  metadata?: Record<string, string>;
  signal?: AbortSignal;
  /** Bytes sent so far; drivers call it as parts/chunks/blocks go out. Never throws (wrapped). */
  onProgress?: (bytesSent: number) => void;
}

/** S3, GCS and Azure all cap user metadata near 2 KiB (S3: 2 KiB of names + values); the smallest wins. */
export const MAX_METADATA_BYTES = 2048;
/**
 * A name every store accepts as is: Azure wants a C# identifier, S3 and GCS lower-case it and
 * forbid most punctuation in headers. `-` is allowed for S3/GCS habits but refused by Azure (the
 * Azure driver says so).
 */
const METADATA_NAME = /^[a-z][a-z0-9_-]{0,127}$/;
/** Printable ASCII (values travel in HTTP headers; non-ASCII would be mangled differently by each store). */
const HEADER_VALUE = /^[\x20-\x7e]*$/;

function headerValue(value: unknown, field: string, max = 1024): string {
  if (typeof value !== 'string') throw new InvalidArgumentError(`${field} must be a string`);
  if (!HEADER_VALUE.test(value) || value.length > max) {
    throw new InvalidArgumentError(`${field} must be printable ASCII (no line breaks or control characters), at most ${max} characters; encode file names as RFC 6266 filename*=UTF-8''…`);
  }
  return value;
}

/**
 * Validates `write()` options into what drivers get. Metadata values are never quoted in the
 * error (they may hold anything); names are.
 */
export function checkWriteOptions(opts: WriteOptions, uri: string): DriverWriteOptions {
  const out: DriverWriteOptions = {};
  if (opts.contentType !== undefined) out.contentType = headerValue(opts.contentType, 'contentType');
  if (opts.contentDisposition !== undefined) out.contentDisposition = headerValue(opts.contentDisposition, 'contentDisposition');
  if (opts.cacheControl !== undefined) out.cacheControl = headerValue(opts.cacheControl, 'cacheControl');
  if (opts.metadata !== undefined) {
    const metadata = opts.metadata as unknown;
    if (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata)) throw new InvalidArgumentError('metadata must be an object of string values', { uri });
    const entries = Object.entries(metadata as Record<string, unknown>);
    const checked: Record<string, string> = {};
    let bytes = 0;
    for (const [name, value] of entries) {
      const lower = name.toLowerCase();
      if (!METADATA_NAME.test(lower)) {
        throw new InvalidArgumentError(`metadata name ${JSON.stringify(name.slice(0, 64))} is not valid: use letters, digits, "_" and "-", starting with a letter (at most 128)`, { uri });
      }
      if (lower in checked) throw new InvalidArgumentError(`metadata names must differ when lower-cased: ${JSON.stringify(name.slice(0, 64))} repeats another`, { uri });
      if (typeof value !== 'string' || !HEADER_VALUE.test(value)) {
        throw new InvalidArgumentError(`metadata value of ${JSON.stringify(lower)} must be a string of printable ASCII`, { uri });
      }
      checked[lower] = value;
      bytes += lower.length + value.length;
    }
    if (bytes > MAX_METADATA_BYTES) throw new InvalidArgumentError(`metadata is ${bytes} bytes (names + values); the limit is ${MAX_METADATA_BYTES}`, { uri });
    if (entries.length > 0) out.metadata = checked;
  }
  if (opts.signal !== undefined) {
    if (!(opts.signal instanceof AbortSignal)) throw new InvalidArgumentError('signal must be an AbortSignal', { uri });
    out.signal = opts.signal;
  }
  if (opts.onProgress !== undefined) {
    if (typeof opts.onProgress !== 'function') throw new InvalidArgumentError('onProgress must be a function', { uri });
    out.onProgress = safeProgress(opts.onProgress);
  }
  return out;
}

/** Monotonic and exception-proof: a throwing progress listener never fails an upload. */
function safeProgress(listener: (bytesSent: number) => void): (bytesSent: number) => void {
  let last = -1;
  return (bytes) => {
    if (!Number.isFinite(bytes) || bytes <= last) return;
    last = bytes;
    try { listener(bytes); } catch { /* ignored, like a throwing onEvent listener */ }
  };
}

/** The presign options that only GET URLs take, validated. */
export interface ResponseOverrides { responseContentType?: string; responseContentDisposition?: string }

export function checkResponseOverrides(opts: PresignOptions, method: 'GET' | 'PUT'): ResponseOverrides {
  const out: ResponseOverrides = {};
  if (opts.responseContentType !== undefined) out.responseContentType = headerValue(opts.responseContentType, 'responseContentType');
  if (opts.responseContentDisposition !== undefined) out.responseContentDisposition = headerValue(opts.responseContentDisposition, 'responseContentDisposition');
  if (method !== 'GET' && Object.keys(out).length > 0) {
    throw new InvalidArgumentError('responseContentType and responseContentDisposition apply to GET URLs only (a PUT URL sets the stored headers through contentType)');
  }
  return out;
}
