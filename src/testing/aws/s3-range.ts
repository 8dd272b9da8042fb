/**
 * `Range: bytes=…` as S3 reads it: one range only; `a-b` (end clamped to the object), `a-`, and
 * `-N` (the last N bytes). A start at or past the end, or any int-range on an empty object, is
 * 416 InvalidRange. Anything S3 cannot parse (other units, several ranges, b < a) is ignored and
 * the whole object is served.
 */

export type RangeRequest =
  | { kind: 'whole' }
  | { kind: 'part'; start: number; end: number } // inclusive end
  | { kind: 'unsatisfiable' };

export function parseRange(header: string | undefined, size: number): RangeRequest {
  if (header === undefined) return { kind: 'whole' };
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!match) return { kind: 'whole' };
  const [, first, last] = match;
  if (first === '' && last === '') return { kind: 'whole' };
  if (first === '') {
    const suffix = Number(last);
    if (suffix === 0) return { kind: 'unsatisfiable' };
    // A suffix range is satisfiable even on an empty object, which is then served whole.
    if (size === 0) return { kind: 'whole' };
    return { kind: 'part', start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(first);
  const end = last === '' ? size - 1 : Number(last);
  if (last !== '' && end < start) return { kind: 'whole' };
  if (start >= size) return { kind: 'unsatisfiable' };
  return { kind: 'part', start, end: Math.min(end, size - 1) };
}
