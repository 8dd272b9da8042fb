import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/cli/config.js';
import { resolveSecretRefs } from '../../src/cli/secret-refs.js';
import { startAwsFakes, type AwsFakes } from '../../src/testing/aws/index.js';
import { ensureBuilt } from '../helpers/built.js';

const exec = promisify(execFile);
const root = path.resolve(import.meta.dirname, '../..');

const awsKey = (secretAccessKey: unknown) => ({
  id: 'static', provider: 'aws', scope: { bucket: 'refs-bucket' }, auth: { kind: 'access-key', accessKeyId: 'AKIAREFSTESTKEY00001', secretAccessKey },
});

describe('resolveSecretRefs', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'assetlink-refs-'));
    await fs.writeFile(path.join(dir, 'aws.secret'), 'from-a-file\n');
  });
  afterAll(async () => { await fs.rm(dir, { recursive: true, force: true }); });

  const read = async (integration: unknown, field: (i: Record<string, any>) => unknown): Promise<string> => {
    const fn = field(integration as Record<string, any>);
    expect(fn).toBeTypeOf('function');
    return (fn as () => Promise<string>)();
  };

  it('turns { env } and { file } into callbacks read when called, for all three secret fields', async () => {
    const env = { AWS_SECRET: 'from-env', AZ_SECRET: 'azure-env', GCP_KEY: '-----BEGIN PRIVATE KEY-----x' };
    const input = [
      awsKey({ env: 'AWS_SECRET' }),
      awsKey({ file: 'aws.secret' }),
      { id: 'az', provider: 'azure', auth: { kind: 'client-secret', clientSecret: { env: 'AZ_SECRET' } } },
      { id: 'g', provider: 'gcp', auth: { kind: 'service-account-key', credentials: { client_email: 'a@b.iam.gserviceaccount.com', private_key: { env: 'GCP_KEY' } } } },
      awsKey('plain-string'),
    ];
    const out = resolveSecretRefs(input, { env, baseDir: dir });
    expect(await read(out[0], (i) => i.auth.secretAccessKey)).toBe('from-env');
    expect(await read(out[1], (i) => i.auth.secretAccessKey)).toBe('from-a-file');
    expect(await read(out[2], (i) => i.auth.clientSecret)).toBe('azure-env');
    expect(await read(out[3], (i) => i.auth.credentials.private_key)).toBe('-----BEGIN PRIVATE KEY-----x');
    expect((out[3] as any).auth.credentials.client_email).toBe('a@b.iam.gserviceaccount.com');
    expect(out[4]).toEqual(input[4]);
    // The input is not mutated.
    expect(input[0]).toEqual(awsKey({ env: 'AWS_SECRET' }));
    // Read at call time, not at load time: a rotated file is picked up.
    await fs.writeFile(path.join(dir, 'aws.secret'), 'rotated\n');
    expect(await read(out[1], (i) => i.auth.secretAccessKey)).toBe('rotated');
  });

  it('reports bad references when the config loads, naming the field, never a value', async () => {
    const refuse = (value: unknown, env: NodeJS.ProcessEnv = {}) => {
      try { resolveSecretRefs([awsKey(value)], { env, baseDir: dir }); } catch (error) { return error as Error & { code: string }; }
      throw new Error('expected a refusal');
    };
    expect(refuse({ env: 'MISSING' })).toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringContaining('integrations[0].auth.secretAccessKey names environment variable MISSING') });
    expect(refuse({ env: 'A', file: 'b' }).code).toBe('INVALID_ARGUMENT');
    expect(refuse({ vault: 'x' }).code).toBe('INVALID_ARGUMENT');
    expect(refuse({ env: 'NOT A NAME' }).code).toBe('INVALID_ARGUMENT');
    const missingFile = resolveSecretRefs([awsKey({ file: 'nope.secret' })], { env: {}, baseDir: dir });
    await expect((missingFile[0] as any).auth.secretAccessKey()).rejects.toMatchObject({ code: 'CREDENTIALS_UNAVAILABLE', message: expect.stringContaining('nope.secret') });
  });

  it('loadConfig resolves file references relative to the config file', async () => {
    const config = path.join(dir, 'assetlink.json');
    await fs.writeFile(path.join(dir, 'aws.secret'), 'relative\n');
    await fs.writeFile(config, JSON.stringify({ integrations: [awsKey({ file: 'aws.secret' })] }));
    const loaded = await loadConfig(config, {});
    expect(await (loaded.integrations![0] as any).auth.secretAccessKey()).toBe('relative');
  });
});

describe('the CLI with secret references (built, as a process)', () => {
  let dir: string;
  let aws: AwsFakes;
  const SECRET = 'CANARY-cli-ref-secret-9f2e';

  beforeAll(async () => {
    ensureBuilt();
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'assetlink-refs-cli-'));
    aws = await startAwsFakes({ buckets: [{ name: 'refs-bucket', ownerAccountId: '555555555555' }] });
    aws.keyring.addStaticKey({
      accessKeyId: 'AKIAREFSTESTKEY00001', secretAccessKey: SECRET, accountId: '555555555555',
      policies: [{ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:*', Resource: '*' }] }],
    });
    await aws.s3.putObject('refs-bucket', 'a.txt', 'hello refs');
    await fs.writeFile(path.join(dir, 'secret.txt'), `${SECRET}\n`);
    const integration = (id: string, secretAccessKey: unknown) => ({ ...awsKey(secretAccessKey), id, scope: { bucket: 'refs-bucket', region: 'us-east-1' } });
    await fs.writeFile(path.join(dir, 'assetlink.json'), JSON.stringify({
      platform: { aws: aws.platform },
      integrations: [integration('from-env', { env: 'CUSTOMER_AWS_SECRET' }), integration('from-file', { file: 'secret.txt' })],
    }));
  }, 180_000);
  afterAll(async () => { await aws?.close(); await fs.rm(dir, { recursive: true, force: true }); });

  it('resolves and presigns with secrets from the environment and from a file; never prints them', async () => {
    for (const id of ['from-env', 'from-file']) {
      const { stdout, stderr } = await exec(process.execPath, [path.join(root, 'dist/cli.js'), 'resolve', 's3://refs-bucket/a.txt', '--integration', id, '--json', '--config', path.join(dir, 'assetlink.json')], {
        env: { ...process.env, CUSTOMER_AWS_SECRET: SECRET, AWS_EC2_METADATA_DISABLED: 'true' },
      });
      expect(JSON.parse(stdout)).toMatchObject({ integrationId: id, head: { size: 10 } });
      expect(stdout + stderr).not.toContain(SECRET);
    }
    const failed = await exec(process.execPath, [path.join(root, 'dist/cli.js'), 'resolve', 's3://refs-bucket/a.txt', '--integration', 'from-env', '--config', path.join(dir, 'assetlink.json')], {
      env: { ...process.env, CUSTOMER_AWS_SECRET: '' },
    }).then(() => undefined, (error: { code: number; stderr: string }) => error);
    expect(failed?.code).toBe(2);
    expect(failed?.stderr).toContain('CUSTOMER_AWS_SECRET');
  });
});
