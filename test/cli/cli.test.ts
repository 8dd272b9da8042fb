import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAwsFakes, type AwsFakes } from '../../src/testing/aws/index.js';
import { ensureBuilt } from '../helpers/built.js';

const exec = promisify(execFile);
const root = path.resolve(import.meta.dirname, '../..');
const SECRET = 'CANARY-cli-secret-access-key-31337';

interface Run { code: number; stdout: string; stderr: string }
async function cli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Run> {
  try {
    const { stdout, stderr } = await exec(process.execPath, [path.join(root, 'dist/cli.js'), ...args], {
      env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', AWS_EC2_METADATA_DISABLED: 'true', ...env },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('assetlink CLI (built, as a process)', () => {
  let dir: string;
  let aws: AwsFakes;
  let config: string;

  beforeAll(async () => {
    ensureBuilt();
    dir = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), 'assetlink-cli-')));
    await fs.mkdir(path.join(dir, 'files'));
    await fs.writeFile(path.join(dir, 'files/hello.txt'), 'hello from a file');
    aws = await startAwsFakes({
      buckets: ['cli-bucket'],
      roles: [{ roleArn: 'arn:aws:iam::111111111111:role/cli-reader', externalId: 'cli-external-id-0123456789' }],
    });
    await aws.s3.putObject('cli-bucket', 'in/sample.txt', 'sample bytes', { contentType: 'text/plain' });
    config = path.join(dir, 'assetlink.json');
    await fs.writeFile(config, JSON.stringify({
      platform: { aws: aws.platform },
      integrations: [
        { id: 'files', provider: 'file', scope: { root: path.join(dir, 'files') } },
        { id: 'reader', provider: 'aws', scope: { bucket: 'cli-bucket', prefix: 'in' }, auth: { kind: 'assume-role', roleArn: 'arn:aws:iam::111111111111:role/cli-reader', externalId: 'cli-external-id-0123456789' } },
        { id: 'writer', provider: 'aws', mode: 'read-write', scope: { bucket: 'cli-bucket', prefix: 'out' }, auth: { kind: 'assume-role', roleArn: 'arn:aws:iam::111111111111:role/cli-reader', externalId: 'cli-external-id-0123456789' } },
        { id: 'wrong-id', provider: 'aws', scope: { bucket: 'cli-bucket', prefix: 'other' }, auth: { kind: 'assume-role', roleArn: 'arn:aws:iam::111111111111:role/cli-reader', externalId: 'not-the-right-external-id' } },
        { id: 'static', provider: 'aws', scope: { bucket: 'cli-bucket', prefix: 'static' }, auth: { kind: 'access-key', accessKeyId: 'AKIACLITESTKEY000001', secretAccessKey: SECRET } },
      ],
      setup: { platform: { aws: { principalArn: aws.platformPrincipalArn.replace(':user/', ':role/') } } },
    }));
  }, 120_000);
  afterAll(async () => { await aws?.close(); await fs.rm(dir, { recursive: true, force: true }); });

  it('match: human and --json output, no network', async () => {
    const human = await cli(['match', 's3://cli-bucket/in/a.jpg', '--config', config]);
    expect(human.code).toBe(0);
    expect(human.stdout).toContain('integration: reader (aws, read-only)');
    const json = await cli(['match', 's3://cli-bucket/in/a.jpg', '--config', config, '--json']);
    expect(JSON.parse(json.stdout).integration.id).toBe('reader');
  });

  it('resolve heads an object through assume-role', async () => {
    const run = await cli(['resolve', 's3://cli-bucket/in/sample.txt', '--config', config, '--json']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout).head.size).toBe(12);
  });

  it('presign prints a URL that fetches the object; --put on read-only exits with the READ_ONLY code', async () => {
    const run = await cli(['presign', 's3://cli-bucket/in/sample.txt', '--ttl', '300', '--config', config]);
    expect(run.code).toBe(0);
    expect(await (await fetch(run.stdout.trim())).text()).toBe('sample bytes');
    const put = await cli(['presign', 's3://cli-bucket/in/sample.txt', '--put', '--config', config]);
    expect(put.code).toBe(5);
    expect(put.stderr).toContain('READ_ONLY');
  });

  it('distinct exit codes per error class', async () => {
    expect((await cli(['match', 's3://nobody-bucket/x', '--config', config])).code).toBe(4);
    expect((await cli(['match', 's3://Bad_Bucket/x', '--config', config])).code).toBe(3);
    expect((await cli(['resolve', `file://${dir}/files/missing.txt`, '--config', config])).code).toBe(9);
    expect((await cli(['resolve', 's3://cli-bucket/other/x', '--config', config])).code).toBe(7);
    expect((await cli(['frobnicate', 'x', '--config', config])).code).toBe(2);
    expect((await cli(['match', 'x'], {})).code).toBe(2);
  });

  it('verify: active for healthy integrations, pending with a fix hint otherwise, progress on stderr', async () => {
    const ok = await cli(['verify', 'writer', '--config', config]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain('ACTIVE');
    expect(ok.stderr).toMatch(/pass\s+write-probe/);
    const bad = await cli(['verify', 'wrong-id', '--config', config, '--json']);
    expect(bad.code).toBe(12);
    const report = JSON.parse(bad.stdout);
    expect(report.status).toBe('pending');
    expect(report.checks[0]).toMatchObject({ name: 'credentials', status: 'fail', code: 'ACCESS_DENIED' });
    expect(report.checks[0].hint).toContain('sts:ExternalId');
  });

  it('setup prints the trust policy with the ExternalId condition', async () => {
    const run = await cli(['setup', 'reader', '--config', config, '--json', '--origin', 'https://app.example.com']);
    expect(run.code).toBe(0);
    const plan = JSON.parse(run.stdout);
    const trust = plan.steps.find((s: { kind: string }) => s.kind === 'trust-policy');
    expect(trust.document.Statement[0].Condition.StringEquals['sts:ExternalId']).toBe('cli-external-id-0123456789');
    expect(plan.steps.some((s: { kind: string }) => s.kind === 'cors')).toBe(true);
  });

  it('never echoes secrets, in any output of any command', async () => {
    const runs = await Promise.all([
      cli(['match', 's3://cli-bucket/static/a', '--config', config, '--json']),
      cli(['resolve', 's3://cli-bucket/static/missing', '--config', config]),
      cli(['verify', 'static', '--config', config, '--json']),
      cli(['setup', 'static', '--config', config]),
    ]);
    for (const run of runs) expect(`${run.stdout}${run.stderr}`).not.toContain(SECRET);
  });
});
