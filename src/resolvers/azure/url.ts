import { InvalidIntegrationError, InvalidUriError } from '../../errors.js';
import type { AzureCloud, AzurePlatformOptions } from '../../types.js';
import { azureBlobHost } from '../../uri/azure.js';

/** Unreserved characters and '/' only: nothing a URL parser normalises (given no '.' or '..' segment). */
const PLAIN_PATH = /^[A-Za-z0-9_.~/-]*$/;

export const PUBLIC_BLOB_ENDPOINT = 'https://{account}.blob.core.windows.net';

const UNRESERVED = /^[A-Za-z0-9._~-]*$/;

/** Percent-encodes one path segment: everything but RFC 3986 unreserved characters. */
function encodeSegment(segment: string): string {
  if (UNRESERVED.test(segment)) return segment;
  return encodeURIComponent(segment).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/**
 * The blob service of one storage account, from `platform.azure.blobEndpoint` (a template where
 * `{account}` is replaced; without the placeholder every account maps to that one endpoint).
 * Built once per account and reused, so a presign parses no URL but the final check.
 */
export class BlobEndpoint {
  /** e.g. https://acct.blob.core.windows.net or https://127.0.0.1:PORT/acct; no trailing slash. */
  readonly serviceUrl: string;
  /** Account name the service knows itself by: what SAS signatures must name. */
  readonly sasAccount: string;
  /** Path of the service URL ('' or '/acct'). */
  readonly #basePath: string;

  /** `cloud` picks the default host (blob.core.windows.net, blob.core.chinacloudapi.cn, blob.core.usgovcloudapi.net); `blobEndpoint` overrides it. */
  constructor(account: string, options: AzurePlatformOptions | undefined, cloud: AzureCloud = 'public') {
    const template = options?.blobEndpoint ?? `https://${azureBlobHost('{account}', cloud)}`;
    const url = template.replaceAll('{account}', account).replace(/\/+$/, '');
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new InvalidIntegrationError('platform.azure.blobEndpoint', 'is not a valid URL');
    }
    // Bearer tokens and SAS signatures must never travel in clear text.
    if (parsed.protocol !== 'https:') throw new InvalidIntegrationError('platform.azure.blobEndpoint', 'must be an https URL');
    if (parsed.search || parsed.hash) throw new InvalidIntegrationError('platform.azure.blobEndpoint', 'must not carry a query or fragment');
    this.serviceUrl = url;
    this.#basePath = parsed.pathname.replace(/\/+$/, '');
    this.sasAccount = serviceAccountName(parsed, account);
  }

  containerUrl(container: string): string {
    return `${this.serviceUrl}/${encodeSegment(container)}`;
  }

  /**
   * The URL of one blob, built segment by segment so that the blob name that reaches the wire is
   * exactly `key`. The SDK's `getBlobClient(name)` hands the name to WHATWG URL, which silently
   * resolves `.` and `..` segments (and their `%2e` forms), so `a/../b` would address `b`; such
   * keys are refused here, and the parsed URL is checked to still carry every segment.
   */
  blobUrl(container: string, key: string): string {
    if (key === '' || key.startsWith('/')) throw new InvalidUriError('blob name must be non-empty and must not start with "/"');
    const segments = key.split('/');
    let path = `/${encodeSegment(container)}`;
    for (const segment of segments) {
      if (segment === '' || segment === '.' || segment === '..') {
        throw new InvalidUriError('blob name has an empty, "." or ".." path segment; such names cannot be addressed without being rewritten');
      }
      if (segment.includes('\\')) throw new InvalidUriError('blob name contains a backslash, which HTTP clients treat as "/"');
      path += `/${encodeSegment(segment)}`;
    }
    const url = `${this.serviceUrl}${path}`;
    // Defence in depth: whatever the URL parser does, the path it keeps must be the one we built.
    // A path of only unreserved characters and '/' (dot segments refused above) is one the parser
    // cannot rewrite, so only other paths pay for a parse (this runs on every presign).
    if (!PLAIN_PATH.test(path) && new URL(url).pathname !== `${this.#basePath}${path}`) {
      throw new InvalidUriError('blob name would be rewritten by URL normalisation; refusing to address a different blob');
    }
    return url;
  }
}

/**
 * A listing prefix ('' or ending in '/' allowed). It travels as a query parameter, so URL
 * normalisation cannot rewrite it, but a prefix with dot segments can only be a mistake or a probe.
 */
export function assertListablePrefix(prefix: string): void {
  if (prefix === '') return;
  const segments = prefix.replace(/\/$/, '').split('/');
  if (prefix.startsWith('/') || segments.some((s) => s === '' || s === '.' || s === '..' || s.includes('\\'))) {
    throw new InvalidUriError('listing prefix has an empty, "." or ".." path segment or a backslash');
  }
}

/**
 * The first host label for `acct.blob.…` hosts, the first path segment for path-style (IP /
 * localhost) endpoints such as Azurite's, else the integration's account.
 */
function serviceAccountName(url: URL, fallback: string): string {
  const labels = url.hostname.split('.');
  if (labels[1] === 'blob' && labels[0]) return labels[0];
  const pathStyle = url.hostname === 'localhost' || /^\d{1,3}(\.\d{1,3}){3}$/.test(url.hostname) || url.hostname.startsWith('[');
  const first = url.pathname.split('/')[1];
  return pathStyle && first ? decodeURIComponent(first) : fallback;
}
