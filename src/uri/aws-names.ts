import type { AwsPartition } from '../types.js';
import { UriProblem } from './fail.js';
import { checkS3Bucket } from './names.js';

/**
 * What an S3 `bucket` can be besides a general-purpose bucket name: an access point ARN, an
 * access point alias (usable wherever a bucket name is), or a directory bucket (S3 Express One
 * Zone, `BASE--ZONE--x-s3`). Each has its own naming rules, checked here.
 */

export type S3BucketKind = 'bucket' | 'access-point' | 'alias' | 'directory';

export interface AccessPointArn {
  partition: AwsPartition;
  region: string;
  accountId: string;
  name: string;
}

export const REGION_PATTERN = /^[a-z]{2}(?:-[a-z]+)+-\d{1,2}$/;
const ACCOUNT_ID = /^\d{12}$/;
const PARTITIONS: ReadonlySet<string> = new Set(['aws', 'aws-cn', 'aws-us-gov']);
/** Partitions AWS has that assetlink does not reach (isolated regions, the European Sovereign Cloud). */
const OTHER_PARTITIONS = /^aws-(?:iso(?:-[a-z])?|eusc)$/;

export function partitionOfRegion(region: string): AwsPartition | undefined {
  if (region.startsWith('cn-')) return 'aws-cn';
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  // us-iso-*, us-isob-*, us-isof-*, eu-isoe-*, eusc-*: partitions outside assetlink's reach.
  if (/^(?:[a-z]{2}-iso[a-z]?-|eusc-)/.test(region)) return undefined;
  return 'aws';
}

export function dnsSuffixOf(partition: AwsPartition): string {
  return partition === 'aws-cn' ? 'amazonaws.com.cn' : 'amazonaws.com';
}

/** Access point names: 3–50 of a-z 0-9 -, starting and ending with a letter or digit. */
export function checkAccessPointName(name: string): void {
  if (!/^[a-z0-9](?:[a-z0-9-]{1,48})[a-z0-9]$/.test(name)) {
    throw new UriProblem(`"${name}" is not a valid access point name (3 to 50 lower-case letters, digits and hyphens, starting and ending with a letter or digit)`);
  }
  if (name.startsWith('xn--') || name.endsWith('-s3alias')) throw new UriProblem(`"${name}" is not a valid access point name (reserved prefix or suffix)`);
}

export function formatAccessPointArn(ap: AccessPointArn): string {
  return `arn:${ap.partition}:s3:${ap.region}:${ap.accountId}:accesspoint/${ap.name}`;
}

const parsedArns = new Map<string, AccessPointArn>();

/**
 * Reads `arn:PARTITION:s3:REGION:ACCOUNT:accesspoint/NAME` (nothing after NAME). Anything else
 * that starts with `arn:` is refused with the reason: another service, another partition, a
 * multi-Region or Object Lambda access point, or a malformed ARN.
 */
export function parseAccessPointArn(arn: string): AccessPointArn {
  const known = parsedArns.get(arn);
  if (known !== undefined) return known;
  const parts = arn.split(':');
  if (parts.length !== 6 || parts[0] !== 'arn') throw new UriProblem('an ARN has six ":"-separated fields: arn:aws:s3:REGION:ACCOUNT:accesspoint/NAME');
  const [, partition = '', service = '', region = '', accountId = '', resource = ''] = parts;
  checkArnPartition(partition);
  if (service === 's3-object-lambda') throw new UriProblem('Object Lambda access points are not supported: they transform objects on the way out, so reads and presigned URLs would not return the stored bytes', true);
  if (service === 's3-outposts') throw new UriProblem('S3 on Outposts is not supported: its endpoints live in the customer\'s own network', true);
  if (service !== 's3') throw new UriProblem(`"${service}" ARNs do not name S3 objects; write arn:${partition}:s3:REGION:ACCOUNT:accesspoint/NAME/object/KEY`, true);
  if (!resource.startsWith('accesspoint/')) {
    throw new UriProblem('only access point ARNs (…:accesspoint/NAME) and object ARNs (arn:aws:s3:::bucket/key) are supported here');
  }
  const name = resource.slice('accesspoint/'.length);
  if (region === '' && name.endsWith('.mrap')) {
    throw new UriProblem('multi-Region access points are not supported: their requests must be signed with SigV4A', true);
  }
  if (!REGION_PATTERN.test(region)) throw new UriProblem(`access point ARNs name their region: "${region}" is not an AWS region`);
  if (partitionOfRegion(region) !== partition) throw new UriProblem(`region ${region} is not in the ${partition} partition; check the ARN`);
  if (!ACCOUNT_ID.test(accountId)) throw new UriProblem(`access point ARNs name a 12-digit account ID, not "${accountId}"`);
  checkAccessPointName(name);
  const parsed: AccessPointArn = { partition: partition as AwsPartition, region, accountId, name };
  if (parsedArns.size >= 1024) parsedArns.clear();
  parsedArns.set(arn, parsed);
  return parsed;
}

