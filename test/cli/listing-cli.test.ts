import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lsCommand } from '../../src/cli/ls.js';
import { runCli } from '../../src/cli/run.js';
import { syncCommand } from '../../src/cli/sync.js';
import { createAssetResolver } from '../../src/index.js';
import { memoryStore, putMemoryObject } from '../../src/resolvers/memory-store.js';
import { startAwsFakes, type AwsFakes } from '../../src/testing/aws/index.js';
import { ensureBuilt } from '../helpers/built.js';
import { failure } from '../helpers/failure.js';
import { BUCKET as GCS_BUCKET, startGcpWorld } from '../resolvers/gcp-fixture.js';

const exec = promisify(execFile);
const root = path.resolve(import.meta.dirname, '../..');

function io() {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d: Buffer) => { out += d.toString(); });
  stderr.on('data', (d: Buffer) => { err += d.toString(); });
  return { io: { stdout, stderr }, out: () => out, err: () => err, lines: () => out.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>) };
}

let dir = '';
beforeAll(async () => { dir = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), 'assetlink-ls-'))); });
afterAll(async () => { await fs.rm(dir, { recursive: true, force: true }); });

describe('ls and sync argument parsing (the CLI command table)', () => {
  const run = async (argv: string[]): Promise<{ code: number; err: string; out: string }> => {
    const streams = io();
    const code = await runCli(argv, { ...streams.io, env: {} });
    return { code, err: streams.err(), out: streams.out() };
  };

  it('takes --recursive=false, globs and /regexp/flags', async () => {
    putMemoryObject('cli-parse', 'k/a.jpg', new TextEncoder().encode('a'));
    putMemoryObject('cli-parse', 'k/sub/b.png', new TextEncoder().encode('b'));
    const config = JSON.stringify({ integrations: [{ id: 'p', provider: 'memory', scope: { bucket: 'cli-parse' } }] });
    const with_ = async (argv: string[]): Promise<string[]> => {
      const streams = io();
      expect(await runCli(argv, { ...streams.io, env: { ASSETLINK_CONFIG_JSON: config } })).toBe(0);
      return streams.lines().map((l) => String(l.key));
    };
    expect(await with_(['ls', 'memory://cli-parse/k', '--recursive=false', '--json'])).toEqual(['k/a.jpg', 'k/sub/']);
    expect(await with_(['ls', 'memory://cli-parse/k', '--json', '--match', '**/*.png'])).toEqual(['k/sub/b.png']);
    expect(await with_(['ls', 'memory://cli-parse/k', '--json', '--match=/A\\.JPG$/i'])).toEqual(['k/a.jpg']);
  });

  it.each([
    [['ls', 's3://b/x', '--match', '/(unclosed/'], /not a valid regular expression/],
    [['ls', 's3://b/x', '--recursive=maybe'], /takes true or false/],
    [['ls', 's3://b/x', '--frobnicate'], /unknown option --frobnicate/],
    [['ls'], /ls needs <uri>/],
    [['ls', 's3://b/x', '--limit', '0'], /--limit must be a positive integer/],
    [['sync', 's3://b/x'], /--manifest FILE/],
  ])('refuses %j with exit 2 and a message saying what to fix', async (argv, message) => {
    const result = await run(argv);
    expect(result.code).toBe(2);
    expect(result.err).toMatch(message);
  });
});

