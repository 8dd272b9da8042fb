import { escapeIamPattern } from '../auth/session-policy.js';
import { shellCommand } from './shell.js';
import { documentStep } from './steps.js';
import type { SetupStep } from './types.js';

/**
 * Setup of an anonymous S3 integration: a bucket policy that lets anyone (`Principal: "*"`) get
 * objects under the integration's prefix — what "public bucket" means in S3 — plus the Block
 * Public Access settings that must allow it.
 */
export function awsPublicReadStep(bucket: string, prefix: string | undefined, partition: string, s3Region: Array<readonly [string, string]>): SetupStep {
  const keys = prefix ? `${escapeIamPattern(prefix)}/*` : '*';
  return documentStep({
    id: 'aws.public-bucket-policy',
    title: `Public-read bucket policy of ${bucket}`,
    description: `Lets anyone on the internet read objects under s3://${bucket}/${prefix ? `${prefix}/` : ''} (s3:GetObject only: no listing, no writes), `
      + 'which is what an anonymous integration relies on. The bucket\'s Block Public Access settings must allow public bucket policies '
      + `(aws s3api put-public-access-block --bucket ${bucket} --public-access-block-configuration BlockPublicPolicy=false,RestrictPublicBuckets=false). `
      + 'put-bucket-policy REPLACES the bucket\'s whole policy: merge this statement into an existing one. Never do this for data that is not meant to be public.',
    kind: 'bucket-policy',
    document: {
      Version: '2012-10-17',
      Statement: [{ Sid: 'PublicRead', Effect: 'Allow', Principal: '*', Action: ['s3:GetObject'], Resource: [`arn:${partition}:s3:::${bucket}/${keys}`] }],
    },
    fileName: 'bucket-policy.json',
    apply: shellCommand(['aws', 's3api', 'put-bucket-policy'], [], [['--bucket', bucket], ['--policy', 'file://bucket-policy.json'], ...s3Region]),
  });
}
