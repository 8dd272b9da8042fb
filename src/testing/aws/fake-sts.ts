import { randomUUID } from 'node:crypto';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { parsePolicyDocument, PolicyParseError, type PolicyDocument } from './iam-policy.js';
import { AwsKeyring, type AwsKeyEntry } from './keyring.js';
import { closeServer, listenOnLoopback, readBody, sendXml, sleep, xmlEscape } from './http-util.js';
import { sha256Hex, verifySigV4 } from './sigv4-verify.js';

/**
 * An in-process AWS STS speaking the real Query protocol (form POST in, XML out) for
 * `AssumeRole`, `GetFederationToken` and `GetCallerIdentity`. Every request must be SigV4-signed by a key in the keyring;
 * roles, their trust (principal + ExternalId) and their maximum session length come from a table.
 * Calls are recorded so tests can assert exactly which session policy was asked for.
 */

export interface FakeRole {
  roleArn: string;
  /**
   * The `sts:ExternalId` the trust policy requires, or the values it accepts (a `StringEquals`
   * condition with several values matches any of them: an ExternalId rotation window). Omit for a
   * role that requires none.
   */
  externalId?: string | string[];
  /** Principal ARNs or account ids the trust policy names. Default: any long-term key in the keyring. */
  trustedPrincipals?: string[];
  /** The role's own permission policy. Default: every S3 action on every resource. */
  permissions?: PolicyDocument;
  /** The role's MaxSessionDuration. Default 3600, as in AWS. */
  maxSessionDurationSeconds?: number;
}

/** A failure the fake STS answers with, for reliability tests. */
export type StsFault =
  | { type: 'throttle' }
  | { type: 'server-error' }
  /** Wait, then answer normally. */
  | { type: 'delay'; ms: number }
  /** Never answer (until the server closes). */
  | { type: 'hang' }
  /** Cut the connection without answering (TCP reset). */
  | { type: 'reset' };

/** Decides, per request, whether it gets a fault (consulted when no queued fault is pending). */
export type StsFaultPolicy = () => StsFault | undefined;

/** One AssumeRole call the fake STS received, with the session policy it was sent. */
export interface AssumeRoleCall {
  roleArn: string;
  roleSessionName: string;
  externalId?: string;
  durationSeconds?: number;
  /** The session policy exactly as sent. */
  policyJson?: string;
  /** The session policy, parsed. */
  policy?: PolicyDocument;
  /** Who signed the request. */
  callerArn: string;
  /** `issued`, or the error code returned. */
  outcome: string;
  /** Access key of the issued credentials (never the secret). */
  issuedAccessKeyId?: string;
  expiration?: Date;
}

export interface FederationTokenCall {
  name: string;
  durationSeconds?: number;
  policyJson?: string;
  policy?: PolicyDocument;
  /** The IAM user whose long-term key signed the request. */
  callerArn: string;
  /** `issued`, or the error code returned. */
  outcome: string;
  issuedAccessKeyId?: string;
  expiration?: Date;
}

/** A federated session without a policy has no permissions at all, as in AWS. */
const NO_PERMISSIONS: PolicyDocument = { Version: '2012-10-17', Statement: [{ Effect: 'Deny', Action: '*', Resource: '*' }] };
const FEDERATED_NAME = /^[\w+=,.@-]{2,32}$/;

/** Options of the fake AWS STS. */
export interface FakeStsOptions {
  /** Shared with the fake S3 so it accepts the credentials issued here. Default: a new keyring. */
  keyring?: AwsKeyring;
  /** Roles that can be assumed. */
  roles?: FakeRole[];
  /** Clock, shared with the code under test when it uses a fake clock. */
  now?: () => number;
}

