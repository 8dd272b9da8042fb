import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { AzureFederatedCredential, AzureRoleAssignment } from '../../src/setup/azure.js';
import type { GcpBucketBinding } from '../../src/setup/gcp.js';
import { generateSetup, type SetupOptions, type SetupPlan, type SetupStep } from '../../src/setup/index.js';
import type { Integration } from '../../src/types.js';

/**
 * The generated commands are run for real, by sh (dash) and bash, with `aws`, `gcloud`, `gsutil`
 * and `az` replaced by shell functions that record their argv. So this checks what the shell
 * actually hands the CLI, not what the text looks like: every value arrives as one literal
 * argument, here-documents write exactly the JSON of the plan, and a hostile prefix cannot run
 * anything (it tries to `touch` files; none may appear).
 */

const STUBS = [
  'set -eu',
  '__log() { for a in "$@"; do printf \'%s\\0\' "$a" >> "$ASSETLINK_LOG"; done; printf \'\\001\\0\' >> "$ASSETLINK_LOG"; }',
  'aws() { __log aws "$@"; }',
  'gcloud() { __log gcloud "$@"; }',
  'gsutil() { __log gsutil "$@"; }',
  'az() { __log az "$@"; }',
  '',
].join('\n');

const SHELLS = ['sh', 'bash'] as const;
/** Tries command substitution, backticks, expansion, separators, redirection, globbing and history. */
const HOSTILE = 'in $(touch pwned1) `touch pwned2` ${HOME} "q"; touch pwned3 & | < > * ? !x';

const dirs: string[] = [];
afterEach(() => { for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true }); });

interface Run { dir: string; calls: Map<string, string[][]> }

/** Runs each step (documents saved to their file first, then `apply`) and records the CLI calls per step. */
function run(plan: SetupPlan, shell: (typeof SHELLS)[number], steps: SetupStep[] = [...plan.steps, ...plan.alternatives]): Run {
  const dir = mkdtempSync(path.join(tmpdir(), 'assetlink-setup-'));
  dirs.push(dir);
  const calls = new Map<string, string[][]>();
  for (const s of steps) {
    let script = s.text;
    if (s.fileName) {
      writeFileSync(path.join(dir, s.fileName), s.text);
      script = s.apply ?? '';
    }
    const log = path.join(dir, `${s.id}.log`);
    writeFileSync(log, '');
    execFileSync(shell, ['-c', STUBS + script], { cwd: dir, env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: '/nonexistent-home', ASSETLINK_LOG: log }, stdio: ['ignore', 'pipe', 'pipe'] });
    const fields = readFileSync(log, 'utf8').split('\0');
    const perStep: string[][] = [];
    let current: string[] = [];
    for (const field of fields.slice(0, -1)) {
      if (field === '\u0001') { perStep.push(current); current = []; } else current.push(field);
    }
    calls.set(s.id, perStep);
  }
  expect(readdirSync(dir).filter((f) => f.startsWith('pwned'))).toEqual([]);
  return { dir, calls };
}

/** The value after `flag` (`--flag value` or `--flag=value`) in one recorded call. */
function flag(argv: string[], name: string): string | undefined {
  const at = argv.indexOf(name);
  if (at >= 0) return argv[at + 1];
  return argv.find((a) => a.startsWith(`${name}=`))?.slice(name.length + 1);
}

const only = (r: Run, id: string): string[] => {
  const calls = r.calls.get(id) ?? [];
  expect(calls, id).toHaveLength(1);
  return calls[0] as string[];
};

