import path from 'node:path';
import { InvalidIntegrationError } from '../errors.js';
import type { Integration, Mode } from '../types.js';
import { ownCopy } from './own-copy.js';
import { FORBIDDEN_CHARACTERS } from '../uri/controls.js';
import { awsScopeBucket, awsScopeExtras } from './aws-scope.js';
import { azureScopeCloud } from './azure-scope.js';
import { azureCertificateAuth, azureSasAuth } from './azure-auth-kinds.js';
import type { NormalizedIntegration } from './registered.js';
import { commonFields, requireTenantForWildcard, secretField, WILDCARD } from './common-fields.js';
import { awsEndpointField, STORE_ACCESS_KEY_ID, STORE_ROLE_ARN } from './validate-endpoint.js';
import { anonymousAuth, temporaryKeyFields } from './auth-extras.js';
import { awsEncryptionField, azureEncryptionField, gcpEncryptionField } from './validate-encryption.js';

const ID = /^[A-Za-z0-9][A-Za-z0-9._:@/-]{0,127}$/;
const GCS_BUCKET = /^[a-z0-9][a-z0-9._-]{1,220}[a-z0-9]$/;
const AZ_ACCOUNT = /^[a-z0-9]{3,24}$/;
const AZ_CONTAINER = /^(?:[a-z0-9](?:[a-z0-9]|-(?!-)){1,61}[a-z0-9]|\$root|\$web)$/;
const MEMORY_STORE = /^[a-z0-9][a-z0-9._-]{0,62}$/;
const AWS_REGION = /^[a-z]{2}(?:-[a-z]+)+-\d{1,2}$/;
const AWS_ACCOUNT = /^\d{12}$/;
const ROLE_ARN = /^arn:aws(?:-cn|-us-gov)?:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/;
const EXTERNAL_ID = /^[\w+=,.@:/-]{2,1224}$/;
const SESSION_NAME = /^[\w+=,.@-]{2,64}$/;
const ACCESS_KEY_ID = /^[A-Z0-9]{16,128}$/;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const TENANT_DOMAIN = /^[a-z0-9][a-z0-9.-]{1,253}[a-z0-9]$/i;
const HOST = /^(?:\*\.)?(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/;

type Dict = Record<string, unknown>;
const fail = (field: string, message: string): never => { throw new InvalidIntegrationError(field, message); };
const isDict = (v: unknown): v is Dict => typeof v === 'object' && v !== null && !Array.isArray(v);

function str(obj: Dict, field: string, where: string, pattern?: RegExp, hint?: string, secret = false): string {
  const value = obj[field];
  if (typeof value !== 'string' || value.length === 0) return fail(`${where}${field}`, 'is required and must be a non-empty string');
  if (pattern && !pattern.test(value)) {
    return fail(`${where}${field}`, secret ? `is not valid${hint ? ` (${hint})` : ''}` : `${JSON.stringify(value.slice(0, 200))} is not valid${hint ? `: ${hint}` : ''}`);
  }
  return value;
}

function optStr(obj: Dict, field: string, where: string, pattern: RegExp, hint: string): string | undefined {
  return obj[field] === undefined ? undefined : str(obj, field, where, pattern, hint);
}

/** Segment-aware prefix: no leading '/', no empty, '.' or '..' segments, no control characters. */
export function normalizePrefix(value: unknown, field: string): string | undefined {
  if (value === undefined || value === '') return undefined;
  if (typeof value !== 'string') return fail(field, 'must be a string');
  const trimmed = value.replace(/\/+$/, '');
  if (trimmed === '') return undefined;
  if (trimmed.startsWith('/')) fail(field, 'must not start with "/" (write "images/2024", not "/images/2024")');
  if (FORBIDDEN_CHARACTERS.test(trimmed) || trimmed.includes('\\')) fail(field, 'must not contain control characters (C0, DEL, C1), bidirectional controls, line separators or backslashes');
  for (const segment of trimmed.split('/')) {
    if (segment === '') fail(field, 'must not contain empty segments ("a//b")');
    if (segment === '.' || segment === '..') fail(field, 'must not contain "." or ".." segments');
  }
  return trimmed;
}

function mode(obj: Dict, allowed: Mode[]): Mode {
  const value = obj.mode ?? 'read-only';
  if (!allowed.includes(value as Mode)) fail('mode', `must be ${allowed.map((m) => `"${m}"`).join(' or ')}`);
  return value as Mode;
}

function validateFields(input: Integration): NormalizedIntegration {
  if (!isDict(input)) return fail('integration', 'must be an object');
  const raw = ownCopy(input) as Dict;
  const id = str(raw, 'id', '', ID, 'use 1–128 of letters, digits and . _ : @ / -, starting with a letter or digit');
  const provider = raw.provider;
  const validate = typeof provider === 'string' && Object.hasOwn(BY_PROVIDER, provider) ? BY_PROVIDER[provider as keyof typeof BY_PROVIDER] : fail('provider', 'must be one of aws, gcp, azure, https, memory, file');
  if (!isDict(raw.scope)) fail('scope', 'is required and must be an object');
  const scope = raw.scope as Dict;
  const auth = isDict(raw.auth) ? raw.auth : undefined;
  return validate({ raw, id, scope, auth });
}

/** What every provider's fields are read from (validateFields). */
interface Fields {
  raw: Dict;
  id: string;
  scope: Dict;
  auth: Dict | undefined;
}

function needAuth(auth: Dict | undefined): Dict {
  return auth ?? fail('auth', 'is required and must be an object');
}

function awsFields({ raw, id, scope, auth }: Fields): NormalizedIntegration {
  const a = needAuth(auth);
  const endpoint = awsEndpointField(raw, scope, a);
  const bucket = scope.bucket === WILDCARD ? WILDCARD : awsScopeBucket(scope);
  const region = optStr(scope, 'region', 'scope.', AWS_REGION, 'expected a region such as "eu-west-1"');
  const accountId = optStr(scope, 'accountId', 'scope.', AWS_ACCOUNT, 'expected a 12-digit AWS account ID');
  const prefix = normalizePrefix(scope.prefix, 'scope.prefix');
  const base = { id, provider: 'aws', ...commonFields(raw), mode: mode(raw, ['read-only', 'read-write']), scope: { bucket, ...(prefix ? { prefix } : {}), ...(region ? { region } : {}), ...(accountId ? { accountId } : {}), ...awsScopeExtras(scope, bucket, a) }, ...(endpoint ? { endpoint } : {}), ...awsEncryptionField(raw, a.kind, { ...(region ? { region } : {}) }) } as const;
  requireTenantForWildcard(base, bucket === WILDCARD, String(a.kind));
  if (a.kind === 'assume-role') {
    const roleArn = endpoint
      ? str(a, 'roleArn', 'auth.', STORE_ROLE_ARN, 'expected the store\'s role ARN, e.g. "arn:aws:iam:::role/<name>" (Ceph) or any role ARN (MinIO ignores it)')
      : str(a, 'roleArn', 'auth.', ROLE_ARN, 'expected "arn:aws:iam::<12-digit account>:role/<name>"');
    const externalId = str(a, 'externalId', 'auth.', EXTERNAL_ID, 'external IDs are 2–1224 characters of letters, digits and + = , . @ : / -', true);
    const sessionName = optStr(a, 'sessionName', 'auth.', SESSION_NAME, '2–64 characters of letters, digits and + = , . @ -');
    let durationSeconds: number | undefined;
    if (a.durationSeconds !== undefined) {
      durationSeconds = a.durationSeconds as number;
      if (!Number.isInteger(durationSeconds) || durationSeconds < 900 || durationSeconds > 43_200) fail('auth.durationSeconds', 'must be an integer from 900 to 43200');
    }
    return { ...base, auth: { kind: 'assume-role', roleArn, externalId, ...(sessionName ? { sessionName } : {}), ...(durationSeconds ? { durationSeconds } : {}) } };
  }
  if (a.kind === 'cross-account') return { ...base, auth: { kind: 'cross-account' } };
  if (a.kind === 'access-key') {
    const accessKeyId = endpoint
      ? str(a, 'accessKeyId', 'auth.', STORE_ACCESS_KEY_ID, 'expected the store\'s access key: 3–128 printable characters without spaces', true)
      : str(a, 'accessKeyId', 'auth.', ACCESS_KEY_ID, 'expected 16–128 upper-case letters and digits', true);
    const secretAccessKey = secretField(a, 'secretAccessKey', 'auth.', (o, f, w) => str(o, f, w, undefined, undefined, true));
    const sessionToken = a.sessionToken === undefined ? undefined : str(a, 'sessionToken', 'auth.', undefined, undefined, true);
    return { ...base, auth: { kind: 'access-key', accessKeyId, secretAccessKey, ...(sessionToken ? { sessionToken } : {}), ...temporaryKeyFields(a, Date.now()) } };
  }
  if (a.kind === 'anonymous') return { ...base, auth: anonymousAuth(base.mode) };
  return fail('auth.kind', 'for aws must be "assume-role", "cross-account", "access-key" or "anonymous"');
}

function gcpFields({ raw, id, scope, auth }: Fields): NormalizedIntegration {
  const a = needAuth(auth);
  const bucket = scope.bucket === WILDCARD ? WILDCARD : str(scope, 'bucket', 'scope.', GCS_BUCKET, 'GCS bucket names are 3–222 of a-z 0-9 . _ - (or "*" for any bucket of a tenant)');
  if (bucket.startsWith('goog')) fail('scope.bucket', 'GCS bucket names cannot start with "goog"');
  const prefix = normalizePrefix(scope.prefix, 'scope.prefix');
  const base = { id, provider: 'gcp', ...commonFields(raw), mode: mode(raw, ['read-only', 'read-write']), scope: { bucket, ...(prefix ? { prefix } : {}) }, ...gcpEncryptionField(raw) } as const;
  requireTenantForWildcard(base, bucket === WILDCARD, String(a.kind));
  if (a.kind === 'impersonation') {
    const serviceAccount = str(a, 'serviceAccount', 'auth.', EMAIL, 'expected a service account e-mail such as "reader@project.iam.gserviceaccount.com"');
    let delegates: string[] | undefined;
    if (a.delegates !== undefined) {
      if (!Array.isArray(a.delegates)) fail('auth.delegates', 'must be an array of service account e-mails');
      delegates = (a.delegates as unknown[]).map((d, i) => (typeof d === 'string' && EMAIL.test(d) ? d : fail(`auth.delegates[${i}]`, 'is not a service account e-mail')));
    }
    return { ...base, auth: { kind: 'impersonation', serviceAccount, ...(delegates ? { delegates } : {}) } };
  }
  if (a.kind === 'service-account-key') {
    if (!isDict(a.credentials)) fail('auth.credentials', 'must be the parsed JSON key ({ client_email, private_key })');
    const c = a.credentials as Dict;
    const clientEmail = str(c, 'client_email', 'auth.credentials.', EMAIL, 'expected a service account e-mail');
    const privateKey = secretField(c, 'private_key', 'auth.credentials.', (o, f, w) => str(o, f, w, /-----BEGIN (?:RSA )?PRIVATE KEY-----/, 'expected a PEM private key', true));
    return { ...base, auth: { kind: 'service-account-key', credentials: { client_email: clientEmail, private_key: privateKey } } };
  }
  if (a.kind === 'cross-project') return { ...base, auth: { kind: 'cross-project' } };
  if (a.kind === 'anonymous') return { ...base, auth: anonymousAuth(base.mode) };
  return fail('auth.kind', 'for gcp must be "impersonation", "service-account-key", "cross-project" or "anonymous"');
}

function azureFields({ raw, id, scope, auth }: Fields): NormalizedIntegration {
  const a = needAuth(auth);
  const account = str(scope, 'account', 'scope.', AZ_ACCOUNT, 'storage account names are 3–24 of a-z 0-9');
  const container = scope.container === undefined ? undefined : str(scope, 'container', 'scope.', AZ_CONTAINER, 'container names are 3–63 of a-z 0-9 -, no "--" (omit it for any container of a tenant\'s account)');
  const prefix = normalizePrefix(scope.prefix, 'scope.prefix');
  const base = { id, provider: 'azure', ...commonFields(raw), mode: mode(raw, ['read-only', 'read-write']), scope: { account, ...(container !== undefined ? { container } : {}), ...(prefix ? { prefix } : {}), ...azureScopeCloud(scope) }, ...azureEncryptionField(raw) } as const;
  requireTenantForWildcard(base, container === undefined, String(a.kind));
  if (a.kind === 'sas') return { ...base, auth: azureSasAuth(a, base.mode, container !== undefined) };
  if (a.kind === 'anonymous') return { ...base, auth: anonymousAuth(base.mode) };
  const tenantId = str(a, 'tenantId', 'auth.', new RegExp(`${GUID.source}|${TENANT_DOMAIN.source}`, 'i'), 'expected a tenant GUID or domain');
  const clientId = str(a, 'clientId', 'auth.', GUID, 'expected the application (client) ID, a GUID');
  if (a.kind === 'federated') {
    if (a.tokenFile !== undefined) {
      if (a.assertion !== undefined) fail('auth.tokenFile', 'give either auth.assertion or auth.tokenFile, not both');
      if (typeof a.tokenFile !== 'string' || !path.isAbsolute(a.tokenFile)) fail('auth.tokenFile', 'must be the absolute path of the platform\'s OIDC token file (e.g. $AZURE_FEDERATED_TOKEN_FILE)');
      return { ...base, auth: { kind: 'federated', tenantId, clientId, tokenFile: a.tokenFile as string } };
    }
    if (typeof a.assertion !== 'function') fail('auth.assertion', 'must be a function returning a Promise of the OIDC assertion (JWT); or set auth.tokenFile to the path of a projected token file');
    return { ...base, auth: { kind: 'federated', tenantId, clientId, assertion: a.assertion as () => Promise<string> } };
  }
  if (a.kind === 'client-secret') {
    const clientSecret = secretField(a, 'clientSecret', 'auth.', (o, f, w) => str(o, f, w, undefined, undefined, true));
    return { ...base, auth: { kind: 'client-secret', tenantId, clientId, clientSecret } };
  }
  if (a.kind === 'client-certificate') return { ...base, auth: azureCertificateAuth(a, tenantId, clientId) };
  return fail('auth.kind', 'for azure must be "federated", "client-secret", "client-certificate", "sas" or "anonymous"');
}

function httpsFields({ raw, id, scope }: Fields): NormalizedIntegration {
  const hosts = scope.hosts;
  if (!Array.isArray(hosts) || hosts.length === 0) fail('scope.hosts', 'must be a non-empty array of host names (exact, or "*.example.com")');
  const normalized = (hosts as unknown[]).map((h, i) => {
    if (typeof h !== 'string' || !HOST.test(h.toLowerCase())) return fail(`scope.hosts[${i}]`, 'must be a host name such as "cdn.example.com" or "*.example.com" (no scheme, port or path)');
    return h.toLowerCase();
  });
  let presignTtlSeconds: number | undefined;
  if (raw.presignTtlSeconds !== undefined) {
    presignTtlSeconds = raw.presignTtlSeconds as number;
    if (!Number.isInteger(presignTtlSeconds) || presignTtlSeconds <= 0) fail('presignTtlSeconds', 'must be a positive integer');
  }
  return { id, provider: 'https', ...commonFields(raw), mode: mode(raw, ['read-only']) as 'read-only', scope: { hosts: normalized }, ...(presignTtlSeconds ? { presignTtlSeconds } : {}) };
}

function memoryFields({ raw, id, scope }: Fields): NormalizedIntegration {
  const bucket = str(scope, 'bucket', 'scope.', MEMORY_STORE, 'memory store names are 1–63 of a-z 0-9 . _ -');
  const prefix = normalizePrefix(scope.prefix, 'scope.prefix');
  return { id, provider: 'memory', ...commonFields(raw), mode: mode(raw, ['read-only', 'read-write']), scope: { bucket, ...(prefix ? { prefix } : {}) } };
}

function fileFields({ raw, id, scope }: Fields): NormalizedIntegration {
  const root = scope.root;
  if (typeof root !== 'string' || !path.isAbsolute(root)) return fail('scope.root', 'must be an absolute directory path');
  if (FORBIDDEN_CHARACTERS.test(root)) fail('scope.root', 'must not contain control characters or bidirectional controls');
  if (root.split(/[\\/]/).some((s) => s === '..' || s === '.')) fail('scope.root', 'must not contain "." or ".." segments');
  const normalized = path.resolve(root);
  return { id, provider: 'file', ...commonFields(raw), mode: mode(raw, ['read-only', 'read-write']), scope: { root: normalized } };
}

// One function per provider: a process compiles only the validation of the providers it registers.
const BY_PROVIDER = { aws: awsFields, gcp: gcpFields, azure: azureFields, https: httpsFields, memory: memoryFields, file: fileFields } as const;

/**
 * Validates an integration and returns a normalised deep copy (mode filled in, prefix trimmed).
 * An INVALID_INTEGRATION error names the integration (`integrationId` and the message) as well as
 * the field, so a bad entry among many is found at once.
 */
export function validateIntegration(input: Integration): NormalizedIntegration {
  try {
    return validateFields(input);
  } catch (error) {
    const id = isDict(input) ? (input as unknown as Dict).id : undefined;
    if (error instanceof InvalidIntegrationError && error.integrationId === undefined && error.field !== 'id' && typeof id === 'string' && ID.test(id)) {
      throw new InvalidIntegrationError(error.field, error.message.slice(error.field.length + 2), { integrationId: id });
    }
    throw error;
  }
}