const DEFAULT_ROLE_PERMISSIONS: PolicyDocument = {
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action: 's3:*', Resource: '*' }],
};
/** Groups: account, role name, partition. */
const ROLE_ARN = /^arn:(aws(?:-cn|-us-gov)?):iam::(\d{12}):role\/(?:[\w+=,.@-]+\/)*([\w+=,.@-]{1,64})$/;
const SESSION_NAME = /^[\w+=,.@-]{2,64}$/;
const EXTERNAL_ID = /^[\w+=,.@:/-]{2,1224}$/;
const NS = 'https://sts.amazonaws.com/doc/2011-06-15/';

/** A fake AWS STS (AssumeRole, GetCallerIdentity, GetFederationToken) issuing keys the fake S3 accepts. */
export class FakeSts {
  readonly keyring: AwsKeyring;
  /** Every AssumeRole request that passed signature verification, in arrival order. */
  readonly calls: AssumeRoleCall[] = [];
  /** Every GetFederationToken request that passed signature verification, in arrival order. */
  readonly federationCalls: FederationTokenCall[] = [];
  readonly #roles = new Map<string, FakeRole>();
  readonly #faults: StsFault[] = [];
  #faultPolicy: StsFaultPolicy | undefined;
  readonly #now: () => number;
  #server: Server | undefined;
  #url: string | undefined;
  #requests = 0;

  constructor(options: FakeStsOptions = {}) {
    this.keyring = options.keyring ?? new AwsKeyring();
    this.#now = options.now ?? Date.now;
    for (const role of options.roles ?? []) this.addRole(role);
  }

