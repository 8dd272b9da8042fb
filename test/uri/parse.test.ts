import { describe, expect, it } from 'vitest';
import { AssetLinkError } from '../../src/errors.js';
import type { AssetLocation } from '../../src/types.js';
import { encodeKeyForUrl, isUnder, joinKey, parseAssetUri, type ParseOptions } from '../../src/uri/index.js';

type Expected = Partial<AssetLocation> & Pick<AssetLocation, 'provider' | 'bucket' | 'key' | 'uri'>;
type Row = [input: string, expected: Expected | 'INVALID_URI' | 'UNSUPPORTED_URI'];

// The same options for every row: these origins are loopback emulators with ports, so they
// cannot change how any other row parses.
const OPTIONS: ParseOptions = {
  endpoints: [
    { provider: 'aws', url: 'http://127.0.0.1:4569' },
    { provider: 'gcp', url: 'http://localhost:4443' },
    { provider: 'azure', url: 'https://127.0.0.1:10000/{account}' },
    { provider: 'azure', url: 'http://{account}.blob.localhost:10001' },
  ],
  allowPorts: [8443],
};

const a63 = 'a'.repeat(63);
const SIGV4 =
  'X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAEXAMPLE%2F20240101%2Fus-east-1%2Fs3%2Faws4_request' +
  '&X-Amz-Date=20240101T000000Z&X-Amz-Expires=900&X-Amz-SignedHeaders=host&X-Amz-Signature=SECRETSIG';
const GOOG4 =
  'X-Goog-Algorithm=GOOG4-RSA-SHA256&X-Goog-Credential=sa%40p.iam.gserviceaccount.com%2F20240101%2Fauto%2Fstorage%2Fgoog4_request' +
  '&X-Goog-Date=20240101T120000Z&X-Goog-Expires=3600&X-Goog-SignedHeaders=host&X-Goog-Signature=SECRETSIG';
const SAS = 'sv=2022-11-02&sr=b&sp=r&se=2030-01-01T00%3A00%3A00Z&sig=SECRETSIG';
const AP_ARN = 'arn:aws:s3:us-west-2:123456789012:accesspoint/myap';
const ALIAS = 'myap-hrzrlukc5m36ft7okagglf3gmwluquse1b-s3alias';
const DIR = 'my-data--usw2-az1--x-s3';

const s3 = (bucket: string, key: string, extra: Partial<AssetLocation> = {}): Expected =>
  ({ provider: 'aws', bucket, key, uri: `s3://${bucket}/${key}`, ...extra });
/** Literal s3:// URIs and emulator endpoints name no partition and pin no version. */
const s3lit = (bucket: string, key: string, extra: Partial<AssetLocation> = {}): Expected =>
  s3(bucket, key, { partition: undefined, version: undefined, ...extra });
/** AWS https hosts name their partition. */
const aws = (bucket: string, key: string, extra: Partial<AssetLocation> = {}): Expected =>
  s3(bucket, key, { partition: 'aws', version: undefined, ...extra });

