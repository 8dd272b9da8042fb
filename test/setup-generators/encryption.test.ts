import { describe, expect, it } from 'vitest';
import { buildSessionPolicy } from '../../src/auth/session-policy.js';
import { generateSetup, type SetupOptions } from '../../src/setup/index.js';
import type { Integration } from '../../src/types.js';

/** Issue 16: setup generators emit what the integration's encryption needs, in step with what assetlink mints. */

const PLATFORM = 'arn:aws:iam::111111111111:role/assetlink-platform';
const ROLE = 'arn:aws:iam::222222222222:role/assetlink-writer';
const KEY = 'arn:aws:kms:eu-west-1:222222222222:key/1234abcd-12ab-34cd-56ef-1234567890ab';
const OPTIONS: SetupOptions = { platform: { aws: { principalArn: PLATFORM }, gcp: { serviceAccount: 'platform@p.iam.gserviceaccount.com' } } } as SetupOptions;

describe('setup: encryption', () => {
  it('AWS SSE-KMS: the role policy grants exactly the KMS actions the session policy does, and a key policy statement via S3 is generated', () => {
    for (const mode of ['read-write', 'read-only'] as const) {
      const integration: Integration = { id: 'kms', provider: 'aws', mode, scope: { bucket: 'b-1', region: 'eu-west-1' }, auth: { kind: 'assume-role', roleArn: ROLE, externalId: 'ext-123456' }, encryption: { kind: 'aws:kms', keyId: KEY } };
      const plan = generateSetup(integration, OPTIONS);
      const role = plan.steps.find((s) => s.id === 'aws.role-policy')!.document as { Statement: Array<{ Action: string[]; Resource: string }> };
      const session = buildSessionPolicy({ bucket: 'b-1', mode, kmsKeyArn: KEY });
      const kms = (st: Array<{ Action: string[]; Resource: string }>) => st.filter((s) => s.Action.some((a) => a.startsWith('kms:'))).map((s) => ({ Action: s.Action, Resource: s.Resource }));
      expect(kms(role.Statement)).toEqual(kms(session.Statement));
      expect(kms(role.Statement)).toEqual([{ Action: mode === 'read-write' ? ['kms:GenerateDataKey', 'kms:Decrypt'] : ['kms:Decrypt'], Resource: KEY }]);
      const keyPolicy = plan.steps.find((s) => s.id === 'aws.kms-key-policy')!.document as { Statement: Array<Record<string, unknown>> };
      expect(keyPolicy.Statement[0]).toMatchObject({ Principal: { AWS: ROLE }, Resource: '*', Condition: { StringEquals: { 'kms:ViaService': 's3.eu-west-1.amazonaws.com' } } });
      expect(plan.notes.join('\n')).not.toContain('If the bucket is encrypted');
    }
  });

  it('AWS AES256 and no encryption: no KMS statement', () => {
    const plan = generateSetup({ id: 'aes', provider: 'aws', mode: 'read-write', scope: { bucket: 'b-1' }, auth: { kind: 'assume-role', roleArn: ROLE, externalId: 'ext-123456' }, encryption: { kind: 'AES256' } }, OPTIONS);
    expect(JSON.stringify(plan.steps)).not.toContain('kms:');
  });

  it('GCS CMEK: grants the Cloud Storage service agent Encrypter/Decrypter on the key', () => {
    const plan = generateSetup({ id: 'cmek', provider: 'gcp', mode: 'read-write', scope: { bucket: 'bkt-1' }, auth: { kind: 'impersonation', serviceAccount: 'w@customer.iam.gserviceaccount.com' }, encryption: { kmsKeyName: 'projects/customer-proj/locations/us/keyRings/ring/cryptoKeys/key1' } }, OPTIONS);
    const step = plan.steps.find((s) => s.id === 'gcp.kms-key')!;
    expect(step.text).toContain('gcloud kms keys add-iam-policy-binding key1');
    expect(step.text).toContain('--keyring=ring');
    expect(step.text).toContain('roles/cloudkms.cryptoKeyEncrypterDecrypter');
    expect(plan.placeholders).toContain('<bucket-project-number>');
  });

  it('Azure: creates the encryption scope and makes it the container default', () => {
    const plan = generateSetup({ id: 'scope', provider: 'azure', mode: 'read-write', scope: { account: 'acct1', container: 'c-1' }, auth: { kind: 'client-secret', tenantId: '72f988bf-86f1-41af-91ab-2d7cd011db47', clientId: '0f7e1a52-1111-4c2b-9d7e-5f4a3b2c1d0e', clientSecret: 's' }, encryption: { scope: 'scope1' } }, OPTIONS);
    const step = plan.steps.find((s) => s.id === 'azure.encryption-scope')!;
    expect(step.text).toContain('az storage account encryption-scope create');
    expect(step.text).toContain('--default-encryption-scope scope1');
  });
});
