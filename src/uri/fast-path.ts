import type { AssetLocation } from '../types.js';
import { checkS3BucketName } from './aws-names.js';
import { endpointsAtOrigin } from './endpoints.js';
import { location } from './location.js';
import { checkAzureAccount, checkAzureContainer, checkGcsBucket } from './names.js';
import type { ParseOptions } from './web.js';

/**
 * The common URI forms with plain keys, parsed without the general parser's scans: `s3://B/K`,
 * `gs://B/K` and `https://ACCOUNT.blob.core.windows.net/C/K` in lower-case scheme and host, with a
 * key of only `A-Z a-z 0-9 _ . ~ - /`. Anything else — any other character, an upper-case host,
 * a query, a fragment, a port, a percent sign — returns undefined and takes the general path.
 *
 * What is skipped is only what such a key cannot contain: control, bidirectional and other
 * forbidden characters, backslashes, percent-encodings (nothing to decode, nothing hidden), lone
 * surrogates. What remains is checked here exactly as the general parser checks it: the same
 * bucket, container and account validators, '.'/'..' and empty segments, the 1,024 limit, and
 * the same `location()` builder, so the result is identical (test/uri/fast-path.test.ts compares
 * both over generated inputs; the URI table tests run through this path too).
 */

const PLAIN_KEY = /^[A-Za-z0-9_.~/-]{1,1024}$/;
/** A '.' or '..' segment, an empty segment (except one trailing '/'), or a leading '/'. */
const BAD_SEGMENTS = /(?:^|\/)\.{1,2}(?:\/|$)|\/\/|^\//;
const AZURE_BLOB = /^https:\/\/([a-z0-9]{3,24})\.blob\.core\.windows\.net\/([a-z0-9-]{3,63})\/(.+)$/;

function plainKey(key: string): boolean {
  return PLAIN_KEY.test(key) && !BAD_SEGMENTS.test(key);
}

export function fastParse(uri: string, options: ParseOptions): AssetLocation | undefined {
  const c0 = uri.charCodeAt(0);
  if (c0 === 0x73 /* s */ && uri.startsWith('s3://')) {
    const slash = uri.indexOf('/', 5);
    if (slash === -1) return undefined;
    const bucket = uri.slice(5, slash);
    const key = uri.slice(slash + 1);
    // ARNs, aliases and directory buckets (which carry a region) take the general path.
    if (!/^[a-z0-9.-]+$/.test(bucket) || bucket.endsWith('-s3') || bucket.endsWith('.mrap') || !plainKey(key)) return undefined;
    if (checkS3BucketName(bucket) !== 'bucket') return undefined;
    return location('aws', bucket, key);
  }
  if (c0 === 0x67 /* g */ && uri.startsWith('gs://')) {
    const slash = uri.indexOf('/', 5);
    if (slash === -1) return undefined;
    const bucket = uri.slice(5, slash);
    const key = uri.slice(slash + 1);
    if (!/^[a-z0-9._-]+$/.test(bucket) || !plainKey(key)) return undefined;
    checkGcsBucket(bucket);
    return location('gcp', bucket, key);
  }
  if (c0 === 0x68 /* h */ && uri.startsWith('https://')) {
    const m = AZURE_BLOB.exec(uri);
    if (m === null) return undefined;
    const [, account = '', container = '', key = ''] = m;
    if (!plainKey(key)) return undefined;
    // A configured emulator endpoint at this origin parses as that endpoint: general path.
    if (options.endpoints !== undefined && options.endpoints.length > 0
      && endpointsAtOrigin(options.endpoints, 'https', `${account}.blob.core.windows.net`, undefined).length > 0) return undefined;
    checkAzureAccount(account);
    checkAzureContainer(container);
    return location('azure', container, key, { cloud: 'public', account });
  }
  return undefined;
}
