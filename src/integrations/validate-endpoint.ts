import { X509Certificate } from 'node:crypto';
import { InvalidIntegrationError } from '../errors.js';
import { classifyAddress } from '../net/address-class.js';
import type { AwsEndpoint } from '../types.js';
import { s3BucketKind } from '../uri/aws-names.js';
import { secretField } from './common-fields.js';

/**
 * `AwsIntegration.endpoint`: an S3-compatible store (MinIO, R2, Wasabi, B2, Ceph) for one
 * integration. Endpoint URLs are platform configuration, not customer input, so they do not go
 * through the https provider's SSRF guard — but cloud metadata addresses are refused anyway, plain
 * http is accepted only on loopback (tests, a sidecar), and URLs carry no credentials or query.
 * (docs/providers/s3-compatible.md, "Validation and SSRF".)
 */

type Dict = Record<string, unknown>;
const fail = (field: string, message: string): never => { throw new InvalidIntegrationError(field, message); };
const isDict = (v: unknown): v is Dict => typeof v === 'object' && v !== null && !Array.isArray(v);

const FIELDS = new Set(['url', 'forcePathStyle', 'region', 'publicUrl', 'ca', 'stsUrl', 'stsCredentials']);
/** Signing regions of S3-compatible stores: `us-east-1`, R2's `auto`, B2's `us-west-004`, Ceph zonegroups such as `default`. */
const REGION = /^[a-z0-9](?:[a-z0-9_-]{0,62}[a-z0-9])?$/;
/** Store access keys are not AWS-shaped: R2 32 hex, B2 25 characters, MinIO any 3–128 printable characters. */
export const STORE_ACCESS_KEY_ID = /^[\x21-\x7e]{3,128}$/;
/** Role ARNs of S3-compatible STS: Ceph RGW names no account (`arn:aws:iam:::role/x`) or a tenant; MinIO ignores the ARN. */
export const STORE_ROLE_ARN = /^arn:[a-z][a-z0-9-]{0,19}:iam::[A-Za-z0-9_-]{0,64}:role\/[\w+=,.@/-]{1,512}$/;
/** Host names that resolve to a metadata service inside clouds, whatever their address. */
const METADATA_HOSTS = new Set(['metadata.google.internal', 'metadata', 'metadata.goog', 'instance-data', 'instance-data.ec2.internal']);

/** Loopback hosts, where plain http carries nothing over a network. */
function isLoopback(hostname: string): boolean {
  if (hostname === 'localhost' || hostname.endsWith('.localhost')) return true;
  const bare = hostname.startsWith('[') ? hostname.slice(1, -1) : hostname;
  const range = classifyAddress(bare).range;
  return range === 'loopback';
}

/** One endpoint URL (`url`, `publicUrl`, `stsUrl`): http(s) origin with an optional base path, nothing else. */
export function checkEndpointUrl(value: unknown, field: string): string {
  if (typeof value !== 'string' || value === '') return fail(field, 'is required and must be an http(s) URL such as "https://minio.example.com"');
  if (/[\s\\]/.test(value)) return fail(field, 'must not contain whitespace or backslashes');
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return fail(field, `${JSON.stringify(value.slice(0, 200))} is not a URL; write e.g. "https://minio.example.com"`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') fail(field, `must be an https:// URL (got ${url.protocol})`);
  // Checked on the raw text too: `new URL` drops an empty "?" or "#".
  if (url.username !== '' || url.password !== '' || /^[a-z]+:\/\/[^/]*@/i.test(value)) {
    fail(field, 'must not carry credentials (user:password@); give keys in auth or endpoint.stsCredentials');
  }
  if (url.search !== '' || url.hash !== '' || value.includes('?') || value.includes('#')) fail(field, 'must not have a query or fragment: give the origin and, if the store needs one, a base path');
  const hostname = url.hostname.toLowerCase();
  const bare = hostname.startsWith('[') ? hostname.slice(1, -1) : hostname;
  if (METADATA_HOSTS.has(hostname.replace(/\.$/, '')) || classifyAddress(bare).metadata) {
    fail(field, `${hostname} is a cloud metadata address; an S3-compatible store is never reached there`);
  }
  if (url.protocol === 'http:' && !isLoopback(hostname)) {
    fail(field, `plain http is accepted only on loopback (tests, a local sidecar); ${hostname} needs https:// (use endpoint.ca for a private CA)`);
  }
  // The raw path too: `new URL` resolves "a/../b" away before it could be seen.
  const rawPath = value.replace(/^[a-z]+:\/\/[^/]*/i, '');
  if (/(?:^|\/)\.{1,2}(?:\/|$)/.test(rawPath)) fail(field, 'has "." or ".." segments in its base path');
  const segments = url.pathname.split('/').slice(1);
  if (segments.some((s, i) => (s === '' && i < segments.length - 1) || s === '.' || s === '..' || /%2e|%2f/i.test(s))) {
    fail(field, 'has an unusable base path (empty, "." or ".." segments)');
  }
  // Normalised: lower-case scheme and host, default port dropped, no trailing slash.
  return `${url.protocol}//${url.host}${url.pathname.replace(/\/+$/, '')}`;
}

function checkCa(value: unknown): string {
  if (typeof value !== 'string' || !value.includes('-----BEGIN CERTIFICATE-----')) return fail('endpoint.ca', 'must be PEM text of one or more CA certificates (-----BEGIN CERTIFICATE-----)');
  const blocks = value.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) ?? [];
  if (blocks.length === 0) fail('endpoint.ca', 'has no complete PEM certificate (-----BEGIN CERTIFICATE----- … -----END CERTIFICATE-----)');
  blocks.forEach((block, i) => {
    try {
      new X509Certificate(block);
    } catch {
      fail('endpoint.ca', `certificate ${i + 1} is not a readable X.509 certificate`);
    }
  });
  return value;
}

