/**
 * Keys compared in UTF-8 byte order, the order S3, GCS and Azure list in. JavaScript's `<` compares
 * UTF-16 code units, which agrees with UTF-8 byte order except where a character outside the Basic
 * Multilingual Plane (a surrogate pair, U+D800–U+DFFF code units) meets one in U+E000–U+FFFF: UTF-16
 * puts the astral character first, UTF-8 (and code point order) puts it last. Only that case is fixed
 * up, so the comparison stays a tight loop over code units.
 */

/** Code unit → a value ordered like the code points (and so like UTF-8 bytes) it belongs to. */
function rank(unit: number): number {
  return unit >= 0xe000 ? unit - 0x800 : unit >= 0xd800 ? unit + 0x2000 : unit;
}

/** Negative, zero or positive as `a` sorts before, with or after `b` in UTF-8 byte order. */
export function compareUtf8(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return x >= 0xd800 && y >= 0xd800 ? rank(x) - rank(y) : x - y;
  }
  return a.length - b.length;
}

/** True when one of the strings has a code unit where UTF-16 and UTF-8 order can disagree. */
export function needsUtf8Fixup(key: string): boolean {
  for (let i = 0; i < key.length; i++) if (key.charCodeAt(i) >= 0xd800) return true;
  return false;
}

/** Sorts keys in place in UTF-8 byte order; the native sort when no key needs the fix-up. */
export function sortUtf8(keys: string[]): string[] {
  return keys.some(needsUtf8Fixup) ? keys.sort(compareUtf8) : keys.sort();
}

/** Index of the first element of the sorted `keys` that is greater than `after` (or ≥ when `inclusive`). */
export function lowerBound(keys: readonly string[], bound: string, inclusive: boolean): number {
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const c = compareUtf8(keys[mid]!, bound);
    if (c < 0 || (c === 0 && !inclusive)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The byte length of `text` in UTF-8. */
export function utf8Length(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}
