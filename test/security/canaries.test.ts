/**
 * Secret canaries (issue 10). Every secret the library can hold — platform and customer keys,
 * STS session credentials, ExternalIds, service-account private keys, minted GCP tokens, Azure
 * client secrets, federated assertions, Entra access tokens, user delegation keys, and the
 * signatures of presigned URLs of every provider — is a unique, recognisable canary string. The
 * suite then drives every error path, event and public object it can reach, records every way
 * they print (JSON.stringify, util.inspect with hidden properties and getters, String, messages,
 * stacks and cause chains, OpenTelemetry spans and metrics, CLI stdout/stderr, Redis contents),
 * and fails naming the surface if any canary appears anywhere.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { metrics, trace, type Span, type Tracer } from '@opentelemetry/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AssetLinkError, configure, ERROR_CODES, createAssetResolver, createRedisCredentialStore, CredentialCache, fetchPresigned, formatSetup,
  generateSetup, parseAssetUri, presign as topLevelPresign, ProviderError, resolveAsset as topLevelResolve, validateIntegration,
  type AssetLinkEvent, type AssetResolver, type AzureIntegration, type CredentialStore, type Integration, type PlatformOptions,
  type RedisLike, type ResolverOptions, type StoredCredential,
} from '../../src/index.js';
import { REDACTED, redactUrl } from '../../src/redact.js';
import { putMemoryObject, startFakeCloud, type FakeCloud } from '../../src/testing/index.js';
import type { TokenGrant } from '../../src/testing/gcp/index.js';
import { runCli, type CliRun } from './fixtures/cli.js';
import { startHttpsOrigin, type HttpsOrigin } from './fixtures/https-origin.js';
import { Canaries, describeLeaks, leaks, renderings, Sweep, type Allowance } from './fixtures/sweep.js';

// ------------------------------------------------------------------ canaries

const RUN = randomBytes(4).toString('hex');
const UP = RUN.toUpperCase();
const canaries = new Canaries();
const sweep = new Sweep();
const events: AssetLinkEvent[] = [];

/** A PEM private key and its canary: one line of its base64 body (unique to this key). */
function pemWithCanary(label: string): { pem: string; canary: string } {
  const pem = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const lines = pem.trim().split('\n');
  const canary = canaries.add(label, lines[Math.floor(lines.length / 2)]!);
  return { pem, canary };
}

const C = {
  awsPlatformKeyId: canaries.add('aws.platform.accessKeyId', `AKIACANARYPLAT${UP}`),
  awsPlatformSecret: canaries.add('aws.platform.secretAccessKey', `CANARY-aws-platform-secret-${RUN}`),
  awsStaticKeyId: canaries.add('aws.static.accessKeyId', `AKIACANARYSTAT${UP}`),
  awsStaticSecret: canaries.add('aws.static.secretAccessKey', `CANARY-aws-static-secret-${RUN}`),
  awsBadKeyId: canaries.add('aws.bad.accessKeyId', `AKIACANARYBADK${UP}`),
  awsBadSecret: canaries.add('aws.bad.secretAccessKey', `CANARY-aws-bad-secret-${RUN}`),
  awsBadToken: canaries.add('aws.bad.sessionToken', `CANARY-aws-bad-session-token-${RUN}`),
  externalIdRo: canaries.add('aws.externalId.ro', `CANARY-external-id-ro-${RUN}`),
  externalIdRw: canaries.add('aws.externalId.rw', `CANARY-external-id-rw-${RUN}`),
  externalIdWrong: canaries.add('aws.externalId.wrong', `CANARY-external-id-wrong-${RUN}`),
  gcpPlatformToken: canaries.add('gcp.platformToken', `CANARY-gcp-platform-token-${RUN}`),
  azureClientSecret: canaries.add('azure.clientSecret', `CANARY-azure-client-secret-${RUN}`),
  azureWrongSecret: canaries.add('azure.clientSecret.wrong', `CANARY-azure-wrong-secret-${RUN}`),
  azureFakeAssertionPayload: canaries.add('azure.assertion.forged.payload', `CANARY-assertion-payload-${RUN}`),
  azureFakeAssertionSig: canaries.add('azure.assertion.forged.signature', `CANARY-assertion-signature-${RUN}`),
  assertionCallbackError: canaries.add('azure.assertion.callbackError', `CANARY-assertion-callback-error-${RUN}`),
  authClientError: canaries.add('gcp.authClient.error', `CANARY-gcp-authclient-error-${RUN}`),
  redisPassword: canaries.add('redis.password', `CANARY-redis-password-${RUN}`),
  redisKey: canaries.add('redis.encryptionKey', Buffer.from(`CANARY-redis-key-${RUN}-padding!!`.slice(0, 32)).toString('base64')),
  tamperedSig: canaries.add('tampered.signature', `CANARYTAMPEREDSIG${UP}`),
  redirectSig: canaries.add('redirect.signature', `CANARY-redirect-signature-${RUN}`),
  redirectPassword: canaries.add('redirect.password', `CANARY-redirect-password-${RUN}`),
  userinfoPassword: canaries.add('uri.userinfo.password', `CANARY-userinfo-password-${RUN}`),
};
const gcpPlatformKey = pemWithCanary('gcp.platform.privateKey');
const gcpCustomerKey = pemWithCanary('gcp.customer.privateKey');
const gcpUnknownKey = pemWithCanary('gcp.unknown.privateKey');

/** Registers the signature-bearing parameters of a presigned URL as canaries. */
const SIGNED_PARAMS = ['X-Amz-Signature', 'X-Amz-Credential', 'X-Amz-Security-Token', 'X-Goog-Signature', 'X-Goog-Credential', 'sig', 'X-AssetLink-Signature'];
let presignCount = 0;
function harvestUrl(provider: string, url: string): void {
  const query = new URLSearchParams(url.slice(url.indexOf('?') + 1));
  const n = ++presignCount;
  for (const name of SIGNED_PARAMS) {
    const value = query.get(name);
    // Every parameter assetlink redacts is a canary, credential scopes (X-Amz-Credential, X-Goog-Credential) included.
    if (value !== null && value.length >= 12 && !canaries.has(value)) canaries.add(`presign.${provider}.${name}#${n}`, value);
  }
}

// Values the credential cache hands to its store: everything delegated that assetlink minted.
const SECRET_FIELDS = new Set(['token', 'value', 'secretAccessKey', 'sessionToken', 'accessKeyId']);
let harvested = 0;
function harvestCredential(cacheKey: string, value: unknown, where: string[] = []): void {
  if (typeof value === 'string') {
    const field = where[where.length - 1] ?? '';
    if (!SECRET_FIELDS.has(field) || value.length < 12 || canaries.has(value)) return;
    const label = `minted.${cacheKey.split('|').slice(0, 3).join('.')}.${field}#${++harvested}`;
    canaries.add(label, value);
    // A JWT's signature is what makes it usable; it is also unique to the token.
    const parts = value.split('.');
    if (parts.length === 3 && parts[2]!.length >= 12) canaries.add(`${label}.signature`, parts[2]!);
    return;
  }
  if (typeof value === 'object' && value !== null) {
    for (const [k, v] of Object.entries(value)) harvestCredential(cacheKey, v, [...where, k]);
  }
}

/** A credential store that keeps nothing but shows the sweep every credential assetlink minted. */
class HarvestingStore implements CredentialStore {
  readonly keys: string[] = [];
  async get(): Promise<StoredCredential | undefined> { return undefined; }
  async set(key: string, entry: StoredCredential): Promise<void> { this.keys.push(key); harvestCredential(key, entry.value); }
  async delete(): Promise<void> { /* nothing kept */ }
}

// ------------------------------------------------------------------ OpenTelemetry: record every span and metric

const telemetry: unknown[] = [];
function recordingSpan(record: Record<string, unknown>): Span {
  const span = {
    setAttribute: (k: string, v: unknown) => { record[k] = v; return span; },
    setAttributes: (a: Record<string, unknown>) => { Object.assign(record, a); return span; },
    setStatus: (s: unknown) => { record.status = s; return span; },
    recordException: (e: unknown) => { record.exception = renderings(e).map(([, text]) => text).join('\n'); },
    addEvent: (name: string, attributes?: unknown) => { record[`event:${name}`] = attributes; return span; },
    end: () => undefined, isRecording: () => true, addLink: () => span, addLinks: () => span, updateName: () => span,
    spanContext: () => ({ traceId: '0'.repeat(32), spanId: '0'.repeat(16), traceFlags: 1 }),
  };
  return span as unknown as Span;
}
const tracer = {
  startSpan: (name: string, options?: { attributes?: Record<string, unknown> }) => {
    const record: Record<string, unknown> = { name, ...(options?.attributes ?? {}) };
    telemetry.push(record);
    return recordingSpan(record);
  },
} as unknown as Tracer;
const meter = {
  createCounter: (name: string) => ({ add: (value: number, attributes?: unknown) => { telemetry.push({ metric: name, value, attributes }); } }),
};

// ------------------------------------------------------------------ the fake world

