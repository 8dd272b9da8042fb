/** The URL forms: https:// (and http:// for configured emulators), wasbs:// and abfss://. */
import type { AssetLocation } from '../types.js';
import { type AwsHost, matchAwsHost } from './aws.js';
import { checkDirectoryBucket, checkS3BucketName, type S3BucketKind } from './aws-names.js';
import { matchAzureHost } from './azure.js';
import { encodeKeyForUrl, httpsUri } from './canonical.js';
import { type EndpointOverride, endpointsAtOrigin, matchEndpointPath } from './endpoints.js';
import { UriProblem } from './fail.js';
import { gcsJsonObject, isGcsJsonApiPath, matchGcpHost } from './gcp.js';
import { type Authority, splitAuthority } from './host.js';
import { AZURE_KEY, checkKey, GCS_KEY, S3_KEY } from './key.js';
import { type Extras, location } from './location.js';
import { checkAzureAccount, checkAzureContainer, checkGcsBucket } from './names.js';
import { decodeSegment } from './percent.js';
import { azurePin, gcsPin, type Pin, s3Pin } from './pins.js';
import { presignedFrom } from './presigned.js';
import { readQuery, type QueryParams } from './query.js';

/** How `parseAssetUri` reads hosts that are not the clouds' public ones. */
export interface ParseOptions {
  /** Emulator / S3-compatible origins that parse as their provider, path-style; `http` and ports allowed. */
  endpoints?: EndpointOverride[];
  /**
   * Ports other than 443 accepted on plain https hosts (not on provider hosts); mirror
   * `platform.https.allowPorts`. The port is kept in `uri`, never in `bucket`.
   */
  allowPorts?: number[];
}

interface RawWeb {
  authority: string;
  /** '' or starting with '/'. */
  path: string;
  query: string;
}

