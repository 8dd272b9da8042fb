import type { IncomingMessage, ServerResponse } from 'node:http';
import { validateBoundary } from './access-boundary.js';
import type { AccessBoundaryRule, FakeGcpDirectory } from './directory.js';
import { FakeGoogleService, readBody, sendJson } from './http.js';

/**
 * A fake Security Token Service (sts.googleapis.com) `POST /v1/token` answering the OAuth 2.0
 * token exchange that applies a Credential Access Boundary to an access token. The downscoped
 * token keeps the subject's identity, scopes and expiry and carries the boundary, which the fake
 * GCS enforces on every request.
 */

export interface StsCall {
  subjectPrincipal?: string;
  /** The boundary rules requested (parsed `options.accessBoundary.accessBoundaryRules`). */
  rules?: AccessBoundaryRule[];
  /** The downscoped token issued, so tests can try it against the fake GCS directly. */
  issuedToken?: string;
  status: number;
}

const TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';
const ACCESS_TOKEN = 'urn:ietf:params:oauth:token-type:access_token';

/** A fake Google STS token exchange that downscopes tokens with a Credential Access Boundary. */
export class FakeSts extends FakeGoogleService {
  readonly directory: FakeGcpDirectory;
  readonly calls: StsCall[] = [];

  constructor(options: { directory: FakeGcpDirectory }) {
    super();
    this.directory = options.directory;
  }

  /** Calls answered with `status`. */
  count(status = 200): number { return this.calls.filter((c) => c.status === status).length; }
  /** Forgets recorded calls. */
  reset(): void { this.calls.length = 0; }

  protected async handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const call: StsCall = { status: 0 };
    const fail = (status: number, error: string, description: string): void => {
      call.status = status;
      sendJson(res, status, { error, error_description: description });
    };
    if (req.method !== 'POST' || url.pathname !== '/v1/token') return fail(404, 'not_found', `no such method: ${req.method} ${url.pathname}`);
    this.calls.push(call);
    const form = new URLSearchParams((await readBody(req)).toString('utf8'));
    if (form.get('grant_type') !== TOKEN_EXCHANGE) return fail(400, 'unsupported_grant_type', 'grant_type must be token-exchange');
    if (form.get('subject_token_type') !== ACCESS_TOKEN || form.get('requested_token_type') !== ACCESS_TOKEN) {
      return fail(400, 'invalid_request', 'subject_token_type and requested_token_type must be access_token');
    }
    const subject = this.directory.authenticate(`Bearer ${form.get('subject_token') ?? ''}`);
    if (!subject.ok) return fail(400, 'invalid_grant', 'The subject token is invalid or expired.');
    call.subjectPrincipal = subject.grant.principal;

    let rules: unknown;
    try {
      const options = JSON.parse(form.get('options') ?? '{}') as { accessBoundary?: { accessBoundaryRules?: unknown } };
      rules = options.accessBoundary?.accessBoundaryRules;
    } catch {
      return fail(400, 'invalid_request', 'options is not valid JSON');
    }
    const problem = validateBoundary(rules, this.directory);
    if (problem) return fail(400, 'invalid_request', problem);
    call.rules = rules as AccessBoundaryRule[];

    const grant = subject.grant;
    const token = this.directory.issueToken({
      ...grant,
      boundaries: [...(grant.boundaries ?? []), rules as AccessBoundaryRule[]],
      origin: 'sts',
    });
    call.issuedToken = token;
    call.status = 200;
    sendJson(res, 200, {
      access_token: token,
      issued_token_type: ACCESS_TOKEN,
      token_type: 'Bearer',
      expires_in: Math.max(0, Math.floor((grant.expiresAt - this.directory.now()) / 1000)),
    });
  }
}
