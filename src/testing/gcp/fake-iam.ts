import { sign } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { SCOPES, type FakeGcpDirectory } from './directory.js';
import { FakeGoogleService, readBody, sendError, sendJson } from './http.js';

/**
 * A fake IAM Credentials API (iamcredentials.googleapis.com):
 * `POST /v1/projects/-/serviceAccounts/{email}:generateAccessToken` and `:signBlob`.
 * It checks what the real one checks: a valid caller token with an IAM-capable scope, and
 * Service Account Token Creator along the whole chain caller → delegates… → target.
 * Every call is recorded so tests can assert counts, scopes and delegate chains.
 */

export type IamMethod = 'generateAccessToken' | 'signBlob';

/** One IAM Credentials call the fake received (`generateAccessToken` or `signBlob`). */
export interface IamCall {
  method: IamMethod;
  /** Target service account email. */
  serviceAccount: string;
  /** Principal of the caller's token, when it authenticated. */
  caller?: string;
  /** Delegate emails in the order sent. */
  delegates: string[];
  /** Requested OAuth scopes (generateAccessToken). */
  scope?: string[];
  lifetimeSeconds?: number;
  /** Bytes signed (signBlob). */
  payload?: Buffer;
  /** The token issued (generateAccessToken), so tests can try it against the fake GCS directly. */
  issuedToken?: string;
  status: number;
}

/** Options of `FakeIam`. */
export interface FakeIamOptions {
  /** Whose grants it checks and where it issues tokens (shared with the fake GCS and STS). */
  directory: FakeGcpDirectory;
  /** Longest lifetime generateAccessToken grants (3600 s unless an org policy extends it). */
  maxLifetimeSeconds?: number;
}

const PATH = /^\/v1\/projects\/-\/serviceAccounts\/([^/:]+):(generateAccessToken|signBlob)$/;
const DELEGATE = /^projects\/-\/serviceAccounts\/([^/]+@[^/]+)$/;

/** A fake IAM Credentials API: `generateAccessToken` and `signBlob`, honouring Token Creator grants and delegate chains. */
export class FakeIam extends FakeGoogleService {
  readonly directory: FakeGcpDirectory;
  readonly calls: IamCall[] = [];
  readonly #maxLifetime: number;

  constructor(options: FakeIamOptions) {
    super();
    this.directory = options.directory;
    this.#maxLifetime = options.maxLifetimeSeconds ?? 3600;
  }


  /** Calls of one method that reached the handler (faults excluded). */
  count(method: IamMethod, status = 200): number {
    return this.calls.filter((c) => c.method === method && c.status === status).length;
  }

  /** Forgets recorded calls. */
  reset(): void { this.calls.length = 0; }

  protected async handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const match = PATH.exec(url.pathname);
    if (req.method !== 'POST' || !match) return sendError(res, 404, `no such method: ${req.method} ${url.pathname}`);
    const serviceAccount = decodeURIComponent(match[1]!);
    const method = match[2] as IamMethod;
    const call: IamCall = { method, serviceAccount, delegates: [], status: 0 };
    this.calls.push(call);
    const fail = (status: number, message: string, reason?: string): void => {
      call.status = status;
      sendError(res, status, message, reason);
    };

    let body: { delegates?: unknown; scope?: unknown; lifetime?: unknown; payload?: unknown };
    try {
      body = JSON.parse((await readBody(req)).toString('utf8') || '{}') as typeof body;
    } catch {
      return fail(400, 'Invalid JSON payload received.');
    }

    const auth = this.directory.authenticate(req.headers.authorization);
    if (!auth.ok) return fail(401, auth.reason);
    call.caller = auth.grant.principal;
    const scopes = auth.grant.scopes;
    const iamCapable = scopes.includes(SCOPES.cloudPlatform) || scopes.includes(SCOPES.iam)
      || auth.grant.audience === 'https://iamcredentials.googleapis.com/';
    if (!iamCapable) return fail(403, 'Request had insufficient authentication scopes.', 'ACCESS_TOKEN_SCOPE_INSUFFICIENT');

    const rawDelegates = body.delegates ?? [];
    if (!Array.isArray(rawDelegates)) return fail(400, 'delegates must be a list');
    const delegates: string[] = [];
    for (const d of rawDelegates) {
      const m = typeof d === 'string' ? DELEGATE.exec(d) : null;
      if (!m) return fail(400, `Invalid form of delegate: ${String(d)}; expected projects/-/serviceAccounts/{email}`);
      delegates.push(decodeURIComponent(m[1]!));
    }
    call.delegates = delegates;

    // Token Creator must hold at every hop: caller → delegates[0] → … → target.
    const chain = [auth.grant.principal, ...delegates, serviceAccount];
    for (let i = 0; i + 1 < chain.length; i++) {
      if (!this.directory.isTokenCreator(chain[i]!, chain[i + 1]!)) {
        const permission = method === 'signBlob' ? 'iam.serviceAccounts.signBlob' : 'iam.serviceAccounts.getAccessToken';
        return fail(403, `Permission '${permission}' denied on resource (or it may not exist).`, 'IAM_PERMISSION_DENIED');
      }
    }
    const account = this.directory.serviceAccount(serviceAccount);
    if (!account) return fail(404, `Not found; Gaia id not found for email ${serviceAccount}`);

    if (method === 'signBlob') {
      if (typeof body.payload !== 'string') return fail(400, 'payload is required');
      const payload = Buffer.from(body.payload, 'base64');
      call.payload = payload;
      call.status = 200;
      return sendJson(res, 200, { keyId: 'fake-system-managed-key', signedBlob: sign('sha256', payload, account.privateKey).toString('base64') });
    }

    const scope = body.scope;
    if (!Array.isArray(scope) || scope.length === 0 || !scope.every((s) => typeof s === 'string')) return fail(400, 'Scope is required.');
    call.scope = scope as string[];
    let lifetimeSeconds = 3600;
    if (body.lifetime !== undefined) {
      const m = typeof body.lifetime === 'string' ? /^(\d+)(?:\.\d+)?s$/.exec(body.lifetime) : null;
      if (!m) return fail(400, `Invalid value for lifetime: ${String(body.lifetime)}`);
      lifetimeSeconds = Number(m[1]);
    }
    call.lifetimeSeconds = lifetimeSeconds;
    if (lifetimeSeconds < 1 || lifetimeSeconds > this.#maxLifetime) {
      return fail(400, `The lifetime must be at most ${this.#maxLifetime}s.`);
    }
    const expiresAt = this.directory.now() + lifetimeSeconds * 1000;
    const accessToken = this.directory.issueToken({ principal: serviceAccount, scopes: [...(scope as string[])], expiresAt, origin: 'iam' });
    call.issuedToken = accessToken;
    call.status = 200;
    sendJson(res, 200, { accessToken, expireTime: new Date(expiresAt).toISOString().replace(/\.\d{3}Z$/, 'Z') });
  }
}
