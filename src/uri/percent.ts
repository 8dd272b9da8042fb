import { UriProblem } from './fail.js';

// ignoreBOM: a leading U+FEFF is kept (and then refused), never silently dropped from the name.
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * Decodes `%XX` escapes exactly once. Malformed escapes and byte runs that are not UTF-8 are
 * errors rather than being passed through, so one string never has two readings.
 */
export function decodeSegment(raw: string): string {
  if (!raw.includes('%')) return raw;
  let out = '';
  let i = 0;
  while (i < raw.length) {
    if (raw[i] !== '%') {
      out += raw[i];
      i += 1;
      continue;
    }
    const bytes: number[] = [];
    while (raw[i] === '%') {
      const hex = raw.slice(i + 1, i + 3);
      if (!/^[0-9a-fA-F]{2}$/.test(hex)) {
        throw new UriProblem(`"%${hex}" is not a valid percent-escape; write a literal "%" as %25`);
      }
      bytes.push(Number.parseInt(hex, 16));
      i += 3;
    }
    try {
      out += utf8.decode(Uint8Array.from(bytes));
    } catch {
      throw new UriProblem('percent-escapes must encode UTF-8 text');
    }
  }
  return out;
}

/**
 * What a tool that decodes one more time would see. Used only to look for hidden dot segments,
 * backslashes and control characters; escapes that do not decode are left as they are.
 */
export function decodeLeniently(text: string): string {
  return text.replace(/(?:%[0-9a-fA-F]{2})+/g, (run) => {
    try {
      return decodeURIComponent(run);
    } catch {
      return run;
    }
  });
}
