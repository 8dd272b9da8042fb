import { FakeGcpDirectory, type FakeGcpDirectoryOptions } from './directory.js';
import { FakeGcs } from './fake-gcs.js';
import { FakeIam, type FakeIamOptions } from './fake-iam.js';
import { FakeSts } from './fake-sts.js';

export { FakeGcpDirectory, SCOPES, STORAGE_ROLES } from './directory.js';
export type { AccessBoundaryRule, FakeGcpDirectoryOptions, FakeServiceAccount, StoragePermission, TokenGrant } from './directory.js';
export { FakeGcs } from './fake-gcs.js';
export type { FakeGcsOptions, GcsRequestRecord } from './fake-gcs.js';
export type { GcsCorsRule } from './object-store.js';
export { FakeIam } from './fake-iam.js';
export type { FakeIamOptions, IamCall, IamMethod } from './fake-iam.js';
export { FakeSts } from './fake-sts.js';
export type { StsCall } from './fake-sts.js';
export type { FaultPolicy, InjectedFault } from './http.js';
export { crc32c, crc32cBase64, md5Base64 } from './hashes.js';

/** The three fake Google services sharing one identity directory, all on 127.0.0.1. */
export interface FakeGcp {
  directory: FakeGcpDirectory;
  gcs: FakeGcs;
  iam: FakeIam;
  sts: FakeSts;
  /** Ready-made `platform.gcp` endpoints for `createAssetResolver`. */
  endpoints: { apiEndpoint: string; iamEndpoint: string; stsEndpoint: string; signingEndpoint: string };
  close(): Promise<void>;
}

/** Options of `startFakeGcp`. */
export interface StartFakeGcpOptions extends FakeGcpDirectoryOptions {
  /** Longest lifetime the fake IAM grants `generateAccessToken` (3600 s, as without the org policy). */
  maxTokenLifetimeSeconds?: FakeIamOptions['maxLifetimeSeconds'];
}

/** Starts fake GCS, IAM Credentials and STS servers wired to one directory. */
export async function startFakeGcp(options: StartFakeGcpOptions = {}): Promise<FakeGcp> {
  const directory = new FakeGcpDirectory(options.now ? { now: options.now } : {});
  const gcs = new FakeGcs({ directory });
  const iam = new FakeIam({ directory, ...(options.maxTokenLifetimeSeconds ? { maxLifetimeSeconds: options.maxTokenLifetimeSeconds } : {}) });
  const sts = new FakeSts({ directory });
  await Promise.all([gcs.start(), iam.start(), sts.start()]);
  return {
    directory, gcs, iam, sts,
    endpoints: { apiEndpoint: gcs.url, iamEndpoint: iam.url, stsEndpoint: sts.url, signingEndpoint: gcs.url },
    close: async () => { await Promise.all([gcs.close(), iam.close(), sts.close()]); },
  };
}