const BUCKET = 'canary-bucket';
const OTHER_BUCKET = 'canary-elsewhere';
const CONTAINER = 'canary-container';
const ACCOUNT = 'devstoreaccount1';
const AZ = `https://${ACCOUNT}.blob.core.windows.net/${CONTAINER}`;
const AWS_ACCOUNT = '111111111111';
const ROLE_RO = `arn:aws:iam::${AWS_ACCOUNT}:role/canary-ro`;
const ROLE_RW = `arn:aws:iam::${AWS_ACCOUNT}:role/canary-rw`;
const GCP_PLATFORM = `canary-platform@platform-${RUN}.iam.gserviceaccount.com`;
const GCP_PLATFORM_KEYED = `canary-platform-key@platform-${RUN}.iam.gserviceaccount.com`;
const SA = {
  reader: `reader@customer-${RUN}.iam.gserviceaccount.com`,
  writer: `writer@customer-${RUN}.iam.gserviceaccount.com`,
  locked: `locked@customer-${RUN}.iam.gserviceaccount.com`,
  keyed: `keyed@customer-${RUN}.iam.gserviceaccount.com`,
  unknown: `unknown@customer-${RUN}.iam.gserviceaccount.com`,
};
const TENANT = '7e1a1e55-0000-4000-8000-00000000ca11';
const APP_FEDERATED = '7e1a1e55-0000-4000-8000-0000000000f1';
const APP_SECRET = '7e1a1e55-0000-4000-8000-0000000000c5';

let cloud: FakeCloud;
let origin: HttpsOrigin;
let resolver: AssetResolver;
let platform: PlatformOptions;
let integrations: Integration[];
let dir: string;
const store = new HarvestingStore();
const resolvers: AssetResolver[] = [];

function onEvent(event: AssetLinkEvent): void { events.push(event); }

function makeResolver(options: Partial<ResolverOptions> = {}): AssetResolver {
  const r = createAssetResolver({ platform, integrations, onEvent, cache: { store }, ...options });
  resolvers.push(r);
  return r;
}

let assertions = 0;
/** The federated assertion callback: a real JWT from the platform's issuer, registered as a canary. */
function assertionFor(subject: string): () => Promise<string> {
  return async () => {
    const jwt = cloud.azure!.issuer.mint({ subject });
    const n = ++assertions;
    canaries.add(`azure.assertion#${n}`, jwt);
    canaries.add(`azure.assertion#${n}.signature`, jwt.split('.')[2]!);
    return jwt;
  };
}

function aws(id: string, prefix: string, mode: 'read-only' | 'read-write', auth: Extract<Integration, { provider: 'aws' }>['auth'], bucket = BUCKET): Integration {
  return { id, provider: 'aws', mode, scope: { bucket, prefix, region: 'us-east-1' }, auth };
}
function gcp(id: string, prefix: string, mode: 'read-only' | 'read-write', auth: Extract<Integration, { provider: 'gcp' }>['auth']): Integration {
  return { id, provider: 'gcp', mode, scope: { bucket: BUCKET, prefix }, auth };
}
function azure(id: string, prefix: string, mode: 'read-only' | 'read-write', auth: AzureIntegration['auth']): Integration {
  return { id, provider: 'azure', mode, scope: { account: ACCOUNT, container: CONTAINER, prefix }, auth };
}

beforeAll(async () => {
  trace.setGlobalTracerProvider({ getTracer: () => tracer });
  metrics.setGlobalMeterProvider({ getMeter: () => meter } as unknown as Parameters<typeof metrics.setGlobalMeterProvider>[0]);

  dir = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), 'assetlink-canaries-')));
  cloud = await startFakeCloud({ aws: { platformCredentials: { accessKeyId: C.awsPlatformKeyId, secretAccessKey: C.awsPlatformSecret } } });
  const { aws: a, gcp: g, azure: z } = cloud as Required<FakeCloud>;

  // STS-issued credentials become canaries: the fake's keyring hands out canary secrets and tokens.
  let sessions = 0;
  const issueSession = a.keyring.issueSession.bind(a.keyring);
  a.keyring.issueSession = (options) => {
    const entry = issueSession(options);
    const n = ++sessions;
    entry.secretAccessKey = canaries.add(`aws.sts.secretAccessKey#${n}`, `CANARY-sts-secret-access-key-${n}-${RUN}`);
    entry.sessionToken = canaries.add(`aws.sts.sessionToken#${n}`, `CANARY-sts-session-token-${n}-${RUN}`);
    canaries.add(`aws.sts.accessKeyId#${n}`, entry.accessKeyId);
    return entry;
  };
  // So do GCP access tokens minted by the fake IAM (generateAccessToken) and STS (downscoping).
  let minted = 0;
  g.directory.issueToken = (grant: TokenGrant) => {
    const token = canaries.add(`gcp.mintedToken#${++minted}`, `ya29.CANARY-gcp-minted-token-${minted}-${RUN}`);
    g.directory.registerToken(token, grant);
    return token;
  };

  // AWS: two customer roles with canary ExternalIds, a static key, the platform identity (cross-account).
  await a.s3.createBucket(BUCKET);
  await a.s3.createBucket(OTHER_BUCKET);
  a.sts.addRole({ roleArn: ROLE_RO, externalId: C.externalIdRo });
  a.sts.addRole({ roleArn: ROLE_RW, externalId: C.externalIdRw });
  // (Real IAM users have names; the fake would otherwise name the user after its key id.)
  a.keyring.addStaticKey({ accessKeyId: C.awsStaticKeyId, secretAccessKey: C.awsStaticSecret, accountId: AWS_ACCOUNT, principalArn: `arn:aws:iam::${AWS_ACCOUNT}:user/canary-static-user` });
  for (const key of ['ro/a.txt', 'rw/a.txt', 'ak/a.txt', 'xa/a.txt']) await a.s3.putObject(BUCKET, key, 'aws bytes', { contentType: 'text/plain' });

  // GCP: platform identity by token (authClient) and by key; customer service accounts.
  g.directory.registerToken(C.gcpPlatformToken, { principal: GCP_PLATFORM });
  g.directory.addServiceAccount(GCP_PLATFORM_KEYED, { privateKeyPem: gcpPlatformKey.pem });
  for (const sa of [SA.reader, SA.writer, SA.locked]) g.directory.addServiceAccount(sa);
  g.directory.addServiceAccount(SA.keyed, { privateKeyPem: gcpCustomerKey.pem });
  for (const sa of [SA.reader, SA.writer]) { g.directory.grantTokenCreator(GCP_PLATFORM, sa); g.directory.grantTokenCreator(GCP_PLATFORM_KEYED, sa); }
  g.gcs.grantBucketRole(BUCKET, SA.reader, 'roles/storage.objectViewer');
  g.gcs.grantBucketRole(BUCKET, SA.writer, 'roles/storage.objectUser');
  g.gcs.grantBucketRole(BUCKET, SA.keyed, 'roles/storage.objectUser');
  g.gcs.grantBucketRole(BUCKET, SA.locked, 'roles/storage.objectUser');
  g.gcs.grantBucketRole(BUCKET, GCP_PLATFORM, 'roles/storage.objectViewer');
  for (const key of ['ro/a.txt', 'rw/a.txt', 'key/a.txt']) g.gcs.putObject(BUCKET, key, 'gcp bytes', { contentType: 'text/plain' });

  // Azure: a federated app and a client-secret app.
  z.entra.addApp({ tenantId: TENANT, clientId: APP_FEDERATED, federated: [{ issuer: z.issuer.issuer, subject: `canary:${RUN}` }] });
  z.entra.addApp({ tenantId: TENANT, clientId: APP_SECRET, clientSecret: C.azureClientSecret });
  await z.azurite.createContainer(CONTAINER);
  for (const key of ['ro/a.txt', 'rw/a.txt', 'cs/a.txt']) await z.azurite.putBlob(CONTAINER, key, 'azure bytes', { contentType: 'text/plain' });

  putMemoryObject('canary-mem', 'in/a.txt', new TextEncoder().encode('memory bytes'));
  await fs.mkdir(path.join(dir, 'files', 'in'), { recursive: true });
  await fs.writeFile(path.join(dir, 'files', 'in', 'a.txt'), 'file bytes');

  origin = await startHttpsOrigin({
    '/redirect/metadata': `https://169.254.169.254/latest/meta-data/iam?X-Amz-Signature=${C.redirectSig}&X-Amz-Security-Token=${C.redirectSig}`,
    '/redirect/http': `http://assets.test/next?sig=${C.redirectSig}`,
    '/redirect/userinfo': `https://admin:${C.redirectPassword}@assets.test/next`,
    '/redirect/elsewhere': `https://elsewhere.test/next?X-Goog-Signature=${C.redirectSig}`,
  });

  platform = {
    ...cloud.platform,
    gcp: { ...cloud.platform.gcp, authClient: { getAccessToken: async () => ({ token: C.gcpPlatformToken }) } },
    https: {
      allowPorts: [origin.port], allowPrivateHosts: [origin.host], ca: origin.ca,
      // The test's DNS: the origin is on loopback, every cloud host "resolves" to a private address (refused at connect).
      lookup: async (host) => (host === origin.host ? [{ address: '127.0.0.1', family: 4 }] : [{ address: '10.1.2.3', family: 4 }]),
    },
  };
  integrations = [
    aws('aws-ro', 'ro', 'read-only', { kind: 'assume-role', roleArn: ROLE_RO, externalId: C.externalIdRo }),
    aws('aws-rw', 'rw', 'read-write', { kind: 'assume-role', roleArn: ROLE_RW, externalId: C.externalIdRw }),
    aws('aws-wrong-external-id', 'wrong', 'read-only', { kind: 'assume-role', roleArn: ROLE_RO, externalId: C.externalIdWrong }),
    aws('aws-ak', 'ak', 'read-write', { kind: 'access-key', accessKeyId: C.awsStaticKeyId, secretAccessKey: C.awsStaticSecret }),
    aws('aws-ak-bad', 'bad', 'read-write', { kind: 'access-key', accessKeyId: C.awsBadKeyId, secretAccessKey: C.awsBadSecret, sessionToken: C.awsBadToken }),
    aws('aws-xa', 'xa', 'read-only', { kind: 'cross-account' }),
    gcp('gcp-ro', 'ro', 'read-only', { kind: 'impersonation', serviceAccount: SA.reader }),
    gcp('gcp-rw', 'rw', 'read-write', { kind: 'impersonation', serviceAccount: SA.writer }),
    gcp('gcp-locked', 'locked', 'read-only', { kind: 'impersonation', serviceAccount: SA.locked }),
    gcp('gcp-key', 'key', 'read-write', { kind: 'service-account-key', credentials: { client_email: SA.keyed, private_key: gcpCustomerKey.pem } }),
    gcp('gcp-key-unknown', 'unknown', 'read-only', { kind: 'service-account-key', credentials: { client_email: SA.unknown, private_key: gcpUnknownKey.pem } }),
    gcp('gcp-key-corrupt', 'corrupt', 'read-only', { kind: 'service-account-key', credentials: { client_email: SA.keyed, private_key: gcpCustomerKey.pem.replace(/\n[^\n]*\n-----END/, '\n-----END') } }),
    azure('azure-ro', 'ro', 'read-only', { kind: 'federated', tenantId: TENANT, clientId: APP_FEDERATED, assertion: assertionFor(`canary:${RUN}`) }),
    azure('azure-rw', 'rw', 'read-write', { kind: 'federated', tenantId: TENANT, clientId: APP_FEDERATED, assertion: assertionFor(`canary:${RUN}`) }),
    azure('azure-cs', 'cs', 'read-write', { kind: 'client-secret', tenantId: TENANT, clientId: APP_SECRET, clientSecret: C.azureClientSecret }),
    azure('azure-cs-wrong', 'cswrong', 'read-only', { kind: 'client-secret', tenantId: TENANT, clientId: APP_SECRET, clientSecret: C.azureWrongSecret }),
    azure('azure-forged', 'forged', 'read-only', { kind: 'federated', tenantId: TENANT, clientId: APP_FEDERATED, assertion: async () => `eyJhbGciOiJSUzI1NiJ9.${C.azureFakeAssertionPayload}.${C.azureFakeAssertionSig}` }),
    azure('azure-wrong-subject', 'subject', 'read-only', { kind: 'federated', tenantId: TENANT, clientId: APP_FEDERATED, assertion: assertionFor('someone-else') }),
    azure('azure-callback-throws', 'throws', 'read-only', { kind: 'federated', tenantId: TENANT, clientId: APP_FEDERATED, assertion: async () => { throw new Error(C.assertionCallbackError); } }),
    { id: 'https-any', provider: 'https', scope: { hosts: [origin.host, '*.amazonaws.com', 'storage.googleapis.com', '*.blob.core.windows.net'] } },
    { id: 'mem-ro', provider: 'memory', scope: { bucket: 'canary-mem', prefix: 'in' } },
    { id: 'mem-rw', provider: 'memory', mode: 'read-write', scope: { bucket: 'canary-mem', prefix: 'out' } },
    { id: 'files', provider: 'file', mode: 'read-write', scope: { root: path.join(dir, 'files') } },
    gcp('gcp-xp', 'xp', 'read-only', { kind: 'cross-project' }),
  ];
  resolver = makeResolver();
}, 120_000);