const rows: Row[] = [
  // ---- s3:// and s3a:// — key taken literally
  ['s3://bucket/key', s3lit('bucket', 'key', { region: undefined, presigned: undefined })],
  ['s3a://bucket/key', s3lit('bucket', 'key')],
  ['S3://bucket/Key', s3lit('bucket', 'Key')],
  ['s3://bucket', s3lit('bucket', '')],
  ['s3://bucket/', s3lit('bucket', '')],
  ['s3://bucket/dir/', s3lit('bucket', 'dir/')],
  ['s3://bucket/a b.txt', s3lit('bucket', 'a b.txt')],
  ['s3://bucket/a%20b', s3lit('bucket', 'a%20b')],
  ['s3://bucket/a%2Fb', s3lit('bucket', 'a%2Fb')],
  ['s3://bucket/a#b', s3lit('bucket', 'a#b')],
  ['s3://bucket/a?b=c', s3lit('bucket', 'a?b=c')],
  ['s3://bucket/a+b', s3lit('bucket', 'a+b')],
  ['s3://bucket/%zz', s3lit('bucket', '%zz')],
  ['s3://bucket/k ', s3lit('bucket', 'k ')],
  ['s3://bucket/caf\u00e9.jpg', s3lit('bucket', 'caf\u00e9.jpg')],
  ['s3://bucket/cafe\u0301.jpg', s3lit('bucket', 'cafe\u0301.jpg')],
  ['s3://bucket/\u{1F600}/x.png', s3lit('bucket', '\u{1F600}/x.png')],
  ['s3://my.bucket.name/k', s3lit('my.bucket.name', 'k')],
  [`s3://${a63}/k`, s3lit(a63, 'k')],
  [`s3://bucket/${'a'.repeat(1024)}`, s3lit('bucket', 'a'.repeat(1024))],
  [`s3://bucket/${'\u00e9'.repeat(512)}`, s3lit('bucket', '\u00e9'.repeat(512))],
  [`s3://bucket/${'a'.repeat(1025)}`, 'INVALID_URI'],
  [`s3://bucket/${'\u00e9'.repeat(513)}`, 'INVALID_URI'],
  ['s3://', 'INVALID_URI'],
  ['s3:///key', 'INVALID_URI'],
  ['s3:bucket/key', 'INVALID_URI'],
  ['s3://Bad_Bucket/k', 'INVALID_URI'],
  ['s3://BUCKET/k', 'INVALID_URI'],
  ['s3://ab/k', 'INVALID_URI'],
  [`s3://${a63}a/k`, 'INVALID_URI'],
  ['s3://-bucket/k', 'INVALID_URI'],
  ['s3://bucket-/k', 'INVALID_URI'],
  ['s3://my..bucket/k', 'INVALID_URI'],
  ['s3://192.168.1.1/k', 'INVALID_URI'],
  ['s3://xn--bucket/k', 'INVALID_URI'],
  ['s3://bucket-s3alias/k', s3lit('bucket-s3alias', 'k')],
  ['s3://bucket--ol-s3/k', 'UNSUPPORTED_URI'],
  ['s3://user@bucket/k', 'INVALID_URI'],
  ['s3://bucket:443/k', 'INVALID_URI'],
  ['s3://bucket//k', 'INVALID_URI'],
  ['s3://bucket/a//b', 'INVALID_URI'],
  ['s3://bucket/../k', 'INVALID_URI'],
  ['s3://bucket/a/./b', 'INVALID_URI'],
  ['s3://bucket/a/..', 'INVALID_URI'],
  ['s3://bucket/%2e%2e/k', 'INVALID_URI'],
  ['s3://bucket/%2E./k', 'INVALID_URI'],
  ['s3://bucket/a%2F..%2Fb', 'INVALID_URI'],
  ['s3://bucket/a\\b', 'INVALID_URI'],
  ['s3://bucket/a%5Cb', 'INVALID_URI'],
  ['s3://bucket/a\u0000b', 'INVALID_URI'],
  ['s3://bucket/a%00b', 'INVALID_URI'],
  ['s3://bucket/a\nb', 'INVALID_URI'],
  ['s3://bucket/a\tb', 'INVALID_URI'],
  ['s3://bucket/a\u007fb', 'INVALID_URI'],
  ['s3://bucket/a\ud800b', 'INVALID_URI'],
  [' s3://bucket/k', 'INVALID_URI'],

  // ---- gs://
  ['gs://bucket/key', { provider: 'gcp', bucket: 'bucket', key: 'key', uri: 'gs://bucket/key', partition: undefined }],
  ['GS://bucket/Obj', { provider: 'gcp', bucket: 'bucket', key: 'Obj', uri: 'gs://bucket/Obj' }],
  ['gs://bucket', { provider: 'gcp', bucket: 'bucket', key: '', uri: 'gs://bucket/' }],
  ['gs://my_bucket/k', { provider: 'gcp', bucket: 'my_bucket', key: 'k', uri: 'gs://my_bucket/k' }],
  ['gs://bucket/a#b?c %20', { provider: 'gcp', bucket: 'bucket', key: 'a#b?c %20', uri: 'gs://bucket/a#b?c %20' }],
  [`gs://${a63}.${a63}.${a63}.${'b'.repeat(30)}/k`, { provider: 'gcp', bucket: `${a63}.${a63}.${a63}.${'b'.repeat(30)}`, key: 'k', uri: `gs://${a63}.${a63}.${a63}.${'b'.repeat(30)}/k` }],
  [`gs://${a63}.${a63}.${a63}.${'b'.repeat(31)}/k`, 'INVALID_URI'],
  [`gs://${a63}a/k`, 'INVALID_URI'],
  [`gs://${a63}a.b/k`, 'INVALID_URI'],
  ['gs://goog-bucket/k', 'INVALID_URI'],
  ['gs://my-google-bucket/k', 'INVALID_URI'],
  ['gs://_bucket/k', 'INVALID_URI'],
  ['gs://ab/k', 'INVALID_URI'],
  ['gs://Bucket/k', 'INVALID_URI'],
  [`gs://bucket/${'a'.repeat(1025)}`, 'INVALID_URI'],

  // ---- az:// (no account in the URI)
  ['az://container/dir/key', { provider: 'azure', bucket: 'container', key: 'dir/key', uri: 'az://container/dir/key', account: undefined }],
  ['az://container', { provider: 'azure', bucket: 'container', key: '', uri: 'az://container/' }],
  ['az://$web/index.html', { provider: 'azure', bucket: '$web', key: 'index.html', uri: 'az://$web/index.html' }],
  ['az://container/a b#c', { provider: 'azure', bucket: 'container', key: 'a b#c', uri: 'az://container/a b#c' }],
  ['az://Container/k', 'INVALID_URI'],
  ['az://my--container/k', 'INVALID_URI'],
  ['az://co/k', 'INVALID_URI'],
  ['az://-container/k', 'INVALID_URI'],
  ['az://container@acct/k', 'INVALID_URI'],
  [`az://container/${'a'.repeat(1025)}`, 'INVALID_URI'],

  // ---- Azure https, wasbs://, abfss://
  ['https://acct.blob.core.windows.net/container/dir/file.txt', { provider: 'azure', bucket: 'container', key: 'dir/file.txt', account: 'acct', uri: 'https://acct.blob.core.windows.net/container/dir/file.txt' }],
  ['https://ACCT.Blob.Core.Windows.NET/container/K', { provider: 'azure', bucket: 'container', key: 'K', account: 'acct', uri: 'https://acct.blob.core.windows.net/container/K' }],
  ['https://acct.blob.core.windows.net/container/a%20b', { provider: 'azure', bucket: 'container', key: 'a b', account: 'acct', uri: 'https://acct.blob.core.windows.net/container/a%20b' }],
  ['https://acct.blob.core.windows.net/container/a%2Fb', { provider: 'azure', bucket: 'container', key: 'a/b', account: 'acct', uri: 'https://acct.blob.core.windows.net/container/a/b' }],
  ['https://acct.blob.core.windows.net/container', { provider: 'azure', bucket: 'container', key: '', account: 'acct', uri: 'https://acct.blob.core.windows.net/container/' }],
  ['https://acct.dfs.core.windows.net/fsys/dir/f', { provider: 'azure', bucket: 'fsys', key: 'dir/f', account: 'acct', uri: 'https://acct.blob.core.windows.net/fsys/dir/f' }],
  [`https://acct.blob.core.windows.net/container/k?${SAS}`, { provider: 'azure', bucket: 'container', key: 'k', account: 'acct', uri: 'https://acct.blob.core.windows.net/container/k', presigned: { kind: 'azure', expiresAt: new Date('2030-01-01T00:00:00Z') } }],
  ['wasbs://container@acct.blob.core.windows.net/dir/k', { provider: 'azure', bucket: 'container', key: 'dir/k', account: 'acct', uri: 'https://acct.blob.core.windows.net/container/dir/k' }],
  ['WASBS://container@ACCT.blob.core.windows.net/a%20b', { provider: 'azure', bucket: 'container', key: 'a b', account: 'acct', uri: 'https://acct.blob.core.windows.net/container/a%20b' }],
  ['abfss://container@acct.dfs.core.windows.net/dir/k', { provider: 'azure', bucket: 'container', key: 'dir/k', account: 'acct', uri: 'https://acct.blob.core.windows.net/container/dir/k' }],
  ['abfss://container@acct.dfs.core.windows.net/', { provider: 'azure', bucket: 'container', key: '', account: 'acct', uri: 'https://acct.blob.core.windows.net/container/' }],
  ['https://acct.blob.core.windows.net/', 'INVALID_URI'],
  ['https://acct.blob.core.windows.net/con%2Ftainer/k', 'INVALID_URI'],
  ['https://acct.blob.core.windows.net/Container/k', 'INVALID_URI'],
  ['https://my-acct.blob.core.windows.net/container/k', 'INVALID_URI'],
  [`https://${'a'.repeat(25)}.blob.core.windows.net/container/k`, 'INVALID_URI'],
  ['wasbs://acct.blob.core.windows.net/k', 'INVALID_URI'],
  ['abfss://container@acct.blob.core.windows.net/k', 'INVALID_URI'],
  ['wasbs://container@acct.blob.core.windows.net:443/k', 'INVALID_URI'],
  ['wasbs://container@example.com/k', 'INVALID_URI'],
  ['wasbs://container@acct.blob.core.windows.net/a/../b', 'INVALID_URI'],
  ['wasb://container@acct.blob.core.windows.net/k', 'INVALID_URI'],
  ['abfs://container@acct.dfs.core.windows.net/k', 'INVALID_URI'],
  ['wasbs://container@acct.blob.core.windows.net/k?versionid=2024-01-01T00:00:00Z', 'INVALID_URI'],

  // ---- AWS https, virtual-hosted and path-style
  ['https://bucket.s3.amazonaws.com/key', aws('bucket', 'key', { region: undefined })],
  ['https://bucket.s3.us-west-2.amazonaws.com/key', aws('bucket', 'key', { region: 'us-west-2' })],
  ['https://bucket.s3-eu-west-1.amazonaws.com/key', aws('bucket', 'key', { region: 'eu-west-1' })],
  ['https://bucket.s3.dualstack.ap-southeast-2.amazonaws.com/key', aws('bucket', 'key', { region: 'ap-southeast-2' })],
  ['https://s3.us-east-2.amazonaws.com/bucket/key', aws('bucket', 'key', { region: 'us-east-2' })],
  ['https://s3-us-west-1.amazonaws.com/bucket/key', aws('bucket', 'key', { region: 'us-west-1' })],
  ['https://s3.dualstack.eu-central-1.amazonaws.com/bucket/key', aws('bucket', 'key', { region: 'eu-central-1' })],
  ['https://s3.amazonaws.com/bucket/key', aws('bucket', 'key', { region: undefined })],
  ['https://s3.amazonaws.com/bucket', aws('bucket', '')],
  ['https://s3.amazonaws.com/bucket/', aws('bucket', '')],
  ['https://s3-external-1.amazonaws.com/bucket/k', aws('bucket', 'k', { region: 'us-east-1' })],
  ['https://bucket.s3-fips.us-gov-west-1.amazonaws.com/k', aws('bucket', 'k', { region: 'us-gov-west-1', partition: 'aws-us-gov' })],
  ['https://my.dotted.bucket.s3.us-east-1.amazonaws.com/k', aws('my.dotted.bucket', 'k', { region: 'us-east-1' })],
  ['HTTPS://Bucket.S3.US-WEST-2.AmazonAWS.com/Key', aws('bucket', 'Key', { region: 'us-west-2' })],
  ['https://bucket.s3.cn-north-1.amazonaws.com.cn/k', aws('bucket', 'k', { region: 'cn-north-1', partition: 'aws-cn' })],
  ['https://s3.cn-northwest-1.amazonaws.com.cn/bucket/k', aws('bucket', 'k', { region: 'cn-northwest-1', partition: 'aws-cn' })],
  ['https://bucket.s3.dualstack.cn-north-1.amazonaws.com.cn/k', aws('bucket', 'k', { region: 'cn-north-1', partition: 'aws-cn' })],
  ['https://bucket.s3.amazonaws.com/a%20b%2Fc', aws('bucket', 'a b/c')],
  ['https://bucket.s3.amazonaws.com/a+b', aws('bucket', 'a+b')],
  ['https://bucket.s3.amazonaws.com/a%2Bb', aws('bucket', 'a+b')],
  ['https://bucket.s3.amazonaws.com/a%3Fb%23c', aws('bucket', 'a?b#c')],
  ['https://bucket.s3.amazonaws.com/dir/file.txt?versionId=1#frag', aws('bucket', 'dir/file.txt', { presigned: undefined, version: '1', uri: 'https://s3.amazonaws.com/bucket/dir/file.txt?versionId=1' })],
  ['https://bucket.s3.amazonaws.com/caf%C3%A9', aws('bucket', 'caf\u00e9')],
  ['https://bucket.s3.amazonaws.com/%F0%9F%98%80.png', aws('bucket', '\u{1F600}.png')],
  ['https://bucket.s3.amazonaws.com/%2525', aws('bucket', '%25')],
  [`https://bucket.s3.us-east-1.amazonaws.com/k?${SIGV4}`, aws('bucket', 'k', { region: 'us-east-1', presigned: { kind: 'aws', expiresAt: new Date('2024-01-01T00:15:00Z') } })],
  ['https://bucket.s3.amazonaws.com/k?x-amz-signature=abc', aws('bucket', 'k', { presigned: undefined })],
  ['https://bucket.s3.amazonaws.com/k?AWSAccessKeyId=AKIA&Expires=1704067200&Signature=SECRETSIG', aws('bucket', 'k', { presigned: { kind: 'aws', expiresAt: new Date('2024-01-01T00:00:00Z') } })],
  ['https://s3.cn-north-1.amazonaws.com/bucket/k', 'INVALID_URI'],
  ['https://s3.amazonaws.com/', 'INVALID_URI'],
  ['https://s3.amazonaws.com', 'INVALID_URI'],
  ['https://s3.amazonaws.com/buc%2Fket/k', 'INVALID_URI'],
  ['https://s3.amazonaws.com/MyBucket/k', 'INVALID_URI'],
  ['https://bad_bucket.s3.amazonaws.com/k', 'INVALID_URI'],
  ['https://bucket.s3.amazonaws.com//k', 'INVALID_URI'],
  ['https://bucket.s3.amazonaws.com/a//b', 'INVALID_URI'],
  ['https://bucket.s3.amazonaws.com/a/../b', 'INVALID_URI'],
  ['https://bucket.s3.amazonaws.com/./b', 'INVALID_URI'],
  ['https://bucket.s3.amazonaws.com/a/%2e%2e/b', 'INVALID_URI'],
  ['https://bucket.s3.amazonaws.com/a/%2E./b', 'INVALID_URI'],
  ['https://bucket.s3.amazonaws.com/a/.%2e', 'INVALID_URI'],
  ['https://bucket.s3.amazonaws.com/a%2F..%2Fb', 'INVALID_URI'],
  ['https://bucket.s3.amazonaws.com/%252e%252e/k', 'INVALID_URI'],
  ['https://bucket.s3.amazonaws.com/a%5Cb', 'INVALID_URI'],
  ['https://bucket.s3.amazonaws.com/a%00b', 'INVALID_URI'],
  ['https://bucket.s3.amazonaws.com/a%0Ab', 'INVALID_URI'],
  ['https://bucket.s3.amazonaws.com/%ff', 'INVALID_URI'],
  ['https://bucket.s3.amazonaws.com/%zz', 'INVALID_URI'],
  ['https://bucket.s3.amazonaws.com/a%2', 'INVALID_URI'],
  ['https://bucket.s3.amazonaws.com:443/k', 'INVALID_URI'],
  ['https://bucket.s3.amazonaws.com./k', 'INVALID_URI'],
  ['https://user:pw@bucket.s3.amazonaws.com/k', 'INVALID_URI'],
  ['https://bucket.s3.amazonaws.com@evil.com/k', 'INVALID_URI'],
  [`http://bucket.s3.amazonaws.com/k?${SIGV4}`, 'INVALID_URI'],

  // ---- GCS https
  ['https://storage.googleapis.com/bucket/path/to/obj', { provider: 'gcp', bucket: 'bucket', key: 'path/to/obj', uri: 'gs://bucket/path/to/obj' }],
  ['https://bucket.storage.googleapis.com/obj', { provider: 'gcp', bucket: 'bucket', key: 'obj', uri: 'gs://bucket/obj' }],
  ['https://my.dotted.bucket.storage.googleapis.com/obj', { provider: 'gcp', bucket: 'my.dotted.bucket', key: 'obj', uri: 'gs://my.dotted.bucket/obj' }],
  ['https://storage.cloud.google.com/bucket/obj', { provider: 'gcp', bucket: 'bucket', key: 'obj', uri: 'gs://bucket/obj' }],
  ['https://storage.googleapis.com/bucket', { provider: 'gcp', bucket: 'bucket', key: '', uri: 'gs://bucket/' }],
  ['https://storage.googleapis.com/bucket/a%20b', { provider: 'gcp', bucket: 'bucket', key: 'a b', uri: 'gs://bucket/a b' }],
  [`https://storage.googleapis.com/bucket/obj?${GOOG4}`, { provider: 'gcp', bucket: 'bucket', key: 'obj', uri: 'gs://bucket/obj', presigned: { kind: 'gcp', expiresAt: new Date('2024-01-01T13:00:00Z') } }],
  ['https://storage.googleapis.com/bucket/obj?GoogleAccessId=sa&Expires=1704067200&Signature=SECRETSIG', { provider: 'gcp', bucket: 'bucket', key: 'obj', uri: 'gs://bucket/obj', presigned: { kind: 'gcp', expiresAt: new Date('2024-01-01T00:00:00Z') } }],
  ['https://storage.googleapis.com/storage/v1/b/bucket/o/obj', { provider: 'gcp', bucket: 'bucket', key: 'obj', uri: 'gs://bucket/obj', version: undefined }],
  ['https://storage.googleapis.com/Bucket/o', 'INVALID_URI'],
  ['https://storage.googleapis.com/goog-bucket/o', 'INVALID_URI'],
  ['https://bucket.storage.googleapis.com:8443/obj', 'INVALID_URI'],

  // ---- plain https, lookalikes and hostile hosts
  ['https://example.com/images/a.jpg', { provider: 'https', bucket: 'example.com', key: 'images/a.jpg', uri: 'https://example.com/images/a.jpg' }],
  ['https://EXAMPLE.com/A.jpg', { provider: 'https', bucket: 'example.com', key: 'A.jpg', uri: 'https://example.com/A.jpg' }],
  ['https://example.com', { provider: 'https', bucket: 'example.com', key: '', uri: 'https://example.com/' }],
  ['https://example.com/', { provider: 'https', bucket: 'example.com', key: '', uri: 'https://example.com/' }],
  ['https://example.com/a%20b?x=1#f', { provider: 'https', bucket: 'example.com', key: 'a b', uri: 'https://example.com/a%20b' }],
  ['https://example.com/a b', { provider: 'https', bucket: 'example.com', key: 'a b', uri: 'https://example.com/a%20b' }],
  ['https://example.com/%E2%82%AC', { provider: 'https', bucket: 'example.com', key: '\u20ac', uri: 'https://example.com/%E2%82%AC' }],
  ['https://example.com/a%2Fb', { provider: 'https', bucket: 'example.com', key: 'a/b', uri: 'https://example.com/a/b' }],
  ["https://example.com/a(1)!'*.txt", { provider: 'https', bucket: 'example.com', key: "a(1)!'*.txt", uri: 'https://example.com/a%281%29%21%27%2A.txt' }],
  ['https://example.com:8443/x', { provider: 'https', bucket: 'example.com', key: 'x', uri: 'https://example.com:8443/x' }],
  ['https://cdn_1.example.com/x', { provider: 'https', bucket: 'cdn_1.example.com', key: 'x', uri: 'https://cdn_1.example.com/x' }],
  ['https://xn--bcher-kva.example/x', { provider: 'https', bucket: 'xn--bcher-kva.example', key: 'x', uri: 'https://xn--bcher-kva.example/x' }],
  [`https://example.com/k?${SAS}`, { provider: 'https', bucket: 'example.com', key: 'k', uri: 'https://example.com/k', presigned: { kind: 'azure', expiresAt: new Date('2030-01-01T00:00:00Z') } }],
  ['https://example.com/k?signature=x&Sig=y', { provider: 'https', bucket: 'example.com', key: 'k', uri: 'https://example.com/k', presigned: undefined }],
  ['https://1.2.3.4/x', { provider: 'https', bucket: '1.2.3.4', key: 'x', uri: 'https://1.2.3.4/x' }],
  ['https://[::1]/x', { provider: 'https', bucket: '[::1]', key: 'x', uri: 'https://[::1]/x' }],
  ['https://[0:0:0:0:0:0:0:1]/x', { provider: 'https', bucket: '[::1]', key: 'x', uri: 'https://[::1]/x' }],
  ['https://[::ffff:127.0.0.1]/x', { provider: 'https', bucket: '[::ffff:7f00:1]', key: 'x', uri: 'https://[::ffff:7f00:1]/x' }],
  ['https://bucket.s3amazonaws.com/k', { provider: 'https', bucket: 'bucket.s3amazonaws.com', key: 'k', uri: 'https://bucket.s3amazonaws.com/k' }],
  ['https://evil.com/.s3.amazonaws.com/', { provider: 'https', bucket: 'evil.com', key: '.s3.amazonaws.com/', uri: 'https://evil.com/.s3.amazonaws.com/' }],
  ['https://s3.amazonaws.com.evil.com/bucket/k', { provider: 'https', bucket: 's3.amazonaws.com.evil.com', key: 'bucket/k', uri: 'https://s3.amazonaws.com.evil.com/bucket/k' }],
  ['https://evil.com#@bucket.s3.amazonaws.com/k', { provider: 'https', bucket: 'evil.com', key: '', uri: 'https://evil.com/' }],
  ['https://evil.com?@bucket.s3.amazonaws.com/k', { provider: 'https', bucket: 'evil.com', key: '', uri: 'https://evil.com/' }],
  ['https://bucket.s3-website-us-east-1.amazonaws.com/index.html', { provider: 'https', bucket: 'bucket.s3-website-us-east-1.amazonaws.com', key: 'index.html', uri: 'https://bucket.s3-website-us-east-1.amazonaws.com/index.html' }],
  ['https://storage.googleapis.com.evil.com/b/k', { provider: 'https', bucket: 'storage.googleapis.com.evil.com', key: 'b/k', uri: 'https://storage.googleapis.com.evil.com/b/k' }],
  ['https://acct.blob.core.windows.net.evil.com/c/k', { provider: 'https', bucket: 'acct.blob.core.windows.net.evil.com', key: 'c/k', uri: 'https://acct.blob.core.windows.net.evil.com/c/k' }],
  ['https://2130706433/', 'INVALID_URI'],
  ['https://0x7f.1/', 'INVALID_URI'],
  ['https://0x7f000001/', 'INVALID_URI'],
  ['https://017700000001/', 'INVALID_URI'],
  ['https://127.1/', 'INVALID_URI'],
  ['https://127.0.0.01/', 'INVALID_URI'],
  ['https://[fe80::1%25eth0]/', 'INVALID_URI'],
  ['https://[::1/x', 'INVALID_URI'],
  ['https://example.com:444/x', 'INVALID_URI'],
  ['https://example.com:/x', 'INVALID_URI'],
  ['https://example.com:99999/x', 'INVALID_URI'],
  ['https:/example.com/x', 'INVALID_URI'],
  ['https:example.com/x', 'INVALID_URI'],
  ['https://', 'INVALID_URI'],
  ['https:///x', 'INVALID_URI'],
  ['https://exa%6Dple.com/x', 'INVALID_URI'],
  ['https://b\u00fccher.example/x', 'INVALID_URI'],
  ['https://bucket.\uff53\uff13.amazonaws.com/k', 'INVALID_URI'],
  ['https://example.com/%C0%AE%C0%AE/x', 'INVALID_URI'],
  ['https://example.com./x', 'INVALID_URI'],
  ['https://a..b.com/x', 'INVALID_URI'],
  ['https://-a.com/x', 'INVALID_URI'],
  ['https://example.com/x\\y', 'INVALID_URI'],
  ['https://example.com\\@bucket.s3.amazonaws.com/', 'INVALID_URI'],
  ['https://example.com/a\tb', 'INVALID_URI'],
  ['https://exam\nple.com/x', 'INVALID_URI'],
  ['https://example.com/x ', 'INVALID_URI'],
  ['https://example.com/a%2e%2e/x', { provider: 'https', bucket: 'example.com', key: 'a../x', uri: 'https://example.com/a../x' }],
  ['https://example.com/%2e%2e/x', 'INVALID_URI'],
  ['https://example.com/a/%2E', 'INVALID_URI'],
  ['https://example.com/a%5Cb', 'INVALID_URI'],
  ['https://example.com/a%00', 'INVALID_URI'],
  ['https://user@example.com/x', 'INVALID_URI'],
  [`https://user:SECRETPW@example.com/x?${SIGV4}`, 'INVALID_URI'],
  ['http://example.com/x', 'INVALID_URI'],
  ['HTTP://example.com/x', 'INVALID_URI'],

  // ---- configured emulator endpoints
  ['http://127.0.0.1:4569/bucket/key', s3lit('bucket', 'key', { region: undefined })],
  ['http://127.0.0.1:4569/bucket', s3lit('bucket', '')],
  ['http://127.0.0.1:4569/bucket/a%20b', s3lit('bucket', 'a b')],
  [`http://127.0.0.1:4569/bucket/k?${SIGV4}`, s3lit('bucket', 'k', { presigned: { kind: 'aws', expiresAt: new Date('2024-01-01T00:15:00Z') } })],
  ['http://127.0.0.1:4569/Bucket/k', 'INVALID_URI'],
  ['http://127.0.0.1:4569/', 'INVALID_URI'],
  ['http://127.0.0.1:4569/bucket/../k', 'INVALID_URI'],
  ['http://127.0.0.1:4570/bucket/k', 'INVALID_URI'],
  ['https://127.0.0.1:4569/bucket/k', 'INVALID_URI'],
  ['http://localhost:4569/bucket/k', 'INVALID_URI'],
  ['http://localhost:4443/bucket/obj', { provider: 'gcp', bucket: 'bucket', key: 'obj', uri: 'gs://bucket/obj' }],
  ['https://127.0.0.1:10000/devstoreaccount1/container/dir/blob.txt', { provider: 'azure', bucket: 'container', key: 'dir/blob.txt', account: 'devstoreaccount1', uri: 'https://devstoreaccount1.blob.core.windows.net/container/dir/blob.txt' }],
  [`https://127.0.0.1:10000/devstoreaccount1/container/k?${SAS}`, { provider: 'azure', bucket: 'container', key: 'k', account: 'devstoreaccount1', uri: 'https://devstoreaccount1.blob.core.windows.net/container/k', presigned: { kind: 'azure', expiresAt: new Date('2030-01-01T00:00:00Z') } }],
  ['https://127.0.0.1:10000/devstoreaccount1', 'INVALID_URI'],
  ['https://127.0.0.1:10000/Dev/container/k', 'INVALID_URI'],
  ['http://acct1.blob.localhost:10001/container/k', { provider: 'azure', bucket: 'container', key: 'k', account: 'acct1', uri: 'https://acct1.blob.core.windows.net/container/k' }],

  // ---- file://
  ['file:///tmp/a.txt', { provider: 'file', bucket: '', key: 'tmp/a.txt', uri: 'file:///tmp/a.txt' }],
  ['file://localhost/tmp/a.txt', { provider: 'file', bucket: '', key: 'tmp/a.txt', uri: 'file:///tmp/a.txt' }],
  ['FILE:///tmp/X', { provider: 'file', bucket: '', key: 'tmp/X', uri: 'file:///tmp/X' }],
  ['file:///tmp/a%20b.txt', { provider: 'file', bucket: '', key: 'tmp/a b.txt', uri: 'file:///tmp/a%20b.txt' }],
  ['file:///tmp/dir/', { provider: 'file', bucket: '', key: 'tmp/dir/', uri: 'file:///tmp/dir/' }],
  ['file:///', { provider: 'file', bucket: '', key: '', uri: 'file:///' }],
  ['file://host/tmp/x', 'INVALID_URI'],
  ['file:/tmp/x', 'INVALID_URI'],
  ['file:///tmp/../etc/passwd', 'INVALID_URI'],
  ['file:///tmp/%2e%2e/etc/passwd', 'INVALID_URI'],
  ['file:///tmp/a%00', 'INVALID_URI'],
  ['file:///tmp//x', 'INVALID_URI'],
  ['file:///tmp/a?b', 'INVALID_URI'],
  ['file:///tmp/a%5Cb', 'INVALID_URI'],

  // ---- memory://
  ['memory://store/key', { provider: 'memory', bucket: 'store', key: 'key', uri: 'memory://store/key' }],
  ['memory://store', { provider: 'memory', bucket: 'store', key: '', uri: 'memory://store/' }],
  ['memory://s/a?b#c', { provider: 'memory', bucket: 's', key: 'a?b#c', uri: 'memory://s/a?b#c' }],
  ['memory://Store/k', 'INVALID_URI'],
  ['memory://store/../k', 'INVALID_URI'],
  [`memory://${a63}a/k`, 'INVALID_URI'],

  // ---- control characters (issue 13 item 5): Cc (C0, DEL, C1), bidi controls, separators, BOM — raw or encoded
  ['s3://bucket/k\u0085x', 'INVALID_URI'],
  ['s3://bucket/k\u009bx', 'INVALID_URI'],
  ['s3://bucket/k\u0080', 'INVALID_URI'],
  ['s3://bucket/k\u009f', 'INVALID_URI'],
  ['s3://bucket/a\u200eb', 'INVALID_URI'],
  ['s3://bucket/a\u200fb', 'INVALID_URI'],
  ['s3://bucket/a\u202ab', 'INVALID_URI'],
  ['s3://bucket/invoice\u202egpj.exe', 'INVALID_URI'],
  ['s3://bucket/a\u2066b', 'INVALID_URI'],
  ['s3://bucket/a\u2069b', 'INVALID_URI'],
  ['s3://bucket/a\u061cb', 'INVALID_URI'],
  ['s3://bucket/a\u2028b', 'INVALID_URI'],
  ['s3://bucket/a\u2029b', 'INVALID_URI'],
  ['s3://bucket/\ufeffa', 'INVALID_URI'],
  ['s3://bucket/k%C2%85x', 'INVALID_URI'],
  ['s3://bucket/k%E2%80%AEx', 'INVALID_URI'],
  ['gs://bucket/k\u0085', 'INVALID_URI'],
  ['az://container/k\u202e', 'INVALID_URI'],
  ['memory://store/k\u009b', 'INVALID_URI'],
  ['arn:aws:s3:us-west-2:123456789012:accesspoint/myap/object/k\u0085', 'INVALID_URI'],
  ['https://bucket.s3.amazonaws.com/k%C2%85x', 'INVALID_URI'],
  ['https://bucket.s3.amazonaws.com/k%C2%9Bx', 'INVALID_URI'],
  ['https://bucket.s3.amazonaws.com/k%E2%80%AEx', 'INVALID_URI'],
  ['https://bucket.s3.amazonaws.com/k%E2%81%A6x', 'INVALID_URI'],
  ['https://bucket.s3.amazonaws.com/k%E2%80%A8x', 'INVALID_URI'],
  ['https://bucket.s3.amazonaws.com/%EF%BB%BFk', 'INVALID_URI'],
  ['https://bucket.s3.amazonaws.com/k%D8%9Cx', 'INVALID_URI'],
  ['https://bucket.s3.amazonaws.com/%ED%A0%80', 'INVALID_URI'],
  ['https://storage.googleapis.com/bucket/k%C2%85', 'INVALID_URI'],
  ['https://acct.blob.core.windows.net/container/a%E2%80%8Fb', 'INVALID_URI'],
  ['https://example.com/a%C2%85b', 'INVALID_URI'],
  ['file:///tmp/a%C2%9B', 'INVALID_URI'],
  ['https://bucket.s3.amazonaws.com/k?versionId=a%C2%85', 'INVALID_URI'],
  ['s3://bucket/family\u200d\u{1F466}', s3lit('bucket', 'family\u200d\u{1F466}')],
  ['s3://bucket/non\u00a0breaking', s3lit('bucket', 'non\u00a0breaking')],
  ['https://example.com/a%E2%80%8Db', { provider: 'https', bucket: 'example.com', key: 'a\u200db', uri: 'https://example.com/a%E2%80%8Db' }],

  // ---- pre-signed URLs must tell the truth about their lifetime (issue 13 item 10)
  [`https://bucket.s3.us-east-1.amazonaws.com/k?${SIGV4.replace('X-Amz-Expires=900', 'X-Amz-Expires=604800')}`, aws('bucket', 'k', { region: 'us-east-1', presigned: { kind: 'aws', expiresAt: new Date('2024-01-08T00:00:00Z') } })],
  [`https://bucket.s3.us-east-1.amazonaws.com/k?${SIGV4.replace('X-Amz-Expires=900', 'X-Amz-Expires=604801')}`, 'INVALID_URI'],
  [`https://bucket.s3.us-east-1.amazonaws.com/k?${SIGV4.replace('X-Amz-Expires=900', 'X-Amz-Expires=999999999')}`, 'INVALID_URI'],
  [`https://bucket.s3.us-east-1.amazonaws.com/k?${SIGV4.replace('X-Amz-Expires=900', 'X-Amz-Expires=0')}`, 'INVALID_URI'],
  [`https://bucket.s3.us-east-1.amazonaws.com/k?${SIGV4.replace('X-Amz-Expires=900', 'X-Amz-Expires=-5')}`, 'INVALID_URI'],
  [`https://bucket.s3.us-east-1.amazonaws.com/k?${SIGV4.replace('X-Amz-Expires=900', 'X-Amz-Expires=1.5')}`, 'INVALID_URI'],
  [`https://bucket.s3.us-east-1.amazonaws.com/k?${SIGV4.replace('X-Amz-Expires=900', 'X-Amz-Expires=')}`, 'INVALID_URI'],
  [`https://bucket.s3.us-east-1.amazonaws.com/k?${SIGV4.replace('&X-Amz-Expires=900', '')}`, aws('bucket', 'k', { region: 'us-east-1', presigned: { kind: 'aws' } })],
  [`https://bucket.s3.us-east-1.amazonaws.com/k?${SIGV4.replace('&X-Amz-Date=20240101T000000Z', '').replace('X-Amz-Expires=900', 'X-Amz-Expires=999999')}`, 'INVALID_URI'],
  [`https://bucket.s3.us-east-1.amazonaws.com/k?${SIGV4}&X-Amz-Expires=60`, 'INVALID_URI'],
  [`https://bucket.s3.us-east-1.amazonaws.com/k?${SIGV4.replace('20240101T000000Z', '20241301T000000Z')}`, 'INVALID_URI'],
  [`https://bucket.s3.us-east-1.amazonaws.com/k?${SIGV4.replace('20240101T000000Z', '20240230T000000Z')}`, 'INVALID_URI'],
  [`https://bucket.s3.us-east-1.amazonaws.com/k?${SIGV4.replace('20240101T000000Z', '20240101T250000Z')}`, 'INVALID_URI'],
  [`https://bucket.s3.us-east-1.amazonaws.com/k?${SIGV4.replace('20240101T000000Z', '2024-01-01T00:00:00Z')}`, 'INVALID_URI'],
  [`https://example.com/k?${SIGV4.replace('X-Amz-Expires=900', 'X-Amz-Expires=604801')}`, 'INVALID_URI'],
  [`https://storage.googleapis.com/bucket/obj?${GOOG4.replace('X-Goog-Expires=3600', 'X-Goog-Expires=604801')}`, 'INVALID_URI'],
  [`https://storage.googleapis.com/bucket/obj?${GOOG4.replace('X-Goog-Expires=3600', 'X-Goog-Expires=-1')}`, 'INVALID_URI'],
  [`https://storage.googleapis.com/bucket/obj?${GOOG4.replace('20240101T120000Z', '20240101T120000')}`, 'INVALID_URI'],
  [`https://acct.blob.core.windows.net/container/k?${SAS}&st=2030-01-02T00%3A00%3A00Z`, 'INVALID_URI'],
  [`https://acct.blob.core.windows.net/container/k?${SAS}&st=2030-01-01T00%3A00%3A00Z`, 'INVALID_URI'],
  [`https://acct.blob.core.windows.net/container/k?${SAS}&st=2029-12-31T00%3A00Z`, { provider: 'azure', bucket: 'container', key: 'k', account: 'acct', uri: 'https://acct.blob.core.windows.net/container/k', presigned: { kind: 'azure', expiresAt: new Date('2030-01-01T00:00:00Z') } }],
  ['https://acct.blob.core.windows.net/container/k?sv=2022-11-02&se=2030-02-30T00%3A00%3A00Z&sig=SECRETSIG', 'INVALID_URI'],
  ['https://acct.blob.core.windows.net/container/k?sv=2022-11-02&se=tomorrow&sig=SECRETSIG', 'INVALID_URI'],
  ['https://bucket.s3.amazonaws.com/k?AWSAccessKeyId=AKIA&Expires=soon&Signature=SECRETSIG', 'INVALID_URI'],

  // ---- AWS partitions (issue 13 item 3)
  ['https://assetlink-test.s3.us-gov-west-1.amazonaws.com/k', aws('assetlink-test', 'k', { region: 'us-gov-west-1', partition: 'aws-us-gov' })],
  ['https://s3.us-gov-east-1.amazonaws.com/bucket/k', aws('bucket', 'k', { region: 'us-gov-east-1', partition: 'aws-us-gov' })],
  ['https://bucket.s3.dualstack.us-gov-west-1.amazonaws.com/k', aws('bucket', 'k', { region: 'us-gov-west-1', partition: 'aws-us-gov' })],
  ['https://assetlink-test.s3.cn-north-1.amazonaws.com.cn/k', aws('assetlink-test', 'k', { region: 'cn-north-1', partition: 'aws-cn' })],
  ['https://bucket.s3.us-gov-west-1.amazonaws.com.cn/k', 'INVALID_URI'],
  ['https://bucket.s3.us-iso-east-1.amazonaws.com/k', 'UNSUPPORTED_URI'],
  ['https://s3.us-isob-east-1.amazonaws.com/bucket/k', 'UNSUPPORTED_URI'],

  // ---- object versions (issue 21): https forms pin, literal forms keep the text in the key
  ['https://bucket.s3.us-west-2.amazonaws.com/a.jpg?versionId=3HL4kqtJlcpXroDTDmJ%2BrmSpXd3dIbrHY%2BMTRCxf3vjVBH40Nr8X8gdRQBpUMLUo', aws('bucket', 'a.jpg', { region: 'us-west-2', version: '3HL4kqtJlcpXroDTDmJ+rmSpXd3dIbrHY+MTRCxf3vjVBH40Nr8X8gdRQBpUMLUo', uri: 'https://s3.us-west-2.amazonaws.com/bucket/a.jpg?versionId=3HL4kqtJlcpXroDTDmJ%2BrmSpXd3dIbrHY%2BMTRCxf3vjVBH40Nr8X8gdRQBpUMLUo' })],
  ['https://bucket.s3.amazonaws.com/a.jpg?versionId=a+b/c=', aws('bucket', 'a.jpg', { version: 'a+b/c=', uri: 'https://s3.amazonaws.com/bucket/a.jpg?versionId=a%2Bb%2Fc%3D' })],
  ['https://bucket.s3.amazonaws.com/a.jpg?versionId=null', aws('bucket', 'a.jpg', { version: 'null', uri: 'https://s3.amazonaws.com/bucket/a.jpg?versionId=null' })],
  ['https://s3.amazonaws.com/bucket/a%20b/c.txt?versionId=v1&response-content-type=text%2Fplain', aws('bucket', 'a b/c.txt', { version: 'v1', uri: 'https://s3.amazonaws.com/bucket/a%20b/c.txt?versionId=v1' })],
  ['https://bucket.s3.cn-north-1.amazonaws.com.cn/k?versionId=v1', aws('bucket', 'k', { region: 'cn-north-1', partition: 'aws-cn', version: 'v1', uri: 'https://s3.cn-north-1.amazonaws.com.cn/bucket/k?versionId=v1' })],
  [`https://bucket.s3.us-east-1.amazonaws.com/k?versionId=v1&${SIGV4}`, aws('bucket', 'k', { region: 'us-east-1', version: 'v1', uri: 'https://s3.us-east-1.amazonaws.com/bucket/k?versionId=v1', presigned: { kind: 'aws', expiresAt: new Date('2024-01-01T00:15:00Z') } })],
  ['http://127.0.0.1:4569/bucket/k?versionId=v1', s3lit('bucket', 'k', { version: 'v1', uri: 'https://s3.amazonaws.com/bucket/k?versionId=v1' })],
  ['s3://bucket/a.jpg?versionId=x', s3lit('bucket', 'a.jpg?versionId=x')],
  ['https://bucket.s3.amazonaws.com/k?generation=5', aws('bucket', 'k')],
  ['https://bucket.s3.amazonaws.com/k?versionId=', 'INVALID_URI'],
  ['https://bucket.s3.amazonaws.com/k?versionId', 'INVALID_URI'],
  ['https://bucket.s3.amazonaws.com/k?versionId=a&versionId=b', 'INVALID_URI'],
  ['https://bucket.s3.amazonaws.com/k?versionId=a&versionId=a', 'INVALID_URI'],
  ['https://bucket.s3.amazonaws.com/k?versionid=abc', 'INVALID_URI'],
  ['https://bucket.s3.amazonaws.com/k?VersionId=abc', 'INVALID_URI'],
  ['https://bucket.s3.amazonaws.com/k?versionId=a%ZZ', 'INVALID_URI'],
  ['https://bucket.s3.amazonaws.com/k?versionId=a%20b', 'INVALID_URI'],
  [`https://bucket.s3.amazonaws.com/k?versionId=${'a'.repeat(1025)}`, 'INVALID_URI'],
  ['https://storage.googleapis.com/bucket/obj?generation=1700000000000000', { provider: 'gcp', bucket: 'bucket', key: 'obj', version: '1700000000000000', uri: 'https://storage.googleapis.com/bucket/obj?generation=1700000000000000' }],
  ['https://bucket.storage.googleapis.com/a%20b?generation=12', { provider: 'gcp', bucket: 'bucket', key: 'a b', version: '12', uri: 'https://storage.googleapis.com/bucket/a%20b?generation=12' }],
  ['https://storage.googleapis.com/bucket/obj?generation=9223372036854775807', { provider: 'gcp', bucket: 'bucket', key: 'obj', version: '9223372036854775807', uri: 'https://storage.googleapis.com/bucket/obj?generation=9223372036854775807' }],
  ['gs://bucket/obj?generation=1', { provider: 'gcp', bucket: 'bucket', key: 'obj?generation=1', uri: 'gs://bucket/obj?generation=1', version: undefined }],
  ['https://storage.googleapis.com/bucket/obj?generation=0', 'INVALID_URI'],
  ['https://storage.googleapis.com/bucket/obj?generation=abc', 'INVALID_URI'],
  ['https://storage.googleapis.com/bucket/obj?generation=', 'INVALID_URI'],
  ['https://storage.googleapis.com/bucket/obj?generation=1&generation=2', 'INVALID_URI'],
  ['https://storage.googleapis.com/bucket/obj?Generation=1', 'INVALID_URI'],
  ['https://storage.googleapis.com/bucket/obj?generation=9223372036854775808', 'INVALID_URI'],
  ['https://storage.googleapis.com/bucket/obj?generation=-1', 'INVALID_URI'],
  ['https://acct.blob.core.windows.net/container/k?versionid=2024-01-01T00:00:00.1234567Z', { provider: 'azure', bucket: 'container', key: 'k', account: 'acct', cloud: 'public', version: '2024-01-01T00:00:00.1234567Z', uri: 'https://acct.blob.core.windows.net/container/k?versionid=2024-01-01T00%3A00%3A00.1234567Z' }],
  ['https://acct.blob.core.windows.net/container/a%20b?snapshot=2024-01-01T00%3A00%3A00.0000000Z', { provider: 'azure', bucket: 'container', key: 'a b', account: 'acct', snapshot: '2024-01-01T00:00:00.0000000Z', version: undefined, uri: 'https://acct.blob.core.windows.net/container/a%20b?snapshot=2024-01-01T00%3A00%3A00.0000000Z' }],
  ['https://127.0.0.1:10000/devstoreaccount1/container/k?snapshot=2024-01-01T00%3A00%3A00Z', { provider: 'azure', bucket: 'container', key: 'k', account: 'devstoreaccount1', cloud: undefined, snapshot: '2024-01-01T00:00:00Z', uri: 'https://devstoreaccount1.blob.core.windows.net/container/k?snapshot=2024-01-01T00%3A00%3A00Z' }],
  ['az://container/k?snapshot=2024-01-01T00:00:00Z', { provider: 'azure', bucket: 'container', key: 'k?snapshot=2024-01-01T00:00:00Z', uri: 'az://container/k?snapshot=2024-01-01T00:00:00Z', snapshot: undefined }],
  ['https://acct.blob.core.windows.net/container/k?versionid=2024-01-01T00:00:00Z&snapshot=2024-01-01T00:00:00Z', 'INVALID_URI'],
  ['https://acct.blob.core.windows.net/container/k?versionId=2024-01-01T00:00:00Z', 'INVALID_URI'],
  ['https://acct.blob.core.windows.net/container/k?snapshot=yesterday', 'INVALID_URI'],
  ['https://acct.blob.core.windows.net/container/k?snapshot=', 'INVALID_URI'],
  ['https://acct.blob.core.windows.net/container/k?versionid=2024-13-01T00:00:00Z', 'INVALID_URI'],

  // ---- GCS JSON API links (selfLink, mediaLink): the object name is decoded once, %2F stays in the name
  ['https://storage.googleapis.com/download/storage/v1/b/bucket/o/a%2Fb.jpg?alt=media&generation=1700000000000000', { provider: 'gcp', bucket: 'bucket', key: 'a/b.jpg', version: '1700000000000000', uri: 'https://storage.googleapis.com/bucket/a/b.jpg?generation=1700000000000000' }],
  ['https://www.googleapis.com/storage/v1/b/bucket/o/a%2Fb.jpg', { provider: 'gcp', bucket: 'bucket', key: 'a/b.jpg', uri: 'gs://bucket/a/b.jpg', version: undefined }],
  ['https://www.googleapis.com/download/storage/v1/b/bucket/o/x.bin?alt=media', { provider: 'gcp', bucket: 'bucket', key: 'x.bin', uri: 'gs://bucket/x.bin' }],
  ['https://storage.googleapis.com/storage/v1/b/bucket/o/a%252Fb', { provider: 'gcp', bucket: 'bucket', key: 'a%2Fb', uri: 'gs://bucket/a%2Fb' }],
  ['https://storage.googleapis.com/storage/v1/b/bucket/o/caf%C3%A9%20%2B1', { provider: 'gcp', bucket: 'bucket', key: 'caf\u00e9 +1', uri: 'gs://bucket/caf\u00e9 +1' }],
  ['http://localhost:4443/download/storage/v1/b/bucket/o/a%2Fb?alt=media&generation=7', { provider: 'gcp', bucket: 'bucket', key: 'a/b', version: '7', uri: 'https://storage.googleapis.com/bucket/a/b?generation=7' }],
  ['https://bucket.storage.googleapis.com/storage/v1/b/x/o/y', { provider: 'gcp', bucket: 'bucket', key: 'storage/v1/b/x/o/y', uri: 'gs://bucket/storage/v1/b/x/o/y' }],
  ['https://www.googleapis.com/drive/v3/files/abc', { provider: 'https', bucket: 'www.googleapis.com', key: 'drive/v3/files/abc', uri: 'https://www.googleapis.com/drive/v3/files/abc' }],
  ['https://storage.googleapis.com/storage/v1/b/bucket/o/a/b.jpg', 'INVALID_URI'],
  ['https://storage.googleapis.com/storage/v1/b/bucket/o/obj/acl', 'INVALID_URI'],
  ['https://storage.googleapis.com/storage/v1/b/bucket/o/', 'INVALID_URI'],
  ['https://storage.googleapis.com/storage/v1/b/bucket/o/%2e%2e', 'INVALID_URI'],
  ['https://storage.googleapis.com/storage/v1/b/bucket/o/a%2F%2Fb', 'INVALID_URI'],
  ['https://www.googleapis.com/storage/v1/b/Bucket/o/x', 'INVALID_URI'],
  ['https://storage.googleapis.com/storage/v1/b/bucket/o', 'UNSUPPORTED_URI'],
  ['https://storage.googleapis.com/storage/v1/b/bucket', 'UNSUPPORTED_URI'],
  ['https://storage.googleapis.com/storage/v1/b/bucket/iam', 'UNSUPPORTED_URI'],
  ['https://storage.googleapis.com/upload/storage/v1/b/bucket/o?uploadType=media&name=x', 'UNSUPPORTED_URI'],
  ['https://www.googleapis.com/storage/v1/projects/p/serviceAccount', 'UNSUPPORTED_URI'],

  // ---- sovereign Azure clouds: the cloud is kept, and so is the real host
  ['https://acct.blob.core.windows.net/container/k', { provider: 'azure', bucket: 'container', key: 'k', account: 'acct', cloud: 'public', uri: 'https://acct.blob.core.windows.net/container/k' }],
  ['https://acct.blob.core.chinacloudapi.cn/container/dir/k', { provider: 'azure', bucket: 'container', key: 'dir/k', account: 'acct', cloud: 'china', uri: 'https://acct.blob.core.chinacloudapi.cn/container/dir/k' }],
  ['https://acct.dfs.core.chinacloudapi.cn/fsys/dir/f', { provider: 'azure', bucket: 'fsys', key: 'dir/f', account: 'acct', cloud: 'china', uri: 'https://acct.blob.core.chinacloudapi.cn/fsys/dir/f' }],
  ['https://ACCT.BLOB.core.usgovcloudapi.net/container/k', { provider: 'azure', bucket: 'container', key: 'k', account: 'acct', cloud: 'usgov', uri: 'https://acct.blob.core.usgovcloudapi.net/container/k' }],
  ['https://acct.dfs.core.usgovcloudapi.net/fsys/a%20b', { provider: 'azure', bucket: 'fsys', key: 'a b', account: 'acct', cloud: 'usgov', uri: 'https://acct.blob.core.usgovcloudapi.net/fsys/a%20b' }],
  ['https://acct.blob.core.usgovcloudapi.net/container/k?versionid=2024-01-01T00:00:00Z', { provider: 'azure', bucket: 'container', key: 'k', account: 'acct', cloud: 'usgov', version: '2024-01-01T00:00:00Z', uri: 'https://acct.blob.core.usgovcloudapi.net/container/k?versionid=2024-01-01T00%3A00%3A00Z' }],
  ['wasbs://container@acct.blob.core.chinacloudapi.cn/k', { provider: 'azure', bucket: 'container', key: 'k', account: 'acct', cloud: 'china', uri: 'https://acct.blob.core.chinacloudapi.cn/container/k' }],
  ['abfss://fsys@acct.dfs.core.usgovcloudapi.net/dir/k', { provider: 'azure', bucket: 'fsys', key: 'dir/k', account: 'acct', cloud: 'usgov', uri: 'https://acct.blob.core.usgovcloudapi.net/fsys/dir/k' }],
  ['abfss://fsys@acct.blob.core.usgovcloudapi.net/dir/k', 'INVALID_URI'],
  ['https://my-acct.blob.core.chinacloudapi.cn/container/k', 'INVALID_URI'],
  ['https://acct.blob.core.chinacloudapi.cn:443/container/k', 'INVALID_URI'],
  ['https://acct.blob.core.cloudapi.de/container/k', { provider: 'https', bucket: 'acct.blob.core.cloudapi.de', key: 'container/k', uri: 'https://acct.blob.core.cloudapi.de/container/k' }],
  ['https://acct.blob.core.chinacloudapi.cn.evil.com/container/k', { provider: 'https', bucket: 'acct.blob.core.chinacloudapi.cn.evil.com', key: 'container/k', uri: 'https://acct.blob.core.chinacloudapi.cn.evil.com/container/k' }],
  ['https://acct.queue.core.usgovcloudapi.net/q', { provider: 'https', bucket: 'acct.queue.core.usgovcloudapi.net', key: 'q', uri: 'https://acct.queue.core.usgovcloudapi.net/q' }],

  // ---- S3 access points: ARNs, the AWS CLI's s3://ARN form, access point hosts
  ['arn:aws:s3:us-west-2:123456789012:accesspoint/myap/object/images/a.jpg', s3(AP_ARN, 'images/a.jpg', { region: 'us-west-2', partition: 'aws' })],
  [`s3://${AP_ARN}/images/a.jpg`, s3(AP_ARN, 'images/a.jpg', { region: 'us-west-2', partition: 'aws' })],
  ['https://myap-123456789012.s3-accesspoint.us-west-2.amazonaws.com/images/a.jpg', s3(AP_ARN, 'images/a.jpg', { region: 'us-west-2', partition: 'aws' })],
  ['https://MyAp-123456789012.s3-accesspoint.dualstack.us-west-2.amazonaws.com/images/a%20b.jpg', s3(AP_ARN, 'images/a b.jpg', { region: 'us-west-2', partition: 'aws' })],
  [AP_ARN, s3(AP_ARN, '', { region: 'us-west-2' })],
  [`${AP_ARN}/object/`, s3(AP_ARN, '', { region: 'us-west-2' })],
  [`s3://${AP_ARN}`, s3(AP_ARN, '', { region: 'us-west-2' })],
  [`${AP_ARN}/object/a?b#c %20`, s3(AP_ARN, 'a?b#c %20', { region: 'us-west-2' })],
  ['arn:aws-cn:s3:cn-north-1:123456789012:accesspoint/myap/object/k', s3('arn:aws-cn:s3:cn-north-1:123456789012:accesspoint/myap', 'k', { region: 'cn-north-1', partition: 'aws-cn' })],
  ['https://myap-123456789012.s3-accesspoint.cn-north-1.amazonaws.com.cn/k', s3('arn:aws-cn:s3:cn-north-1:123456789012:accesspoint/myap', 'k', { region: 'cn-north-1', partition: 'aws-cn' })],
  ['arn:aws-us-gov:s3:us-gov-west-1:123456789012:accesspoint/my-ap-2/object/k', s3('arn:aws-us-gov:s3:us-gov-west-1:123456789012:accesspoint/my-ap-2', 'k', { region: 'us-gov-west-1', partition: 'aws-us-gov' })],
  ['https://myap-123456789012.s3-accesspoint.us-west-2.amazonaws.com/k?versionId=v1', s3(AP_ARN, 'k', { region: 'us-west-2', version: 'v1', uri: 'https://myap-123456789012.s3-accesspoint.us-west-2.amazonaws.com/k?versionId=v1' })],
  ['arn:aws:s3:::my-bucket/dir/k.txt', s3('my-bucket', 'dir/k.txt', { partition: 'aws' })],
  ['arn:aws-cn:s3:::my-bucket', s3('my-bucket', '', { partition: 'aws-cn' })],
  ['arn:aws:s3:us-west-2:12345:accesspoint/myap/object/k', 'INVALID_URI'],
  ['arn:aws:s3:us-west-2:123456789012:accesspoint/MyAP/object/k', 'INVALID_URI'],
  ['arn:aws:s3:us-west-2:123456789012:accesspoint/ap/object/k', 'INVALID_URI'],
  ['arn:aws:s3:us-west-2:123456789012:accesspoint/myap/objects/k', 'INVALID_URI'],
  ['arn:aws:s3:us-west-2:123456789012:accesspoint:myap/object/k', 'INVALID_URI'],
  ['arn:aws:s3:us-west-2:123456789012:bucket/myap', 'INVALID_URI'],
  ['arn:aws:s3:cn-north-1:123456789012:accesspoint/myap/object/k', 'INVALID_URI'],
  ['arn:aws:s3::123456789012:accesspoint/myap/object/k', 'INVALID_URI'],
  ['arn:azure:s3:us-west-2:123456789012:accesspoint/myap/object/k', 'INVALID_URI'],
  ['arn:aws:s3:us-west-2:123456789012', 'INVALID_URI'],
  ['ARN:aws:s3:us-west-2:123456789012:accesspoint/myap/object/k', 'INVALID_URI'],
  ['arn:aws:s3:us-west-2:123:bucket/x', 'INVALID_URI'],
  ['arn:aws:s3:::My_Bucket/k', 'INVALID_URI'],
  ['arn:aws:iam::123456789012:role/reader', 'UNSUPPORTED_URI'],
  ['arn:aws:s3-object-lambda:us-west-2:123456789012:accesspoint/olap/object/k', 'UNSUPPORTED_URI'],
  ['arn:aws:s3-outposts:us-west-2:123456789012:outpost/op-01ac5d28a6a232904/accesspoint/ap/object/k', 'UNSUPPORTED_URI'],
  ['arn:aws:s3::123456789012:accesspoint/mfzwi23gnjvgw.mrap/object/k', 'UNSUPPORTED_URI'],
  ['arn:aws-iso:s3:us-iso-east-1:123456789012:accesspoint/myap/object/k', 'UNSUPPORTED_URI'],
  ['arn:aws:s3express:us-west-2:123456789012:bucket/my-data--usw2-az1--x-s3', 'UNSUPPORTED_URI'],
  ['https://myap.s3-accesspoint.us-west-2.amazonaws.com/k', 'INVALID_URI'],
  ['https://myap-1234.s3-accesspoint.us-west-2.amazonaws.com/k', 'INVALID_URI'],
  ['https://myap-123456789012.s3-accesspoint.amazonaws.com/k', 'INVALID_URI'],
  ['https://x.myap-123456789012.s3-accesspoint.us-west-2.amazonaws.com/k', 'INVALID_URI'],
  ['https://myap-123456789012.s3-accesspoint.cn-north-1.amazonaws.com/k', 'INVALID_URI'],
  ['https://myap-123456789012.s3-accesspoint.us-west-2.amazonaws.com/k?versionId=', 'INVALID_URI'],
  ['https://myap-123456789012.s3-accesspoint.us-west-2.amazonaws.com.evil.com/k', { provider: 'https', bucket: 'myap-123456789012.s3-accesspoint.us-west-2.amazonaws.com.evil.com', key: 'k', uri: 'https://myap-123456789012.s3-accesspoint.us-west-2.amazonaws.com.evil.com/k' }],
  ['https://myap-123456789012.s3accesspoint.us-west-2.amazonaws.com/k', { provider: 'https', bucket: 'myap-123456789012.s3accesspoint.us-west-2.amazonaws.com', key: 'k', uri: 'https://myap-123456789012.s3accesspoint.us-west-2.amazonaws.com/k' }],
  ['https://olap-123456789012.s3-object-lambda.us-west-2.amazonaws.com/k', 'UNSUPPORTED_URI'],
  ['https://mfzwi23gnjvgw.mrap.accesspoint.s3-global.amazonaws.com/k', 'UNSUPPORTED_URI'],
  ['https://ap-123456789012.op-01ac5d28a6a232904.s3-outposts.us-west-2.amazonaws.com/k', 'UNSUPPORTED_URI'],

  // ---- access point aliases: used wherever a bucket name is
  [`s3://${ALIAS}/k`, s3lit(ALIAS, 'k')],
  [`https://${ALIAS}.s3.us-west-2.amazonaws.com/k`, aws(ALIAS, 'k', { region: 'us-west-2' })],
  [`https://s3.us-west-2.amazonaws.com/${ALIAS}/a/b`, aws(ALIAS, 'a/b', { region: 'us-west-2' })],
  [`https://${ALIAS}.s3.amazonaws.com/k?versionId=v9`, aws(ALIAS, 'k', { version: 'v9', uri: `https://s3.amazonaws.com/${ALIAS}/k?versionId=v9` })],
  ['s3://-s3alias/k', 'INVALID_URI'],
  ['s3://a-s3alias/k', 'INVALID_URI'],
  ['s3://MyAp-hrzrlukc5m36ft7okagglf3gmwluquse1b-s3alias/k', 'INVALID_URI'],
  ['s3://my_ap-hrzrlukc5m36ft7okagglf3gmwluquse1b-s3alias/k', 'INVALID_URI'],
  ['s3://my--ap-hrzrlukc5m36ft7okagglf3gmwluquse1b-s3alias/k', 'INVALID_URI'],
  ['s3://my.ap-hrzrlukc5m36ft7okagglf3gmwluquse1b-s3alias/k', 'INVALID_URI'],
  [`s3://x${'a'.repeat(60)}-s3alias/k`, 'INVALID_URI'],
  [`https://${ALIAS}.s3-accelerate.amazonaws.com/k`, 'INVALID_URI'],
  ['s3://myolap-hrzrlukc5m36ft7okagglf3gmwluquse1b--ol-s3/k', 'UNSUPPORTED_URI'],
  ['s3://mfzwi23gnjvgw.mrap/k', 'UNSUPPORTED_URI'],

  // ---- directory buckets (S3 Express One Zone)
  [`s3://${DIR}/k`, s3lit(DIR, 'k', { region: 'us-west-2' })],
  [`https://${DIR}.s3express-usw2-az1.us-west-2.amazonaws.com/a/b.bin`, aws(DIR, 'a/b.bin', { region: 'us-west-2' })],
  ['s3://my-data--zzz9-az1--x-s3/k', s3lit('my-data--zzz9-az1--x-s3', 'k', { region: undefined })],
  [`s3://${DIR}/k?versionId=v1`, s3lit(DIR, 'k?versionId=v1', { region: 'us-west-2' })],
  [`https://${DIR}.s3express-usw2-az3.us-west-2.amazonaws.com/k`, 'INVALID_URI'],
  [`https://${DIR}.s3express-usw2-az1.us-east-1.amazonaws.com/k`, 'INVALID_URI'],
  [`https://s3express-usw2-az1.us-west-2.amazonaws.com/${DIR}/k`, 'INVALID_URI'],
  [`https://s3.us-west-2.amazonaws.com/${DIR}/k`, 'INVALID_URI'],
  [`https://${DIR}.s3.us-west-2.amazonaws.com/k`, 'INVALID_URI'],
  [`https://${DIR}.s3express-usw2-az1.us-west-2.amazonaws.com/k?versionId=v1`, 'INVALID_URI'],
  ['s3://my--data--usw2-az1--x-s3/k', 'INVALID_URI'],
  ['s3://my-data--usw2az1--x-s3/k', 'INVALID_URI'],
  ['s3://Data--usw2-az1--x-s3/k', 'INVALID_URI'],
  ['s3://my-data--usw2-az1--x-s3x/k', s3lit('my-data--usw2-az1--x-s3x', 'k')],
  ['https://s3express-control.us-west-2.amazonaws.com/bucket/k', { provider: 'https', bucket: 's3express-control.us-west-2.amazonaws.com', key: 'bucket/k', uri: 'https://s3express-control.us-west-2.amazonaws.com/bucket/k' }],

  // ---- Transfer Acceleration
  ['https://bucket.s3-accelerate.amazonaws.com/k', aws('bucket', 'k', { region: undefined })],
  ['https://bucket.s3-accelerate.dualstack.amazonaws.com/dir/k?versionId=v1', aws('bucket', 'dir/k', { version: 'v1', uri: 'https://s3.amazonaws.com/bucket/dir/k?versionId=v1' })],
  ['https://my.bucket.s3-accelerate.amazonaws.com/k', 'INVALID_URI'],
  ['https://s3-accelerate.amazonaws.com/bucket/k', 'INVALID_URI'],
  ['https://bucket.s3-accelerate.amazonaws.com.cn/k', 'INVALID_URI'],
  ['https://bucket.s3-accelerate.us-west-2.amazonaws.com/k', 'INVALID_URI'],
  ['https://Bad_Bucket.s3-accelerate.amazonaws.com/k', 'INVALID_URI'],

  // ---- not URIs we know
  ['ftp://host/x', 'UNSUPPORTED_URI'],
  ['hdfs://namenode/x', 'UNSUPPORTED_URI'],
  ['gcs://bucket/k', 'UNSUPPORTED_URI'],
  ['s3n://bucket/k', 'UNSUPPORTED_URI'],
  ['javascript:alert(1)', 'UNSUPPORTED_URI'],
  ['data:text/plain,hi', 'UNSUPPORTED_URI'],
  ['bucket/key', 'INVALID_URI'],
  ['/abs/path', 'INVALID_URI'],
  ['', 'INVALID_URI'],
];