describe('ls and sync commands (in process)', () => {
  const bucket = 'cli-listing';
  const resolver = createAssetResolver({ integrations: [{ id: 'cl', provider: 'memory', scope: { bucket, prefix: 'data' } }] });
  afterAll(() => resolver.close());
  const put = (key: string, body = 'x') => putMemoryObject(bucket, key, new TextEncoder().encode(body));

  it('ls prints JSON lines or a table, one page in memory at a time', async () => {
    memoryStore(bucket).clear();
    put('data/a.jpg'); put('data/b/c.jpg'); put('data/b/d.png');
    const json = io();
    expect(await lsCommand({ uri: `memory://${bucket}/data`, json: true, recursive: true, match: '**/*.jpg' }, resolver, json.io)).toBe(0);
    expect(json.lines().map((l) => l.key)).toEqual(['data/a.jpg', 'data/b/c.jpg']);
    expect(json.lines()[0]).toMatchObject({ kind: 'object', uri: `memory://${bucket}/data/a.jpg`, size: 1 });
    const table = io();
    await lsCommand({ uri: `memory://${bucket}/data/`, json: false, recursive: false }, resolver, table.io);
    expect(table.out()).toMatch(/^\s+1 {2}\d{4}-.*memory:\/\/cli-listing\/data\/a\.jpg\n\s+PRE\s+memory:\/\/cli-listing\/data\/b\/\n$/);
    expect(table.err()).toBe('2 entries\n');
  });

  it('sync: first run writes the manifest quietly, later runs print changes as JSON lines', async () => {
    memoryStore(bucket).clear();
    put('data/a.jpg'); put('data/b.jpg');
    const manifest = path.join(dir, 'in-process.jsonl');
    const first = io();
    expect(await syncCommand({ uri: `memory://${bucket}/data`, manifest }, resolver, first.io)).toBe(0);
    expect(first.out()).toBe('');
    expect(first.err()).toMatch(/first sync: wrote .* with 2 objects/);
    put('data/b.jpg', 'changed'); put('data/c.jpg');
    const second = io();
    await syncCommand({ uri: `memory://${bucket}/data/`, manifest }, resolver, second.io);
    expect(second.lines().map((l) => `${l.change}:${l.key}`)).toEqual(['changed:data/b.jpg', 'added:data/c.jpg']);
    expect(second.err()).toMatch(/1 added, 1 changed, 0 removed/);
    const third = io();
    await syncCommand({ uri: `memory://${bucket}/data`, manifest }, resolver, third.io);
    expect(third.out()).toBe('');
  });

  it('sync: a page that fails mid-run leaves the manifest exactly as it was', async () => {
    const world = await startGcpWorld();
    try {
      const gcs = createAssetResolver({ integrations: [world.readOnly], platform: world.platform });
      for (let i = 0; i < 30; i++) world.fake.gcs.putObject(GCS_BUCKET, `datasets/f${String(i).padStart(2, '0')}.bin`, 'v1');
      const manifest = path.join(dir, 'gcs.jsonl');
      const uri = `gs://${GCS_BUCKET}/datasets/`;
      await syncCommand({ uri: uri, manifest, pageSize: 10 }, gcs, io().io);
      const before = await fs.readFile(manifest);
      for (let i = 0; i < 30; i += 3) world.fake.gcs.putObject(GCS_BUCKET, `datasets/f${String(i).padStart(2, '0')}.bin`, 'v2');
      world.fake.gcs.setFaultPolicy((_req, url) => (url.searchParams.has('pageToken') ? { status: 503 } : undefined));
      const failed = io();
      const error = await failure(syncCommand({ uri: uri, manifest, pageSize: 10 }, gcs, failed.io));
      expect(error).toMatchObject({ code: 'PROVIDER_ERROR', retryable: true });
      expect(failed.lines().length).toBeGreaterThan(0);
      expect(await fs.readFile(manifest)).toEqual(before);
      world.fake.gcs.clearFaults();
      const retried = io();
      await syncCommand({ uri: uri, manifest, pageSize: 10 }, gcs, retried.io);
      expect(retried.lines().map((l) => l.change)).toEqual(Array(10).fill('changed'));
      expect((await fs.readdir(dir)).filter((f) => f.endsWith('.tmp'))).toEqual([]);
      await gcs.close();
    } finally {
      await world.close();
    }
  });
});

