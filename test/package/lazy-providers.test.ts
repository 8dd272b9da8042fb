import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Integration } from '../../src/types.js';
import { startAwsFakes, type AwsFakes } from '../../src/testing/aws/index.js';
import { startFakeGcp, type FakeGcp } from '../../src/testing/gcp/index.js';
import { otherCloudPackages, packagesIn } from '../../bench/fixtures/packages.js';
import { ensureBuilt } from '../helpers/built.js';

/**
 * Issue 9: a process that imports the package and uses only S3 loads no `@google-cloud/*`,
 * `google-auth-library` or `@azure/*` module. Checked on the BUILT package in fresh child
 * processes (bench/fixtures/assetlink-child.*), against fakes running here:
 * - ESM entry (`import`: dist/index.node.js, which requires the CommonJS build): a `module.register`
 *   resolve hook (bench/fixtures/module-log.mjs) records every resolved URL; the child's
 *   require.cache adds the CommonJS loaded underneath (the library itself, and the SDKs);
 * - CJS entry (dist/index.cjs): require.cache holds everything, SDKs included.
 * The check must be able to fail: @aws-sdk/client-s3 has to show up in the same lists, and a
 * process that uses a gcp integration has to show @google-cloud/storage.
 */

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, '../..');
const fixtures = path.join(root, 'bench/fixtures');
const ROLE_ARN = 'arn:aws:iam::222222222222:role/lazy-providers';
const EXTERNAL_ID = 'lazy-providers-external-id-0123456789';
const ACCESS_KEY = { accessKeyId: 'AKIALAZYPROVIDERS001', secretAccessKey: 'lazy-providers-customer-secret-00000000' };
const BODY = 'only s3 here';
const GCP_PLATFORM = 'lazy-platform@platform.iam.gserviceaccount.com';
const GCP_READER = 'lazy-reader@customer.iam.gserviceaccount.com';

interface ChildOutput {
  results: { presign?: string; head?: number };
  cjsModules: string[];
}

interface Loaded {
  output: ChildOutput;
  /** module-log lines "<specifier>\t<url>" (ESM only). */
  resolutions: string[];
  packages: string[];
}

let aws: AwsFakes;
let gcp: FakeGcp;
let scratch: string;

beforeAll(async () => {
  ensureBuilt();
  scratch = await mkdtemp(path.join(os.tmpdir(), 'assetlink-lazy-'));
  aws = await startAwsFakes({ roles: [{ roleArn: ROLE_ARN, externalId: EXTERNAL_ID }], buckets: [{ name: 'lazy-bucket', ownerAccountId: '222222222222' }] });
  aws.keyring.addStaticKey({ ...ACCESS_KEY, accountId: '222222222222' });
  await aws.s3.putObject('lazy-bucket', 'images/cat.jpg', BODY, { contentType: 'image/jpeg' });
  gcp = await startFakeGcp();
  gcp.directory.registerToken('lazy-platform-token', { principal: GCP_PLATFORM });
  gcp.directory.addServiceAccount(GCP_READER);
  gcp.directory.grantTokenCreator(GCP_PLATFORM, GCP_READER);
  gcp.gcs.createBucket('lazy-gcs', { iam: { [GCP_READER]: 'roles/storage.objectViewer' } });
  gcp.gcs.putObject('lazy-gcs', 'images/cat.jpg', BODY);
}, 180_000);