function capture(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error');
}

describe('parseAssetUri', () => {
  it('has a long table', () => {
    expect(rows.length).toBeGreaterThanOrEqual(450);
  });

  it.each(rows)('%j', (input, expected) => {
    if (typeof expected === 'string') {
      const error = capture(() => parseAssetUri(input, OPTIONS));
      expect(error).toBeInstanceOf(AssetLinkError);
      const { code, message } = error as AssetLinkError;
      expect(code).toBe(expected);
      expect(message.startsWith(`${code}: `)).toBe(true);
      expect(message).not.toMatch(/SECRET/);
      return;
    }
    const actual = parseAssetUri(input, OPTIONS);
    const absent = Object.keys(expected).filter((k) => expected[k as keyof Expected] === undefined);
    const present = Object.fromEntries(Object.entries(expected).filter(([, v]) => v !== undefined));
    expect(actual).toMatchObject(present);
    for (const k of absent) expect(actual).not.toHaveProperty(k);
    expect(actual.key.startsWith('/')).toBe(false);
  });

  it('names the problem and how to fix it', () => {
    expect(() => parseAssetUri('s3://Bad_Bucket/k')).toThrow(
      'INVALID_URI: "s3://Bad_Bucket/k": S3 bucket names may contain only lower-case letters, digits, dots and hyphens',
    );
  });

  it('never echoes a query string or a password', () => {
    const error = capture(() => parseAssetUri('https://me:hunter2@example.com/k?X-Amz-Signature=abc')) as AssetLinkError;
    expect(error.message).not.toContain('hunter2');
    expect(error.message).not.toContain('X-Amz-Signature');
    expect(error.uri).not.toContain('abc');
  });

  it('rejects a misconfigured endpoint as a configuration error', () => {
    const error = capture(() => parseAssetUri('https://x.example/b/k', { endpoints: [{ provider: 'aws', url: 'ftp://nope' }] })) as AssetLinkError;
    expect(error.code).toBe('INVALID_INTEGRATION');
  });

  it('round-trips canonical URIs, pins, access points and clouds included', () => {
    let pinned = 0;
    for (const [input, expected] of rows) {
      if (typeof expected === 'string' || expected.provider === 'https') continue;
      const first = parseAssetUri(input, OPTIONS);
      const again = parseAssetUri(first.uri);
      expect([again.provider, again.bucket, again.key, again.version, again.snapshot], input)
        .toEqual([expected.provider, expected.bucket, expected.key, first.version, first.snapshot]);
      expect(again.uri, input).toBe(first.uri);
      if (first.cloud !== undefined) expect(again.cloud, input).toBe(first.cloud);
      if (first.partition !== undefined && first.version !== undefined) expect(again.partition, input).toBe(first.partition);
      if (first.version !== undefined || first.snapshot !== undefined) pinned++;
    }
    expect(pinned).toBeGreaterThan(15);
  });

  it('has at least 60 rows for issue 21 forms and their near misses', () => {
    const round2 = rows.filter(([input]) => /versionI[dD]|generation|snapshot|versionid|accesspoint|s3alias|--x-s3|s3express|s3-accelerate|chinacloudapi|usgovcloudapi|googleapis\.com\/(?:download\/)?storage\/v1|^arn:|s3:\/\/arn:|--ol-s3|\.mrap/i.test(input));
    expect(round2.length).toBeGreaterThanOrEqual(60);
  });

  it('never echoes a refused control or direction character raw (log and terminal injection)', () => {
    for (const input of ['s3://bucket/k\u009b[31mred', 's3://bucket/a\u0085b', 'gs://bucket/x\u202egpj.exe', 'https://bucket.s3.amazonaws.com/a\u2028b']) {
      const error = capture(() => parseAssetUri(input)) as AssetLinkError;
      expect(error.code).toBe('INVALID_URI');
      expect(error.message).not.toMatch(/[\u0080-\u009f\u2028\u202e]/);
      expect(error.uri).not.toMatch(/[\u0080-\u009f\u2028\u202e]/);
      expect(error.message).toMatch(/\\u(009B|0085|202E|2028)/);
    }
  });

  it('explains control characters by code point', () => {
    expect(() => parseAssetUri('s3://bucket/k\u009bx')).toThrow(/C1 control character U\+009B/);
    expect(() => parseAssetUri('https://bucket.s3.amazonaws.com/k%E2%80%AEx')).toThrow(/bidirectional control U\+202E/);
    expect(() => parseAssetUri('https://bucket.s3.amazonaws.com/%EF%BB%BFk')).toThrow(/byte order mark U\+FEFF/);
  });

  it('says why a pre-signed URL is refused', () => {
    expect(() => parseAssetUri(`https://bucket.s3.us-east-1.amazonaws.com/k?${SIGV4.replace('X-Amz-Expires=900', 'X-Amz-Expires=604801')}`))
      .toThrow(/X-Amz-Expires=604801 exceeds the provider maximum of 604800 seconds/);
    expect(() => parseAssetUri(`https://acct.blob.core.windows.net/container/k?${SAS}&st=2030-01-02T00%3A00%3A00Z`)).toThrow(/expires \(se\) before it starts \(st\)/);
  });

  it('keeps an already-expired pre-signed URL parseable, reporting the past expiry', () => {
    const location = parseAssetUri(`https://bucket.s3.us-east-1.amazonaws.com/k?${SIGV4}`);
    expect(location.presigned?.expiresAt?.toISOString()).toBe('2024-01-01T00:15:00.000Z');
  });

  it('refuses a near-miss version parameter instead of reading the live object', () => {
    expect(() => parseAssetUri('https://bucket.s3.amazonaws.com/k?versionid=abc')).toThrow(/write "versionId"/);
    expect(() => parseAssetUri('https://acct.blob.core.windows.net/c1c/k?versionId=2024-01-01T00:00:00Z')).toThrow(/write "versionid"/);
  });
});

describe('isUnder', () => {
  it.each([
    ['images/a.jpg', 'images', true],
    ['images/a.jpg', 'images/', true],
    ['images/sub/a.jpg', 'images', true],
    ['images', 'images', false],
    ['images/', 'images', false],
    ['images-old/a.jpg', 'images', false],
    ['imagesa.jpg', 'images', false],
    ['anything', '', true],
    ['', '', true],
    ['a/b/c', 'a/b', true],
    ['a/bc', 'a/b', false],
  ] as const)('isUnder(%j, %j) = %j', (key, prefix, covered) => {
    expect(isUnder(key, prefix)).toBe(covered);
  });
});

describe('key helpers', () => {
  it('joins and encodes keys', () => {
    expect(joinKey('a/', '/b', '', 'c/')).toBe('a/b/c/');
    expect(joinKey('', '')).toBe('');
    expect(encodeKeyForUrl('dir/a b+c?#%.txt')).toBe('dir/a%20b%2Bc%3F%23%25.txt');
  });
});
