import { describe, expect, it } from 'vitest';
import { AssetLinkError } from '../../src/errors.js';
import { formatSetup, generateSetup, shellQuote, supportsSetup, SETUP_PROVIDERS, type SetupOptions } from '../../src/setup/index.js';
import type { Integration } from '../../src/types.js';

const CANARY = {
  secretKey: 'CANARY-SECRET-ACCESS-KEY-7f3a',
  sessionToken: 'CANARY-SESSION-TOKEN-91bc',
  clientSecret: 'CANARY-CLIENT-SECRET-5d2e',
  externalId: 'CANARY-EXTERNAL-ID-ab12cd34',
  privateKey: '-----BEGIN PRIVATE KEY-----\nCANARYPRIVATEKEYMATERIAL\n-----END PRIVATE KEY-----\n',
};
const TENANT = '11111111-2222-3333-4444-555555555555';
const APP = '66666666-7777-8888-9999-000000000000';

const OPTIONS: SetupOptions = {
  platform: {
    aws: { principalArn: 'arn:aws:iam::111122223333:role/assetlink-platform' },
    gcp: { serviceAccount: 'platform@platform-proj.iam.gserviceaccount.com' },
    azure: { issuer: 'https://oidc.platform.example.com', subject: 'platform' },
  },
  origins: ['https://app.example.com'],
};

const CLOUD: Record<string, Integration> = {
  assumeRole: { id: 'aws-ar', provider: 'aws', mode: 'read-write', scope: { bucket: 'customer-bucket', prefix: 'images' }, auth: { kind: 'assume-role', roleArn: 'arn:aws:iam::123456789012:role/assetlink', externalId: CANARY.externalId } },
  accessKey: { id: 'aws-ak', provider: 'aws', scope: { bucket: 'customer-bucket' }, auth: { kind: 'access-key', accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: CANARY.secretKey, sessionToken: CANARY.sessionToken } },
  crossAccount: { id: 'aws-x', provider: 'aws', scope: { bucket: 'other.bucket' }, auth: { kind: 'cross-account' } },
  impersonation: { id: 'gcp-imp', provider: 'gcp', scope: { bucket: 'my_gcs-bucket', prefix: 'in' }, auth: { kind: 'impersonation', serviceAccount: 'reader@proj.iam.gserviceaccount.com' } },
  gcpKey: { id: 'gcp-key', provider: 'gcp', mode: 'read-write', scope: { bucket: 'bucket-1' }, auth: { kind: 'service-account-key', credentials: { client_email: 'sa@proj.iam.gserviceaccount.com', private_key: CANARY.privateKey } } },
  azureSecret: { id: 'az-cs', provider: 'azure', scope: { account: 'acct1', container: 'media', prefix: 'in/' }, auth: { kind: 'client-secret', tenantId: TENANT, clientId: APP, clientSecret: CANARY.clientSecret } },
  azureFederated: { id: 'az-fed', provider: 'azure', mode: 'read-write', scope: { account: 'acct1', container: 'media' }, auth: { kind: 'federated', tenantId: TENANT, clientId: APP, assertion: async () => 'jwt' } },
};

const errorOf = (fn: () => unknown): AssetLinkError => {
  try { fn(); } catch (error) { return error as AssetLinkError; }
  throw new Error('expected an error');
};

describe('generateSetup: integrations without customer setup', () => {
  const others: Integration[] = [
    { id: 'mem', provider: 'memory', scope: { bucket: 'store' } },
    { id: 'files', provider: 'file', scope: { root: '/srv/assets' } },
    { id: 'cdn', provider: 'https', scope: { hosts: ['cdn.example.com'] } },
  ];

  it('memory, file and https are a typed INVALID_ARGUMENT error naming the integration', () => {
    for (const integration of others) {
      const error = errorOf(() => generateSetup(integration, OPTIONS));
      expect(error).toBeInstanceOf(AssetLinkError);
      expect(error.code).toBe('INVALID_ARGUMENT');
      expect(error.integrationId).toBe(integration.id);
      expect(error.message).toContain(integration.provider);
      expect(supportsSetup(integration)).toBe(false);
    }
    for (const integration of Object.values(CLOUD)) expect(supportsSetup(integration)).toBe(true);
    expect(SETUP_PROVIDERS).toEqual(['aws', 'gcp', 'azure']);
  });

  it('an invalid integration is INVALID_INTEGRATION naming the field, before anything else', () => {
    const bad = { ...CLOUD.assumeRole, scope: { bucket: 'Bad_Bucket' } } as Integration;
    const error = errorOf(() => generateSetup(bad, OPTIONS));
    expect(error.code).toBe('INVALID_INTEGRATION');
    expect((error as AssetLinkError & { field: string }).field).toBe('scope.bucket');
    expect(errorOf(() => generateSetup({ ...CLOUD.impersonation, scope: { bucket: 'b-1', prefix: '../x' } } as Integration, OPTIONS)).code).toBe('INVALID_INTEGRATION');
  });
});

