import { describe, expect, it } from 'vitest';
import { buildSessionPolicy } from '../../src/auth/session-policy.js';
import { assumeRoleRequest } from '../../src/resolvers/aws/credentials.js';
import { validateIntegration } from '../../src/integrations/validate.js';
import { generateSetup, type SetupOptions, type SetupPlan } from '../../src/setup/index.js';
import type { AwsIntegration, Integration } from '../../src/types.js';

/**
 * Issue 21: session policies and setup generators name the access point (never the bucket) for
 * access point ARN and alias scopes, add the bucket-policy delegation, grant S3 Express sessions
 * for directory buckets, and GetObjectVersion for pinned reads. Unit-level: no fake involved.
 */

const AP = 'arn:aws:s3:us-west-2:123456789012:accesspoint/shared-ap';
const ALIAS = 'shared-ap-hrzrlukc5m36ft7okagglf3gmwluquse1b-s3alias';
const PLATFORM = 'arn:aws:iam::111122223333:role/assetlink-platform';
const OPTIONS: SetupOptions = { platform: { aws: { principalArn: PLATFORM } } };
const ROLE_SAME_ACCOUNT = 'arn:aws:iam::123456789012:role/reader';
const ROLE_OTHER_ACCOUNT = 'arn:aws:iam::999988887777:role/reader';

function integration(scope: AwsIntegration['scope'], auth: AwsIntegration['auth'], mode: 'read-only' | 'read-write' = 'read-only'): AwsIntegration {
  return { id: 'ap-int', provider: 'aws', mode, scope, auth };
}
const assume = (roleArn = ROLE_SAME_ACCOUNT): AwsIntegration['auth'] => ({ kind: 'assume-role', roleArn, externalId: 'ext-id-123' });
const stepOf = (plan: SetupPlan, id: string) => {
  const found = plan.steps.find((s) => s.id === id);
  if (!found) throw new Error(`no step ${id} in ${plan.steps.map((s) => s.id).join(', ')}`);
  expect(JSON.parse(found.text)).toEqual(found.document);
  return found;
};
const resourcesOf = (doc: unknown): string[] => (doc as { Statement: Array<{ Resource: string | string[] }> }).Statement.flatMap((s) => s.Resource);