afterAll(async () => {
  await Promise.allSettled(resolvers.map((r) => r.close()));
  trace.disable();
  metrics.disable();
  await origin?.close();
  await cloud?.close();
  if (dir) await fs.rm(dir, { recursive: true, force: true });
});

/** Presigns through `r`, harvests the URL's signatures, records the non-url fields. */
async function presignAndHarvest(name: string, provider: string, uri: string, method: 'GET' | 'PUT' = 'GET', r = resolver): Promise<string> {
  const p = await r.presign(uri, 600, { method, ...(method === 'PUT' ? { contentType: 'text/plain' } : {}) });
  harvestUrl(provider, p.url);
  const { url: _url, ...rest } = p;
  sweep.record(`${name}:presigned-fields`, rest);
  return p.url;
}

/** The same presigned URL, as a customer would paste it: on the provider's real host. */
function onRealHost(url: string, provider: 'aws' | 'gcp' | 'azure'): string {
  const u = new URL(url);
  const query = u.search;
  const segments = u.pathname.split('/').filter(Boolean);
  switch (provider) {
    case 'aws': return `https://${segments[0]}.s3.us-east-1.amazonaws.com/${segments.slice(1).join('/')}${query}`;
    case 'gcp': return `https://storage.googleapis.com/${segments.join('/')}${query}`;
    case 'azure': return `https://${segments[0]}.blob.core.windows.net/${segments.slice(1).join('/')}${query}`;
  }
}

function tamper(url: string): string {
  return url.replace(/((?:X-Amz-Signature|X-Goog-Signature|sig|X-AssetLink-Signature)=)[^&]*/, `$1${C.tamperedSig}`);
}

// ------------------------------------------------------------------ the sweep