  /** Starts listening on 127.0.0.1 (random port); returns the endpoint URL. */
  async start(): Promise<string> {
    if (this.#url) return this.#url;
    const { server, url } = await listenOnLoopback((req, res) => {
      this.#handle(req, res).catch((error: unknown) => {
        sendXml(res, 500, errorXml('Receiver', 'InternalFailure', error instanceof Error ? error.message : 'internal error'));
      });
    });
    this.#server = server;
    this.#url = url;
    return url;
  }

  /** The http:// origin it listens on. */
  get endpoint(): string {
    if (!this.#url) throw new Error('FakeSts is not started');
    return this.#url;
  }

  /** HTTP requests received, including ones answered with an injected fault. */
  get requestCount(): number { return this.#requests; }

  /** Successful AssumeRole calls. */
  get issuedCount(): number { return this.calls.filter((c) => c.outcome === 'issued').length; }

  /** Adds a role that can be assumed from now on. */
  addRole(role: FakeRole): void {
    if (!ROLE_ARN.test(role.roleArn)) throw new Error(`not a role ARN: ${role.roleArn}`);
    this.#roles.set(role.roleArn, role);
  }

  /** The next `count` requests get `fault` (applied before authentication, as an overloaded STS would). */
  injectFault(fault: StsFault, count = 1): void {
    for (let i = 0; i < count; i++) this.#faults.push(fault);
  }

  /** Drops queued faults and the fault policy. */
  clearFaults(): void {
    this.#faults.length = 0;
    this.#faultPolicy = undefined;
  }

  /**
   * Faults by rule instead of by count: `policy` is asked about every request that finds no
   * queued fault (e.g. a seeded random choice for "10% of requests fail"). `undefined` removes it.
   */
  setFaultPolicy(policy: StsFaultPolicy | undefined): void { this.#faultPolicy = policy; }

  /** Requests answered with an injected fault, by fault type. */
  readonly faultsServed: Record<StsFault['type'], number> = { throttle: 0, 'server-error': 0, delay: 0, hang: 0, reset: 0 };

  /** Forgets recorded calls, the request count and fault counts (roles and issued keys stay). */
  resetCalls(): void {
    this.calls.length = 0;
    this.federationCalls.length = 0;
    this.#requests = 0;
    for (const type of Object.keys(this.faultsServed) as Array<StsFault['type']>) this.faultsServed[type] = 0;
  }

  /** Stops listening. */
  async close(): Promise<void> {
    await closeServer(this.#server);
    this.#server = undefined;
    this.#url = undefined;
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.#requests++;
    const body = await readBody(req, 64 * 1024);
    const fault = this.#faults.shift() ?? this.#faultPolicy?.();
    if (fault) this.faultsServed[fault.type]++;
    if (fault?.type === 'reset') {
      req.socket.resetAndDestroy();
      return;
    }
    if (fault?.type === 'throttle') return sendXml(res, 400, errorXml('Sender', 'Throttling', 'Rate exceeded'));
    if (fault?.type === 'server-error') return sendXml(res, 500, errorXml('Receiver', 'InternalFailure', 'The request processing has failed because of an unknown error.'));
    if (fault?.type === 'hang') return; // the socket stays open until the client gives up or close()
    if (fault?.type === 'delay') await sleep(fault.ms);

    if (req.method !== 'POST') return sendXml(res, 405, errorXml('Sender', 'InvalidAction', 'STS accepts POST'));
    const verified = verifySigV4(
      { method: req.method, url: req.url ?? '/', headers: req.headers },
      { keyring: this.keyring, service: 'sts', now: this.#now(), bodySha256: sha256Hex(body) },
    );
    if (!verified.ok) {
      // STS names S3's InvalidToken and anonymous-request failures differently.
      if (verified.code === 'InvalidToken') return sendXml(res, 403, errorXml('Sender', 'InvalidClientTokenId', verified.message));
      if (!req.headers.authorization && !req.url?.includes('X-Amz-Signature')) {
        return sendXml(res, 403, errorXml('Sender', 'MissingAuthenticationToken', 'Request is missing Authentication Token'));
      }
      return sendXml(res, verified.status, errorXml('Sender', verified.code, verified.message));
    }
    const form = new URLSearchParams(body.toString('utf8'));
    switch (form.get('Action')) {
      case 'AssumeRole': return this.#assumeRole(form, verified.key, res);
      case 'GetFederationToken': return this.#federationToken(form, verified.key, res);
      case 'GetCallerIdentity':
        return sendXml(res, 200, `<GetCallerIdentityResponse xmlns="${NS}"><GetCallerIdentityResult>`
          + `<Arn>${xmlEscape(verified.key.principalArn)}</Arn><UserId>${xmlEscape(verified.key.accessKeyId)}</UserId>`
          + `<Account>${verified.key.accountId}</Account></GetCallerIdentityResult>${metadata()}</GetCallerIdentityResponse>`);
      default:
        return sendXml(res, 400, errorXml('Sender', 'InvalidAction', `Could not find operation ${form.get('Action') ?? ''}`));
    }
  }

  #federationToken(form: URLSearchParams, caller: AwsKeyEntry, res: ServerResponse): void {
    federationToken({ keyring: this.keyring, now: this.#now, calls: this.federationCalls }, form, caller, res);
  }

  #assumeRole(form: URLSearchParams, caller: AwsKeyEntry, res: ServerResponse): void {
    const call: AssumeRoleCall = {
      roleArn: form.get('RoleArn') ?? '',
      roleSessionName: form.get('RoleSessionName') ?? '',
      callerArn: caller.principalArn,
      outcome: 'pending',
    };
    const externalId = form.get('ExternalId');
    if (externalId !== null) call.externalId = externalId;
    const duration = form.get('DurationSeconds');
    if (duration !== null) call.durationSeconds = Number(duration);
    const policyJson = form.get('Policy');
    if (policyJson !== null) call.policyJson = policyJson;
    this.calls.push(call);

    const refuse = (status: number, code: string, message: string): void => {
      call.outcome = code;
      sendXml(res, status, errorXml('Sender', code, message));
    };
    const denied = (): void => refuse(403, 'AccessDenied', `User: ${caller.principalArn} is not authorized to perform: sts:AssumeRole on resource: ${call.roleArn}`);

    const roleMatch = ROLE_ARN.exec(call.roleArn);
    if (!roleMatch) return refuse(400, 'ValidationError', 'RoleArn is not a valid role ARN');
    if (!SESSION_NAME.test(call.roleSessionName)) return refuse(400, 'ValidationError', "1 validation error detected: Value at 'roleSessionName' failed to satisfy constraint");
    if (externalId !== null && !EXTERNAL_ID.test(externalId)) return refuse(400, 'ValidationError', "1 validation error detected: Value at 'externalId' failed to satisfy constraint");
    const durationSeconds = call.durationSeconds ?? 3600;
    if (!Number.isInteger(durationSeconds) || durationSeconds < 900 || durationSeconds > 43_200) {
      return refuse(400, 'ValidationError', "1 validation error detected: Value at 'durationSeconds' failed to satisfy constraint: Member must have value between 900 and 43200");
    }
    if (policyJson !== null) {
      if (policyJson.length > 2048) return refuse(400, 'PackedPolicyTooLarge', 'Packed size of the session policy exceeds the limit');
      try {
        call.policy = parsePolicyDocument(policyJson);
      } catch (error) {
        return refuse(400, 'MalformedPolicyDocument', error instanceof PolicyParseError ? error.message : 'malformed policy');
      }
    }
    // Temporary credentials cannot assume a role with an ExternalId from an unknown principal, etc.;
    // all trust failures look the same to the caller, as in AWS.
    const role = this.#roles.get(call.roleArn);
    if (!role) return denied();
    const trusted = role.trustedPrincipals
      ? role.trustedPrincipals.some((p) => p === caller.principalArn || p === caller.accountId)
      : caller.sessionToken === undefined;
    if (!trusted) return denied();
    if (role.externalId !== undefined && (externalId === null || !([] as string[]).concat(role.externalId).includes(externalId))) return denied();
    if (durationSeconds > (role.maxSessionDurationSeconds ?? 3600)) {
      return refuse(400, 'ValidationError', 'The requested DurationSeconds exceeds the MaxSessionDuration set for this role.');
    }

    const partition = roleMatch[1] ?? 'aws';
    const accountId = roleMatch[2] ?? '';
    const roleName = roleMatch[3] ?? '';
    // Whole seconds, like AWS, so the Expiration we print is exactly when the key stops working.
    const expiresAt = Math.floor(this.#now() / 1000) * 1000 + durationSeconds * 1000;
    const issued = this.keyring.issueSession({
      accountId,
      // A session lives in its role's partition, as AWS names it (arn:aws-cn:sts::…, arn:aws-us-gov:sts::…).
      principalArn: `arn:${partition}:sts::${accountId}:assumed-role/${roleName}/${call.roleSessionName}`,
      expiresAt,
      policies: [role.permissions ?? DEFAULT_ROLE_PERMISSIONS, ...(call.policy ? [call.policy] : [])],
    });
    call.outcome = 'issued';
    call.issuedAccessKeyId = issued.accessKeyId;
    call.expiration = new Date(expiresAt);
    const packed = policyJson === null ? '' : `<PackedPolicySize>${Math.ceil((policyJson.length / 2048) * 100)}</PackedPolicySize>`;
    sendXml(res, 200, `<AssumeRoleResponse xmlns="${NS}"><AssumeRoleResult>`
      + `<AssumedRoleUser><Arn>${xmlEscape(issued.principalArn)}</Arn><AssumedRoleId>AROA${accountId}:${xmlEscape(call.roleSessionName)}</AssumedRoleId></AssumedRoleUser>`
      + `<Credentials><AccessKeyId>${issued.accessKeyId}</AccessKeyId><SecretAccessKey>${xmlEscape(issued.secretAccessKey)}</SecretAccessKey>`
      + `<SessionToken>${xmlEscape(issued.sessionToken ?? '')}</SessionToken><Expiration>${new Date(expiresAt).toISOString().replace('.000Z', 'Z')}</Expiration></Credentials>`
      + `${packed}</AssumeRoleResult>${metadata()}</AssumeRoleResponse>`);
  }
}

/**
 * GetFederationToken as AWS answers it: only an IAM user's long-term key may call it (session
 * credentials and the root user are refused); the session's permissions are the intersection of
 * the user's own policies and the policy passed (none passed → no permissions); 900 s – 36 h.
 */
function federationToken(sts: { keyring: AwsKeyring; now: () => number; calls: FederationTokenCall[] }, form: URLSearchParams, caller: AwsKeyEntry, res: ServerResponse): void {
  const call: FederationTokenCall = { name: form.get('Name') ?? '', callerArn: caller.principalArn, outcome: 'pending' };
  const duration = form.get('DurationSeconds');
  if (duration !== null) call.durationSeconds = Number(duration);
  const policyJson = form.get('Policy');
  if (policyJson !== null) call.policyJson = policyJson;
  sts.calls.push(call);
  const refuse = (status: number, code: string, message: string): void => {
    call.outcome = code;
    sendXml(res, status, errorXml('Sender', code, message));
  };
  if (caller.sessionToken !== undefined || !/:user\//.test(caller.principalArn)) {
    return refuse(403, 'AccessDenied', 'Cannot call GetFederationToken with session credentials');
  }
  if (!FEDERATED_NAME.test(call.name)) return refuse(400, 'ValidationError', "1 validation error detected: Value at 'name' failed to satisfy constraint");
  const durationSeconds = call.durationSeconds ?? 43_200;
  if (!Number.isInteger(durationSeconds) || durationSeconds < 900 || durationSeconds > 129_600) {
    return refuse(400, 'ValidationError', "1 validation error detected: Value at 'durationSeconds' failed to satisfy constraint: Member must have value between 900 and 129600");
  }
  let policy: PolicyDocument = NO_PERMISSIONS;
  if (policyJson !== null) {
    if (policyJson.length > 2048) return refuse(400, 'PackedPolicyTooLarge', 'Packed size of the session policy exceeds the limit');
    try {
      policy = parsePolicyDocument(policyJson);
    } catch (error) {
      return refuse(400, 'MalformedPolicyDocument', error instanceof PolicyParseError ? error.message : 'malformed policy');
    }
    call.policy = policy;
  }
  const expiresAt = Math.floor(sts.now() / 1000) * 1000 + durationSeconds * 1000;
  const principalArn = `arn:aws:sts::${caller.accountId}:federated-user/${call.name}`;
  // The user's policies (none recorded = an administrator) ∩ the policy passed.
  const issued = sts.keyring.issueSession({ accountId: caller.accountId, principalArn, expiresAt, policies: [...caller.policies, policy] });
  call.outcome = 'issued';
  call.issuedAccessKeyId = issued.accessKeyId;
  call.expiration = new Date(expiresAt);
  const packed = policyJson === null ? '' : `<PackedPolicySize>${Math.ceil((policyJson.length / 2048) * 100)}</PackedPolicySize>`;
  sendXml(res, 200, `<GetFederationTokenResponse xmlns="${NS}"><GetFederationTokenResult>`
    + `<Credentials><AccessKeyId>${issued.accessKeyId}</AccessKeyId><SecretAccessKey>${xmlEscape(issued.secretAccessKey)}</SecretAccessKey>`
    + `<SessionToken>${xmlEscape(issued.sessionToken ?? '')}</SessionToken><Expiration>${new Date(expiresAt).toISOString().replace('.000Z', 'Z')}</Expiration></Credentials>`
    + `<FederatedUser><Arn>${xmlEscape(principalArn)}</Arn><FederatedUserId>${caller.accountId}:${xmlEscape(call.name)}</FederatedUserId></FederatedUser>`
    + `${packed}</GetFederationTokenResult>${metadata()}</GetFederationTokenResponse>`);
}

function metadata(): string {
  return `<ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata>`;
}

function errorXml(type: 'Sender' | 'Receiver', code: string, message: string): string {
  return `<ErrorResponse xmlns="${NS}"><Error><Type>${type}</Type><Code>${xmlEscape(code)}</Code>`
    + `<Message>${xmlEscape(message)}</Message></Error><RequestId>${randomUUID()}</RequestId></ErrorResponse>`;
}
