import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type https from 'node:https';
import { importOptional, missingDependency } from '../../optional-import.js';
import { createTrustingAgent, storagePipeline } from '../../resolvers/azure/http.js';
import { BlobEndpoint } from '../../resolvers/azure/url.js';
import { createTestCertificate, type TestCertificate } from './tls.js';
import { patchSnapshotSas } from './azurite-snapshot-sas.js';

/** Azurite's one built-in account and its published key. */
export const AZURITE_DEFAULT_ACCOUNT = 'devstoreaccount1';
/** The published shared key of `devstoreaccount1` (a well-known test value, not a secret). */
export const AZURITE_DEFAULT_KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

/** Options of `AzuriteBlobServer.start`. */
export interface AzuriteOptions {
  /** Certificate to serve; generated in-process when omitted. Bearer auth only works over HTTPS. */
  tls?: TestCertificate;
  /**
   * Storage accounts to serve besides `devstoreaccount1`, each with a random key. Lets tests use
   * real-looking account names with a `https://127.0.0.1:PORT/{account}` endpoint template.
   */
  accounts?: string[];
  /** Bytes of blob data kept in memory. Default 256 MiB. */
  memoryLimitBytes?: number;
}

/** One request Azurite received: raw path as sent on the wire, query parameter names only (no SAS values). */
export interface AzuriteRequest {
  method: string;
  path: string;
  queryNames: string[];
  comp?: string;
  auth: 'bearer' | 'sharedkey' | 'sas' | 'anonymous';
  /** The SAS fields that say what it grants (never its signature or key fields), when auth is 'sas'. */
  sas?: AzuriteSasGrant;
  /** Conditional request headers sent (If-None-Match / If-Match), for tests of create-only writes. */
  conditions?: { ifNoneMatch?: string; ifMatch?: string };
  /** The `x-ms-encryption-scope` header, when sent. */
  encryptionScope?: string;
  /** Set when the request was refused by a `requireEncryptionScope` rule (see there). */
  refusedForEncryptionScope?: boolean;
}

/** What a SAS grants: permissions (sp), resource (sr), directory depth (sdd), validity, protocol. */
export interface AzuriteSasGrant { sp?: string; sr?: string; sdd?: string; st?: string; se?: string; spr?: string }

/** A Blob service CORS rule, as `setCors` sets it. */
export interface AzuriteCorsRule {
  allowedOrigins: string[];
  allowedMethods: string[];
  allowedHeaders?: string[];
  exposedHeaders?: string[];
  maxAgeSeconds?: number;
}

/** A fault Azurite answers a request with instead of serving it (test harnesses: retry behaviour). */
export interface AzuriteFault {
  /** HTTP status to answer with (Azure-shaped XML error), e.g. 429, 500, 503. Omit with `delayMs`/`reset` to only delay or cut. */
  status?: number;
  /** Wait this long first. */
  delayMs?: number;
  /** Cut the connection without answering. */
  reset?: boolean;
  /** Only requests with this `comp` (e.g. 'userdelegationkey', 'list') match. Default: any. */
  comp?: string;
  /** How many matching requests get it. Default 1. */
  times?: number;
}

/** Decides, per request, whether it gets a fault (consulted when no queued fault matches). */
export type AzuriteFaultPolicy = (request: AzuriteRequest) => AzuriteFault | undefined;

/** Options of `putBlob`. */
export interface PutBlobOptions {
  /** Content-Type stored with the blob. */
  contentType?: string;
  /** Storage account. Default devstoreaccount1. */
  account?: string;
}

// ------------------------------------------------------------------- Azurite internals (untyped CJS)