describe('secret canaries', () => {
  it('the sweep catches a planted leak (self-check)', () => {
    const probe = new Sweep();
    const local = new Canaries();
    local.add('probe.secret', 'CANARY-self-check-secret/with+chars=');
    local.add('probe.token', `CANARY-self-check-token-${'x'.repeat(80)}-end`);
    probe.record('clean', { ok: true, message: 'nothing to see' });
    probe.record('deep', { a: { b: { c: { d: { e: ['CANARY-self-check-secret/with+chars='] } } } } });
    const hidden = {};
    Object.defineProperty(hidden, 'secret', { value: 'CANARY-self-check-secret/with+chars=', enumerable: false });
    probe.record('non-enumerable', hidden);
    probe.record('cause-chain', new AssetLinkError('PROVIDER_ERROR', 'outer', { cause: new AssetLinkError('PROVIDER_ERROR', 'CANARY-self-check-secret/with+chars=') }));
    probe.text('percent-encoded', `?token=${encodeURIComponent('CANARY-self-check-secret/with+chars=')}`);
    probe.text('truncated-token', `token CANARY-self-check-token-${'x'.repeat(40)}… (clipped)`);
    const found = leaks(probe.surfaces, local);
    const where = new Set(found.map((l) => l.surface.split(':')[0]));
    expect([...where].sort()).toEqual(['cause-chain', 'deep', 'non-enumerable', 'percent-encoded', 'truncated-token']);
    expect(describeLeaks(found)).toContain('canary probe.secret leaked in deep:');
    // An allowance exempts exactly the named surface and canary.
    expect(leaks(probe.surfaces, local, [{ surface: /^deep:/, canary: /^probe\.secret$/, why: 'test' }]).some((l) => l.surface.startsWith('deep:'))).toBe(false);
  });

  it('AWS: success, scope, read-only, TTL, not-found and credential failures', async () => {
    const ro = await resolver.resolveAsset(`s3://${BUCKET}/ro/a.txt`);
    sweep.record('aws/ro:asset', ro);
    sweep.record('aws/ro:location', ro.location);
    sweep.record('aws/ro:head', await ro.head());
    expect(new TextDecoder().decode(await ro.bytes())).toBe('aws bytes');
    await (await ro.read({ range: { start: 0, end: 2 } })).cancel();
    const rw = await resolver.resolveAsset(`s3://${BUCKET}/rw/new.txt`);
    await rw.write('written', { contentType: 'text/plain' });
    await rw.delete();
    const ak = await resolver.resolveAsset(`s3://${BUCKET}/ak/a.txt`);
    expect(new TextDecoder().decode(await ak.bytes())).toBe('aws bytes');
    await (await resolver.resolveAsset(`s3://${BUCKET}/ak/new.txt`)).write('static key write');
    const xa = await resolver.resolveAsset(`s3://${BUCKET}/xa/a.txt`);
    expect(new TextDecoder().decode(await xa.bytes())).toBe('aws bytes');
    expect(canaries.count('aws.sts.sessionToken')).toBeGreaterThanOrEqual(2);

    const codes: Record<string, string | undefined> = {};
    codes.notFound = (await sweep.failure('aws/not-found', (await resolver.resolveAsset(`s3://${BUCKET}/ro/missing.txt`)).head())).code;
    codes.notFoundAk = (await sweep.failure('aws/not-found-ak', (await resolver.resolveAsset(`s3://${BUCKET}/ak/missing.txt`)).bytes())).code;
    codes.readOnlyWrite = (await sweep.failure('aws/read-only-write', ro.write('x'))).code;
    codes.readOnlyDelete = (await sweep.failure('aws/read-only-delete', ro.delete())).code;
    codes.readOnlyPut = (await sweep.failure('aws/read-only-presign-put', ro.presign({ ttlSeconds: 60, method: 'PUT' }))).code;
    codes.ttlZero = (await sweep.failure('aws/ttl-zero', ro.presign({ ttlSeconds: 0 }))).code;
    codes.ttlLong = (await sweep.failure('aws/ttl-too-long', ro.presign({ ttlSeconds: 8 * 24 * 3600 }))).code;
    codes.ttlSession = (await sweep.failure('aws/ttl-outlives-session', ro.presign({ ttlSeconds: 6 * 24 * 3600 }))).code;
    codes.outOfScope = (await sweep.failure('aws/out-of-scope', resolver.resolveAsset(`s3://${BUCKET}/rw/a.txt`, 'aws-ro'))).code;
    codes.noIntegration = (await sweep.failure('aws/no-integration', resolver.resolveAsset(`s3://${BUCKET}/nobody/a.txt`))).code;
    codes.unknownId = (await sweep.failure('aws/unknown-integration-id', resolver.resolveAsset(`s3://${BUCKET}/ro/a.txt`, 'no-such-id'))).code;
    codes.bucketOnly = (await sweep.failure('aws/bucket-only', resolver.resolveAsset(`s3://${BUCKET}/`, 'aws-ak'))).code;
    codes.dotSegments = (await sweep.failure('aws/dot-segments', resolver.resolveAsset(`s3://${BUCKET}/ak/../ro/a.txt`))).code;
    codes.range = (await sweep.failure('aws/bad-range', ro.read({ range: { start: 5, end: 1 } }))).code;
    const disabled = { ...integrations.find((i) => i.id === 'aws-ro')!, disabled: true, tenant: 'canary-tenant' } as Integration;
    codes.disabled = (await sweep.failure('aws/disabled', resolver.forTenant('canary-tenant').resolveAsset(`s3://${BUCKET}/ro/a.txt`, disabled))).code;
    codes.wrongExternalId = (await sweep.failure('aws/wrong-external-id', (await resolver.resolveAsset(`s3://${BUCKET}/wrong/a.txt`)).head())).code;
    codes.wrongExternalIdPresign = (await sweep.failure('aws/wrong-external-id-presign', resolver.presign(`s3://${BUCKET}/wrong/a.txt`, 60))).code;
    const bad = await resolver.resolveAsset(`s3://${BUCKET}/bad/a.txt`);
    codes.badKeyHead = (await sweep.failure('aws/bad-key-head', bad.head())).code;
    codes.badKeyRead = (await sweep.failure('aws/bad-key-read', bad.bytes())).code;
    codes.badKeyWrite = (await sweep.failure('aws/bad-key-write', bad.write('x'))).code;
    codes.badKeyDelete = (await sweep.failure('aws/bad-key-delete', bad.delete())).code;
    expect(codes).toEqual({
      notFound: 'NOT_FOUND', notFoundAk: 'NOT_FOUND', readOnlyWrite: 'READ_ONLY', readOnlyDelete: 'READ_ONLY', readOnlyPut: 'READ_ONLY',
      ttlZero: 'INVALID_TTL', ttlLong: 'INVALID_TTL', ttlSession: 'INVALID_TTL', outOfScope: 'OUT_OF_SCOPE', noIntegration: 'NO_INTEGRATION',
      unknownId: 'NO_INTEGRATION', bucketOnly: 'OUT_OF_SCOPE', dotSegments: 'INVALID_URI', range: 'INVALID_ARGUMENT', wrongExternalId: 'ACCESS_DENIED',
      wrongExternalIdPresign: 'ACCESS_DENIED', badKeyHead: 'ACCESS_DENIED', badKeyRead: 'ACCESS_DENIED', badKeyWrite: 'ACCESS_DENIED', badKeyDelete: 'ACCESS_DENIED',
      disabled: 'INTEGRATION_DISABLED',
    });
  });

  it('GCP: success, scope, TTL, not-found, denied impersonation, unknown key, revoked tokens', async () => {
    const ro = await resolver.resolveAsset(`gs://${BUCKET}/ro/a.txt`);
    sweep.record('gcp/ro:asset', ro);
    expect(new TextDecoder().decode(await ro.bytes())).toBe('gcp bytes');
    sweep.record('gcp/ro:head', await ro.head());
    const rw = await resolver.resolveAsset(`gs://${BUCKET}/rw/new.txt`);
    await rw.write('written');
    await rw.delete();
    const key = await resolver.resolveAsset(`gs://${BUCKET}/key/a.txt`);
    expect(new TextDecoder().decode(await key.bytes())).toBe('gcp bytes');
    await (await resolver.resolveAsset(`gs://${BUCKET}/key/new.txt`)).write('keyed write');
    expect(canaries.count('gcp.mintedToken')).toBeGreaterThanOrEqual(2);

    const codes: Record<string, string | undefined> = {};
    codes.notFound = (await sweep.failure('gcp/not-found', (await resolver.resolveAsset(`gs://${BUCKET}/ro/missing.txt`)).head())).code;
    codes.notFoundKey = (await sweep.failure('gcp/not-found-key', (await resolver.resolveAsset(`gs://${BUCKET}/key/missing.txt`)).bytes())).code;
    codes.readOnly = (await sweep.failure('gcp/read-only', ro.write('x'))).code;
    codes.ttl = (await sweep.failure('gcp/ttl', ro.presign({ ttlSeconds: 8 * 24 * 3600 }))).code;
    codes.outOfScope = (await sweep.failure('gcp/out-of-scope', resolver.resolveAsset(`gs://${BUCKET}/rw/a.txt`, 'gcp-ro'))).code;
    codes.denied = (await sweep.failure('gcp/impersonation-denied', (await resolver.resolveAsset(`gs://${BUCKET}/locked/a.txt`)).head())).code;
    codes.deniedPresign = (await sweep.failure('gcp/impersonation-denied-presign', resolver.presign(`gs://${BUCKET}/locked/a.txt`, 60))).code;
    codes.unknownKey = (await sweep.failure('gcp/unknown-key', (await resolver.resolveAsset(`gs://${BUCKET}/unknown/a.txt`)).head())).code;
    codes.corruptKey = (await sweep.failure('gcp/corrupt-key', (await resolver.resolveAsset(`gs://${BUCKET}/corrupt/a.txt`)).head())).code;
    codes.corruptKeyPresign = (await sweep.failure('gcp/corrupt-key-presign', resolver.presign(`gs://${BUCKET}/corrupt/a.txt`, 60))).code;
    const xp = await resolver.resolveAsset(`gs://${BUCKET}/xp/missing.txt`);
    sweep.record('gcp/xp:asset', xp);
    codes.crossProjectMissing = (await sweep.failure('gcp/cross-project-not-found', xp.head())).code;
    codes.crossProjectPresign = (await sweep.failure('gcp/cross-project-presign', xp.presign({ ttlSeconds: 60 }))).code;
    // Revoke every token minted so far: GCS answers 401 until a new one is minted.
    for (const [label, value] of canaries.entries()) if (label.startsWith('gcp.mintedToken')) cloud.gcp!.directory.revokeToken(value);
    cloud.gcp!.directory.revokeToken(C.gcpPlatformToken);
    codes.revoked = (await sweep.failure('gcp/revoked', (await resolver.resolveAsset(`gs://${BUCKET}/ro/a.txt`)).head())).code;
    cloud.gcp!.directory.registerToken(C.gcpPlatformToken, { principal: GCP_PLATFORM });
    expect(codes).toEqual({
      notFound: 'NOT_FOUND', notFoundKey: 'NOT_FOUND', readOnly: 'READ_ONLY', ttl: 'INVALID_TTL', outOfScope: 'OUT_OF_SCOPE',
      denied: 'ACCESS_DENIED', deniedPresign: 'ACCESS_DENIED', unknownKey: 'CREDENTIALS_UNAVAILABLE', corruptKey: 'INVALID_INTEGRATION', corruptKeyPresign: 'INVALID_INTEGRATION', revoked: 'CREDENTIALS_UNAVAILABLE',
      crossProjectMissing: 'NOT_FOUND', crossProjectPresign: 'PRESIGN_UNSUPPORTED',
    });
  });

  it('Azure: success, scope, TTL, not-found, wrong secret, forged and mis-addressed assertions, failing callback', async () => {
    const ro = await resolver.resolveAsset(`${AZ}/ro/a.txt`);
    sweep.record('azure/ro:asset', ro);
    expect(new TextDecoder().decode(await ro.bytes())).toBe('azure bytes');
    sweep.record('azure/ro:head', await ro.head());
    const rw = await resolver.resolveAsset(`${AZ}/rw/new.txt`);
    await rw.write('written');
    await rw.delete();
    const cs = await resolver.resolveAsset(`${AZ}/cs/a.txt`);
    expect(new TextDecoder().decode(await cs.bytes())).toBe('azure bytes');
    expect(canaries.count('azure.assertion#')).toBeGreaterThanOrEqual(1);

    const codes: Record<string, string | undefined> = {};
    codes.notFound = (await sweep.failure('azure/not-found', (await resolver.resolveAsset(`${AZ}/ro/missing.txt`)).head())).code;
    codes.notFoundCs = (await sweep.failure('azure/not-found-cs', (await resolver.resolveAsset(`${AZ}/cs/missing.txt`)).bytes())).code;
    codes.readOnly = (await sweep.failure('azure/read-only', ro.delete())).code;
    codes.ttl = (await sweep.failure('azure/ttl', ro.presign({ ttlSeconds: 8 * 24 * 3600 }))).code;
    codes.outOfScope = (await sweep.failure('azure/out-of-scope', resolver.resolveAsset(`${AZ}/rw/a.txt`, 'azure-ro'))).code;
    codes.wrongSecret = (await sweep.failure('azure/wrong-secret', (await resolver.resolveAsset(`${AZ}/cswrong/a.txt`)).head())).code;
    codes.wrongSecretPresign = (await sweep.failure('azure/wrong-secret-presign', resolver.presign(`${AZ}/cswrong/a.txt`, 60))).code;
    codes.forged = (await sweep.failure('azure/forged-assertion', (await resolver.resolveAsset(`${AZ}/forged/a.txt`)).head())).code;
    codes.wrongSubject = (await sweep.failure('azure/wrong-subject', (await resolver.resolveAsset(`${AZ}/subject/a.txt`)).head())).code;
    codes.callbackThrows = (await sweep.failure('azure/callback-throws', (await resolver.resolveAsset(`${AZ}/throws/a.txt`)).head())).code;
    expect(codes).toEqual({
      notFound: 'NOT_FOUND', notFoundCs: 'NOT_FOUND', readOnly: 'READ_ONLY', ttl: 'INVALID_TTL', outOfScope: 'OUT_OF_SCOPE',
      wrongSecret: 'ACCESS_DENIED', wrongSecretPresign: 'ACCESS_DENIED', forged: 'ACCESS_DENIED', wrongSubject: 'ACCESS_DENIED',
      callbackThrows: 'CREDENTIALS_UNAVAILABLE',
    });
  });

  it('presigned URLs of every provider: non-url fields, then fed back as URIs (genuine, tampered, on real hosts)', async () => {
    const urls = {
      aws: await presignAndHarvest('presign/aws-get', 'aws', `s3://${BUCKET}/ro/a.txt`),
      awsPut: await presignAndHarvest('presign/aws-put', 'aws', `s3://${BUCKET}/rw/put.txt`, 'PUT'),
      awsStatic: await presignAndHarvest('presign/aws-static', 'aws', `s3://${BUCKET}/ak/a.txt`),
      awsXa: await presignAndHarvest('presign/aws-xa', 'aws', `s3://${BUCKET}/xa/a.txt`),
      gcp: await presignAndHarvest('presign/gcp-get', 'gcp', `gs://${BUCKET}/ro/a.txt`),
      gcpPut: await presignAndHarvest('presign/gcp-put', 'gcp', `gs://${BUCKET}/rw/put.txt`, 'PUT'),
      gcpKey: await presignAndHarvest('presign/gcp-key', 'gcp', `gs://${BUCKET}/key/a.txt`),
      azure: await presignAndHarvest('presign/azure-get', 'azure', `${AZ}/ro/a.txt`),
      azurePut: await presignAndHarvest('presign/azure-put', 'azure', `${AZ}/rw/put.txt`, 'PUT'),
      azureCs: await presignAndHarvest('presign/azure-cs', 'azure', `${AZ}/cs/a.txt`),
      memory: await presignAndHarvest('presign/memory-get', 'memory', 'memory://canary-mem/in/a.txt'),
      file: await presignAndHarvest('presign/file-get', 'file', `file://${path.join(dir, 'files', 'in', 'a.txt')}`),
    };
    // The URLs work (so the harvested signatures are the real ones).
    expect((await cloud.fetch(urls.aws)).status).toBe(200);
    expect((await cloud.fetch(urls.gcp)).status).toBe(200);
    expect((await cloud.fetch(urls.azure)).status).toBe(200);
    expect((await fetchPresigned(urls.memory)).status).toBe(200);
    for (const p of ['aws', 'gcp', 'azure', 'memory', 'file']) expect(canaries.count(`presign.${p}.`)).toBeGreaterThanOrEqual(1);
    // Session credentials from STS sign the assume-role URLs (their token is already a canary).
    expect(canaries.entries().some(([label, value]) => label.startsWith('aws.sts.sessionToken') && urls.aws.includes(value))).toBe(true);

    const realHost = {
      aws: onRealHost(urls.aws, 'aws'), gcp: onRealHost(urls.gcp, 'gcp'), azure: onRealHost(urls.azure, 'azure'),
      awsOther: onRealHost(urls.aws, 'aws').replace(`${BUCKET}.`, `${OTHER_BUCKET}.`),
    };
    // Hidden from printing, the original URL is still there for the https provider to fetch.
    expect(parseAssetUri(realHost.aws).originalUrl).toBe(realHost.aws);
    expect(sweep.thrown('fed/memory:parse-direct', () => parseAssetUri(urls.memory)).code).toBe('INVALID_URI');
    const fed = [...Object.entries(urls), ...Object.entries(realHost).map(([k, v]) => [`${k}-real-host`, v] as const)];
    for (const [name, url] of [...fed, ...fed.map(([k, v]) => [`${k}-tampered`, tamper(v)] as const)]) {
      // parseAssetUri and match: the location (non-enumerable originalUrl included) and the reason.
      try { sweep.record(`fed/${name}:parse`, parseAssetUri(url)); } catch (error) { sweep.record(`fed/${name}:parse-error`, error); }
      try { sweep.record(`fed/${name}:match`, resolver.match(url)); } catch (error) { sweep.record(`fed/${name}:match-error`, error); }
      try { sweep.record(`fed/${name}:match-https`, resolver.match(url, 'https-any')); } catch (error) { sweep.record(`fed/${name}:match-https-error`, error); }
      for (const ref of [undefined, 'https-any', 'aws-ro', 'mem-ro'] as const) {
        let asset;
        try { asset = await resolver.resolveAsset(url, ref); } catch (error) { sweep.record(`fed/${name}@${ref}:resolve-error`, error); continue; }
        sweep.record(`fed/${name}@${ref}:asset`, asset);
        sweep.record(`fed/${name}@${ref}:location`, asset.location);
        // Writes only where they are refused: the fed URLs name real objects other tests read.
        for (const op of asset.mode === 'read-only' ? ['head', 'bytes', 'write', 'presign'] as const : ['head', 'presign'] as const) {
          try {
            const result = op === 'presign' ? await asset.presign({ ttlSeconds: 60 }) : op === 'write' ? await asset.write('x') : await asset[op]();
            sweep.record(`fed/${name}@${ref}:${op}`, op === 'presign' ? { ...(result as { url: string }), url: undefined } : result);
          } catch (error) {
            sweep.record(`fed/${name}@${ref}:${op}-error`, error);
          }
        }
      }
    }
    // fetchPresigned refuses a tampered local URL the way a cloud would (403), without echoing it.
    const refused = await fetchPresigned(tamper(urls.memory));
    expect(refused.status).toBe(403);
    sweep.text('fetchPresigned/tampered:body', await refused.text());
  });

  it('presigned URLs in errors are redacted: [REDACTED] stands where each signature was', () => {
    const signedUrls = canaries.entries().filter(([l]) => l.startsWith('presign.'));
    expect(signedUrls.length).toBeGreaterThanOrEqual(8);
    const samples = [
      `https://b.s3.amazonaws.com/k?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=${C.awsStaticKeyId}%2F20240101%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Security-Token=${C.awsBadToken}&X-Amz-Signature=${C.tamperedSig}`,
      `https://storage.googleapis.com/b/k?X-Goog-Algorithm=GOOG4-RSA-SHA256&X-Goog-Credential=${C.awsBadSecret}&X-Goog-Signature=${C.tamperedSig}`,
      `https://acct.blob.core.windows.net/c/k?sv=2025-07-05&sr=b&sp=r&sig=${encodeURIComponent(C.tamperedSig)}`,
      `memory://canary-mem/in/a.txt?X-AssetLink-Method=GET&X-AssetLink-Signature=${C.tamperedSig}`,
    ];
    for (const url of samples) {
      const error = new ProviderError(`GET ${url} failed`, { uri: url, cause: new Error(`request to ${url} failed`) });
      const shown = renderings(error).map(([, text]) => text).join('\n');
      for (const secret of [C.tamperedSig, C.awsStaticKeyId, C.awsBadToken, C.awsBadSecret]) expect(shown).not.toContain(secret);
      expect(error.uri).toContain(`=${REDACTED}`);
      expect((error.cause as Error).message).toContain(`=${REDACTED}`);
    }
    // And each genuine presigned URL issued above redacts to [REDACTED] in place of every signature.
    const issued = sweep.surfaces.filter((s) => s.name.startsWith('presign/')).length;
    expect(issued).toBeGreaterThan(0);
    for (const [label, value] of signedUrls) {
      const param = label.split('.')[2]!.replace(/#\d+$/, '');
      const redacted = redactUrl(`https://h.example/k?a=1&${param}=${encodeURIComponent(value)}&z=2`);
      expect(redacted, label).toBe(`https://h.example/k?a=1&${param}=${REDACTED}&z=2`);
    }
  });

  it('https provider: refused, failing, hanging and redirecting origins (Locations carry signatures and passwords)', async () => {
    const base = `https://${origin.host}:${origin.port}`;
    const short = makeResolver({ requestTimeoutMs: 500 });
    const codes: Record<string, string | undefined> = {};
    const head = async (name: string, url: string, r = resolver) => (await sweep.failure(`https/${name}`, (await r.resolveAsset(url, 'https-any')).head())).code;
    codes.tampered = await head('tampered-signature', `${base}/signed/obj.bin?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Signature=${C.tamperedSig}&X-Amz-Expires=600&X-Amz-Date=20300101T000000Z`);
    codes.failing = await head('failing', `${base}/fail/obj.bin?sig=${C.tamperedSig}&se=2030-01-01`);
    codes.missing = await head('missing', `${base}/gone/obj.bin?X-Goog-Signature=${C.tamperedSig}&X-Goog-Expires=600&X-Goog-Date=20300101T000000Z`);
    codes.hang = await head('hang', `${base}/hang/obj.bin?sig=${C.tamperedSig}&se=2030-01-01`, short);
    codes.metadata = await head('redirect-metadata', `${base}/redirect/metadata`);
    codes.http = await head('redirect-http', `${base}/redirect/http`);
    codes.userinfo = await head('redirect-userinfo', `${base}/redirect/userinfo`);
    codes.elsewhere = await head('redirect-elsewhere', `${base}/redirect/elsewhere`);
    codes.privateCloudHost = await head('cloud-host-private-address', `https://${OTHER_BUCKET}.s3.us-east-1.amazonaws.com/k?X-Amz-Signature=${C.tamperedSig}`);
    codes.userinfoUri = (await sweep.failure('https/userinfo-in-uri', resolver.resolveAsset(`https://admin:${C.userinfoPassword}@${origin.host}/ok/a.txt`))).code;
    codes.blocked = (await sweep.failure('https/blocked-host', resolver.resolveAsset(`https://not-allowed.test/k?sig=${C.tamperedSig}`, 'https-any'))).code;
    codes.unsupported = (await sweep.failure('https/unsupported-scheme', resolver.resolveAsset(`gcs://${BUCKET}/ro/a.txt?X-Goog-Signature=${C.tamperedSig}`))).code;
    codes.ttl = (await sweep.failure('https/presign-past-expiry', (await resolver.resolveAsset(`${base}/ok/a.txt?sig=${C.tamperedSig}&se=2000-01-01`, 'https-any')).presign({ ttlSeconds: 60 }))).code;
    codes.tooLarge = (await sweep.failure('https/body-too-large', (await resolver.resolveAsset(`${base}/huge/obj.bin?sig=${C.tamperedSig}&se=2030-01-01`, 'https-any')).bytes())).code;
    expect(codes).toEqual({
      tampered: 'ACCESS_DENIED', failing: 'PROVIDER_ERROR', missing: 'NOT_FOUND', hang: 'TIMEOUT', metadata: 'BLOCKED_HOST', http: 'BLOCKED_HOST',
      userinfo: 'BLOCKED_HOST', elsewhere: 'BLOCKED_HOST', privateCloudHost: 'BLOCKED_HOST', userinfoUri: 'INVALID_URI', blocked: 'BLOCKED_HOST',
      unsupported: 'UNSUPPORTED_URI', ttl: 'INVALID_TTL', tooLarge: 'BODY_TOO_LARGE',
    });
  });

  it('listing: entries, split ranges, events and failures of every listing provider', async () => {
    const drain = async (uri: string, options: Parameters<AssetResolver['list']>[1] = {}): Promise<unknown[]> => {
      const out: unknown[] = [];
      for await (const entry of resolver.list(uri, options)) out.push(entry);
      return out;
    };
    for (const [name, uri] of [['aws', `s3://${BUCKET}/ro/`], ['aws-ak', `s3://${BUCKET}/ak/`], ['gcp', `gs://${BUCKET}/ro/`], ['gcp-key', `gs://${BUCKET}/key/`], ['memory', 'memory://canary-mem/in/'], ['file', `file://${dir}/files/`]] as const) {
      const entries = await drain(uri);
      expect(entries.length, name).toBeGreaterThan(0);
      sweep.record(`list/${name}:entries`, entries);
      sweep.record(`list/${name}:folders`, await drain(uri, { recursive: false }));
      sweep.record(`list/${name}:split`, await resolver.splitListing(uri, 2));
    }
    const aborted = new AbortController();
    aborted.abort();
    const codes: Record<string, string | undefined> = {};
    codes.aborted = (await sweep.failure('list/aborted', drain(`s3://${BUCKET}/ro/`, { signal: aborted.signal }))).code;
    codes.wider = (await sweep.failure('list/wider-than-scope', drain(`s3://${BUCKET}/`, { integration: 'aws-ro' }))).code;
    codes.badKey = (await sweep.failure('list/bad-key', drain(`s3://${BUCKET}/bad/`))).code;
    codes.wrongExternalId = (await sweep.failure('list/wrong-external-id', drain(`s3://${BUCKET}/wrong/`))).code;
    codes.unknownKey = (await sweep.failure('list/gcp-unknown-key', drain(`gs://${BUCKET}/unknown/`))).code;
    codes.badGlob = (await sweep.failure('list/bad-glob', drain(`s3://${BUCKET}/ro/`, { match: "a**" }))).code;
    // Vending (docs/vending.md): the credentials object masks its secrets; a provider that cannot vend is refused.
    sweep.record('vend/aws-ro', await resolver.vend(`s3://${BUCKET}/ro/`, { ttlSeconds: 900 }));
    codes.vendUnsupported = (await sweep.failure('vend/memory', resolver.vend('memory://canary-mem/in/', { ttlSeconds: 900 }))).code;
    // A presigned URL carries its credential by design (as for presign above): every other field and the errors are swept.
    const many = await resolver.presignMany([`s3://${BUCKET}/ro/a.txt`, `s3://${BUCKET}/nope/x`], 60);
    for (const r of many) if (!(r instanceof Error)) harvestUrl('aws', r.url);
    sweep.record('presignMany/mixed', many.map((r) => (r instanceof Error ? r : (({ url: _url, ...rest }) => rest)(r))));
    expect(codes).toEqual({
      aborted: 'ABORTED', wider: 'OUT_OF_SCOPE', badKey: 'ACCESS_DENIED', wrongExternalId: 'ACCESS_DENIED', unknownKey: codes.unknownKey, badGlob: 'INVALID_ARGUMENT',
      vendUnsupported: 'VEND_UNSUPPORTED',
    });
    expect(['ACCESS_DENIED', 'CREDENTIALS_UNAVAILABLE']).toContain(codes.unknownKey);
  });

  it('token services and storage failing: throttling, 5xx, hangs (TIMEOUT), with short timeouts', async () => {
    const { aws: a, gcp: g, azure: z } = cloud as Required<FakeCloud>;
    const clearGcp = (): void => { for (const fake of [g.iam, g.sts, g.gcs] as Array<{ clearFaults?: () => void }>) fake.clearFaults?.(); };
    // No storage-client retries: each fault is seen once, quickly.
    const short = makeResolver({ requestTimeoutMs: 400, platform: { ...platform, gcp: { ...platform.gcp, maxRetries: 0 } } });
    const fresh = async (id: string): Promise<void> => {
      // A new registration drops cached credentials, so the next call goes to the token service.
      short.addIntegration(integrations.find((i) => i.id === id)!);
    };
    const codes: Record<string, string | undefined> = {};
    const run = async (name: string, id: string, uri: string, inject: () => void, clear: () => void): Promise<void> => {
      await fresh(id);
      inject();
      try {
        codes[name] = (await sweep.failure(`faults/${name}`, (await short.resolveAsset(uri)).head())).code;
      } finally {
        clear();
      }
    };
    await run('stsThrottle', 'aws-ro', `s3://${BUCKET}/ro/a.txt`, () => a.sts.injectFault({ type: 'throttle' }, 10), () => a.sts.clearFaults());
    await run('sts5xx', 'aws-ro', `s3://${BUCKET}/ro/a.txt`, () => a.sts.injectFault({ type: 'server-error' }, 10), () => a.sts.clearFaults());
    await run('stsHang', 'aws-ro', `s3://${BUCKET}/ro/a.txt`, () => a.sts.injectFault({ type: 'hang' }, 10), () => a.sts.clearFaults());
    await run('s3SlowDown', 'aws-ak', `s3://${BUCKET}/ak/a.txt`, () => a.s3.injectFault({ type: 'slow-down' }, 10), () => a.s3.clearFaults());
    await run('s3Hang', 'aws-ak', `s3://${BUCKET}/ak/a.txt`, () => a.s3.injectFault({ type: 'hang' }, 10), () => a.s3.clearFaults());
    await run('iamThrottle', 'gcp-ro', `gs://${BUCKET}/ro/a.txt`, () => g.iam.injectFault({ status: 429, times: 10 }), clearGcp);
    await run('iamHang', 'gcp-rw', `gs://${BUCKET}/rw/a.txt`, () => g.iam.injectFault({ delayMs: 1500, times: 10 }), clearGcp);
    await run('gcpSts5xx', 'gcp-ro', `gs://${BUCKET}/ro/a.txt`, () => g.sts.injectFault({ status: 503, times: 10 }), clearGcp);
    await run('gcs5xx', 'gcp-key', `gs://${BUCKET}/key/a.txt`, () => g.gcs.injectFault({ status: 503, times: 10 }), clearGcp);
    await run('gcsHang', 'gcp-key', `gs://${BUCKET}/key/a.txt`, () => g.gcs.injectFault({ delayMs: 1500, times: 10 }), clearGcp);
    await run('entra5xx', 'azure-cs', `${AZ}/cs/a.txt`, () => z.entra.injectFault({ status: 503, times: 10 }), () => z.entra.clearFaults());
    await run('entraHang', 'azure-ro', `${AZ}/ro/a.txt`, () => { z.entra.delayMs = 1500; }, () => { z.entra.delayMs = 0; });
    expect(codes).toMatchObject({ stsThrottle: 'CREDENTIALS_UNAVAILABLE', sts5xx: 'CREDENTIALS_UNAVAILABLE', iamThrottle: 'CREDENTIALS_UNAVAILABLE', gcpSts5xx: 'CREDENTIALS_UNAVAILABLE', entra5xx: 'CREDENTIALS_UNAVAILABLE' });
    expect(['CREDENTIALS_UNAVAILABLE', 'TIMEOUT']).toContain(codes.stsHang);
    expect(codes.s3Hang).toBe('TIMEOUT');
    expect(codes.gcsHang).toBe('TIMEOUT');
    expect(codes.s3SlowDown).toBe('PROVIDER_ERROR');
    expect(codes.gcs5xx).toBe('PROVIDER_ERROR');
    expect(['CREDENTIALS_UNAVAILABLE', 'TIMEOUT']).toContain(codes.iamHang);
    expect(['CREDENTIALS_UNAVAILABLE', 'TIMEOUT']).toContain(codes.entraHang);
  }, 60_000);

  it('verify(): reports of passing and failing integrations, with every check run', async () => {
    const statuses: Record<string, string> = {};
    for (const i of integrations) {
      if (i.provider === 'https' || i.provider === 'file' || i.provider === 'memory') continue;
      const prefix = (i.scope as { prefix?: string }).prefix ?? '';
      const sample = i.provider === 'azure' ? `${AZ}/${prefix}/a.txt` : `${i.provider === 'aws' ? 's3' : 'gs'}://${BUCKET}/${prefix}/a.txt`;
      const report = await resolver.verify(i.id, { sampleUri: sample, origin: 'https://app.example.com', onCheck: (check) => sweep.record(`verify/${i.id}:check`, check) });
      sweep.record(`verify/${i.id}:report`, report);
      statuses[i.id] = report.status;
    }
    expect(statuses).toMatchObject({ 'aws-ro': 'active', 'aws-wrong-external-id': 'pending', 'aws-ak-bad': 'pending', 'gcp-locked': 'pending', 'gcp-key-unknown': 'pending', 'azure-cs-wrong': 'pending', 'azure-forged': 'pending' });
    sweep.record('verify/unknown-id', await resolver.verify('no-such-id').catch((e: unknown) => e));
    // A probe key that already holds an object is refused before anything is written.
    const awsRo = integrations.find((i) => i.id === 'aws-ro')!;
    sweep.record('verify/existing-probe-key', await resolver.verify('aws-ro', { probeKey: `${(awsRo.scope as { prefix?: string }).prefix ?? ''}/a.txt` }).catch((e: unknown) => e));
  });

  it('registration: invalid integrations with secrets in them, ad-hoc conflicts, summaries, setup plans', () => {
    const bad: Array<[string, unknown]> = [
      ['external-id-with-space', { ...integrations[0], auth: { kind: 'assume-role', roleArn: ROLE_RO, externalId: `${C.externalIdRo} x` } }],
      ['lower-case-key-id', { ...integrations[3], auth: { kind: 'access-key', accessKeyId: C.awsStaticSecret, secretAccessKey: C.awsStaticSecret } }],
      ['empty-secret', { ...integrations[3], auth: { kind: 'access-key', accessKeyId: C.awsStaticKeyId, secretAccessKey: '' } }],
      ['not-a-pem', { ...integrations[9], auth: { kind: 'service-account-key', credentials: { client_email: SA.keyed, private_key: C.azureClientSecret } } }],
      ['secret-without-tenant', { ...integrations[13], auth: { kind: 'client-secret', tenantId: '', clientId: APP_SECRET, clientSecret: C.azureClientSecret } }],
      ['unknown-kind', { ...integrations[3], auth: { kind: 'password', password: C.awsStaticSecret } }],
    ];
    for (const [name, value] of bad) {
      const error = sweep.thrown(`register/${name}`, () => resolver.addIntegration(value as Integration));
      expect(error.code, name).toBe('INVALID_INTEGRATION');
      sweep.thrown(`validate/${name}`, () => validateIntegration(value as Integration));
    }
    sweep.thrown('register/ad-hoc-conflict', () => resolver.match(`s3://${BUCKET}/ak/a.txt`, { ...integrations[3]!, scope: { bucket: BUCKET }, auth: { kind: 'access-key', accessKeyId: C.awsBadKeyId, secretAccessKey: C.awsBadSecret } } as Integration));
    for (const i of integrations) {
      sweep.record(`summary/${i.id}:addIntegration`, makeResolver({ integrations: [] }).addIntegration(i));
      sweep.record(`registered/${i.id}`, resolver.integration(i.id));
    }
    sweep.record('resolver:listIntegrations', resolver.listIntegrations());
    sweep.record('resolver', resolver);
    const setupOptions = {
      platform: {
        aws: { principalArn: `arn:aws:iam::${AWS_ACCOUNT}:role/assetlink-platform` },
        gcp: { serviceAccount: GCP_PLATFORM },
        azure: { issuer: cloud.azure!.issuer.issuer, subject: `canary:${RUN}` },
      },
      origins: ['https://app.example.com'],
    };
    for (const i of integrations) {
      if (i.provider !== 'aws' && i.provider !== 'gcp' && i.provider !== 'azure') continue;
      const plan = generateSetup(i, setupOptions);
      for (const step of [...plan.steps, ...plan.alternatives]) sweep.record(`setup/${i.id}/${step.id}`, step);
      sweep.record(`setup/${i.id}:notes`, plan.notes);
      sweep.text(`setup/${i.id}:formatted`, formatSetup(plan));
    }
  });

  it('credential caches and the Redis store: contents, serialisation, a dead Redis, tampered entries', async () => {
    // A standalone cache holding canary credentials, and a fetcher whose raw error quotes a signed URL.
    const cache = new CredentialCache({ emit: onEvent });
    await cache.get('cache-int|aws|scope', { integrationId: 'cache-int', scope: 's3://b/p' }, async () => ({ value: { secretAccessKey: C.awsStaticSecret, sessionToken: C.awsBadToken }, expiresAt: Date.now() + 600_000 }));
    sweep.record('cache:standalone', cache);
    await sweep.failure('cache/raw-fetch-error', cache.get('cache-int|gcp|scope', { integrationId: 'cache-int', scope: 'gs://b/p' }, async () => {
      throw new Error(`token exchange failed for https://sts.example/token?X-Goog-Signature=${C.tamperedSig}&access=1`);
    }));

    // An encrypted store on an in-memory Redis: nothing in Redis carries a canary, tampering is a miss.
    const data = new Map<string, string>();
    const client: RedisLike = {
      get: async (k) => data.get(k) ?? null,
      set: async (k: string, v: string) => { data.set(k, v); return 'OK'; },
      del: async (k) => data.delete(k),
      eval: async () => 1,
      quit: async () => 'OK',
    };
    const redis = await createRedisCredentialStore({ client, encryptionKey: C.redisKey });
    const shared = new CredentialCache({ store: redis, emit: onEvent });
    const value = await shared.get(`gcp-key|gcp|${BUCKET}`, { integrationId: 'gcp-key', scope: `gs://${BUCKET}/key/` }, async () => ({ value: { token: C.gcpPlatformToken, secretAccessKey: C.awsPlatformSecret }, expiresAt: Date.now() + 600_000 }));
    expect(value).toMatchObject({ token: C.gcpPlatformToken });
    expect(data.size).toBeGreaterThan(0);
    sweep.text('redis:contents', JSON.stringify([...data]));
    sweep.text('redis:contents-decoded', [...data.values()].map((v) => Buffer.from(v, 'base64').toString('latin1')).join('\n'));
    sweep.record('redis:store', redis);
    sweep.record('redis:cache', shared);
    for (const k of data.keys()) data.set(k, `${data.get(k)!.slice(0, -4)}AAAA`);
    expect(await redis.get(`gcp-key|gcp|${BUCKET}`)).toBeUndefined();

    // A Redis that is down, reached through a URL with a password: resolves fall back to the in-process cache.
    const dead = await createRedisCredentialStore({ url: `redis://default:${C.redisPassword}@127.0.0.1:9/0`, encryptionKey: C.redisKey, commandTimeoutMs: 200 });
    sweep.record('redis:dead-store', dead);
    try {
      const withDead = makeResolver({ cache: { store: dead } });
      expect(new TextDecoder().decode(await (await withDead.resolveAsset(`s3://${BUCKET}/ro/a.txt`)).bytes())).toBe('aws bytes');
      await sweep.failure('redis/dead:not-found', (await withDead.resolveAsset(`s3://${BUCKET}/ro/missing.txt`)).head());
    } finally {
      await dead.close();
    }
    expect(events.some((e) => e.type === 'cache.store-unavailable')).toBe(true);
    expect(store.keys.length).toBeGreaterThan(3);
  });

  it('platform identities failing: GCP authClient throwing, the default resolver, top-level functions', async () => {
    // Shaped like a GaxiosError from google-auth-library: the request (bearer token, form body with
    // the assertion) and the response ride along on the error object; the message is the OAuth error.
    const gaxiosLike = (): Error => Object.assign(new Error('invalid_grant: Invalid JWT Signature.'), {
      name: 'GaxiosError', code: '400', status: 400,
      config: { url: 'https://oauth2.googleapis.com/token', method: 'POST', headers: { Authorization: `Bearer ${C.gcpPlatformToken}` }, data: `grant_type=jwt-bearer&assertion=${C.authClientError}` },
      response: { status: 400, data: { error: 'invalid_grant', error_description: 'Invalid JWT Signature.' }, config: { headers: { Authorization: `Bearer ${C.gcpPlatformToken}` } } },
    });
    const broken = makeResolver({ platform: { ...platform, gcp: { ...platform.gcp, authClient: { getAccessToken: async () => { throw gaxiosLike(); } } } } });
    expect((await sweep.failure('platform/gcp-auth-client-throws', (await broken.resolveAsset(`gs://${BUCKET}/rw/a.txt`)).head())).code).toBe('CREDENTIALS_UNAVAILABLE');
    const keyed = makeResolver({ platform: { ...platform, gcp: { ...platform.gcp, authClient: undefined, credentials: { client_email: GCP_PLATFORM_KEYED, private_key: gcpPlatformKey.pem } } } });
    expect(new TextDecoder().decode(await (await keyed.resolveAsset(`gs://${BUCKET}/ro/a.txt`)).bytes())).toBe('gcp bytes');
    await presignAndHarvest('presign/gcp-platform-key', 'gcp', `gs://${BUCKET}/ro/a.txt`, 'GET', keyed);
    const badPlatform = makeResolver({ platform: { ...platform, aws: { ...platform.aws, credentials: { accessKeyId: C.awsBadKeyId, secretAccessKey: C.awsBadSecret } } } });
    expect((await sweep.failure('platform/aws-bad-platform-key', (await badPlatform.resolveAsset(`s3://${BUCKET}/ro/a.txt`)).head())).code).toBe('CREDENTIALS_UNAVAILABLE');
    expect((await sweep.failure('platform/aws-bad-platform-key-xa', (await badPlatform.resolveAsset(`s3://${BUCKET}/xa/a.txt`)).head())).code).toBe('ACCESS_DENIED');

    const top = configure({ platform, integrations, onEvent });
    resolvers.push(top);
    expect(new TextDecoder().decode(await (await topLevelResolve(`s3://${BUCKET}/ak/a.txt`)).bytes())).toBe('aws bytes');
    await sweep.failure('top-level/wrong-external-id', topLevelPresign(`s3://${BUCKET}/wrong/a.txt`, 60));
    await sweep.failure('top-level/out-of-scope', topLevelResolve(`s3://${BUCKET}/ro/a.txt`, 'aws-ak'));
    sweep.record('top-level/resolver', top);

    // Refreshes: with a refresh window longer than the credentials live, every later call refreshes in the background.
    const eager = makeResolver({ cache: { store, refreshBeforeExpirySeconds: 7200 } });
    for (const uri of [`s3://${BUCKET}/ro/a.txt`, `gs://${BUCKET}/ro/a.txt`, `${AZ}/cs/a.txt`]) {
      await (await eager.resolveAsset(uri)).head();
      await (await eager.resolveAsset(uri)).head();
    }
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(events.some((e) => e.type === 'credentials.refreshed')).toBe(true);
    // The provider drivers, as the resolver hands them out.
    for (const provider of ['aws', 'gcp', 'azure', 'https', 'memory', 'file'] as const) sweep.record(`driver/${provider}`, await eager.driver(provider));
  });

  it('CLI: failing commands print no secret on stdout or stderr', async () => {
    const cliIntegrations = integrations.filter((i) => !(i.provider === 'azure' && i.auth.kind === 'federated'));
    const config = {
      platform: { aws: platform.aws, gcp: { ...platform.gcp, authClient: undefined, credentials: { client_email: GCP_PLATFORM_KEYED, private_key: gcpPlatformKey.pem } }, azure: platform.azure },
      integrations: cliIntegrations,
      setup: { platform: { aws: { principalArn: `arn:aws:iam::${AWS_ACCOUNT}:role/assetlink-platform` } } },
    };
    const file = path.join(dir, 'assetlink.json');
    await fs.writeFile(file, JSON.stringify(config));
    // A YAML config with a syntax error on the line that holds a secret.
    const yamlFile = path.join(dir, 'broken.yaml');
    await fs.writeFile(yamlFile, `integrations:\n  - id: yaml-ak\n    provider: aws\n    scope: { bucket: ${BUCKET} }\n    auth: { kind: access-key, accessKeyId: ${C.awsStaticKeyId}, secretAccessKey: ${C.awsStaticSecret}: oops }\n`);
    const runs = await Promise.all([
      runCli(['resolve', `s3://${BUCKET}/wrong/a.txt`, '--config', file]),
      runCli(['resolve', `s3://${BUCKET}/bad/a.txt`, '--config', file, '--json']),
      runCli(['resolve', `s3://${BUCKET}/ak/missing.txt`, '--config', file]),
      runCli(['presign', `s3://${BUCKET}/ro/a.txt`, '--ttl', '0', '--config', file]),
      runCli(['presign', `s3://${BUCKET}/ro/a.txt`, '--put', '--config', file]),
      runCli(['verify', 'aws-ak-bad', '--config', file]),
      runCli(['verify', 'aws-wrong-external-id', '--config', file, '--json']),
      runCli(['verify', 'gcp-key-unknown', '--config', file, '--json']),
      runCli(['resolve', `${AZ}/cswrong/a.txt`, '--config', file]),
      runCli(['match', tamper(onRealHost(`http://x/${BUCKET}/nobody/a.txt?X-Amz-Signature=${C.tamperedSig}&X-Amz-Credential=${C.awsStaticKeyId}`, 'aws')), '--config', file, '--json']),
      runCli(['match', `memory://canary-mem/elsewhere/a.txt?X-AssetLink-Signature=${C.tamperedSig}`, '--config', file, '--json']),
      runCli(['setup', 'aws-ro', '--config', file]),
      runCli(['setup', 'aws-ak', '--config', file, '--json']),
      runCli(['resolve', `s3://${BUCKET}/ak/a.txt`, '--config', yamlFile]),
      runCli(['resolve', `s3://${BUCKET}/ak/a.txt`], { ASSETLINK_CONFIG_JSON: `{"integrations":[{"id":"x","provider":"aws","scope":{"bucket":"${BUCKET}"},"auth":{"kind":"access-key","accessKeyId":"${C.awsStaticKeyId}","secretAccessKey":"${C.awsStaticSecret}"` }),
    ]);
    const record = (run: CliRun): void => {
      const name = `cli/${run.args.slice(0, 2).join(' ').replace(/\?.*/, '?…')}${run.args.includes('--json') ? ' --json' : ''}`;
      sweep.text(`${name}:stdout`, run.stdout);
      sweep.text(`${name}:stderr`, run.stderr);
    };
    runs.forEach(record);
    // Each command took the path it was meant to (exit codes by error class, see src/cli/main.ts).
    expect(runs.map((r) => r.code), runs.map((r) => `${r.args.join(' ')} → ${r.code} ${r.stderr}`).join('\n')).toEqual([7, 7, 9, 2, 5, 12, 12, 12, 7, 0, 3, 0, 0, 2, 2]);
    expect(runs[0]!.stderr).toContain('ACCESS_DENIED');
    expect(runs[3]!.stderr).toContain('INVALID_TTL');
    expect(runs[11]!.stdout).toContain(C.externalIdRo); // the trust policy the customer pastes (allowed below)
    expect(runs[13]!.stderr).toContain('is not valid YAML');
  }, 240_000);

  it('events and telemetry: every event and span recorded', () => {
    const types = new Set(events.map((e) => e.type));
    for (const t of ['credentials.minted', 'credentials.refreshed', 'credentials.failed', 'asset.read', 'asset.written', 'asset.deleted', 'asset.head', 'presign.issued', 'write.refused', 'scope.refused', 'cache.store-unavailable'] as const) {
      expect(types, t).toContain(t);
    }
    events.forEach((e, i) => sweep.record(`event/${e.type}#${i}`, e));
    expect(telemetry.length).toBeGreaterThan(50);
    telemetry.forEach((t, i) => sweep.record(`otel#${i}`, t));
  });

  it('every error code was driven (MISSING_DEPENDENCY needs an uninstalled SDK and is left out)', () => {
    const assetlinkCodes = [...sweep.codes].filter((c) => (ERROR_CODES as readonly string[]).includes(c));
    expect(assetlinkCodes.sort()).toEqual(ERROR_CODES.filter((c) => c !== 'MISSING_DEPENDENCY').sort());
  });

  it('no canary appears in any surface', () => {
    const allowances: Allowance[] = [
      // The ExternalId must appear in the trust policy the customer pastes (and in the CLI output of `setup`).
      { surface: /^setup\/aws-[a-z-]+\/aws\.trust-policy:/, canary: /^aws\.externalId\./, why: 'trust policy condition sts:ExternalId' },
      { surface: /^setup\/aws-[a-z-]+:formatted$/, canary: /^aws\.externalId\./, why: 'formatted plan includes the trust policy' },
      { surface: /^cli\/setup aws-ro(?: --json)?:stdout$/, canary: /^aws\.externalId\./, why: 'assetlink setup prints the trust policy' },
    ];
    const found = leaks(sweep.surfaces, canaries, allowances);
    console.info(`canary sweep: ${sweep.surfaces.length} surfaces, ${canaries.size} canaries (${summary()}), ${found.length} leaks`);
    expect(sweep.surfaces.length).toBeGreaterThan(1000);
    expect(found, describeLeaks(found)).toEqual([]);
  });
});

function summary(): string {
  const groups = new Map<string, number>();
  for (const label of canaries.labels()) {
    const group = label.split(/[.#]/).slice(0, 2).join('.');
    groups.set(group, (groups.get(group) ?? 0) + 1);
  }
  return [...groups].map(([g, n]) => `${g}×${n}`).join(', ');
}

