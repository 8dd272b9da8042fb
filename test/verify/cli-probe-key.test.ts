import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAwsFakes, type AwsFakes } from '../../src/testing/aws/index.js';
import { startAzureTestEnvironment, type AzureTestEnvironment } from '../../src/testing/azure/environment.js';
import { ensureBuilt } from '../helpers/built.js';

/** Issue 13 item 1 through the CLI: `assetlink verify --probe-key` on an existing object refuses and leaves it alone. */

const exec = promisify(execFile);
const root = path.resolve(import.meta.dirname, '../..');
const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
const APP = '0f7e1a52-1111-4c2b-9d7e-5f4a3b2c1d0e';
const ROLE = 'arn:aws:iam::111111111111:role/cli-probe';
const EXTERNAL_ID = 'cli-probe-external-id-0123456789';

interface Run { code: number; stdout: string; stderr: string }
async function cli(args: string[]): Promise<Run> {
  try {
    const { stdout, stderr } = await exec(process.execPath, [path.join(root, 'dist/cli.js'), ...args], {
      env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', AWS_EC2_METADATA_DISABLED: 'true' },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('assetlink verify --probe-key (built CLI, as a process)', () => {
  let dir: string;
  let aws: AwsFakes;
  let azure: AzureTestEnvironment;
  let config: string;

  beforeAll(async () => {
    ensureBuilt();
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'assetlink-cli-probe-'));
    aws = await startAwsFakes({ buckets: ['cli-probe-bucket'], roles: [{ roleArn: ROLE, externalId: EXTERNAL_ID }] });
    azure = await startAzureTestEnvironment({ accounts: ['cliprobe'], containers: ['cliprobe/data'], apps: [{ tenantId: TENANT, clientId: APP, clientSecret: 'cli-probe-secret' }] });
    await aws.s3.putObject('cli-probe-bucket', 'out/keep.txt', 'customer data (aws)');
    await azure.azurite.putBlob('data', 'in/keep.txt', 'customer data (azure)', { account: 'cliprobe' });
    await azure.azurite.putBlob('data', 'out/keep.txt', 'customer data (azure rw)', { account: 'cliprobe' });
    const azureAuth = { kind: 'client-secret', tenantId: TENANT, clientId: APP, clientSecret: 'cli-probe-secret' };
    config = path.join(dir, 'assetlink.json');
    await fs.writeFile(config, JSON.stringify({
      platform: { aws: aws.platform, azure: azure.platform },
      integrations: [
        { id: 'aws-rw', provider: 'aws', mode: 'read-write', scope: { bucket: 'cli-probe-bucket', prefix: 'out' }, auth: { kind: 'assume-role', roleArn: ROLE, externalId: EXTERNAL_ID } },
        { id: 'az-ro', provider: 'azure', scope: { account: 'cliprobe', container: 'data', prefix: 'in' }, auth: azureAuth },
        { id: 'az-rw', provider: 'azure', mode: 'read-write', scope: { account: 'cliprobe', container: 'data', prefix: 'out' }, auth: azureAuth },
      ],
    }));
  }, 120_000);
  afterAll(async () => {
    await aws?.close();
    await azure?.close();
    await fs.rm(dir, { recursive: true, force: true });
  });

  for (const [id, key, read] of [
    ['aws-rw', 'out/keep.txt', async () => Buffer.from((await aws.s3.getObject('cli-probe-bucket', 'out/keep.txt'))!.body).toString()],
    ['az-ro', 'in/keep.txt', async () => Buffer.from((await azure.azurite.getBlob('data', 'in/keep.txt', 'cliprobe'))!).toString()],
    ['az-rw', 'out/keep.txt', async () => Buffer.from((await azure.azurite.getBlob('data', 'out/keep.txt', 'cliprobe'))!).toString()],
  ] as const) {
    it(`${id}: exits non-zero with ALREADY_EXISTS and the object is untouched`, async () => {
      const before = await read();
      const run = await cli(['verify', id, '--probe-key', key, '--config', config]);
      expect(run.code).not.toBe(0);
      expect(run.stderr).toContain('ALREADY_EXISTS');
      expect(await read()).toBe(before);
    }, 60_000);
  }
});
