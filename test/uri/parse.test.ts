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
    expect(rows.length).toBeGreaterThanOrEqual(130);
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

  it('round-trips canonical URIs', () => {
    for (const [input, expected] of rows) {
      if (typeof expected === 'string' || expected.provider === 'https') continue;
      const again = parseAssetUri(parseAssetUri(input, OPTIONS).uri);
      expect([again.provider, again.bucket, again.key]).toEqual([expected.provider, expected.bucket, expected.key]);
    }
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
