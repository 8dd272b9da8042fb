import { execFile } from 'node:child_process';
import { PassThrough } from 'node:stream';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { runCli } from '../../src/cli/run.js';
import { startAwsFakes, type AwsFakes } from '../../src/testing/aws/index.js';

/**
 * `assetlink vend URI --format env|json`: the printed credentials work with the raw SDK inside
 * the prefix only, the env output survives a real shell's `eval`, and refusals exit with the
 * documented codes.
 */

const exec = promisify(execFile);
const ROLE_ARN = 'arn:aws:iam::222222222222:role/cli-vend';
const EXTERNAL_ID = 'cli-vend-external-id-0123456789';

function io() {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d: Buffer) => { out += d.toString(); });
  stderr.on('data', (d: Buffer) => { err += d.toString(); });
  return { io: { stdout, stderr }, out: () => out, err: () => err };
}

let aws: AwsFakes;
let config: string;
beforeAll(async () => {
  aws = await startAwsFakes({ buckets: [{ name: 'cli-vend', ownerAccountId: '222222222222' }], roles: [{ roleArn: ROLE_ARN, externalId: EXTERNAL_ID }] });
  await aws.s3.putObject('cli-vend', 'frames/1.jpg', 'frame one');
  await aws.s3.putObject('cli-vend', 'frames2/1.jpg', 'sibling');
  const auth = { kind: 'assume-role', roleArn: ROLE_ARN, externalId: EXTERNAL_ID };
  config = JSON.stringify({
    platform: { aws: aws.platform },
    integrations: [
      { id: 'frames', provider: 'aws', scope: { bucket: 'cli-vend' }, auth },
      { id: 'xacct', provider: 'aws', scope: { bucket: 'cli-vend', prefix: 'x' }, auth: { kind: 'cross-account' } },
    ],
  });
});
afterAll(async () => { await aws?.close(); });

const run = async (argv: string[]): Promise<{ code: number; out: string; err: string }> => {
  const streams = io();
  const code = await runCli(argv, { ...streams.io, env: { ASSETLINK_CONFIG_JSON: config } });
  return { code, out: streams.out(), err: streams.err() };
};

async function readWith(env: Record<string, string>, key: string): Promise<string> {
  const s3 = new S3Client({
    region: env.AWS_REGION!, endpoint: env.AWS_ENDPOINT_URL_S3!, forcePathStyle: true, maxAttempts: 1,
    credentials: { accessKeyId: env.AWS_ACCESS_KEY_ID!, secretAccessKey: env.AWS_SECRET_ACCESS_KEY!, sessionToken: env.AWS_SESSION_TOKEN! },
  });
  try {
    const out = await s3.send(new GetObjectCommand({ Bucket: 'cli-vend', Key: key }));
    return await out.Body!.transformToString();
  } catch (error) {
    return (error as Error).name;
  } finally {
    s3.destroy();
  }
}

describe('assetlink vend', () => {
  it('--format env prints export lines a shell can eval; the keys read the prefix only', async () => {
    const { code, out } = await run(['vend', 's3://cli-vend/frames/', '--ttl', '900']);
    expect(code).toBe(0);
    for (const name of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_REGION']) expect(out).toMatch(new RegExp(`^export ${name}='`, 'm'));
    // A real shell evaluates the output: the values survive quoting exactly.
    const { stdout } = await exec('sh', ['-c', `${out}\nenv`]);
    const env = Object.fromEntries(stdout.split('\n').filter((l) => l.includes('=')).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
    expect(env.ASSETLINK_PREFIX).toBe('frames');
    expect(await readWith(env, 'frames/1.jpg')).toBe('frame one');
    expect(await readWith(env, 'frames2/1.jpg')).toBe('AccessDenied');
  });

  it('--format json prints one object with the secrets (its purpose)', async () => {
    const { code, out } = await run(['vend', 's3://cli-vend/frames', '--format', 'json', '--ttl', '900']);
    expect(code).toBe(0);
    const creds = JSON.parse(out) as Record<string, string>;
    expect(creds).toMatchObject({ provider: 'aws', bucket: 'cli-vend', prefix: 'frames', mode: 'read-only' });
    expect(creds.secretAccessKey).not.toBe('[REDACTED]');
    expect(await readWith({ AWS_REGION: creds.region!, AWS_ENDPOINT_URL_S3: creds.endpoint!, AWS_ACCESS_KEY_ID: creds.accessKeyId!, AWS_SECRET_ACCESS_KEY: creds.secretAccessKey!, AWS_SESSION_TOKEN: creds.sessionToken! }, 'frames/1.jpg')).toBe('frame one');
  });

  it('exit codes: READ_ONLY 5, VEND_UNSUPPORTED 16, INVALID_TTL 2, bad --format 2', async () => {
    expect((await run(['vend', 's3://cli-vend/frames/', '--mode', 'read-write'])).code).toBe(5);
    const refused = await run(['vend', 's3://cli-vend/x/', '--ttl', '900']);
    expect(refused.code).toBe(16);
    expect(refused.err).toContain('VEND_UNSUPPORTED');
    expect((await run(['vend', 's3://cli-vend/frames/', '--ttl', '60'])).code).toBe(2);
    expect((await run(['vend', 's3://cli-vend/frames/', '--format', 'yaml'])).code).toBe(2);
    expect((await run(['vend', 's3://cli-vend/frames/', '--mode', 'admin'])).code).toBe(2);
  });
});
