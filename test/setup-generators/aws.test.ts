import { describe, expect, it } from 'vitest';
import { buildSessionPolicy } from '../../src/auth/session-policy.js';
import { AssetLinkError } from '../../src/errors.js';
import type { IamPolicyDocument, IamStatement, S3CorsConfiguration } from '../../src/setup/aws.js';
import { generateSetup, type SetupOptions, type SetupPlan } from '../../src/setup/index.js';
import type { AwsIntegration, Integration, Mode } from '../../src/types.js';

const PLATFORM = 'arn:aws:iam::111122223333:role/assetlink-platform';
const OPTIONS: SetupOptions = { platform: { aws: { principalArn: PLATFORM } } };
const EXTERNAL_ID = 'CANARY-EXTERNAL-ID-ab12cd34';
const SECRET = 'CANARY-SECRET-ACCESS-KEY-7f3a';
const SESSION_TOKEN = 'CANARY-SESSION-TOKEN-91bc';
const ACCESS_KEY_ID = 'AKIAIOSFODNN7CANARY1';

function assumeRole(over: { mode?: Mode; prefix?: string; region?: string; roleArn?: string; durationSeconds?: number } = {}): AwsIntegration {
  return {
    id: 'acme-in', provider: 'aws', mode: over.mode ?? 'read-only',
    scope: { bucket: 'customer-bucket', ...(over.prefix !== undefined ? { prefix: over.prefix } : {}), ...(over.region ? { region: over.region } : {}) },
    auth: { kind: 'assume-role', roleArn: over.roleArn ?? 'arn:aws:iam::123456789012:role/assetlink', externalId: EXTERNAL_ID, ...(over.durationSeconds ? { durationSeconds: over.durationSeconds } : {}) },
  };
}

const step = (plan: SetupPlan, id: string) => {
  const found = plan.steps.find((s) => s.id === id);
  if (!found) throw new Error(`no step ${id} in ${plan.steps.map((s) => s.id).join(', ')}`);
  return found;
};

/** Parses the copy-paste text (not the data) so what customers paste is what is checked. */
const parsed = <T>(plan: SetupPlan, id: string): T => {
  const s = step(plan, id);
  const fromText = JSON.parse(s.text) as T;
  expect(fromText).toEqual(s.document);
  return fromText;
};

// ----------------------------------------------------------------- a small IAM JSON validator

const STATEMENT_KEYS = new Set(['Sid', 'Effect', 'Principal', 'Action', 'Resource', 'Condition']);
const CONDITION_OPERATORS = new Set(['StringEquals', 'StringLike', 'StringNotEquals', 'StringNotLike', 'ArnEquals', 'ArnLike', 'Bool']);
const POLICY_VARIABLE = /\$\{([^}]*)\}/g;

/**
 * Structural validity as IAM sees it: the top-level shape, statement keys, Sid characters,
 * Effect, service:Action names, Principal/Resource presence per policy type, condition blocks,
 * ARNs, policy variables (only the literal-character ones, which need Version 2012-10-17), and
 * the size limits of the place the policy goes.
 */
