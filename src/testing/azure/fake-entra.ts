import { generateKeyPairSync, randomUUID, timingSafeEqual, type KeyObject } from 'node:crypto';
import https from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { decodeJwt, signJwt, verifyJwtSignature, type JwtClaims } from './jwt.js';
import { checkCertificateAssertion, isCertificateAssertion } from './client-certificate-assertion.js';
import { createTestCertificate, type TestCertificate } from './tls.js';

/** A federated identity credential on an app registration (what `az ad app federated-credential create` makes). */
export interface FakeFederatedCredential {
  issuer: string;
  subject: string;
  /** Default `api://AzureADTokenExchange`. */
  audience?: string;
}

/** An app registration (service principal) in one tenant. */
export interface FakeEntraApp {
  tenantId: string;
  clientId: string;
  clientSecret?: string;
  federated?: FakeFederatedCredential[];
  /** Object id of the service principal; becomes the token's `oid`. Random when omitted. */
  objectId?: string;
  /** Public certificates (PEM) registered on the app for certificate client assertions. */
  certificates?: string[];
  /** Subject name/issuer authentication: certificate assertions must carry the chain (`x5c`). */
  requireCertificateChain?: boolean;
}

/** A fault the fake Entra answers token requests with (throttling, outage, delay, reset). */
export interface FakeEntraFault {
  /** HTTP status to answer with, e.g. 429, 500, 503. Omit (with `delayMs` or `reset`) to only delay or cut. */
  status?: number;
  /** How many token requests get the fault. Default 1. */
  times?: number;
  retryAfterSeconds?: number;
  /** Wait this long first (then answer with `status`, or serve normally without one). */
  delayMs?: number;
  /** Cut the connection without answering (TCP reset), after any delay. */
  reset?: boolean;
}

/** Decides, per token request, whether it gets a fault (consulted when no queued fault is pending). */
export type FakeEntraFaultPolicy = () => FakeEntraFault | undefined;

/** Options of `FakeEntra.start`. */
export interface FakeEntraOptions {
  /** Certificate to serve; generated when omitted. */
  tls?: TestCertificate;
  /** App registrations it knows from the start (more with `addApp`). */
  apps?: FakeEntraApp[];
  /** issuer → PEM public key used to verify client assertions. */
  trustedIssuers?: Record<string, string>;
  /** Lifetime of issued access tokens. Default 3600 s. */
  tokenLifetimeSeconds?: number;
  /** Clock, epoch ms (tests). */
  now?: () => number;
}

/** One token request the fake Entra received, and its answer. */
export interface FakeEntraTokenRequest {
  tenantId: string;
  clientId: string;
  grant: 'client_secret' | 'client_assertion' | 'none';
  scope: string;
  status: number;
  /** Entra error code (e.g. 7000215) when refused. */
  errorCode?: number;
  /** For a certificate assertion that was accepted: the certificate's SHA-1 thumbprint, which header named it, whether x5c was sent. */
  certificate?: { thumbprint: string; header: 'x5t' | 'x5t#S256'; chainSent: boolean };
}

const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
const DEFAULT_FEDERATION_AUDIENCE = 'api://AzureADTokenExchange';
const STORAGE_RESOURCE = /^(https:\/\/storage\.azure\.com|https:\/\/[a-z0-9]{3,24}\.blob\.core\.windows\.net)\/?\.default$/;

class EntraError extends Error {
  constructor(readonly status: number, readonly error: string, readonly code: number, description: string) {
    super(`AADSTS${code}: ${description}`);
  }
}

/**
 * A small Microsoft Entra ID (v2.0 endpoint) over HTTPS: OpenID discovery and the client
 * credentials grant with a client secret or a federated client assertion (checked for issuer,
 * subject, audience, lifetime and signature). Issues RS256 JWT access tokens for Azure Storage
 * shaped like Entra's (aud https://storage.azure.com, iss https://sts.windows.net/{tenant}/,
 * oid, tid) that Azurite's `basic` OAuth accepts. Counts requests; injects faults and delays.
 */
export class FakeEntra {
  readonly ca: string;
  /** Every token request, secrets left out. */
  readonly tokenRequests: FakeEntraTokenRequest[] = [];
  discoveryRequests = 0;
  /** Extra latency before answering token requests, ms. */
  delayMs = 0;
  readonly #tls: TestCertificate;
  readonly #apps = new Map<string, Required<Pick<FakeEntraApp, 'objectId'>> & FakeEntraApp>();
  readonly #issuers = new Map<string, string>();
  readonly #faults: FakeEntraFault[] = [];
  #faultPolicy: FakeEntraFaultPolicy | undefined;
  /** Token requests that got an injected fault. */
  faultsServed = 0;
  readonly #signingKey: KeyObject;
  readonly #kid = randomUUID();
  readonly #lifetime: number;
  readonly #now: () => number;
  #server: https.Server | undefined;
  #port = 0;

