import { forbiddenCharacter } from './controls.js';
import { UriProblem } from './fail.js';
import { decodeLeniently } from './percent.js';

export interface KeyLimit {
  /** Who imposes the limit, for the message: "S3 object keys". */
  label: string;
  max: number;
  unit: 'bytes' | 'characters';
}

const LONE_SURROGATE = /\p{Cs}/u;

function hostileContent(text: string): string | undefined {
  const bad = forbiddenCharacter(text);
  if (bad !== undefined) return `a ${bad}`;
  if (text.includes('\\')) return "backslashes (use '/' between folders)";
  const segments = text.split('/');
  if (segments.some((s) => s === '.' || s === '..')) return "'.' or '..' path segments";
  return undefined;
}

/**
 * Rules every object key obeys whatever the URI form. A key is also read once more through
 * percent-decoding, because a literal `%2e%2e` in an s3:// key turns into `..` the moment some
 * tool in the chain decodes it; such keys are refused rather than trusted to stay literal.
 */
export function checkKey(key: string, limit?: KeyLimit): void {
  if (key === '') return;
  if (key.startsWith('/')) throw new UriProblem("the key may not start with '/'; remove the extra '/' after the bucket");
  const raw = hostileContent(key);
  if (raw !== undefined) throw new UriProblem(`object keys may not contain ${raw}`);
  const decoded = decodeLeniently(key);
  if (decoded !== key) {
    const hidden = hostileContent(decoded);
    if (hidden !== undefined) throw new UriProblem(`object keys may not contain ${hidden}, not even percent-encoded`);
  }
  if (LONE_SURROGATE.test(key)) throw new UriProblem('object keys must be well-formed Unicode (lone surrogate found)');
  const inner = key.endsWith('/') ? key.slice(0, -1) : key;
  if (inner.split('/').includes('')) throw new UriProblem("empty path segments ('//') are not allowed; remove the doubled '/'");
  if (limit !== undefined) {
    const size = limit.unit === 'bytes' ? Buffer.byteLength(key, 'utf8') : key.length;
    if (size > limit.max) throw new UriProblem(`${limit.label} are limited to ${limit.max} ${limit.unit} (this one has ${size})`);
  }
}

export const S3_KEY: KeyLimit = { label: 'S3 object keys', max: 1024, unit: 'bytes' };
export const GCS_KEY: KeyLimit = { label: 'Cloud Storage object names', max: 1024, unit: 'bytes' };
export const AZURE_KEY: KeyLimit = { label: 'Azure blob names', max: 1024, unit: 'characters' };
export const MEMORY_KEY: KeyLimit = { label: 'memory store keys', max: 1024, unit: 'bytes' };
