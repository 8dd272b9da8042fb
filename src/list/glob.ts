import { InvalidArgumentError } from '../errors.js';

/**
 * `match` for listings: a glob or a RegExp tested against the key below the listed prefix.
 *
 * Globs: `*` any run of characters within one path segment, `?` one character (not `/`),
 * `[abc]` / `[a-z]` / `[!a-z]` one character of (or not of) a set (never `/`), `{a,b,c}`
 * alternatives (nested, each itself a glob), `**` a whole segment matching zero or more segments
 * (`**\/` in front of, `/**` at the end of, or `**` as the whole glob), `\` escapes the next
 * character. The glob must match the whole relative key. Anything else a glob library might
 * accept silently (a `**` inside a segment, an unclosed `[` or `{`, a leading `/`) is refused
 * with a message saying what to write instead: a filter that silently matches nothing is the
 * failure this API exists to avoid.
 */
export interface KeyMatcher {
  /** Tests the key below the listed prefix. */
  test(relativeKey: string): boolean;
  /**
   * The literal text every matching relative key starts with: listed as part of the provider-side
   * prefix, so only that part of the bucket is read.
   */
  literalPrefix: string;
  /** The source as given, for messages. */
  source: string;
}

const REGEX_SYNTAX = /[\\^$.*+?()[\]{}|/]/g;
const escapeRegex = (text: string): string => text.replace(REGEX_SYNTAX, '\\$&');

function badGlob(glob: string, problem: string): InvalidArgumentError {
  return new InvalidArgumentError(`match glob "${glob}" ${problem}`);
}

/** Compiles a glob into an anchored RegExp (with the `u` flag, so `?` is one code point) and its literal leading part. */
export function compileGlob(glob: string): KeyMatcher {
  if (glob === '') throw badGlob(glob, 'is empty: omit match to list everything, or write "**" explicitly');
  if (glob.startsWith('/')) {
    throw badGlob(glob, `starts with "/": globs match the key below the listed prefix, which never starts with "/"; write "${glob.replace(/^\/+/, '')}"`);
  }
  let i = 0;
  let literalPrefix = '';
  let literalOpen = true;
  const literal = (text: string): string => {
    if (literalOpen) literalPrefix += text;
    return escapeRegex(text);
  };
  const wild = (): void => { literalOpen = false; };

  /** Parses until `stop` (a `,` or `}` inside braces) or the end. */
  const parse = (depth: number): string => {
    let out = '';
    while (i < glob.length) {
      const c = glob[i]!;
      if (depth > 0 && (c === ',' || c === '}')) return out;
      if (c === '\\') {
        if (i + 1 >= glob.length) throw badGlob(glob, 'ends with a lone "\\": escape a character, or write "\\\\" for a backslash');
        const next = String.fromCodePoint(glob.codePointAt(i + 1)!);
        out += literal(next);
        i += 1 + next.length;
        continue;
      }
      if (c === '*') {
        const start = i;
        while (glob[i] === '*') i++;
        const run = i - start;
        if (run === 1) { wild(); out += '[^/]*'; continue; }
        if (run > 2) throw badGlob(glob, `has "${'*'.repeat(run)}": use "*" (within a segment) or "**" (whole segments)`);
        const segmentStart = start === 0 || glob[start - 1] === '/';
        const segmentEnd = i === glob.length || glob[i] === '/';
        if (!segmentStart || !segmentEnd || depth > 0) {
          throw badGlob(glob, 'has "**" inside a path segment: "**" must be a whole segment ("**/x", "a/**/x" or "a/**"); use "*" for any run within a segment');
        }
        wild();
        if (i === glob.length) {
          // `a/**` (or just `**`): everything below.
          out += '.*';
        } else {
          // `**/`: zero or more whole segments.
          i++;
          out += '(?:.*/)?';
        }
        continue;
      }
      if (c === '?') { wild(); out += '[^/]'; i++; continue; }
      if (c === '[') { wild(); out += parseClass(); continue; }
      if (c === '{') {
        wild();
        i++;
        const alternatives: string[] = [];
        for (;;) {
          alternatives.push(parse(depth + 1));
          if (i >= glob.length) throw badGlob(glob, 'has an unclosed "{": close it with "}", or write "\\{" for a literal brace');
          if (glob[i] === '}') { i++; break; }
          i++; // ','
        }
        if (alternatives.length < 2) throw badGlob(glob, 'has "{...}" with a single alternative: separate alternatives with ",", e.g. "{jpg,png}", or write "\\{" for a literal brace');
        out += `(?:${alternatives.join('|')})`;
        continue;
      }
      if (c === '}' && depth === 0) throw badGlob(glob, 'has a "}" without "{": write "\\}" for a literal brace');
      const char = String.fromCodePoint(glob.codePointAt(i)!);
      out += literal(char);
      i += char.length;
    }
    return out;
  };

  const parseClass = (): string => {
    const start = i;
    i++;
    let negate = false;
    if (glob[i] === '!' || glob[i] === '^') { negate = true; i++; }
    let body = '';
    let first = true;
    while (i < glob.length && (glob[i] !== ']' || first)) {
      first = false;
      let char: string;
      if (glob[i] === '\\') {
        if (i + 1 >= glob.length) break;
        char = String.fromCodePoint(glob.codePointAt(i + 1)!);
        i += 1 + char.length;
      } else {
        char = String.fromCodePoint(glob.codePointAt(i)!);
        i += char.length;
      }
      if (char === '/') throw badGlob(glob, 'has "/" inside "[...]": a character class matches one character within a segment');
      if (glob[i] === '-' && i + 1 < glob.length && glob[i + 1] !== ']') {
        i++;
        let end: string;
        if (glob[i] === '\\' && i + 1 < glob.length) { end = String.fromCodePoint(glob.codePointAt(i + 1)!); i += 1 + end.length; }
        else { end = String.fromCodePoint(glob.codePointAt(i)!); i += end.length; }
        if (end.codePointAt(0)! < char.codePointAt(0)!) throw badGlob(glob, `has the range "${char}-${end}" whose end comes before its start`);
        body += `${escapeClass(char)}-${escapeClass(end)}`;
      } else {
        body += escapeClass(char);
      }
    }
    if (i >= glob.length) throw badGlob(glob, `has an unclosed "[" at position ${start + 1}: close it with "]", or write "\\[" for a literal bracket`);
    i++; // ']'
    return negate ? `[^/${body}]` : `(?!/)[${body}]`;
  };

  const source = parse(0);
  let regex: RegExp;
  try {
    regex = new RegExp(`^${source}$`, 'su');
  } catch (error) {
    throw badGlob(glob, `cannot be compiled (${(error as Error).message})`);
  }
  return { test: (key) => regex.test(key), literalPrefix, source: glob };
}