  private constructor(tls: TestCertificate, options: FakeEntraOptions) {
    this.#tls = tls;
    this.ca = tls.ca;
    this.#lifetime = options.tokenLifetimeSeconds ?? 3600;
    this.#now = options.now ?? Date.now;
    this.#signingKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    for (const app of options.apps ?? []) this.addApp(app);
    for (const [issuer, key] of Object.entries(options.trustedIssuers ?? {})) this.trustIssuer(issuer, key);
  }

  /** Starts the fake token service over HTTPS on a loopback port. */
  static async start(options: FakeEntraOptions = {}): Promise<FakeEntra> {
    const entra = new FakeEntra(options.tls ?? (await createTestCertificate()), options);
    await entra.#listen();
    return entra;
  }

  /** `platform.azure.authorityHost`. */
  get authorityHost(): string { return `https://127.0.0.1:${this.#port}`; }
  /** Successful token responses so far. */
  get tokensIssued(): number { return this.tokenRequests.filter((r) => r.status === 200).length; }

  /** Registers an app (client id) in a tenant, with a secret and/or federated credentials. */
  addApp(app: FakeEntraApp): void {
    this.#apps.set(`${app.tenantId}/${app.clientId}`, { ...app, objectId: app.objectId ?? randomUUID() });
  }

