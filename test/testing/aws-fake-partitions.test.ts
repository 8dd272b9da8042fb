import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { evaluateResourcePolicy, startAwsFakes, type AwsFakes } from '../../src/testing/aws/index.js';

/**
 * The AWS fakes name principals in the partition they live in, as AWS does: a role in aws-cn
 * gives sessions `arn:aws-cn:sts::…`, and an account root in a resource policy is matched in the
 * caller's partition only (arn:aws:iam::A:root does not name an aws-cn caller of account A).
 */

let fakes: AwsFakes;
const EXTERNAL_ID = 'ext-partition-0123456789';
const ROLES = {
  'aws': 'arn:aws:iam::111111111111:role/customer',
  'aws-cn': 'arn:aws-cn:iam::111111111111:role/customer',
  'aws-us-gov': 'arn:aws-us-gov:iam::111111111111:role/customer',
} as const;

beforeAll(async () => {
  fakes = await startAwsFakes({ roles: Object.values(ROLES).map((roleArn) => ({ roleArn, externalId: EXTERNAL_ID })) });
});
afterAll(async () => { await fakes?.close(); });

describe('AWS fakes and partitions', () => {
  it.each(Object.entries(ROLES))('an assumed %s role is a session ARN of that partition', async (partition, roleArn) => {
    const sts = new STSClient({ region: 'us-east-1', endpoint: fakes.sts.endpoint, credentials: fakes.platform.credentials, maxAttempts: 1 });
    const out = await sts.send(new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: 'ps', ExternalId: EXTERNAL_ID }));
    expect(out.AssumedRoleUser?.Arn).toBe(`arn:${partition}:sts::111111111111:assumed-role/customer/ps`);
    const c = out.Credentials!;
    const session = new STSClient({ region: 'us-east-1', endpoint: fakes.sts.endpoint, credentials: { accessKeyId: c.AccessKeyId!, secretAccessKey: c.SecretAccessKey!, sessionToken: c.SessionToken! }, maxAttempts: 1 });
    const identity = await session.send(new GetCallerIdentityCommand({})).catch(() => undefined);
    if (identity) expect(identity.Arn).toBe(`arn:${partition}:sts::111111111111:assumed-role/customer/ps`);
  });

  it('an account root in a resource policy names callers of its own partition only', () => {
    const request = { action: 's3:GetObject', resource: 'arn:aws-cn:s3:::b/k' };
    const policy = (root: string) => ({ Statement: [{ Effect: 'Allow' as const, Principal: { AWS: root }, Action: 's3:GetObject', Resource: 'arn:aws-cn:s3:::b/*' }] });
    const cnCaller = { accountId: '111111111111', principalArn: 'arn:aws-cn:sts::111111111111:assumed-role/customer/p' };
    const govCaller = { accountId: '111111111111', principalArn: 'arn:aws-us-gov:iam::111111111111:user/u' };
    expect(evaluateResourcePolicy(policy('arn:aws-cn:iam::111111111111:root'), cnCaller, request)).toBe('allow');
    expect(evaluateResourcePolicy(policy('arn:aws:iam::111111111111:root'), cnCaller, request)).toBe('implicit-deny');
    expect(evaluateResourcePolicy(policy('arn:aws-us-gov:iam::111111111111:root'), govCaller, request)).toBe('allow');
    expect(evaluateResourcePolicy(policy('arn:aws:iam::111111111111:root'), govCaller, request)).toBe('implicit-deny');
    // A role named in its partition covers its sessions; the same role name in another partition does not.
    expect(evaluateResourcePolicy(policy('arn:aws-cn:iam::111111111111:role/customer'), cnCaller, request)).toBe('allow');
    expect(evaluateResourcePolicy(policy('arn:aws:iam::111111111111:role/customer'), cnCaller, request)).toBe('implicit-deny');
  });
});