function escapeClass(char: string): string {
  return /[\\\]^-]/.test(char) ? `\\${char}` : char;
}

/**
 * A RegExp tested against the relative key. `g` and `y` make `test` stateful (it would skip keys),
 * so they are dropped. The literal text after a leading `^` is pushed down as a prefix when the
 * expression has no top-level alternation and no flag that changes what a literal matches.
 */
export function compileRegExp(pattern: RegExp): KeyMatcher {
  const flags = pattern.flags.replace(/[gy]/g, '');
  const regex = new RegExp(pattern.source, flags);
  return { test: (key) => regex.test(key), literalPrefix: regexLiteralPrefix(pattern.source, flags), source: String(pattern) };
}

function regexLiteralPrefix(source: string, flags: string): string {
  if (!source.startsWith('^') || /[im]/.test(flags) || hasTopLevelAlternation(source)) return '';
  let prefix = '';
  let i = 1;
  while (i < source.length) {
    const c = source[i]!;
    let char: string | undefined;
    let width = 1;
    if (c === '\\') {
      const next = source[i + 1];
      // Only escapes that stand for their own character are literals (\. \/ \- …, not \d \w \b \u…).
      if (next === undefined || /[0-9A-Za-z]/.test(next)) break;
      char = next;
      width = 2;
    } else if (/[.*+?()[\]{}|^$]/.test(c)) {
      break;
    } else {
      char = String.fromCodePoint(source.codePointAt(i)!);
      width = char.length;
    }
    // A quantifier makes the character it follows optional or repeated: it is not a literal.
    if (/^[*+?{]/.test(source.slice(i + width))) break;
    prefix += char;
    i += width;
  }
  return prefix;
}

function hasTopLevelAlternation(source: string): boolean {
  let depth = 0;
  let inClass = false;
  for (let i = 0; i < source.length; i++) {
    const c = source[i];
    if (c === '\\') { i++; continue; }
    if (inClass) { if (c === ']') inClass = false; continue; }
    if (c === '[') inClass = true;
    else if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === '|' && depth === 0) return true;
  }
  return false;
}

/** `match` as given in ListOptions → a matcher; anything else is INVALID_ARGUMENT. */
export function compileMatch(match: unknown): KeyMatcher | undefined {
  if (match === undefined) return undefined;
  if (typeof match === 'string') return compileGlob(match);
  if (match instanceof RegExp) return compileRegExp(match);
  throw new InvalidArgumentError(`match must be a glob string (e.g. "**/*.jpg") or a RegExp, got ${match === null ? 'null' : typeof match}`);
}