function assertValidIamPolicy(doc: unknown, type: 'identity' | 'trust' | 'bucket'): asserts doc is IamPolicyDocument {
  expect(doc).toBeTypeOf('object');
  const policy = doc as Record<string, unknown>;
  expect(Object.keys(policy).sort()).toEqual(['Statement', 'Version']);
  expect(policy.Version).toBe('2012-10-17');
  expect(Array.isArray(policy.Statement)).toBe(true);
  const statements = policy.Statement as Array<Record<string, unknown>>;
  expect(statements.length).toBeGreaterThan(0);
  const sids = new Set<string>();
  for (const s of statements) {
    for (const key of Object.keys(s)) expect(STATEMENT_KEYS.has(key), `unexpected statement key ${key}`).toBe(true);
    if (s.Sid !== undefined) {
      expect(s.Sid).toMatch(/^[A-Za-z0-9]+$/);
      expect(sids.has(s.Sid as string), `duplicate Sid ${String(s.Sid)}`).toBe(false);
      sids.add(s.Sid as string);
    }
    expect(['Allow', 'Deny']).toContain(s.Effect);
    const actions = typeof s.Action === 'string' ? [s.Action] : s.Action;
    expect(Array.isArray(actions) && actions.length > 0).toBe(true);
    for (const action of actions as unknown[]) expect(action).toMatch(/^(s3|sts|kms):[A-Za-z]+$/);
    if (type === 'identity') expect(s.Principal).toBeUndefined();
    else {
      expect(s.Principal).toBeTypeOf('object');
      const principal = (s.Principal as { AWS?: unknown }).AWS;
      expect(principal).toMatch(/^arn:aws(-cn|-us-gov)?:iam::\d{12}:(role|user)\/[\w+=,.@/-]+$/);
    }
    if (type === 'trust') expect(s.Resource).toBeUndefined();
    else {
      const resources = typeof s.Resource === 'string' ? [s.Resource] : s.Resource;
      expect(Array.isArray(resources) && resources.length > 0).toBe(true);
      for (const r of resources as unknown[]) expect(r).toMatch(/^arn:aws(-cn|-us-gov)?:s3:::[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](\/.+)?$/);
    }
    if (s.Condition !== undefined) {
      for (const [operator, block] of Object.entries(s.Condition as Record<string, unknown>)) {
        expect(CONDITION_OPERATORS.has(operator), `operator ${operator}`).toBe(true);
        for (const value of Object.values(block as Record<string, unknown>)) {
          const values = Array.isArray(value) ? value : [value];
          for (const v of values) expect(v).toBeTypeOf('string');
        }
      }
    }
  }
  const compact = JSON.stringify(doc);
  for (const match of compact.matchAll(POLICY_VARIABLE)) expect(['*', '?', '$']).toContain(match[1]);
  // Inline role/user policies: 10,240 characters; bucket policies: 20 KB; trust policies: 2,048 by default.
  expect(compact.replace(/\s/g, '').length).toBeLessThan(type === 'trust' ? 2048 : 10_240);
}

const statementsOf = (plan: SetupPlan, id: string, type: 'identity' | 'trust' | 'bucket'): IamStatement[] => {
  const doc = parsed<IamPolicyDocument>(plan, id);
  assertValidIamPolicy(doc, type);
  return doc.Statement;
};

// ----------------------------------------------------------------- permission policies

const B = 'arn:aws:s3:::customer-bucket';
const READ_ONLY_IMAGES: IamStatement[] = [
  { Sid: 'AssetlinkBucketLocation', Effect: 'Allow', Action: ['s3:GetBucketLocation'], Resource: B },
  { Sid: 'AssetlinkList', Effect: 'Allow', Action: ['s3:ListBucket'], Resource: B, Condition: { StringLike: { 's3:prefix': ['images/', 'images/*'] } } },
  { Sid: 'AssetlinkReadObjects', Effect: 'Allow', Action: ['s3:GetObject', 's3:GetObjectVersion'], Resource: `${B}/images/*` },
];
const WRITE_IMAGES: IamStatement = {
  Sid: 'AssetlinkWriteObjects', Effect: 'Allow',
  Action: ['s3:PutObject', 's3:DeleteObject', 's3:AbortMultipartUpload', 's3:ListMultipartUploadParts'],
  Resource: `${B}/images/*`,
};