interface AzuriteAccountRecord { name: string; key1: Buffer; key2?: Buffer }
interface AzuriteAccountStore { accounts: Record<string, AzuriteAccountRecord>; refresh(): void }
interface AzuriteBlobServerInstance {
  httpServer: {
    address(): AddressInfo | string | null;
    listeners(event: 'request'): Array<(req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse) => void>;
    removeAllListeners(event: 'request'): unknown;
    on(event: 'request', listener: (req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse) => void): unknown;
  };
  accountDataStore: AzuriteAccountStore;
  start(): Promise<void>;
  close(): Promise<void>;
  clean(): Promise<void>;
}
interface AzuriteConfigurationInstance {
  cert: string;
  key: string;
  getCert(option: number): { cert: string; key: string } | null;
}
type Ctor<T> = new (...args: unknown[]) => T;
interface AzuriteModules {
  BlobServer: Ctor<AzuriteBlobServerInstance>;
  BlobConfiguration: Ctor<AzuriteConfigurationInstance>;
  MemoryExtentChunkStore: Ctor<object>;
  telemetry: { enableTelemetry: boolean };
}

let azuriteModules: Promise<AzuriteModules> | undefined;

/** Azurite has no `exports` map and no types; its dist files are CommonJS modules. Loaded once. */
function loadAzurite(): Promise<AzuriteModules> {
  azuriteModules ??= loadAzuriteOnce();
  azuriteModules.catch(() => { azuriteModules = undefined; });
  return azuriteModules;
}

async function loadAzuriteOnce(): Promise<AzuriteModules> {
  const load = (path: string): Promise<Record<string, unknown>> => {
    const specifier = `azurite/dist/src/${path}.js`;
    return importOptional('azurite', () => import(specifier) as Promise<Record<string, unknown>>);
  };
  const restore = snapshotOpenTelemetryGlobals();
  try {
    const [server, config, memory, telemetry, sasSignature] = await Promise.all([
      load('blob/BlobServer'), load('blob/BlobConfiguration'), load('common/persistence/MemoryExtentStore'), load('common/Telemetry'),
      load('blob/authentication/IBlobSASSignatureValues'),
    ]);
    patchSnapshotSas(sasSignature);
    return {
      BlobServer: pick(server, 'default') as Ctor<AzuriteBlobServerInstance>,
      BlobConfiguration: pick(config, 'default') as Ctor<AzuriteConfigurationInstance>,
      MemoryExtentChunkStore: pick(memory, 'MemoryExtentChunkStore') as Ctor<object>,
      telemetry: pick(telemetry, 'AzuriteTelemetryClient') as { enableTelemetry: boolean },
    };
  } finally {
    await restore();
  }
}

/**
 * Loading Azurite loads applicationinsights, whose diagnostic-channel publishers register a global
 * OpenTelemetry tracer provider and propagator as a side effect. A test helper must not change the
 * host process's telemetry (nor make every span real), so what it registered is disabled again
 * through @opentelemetry/api when that is installed. Registrations made before are left alone.
 */
function snapshotOpenTelemetryGlobals(): () => Promise<void> {
  const key = Symbol.for('opentelemetry.js.api.1');
  const holder = globalThis as unknown as Record<symbol, Record<string, unknown> | undefined>;
  const before = new Set(Object.keys(holder[key] ?? {}));
  return async () => {
    const added = Object.keys(holder[key] ?? {}).filter((name) => !before.has(name) && name !== 'version');
    if (added.length === 0) return;
    try {
      const otel = (await import('@opentelemetry/api')) as unknown as Record<string, { disable?: () => void } | undefined>;
      for (const name of added) otel[name]?.disable?.();
    } catch {
      // No @opentelemetry/api in this process: nothing of ours can observe the registration.
    }
  };
}

/**
 * An export of a transpiled CommonJS module. Node's `import()` puts `module.exports` under
 * `default`; loaders with `__esModule` interop unwrap it one level. Look in both places.
 */
function pick(mod: Record<string, unknown>, name: string): unknown {
  const inner = mod.default as Record<string, unknown> | undefined;
  const value = name === 'default'
    ? (typeof inner?.default === 'function' ? inner.default : inner)
    : (mod[name] ?? inner?.[name]);
  if (value === undefined || value === null) throw new Error(`azurite: export "${name}" not found; is a supported azurite version installed?`);
  return value;
}

