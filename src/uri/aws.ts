import type { AwsPartition } from '../types.js';
import { checkAccessPointName, formatAccessPointArn, partitionOfRegion, regionOfZone } from './aws-names.js';
import { UriProblem } from './fail.js';

export interface AwsHost {
  /**
   * Set for virtual-hosted style: the bucket (or alias) from the host, or the access point ARN
   * for access point hosts. Path-style hosts leave the bucket to the path.
   */
  bucket?: string;
  region?: string;
  partition: AwsPartition;
  /** Which S3 endpoint family the host belongs to. */
  style: 'standard' | 'access-point' | 'accelerate' | 'express';
  /** Directory buckets: the zone ID the host names (`usw2-az1`). */
  zone?: string;
}

// us-east-1, eu-central-2, us-gov-west-1, cn-northwest-1, us-isob-east-1, ...
const REGION = '[a-z]{2}(?:-[a-z]+)+-\\d{1,2}';
const ENDPOINT = new RegExp(
  '^(?:(?<bucket>.+)\\.)?(?:' +
    `s3(?:-fips)?(?:\\.dualstack)?\\.(?<dotted>${REGION})` +
    `|s3-(?<dashed>${REGION})` +
    '|(?<external>s3-external-1)' +
    '|s3(?:-fips)?' +
    ')$',
);
const ACCESS_POINT = new RegExp(`^(?<label>.+)\\.s3-accesspoint(?:-fips)?(?:\\.dualstack)?\\.(?<region>${REGION})$`);
const ACCESS_POINT_LABEL = /^(?<name>[a-z0-9-]+)-(?<account>\d{12})$/;
const ACCELERATE = /^(?:(?<bucket>.+)\.)?s3-accelerate(?:\.dualstack)?$/;
const EXPRESS = new RegExp(`^(?:(?<bucket>.+)\\.)?s3express-(?<zone>[a-z0-9]+(?:-[a-z0-9]+)+)\\.(?<region>${REGION})$`);
/** S3 features with endpoints of their own that assetlink does not reach, and why. */
const UNSUPPORTED: ReadonlyArray<[RegExp, string]> = [
  [/(?:^|\.)s3-object-lambda(?:-fips)?\./, 'Object Lambda access points are not supported: they transform objects on the way out, so reads and presigned URLs would not return the stored bytes'],
  [/(?:^|\.)s3-outposts\./, "S3 on Outposts is not supported: its endpoints live in the customer's own network"],
  [/(?:^|\.)accesspoint\.s3-global$/, 'multi-Region access points are not supported: their requests must be signed with SigV4A'],
];

/**
 * Recognises S3 endpoints under amazonaws.com(.cn): the REST endpoints (virtual-hosted and
 * path-style, dual-stack, FIPS), access point hosts, Transfer Acceleration and the zonal
 * endpoints of directory buckets. Other hosts under those domains (website endpoints, other
 * services) are left to the generic https provider, which needs an explicit host allow-list.
 */
export function matchAwsHost(host: string): AwsHost | undefined {
  let suffixPartition: AwsPartition;
  let rest: string;
  if (host.endsWith('.amazonaws.com')) {
    suffixPartition = 'aws';
    rest = host.slice(0, -'.amazonaws.com'.length);
  } else if (host.endsWith('.amazonaws.com.cn')) {
    suffixPartition = 'aws-cn';
    rest = host.slice(0, -'.amazonaws.com.cn'.length);
  } else {
    return undefined;
  }
  const standard = ENDPOINT.exec(rest);
  if (standard !== null) {
    const groups = standard.groups ?? {};
    const region = groups.external !== undefined ? 'us-east-1' : groups.dotted ?? groups.dashed;
    const result: AwsHost = { partition: partitionFor(region, suffixPartition), style: 'standard' };
    if (groups.bucket !== undefined) result.bucket = groups.bucket;
    if (region !== undefined) result.region = region;
    return result;
  }
  if (rest.includes('s3-accesspoint')) return accessPointHost(rest, suffixPartition);
  if (rest.includes('s3-accelerate')) return accelerateHost(rest, suffixPartition);
  if (rest.includes('s3express-')) {
    const express = EXPRESS.exec(rest);
    if (express !== null) return expressHost(express.groups ?? {}, suffixPartition);
  }
  for (const [pattern, reason] of UNSUPPORTED) if (pattern.test(rest)) throw new UriProblem(reason, true);
  return undefined;
}