describe('AWS role permission policy', () => {
  it('read-only with a prefix: get under prefix/, list only prefix/ and below, bucket location', () => {
    const plan = generateSetup(assumeRole({ prefix: 'images' }), OPTIONS);
    expect(statementsOf(plan, 'aws.role-policy', 'identity')).toEqual(READ_ONLY_IMAGES);
  });

  it('read-only without a prefix: the whole bucket, no list condition', () => {
    const plan = generateSetup(assumeRole(), OPTIONS);
    expect(statementsOf(plan, 'aws.role-policy', 'identity')).toEqual([
      { Sid: 'AssetlinkBucketLocation', Effect: 'Allow', Action: ['s3:GetBucketLocation'], Resource: B },
      { Sid: 'AssetlinkList', Effect: 'Allow', Action: ['s3:ListBucket'], Resource: B },
      { Sid: 'AssetlinkReadObjects', Effect: 'Allow', Action: ['s3:GetObject', 's3:GetObjectVersion'], Resource: `${B}/*` },
    ]);
  });

  it('read-write with a prefix adds put, delete and multipart cleanup under the prefix only', () => {
    const plan = generateSetup(assumeRole({ mode: 'read-write', prefix: 'images/' }), OPTIONS);
    expect(statementsOf(plan, 'aws.role-policy', 'identity')).toEqual([...READ_ONLY_IMAGES, WRITE_IMAGES]);
  });

  it('read-write without a prefix', () => {
    const plan = generateSetup(assumeRole({ mode: 'read-write' }), OPTIONS);
    const statements = statementsOf(plan, 'aws.role-policy', 'identity');
    expect(statements.at(-1)).toEqual({ ...WRITE_IMAGES, Resource: `${B}/*` });
    expect(statements).toHaveLength(4);
  });

  it('grants everything the session policy of each AssumeRole asks for (same actions and resources)', () => {
    for (const mode of ['read-only', 'read-write'] as const) {
      for (const prefix of [undefined, 'images', 'a*b?c$d']) {
        const plan = generateSetup(assumeRole({ mode, ...(prefix ? { prefix } : {}) }), OPTIONS);
        const granted = statementsOf(plan, 'aws.role-policy', 'identity');
        for (const wanted of buildSessionPolicy({ bucket: 'customer-bucket', ...(prefix ? { prefix } : {}), mode }).Statement) {
          for (const action of wanted.Action) {
            expect(granted.some((g) => g.Action.includes(action) && g.Resource === wanted.Resource), `${mode} ${prefix} ${action}`).toBe(true);
          }
        }
      }
    }
  });

  it('is applied as an inline role policy named after the integration', () => {
    const plan = generateSetup(assumeRole({ prefix: 'images' }), OPTIONS);
    const s = step(plan, 'aws.role-policy');
    expect(s.kind).toBe('iam-policy');
    expect(s.fileName).toBe('permissions-policy.json');
    expect(s.apply).toBe([
      'aws iam put-role-policy \\',
      '  --role-name assetlink \\',
      '  --policy-name assetlink-acme-in \\',
      '  --policy-document file://permissions-policy.json',
    ].join('\n'));
  });
});

describe('AWS trust policy', () => {
  it('trusts exactly the platform principal, with the exact ExternalId condition', () => {
    const plan = generateSetup(assumeRole(), OPTIONS);
    expect(plan.steps.map((s) => s.id)).toEqual(['aws.trust-policy', 'aws.role-policy']);
    const statements = statementsOf(plan, 'aws.trust-policy', 'trust');
    expect(statements).toEqual([{
      Sid: 'AssetlinkAssumeRole',
      Effect: 'Allow',
      Principal: { AWS: PLATFORM },
      Action: ['sts:AssumeRole'],
      Condition: { StringEquals: { 'sts:ExternalId': EXTERNAL_ID } },
    }]);
    expect(step(plan, 'aws.trust-policy').kind).toBe('trust-policy');
  });

  it('creates the role with its path, and raises the max session duration when durationSeconds needs it', () => {
    const plan = generateSetup(assumeRole({ roleArn: 'arn:aws:iam::123456789012:role/vendors/assetlink-reader', durationSeconds: 7200 }), OPTIONS);
    const apply = step(plan, 'aws.trust-policy').apply;
    expect(apply).toContain('aws iam create-role \\\n  --role-name assetlink-reader \\\n  --path /vendors/ \\\n  --assume-role-policy-document file://trust-policy.json \\\n  --max-session-duration 7200');
    expect(apply).toContain('# aws iam update-assume-role-policy --role-name assetlink-reader --policy-document file://trust-policy.json');
    expect(apply).toContain('# aws iam update-role --role-name assetlink-reader --max-session-duration 7200');
    expect(step(plan, 'aws.role-policy').apply).toContain('--role-name assetlink-reader');
    // One-hour sessions (the default) need no change to the role.
    expect(step(generateSetup(assumeRole(), OPTIONS), 'aws.trust-policy').apply).not.toContain('max-session-duration');
  });

  it('needs the platform principal, and only a role or user ARN', () => {
    const code = (fn: () => unknown) => { try { fn(); } catch (e) { return (e as AssetLinkError).code; } return 'none'; };
    expect(code(() => generateSetup(assumeRole()))).toBe('INVALID_ARGUMENT');
    expect(code(() => generateSetup(assumeRole(), { platform: { aws: { principalArn: 'arn:aws:iam::111122223333:root' } } }))).toBe('INVALID_ARGUMENT');
    expect(code(() => generateSetup(assumeRole(), { platform: { aws: { principalArn: '111122223333' } } }))).toBe('INVALID_ARGUMENT');
    expect(code(() => generateSetup(assumeRole(), { platform: { aws: { principalArn: 'arn:aws:iam::111122223333:user/platform' } } }))).toBe('none');
  });
});

