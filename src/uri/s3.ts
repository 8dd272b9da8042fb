/** The literal S3 forms: s3://BUCKET/KEY, s3://ACCESS-POINT-ARN/KEY (as the AWS CLI writes it) and ARNs. */
import type { AssetLocation } from '../types.js';
import { checkArnPartition, checkS3BucketName, parseAccessPointArn, regionOfZone, checkDirectoryBucket } from './aws-names.js';
import { UriProblem } from './fail.js';
import { checkKey, S3_KEY } from './key.js';
import { location } from './location.js';

const AP = 'accesspoint/';

/** s3:// and s3a://: everything after the bucket's '/' is the key, verbatim. */
export function s3Literal(scheme: string, rest: string): AssetLocation {
  if (!rest.startsWith('//')) throw new UriProblem(`write ${scheme}://bucket/key, with two slashes after "${scheme}:"`);
  const body = rest.slice(2);
  if (body.startsWith('arn:')) return accessPoint(body, '/');
  const slash = body.indexOf('/');
  const bucket = slash === -1 ? body : body.slice(0, slash);
  const key = slash === -1 ? '' : body.slice(slash + 1);
  if (bucket === '') throw new UriProblem(`the bucket name is empty; write ${scheme}://bucket/key`);
  if (bucket.includes('@')) throw new UriProblem(`${scheme}:// URIs may not carry userinfo ('user@'); remove it`);
  if (bucket.includes(':')) throw new UriProblem(`${scheme}:// URIs may not name a port; remove ':…' after the bucket`);
  const kind = checkS3BucketName(bucket);
  checkKey(key, S3_KEY);
  // s3:// names no partition: it means the partition of the integration that matches.
  const region = kind === 'directory' ? regionOfZone(checkDirectoryBucket(bucket)) : undefined;
  return location('aws', bucket, key, region === undefined ? {} : { region });
}

/**
 * `ARN[/KEY]` where ARN is an access point ARN; `separator` is what comes between the ARN and the
 * key: '/' in the CLI's s3:// form, '/object/' in an object ARN.
 */
function accessPoint(text: string, separator: '/' | '/object/'): AssetLocation {
  const at = text.indexOf(AP);
  const end = at === -1 ? text.indexOf('/') : text.indexOf('/', at + AP.length);
  const arn = end === -1 ? text : text.slice(0, end);
  const ap = parseAccessPointArn(arn);
  let key = '';
  if (end !== -1) {
    const after = text.slice(end);
    if (separator === '/object/' && after !== '/' && after !== '/object' && !after.startsWith('/object/')) {
      throw new UriProblem(`access point object ARNs are ${arn}/object/KEY`);
    }
    key = after.startsWith(separator) ? after.slice(separator.length) : '';
  }
  checkKey(key, S3_KEY);
  return location('aws', arn, key, { region: ap.region, partition: ap.partition });
}

/**
 * `arn:PARTITION:s3:REGION:ACCOUNT:accesspoint/NAME/object/KEY` (an access point object),
 * `arn:PARTITION:s3:::BUCKET/KEY` (an object in a general purpose bucket) and the same ARNs
 * without a key. Keys in ARNs are literal, as in s3:// URIs.
 */
export function s3Arn(input: string): AssetLocation {
  const fields: number[] = [];
  for (let i = 0; i < input.length && fields.length < 5; i++) if (input[i] === ':') fields.push(i);
  if (fields.length < 5) throw new UriProblem('an ARN has six ":"-separated fields: arn:aws:s3:REGION:ACCOUNT:accesspoint/NAME/object/KEY');
  const [c1, c2, c3, c4, c5] = fields as [number, number, number, number, number];
  if (input.slice(0, c1) !== 'arn') throw new UriProblem('ARNs start with "arn:" in lower case');
  const partition = input.slice(c1 + 1, c2);
  const service = input.slice(c2 + 1, c3);
  const region = input.slice(c3 + 1, c4);
  const account = input.slice(c4 + 1, c5);
  const resource = input.slice(c5 + 1);
  if (service === 's3' && region === '' && account === '' && !resource.startsWith(AP)) {
    checkArnPartition(partition);
    const slash = resource.indexOf('/');
    const bucket = slash === -1 ? resource : resource.slice(0, slash);
    const key = slash === -1 ? '' : resource.slice(slash + 1);
    if (checkS3BucketName(bucket) !== 'bucket') throw new UriProblem('object ARNs name a general purpose bucket: arn:aws:s3:::BUCKET/KEY');
    checkKey(key, S3_KEY);
    return location('aws', bucket, key, { partition: partition as 'aws' | 'aws-cn' | 'aws-us-gov' });
  }
  return accessPoint(input, '/object/');
}
