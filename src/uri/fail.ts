import { InvalidUriError, UnsupportedUriError } from '../errors.js';
import { FORBIDDEN_CHARACTERS } from './controls.js';

const MAX_ECHO = 200;

/**
 * The input as it may appear in an error message. Queries and fragments can carry signatures
 * or tokens and userinfo can carry a password, so they never reach a message or a log.
 */
export function echoUri(input: string): string {
  let text = input;
  const cut = text.search(/[?#]/);
  if (cut !== -1) text = `${text.slice(0, cut)}?…`;
  text = text.replace(/^([a-z][a-z0-9+.-]*:\/\/)([^/]*)@/i, (whole, head: string, user: string) =>
    /^(wasbs?|abfss?):/i.test(head) && !user.includes(':') ? whole : `${head}***@`);
  if (text.length > MAX_ECHO) text = `${text.slice(0, MAX_ECHO)}…`;
  // The URI was refused for these characters: echoing them raw would carry a terminal escape
  // (U+009B), a line break (U+0085, U+2028) or a direction override into the caller's logs.
  return FORBIDDEN_CHARACTERS.test(text) ? text.replace(FORBIDDEN_GLOBAL, (c) => `\\u${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`) : text;
}

const FORBIDDEN_GLOBAL = new RegExp(FORBIDDEN_CHARACTERS.source, 'g');

export function invalidUri(input: string, reason: string): InvalidUriError {
  const shown = echoUri(input);
  return new InvalidUriError(`INVALID_URI: ${JSON.stringify(shown)}: ${reason}`, { uri: shown });
}

export function unsupportedUri(input: string, reason: string): UnsupportedUriError {
  const shown = echoUri(input);
  return new UnsupportedUriError(`UNSUPPORTED_URI: ${JSON.stringify(shown)}: ${reason}`, { uri: shown });
}

/**
 * Thrown by the helpers, which do not know the whole input; `parseAssetUri` turns it into the
 * public error so every message names the URI the same way.
 */
export class UriProblem extends Error {
  constructor(readonly reason: string, readonly unsupported = false) {
    super(reason);
  }
}
