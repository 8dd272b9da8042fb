/**
 * Characters no bucket, container, account, key or version may contain, raw or percent-encoded:
 * - every Unicode control character (Cc): C0 U+0000–U+001F, DEL U+007F, C1 U+0080–U+009F
 *   (U+0085 is a line break to many log viewers, U+009B is the 8-bit CSI that starts a terminal
 *   escape sequence);
 * - the bidirectional controls U+061C (ALM), U+200E/U+200F (LRM/RLM), U+202A–U+202E (embeddings
 *   and overrides) and U+2066–U+2069 (isolates), which make a key display as a different key;
 * - U+2028/U+2029, line and paragraph separators (newlines to JavaScript and many log viewers);
 * - U+FEFF, the byte order mark: invisible, and in a pasted URI always an artifact.
 * Joiners (U+200C/U+200D) and other format characters stay allowed: scripts and emoji need them.
 */
export const FORBIDDEN_CHARACTERS = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]/;

/** The first forbidden character in `text`, described for an error message; undefined when clean. */
export function forbiddenCharacter(text: string): string | undefined {
  const m = FORBIDDEN_CHARACTERS.exec(text);
  if (m === null) return undefined;
  const code = m[0].charCodeAt(0);
  const hex = `U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
  if (code < 0x20 || code === 0x7f) return `control character ${hex}`;
  if (code <= 0x9f) return `C1 control character ${hex}`;
  if (code === 0x2028 || code === 0x2029) return `line or paragraph separator ${hex}`;
  if (code === 0xfeff) return `byte order mark ${hex}`;
  return `bidirectional control ${hex}`;
}