function splitWeb(scheme: string, rest: string): RawWeb {
  if (!rest.startsWith('//')) throw new UriProblem(`write ${scheme}://host/path, with two slashes after "${scheme}:"`);
  if (/\s$/.test(rest)) throw new UriProblem('remove the whitespace after the URI (encode a trailing space in a key as %20)');
  const body = rest.slice(2);
  const end = body.search(/[/?#]/);
  const authority = end === -1 ? body : body.slice(0, end);
  const after = body.slice(authority.length);
  const pathEnd = after.search(/[?#]/);
  const path = pathEnd === -1 ? after : after.slice(0, pathEnd);
  let query = '';
  if (after[pathEnd] === '?') {
    const hash = after.indexOf('#', pathEnd);
    query = after.slice(pathEnd + 1, hash === -1 ? undefined : hash);
  }
  return { authority, path, query };
}

/** Split on raw '/' first, then decode each piece once: an encoded '/' never separates segments. */
export function decodePath(path: string): string[] {
  return path === '' ? [] : path.slice(1).split('/').map(decodeSegment);
}

function takeBucket(segments: readonly string[], what: string, example: string): [string, string] {
  const [first, ...others] = segments;
  if (first === undefined || first === '') throw new UriProblem(`the ${what} is missing from the path; write ${example}`);
  if (first.includes('/')) throw new UriProblem(`${what} names may not contain '/' (%2F)`);
  return [first, others.join('/')];
}

export function web(scheme: string, rest: string, options: ParseOptions): AssetLocation {
  const raw = splitWeb(scheme, rest);
  const auth = splitAuthority(raw.authority);
  if (auth.userinfo !== undefined) {
    throw new UriProblem("URLs may not carry userinfo ('user:password@'); remove it and let an integration supply credentials");
  }
  const params = readQuery(raw.query);
  const presigned = presignedFrom(params);
  const extras: Extras = presigned === undefined ? {} : { presigned };
  const candidates = endpointsAtOrigin(options.endpoints, scheme, auth.host, auth.port);
  if (candidates.length > 0) return viaEndpoint(matchEndpointPath(candidates, decodePath(raw.path)), extras, params);
  if (scheme === 'http') throw new UriProblem('plain http:// is not allowed; use https:// (http is accepted only for configured emulator endpoints)');
  // The https provider fetches, or passes through, the URL as given (query kept, fragment dropped).
  const originalUrl = `https:${rest.replace(/#[\s\S]*$/, '')}`;
  if (presigned !== undefined) extras.originalUrl = originalUrl;
  const segments = decodePath(raw.path);
  const aws = matchAwsHost(auth.host);
  let gcp = aws === undefined ? matchGcpHost(auth.host) : undefined;
  // www.googleapis.com is Cloud Storage only under the JSON API paths; its other APIs are plain https.
  if (gcp?.jsonOnly === true && !isGcsJsonApiPath(segments)) gcp = undefined;
  const azure = aws === undefined && gcp === undefined ? matchAzureHost(auth.host) : undefined;
  if (auth.port !== undefined) rejectPort(auth, aws !== undefined || gcp !== undefined || azure !== undefined, options);
  if (aws !== undefined) return awsLocation(aws, segments, auth.host, extras, params);
  if (gcp !== undefined) {
    if (gcp.bucket === undefined && isGcsJsonApiPath(segments)) {
      const { bucket, object } = gcsJsonObject(segments);
      return gcsLocation(bucket, object, extras, params);
    }
    const [bucket, key] = gcp.bucket !== undefined
      ? [gcp.bucket, segments.join('/')]
      : takeBucket(segments, 'bucket', `https://${auth.host}/BUCKET/object`);
    return gcsLocation(bucket, key, extras, params);
  }
  if (azure !== undefined) {
    checkAzureAccount(azure.account);
    const [container, key] = takeBucket(segments, 'container', `https://${auth.host}/CONTAINER/blob`);
    extras.cloud = azure.cloud;
    return azureLocation(azure.account, container, key, extras, params);
  }
  const key = segments.join('/');
  checkKey(key);
  extras.originalUrl = originalUrl;
  extras.uri = httpsUri(auth.host, key, auth.port);
  return location('https', auth.host, key, extras);
}

function awsLocation(host: AwsHost, segments: readonly string[], hostname: string, extras: Extras, params: QueryParams): AssetLocation {
  const [bucket, key] = host.bucket !== undefined
    ? [host.bucket, segments.join('/')]
    : takeBucket(segments, 'bucket', `https://${hostname}/BUCKET/key`);
  let kind: S3BucketKind = 'access-point';
  if (host.style === 'express') {
    const zone = checkDirectoryBucket(bucket);
    if (zone !== host.zone) throw new UriProblem(`directory bucket ${bucket} lives in zone ${zone}, but the host names zone ${host.zone ?? ''}`);
    kind = 'directory';
  } else if (host.style !== 'access-point') {
    kind = checkS3BucketName(bucket);
    if (kind === 'directory') {
      throw new UriProblem(`directory buckets are reached at their zonal endpoint: write https://${bucket}.s3express-ZONE.REGION.amazonaws.com/key or s3://${bucket}/key`);
    }
    if (host.style === 'accelerate' && kind !== 'bucket') throw new UriProblem('Transfer Acceleration serves general purpose buckets only');
  }
  checkKey(key, S3_KEY);
  const pin = s3Pin(params);
  if (pin.version !== undefined && kind === 'directory') throw new UriProblem('directory buckets do not keep object versions; remove versionId');
  if (host.region !== undefined) extras.region = host.region;
  extras.partition = host.partition;
  pinInto(extras, pin);
  return location('aws', bucket, key, extras);
}

function gcsLocation(bucket: string, key: string, extras: Extras, params: QueryParams): AssetLocation {
  checkGcsBucket(bucket);
  checkKey(key, GCS_KEY);
  pinInto(extras, gcsPin(params));
  return location('gcp', bucket, key, extras);
}

/**
 * Copies a pin into the location's extras. (Extras are built by assignment, not object spread:
 * spreads of differently shaped objects are megamorphic and cost microseconds on this hot path.)
 */
function pinInto(extras: Extras, pin: Pin): void {
  if (pin.version !== undefined) extras.version = pin.version;
  if (pin.snapshot !== undefined) extras.snapshot = pin.snapshot;
}

function rejectPort(auth: Authority, providerHost: boolean, options: ParseOptions): void {
  if (!providerHost && auth.port !== undefined && (options.allowPorts ?? []).includes(auth.port)) return;
  throw new UriProblem(
    providerHost
      ? 'explicit ports are not allowed on cloud storage hosts; remove the port (emulators need a configured endpoint)'
      : 'explicit ports are not allowed; remove the port (or allow it for tests with the allowPorts option)',
  );
}

function azureLocation(account: string | undefined, container: string, key: string, extras: Extras, params?: QueryParams): AssetLocation {
  checkAzureContainer(container);
  checkKey(key, AZURE_KEY);
  const pin = params === undefined ? {} : azurePin(params);
  if (account === undefined) {
    if (pin.version !== undefined || pin.snapshot !== undefined) throw new UriProblem('a pinned version or snapshot needs the account: use the endpoint form that names it');
    return location('azure', container, key, extras);
  }
  pinInto(extras, pin);
  extras.account = account;
  return location('azure', container, key, extras);
}

function viaEndpoint(match: ReturnType<typeof matchEndpointPath>, extras: Extras, params: QueryParams): AssetLocation {
  if (match.provider === 'azure') {
    if (match.account !== undefined) checkAzureAccount(match.account);
    const [container, key] = takeBucket(match.rest, 'container', 'ENDPOINT/CONTAINER/blob');
    return azureLocation(match.account, container, key, extras, params);
  }
  if (match.provider === 'gcp' && isGcsJsonApiPath(match.rest)) {
    const { bucket, object } = gcsJsonObject(match.rest);
    return gcsLocation(bucket, object, extras, params);
  }
  const [bucket, key] = takeBucket(match.rest, 'bucket', 'ENDPOINT/BUCKET/key');
  if (match.provider === 'aws') {
    const kind = checkS3BucketName(bucket);
    checkKey(key, S3_KEY);
    const pin = s3Pin(params);
    if (pin.version !== undefined && kind === 'directory') throw new UriProblem('directory buckets do not keep object versions; remove versionId');
    pinInto(extras, pin);
    if (match.endpoint !== undefined) {
      // A store of its own: the URI stays on it (path-style), so it never reads as an AWS bucket.
      extras.endpoint = match.endpoint;
      extras.uri = `${match.endpoint}/${bucket}/${encodeKeyForUrl(key)}${pin.version === undefined ? '' : `?versionId=${encodeURIComponent(pin.version)}`}`;
    }
    return location('aws', bucket, key, extras);
  }
  return gcsLocation(bucket, key, extras, params);
}

/**
 * wasbs://container@ACCOUNT.blob.core.windows.net/path and abfss://…@ACCOUNT.dfs.core.windows.net/path
 * (and the sovereign clouds' hosts). Hadoop paths carry no query, so no version or snapshot.
 */
export function hadoopAzure(scheme: 'wasbs' | 'abfss', rest: string): AssetLocation {
  const service = scheme === 'wasbs' ? 'blob' : 'dfs';
  const example = `${scheme}://CONTAINER@ACCOUNT.${service}.core.windows.net/path`;
  const raw = splitWeb(scheme, rest);
  const auth = splitAuthority(raw.authority);
  if (auth.userinfo === undefined || auth.userinfo === '') throw new UriProblem(`name the container before '@': ${example}`);
  if (auth.port !== undefined) throw new UriProblem(`${scheme}:// URIs may not name a port`);
  const host = matchAzureHost(auth.host);
  if (host === undefined || host.service !== service) throw new UriProblem(`the host must be ACCOUNT.${service}.core.windows.net (or the ${service} host of a sovereign cloud): ${example}`);
  checkAzureAccount(host.account);
  const container = decodeSegment(auth.userinfo);
  if (container.includes(':')) throw new UriProblem(`${scheme}:// URIs may not carry a password; write ${example}`);
  if (raw.query !== '') throw new UriProblem(`${scheme}:// paths carry no query; percent-encode "?" in a path as %3F`);
  return azureLocation(host.account, container, decodePath(raw.path).join('/'), { cloud: host.cloud });
}
