import { InvalidArgumentError } from '../../errors.js';
import type { UploadLimits } from './driver-uploads.js';

const MiB = 1024 * 1024;

/**
 * The part size of an upload: the caller's, checked against the provider's limits, or the
 * smallest whole MiB (and quantum) at least the default that fits the file in `maxParts` parts.
 */
export function choosePartSize(size: number, requested: number | undefined, limits: UploadLimits, what: string): number {
  if (!Number.isSafeInteger(size) || size < 1) throw new InvalidArgumentError(`createUpload: size must be a whole number of bytes ≥ 1, got ${String(size)} (upload an empty object with write() or a presigned PUT)`);
  if (size > limits.maxSize) throw new InvalidArgumentError(`createUpload: ${size} bytes exceeds the ${limits.maxSize}-byte object limit of ${what}`);
  if (requested !== undefined) {
    if (!Number.isSafeInteger(requested) || requested < 1) throw new InvalidArgumentError(`createUpload: partSize must be a whole number of bytes, got ${String(requested)}`);
    if (requested % limits.partQuantum !== 0) throw new InvalidArgumentError(`createUpload: partSize ${requested} is not a multiple of ${limits.partQuantum} bytes, which ${what} requires`);
    if (requested > limits.maxPartSize) throw new InvalidArgumentError(`createUpload: partSize ${requested} exceeds the ${limits.maxPartSize}-byte part limit of ${what}`);
    // A part size below the minimum is fine when the whole file fits in one (the last) part.
    if (requested < limits.minPartSize && requested < size) throw new InvalidArgumentError(`createUpload: partSize ${requested} is below the ${limits.minPartSize}-byte minimum of ${what} (only the last part may be smaller)`);
    if (Math.ceil(size / requested) > limits.maxParts) {
      throw new InvalidArgumentError(`createUpload: ${size} bytes in parts of ${requested} makes ${Math.ceil(size / requested)} parts, more than the ${limits.maxParts} ${what} allows; use a larger partSize or omit it`);
    }
    return requested;
  }
  const fitting = Math.ceil(size / limits.maxParts);
  const unit = lcm(MiB, limits.partQuantum);
  const chosen = Math.max(limits.defaultPartSize, Math.ceil(fitting / unit) * unit);
  return Math.min(chosen, limits.maxPartSize);
}

/** Byte ranges [start, end) of every part, numbered from 1. */
export function partRanges(size: number, partSize: number, from = 1): Array<{ partNumber: number; start: number; end: number }> {
  const count = Math.ceil(size / partSize);
  const out: Array<{ partNumber: number; start: number; end: number }> = [];
  for (let n = from; n <= count; n++) out.push({ partNumber: n, start: (n - 1) * partSize, end: Math.min(n * partSize, size) });
  return out;
}

function lcm(a: number, b: number): number {
  const gcd = (x: number, y: number): number => (y === 0 ? x : gcd(y, x % y));
  return (a / gcd(a, b)) * b;
}