describe.each(SHELLS)('generated commands under %s', (shell) => {
  it('AWS: every apply command runs, names files that exist, and comments stay comments', () => {
    const integration: Integration = {
      id: 'acme/aws:1', provider: 'aws', mode: 'read-write', scope: { bucket: 'customer-bucket', prefix: HOSTILE, region: 'eu-west-1' },
      auth: { kind: 'assume-role', roleArn: 'arn:aws:iam::123456789012:role/vendors/assetlink', externalId: 'ext-id_1', durationSeconds: 7200 },
    };
    const options: SetupOptions = { platform: { aws: { principalArn: 'arn:aws:iam::111122223333:role/assetlink-platform' } }, origins: ['https://app.example.com'] };
    const plan = generateSetup(integration, options);
    const r = run(plan, shell);
    expect(only(r, 'aws.trust-policy')).toEqual([
      'aws', 'iam', 'create-role', '--role-name', 'assetlink', '--path', '/vendors/',
      '--assume-role-policy-document', 'file://trust-policy.json', '--max-session-duration', '7200',
    ]);
    expect(only(r, 'aws.role-policy')).toEqual([
      'aws', 'iam', 'put-role-policy', '--role-name', 'assetlink', '--policy-name', 'assetlink-acme-aws-1', '--policy-document', 'file://permissions-policy.json',
    ]);
    expect(only(r, 'aws.cors')).toEqual(['aws', 's3api', 'put-bucket-cors', '--bucket', 'customer-bucket', '--cors-configuration', 'file://cors.json', '--region', 'eu-west-1']);
    for (const calls of r.calls.values()) {
      for (const arg of calls.flat().filter((a) => a.startsWith('file://'))) expect(existsSync(path.join(r.dir, arg.slice('file://'.length)))).toBe(true);
    }
  });

  it('GCP: the condition file holds the exact condition, with a hostile prefix taken literally', () => {
    const integration: Integration = {
      id: 'acme-gcs', provider: 'gcp', mode: 'read-write', scope: { bucket: 'customer-bucket', prefix: `it's ${HOSTILE}` },
      auth: { kind: 'impersonation', serviceAccount: 'reader@customer-proj.iam.gserviceaccount.com', delegates: ['hop@customer-proj.iam.gserviceaccount.com'] },
    };
    const plan = generateSetup(integration, { platform: { gcp: { serviceAccount: 'platform@platform-proj.iam.gserviceaccount.com' } }, origins: ['https://app.example.com'], gcp: { projectId: 'customer-proj' } });
    const binding = plan.steps.find((s) => s.id === 'gcp.bucket-role')?.document as GcpBucketBinding;
    expect(binding.condition?.expression).toContain(`it\\'s ${HOSTILE}/`);

    const r = run(plan, shell, plan.steps);
    expect(r.calls.get('gcp.token-creator')).toEqual([
      ['gcloud', 'iam', 'service-accounts', 'add-iam-policy-binding', 'hop@customer-proj.iam.gserviceaccount.com', '--member=serviceAccount:platform@platform-proj.iam.gserviceaccount.com', '--role=roles/iam.serviceAccountTokenCreator'],
      ['gcloud', 'iam', 'service-accounts', 'add-iam-policy-binding', 'reader@customer-proj.iam.gserviceaccount.com', '--member=serviceAccount:hop@customer-proj.iam.gserviceaccount.com', '--role=roles/iam.serviceAccountTokenCreator'],
    ]);
    expect(only(r, 'gcp.bucket-role')).toEqual([
      'gcloud', 'storage', 'buckets', 'add-iam-policy-binding', 'gs://customer-bucket',
      '--member=serviceAccount:reader@customer-proj.iam.gserviceaccount.com', '--role=roles/storage.objectUser', '--condition-from-file=assetlink-condition.json',
    ]);
    expect(JSON.parse(readFileSync(path.join(r.dir, 'assetlink-condition.json'), 'utf8'))).toEqual(binding.condition);
    expect(r.calls.get('gcp.cors')).toEqual([['gcloud', 'storage', 'buckets', 'update', 'gs://customer-bucket', '--cors-file=cors.json']]);

    // The custom-role alternative, on its own.
    const alt = run(plan, shell, plan.alternatives);
    const [create, bind] = alt.calls.get('gcp.custom-role') ?? [];
    expect(create).toEqual(['gcloud', 'iam', 'roles', 'create', 'assetlinkObjectReadWrite', '--project=customer-proj', '--title=assetlink object read-write',
      '--permissions=storage.objects.get,storage.objects.list,storage.objects.create,storage.objects.delete', '--stage=GA']);
    expect(flag(bind ?? [], '--role')).toBe('projects/customer-proj/roles/assetlinkObjectReadWrite');
    expect(JSON.parse(readFileSync(path.join(alt.dir, 'assetlink-condition.json'), 'utf8'))).toEqual(binding.condition);
  });

  it('Azure: the condition and the federated credential reach az exactly as in the plan', () => {
    const integration: Integration = {
      id: 'acme-az', provider: 'azure', mode: 'read-write', scope: { account: 'acct1', container: 'media', prefix: HOSTILE },
      auth: { kind: 'federated', tenantId: '11111111-2222-3333-4444-555555555555', clientId: '66666666-7777-8888-9999-000000000000', assertion: async () => 'jwt' },
    };
    const subject = "repo:o/r:ref:it's $(touch pwned4) `touch pwned5`";
    const plan = generateSetup(integration, {
      platform: { azure: { issuer: 'https://oidc.platform.example.com', subject } },
      origins: ['https://app.example.com', 'http://localhost:3000'],
    });
    const r = run(plan, shell);

    const credentialCall = only(r, 'azure.federated-credential');
    expect(credentialCall.slice(0, 7)).toEqual(['az', 'ad', 'app', 'federated-credential', 'create', '--id', '66666666-7777-8888-9999-000000000000']);
    const credential = JSON.parse(flag(credentialCall, '--parameters') ?? 'null') as AzureFederatedCredential;
    expect(credential).toEqual(plan.steps[0]?.document);
    expect(credential.subject).toBe(subject);

    const assignment = plan.steps.find((s) => s.id === 'azure.role-assignment')?.document as AzureRoleAssignment;
    const call = only(r, 'azure.role-assignment');
    expect(flag(call, '--condition')).toBe(assignment.condition);
    expect(flag(call, '--scope')).toBe(assignment.scope);
    expect(flag(call, '--role')).toBe('Storage Blob Data Contributor');
    expect(flag(call, '--condition-version')).toBe('2.0');
    expect(flag(only(r, 'azure.delegator'), '--role')).toBe('Storage Blob Delegator');
    expect(only(r, 'azure.cors')).toEqual([
      'az', 'storage', 'cors', 'add', '--account-name', 'acct1', '--services', 'b', '--methods', 'GET', 'HEAD', 'PUT',
      '--origins', 'https://app.example.com', 'http://localhost:3000', '--allowed-headers', 'content-type', 'range', 'x-ms-blob-type',
      '--exposed-headers', 'etag', '--max-age', '3600',
    ]);
  });

  it('Azure client secret: --append, and the secret goes to a file only the owner can read', () => {
    const integration: Integration = {
      id: 'acme-secret', provider: 'azure', scope: { account: 'acct1', container: 'media' },
      auth: { kind: 'client-secret', tenantId: '11111111-2222-3333-4444-555555555555', clientId: '66666666-7777-8888-9999-000000000000', clientSecret: 'CANARY-CLIENT-SECRET-5d2e' },
    };
    const plan = generateSetup(integration);
    const r = run(plan, shell, plan.steps.slice(0, 1));
    expect(only(r, 'azure.client-secret')).toEqual([
      'az', 'ad', 'app', 'credential', 'reset', '--id', '66666666-7777-8888-9999-000000000000', '--append',
      '--display-name', 'assetlink-acme-secret', '--years', '1', '--query', 'password', '--output', 'tsv',
    ]);
    const secretFile = path.join(r.dir, 'assetlink-client-secret.txt');
    expect(existsSync(secretFile)).toBe(true);
    expect(statSync(secretFile).mode & 0o777).toBe(0o600);
  });
});