  /** Trust `issuer`'s assertions when signed by `publicKeyPem` (Entra would fetch its JWKS). */
  trustIssuer(issuer: string, publicKeyPem: string): void { this.#issuers.set(issuer, publicKeyPem); }

  /** The next token requests fail with `fault.status` (Entra-shaped body). */
  injectFault(fault: FakeEntraFault): void {
    for (let i = 0; i < (fault.times ?? 1); i++) this.#faults.push(fault);
  }

  /** Drops faults that were injected but not yet consumed, and the fault policy. */
  clearFaults(): void {
    this.#faults.length = 0;
    this.#faultPolicy = undefined;
  }

  /** Faults by rule (e.g. a seeded random "10% of requests"), consulted when no queued fault is pending; `undefined` removes it. */
  setFaultPolicy(policy: FakeEntraFaultPolicy | undefined): void { this.#faultPolicy = policy; }

  /** Token requests received for one app. */
  tokenCallsFor(clientId: string): number { return this.tokenRequests.filter((r) => r.clientId === clientId).length; }

  /** Forgets recorded requests and faults. */
  reset(): void {
    this.tokenRequests.length = 0;
    this.discoveryRequests = 0;
    this.#faults.length = 0;
    this.#faultPolicy = undefined;
    this.faultsServed = 0;
    this.delayMs = 0;
  }

  /** Stops the server. */
  async close(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  // ----------------------------------------------------------------- HTTP

  async #listen(): Promise<void> {
    const server = https.createServer({ cert: this.#tls.cert, key: this.#tls.key }, (req, res) => {
      this.#handle(req, res).catch((error: unknown) => {
        send(res, 500, { error: 'server_error', error_description: String(error) });
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      // A cloud endpoint does not reset connections under a burst: a deep accept queue for 1000-way tests.
      server.listen({ port: 0, host: '127.0.0.1', backlog: 4096 }, () => resolve());
    });
    this.#port = (server.address() as AddressInfo).port;
    this.#server = server;
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.authorityHost);
    // Like Entra, discovery names the host the client asked for (a name behind a proxy, say).
    const origin = /^[A-Za-z0-9.-]+:\d+$/.test(req.headers.host ?? '') ? `https://${req.headers.host}` : this.authorityHost;
    const discovery = /^\/([^/]+)\/v2\.0\/\.well-known\/openid-configuration$/.exec(url.pathname);
    if (req.method === 'GET' && discovery?.[1]) {
      this.discoveryRequests++;
      send(res, 200, this.#openIdConfiguration(discovery[1], origin));
      return;
    }
    const keys = /^\/([^/]+)\/discovery\/v2\.0\/keys$/.exec(url.pathname);
    if (req.method === 'GET' && keys) {
      send(res, 200, { keys: [{ kty: 'RSA', use: 'sig', kid: this.#kid, ...this.#signingKeyJwk() }] });
      return;
    }
    const token = /^\/([^/]+)\/oauth2\/v2\.0\/token$/.exec(url.pathname);
    if (req.method === 'POST' && token?.[1]) {
      const form = new URLSearchParams(await readBody(req));
      await this.#token(decodeURIComponent(token[1]), form, res, origin);
      return;
    }
    send(res, 404, { error: 'not_found', error_description: `no route for ${req.method} ${url.pathname}` });
  }

  #openIdConfiguration(tenant: string, origin: string): Record<string, unknown> {
    const base = `${origin}/${tenant}`;
    return {
      issuer: `${origin}/${tenant}/v2.0`,
      authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
      token_endpoint: `${base}/oauth2/v2.0/token`,
      end_session_endpoint: `${base}/oauth2/v2.0/logout`,
      jwks_uri: `${base}/discovery/v2.0/keys`,
      response_types_supported: ['code', 'id_token', 'token'],
      subject_types_supported: ['pairwise'],
      id_token_signing_alg_values_supported: ['RS256'],
      token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
      tenant_region_scope: 'EU',
    };
  }

  #signingKeyJwk(): Record<string, unknown> {
    const { n, e } = this.#signingKey.export({ format: 'jwk' }) as { n: string; e: string };
    return { n, e };
  }

  async #token(tenantId: string, form: URLSearchParams, res: ServerResponse, origin: string = this.authorityHost): Promise<void> {
    const clientId = form.get('client_id') ?? '';
    const scope = form.get('scope') ?? '';
    const grant: FakeEntraTokenRequest['grant'] = form.has('client_assertion') ? 'client_assertion' : form.has('client_secret') ? 'client_secret' : 'none';
    const record: FakeEntraTokenRequest = { tenantId, clientId, grant, scope, status: 200 };
    this.tokenRequests.push(record);
    if (this.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, this.delayMs));

    const fault = this.#faults.shift() ?? this.#faultPolicy?.();
    if (fault) this.faultsServed++;
    if (fault?.delayMs) await new Promise((resolve) => setTimeout(resolve, fault.delayMs));
    if (fault?.reset) {
      record.status = 0;
      // TLS sockets cannot send a TCP RST from here; closing without an answer is the same to the client.
      res.socket?.destroy();
      return;
    }
    if (fault?.status) {
      record.status = fault.status;
      const headers: Record<string, string> = fault.retryAfterSeconds !== undefined ? { 'retry-after': String(fault.retryAfterSeconds) } : {};
      const error = fault.status === 429 ? 'temporarily_unavailable' : 'server_error';
      send(res, fault.status, entraErrorBody(error, fault.status === 429 ? 50196 : 90033, 'injected fault'), headers);
      return;
    }
    try {
      const app = this.#authenticate(tenantId, clientId, grant, form, record, origin);
      const resource = STORAGE_RESOURCE.exec(scope)?.[1];
      if (form.get('grant_type') !== 'client_credentials') throw new EntraError(400, 'unsupported_grant_type', 70003, 'The app requested an unsupported grant type.');
      if (!resource) throw new EntraError(400, 'invalid_scope', 70011, `The provided value for scope ${scope} is not valid.`);
      send(res, 200, this.#issue(app, resource));
    } catch (error) {
      if (!(error instanceof EntraError)) throw error;
      record.status = error.status;
      record.errorCode = error.code;
      send(res, error.status, entraErrorBody(error.error, error.code, error.message.replace(/^AADSTS\d+: /, '')));
    }
  }

  #authenticate(tenantId: string, clientId: string, grant: FakeEntraTokenRequest['grant'], form: URLSearchParams, record: FakeEntraTokenRequest, origin: string): FakeEntraApp & { objectId: string } {
    if (![...this.#apps.values()].some((a) => a.tenantId === tenantId)) {
      throw new EntraError(400, 'invalid_request', 90002, `Tenant '${tenantId}' not found.`);
    }
    const app = this.#apps.get(`${tenantId}/${clientId}`);
    if (!app) throw new EntraError(400, 'unauthorized_client', 700016, `Application with identifier '${clientId}' was not found in the directory '${tenantId}'.`);
    if (grant === 'client_secret') {
      if (!app.clientSecret || !sameSecret(form.get('client_secret') ?? '', app.clientSecret)) {
        throw new EntraError(401, 'invalid_client', 7000215, `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${clientId}'.`);
      }
      return app;
    }
    if (grant === 'client_assertion') {
      if (form.get('client_assertion_type') !== ASSERTION_TYPE) throw new EntraError(401, 'invalid_client', 7000219, "'client_assertion_type' must be jwt-bearer.");
      const assertion = form.get('client_assertion') ?? '';
      const jwt = decodeJwt(assertion);
      if (jwt && isCertificateAssertion(jwt)) {
        const result = checkCertificateAssertion(jwt, {
          clientId,
          tokenEndpoint: `${origin}/${tenantId}/oauth2/v2.0/token`,
          certificates: (app.certificates ?? []).map((pem) => ({ pem })),
          requireChain: app.requireCertificateChain === true,
          nowSeconds: Math.floor(this.#now() / 1000),
        });
        if (!result.ok) throw new EntraError(401, 'invalid_client', result.code ?? 700027, result.reason ?? 'Client assertion failed signature validation.');
        record.certificate = { thumbprint: result.thumbprint!, header: result.thumbprintHeader!, chainSent: result.chainSent === true };
        return app;
      }
      this.#checkAssertion(app, assertion);
      return app;
    }
    throw new EntraError(401, 'invalid_client', 7000216, "'client_assertion', 'client_secret' or 'request' is required for the 'client_credentials' grant type.");
  }

  #checkAssertion(app: FakeEntraApp, assertion: string): void {
    const jwt = decodeJwt(assertion);
    if (!jwt) throw new EntraError(401, 'invalid_client', 50027, 'JWT token is invalid or malformed.');
    const { iss, sub, exp, nbf } = jwt.claims;
    const audiences = audienceList(jwt.claims);
    const credentials = app.federated ?? [];
    const byIssuer = credentials.filter((c) => c.issuer === iss);
    if (byIssuer.length === 0) throw new EntraError(401, 'invalid_client', 700211, `No matching federated identity record found for presented assertion issuer '${String(iss)}'.`);
    const bySubject = byIssuer.filter((c) => c.subject === sub);
    if (bySubject.length === 0) throw new EntraError(401, 'invalid_client', 700213, `No matching federated identity record found for presented assertion subject '${String(sub)}'.`);
    if (!bySubject.some((c) => audiences.includes(c.audience ?? DEFAULT_FEDERATION_AUDIENCE))) {
      throw new EntraError(401, 'invalid_client', 700212, `No matching federated identity record found for presented assertion audience '${audiences.join(',')}'.`);
    }
    const now = Math.floor(this.#now() / 1000);
    const skew = 300;
    if (typeof exp !== 'number' || exp + skew < now || (typeof nbf === 'number' && nbf - skew > now)) {
      throw new EntraError(401, 'invalid_client', 700024, 'Client assertion is not within its valid time range.');
    }
    const key = this.#issuers.get(String(iss));
    if (!key || !verifyJwtSignature(jwt, key)) {
      throw new EntraError(401, 'invalid_client', 50012, 'Client assertion contains an invalid signature.');
    }
  }

  #issue(app: FakeEntraApp & { objectId: string }, resource: string): Record<string, unknown> {
    const now = Math.floor(this.#now() / 1000);
    const claims: JwtClaims = {
      aud: resource,
      iss: `https://sts.windows.net/${app.tenantId}/`,
      iat: now,
      nbf: now,
      exp: now + this.#lifetime,
      appid: app.clientId,
      appidacr: '1',
      idp: `https://sts.windows.net/${app.tenantId}/`,
      oid: app.objectId,
      sub: app.objectId,
      tid: app.tenantId,
      ver: '1.0',
      uti: randomUUID(),
    };
    return {
      token_type: 'Bearer',
      expires_in: this.#lifetime,
      ext_expires_in: this.#lifetime,
      access_token: signJwt(claims, this.#signingKey, this.#kid),
    };
  }
}

function audienceList(claims: JwtClaims): string[] {
  if (Array.isArray(claims.aud)) return claims.aud.map(String);
  return claims.aud === undefined ? [] : [String(claims.aud)];
}

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

function entraErrorBody(error: string, code: number, description: string): Record<string, unknown> {
  const traceId = randomUUID();
  const correlationId = randomUUID();
  return {
    error,
    error_description: `AADSTS${code}: ${description} Trace ID: ${traceId} Correlation ID: ${correlationId} Timestamp: ${new Date().toISOString()}`,
    error_codes: [code],
    timestamp: new Date().toISOString(),
    trace_id: traceId,
    correlation_id: correlationId,
  };
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const data = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(data), ...headers });
  res.end(data);
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