describe('session policy', () => {
  it('names the access point and its objects for an access point ARN scope', () => {
    const policy = buildSessionPolicy({ bucket: AP, prefix: 'images', mode: 'read-write', partition: 'aws' });
    expect(policy.Statement).toEqual([
      { Sid: 'ReadObjects', Effect: 'Allow', Action: ['s3:GetObject', 's3:GetObjectVersion'], Resource: `${AP}/object/images/*` },
      { Sid: 'ListScope', Effect: 'Allow', Action: ['s3:ListBucket'], Resource: AP, Condition: { StringLike: { 's3:prefix': ['images/*'] } } },
      { Sid: 'WriteObjects', Effect: 'Allow', Action: ['s3:PutObject', 's3:DeleteObject', 's3:AbortMultipartUpload', 's3:ListMultipartUploadParts'], Resource: `${AP}/object/images/*` },
    ]);
    expect(JSON.stringify(policy)).not.toContain('arn:aws:s3:::');
  });

  it('names the access point behind an alias', () => {
    const policy = buildSessionPolicy({ bucket: ALIAS, accessPointArn: AP, mode: 'read-only', partition: 'aws' });
    expect(resourcesOf(policy)).toEqual([`${AP}/object/*`, AP]);
    expect(JSON.stringify(policy)).not.toContain(ALIAS);
  });

  it('is what AssumeRole sends for a validated access point integration', () => {
    const config = validateIntegration(integration({ bucket: AP, prefix: 'images' }, assume()));
    const request = assumeRoleRequest(config as Parameters<typeof assumeRoleRequest>[0]);
    expect(JSON.parse(request.Policy)).toEqual(buildSessionPolicy({ bucket: AP, prefix: 'images', mode: 'read-only', partition: 'aws' }));
    const aliasConfig = validateIntegration(integration({ bucket: ALIAS, accessPointArn: AP }, assume()));
    expect(resourcesOf(JSON.parse(assumeRoleRequest(aliasConfig as Parameters<typeof assumeRoleRequest>[0]).Policy))).toEqual([`${AP}/object/*`, AP]);
  });

  it('uses the integration\'s partition in every ARN', () => {
    const cn = validateIntegration(integration({ bucket: 'cn-bucket', prefix: 'p' }, assume('arn:aws-cn:iam::123456789012:role/reader')));
    const policy = JSON.parse(assumeRoleRequest(cn as Parameters<typeof assumeRoleRequest>[0]).Policy) as unknown;
    expect(resourcesOf(policy).every((r) => r.startsWith('arn:aws-cn:s3:::cn-bucket'))).toBe(true);
    const gov = validateIntegration(integration({ bucket: 'gov-bucket', partition: 'aws-us-gov' }, assume('arn:aws-us-gov:iam::123456789012:role/reader')));
    expect(resourcesOf(JSON.parse(assumeRoleRequest(gov as Parameters<typeof assumeRoleRequest>[0]).Policy)).every((r) => r.startsWith('arn:aws-us-gov:s3:::'))).toBe(true);
    const govAp = validateIntegration(integration({ bucket: 'arn:aws-us-gov:s3:us-gov-west-1:123456789012:accesspoint/gov-ap' }, { kind: 'cross-account' }));
    expect(govAp.scope).toMatchObject({ bucket: 'arn:aws-us-gov:s3:us-gov-west-1:123456789012:accesspoint/gov-ap' });
  });

  it('grants a ReadOnly S3 Express session on a read-only directory bucket, and any session on a read-write one', () => {
    expect(buildSessionPolicy({ bucket: 'fast--usw2-az1--x-s3', mode: 'read-only', partition: 'aws', accountId: '123456789012' }).Statement).toEqual([{
      Sid: 'DirectoryBucketSession', Effect: 'Allow', Action: ['s3express:CreateSession'],
      Resource: 'arn:aws:s3express:us-west-2:123456789012:bucket/fast--usw2-az1--x-s3',
      Condition: { StringEquals: { 's3express:SessionMode': 'ReadOnly' } },
    }]);
    expect(buildSessionPolicy({ bucket: 'fast--usw2-az1--x-s3', mode: 'read-write', partition: 'aws' }).Statement[0]).toEqual({
      Sid: 'DirectoryBucketSession', Effect: 'Allow', Action: ['s3express:CreateSession'], Resource: 'arn:aws:s3express:us-west-2:*:bucket/fast--usw2-az1--x-s3',
    });
  });
});