describe('generateSetup: options', () => {
  it('normalises origins to exact scheme://host[:port] and removes duplicates', () => {
    const plan = generateSetup(CLOUD.crossAccount as Integration, { ...OPTIONS, origins: ['https://App.Example.com/', 'https://app.example.com:443', 'http://localhost:5173'] });
    const cors = plan.steps.find((s) => s.kind === 'cors')?.document as { CORSRules: Array<{ AllowedOrigins: string[] }> };
    expect(cors.CORSRules[0]?.AllowedOrigins).toEqual(['https://app.example.com', 'http://localhost:5173']);
  });

  it('refuses wildcard, path-carrying and non-http origins, and bad max ages', () => {
    for (const origin of ['*', 'https://*.example.com', 'https://app.example.com/path', 'ftp://app.example.com', 'app.example.com', 'https://u:p@app.example.com', '']) {
      expect(errorOf(() => generateSetup(CLOUD.crossAccount as Integration, { ...OPTIONS, origins: [origin] })).code, origin).toBe('INVALID_ARGUMENT');
    }
    expect(errorOf(() => generateSetup(CLOUD.crossAccount as Integration, { ...OPTIONS, corsMaxAgeSeconds: -1 })).code).toBe('INVALID_ARGUMENT');
    expect(errorOf(() => generateSetup(CLOUD.crossAccount as Integration, { ...OPTIONS, corsMaxAgeSeconds: 1.5 })).code).toBe('INVALID_ARGUMENT');
  });
});

describe('generateSetup: plans', () => {
  it('every plan names its integration, provider, mode and auth kind, and has text for every step', () => {
    for (const integration of Object.values(CLOUD)) {
      const plan = generateSetup(integration, OPTIONS);
      expect(plan.integrationId).toBe(integration.id);
      expect(plan.provider).toBe(integration.provider);
      expect(plan.mode).toBe(integration.mode ?? 'read-only');
      expect(plan.authKind).toBe((integration as { auth: { kind: string } }).auth.kind);
      expect(plan.steps.length).toBeGreaterThan(0);
      for (const s of [...plan.steps, ...plan.alternatives]) {
        expect(s.text.length).toBeGreaterThan(0);
        expect(s.title.length).toBeGreaterThan(0);
        if (s.fileName) {
          expect(s.apply).toBeDefined();
          expect(JSON.parse(s.text)).toEqual(s.document);
        }
      }
    }
  });

  it('is pure: the same input gives the same plan', () => {
    for (const integration of Object.values(CLOUD)) expect(generateSetup(integration, OPTIONS)).toEqual(generateSetup(integration, OPTIONS));
  });

  it('never contains a secret; the ExternalId appears only in the trust policy', () => {
    for (const integration of Object.values(CLOUD)) {
      const plan = generateSetup(integration, OPTIONS);
      const everything = `${JSON.stringify(plan)}\n${formatSetup(plan)}`;
      for (const secret of [CANARY.secretKey, CANARY.sessionToken, CANARY.clientSecret, 'CANARYPRIVATEKEYMATERIAL']) expect(everything).not.toContain(secret);
      for (const s of plan.steps.filter((x) => x.id !== 'aws.trust-policy')) expect(JSON.stringify(s)).not.toContain(CANARY.externalId);
      expect(JSON.stringify(plan.notes)).not.toContain(CANARY.externalId);
    }
    const trust = generateSetup(CLOUD.assumeRole as Integration, OPTIONS).steps.find((s) => s.id === 'aws.trust-policy');
    expect(trust?.text).toContain(CANARY.externalId);
    expect(trust?.description).not.toContain(CANARY.externalId);
  });
});

describe('formatSetup', () => {
  it('renders every step in order with its text in a code block, alternatives and notes after', () => {
    const plan = generateSetup(CLOUD.impersonation as Integration, OPTIONS);
    const text = formatSetup(plan);
    expect(text.startsWith('# Setup for integration "gcp-imp"\n\nGoogle Cloud · read-only · impersonation\n')).toBe(true);
    let at = 0;
    for (const [n, s] of plan.steps.entries()) {
      const heading = text.indexOf(`## ${n + 1}. ${s.title}`, at);
      expect(heading, s.id).toBeGreaterThan(at);
      at = heading;
      expect(text).toContain(s.text.replace(/\n$/, ''));
      if (s.apply) expect(text).toContain(s.apply);
    }
    expect(text.indexOf('## Alternatives')).toBeGreaterThan(at);
    expect(text).toContain('Fill in first: <project-id>.');
    expect(text.endsWith('\n')).toBe(true);
    expect(text).not.toMatch(/\n{3,}/);
  });

  it('lists placeholders up front, and code blocks survive a prefix with backticks', () => {
    const plan = generateSetup({ ...CLOUD.azureSecret, scope: { account: 'acct1', container: 'media', prefix: 'a```b' } } as Integration, OPTIONS);
    const text = formatSetup(plan);
    expect(text).toContain('Before running anything, replace: <subscription-id>, <resource-group>.');
    expect(text).toContain('````sh\n');
    // Each fence that opens a block is closed by a fence of the same length.
    const fences = [...text.matchAll(/^(`{3,})(\w*)$/gm)];
    for (let k = 0; k < fences.length; k += 2) {
      expect(fences[k]?.[2]).not.toBe('');
      expect(fences[k + 1]?.[1]).toBe(fences[k]?.[1]);
      expect(fences[k + 1]?.[2]).toBe('');
    }
  });
});

describe('shellQuote', () => {
  it('leaves plain words bare and single-quotes everything else', () => {
    expect(shellQuote('gs://bucket-1/a.b')).toBe('gs://bucket-1/a.b');
    expect(shellQuote('--member=serviceAccount:a@b.iam.gserviceaccount.com')).toBe('--member=serviceAccount:a@b.iam.gserviceaccount.com');
    expect(shellQuote('')).toBe("''");
    expect(shellQuote('a b')).toBe("'a b'");
    expect(shellQuote("it's $HOME")).toBe("'it'\\''s $HOME'");
    expect(shellQuote('<subscription-id>')).toBe("'<subscription-id>'");
    expect(shellQuote('!x')).toBe("'!x'");
  });
});