afterAll(async () => {
  await aws?.close();
  await gcp?.close();
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

let runs = 0;
async function runChild(entry: 'esm' | 'cjs', config: Record<string, unknown>): Promise<Loaded> {
  const log = path.join(scratch, `modules-${runs++}.log`);
  const env: NodeJS.ProcessEnv = { ...process.env, ASSETLINK_CHILD: JSON.stringify(config), ASSETLINK_MODULE_LOG: log };
  delete env.NODE_OPTIONS;
  const args = entry === 'esm'
    ? ['--import', pathToFileURL(path.join(fixtures, 'module-log.mjs')).href, path.join(fixtures, 'assetlink-child.mjs')]
    : [path.join(fixtures, 'assetlink-child.cjs')];
  const { stdout } = await run(process.execPath, args, { cwd: root, env, timeout: 60_000 });
  const output = JSON.parse(stdout.trim().split('\n').at(-1) ?? '') as ChildOutput;
  const resolutions = entry === 'esm' ? (await readFile(log, 'utf8')).split('\n').filter(Boolean) : [];
  return { output, resolutions, packages: packagesIn([...resolutions, ...output.cjsModules]) };
}

const s3Integrations: Record<string, Integration> = {
  'assume-role': { id: 'lazy-ar', provider: 'aws', scope: { bucket: 'lazy-bucket', prefix: 'images', region: 'us-east-1' }, auth: { kind: 'assume-role', roleArn: ROLE_ARN, externalId: EXTERNAL_ID } },
  'access-key': { id: 'lazy-ak', provider: 'aws', scope: { bucket: 'lazy-bucket', prefix: 'images', region: 'us-east-1' }, auth: { kind: 'access-key', ...ACCESS_KEY } },
};

describe('an S3-only process loads no Google or Azure module', () => {
  for (const entry of ['esm', 'cjs'] as const) {
    for (const auth of ['assume-role', 'access-key'] as const) {
      it(`${entry === 'esm' ? 'import' : 'require'}('assetlink'), ${auth}: resolve + presign + head`, async () => {
        const { output, resolutions, packages } = await runChild(entry, {
          integration: s3Integrations[auth], uri: 's3://lazy-bucket/images/cat.jpg', ops: ['resolve-presign', 'head'], platform: { aws: aws.platform },
        });
        // The operations really ran against the fakes.
        expect(output.results.presign).toContain('X-Amz-Signature=');
        expect(output.results.head).toBe(BODY.length);
        // The built entry point was what got loaded, and the recording saw it.
        if (entry === 'esm') expect(resolutions.some((line) => line.endsWith('/dist/index.node.js'))).toBe(true);
        expect(output.cjsModules).toContain(path.join(root, 'dist/index.cjs'));
        // Positive control: the S3 SDK shows up, so an empty list would not pass by accident. It is
        // CommonJS and `require`d from assetlink's CommonJS build, so it is in require.cache, not in the
        // ESM resolve hook's record (the record works: it holds the ESM entry, checked above).
        expect(packages).toContain('@aws-sdk/client-s3');
        expect(packagesIn(output.cjsModules)).toContain('@aws-sdk/client-s3');
        expect(otherCloudPackages(packages)).toEqual([]);
        expect(packages.filter((name) => name.startsWith('@google-cloud/') || name.startsWith('@azure/') || name === 'google-auth-library')).toEqual([]);
      });
    }
  }
});

describe('negative control: using a gcp integration does load the Google SDK', () => {
  for (const entry of ['esm', 'cjs'] as const) {
    it(`${entry === 'esm' ? 'import' : 'require'}('assetlink'), gcp impersonation: head`, async () => {
      const { output, packages } = await runChild(entry, {
        integration: { id: 'lazy-gcs', provider: 'gcp', scope: { bucket: 'lazy-gcs', prefix: 'images' }, auth: { kind: 'impersonation', serviceAccount: GCP_READER } },
        uri: 'gs://lazy-gcs/images/cat.jpg', ops: ['head'], platform: { gcp: { ...gcp.endpoints, maxRetries: 0 } }, platformToken: 'lazy-platform-token',
      });
      expect(output.results.head).toBe(BODY.length);
      expect(packages).toContain('@google-cloud/storage');
      expect(otherCloudPackages(packages)).toContain('@google-cloud/storage');
      expect(packages.some((name) => name.startsWith('@azure/'))).toBe(false);
    });
  }
});
