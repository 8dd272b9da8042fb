import { describe, expect, it } from 'vitest';
import { generateSetup, type Integration } from '../../src/index.js';

/** Setup plans for wildcard integrations never grant every bucket: they name a <bucket> placeholder. */

const platform = {
  aws: { principalArn: 'arn:aws:iam::111122223333:role/assetlink-platform' },
  gcp: { serviceAccount: 'platform@platform-project.iam.gserviceaccount.com' },
};

describe('setup for wildcard scopes', () => {
  it('aws bucket "*": statements on <bucket>, never on arn:aws:s3:::*; the placeholder and a note say to repeat per bucket', () => {
    const plan = generateSetup({
      id: 'scale-any', tenant: 'scale', provider: 'aws', scope: { bucket: '*' },
      auth: { kind: 'assume-role', roleArn: 'arn:aws:iam::123456789012:role/ScaleAI-Integration', externalId: 'scale-external-id-01' },
    }, { platform, origins: ['https://app.example.com'] });
    const text = JSON.stringify(plan.steps);
    expect(text).not.toContain('arn:aws:s3:::*');
    expect(text).toContain('arn:aws:s3:::<bucket>/*');
    expect(plan.placeholders).toContain('<bucket>');
    expect(plan.steps.find((s) => s.id === 'aws.role-policy')?.placeholders).toContain('<bucket>');
    expect(plan.steps.find((s) => s.id === 'aws.trust-policy')?.placeholders ?? []).not.toContain('<bucket>');
    expect(plan.notes[0]).toMatch(/any bucket.*once per bucket/);
  });

  it('gcp bucket "*": the bucket binding names <bucket>', () => {
    const plan = generateSetup({
      id: 'scale-gcs', tenant: 'scale', provider: 'gcp', scope: { bucket: '*' },
      auth: { kind: 'impersonation', serviceAccount: 'reader@customer.iam.gserviceaccount.com' },
    }, { platform });
    expect(plan.steps.find((s) => s.id === 'gcp.bucket-role')?.text).toContain('gs://<bucket>');
    expect(plan.placeholders).toContain('<bucket>');
  });

  it('azure without container: the role is assigned on the storage account', () => {
    const integration: Integration = {
      id: 'segments-az', tenant: 'segments', provider: 'azure', scope: { account: 'segdata' },
      auth: { kind: 'client-secret', tenantId: 'contoso.onmicrosoft.com', clientId: '0f7e1a52-1111-4c2b-9d7e-5f4a3b2c1d0e', clientSecret: 'x' },
    };
    const plan = generateSetup(integration, { azure: { subscriptionId: 'sub', resourceGroup: 'rg' } });
    const assignment = plan.steps.find((s) => s.id === 'azure.role-assignment')!;
    expect(assignment.title).toBe('Assign Storage Blob Data Reader on storage account segdata');
    expect(assignment.document).toMatchObject({ scope: '/subscriptions/sub/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/segdata' });
    expect(JSON.stringify(plan)).not.toContain('undefined');
  });
});
