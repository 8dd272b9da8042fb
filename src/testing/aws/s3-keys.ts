/**
 * S3 object keys are literal UTF-8 strings: no normalisation of `.`/`..` segments, repeated or
 * trailing slashes, case or Unicode forms. They sort by UTF-8 byte order, which equals Unicode
 * code point order — not JavaScript's UTF-16 order, which puts U+E000–U+FFFF after the
 * surrogate pairs of astral characters.
 */

export const MAX_KEY_BYTES = 1024;

/** Rank of a UTF-16 code unit such that comparing ranks compares code points. */
const rank = (unit: number): number => (unit >= 0xe000 ? unit - 0x800 : unit >= 0xd800 ? unit + 0x2000 : unit);

/** Compares two strings in UTF-8 byte order without encoding them. */
export function compareUtf8(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return rank(x) - rank(y);
  }
  return a.length - b.length;
}

export const utf8Length = (text: string): number => Buffer.byteLength(text, 'utf8');

/**
 * Decodes one percent-encoded path segment, refusing what S3 refuses (malformed escapes, bytes that
 * are not UTF-8) instead of guessing.
 */
export function decodePathSegment(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}