/**
 * The validated `endpoint` of an AWS integration (undefined when it has none), with the scope and
 * auth rules an S3-compatible store imposes: no access points or directory buckets, the region in
 * `endpoint.region`, no `cross-account` (the platform's AWS identity means nothing to another
 * store, and is never sent to one), and assume-role only through the store's own STS.
 */
export function awsEndpointField(raw: Dict, scope: Dict, auth: Dict): AwsEndpoint | undefined {
  const value = raw.endpoint;
  if (value === undefined) return undefined;
  if (!isDict(value)) return fail('endpoint', 'must be an object such as { "url": "https://minio.example.com" }');
  for (const key of Object.keys(value)) if (!FIELDS.has(key)) fail(`endpoint.${key.slice(0, 64)}`, `is not an endpoint field (expected ${[...FIELDS].join(', ')})`);
  const endpoint: AwsEndpoint = { url: checkEndpointUrl(value.url, 'endpoint.url') };
  if (value.forcePathStyle !== undefined) {
    if (typeof value.forcePathStyle !== 'boolean') fail('endpoint.forcePathStyle', 'must be true or false');
    endpoint.forcePathStyle = value.forcePathStyle as boolean;
  }
  if (value.region !== undefined) {
    if (typeof value.region !== 'string' || !REGION.test(value.region)) fail('endpoint.region', 'must be the region the store signs for, e.g. "us-east-1", "auto" (R2) or "us-west-004" (B2)');
    endpoint.region = value.region as string;
  }
  if (value.publicUrl !== undefined) endpoint.publicUrl = checkEndpointUrl(value.publicUrl, 'endpoint.publicUrl');
  if (value.ca !== undefined) endpoint.ca = checkCa(value.ca);
  if (value.stsUrl !== undefined) endpoint.stsUrl = checkEndpointUrl(value.stsUrl, 'endpoint.stsUrl');
  if (value.stsCredentials !== undefined) {
    if (!isDict(value.stsCredentials)) fail('endpoint.stsCredentials', 'must be { accessKeyId, secretAccessKey } of the store user that calls AssumeRole');
    const c = value.stsCredentials as Dict;
    if (typeof c.accessKeyId !== 'string' || !STORE_ACCESS_KEY_ID.test(c.accessKeyId)) fail('endpoint.stsCredentials.accessKeyId', 'must be 3–128 printable characters without spaces');
    const secretAccessKey = secretField(c, 'secretAccessKey', 'endpoint.stsCredentials.', (o, f, w) => {
      if (typeof o[f] !== 'string' || o[f] === '') return fail(`${w}${f}`, 'is required and must be a non-empty string (or a function returning one)');
      return o[f] as string;
    });
    endpoint.stsCredentials = { accessKeyId: c.accessKeyId as string, secretAccessKey };
  }

  const bucket = scope.bucket;
  if (typeof bucket === 'string' && bucket !== '*') {
    const kind = s3BucketKind(bucket);
    if (kind === 'access-point' || kind === 'directory') fail('scope.bucket', `is an AWS ${kind === 'directory' ? 'directory bucket' : 'access point'}; S3-compatible stores serve plain buckets only`);
  }
  if (scope.accessPointArn !== undefined) fail('scope.accessPointArn', 'is AWS-only; remove it for an S3-compatible store');
  if (scope.region !== undefined) fail('scope.region', 'is for AWS regions; for an S3-compatible store set endpoint.region (e.g. "auto" for R2)');
  if (scope.partition !== undefined) fail('scope.partition', 'is AWS-only; remove it for an S3-compatible store');

  switch (auth.kind) {
    case 'cross-account':
      return fail('auth.kind', '"cross-account" signs with the platform\'s AWS identity, which an S3-compatible store does not know (and is never sent to one); use "access-key", or "assume-role" with endpoint.stsUrl');
    case 'assume-role':
      if (endpoint.stsUrl === undefined) fail('endpoint.stsUrl', 'is required for an assume-role integration on an S3-compatible store (MinIO and Ceph serve STS at their S3 origin)');
      if (endpoint.stsCredentials === undefined) fail('endpoint.stsCredentials', 'is required for an assume-role integration on an S3-compatible store: the store user that calls AssumeRole (the platform\'s AWS identity is never sent to another store)');
      break;
    default:
      if (endpoint.stsUrl !== undefined || endpoint.stsCredentials !== undefined) {
        fail(endpoint.stsUrl !== undefined ? 'endpoint.stsUrl' : 'endpoint.stsCredentials', 'is only used by assume-role integrations; remove it');
      }
  }
  return endpoint;
}