describe('AWS cross-account bucket policy', () => {
  const crossAccount = (mode: Mode, prefix?: string): Integration => ({
    id: 'acme-x', provider: 'aws', mode, scope: { bucket: 'customer-bucket', ...(prefix ? { prefix } : {}) }, auth: { kind: 'cross-account' },
  });

  it('grants the platform principal the same statements, and nothing else is generated', () => {
    const plan = generateSetup(crossAccount('read-write', 'images'), OPTIONS);
    expect(plan.steps.map((s) => s.id)).toEqual(['aws.bucket-policy']);
    const statements = statementsOf(plan, 'aws.bucket-policy', 'bucket');
    expect(statements).toEqual([...READ_ONLY_IMAGES, WRITE_IMAGES].map((s) => ({ ...s, Principal: { AWS: PLATFORM } })));
    expect(step(plan, 'aws.bucket-policy').apply).toBe('aws s3api put-bucket-policy \\\n  --bucket customer-bucket \\\n  --policy file://bucket-policy.json');
    expect(step(plan, 'aws.bucket-policy').description).toMatch(/REPLACES the bucket's whole policy/);
  });

  it('read-only without prefix', () => {
    const plan = generateSetup(crossAccount('read-only'), OPTIONS);
    expect(statementsOf(plan, 'aws.bucket-policy', 'bucket').map((s) => [s.Sid, s.Action, s.Resource, s.Condition])).toEqual([
      ['AssetlinkBucketLocation', ['s3:GetBucketLocation'], B, undefined],
      ['AssetlinkList', ['s3:ListBucket'], B, undefined],
      ['AssetlinkReadObjects', ['s3:GetObject', 's3:GetObjectVersion'], `${B}/*`, undefined],
    ]);
  });
});

describe('AWS access-key integrations', () => {
  const accessKey: Integration = {
    id: 'acme-key', provider: 'aws', mode: 'read-write', scope: { bucket: 'customer-bucket', prefix: 'images' },
    auth: { kind: 'access-key', accessKeyId: ACCESS_KEY_ID, secretAccessKey: SECRET, sessionToken: SESSION_TOKEN },
  };

  it('generate only the IAM user permission policy, without needing a platform identity', () => {
    const plan = generateSetup(accessKey);
    expect(plan.steps.map((s) => s.id)).toEqual(['aws.user-policy']);
    expect(statementsOf(plan, 'aws.user-policy', 'identity')).toEqual([...READ_ONLY_IMAGES, WRITE_IMAGES]);
    expect(step(plan, 'aws.user-policy').apply).toContain("--user-name '<iam-user-name>'");
    expect(plan.placeholders).toEqual(['<iam-user-name>']);
    const named = generateSetup(accessKey, { aws: { userName: 'assetlink-reader' } });
    expect(step(named, 'aws.user-policy').apply).toContain('--user-name assetlink-reader');
    expect(named.placeholders).toEqual([]);
  });

  it('never contain the key, secret or session token', () => {
    const text = JSON.stringify(generateSetup(accessKey, { origins: ['https://app.example.com'] }));
    for (const secret of [SECRET, SESSION_TOKEN, ACCESS_KEY_ID]) expect(text).not.toContain(secret);
  });
});

describe('AWS partitions', () => {
  const cnPlatform: SetupOptions = { platform: { aws: { principalArn: 'arn:aws-cn:iam::111122223333:role/assetlink-platform' } } };

  it('uses arn:aws-cn for a cn- region, in every ARN, with --region on the commands', () => {
    const plan = generateSetup(assumeRole({ region: 'cn-north-1', roleArn: 'arn:aws-cn:iam::123456789012:role/assetlink', prefix: 'images' }), { ...cnPlatform, origins: ['https://app.example.cn'] });
    const statements = statementsOf(plan, 'aws.role-policy', 'identity');
    expect(statements.map((s) => s.Resource)).toEqual([
      'arn:aws-cn:s3:::customer-bucket', 'arn:aws-cn:s3:::customer-bucket', 'arn:aws-cn:s3:::customer-bucket/images/*',
    ]);
    expect(statementsOf(plan, 'aws.trust-policy', 'trust')[0]?.Principal).toEqual({ AWS: 'arn:aws-cn:iam::111122223333:role/assetlink-platform' });
    expect(JSON.stringify(plan.steps.map((s) => s.document))).not.toContain('arn:aws:');
    for (const s of plan.steps) expect(s.apply).toContain('--region cn-north-1');
    expect(plan.notes.join('\n')).toContain('aws-cn');
  });

  it('takes the partition from an aws-cn role ARN when no region is given', () => {
    const plan = generateSetup(assumeRole({ roleArn: 'arn:aws-cn:iam::123456789012:role/assetlink' }), cnPlatform);
    expect(statementsOf(plan, 'aws.role-policy', 'identity')[0]?.Resource).toBe('arn:aws-cn:s3:::customer-bucket');
  });

  it('takes the partition from the platform principal for a cross-account integration without region', () => {
    const plan = generateSetup({ id: 'x', provider: 'aws', scope: { bucket: 'customer-bucket' }, auth: { kind: 'cross-account' } }, cnPlatform);
    expect(statementsOf(plan, 'aws.bucket-policy', 'bucket')[0]?.Resource).toBe('arn:aws-cn:s3:::customer-bucket');
  });

  it('uses arn:aws-us-gov for us-gov- regions', () => {
    const plan = generateSetup({ id: 'k', provider: 'aws', scope: { bucket: 'customer-bucket', region: 'us-gov-west-1' }, auth: { kind: 'access-key', accessKeyId: ACCESS_KEY_ID, secretAccessKey: SECRET } });
    expect(statementsOf(plan, 'aws.user-policy', 'identity')[0]?.Resource).toBe('arn:aws-us-gov:s3:::customer-bucket');
  });

  it('refuses a region and role ARN of different partitions, and a platform of another partition', () => {
    expect(() => generateSetup(assumeRole({ region: 'cn-north-1' }), OPTIONS)).toThrow(expect.objectContaining({ code: 'INVALID_INTEGRATION', field: 'scope.region' }));
    expect(() => generateSetup(assumeRole({ region: 'cn-north-1', roleArn: 'arn:aws-cn:iam::123456789012:role/assetlink' }), OPTIONS))
      .toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT', message: expect.stringContaining('partition') }));
  });
});

describe('AWS wildcard escaping', () => {
  it('writes *, ? and $ in the prefix as ${*}, ${?}, ${$} in resources and list conditions', () => {
    const plan = generateSetup(assumeRole({ mode: 'read-write', prefix: 'raw*/q?/cost$' }), OPTIONS);
    const statements = statementsOf(plan, 'aws.role-policy', 'identity');
    const escaped = 'raw${*}/q${?}/cost${$}';
    expect(statements.find((s) => s.Sid === 'AssetlinkList')?.Condition).toEqual({ StringLike: { 's3:prefix': [`${escaped}/`, `${escaped}/*`] } });
    expect(statements.find((s) => s.Sid === 'AssetlinkReadObjects')?.Resource).toBe(`${B}/${escaped}/*`);
    expect(statements.find((s) => s.Sid === 'AssetlinkWriteObjects')?.Resource).toBe(`${B}/${escaped}/*`);
    expect(plan.notes.join('\n')).toContain('${*}');
  });

  it('cannot be turned into a policy variable by a prefix containing ${…}', () => {
    const plan = generateSetup(assumeRole({ prefix: 'home/${aws:username}' }), OPTIONS);
    const statements = statementsOf(plan, 'aws.role-policy', 'identity');
    expect(statements.find((s) => s.Sid === 'AssetlinkReadObjects')?.Resource).toBe(`${B}/home/\${$}{aws:username}/*`);
  });

  it('keeps other characters (quotes, spaces, unicode) literal and JSON-escaped', () => {
    const prefix = 'it\'s "q" ünï/a b';
    const plan = generateSetup(assumeRole({ prefix }), OPTIONS);
    expect(statementsOf(plan, 'aws.role-policy', 'identity').find((s) => s.Sid === 'AssetlinkReadObjects')?.Resource).toBe(`${B}/${prefix}/*`);
  });
});

describe('AWS CORS', () => {
  const origins = ['https://app.example.com', 'http://localhost:5173'];

  it('read-only: GET and HEAD for the given origins, ETag exposed', () => {
    const plan = generateSetup(assumeRole(), { ...OPTIONS, origins });
    expect(parsed<S3CorsConfiguration>(plan, 'aws.cors')).toEqual({
      CORSRules: [{
        ID: 'assetlink-acme-in', AllowedOrigins: origins, AllowedMethods: ['GET', 'HEAD'],
        AllowedHeaders: ['range'], ExposeHeaders: ['ETag'], MaxAgeSeconds: 3600,
      }],
    });
    expect(step(plan, 'aws.cors').apply).toBe('aws s3api put-bucket-cors \\\n  --bucket customer-bucket \\\n  --cors-configuration file://cors.json');
  });

  it('read-write adds PUT and the Content-Type header a presigned PUT binds', () => {
    const plan = generateSetup(assumeRole({ mode: 'read-write' }), { ...OPTIONS, origins, corsMaxAgeSeconds: 600 });
    expect(parsed<S3CorsConfiguration>(plan, 'aws.cors').CORSRules).toEqual([{
      ID: 'assetlink-acme-in', AllowedOrigins: origins, AllowedMethods: ['GET', 'HEAD', 'PUT'],
      AllowedHeaders: ['content-type', 'range'], ExposeHeaders: ['ETag'], MaxAgeSeconds: 600,
    }]);
  });

  it('is left out without origins', () => {
    expect(generateSetup(assumeRole(), OPTIONS).steps.some((s) => s.kind === 'cors')).toBe(false);
    expect(generateSetup(assumeRole(), { ...OPTIONS, origins: [] }).steps.some((s) => s.kind === 'cors')).toBe(false);
  });
});

describe('AWS notes', () => {
  it('say when the bucket is in another account than the role, and mention KMS', () => {
    const integration: AwsIntegration = { ...assumeRole(), scope: { bucket: 'customer-bucket', accountId: '999988887777' } };
    const notes = generateSetup(integration, OPTIONS).notes.join('\n');
    expect(notes).toContain('account 999988887777');
    expect(notes).toContain('kms:Decrypt');
    expect(generateSetup({ ...integration, scope: { bucket: 'customer-bucket', accountId: '123456789012' } }, OPTIONS).notes.join('\n')).not.toContain('account 123456789012');
  });
});
