import { UriProblem } from './fail.js';

export interface AwsHost {
  /** Set for virtual-hosted style; path-style hosts leave the bucket to the path. */
  bucket?: string;
  region?: string;
  partition: 'aws' | 'aws-cn';
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

/**
 * Recognises S3 REST endpoints under amazonaws.com(.cn). Anything else under those domains
 * (website endpoints, access points, other services) is left to the generic https provider,
 * which needs an explicit host allow-list anyway.
 */
export function matchAwsHost(host: string): AwsHost | undefined {
  let partition: AwsHost['partition'];
  let rest: string;
  if (host.endsWith('.amazonaws.com')) {
    partition = 'aws';
    rest = host.slice(0, -'.amazonaws.com'.length);
  } else if (host.endsWith('.amazonaws.com.cn')) {
    partition = 'aws-cn';
    rest = host.slice(0, -'.amazonaws.com.cn'.length);
  } else {
    return undefined;
  }
  const match = ENDPOINT.exec(rest);
  if (match === null) return undefined;
  const groups = match.groups ?? {};
  const region = groups.external !== undefined ? 'us-east-1' : groups.dotted ?? groups.dashed;
  if (region !== undefined && region.startsWith('cn-') !== (partition === 'aws-cn')) {
    throw new UriProblem(`region ${region} is not served from .${partition === 'aws' ? 'amazonaws.com' : 'amazonaws.com.cn'}; check the host name`);
  }
  const result: AwsHost = { partition };
  if (groups.bucket !== undefined) result.bucket = groups.bucket;
  if (region !== undefined) result.region = region;
  return result;
}