// ------------------------------------------------------------------- public runner

/**
 * Azurite's blob service, in-process, over HTTPS, with `oauth: 'basic'` (bearer tokens checked for
 * audience, issuer and lifetime; user delegation keys and user-delegation SAS enforced), in-memory
 * storage, on 127.0.0.1 and an OS-assigned port. Helpers write and read blobs through the account
 * key (a back door around the code under test).
 */
export class AzuriteBlobServer {
  readonly ca: string;
  /** Every request received, in order (tests assert what reached the wire). */
  readonly requests: AzuriteRequest[] = [];
  /** Requests answered with an injected fault. */
  faultsServed = 0;
  readonly #faults: AzuriteFault[] = [];
  /** `${account}/${container}` → the encryption scope every write there must name. */
  readonly #requiredScopes = new Map<string, string>();
  #faultPolicy: AzuriteFaultPolicy | undefined;
  readonly #tls: TestCertificate;
  readonly #accounts: Map<string, string>;
  readonly #memoryLimit: number;
  #server: AzuriteBlobServerInstance | undefined;
  #port = 0;
  #agent: https.Agent | undefined;

  private constructor(tls: TestCertificate, options: AzuriteOptions) {
    this.#tls = tls;
    this.ca = tls.ca;
    this.#accounts = new Map([[AZURITE_DEFAULT_ACCOUNT, AZURITE_DEFAULT_KEY]]);
    for (const name of options.accounts ?? []) this.#accounts.set(name, randomBytes(64).toString('base64'));
    this.#memoryLimit = options.memoryLimitBytes ?? 256 * 1024 * 1024;
  }

  /** Starts Azurite's blob service in-process over HTTPS (bearer tokens need TLS) on a loopback port. */
  static async start(options: AzuriteOptions = {}): Promise<AzuriteBlobServer> {
    const runner = new AzuriteBlobServer(options.tls ?? (await createTestCertificate()), options);
    await runner.#start();
    return runner;
  }

