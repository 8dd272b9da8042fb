import { describe, expect, it } from 'vitest';
import { validateIntegration } from '../../src/integrations/validate.js';
import { fixHint } from '../../src/verify/hints.js';
import type { Integration } from '../../src/types.js';

/** Verify's fix hints name resources the customer can paste: the right partition, no "undefined". */

const hint = (i: Integration, check: Parameters<typeof fixHint>[1]): string => fixHint(validateIntegration(i), check, 'ACCESS_DENIED');
const role = (partition: string, account = '123456789012'): string => `arn:${partition}:iam::${account}:role/customer`;

describe('verify fix hints', () => {
  it.each([
    ['aws', 'us-east-1'],
    ['aws-cn', 'cn-north-1'],
    ['aws-us-gov', 'us-gov-west-1'],
  ])('AWS hints name the integration\'s partition (%s)', (partition, region) => {
    const i: Integration = { id: 'x', provider: 'aws', mode: 'read-write', scope: { bucket: 'photos', prefix: 'in', region }, auth: { kind: 'assume-role', roleArn: role(partition), externalId: 'ext-0123456789abcdef' } };
    expect(hint(i, 'list')).toContain(`arn:${partition}:s3:::photos with condition s3:prefix like "in/*"`);
    expect(hint(i, 'sample-read')).toContain(`s3:GetObject on arn:${partition}:s3:::photos/in/*`);
    expect(hint(i, 'write-probe')).toContain(`on arn:${partition}:s3:::photos/in/*`);
    if (partition !== 'aws') expect(hint(i, 'list')).not.toContain('arn:aws:s3');
  });

  it('an access point scope names the access point and its /object/ keys, not a bucket ARN built from the access point ARN', () => {
    const ap = 'arn:aws-us-gov:s3:us-gov-west-1:123456789012:accesspoint/shared';
    const i: Integration = { id: 'ap', provider: 'aws', scope: { bucket: ap, prefix: 'x' }, auth: { kind: 'assume-role', roleArn: role('aws-us-gov'), externalId: 'ext-0123456789abcdef' } };
    expect(hint(i, 'list')).toContain(`s3:ListBucket on ${ap} with`);
    expect(hint(i, 'sample-read')).toContain(`s3:GetObject on ${ap}/object/x/*`);
    expect(hint(i, 'list')).not.toContain('s3:::arn:');
  });

  it('a wildcard AWS scope names a <bucket> placeholder, never arn:…:s3:::*', () => {
    const i: Integration = { id: 'w', provider: 'aws', tenant: 't1', scope: { bucket: '*' }, auth: { kind: 'assume-role', roleArn: role('aws-cn'), externalId: 'ext-0123456789abcdef' } } as Integration;
    expect(hint(i, 'sample-read')).toContain('arn:aws-cn:s3:::<bucket>/*');
    expect(hint(i, 'list')).not.toContain(':::*');
  });

  it('an account-wide Azure scope (no container) names the account, never "container undefined"', () => {
    const auth = { kind: 'client-secret', tenantId: '72f988bf-86f1-41af-91ab-2d7cd011db47', clientId: '0f7e1a52-1111-4c2b-9d7e-5f4a3b2c1d0e', clientSecret: 's' } as const;
    const wide = { id: 'az', provider: 'azure', mode: 'read-write', tenant: 't1', scope: { account: 'acct' }, auth } as unknown as Integration;
    for (const check of ['sample-read', 'list', 'write-probe'] as const) {
      expect(hint(wide, check)).not.toContain('undefined');
      expect(hint(wide, check)).toContain('on storage account acct to app');
    }
    const narrow: Integration = { id: 'az2', provider: 'azure', scope: { account: 'acct', container: 'images' }, auth };
    expect(hint(narrow, 'sample-read')).toContain('on container images of account acct to app');
  });
});