describe('setup generator', () => {
  it('an assume-role integration on an access point: role policy on the access point, and the bucket delegation', () => {
    const plan = generateSetup(integration({ bucket: AP, prefix: 'images' }, assume()) as Integration, OPTIONS);
    const role = stepOf(plan, 'aws.role-policy');
    expect(resourcesOf(role.document)).toEqual([AP, `${AP}/object/images/*`]);
    const delegation = stepOf(plan, 'aws.bucket-delegation');
    expect(delegation.document).toEqual({
      Version: '2012-10-17',
      Statement: [
        { Sid: 'AssetlinkDelegateListToAccessPoints', Effect: 'Allow', Principal: { AWS: '*' }, Action: ['s3:ListBucket'], Resource: 'arn:aws:s3:::<bucket-behind-the-access-point>', Condition: { StringEquals: { 's3:DataAccessPointAccount': '123456789012' } } },
        { Sid: 'AssetlinkDelegateObjectsToAccessPoints', Effect: 'Allow', Principal: { AWS: '*' }, Action: ['s3:GetObject', 's3:GetObjectVersion'], Resource: 'arn:aws:s3:::<bucket-behind-the-access-point>/*', Condition: { StringEquals: { 's3:DataAccessPointAccount': '123456789012' } } },
      ],
    });
    expect(plan.placeholders).toContain('<bucket-behind-the-access-point>');
    // Same account: the role's own policy suffices, no access point policy.
    expect(plan.steps.map((s) => s.id)).not.toContain('aws.access-point-policy');
    expect(plan.steps.map((s) => s.id)).not.toContain('aws.bucket-policy');
  });

  it('a role in another account also needs the access point policy to grant it', () => {
    const plan = generateSetup(integration({ bucket: AP }, assume(ROLE_OTHER_ACCOUNT), 'read-write') as Integration, OPTIONS);
    const apPolicy = stepOf(plan, 'aws.access-point-policy');
    const statements = (apPolicy.document as { Statement: Array<{ Principal?: { AWS: string }; Resource: string; Action: string[] }> }).Statement;
    expect(statements.every((s) => s.Principal?.AWS === ROLE_OTHER_ACCOUNT)).toBe(true);
    expect(statements.map((s) => s.Resource)).toEqual([AP, `${AP}/object/*`, `${AP}/object/*`]);
    expect(apPolicy.apply).toContain('aws s3control put-access-point-policy');
    expect(apPolicy.apply).toContain('--account-id 123456789012');
    expect(apPolicy.apply).toContain('--name shared-ap');
    const delegated = (stepOf(plan, 'aws.bucket-delegation').document as { Statement: Array<{ Action: string[] }> }).Statement[1]!.Action;
    expect(delegated).toContain('s3:PutObject');
  });

  it('a cross-account integration on an alias: the access point policy grants the platform', () => {
    const plan = generateSetup(integration({ bucket: ALIAS, accessPointArn: AP, prefix: 'in' }, { kind: 'cross-account' }) as Integration, OPTIONS);
    const apPolicy = stepOf(plan, 'aws.access-point-policy');
    const statements = (apPolicy.document as { Statement: Array<{ Principal?: { AWS: string }; Resource: string }> }).Statement;
    expect(statements.every((s) => s.Principal?.AWS === PLATFORM)).toBe(true);
    expect(statements.map((s) => s.Resource)).toEqual([AP, `${AP}/object/in/*`]);
    expect(plan.steps.map((s) => s.id)).toEqual(['aws.access-point-policy', 'aws.bucket-delegation']);
    expect(JSON.stringify(plan.steps.map((s) => s.document))).not.toContain(ALIAS);
  });

  it('an alias without its access point ARN cannot be set up', () => {
    expect(() => generateSetup(integration({ bucket: ALIAS }, { kind: 'cross-account' }) as Integration, OPTIONS)).toThrow(/scope.accessPointArn/);
  });

  it('a directory bucket: one S3 Express session statement, read-only sessions for read-only integrations', () => {
    const plan = generateSetup(integration({ bucket: 'fast--usw2-az1--x-s3', accountId: '123456789012' }, assume()) as Integration, OPTIONS);
    expect(stepOf(plan, 'aws.role-policy').document).toEqual({
      Version: '2012-10-17',
      Statement: [{
        Sid: 'AssetlinkDirectorySession', Effect: 'Allow', Action: ['s3express:CreateSession'], Resource: 'arn:aws:s3express:us-west-2:123456789012:bucket/fast--usw2-az1--x-s3',
        Condition: { StringEquals: { 's3express:SessionMode': 'ReadOnly' } },
      }],
    });
  });

  it('uses the access point\'s partition', () => {
    const cnAp = 'arn:aws-cn:s3:cn-north-1:123456789012:accesspoint/cn-ap';
    const plan = generateSetup(integration({ bucket: cnAp }, assume('arn:aws-cn:iam::123456789012:role/reader')) as Integration,
      { platform: { aws: { principalArn: 'arn:aws-cn:iam::111122223333:role/assetlink-platform' } } });
    expect(resourcesOf(stepOf(plan, 'aws.role-policy').document)).toEqual([cnAp, `${cnAp}/object/*`]);
    expect(resourcesOf(stepOf(plan, 'aws.bucket-delegation').document).every((r) => r.startsWith('arn:aws-cn:s3:::'))).toBe(true);
  });
});