  async #start(): Promise<void> {
    const azurite = await loadAzurite();
    // In-process Azurite never initialises its telemetry client; make "off" explicit anyway.
    azurite.telemetry.enableTelemetry = false;
    const tls = this.#tls;
    const config = new azurite.BlobConfiguration(
      '127.0.0.1', 0, undefined,
      'assetlink-azurite-metadata', 'assetlink-azurite-extents', [],
      false, undefined, false, undefined,
      /* loose */ false, /* skipApiVersionCheck */ true,
      // Azurite reads cert/key from files; keep them in memory instead (see getCert below).
      'in-memory-cert', 'in-memory-key', '',
      /* oauth */ 'basic', /* disableProductStyleUrl */ false,
      /* isMemoryPersistence */ true, new azurite.MemoryExtentChunkStore(this.#memoryLimit),
    );
    config.getCert = () => ({ cert: tls.cert, key: tls.key });
    const server = new azurite.BlobServer(config);
    // Serve the requested accounts; Azurite otherwise re-reads them from AZURITE_ACCOUNTS every minute.
    const store = server.accountDataStore;
    const accounts: Record<string, AzuriteAccountRecord> = {};
    for (const [name, key] of this.#accounts) accounts[name] = { name, key1: Buffer.from(key, 'base64') };
    store.refresh = () => { store.accounts = accounts; };
    // Every request is recorded, then either answered with an injected fault or served by Azurite.
    const serve = server.httpServer.listeners('request');
    server.httpServer.removeAllListeners('request');
    server.httpServer.on('request', (req, res) => {
      const record = describeRequest(req);
      this.requests.push(record);
      if (this.#refuseForScope(req, record, res)) return;
      const fault = this.#nextFault(record);
      if (!fault) {
        for (const listener of serve) listener(req, res);
        return;
      }
      this.faultsServed++;
      // A delay-only fault serves the request normally afterwards.
      if (!fault.status && !fault.reset) {
        setTimeout(() => { for (const listener of serve) listener(req, res); }, fault.delayMs ?? 0);
        return;
      }
      void serveFault(req, res, fault);
    });
    await server.start();
    const address = server.httpServer.address();
    if (address === null || typeof address === 'string') throw new Error('Azurite did not report a TCP port');
    this.#port = address.port;
    this.#server = server;
    this.#agent = createTrustingAgent(this.ca);
  }

  /**
   * Every write to `container` (Put Blob, Put Block, Put Block List, Copy) must send
   * `x-ms-encryption-scope: scope`, else it is refused with 403. Azurite (3.35) accepts the header
   * but does not implement encryption scopes, so this rule is checked here, in front of it. It is
   * stricter than Azure, where a container's default scope (with override prevention) applies to
   * writes that name none: what it proves is that every write request carries the scope.
   */
  requireEncryptionScope(container: string, scope: string, account: string = AZURITE_DEFAULT_ACCOUNT): void {
    this.#requiredScopes.set(`${account}/${container}`, scope);
  }

  #refuseForScope(req: import('node:http').IncomingMessage, record: AzuriteRequest, res: import('node:http').ServerResponse): boolean {
    if (record.method !== 'PUT' || this.#requiredScopes.size === 0) return false;
    const [, account, container, ...blob] = record.path.split('/');
    if (blob.length === 0 || account === undefined || container === undefined) return false;
    const required = this.#requiredScopes.get(`${account}/${container}`);
    if (required === undefined || record.encryptionScope === required) return false;
    record.refusedForEncryptionScope = true;
    req.resume();
    const body = `<?xml version="1.0" encoding="utf-8"?><Error><Code>AuthorizationFailure</Code><Message>writes to ${container} must use encryption scope ${required} (test rule)</Message></Error>`;
    res.writeHead(403, { 'content-type': 'application/xml', 'x-ms-error-code': 'AuthorizationFailure', 'content-length': Buffer.byteLength(body) });
    res.end(body);
    return true;
  }

  /** The next matching requests get `fault` instead of an answer (`times`, default 1). */
  injectFault(fault: AzuriteFault): void {
    this.#faults.push({ ...fault, times: fault.times ?? 1 });
  }

  /** Faults by rule (e.g. a seeded "5% of key requests"); `undefined` removes it. */
  setFaultPolicy(policy: AzuriteFaultPolicy | undefined): void { this.#faultPolicy = policy; }

  /** Drops queued faults and the fault policy. */
  clearFaults(): void {
    this.#faults.length = 0;
    this.#faultPolicy = undefined;
  }

  #nextFault(request: AzuriteRequest): AzuriteFault | undefined {
    const index = this.#faults.findIndex((f) => f.comp === undefined || f.comp === request.comp);
    if (index >= 0) {
      const fault = this.#faults[index]!;
      fault.times = (fault.times ?? 1) - 1;
      if (fault.times <= 0) this.#faults.splice(index, 1);
      return fault;
    }
    const fault = this.#faultPolicy?.(request);
    return fault && (fault.comp === undefined || fault.comp === request.comp) ? fault : undefined;
  }

  /** The port it listens on. */
  get port(): number { return this.#port; }
  /** `https://127.0.0.1:PORT`. */
  get origin(): string { return `https://127.0.0.1:${this.#port}`; }
  /** `platform.azure.blobEndpoint` value mapping every served account name to its path. */
  get endpointTemplate(): string { return `${this.origin}/{account}`; }
  /** Blob service URL of one account, e.g. https://127.0.0.1:PORT/devstoreaccount1. */
  blobEndpoint(account: string = AZURITE_DEFAULT_ACCOUNT): string { return `${this.origin}/${account}`; }
  /** The storage accounts it serves. */
  accountNames(): string[] { return [...this.#accounts.keys()]; }
  /** Get User Delegation Key calls received so far. */
  get userDelegationKeyRequests(): number { return this.requests.filter((r) => r.comp === 'userdelegationkey').length; }

  /** The shared key of a served account (for back-door helpers and SAS verification in tests). */
  accountKey(account: string = AZURITE_DEFAULT_ACCOUNT): string {
    const key = this.#accounts.get(account);
    if (key === undefined) throw new Error(`Azurite is not serving account "${account}"`);
    return key;
  }

  /** Creates a container (no error if it exists). */
  async createContainer(container: string, account: string = AZURITE_DEFAULT_ACCOUNT): Promise<void> {
    const { sdk, pipeline } = await this.#backdoor(account);
    const client = new sdk.ContainerClient(`${this.blobEndpoint(account)}/${container}`, pipeline);
    await client.createIfNotExists();
  }

  /**
   * Sets a container's anonymous (public) access level, as `az storage container set-permission
   * --public-access blob|container|off` does: 'blob' serves blobs to anyone, 'container' also lists.
   */
  async setContainerPublicAccess(container: string, access: 'blob' | 'container' | 'off', account: string = AZURITE_DEFAULT_ACCOUNT): Promise<void> {
    const { sdk, pipeline } = await this.#backdoor(account);
    const client = new sdk.ContainerClient(`${this.blobEndpoint(account)}/${container}`, pipeline);
    await client.setAccessPolicy(access === 'off' ? undefined : access);
  }

  /** Puts a blob directly with the account key (seeding tests). */
  async putBlob(container: string, name: string, body: Uint8Array | string, options: PutBlobOptions = {}): Promise<void> {
    const account = options.account ?? AZURITE_DEFAULT_ACCOUNT;
    const { sdk, pipeline } = await this.#backdoor(account);
    const data = typeof body === 'string' ? Buffer.from(body) : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
    const client = new sdk.BlockBlobClient(this.#blobUrl(account, container, name), pipeline);
    await client.upload(data, data.byteLength, options.contentType ? { blobHTTPHeaders: { blobContentType: options.contentType } } : {});
  }

  /** Takes a snapshot of a blob with the account key; returns its snapshot time (what `?snapshot=` names). */
  async snapshotBlob(container: string, name: string, account: string = AZURITE_DEFAULT_ACCOUNT): Promise<string> {
    const { sdk, pipeline } = await this.#backdoor(account);
    const client = new sdk.BlobClient(this.#blobUrl(account, container, name), pipeline);
    const { snapshot } = await client.createSnapshot();
    if (!snapshot) throw new Error(`Azurite returned no snapshot time for ${container}/${name}`);
    return snapshot;
  }

  /** The blob's bytes, or undefined when it does not exist. */
  async getBlob(container: string, name: string, account: string = AZURITE_DEFAULT_ACCOUNT): Promise<Uint8Array | undefined> {
    const { sdk, pipeline } = await this.#backdoor(account);
    const client = new sdk.BlobClient(this.#blobUrl(account, container, name), pipeline);
    try {
      return new Uint8Array(await client.downloadToBuffer());
    } catch (error) {
      if ((error as { statusCode?: number }).statusCode === 404) return undefined;
      throw error;
    }
  }

  /** A blob's Content-Type, read directly, or `undefined`. */
  async getBlobContentType(container: string, name: string, account: string = AZURITE_DEFAULT_ACCOUNT): Promise<string | undefined> {
    const { sdk, pipeline } = await this.#backdoor(account);
    const client = new sdk.BlobClient(this.#blobUrl(account, container, name), pipeline);
    return (await client.getProperties()).contentType;
  }

  /** Blob names under `prefix`, read directly. */
  async listBlobs(container: string, prefix = '', account: string = AZURITE_DEFAULT_ACCOUNT): Promise<string[]> {
    const { sdk, pipeline } = await this.#backdoor(account);
    const client = new sdk.ContainerClient(`${this.blobEndpoint(account)}/${container}`, pipeline);
    const names: string[] = [];
    for await (const blob of client.listBlobsFlat(prefix ? { prefix } : {})) names.push(blob.name);
    return names;
  }

  /** Replaces the account's Blob service CORS rules (what `az storage cors add` does). */
  async setCors(rules: AzuriteCorsRule[], account: string = AZURITE_DEFAULT_ACCOUNT): Promise<void> {
    const { sdk, pipeline } = await this.#backdoor(account);
    const service = new sdk.BlobServiceClient(this.blobEndpoint(account), pipeline);
    await service.setProperties({
      cors: rules.map((rule) => ({
        allowedOrigins: rule.allowedOrigins.join(','),
        allowedMethods: rule.allowedMethods.join(','),
        allowedHeaders: (rule.allowedHeaders ?? ['*']).join(','),
        exposedHeaders: (rule.exposedHeaders ?? ['*']).join(','),
        maxAgeInSeconds: rule.maxAgeSeconds ?? 3600,
      })),
    });
  }

  /** Stops the server and frees its memory. */
  async close(): Promise<void> {
    this.#agent?.destroy();
    const server = this.#server;
    this.#server = undefined;
    if (server) {
      await server.close();
      await server.clean();
    }
  }

  /** Blob URLs are built like the driver's: a name with dot segments is refused, never rewritten. */
  #blobUrl(account: string, container: string, name: string): string {
    return new BlobEndpoint(account, { blobEndpoint: this.endpointTemplate }).blobUrl(container, name);
  }

  async #backdoor(account: string): Promise<{ sdk: typeof import('@azure/storage-blob'); pipeline: import('@azure/storage-blob').Pipeline }> {
    const sdk = await import('@azure/storage-blob').catch(missingDependency('@azure/storage-blob'));
    const credential = new sdk.StorageSharedKeyCredential(account, this.accountKey(account));
    return { sdk, pipeline: storagePipeline(sdk, credential, this.#agent, { retryOptions: { maxTries: 1 } }) };
  }
}

async function serveFault(req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse, fault: AzuriteFault): Promise<void> {
  req.resume();
  if (fault.delayMs) await new Promise((resolve) => setTimeout(resolve, fault.delayMs));
  if (fault.reset) {
    req.socket.destroy();
    return;
  }
  const status = fault.status ?? 500;
  const code = status === 503 ? 'ServerBusy' : status === 429 ? 'TooManyRequests' : status === 403 ? 'AuthorizationFailure' : 'InternalError';
  const body = `<?xml version="1.0" encoding="utf-8"?><Error><Code>${code}</Code><Message>injected fault</Message></Error>`;
  res.writeHead(status, { 'content-type': 'application/xml', 'x-ms-error-code': code, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

function describeRequest(req: import('node:http').IncomingMessage): AzuriteRequest {
  const raw = req.url ?? '/';
  const q = raw.indexOf('?');
  const params = new URLSearchParams(q === -1 ? '' : raw.slice(q + 1));
  const authorization = req.headers.authorization ?? '';
  const auth = authorization.startsWith('Bearer ') ? 'bearer'
    : authorization.startsWith('SharedKey') ? 'sharedkey'
      : params.has('sig') ? 'sas' : 'anonymous';
  const comp = params.get('comp') ?? undefined;
  const sas: AzuriteSasGrant = {};
  if (auth === 'sas') {
    for (const name of ['sp', 'sr', 'sdd', 'st', 'se', 'spr'] as const) {
      const value = params.get(name);
      if (value !== null) sas[name] = value;
    }
  }
  const ifNoneMatch = req.headers['if-none-match'];
  const ifMatch = req.headers['if-match'];
  const encryptionScope = req.headers['x-ms-encryption-scope'];
  const conditions = {
    ...(typeof ifNoneMatch === 'string' ? { ifNoneMatch } : {}),
    ...(typeof ifMatch === 'string' ? { ifMatch } : {}),
  };
  return {
    method: req.method ?? 'GET', path: q === -1 ? raw : raw.slice(0, q), queryNames: [...params.keys()], ...(comp ? { comp } : {}), auth,
    ...(auth === 'sas' ? { sas } : {}),
    ...(Object.keys(conditions).length ? { conditions } : {}),
    ...(typeof encryptionScope === 'string' ? { encryptionScope } : {}),
  };
}
