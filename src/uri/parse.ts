import { InvalidUriError } from '../errors.js';
import type { AssetLocation, Provider } from '../types.js';
import { s3Arn, s3Literal } from './s3.js';
import { forbiddenCharacter } from './controls.js';
import { fastParse } from './fast-path.js';
import { invalidUri, unsupportedUri, UriProblem } from './fail.js';
import { checkKey, GCS_KEY, type KeyLimit, MEMORY_KEY, AZURE_KEY } from './key.js';
import { location } from './location.js';
import { checkAzureContainer, checkGcsBucket, checkMemoryStore } from './names.js';
import { decodePath, hadoopAzure, type ParseOptions, web } from './web.js';

export type { ParseOptions };

/**
 * Parses any accepted asset URI into its provider, bucket and key (design §2). Throws
 * `INVALID_URI` for malformed or hostile input and `UNSUPPORTED_URI` for schemes it does not know.
 */
export function parseAssetUri(uri: string, options: ParseOptions = {}): AssetLocation {
  return parseChecked(uri, options, true);
}

/** The general parser alone, without the fast path: what test/uri/fast-path.test.ts compares the fast path with. */
export function parseAssetUriGeneral(uri: string, options: ParseOptions = {}): AssetLocation {
  return parseChecked(uri, options, false);
}

function parseChecked(uri: string, options: ParseOptions, fast: boolean): AssetLocation {
  if (typeof uri !== 'string') throw new InvalidUriError(`INVALID_URI: expected a URI string, got ${typeof uri}`);
  try {
    return (fast ? fastParse(uri, options) : undefined) ?? parse(uri, options);
  } catch (error) {
    if (error instanceof UriProblem) throw error.unsupported ? unsupportedUri(uri, error.reason) : invalidUri(uri, error.reason);
    throw error;
  }
}

const HINTS: Record<string, string> = {
  gcs: '; write gs://bucket/key',
  s3n: '; write s3://bucket/key',
  azure: '; write az://container/key or https://ACCOUNT.blob.core.windows.net/container/key',
  adl: '; Data Lake Gen1 is retired, write abfss://container@ACCOUNT.dfs.core.windows.net/path',
};

function parse(input: string, options: ParseOptions): AssetLocation {
  if (input === '') throw new UriProblem('the URI is empty');
  if (/^\s/.test(input)) throw new UriProblem('remove the whitespace before the URI');
  const m = /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(input);
  if (m === null) throw new UriProblem('the URI has no scheme; write e.g. s3://bucket/key, gs://bucket/key or https://host/path');
  const scheme = (m[1] ?? '').toLowerCase();
  const rest = input.slice(m[0].length);
  const known = ['s3', 's3a', 'gs', 'az', 'memory', 'http', 'https', 'wasbs', 'abfss', 'wasb', 'abfs', 'file', 'arn'];
  if (!known.includes(scheme)) {
    throw new UriProblem(
      `"${scheme}:" URIs are not supported${HINTS[scheme] ?? '; use s3://, gs://, az://, https://, wasbs://, abfss://, file:// or memory://'}`,
      true,
    );
  }
  const bad = forbiddenCharacter(input);
  if (bad !== undefined) throw new UriProblem(`URIs may not contain a ${bad} (control characters, bidirectional controls and line separators are refused, raw or percent-encoded)`);
  if (input.includes('\\')) throw new UriProblem("URIs may not contain backslashes; use '/' between folders");
  switch (scheme) {
    case 's3':
    case 's3a':
      return s3Literal(scheme, rest);
    case 'arn':
      return s3Arn(input);
    case 'gs':
      return literal(scheme, rest, 'gcp', checkGcsBucket, GCS_KEY);
    case 'az':
      return literal(scheme, rest, 'azure', checkAzureContainer, AZURE_KEY);
    case 'memory':
      // assetlink's own presigned memory URLs are not keys: taken literally, the key would carry the signature.
      if (/[?&]X-AssetLink-Signature=/.test(rest)) {
        throw new UriProblem('this is a presigned assetlink URL; open it with fetchPresigned(), or pass memory://store/key without the query');
      }
      return literal(scheme, rest, 'memory', checkMemoryStore, MEMORY_KEY);
    case 'wasb':
    case 'abfs':
      throw new UriProblem(`plain ${scheme}:// is unencrypted; use ${scheme}s://`);
    case 'file':
      return file(rest);
    case 'wasbs':
    case 'abfss':
      return hadoopAzure(scheme, rest);
    default:
      return web(scheme, rest, options);
  }
}

/** gs://, az://, memory:// (s3:// in arn.ts): everything after the bucket's '/' is the key, verbatim. */
export function literal(scheme: string, rest: string, provider: Provider, checkBucket: (name: string) => void, limit: KeyLimit): AssetLocation {
  if (!rest.startsWith('//')) throw new UriProblem(`write ${scheme}://bucket/key, with two slashes after "${scheme}:"`);
  const body = rest.slice(2);
  const slash = body.indexOf('/');
  const bucket = slash === -1 ? body : body.slice(0, slash);
  const key = slash === -1 ? '' : body.slice(slash + 1);
  if (bucket === '') throw new UriProblem(`the bucket name is empty; write ${scheme}://bucket/key`);
  if (bucket.includes('@')) {
    throw new UriProblem(
      scheme === 'az'
        ? 'az:// URIs name only the container; to name the account write https://ACCOUNT.blob.core.windows.net/container/key'
        : `${scheme}:// URIs may not carry userinfo ('user@'); remove it`,
    );
  }
  if (bucket.includes(':')) throw new UriProblem(`${scheme}:// URIs may not name a port; remove ':…' after the bucket`);
  checkBucket(bucket);
  checkKey(key, limit);
  return location(provider, bucket, key);
}

/** file:///abs/path, or file://localhost/abs/path. The path is percent-decoded like any URL path. */
function file(rest: string): AssetLocation {
  if (!rest.startsWith('//')) throw new UriProblem('write file:///absolute/path, with three slashes');
  if (/\s$/.test(rest)) throw new UriProblem('remove the whitespace after the URI (encode a trailing space as %20)');
  if (/[?#]/.test(rest)) throw new UriProblem('file URIs may not carry a query or fragment; percent-encode "?" as %3F and "#" as %23');
  const body = rest.slice(2);
  const slash = body.indexOf('/');
  const host = slash === -1 ? body : body.slice(0, slash);
  if (host !== '' && host.toLowerCase() !== 'localhost') {
    throw new UriProblem('file URIs may only name the local machine; write file:///absolute/path');
  }
  const key = decodePath(slash === -1 ? '' : body.slice(slash)).join('/');
  checkKey(key);
  return location('file', '', key);
}