describe('assetlink ls / sync (built CLI, as a process, against the S3 fake)', () => {
  let aws: AwsFakes;
  let config: string;
  const run = async (args: string[]): Promise<{ code: number; stdout: string; stderr: string }> => {
    try {
      const { stdout, stderr } = await exec(process.execPath, [path.join(root, 'dist/cli.js'), ...args, '--config', config], {
        env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', AWS_EC2_METADATA_DISABLED: 'true' },
      });
      return { code: 0, stdout, stderr };
    } catch (error) {
      const e = error as { code: number; stdout: string; stderr: string };
      return { code: e.code, stdout: e.stdout, stderr: e.stderr };
    }
  };

  beforeAll(async () => {
    ensureBuilt();
    aws = await startAwsFakes({ buckets: ['cli-list-bucket'], roles: [{ roleArn: 'arn:aws:iam::111111111111:role/cli-lister', externalId: 'cli-list-external-id-0123' }] });
    await Promise.all(Array.from({ length: 25 }, (_, i) => aws.s3.putObject('cli-list-bucket', `data/${i < 5 ? 'sub/' : ''}f${String(i).padStart(2, '0')}.txt`, `v1 ${i}`)));
    config = path.join(dir, 'cli.json');
    await fs.writeFile(config, JSON.stringify({
      platform: { aws: aws.platform },
      integrations: [{ id: 'lister', provider: 'aws', scope: { bucket: 'cli-list-bucket' }, auth: { kind: 'assume-role', roleArn: 'arn:aws:iam::111111111111:role/cli-lister', externalId: 'cli-list-external-id-0123' } }],
    }));
  }, 120_000);
  afterAll(() => aws?.close());

  it('ls --json --recursive=false prints JSON lines; listing outside every scope exits 4', async () => {
    const result = await run(['ls', 's3://cli-list-bucket/data', '--json', '--recursive=false', '--page-size', '7']);
    expect(result.code).toBe(0);
    const lines = result.stdout.trim().split('\n').map((l) => JSON.parse(l) as { kind: string; key: string });
    expect(lines.length).toBe(21);
    expect(lines[0]).toMatchObject({ kind: 'object', key: 'data/f05.txt' });
    expect(lines[20]).toEqual({ kind: 'prefix', key: 'data/sub/', uri: 's3://cli-list-bucket/data/sub/' });
    expect((await run(['ls', 's3://some-other-bucket/'])).code).toBe(4);
  });

  it('sync killed mid-run (SIGKILL while a page hangs) leaves the previous manifest intact', async () => {
    const manifest = path.join(dir, 'killed.jsonl');
    expect((await run(['sync', 's3://cli-list-bucket/data/', '--manifest', manifest, '--page-size', '5'])).code).toBe(0);
    const before = await fs.readFile(manifest, 'utf8');
    expect(before.trim().split('\n')).toHaveLength(26);
    await aws.s3.putObject('cli-list-bucket', 'data/f07.txt', 'v2 changed');
    // The third listing page never answers; the process is killed while it waits.
    let lists = 0;
    aws.s3.setFaultPolicy((r) => (r.method === 'GET' && r.key === undefined && ++lists === 3 ? { type: 'hang' } : undefined));
    const child = spawn(process.execPath, [path.join(root, 'dist/cli.js'), 'sync', 's3://cli-list-bucket/data/', '--manifest', manifest, '--page-size', '5', '--config', config], {
      env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', AWS_EC2_METADATA_DISABLED: 'true' }, stdio: 'ignore',
    });
    const deadline = Date.now() + 30_000;
    while (lists < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(lists).toBe(3);
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    aws.s3.clearFaults();
    expect(await fs.readFile(manifest, 'utf8')).toBe(before);
    const after = await run(['sync', 's3://cli-list-bucket/data/', '--manifest', manifest]);
    expect(after.code).toBe(0);
    expect(after.stdout.trim().split('\n').map((l) => JSON.parse(l) as { change: string; key: string })).toEqual([expect.objectContaining({ change: 'changed', key: 'data/f07.txt' })]);
  }, 60_000);
});