/** The partition a region belongs to, checked against the domain the host is under. */
function partitionFor(region: string | undefined, suffixPartition: AwsPartition): AwsPartition {
  if (region === undefined) return suffixPartition;
  const partition = partitionOfRegion(region);
  const domain = suffixPartition === 'aws' ? 'amazonaws.com' : 'amazonaws.com.cn';
  if (partition === undefined) throw new UriProblem(`region ${region} belongs to a partition assetlink does not reach (it supports aws, aws-cn and aws-us-gov)`, true);
  if ((partition === 'aws-cn') !== (suffixPartition === 'aws-cn')) throw new UriProblem(`region ${region} is not served from .${domain}; check the host name`);
  return partition;
}

/** `NAME-ACCOUNT.s3-accesspoint[.dualstack].REGION.amazonaws.com`: bucket is the access point ARN. */
function accessPointHost(rest: string, suffixPartition: AwsPartition): AwsHost {
  const m = ACCESS_POINT.exec(rest);
  const example = 'NAME-ACCOUNTID.s3-accesspoint.REGION.amazonaws.com';
  if (m === null) throw new UriProblem(`access point hosts are ${example}`);
  const { label = '', region = '' } = m.groups ?? {};
  const parts = ACCESS_POINT_LABEL.exec(label)?.groups;
  if (parts === undefined) throw new UriProblem(`"${label}" does not name an access point and its 12-digit account: hosts are ${example}`);
  const name = parts.name ?? '';
  checkAccessPointName(name);
  const partition = partitionFor(region, suffixPartition);
  const arn = formatAccessPointArn({ partition, region, accountId: parts.account ?? '', name });
  return { bucket: arn, region, partition, style: 'access-point' };
}

function accelerateHost(rest: string, suffixPartition: AwsPartition): AwsHost {
  const m = ACCELERATE.exec(rest);
  if (m === null) throw new UriProblem('Transfer Acceleration hosts are BUCKET.s3-accelerate.amazonaws.com or BUCKET.s3-accelerate.dualstack.amazonaws.com');
  if (suffixPartition !== 'aws') throw new UriProblem('Transfer Acceleration is not available in the China regions; use the regional endpoint');
  const bucket = m.groups?.bucket;
  if (bucket === undefined) throw new UriProblem('Transfer Acceleration endpoints are virtual-hosted only: write https://BUCKET.s3-accelerate.amazonaws.com/key');
  if (bucket.includes('.')) throw new UriProblem('buckets with dots in their names cannot use Transfer Acceleration; use the regional endpoint');
  return { bucket, partition: 'aws', style: 'accelerate' };
}

function expressHost(groups: Record<string, string | undefined>, suffixPartition: AwsPartition): AwsHost {
  const { bucket, zone = '', region = '' } = groups;
  const partition = partitionFor(region, suffixPartition);
  if (bucket === undefined) {
    throw new UriProblem(`directory buckets are virtual-hosted only: write https://BUCKET--${zone}--x-s3.s3express-${zone}.${region}.amazonaws.com/key`);
  }
  const zoneRegion = regionOfZone(zone);
  if (zoneRegion !== undefined && zoneRegion !== region) throw new UriProblem(`zone ${zone} is in ${zoneRegion}, not ${region}; check the host name`);
  return { bucket, region, partition, style: 'express', zone };
}
