import { forbiddenCharacter } from './controls.js';
import { UriProblem } from './fail.js';
import type { QueryParams } from './query.js';

/**
 * Object versions named in a URL's query: S3 `versionId`, GCS `generation`, Azure `versionid` or
 * `snapshot`. Silently dropping one would read the live object instead of the version the
 * customer pinned, so anything that looks like a version parameter but cannot be honoured
 * exactly (empty, repeated, undecodable, malformed, or spelled in another case) is INVALID_URI.
 */

export interface Pin {
  version?: string;
  snapshot?: string;
}

const NONE: Pin = {};

/** One value of `name`, or undefined; a near-miss spelling of `name` is refused with a hint. */
function pinned(p: QueryParams, name: string, what: string): string | undefined {
  const values = p.get(name);
  if (values === undefined) {
    for (const other of p.keys()) {
      if (other !== name && other.toLowerCase() === name.toLowerCase()) {
        throw new UriProblem(`"${other}" is not how ${what} names versions: write "${name}" (assetlink refuses a near miss rather than read the live object)`);
      }
    }
    return undefined;
  }
  if (values.length > 1) throw new UriProblem(`the URL names ${name} ${values.length} times; name one version`);
  const value = values[0];
  if (value === undefined) throw new UriProblem(`the ${name} value is not valid percent-encoded UTF-8`);
  if (value === '') throw new UriProblem(`${name}= is empty; remove it to address the live object, or give the version`);
  const bad = forbiddenCharacter(value);
  if (bad !== undefined) throw new UriProblem(`${name} may not contain a ${bad}`);
  return value;
}

/** S3 version IDs are opaque, URL-ready strings of at most 1024 bytes ("null" for pre-versioning objects). */
const S3_VERSION = /^[A-Za-z0-9._+/=~-]{1,1024}$/;

export function s3Pin(p: QueryParams): Pin {
  if (p.size === 0) return NONE;
  const version = pinned(p, 'versionId', 'S3');
  if (version === undefined) return NONE;
  if (!S3_VERSION.test(version)) throw new UriProblem(`"${version.slice(0, 64)}" is not an S3 version ID (at most 1024 letters, digits and . _ + / = ~ -)`);
  return { version };
}

const INT64_MAX = 9_223_372_036_854_775_807n;

export function gcsPin(p: QueryParams): Pin {
  if (p.size === 0) return NONE;
  const generation = pinned(p, 'generation', 'Cloud Storage');
  if (generation === undefined) return NONE;
  if (!/^[1-9]\d{0,18}$/.test(generation) || BigInt(generation) > INT64_MAX) {
    throw new UriProblem(`generation=${generation.slice(0, 64)} is not a Cloud Storage generation (a positive 64-bit integer)`);
  }
  return { version: generation };
}

/** Azure versions and snapshots are timestamps with up to seven fractional digits: 2024-01-01T00:00:00.1234567Z. */
const AZURE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,7})?Z$/;

export function azurePin(p: QueryParams): Pin {
  if (p.size === 0) return NONE;
  const version = pinned(p, 'versionid', 'Azure Blob Storage');
  const snapshot = pinned(p, 'snapshot', 'Azure Blob Storage');
  if (version !== undefined && snapshot !== undefined) throw new UriProblem('the URL names both a version (versionid) and a snapshot; name one');
  const value = version ?? snapshot;
  if (value === undefined) return NONE;
  if (!AZURE_TIME.test(value) || Number.isNaN(Date.parse(value))) {
    throw new UriProblem(`${version !== undefined ? 'versionid' : 'snapshot'}=${value.slice(0, 64)} is not an Azure ${version !== undefined ? 'version' : 'snapshot'} (a UTC timestamp such as 2024-01-01T00:00:00.1234567Z)`);
  }
  return version !== undefined ? { version } : { snapshot: value };
}