export function checkArnPartition(partition: string): void {
  if (PARTITIONS.has(partition)) return;
  if (OTHER_PARTITIONS.test(partition)) throw new UriProblem(`the ${partition} partition is not supported (assetlink reaches aws, aws-cn and aws-us-gov)`, true);
  throw new UriProblem(`"${partition}" is not an AWS partition (aws, aws-cn or aws-us-gov)`);
}

/** `NAME-…-s3alias`: what S3 accepts as an access point alias (a bucket-shaped name). */
export function checkAccessPointAlias(name: string): void {
  if (!/^[a-z0-9][a-z0-9-]*-s3alias$/.test(name) || name.length > 63 || name.length < 10) {
    throw new UriProblem(`"${name}" is not a valid access point alias (3 to 63 lower-case letters, digits and hyphens ending in "-s3alias", as S3 shows it)`);
  }
  if (name.includes('--')) throw new UriProblem(`"${name}" is not a valid access point alias (no "--")`);
}

const DIRECTORY = /^([a-z0-9](?:[a-z0-9-]*[a-z0-9])?)--([a-z0-9]+(?:-[a-z0-9]+)+)--x-s3$/;

/** `BASE--ZONE--x-s3`: an S3 Express One Zone directory bucket. Returns the zone ID. */
export function checkDirectoryBucket(name: string): string {
  const m = DIRECTORY.exec(name);
  if (m === null || name.length > 63 || (m[1] ?? '').includes('--')) {
    throw new UriProblem(`"${name}" is not a valid directory bucket name (BASE--ZONE-ID--x-s3, at most 63 lower-case letters, digits and hyphens, e.g. my-data--usw2-az1--x-s3)`);
  }
  const base = m[1] ?? '';
  if (base.startsWith('xn--') || base.startsWith('sthree-')) throw new UriProblem(`directory bucket names may not start with "${base.startsWith('xn--') ? 'xn--' : 'sthree-'}"`);
  return m[2] ?? '';
}

/** Region of an Availability Zone (or Local Zone) ID, from its documented prefix (`usw2-az1` → us-west-2). */
const ZONE_REGIONS: Readonly<Record<string, string>> = {
  use1: 'us-east-1', use2: 'us-east-2', usw1: 'us-west-1', usw2: 'us-west-2',
  cac1: 'ca-central-1', sae1: 'sa-east-1', afs1: 'af-south-1', mes1: 'me-south-1', mec1: 'me-central-1',
  euw1: 'eu-west-1', euw2: 'eu-west-2', euw3: 'eu-west-3', euc1: 'eu-central-1', euc2: 'eu-central-2',
  eun1: 'eu-north-1', eus1: 'eu-south-1', eus2: 'eu-south-2',
  aps1: 'ap-south-1', aps2: 'ap-south-2', apne1: 'ap-northeast-1', apne2: 'ap-northeast-2', apne3: 'ap-northeast-3',
  apse1: 'ap-southeast-1', apse2: 'ap-southeast-2', apse3: 'ap-southeast-3', apse4: 'ap-southeast-4', ape1: 'ap-east-1',
};

export function regionOfZone(zone: string): string | undefined {
  return ZONE_REGIONS[zone.slice(0, zone.indexOf('-'))];
}

/**
 * Checks any S3 bucket-like name (not an ARN) and says what it is. Object Lambda aliases and
 * multi-Region access points are recognised and refused as unsupported.
 */
export function checkS3BucketName(name: string): S3BucketKind {
  if (name.endsWith('-s3alias')) {
    checkAccessPointAlias(name);
    return 'alias';
  }
  if (name.endsWith('--x-s3')) {
    checkDirectoryBucket(name);
    return 'directory';
  }
  if (name.endsWith('--ol-s3')) {
    throw new UriProblem('Object Lambda access point aliases are not supported: they transform objects on the way out, so reads and presigned URLs would not return the stored bytes', true);
  }
  if (name.endsWith('.mrap')) throw new UriProblem('multi-Region access points are not supported: their requests must be signed with SigV4A', true);
  checkS3Bucket(name);
  return 'bucket';
}

/** What kind of bucket-like value `bucket` is, without validating it (the parser already did). */
export function s3BucketKind(bucket: string): S3BucketKind {
  if (bucket.startsWith('arn:')) return 'access-point';
  if (bucket.endsWith('-s3alias')) return 'alias';
  if (bucket.endsWith('--x-s3')) return 'directory';
  return 'bucket';
}
