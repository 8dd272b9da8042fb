import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt } from '../helpers/built.js';

/** Issue 18, CLI: usage errors, --version, per-command --help, JSON errors, one code per message. */

const exec = promisify(execFile);
const root = path.resolve(import.meta.dirname, '../..');
const version = (JSON.parse(await fs.readFile(path.join(root, 'package.json'), 'utf8')) as { version: string }).version;

interface Run { code: number; stdout: string; stderr: string }
async function cli(args: string[]): Promise<Run> {
  try {
    const { stdout, stderr } = await exec(process.execPath, [path.join(root, 'dist/cli.js'), ...args], { env: { ...process.env, ASSETLINK_CONFIG: '', ASSETLINK_CONFIG_JSON: '' } });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

let dir: string;
let config: string;
beforeAll(async () => {
  ensureBuilt();
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'assetlink-cli-usage-'));
  config = path.join(dir, 'config.json');
  await fs.writeFile(config, JSON.stringify({
    integrations: [
      { id: 'mem', provider: 'memory', scope: { bucket: 'store', prefix: 'in' } },
      // Azure workload identity from a JSON config: the assertion is read from a token file.
      { id: 'az', provider: 'azure', scope: { account: 'acct1', container: 'media' }, auth: { kind: 'federated', tenantId: '8e1f2a3b-4c5d-4e6f-8a7b-9c0d1e2f3a4b', clientId: '1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d', tokenFile: '/var/run/secrets/azure/tokens/azure-identity-token' } },
    ],
  }));
}, 120_000);
afterAll(async () => { await fs.rm(dir, { recursive: true, force: true }); });

describe('usage errors exit 2 with a usage line', () => {
  it('an unknown option names itself and prints the command\'s usage, not Node\'s parseArgs message', async () => {
    const run = await cli(['presign', 'memory://store/in/a', '--frobnicate', '--config', config]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('assetlink: unknown option --frobnicate');
    expect(run.stderr).toMatch(/usage: assetlink presign <uri> \[--ttl S\] \[--put\]/);
    expect(run.stderr).not.toMatch(/ERR_PARSE_ARGS|To specify a positional/);
  });

  it('an option of another command says whose it is', async () => {
    const run = await cli(['match', 'memory://store/in/a', '--ttl', '5', '--config', config]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('unknown option --ttl (it is an option of "presign")');
  });

  it('extra positional arguments, missing arguments, options without a value, unknown commands', async () => {
    const runs = await Promise.all([
      cli(['match', 'memory://store/in/a', 'memory://store/in/b', '--config', config]),
      cli(['presign', '--config', config]),
      cli(['presign', 'memory://store/in/a', '--config', config, '--ttl']),
      cli(['frobnicate', '--config', config]),
      cli(['--json=yes', 'match', 'memory://store/in/a']),
    ]);
    expect(runs.map((r) => r.code)).toEqual([2, 2, 2, 2, 2]);
    expect(runs[0]!.stderr).toContain('unexpected argument "memory://store/in/b"');
    expect(runs[1]!.stderr).toContain('presign needs <uri>');
    expect(runs[2]!.stderr).toContain('option --ttl needs a value');
    expect(runs[3]!.stderr).toContain('unknown command "frobnicate"');
    expect(runs[4]!.stderr).toContain('option --json takes no value');
  });
});

describe('help and version', () => {
  it('--version and -v print the package version', async () => {
    const [long, short] = await Promise.all([cli(['--version']), cli(['-v'])]);
    expect(long).toMatchObject({ code: 0, stdout: `${version}\n` });
    expect(short.stdout).toBe(`${version}\n`);
  });

  it('--help lists every command; <command> --help shows that command\'s options', async () => {
    const [general, presign, verify, none] = await Promise.all([cli(['--help']), cli(['presign', '--help']), cli(['verify', '-h']), cli([])]);
    expect(general.code).toBe(0);
    for (const command of ['match', 'resolve', 'presign', 'verify', 'setup']) expect(general.stdout).toContain(`  ${command} `);
    expect(presign).toMatchObject({ code: 0 });
    expect(presign.stdout).toMatch(/^usage: assetlink presign <uri>/);
    expect(presign.stdout).toMatch(/--ttl S\s+lifetime in seconds/);
    expect(presign.stdout).toContain('global options:');
    expect(verify.stdout).toContain('--probe-key K');
    expect(none.code).toBe(2);
    expect(none.stdout).toContain('commands:');
  });
});

describe('errors', () => {
  it('with --json, an error is a JSON object on stdout, and the exit code still says which', async () => {
    const run = await cli(['match', 's3://nobody-bucket/x', '--config', config, '--json']);
    expect(run.code).toBe(4);
    expect(run.stderr).toBe('');
    const { error } = JSON.parse(run.stdout) as { error: { code: string; message: string } };
    expect(error.code).toBe('NO_INTEGRATION');
    expect(error.message).toContain('s3://nobody-bucket/x');
  });

  it('with --json, errors of one integration carry its id', async () => {
    const run = await cli(['resolve', 'memory://store/in/missing.txt', '--config', config, '--json']);
    expect(run.code).toBe(9);
    expect(JSON.parse(run.stdout)).toEqual({ error: { code: 'NOT_FOUND', message: expect.stringContaining('does not exist'), integrationId: 'mem' } });
  });

  it('with --json, usage errors are JSON too', async () => {
    const run = await cli(['match', '--json', '--nope']);
    expect(run.code).toBe(2);
    expect(JSON.parse(run.stdout).error).toMatchObject({ code: 'INVALID_ARGUMENT', message: 'unknown option --nope' });
  });

  it('prints the error code once, even when the message starts with it', async () => {
    const run = await cli(['match', 's3://Bad_Bucket/x', '--config', config]);
    expect(run.code).toBe(3);
    expect(run.stderr.match(/INVALID_URI/g)).toHaveLength(1);
    expect(run.stderr).toMatch(/^assetlink: INVALID_URI: /);
  });

  it('an Azure federated integration from a JSON config (tokenFile) loads and matches', async () => {
    const run = await cli(['match', 'https://acct1.blob.core.windows.net/media/a.txt', '--config', config, '--json']);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout).integration).toMatchObject({ id: 'az', authKind: 'federated' });
  });
});
