/**
 * Where an S3 object lives on the wire: the same addressing the AWS SDK's endpoint rules produce
 * for standard regions (virtual-hosted `bucket.s3.REGION.amazonaws.com`, path-style for bucket
 * names with dots or when forced, `.amazonaws.com.cn` in China, custom endpoints for emulators).
 * The fast presigner needs it without building a client; a test checks it byte for byte against
 * the SDK.
 */

export interface S3EndpointOptions {
  /** Custom endpoint such as `http://127.0.0.1:9000` (optionally with a base path). */
  endpoint?: string;
  forcePathStyle?: boolean;
}

export interface ObjectUrlBase {
  /** `https://host[:port]` */
  origin: string;
  /** SigV4 signing name: `s3`, or `s3express` for a directory bucket's zonal endpoint. */
  service: 's3' | 's3express';
  /** Value of the Host header, port included when not the scheme's default. */
  host: string;
  /** Already-encoded path before the key, without trailing slash: `''`, `/bucket`, `/base/bucket`. */
  pathPrefix: string;
}

const HOST_LABEL = /^(?!-)[a-z0-9-]{3,63}(?<!-)$/;
const IP_HOST = /^(?:\d{1,3}(?:\.\d{1,3}){3}|\[[0-9a-f:.]+\])$/i;

/**
 * The SDK's isVirtualHostableS3Bucket: one DNS label of 3–63 lower-case characters, or (over
 * plain http, where no TLS wildcard certificate is involved) several such labels.
 */
function virtualHostable(bucket: string, allowDots: boolean): boolean {
  if (IP_HOST.test(bucket)) return false;
  return allowDots ? bucket.split('.').every((label) => HOST_LABEL.test(label)) : HOST_LABEL.test(bucket);
}

export function dnsSuffixFor(region: string): string {
  return region.startsWith('cn-') ? 'amazonaws.com.cn' : 'amazonaws.com';
}

/**
 * `bucket` may also be an access point ARN (addressed at `NAME-ACCOUNT.s3-accesspoint.REGION…`,
 * signed for the ARN's region, which the caller passes as `region`) or a directory bucket
 * (`BUCKET.s3express-ZONE.REGION.amazonaws.com`, signed as `s3express`), as the SDK's endpoint
 * rules address them. Access point aliases are bucket-shaped names and need nothing special.
 */
export function objectUrlBase(bucket: string, region: string, options: S3EndpointOptions): ObjectUrlBase {
  if (bucket.startsWith('arn:')) return accessPointBase(bucket, options);
  if (options.endpoint) {
    const url = new URL(options.endpoint);
    const basePath = url.pathname.replace(/\/+$/, '');
    const pathStyle = options.forcePathStyle === true || IP_HOST.test(url.hostname) || !virtualHostable(bucket, url.protocol === 'http:');
    if (pathStyle) return { origin: url.origin, service: 's3', host: url.host, pathPrefix: `${basePath}/${bucket}` };
    const host = `${bucket}.${url.host}`;
    return { origin: `${url.protocol}//${host}`, service: 's3', host, pathPrefix: basePath };
  }
  const suffix = dnsSuffixFor(region);
  const zone = DIRECTORY_BUCKET.exec(bucket)?.[1];
  if (zone !== undefined) {
    const host = `${bucket}.s3express-${zone}.${region}.${suffix}`;
    return { origin: `https://${host}`, service: 's3express', host, pathPrefix: '' };
  }
  if (options.forcePathStyle === true || !virtualHostable(bucket, false)) {
    const host = `s3.${region}.${suffix}`;
    return { origin: `https://${host}`, service: 's3', host, pathPrefix: `/${bucket}` };
  }
  const host = `${bucket}.s3.${region}.${suffix}`;
  return { origin: `https://${host}`, service: 's3', host, pathPrefix: '' };
}

const DIRECTORY_BUCKET = /--([a-z0-9]+(?:-[a-z0-9]+)+)--x-s3$/;

function accessPointBase(arn: string, options: S3EndpointOptions): ObjectUrlBase {
  const [, , , region = '', account = '', resource = ''] = arn.split(':');
  const label = `${resource.slice('accesspoint/'.length)}-${account}`;
  if (options.forcePathStyle === true) throw new TypeError('Path-style addressing cannot be used with access point ARNs; access point aliases work path-style');
  if (options.endpoint) {
    const url = new URL(options.endpoint);
    const host = `${label}.${url.host}`;
    return { origin: `${url.protocol}//${host}`, service: 's3', host, pathPrefix: url.pathname.replace(/\/+$/, '') };
  }
  const host = `${label}.s3-accesspoint.${region}.${dnsSuffixFor(region)}`;
  return { origin: `https://${host}`, service: 's3', host, pathPrefix: '' };
}

const UNRESERVED_PATH = /^[A-Za-z0-9\-_.~/]*$/;

/** SigV4/S3 path encoding: each segment RFC 3986-encoded once, `/` kept. */
export function encodeKeyPath(key: string): string {
  if (UNRESERVED_PATH.test(key)) return key;
  return key.split('/').map(rfc3986).join('/');
}

export function rfc3986(text: string): string {
  return encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}
