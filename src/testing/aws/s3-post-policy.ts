import { createHmac, timingSafeEqual } from 'node:crypto';
import type { AwsKeyEntry, AwsKeyring } from './keyring.js';
import { S3Error, invalidArgument, invalidRequest } from './s3-errors.js';
import { deriveSigningKey, parseAmzDate } from './sigv4-verify.js';

/**
 * Browser form uploads (POST Object) with SigV4 POST policies, checked as S3 checks them: the
 * signature over the base64 policy with the credential's signing key, the session token field for
 * temporary credentials, `expiration`, every condition (`eq` / exact, `starts-with`,
 * `content-length-range`), and that every form field except `x-amz-signature`, `file`, `policy`
 * and `x-ignore-*` is covered by a condition. Fields after `file` are ignored, as S3 does.
 */

export interface FormField { name: string; value: string }
export interface FormFile { filename?: string; contentType?: string; data: Buffer }
export interface ParsedForm { fields: Map<string, FormField>; file?: FormFile }

const badForm = (): S3Error => new S3Error(400, 'MalformedPOSTRequest', 'The body of your POST request is not well-formed multipart/form-data.');

function dispositionParam(disposition: string, name: string): string | undefined {
  const match = new RegExp(`;\\s*${name}="((?:[^"\\\\]|\\\\.)*)"`, 'i').exec(disposition) ?? new RegExp(`;\\s*${name}=([^;\\s]*)`, 'i').exec(disposition);
  return match?.[1]?.replace(/\\(.)/g, '$1');
}

/** Parses a multipart/form-data body (field names keyed lower-case: S3 field names are case-insensitive). */
export function parseMultipartForm(body: Buffer, contentType: string): ParsedForm {
  const boundary = /;\s*boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  const marker = boundary?.[1] ?? boundary?.[2];
  if (!marker) throw badForm();
  const delimiter = Buffer.from(`--${marker}`);
  const separator = Buffer.from(`\r\n--${marker}`);
  let pos = body.indexOf(delimiter);
  if (pos < 0) throw badForm();
  pos += delimiter.length;
  const form: ParsedForm = { fields: new Map() };
  for (;;) {
    if (body.subarray(pos, pos + 2).toString('latin1') === '--') break;
    if (body.subarray(pos, pos + 2).toString('latin1') !== '\r\n') throw badForm();
    pos += 2;
    const headerEnd = body.indexOf('\r\n\r\n', pos);
    if (headerEnd < 0) throw badForm();
    const headers = body.subarray(pos, headerEnd).toString('utf8').split('\r\n');
    const contentStart = headerEnd + 4;
    const next = body.indexOf(separator, contentStart);
    if (next < 0) throw badForm();
    const content = body.subarray(contentStart, next);
    pos = next + separator.length;
    const header = (name: string): string | undefined => headers.find((h) => h.toLowerCase().startsWith(`${name}:`))?.slice(name.length + 1).trim();
    const disposition = header('content-disposition') ?? '';
    const name = dispositionParam(disposition, 'name');
    if (name === undefined) throw badForm();
    if (name.toLowerCase() === 'file') {
      const filename = dispositionParam(disposition, 'filename');
      const partType = header('content-type');
      form.file = { data: content, ...(filename !== undefined ? { filename } : {}), ...(partType !== undefined ? { contentType: partType } : {}) };
      break; // the file is the last field S3 reads
    }
    form.fields.set(name.toLowerCase(), { name, value: content.toString('utf8') });
  }
  return form;
}

export interface VerifiedPost {
  caller: AwsKeyEntry;
  /** The object key, `${filename}` substituted. */
  key: string;
  /** Credential scope region. */
  region: string;
  /** Form field value by lower-case name. */
  field(name: string): string | undefined;
}

const EXEMPT = new Set(['x-amz-signature', 'file', 'policy']);
const policyError = (reason: string): S3Error => new S3Error(403, 'AccessDenied', `Invalid according to Policy: ${reason}`);
const invalidPolicy = (reason: string): S3Error => new S3Error(400, 'InvalidPolicyDocument', `Invalid Policy: ${reason}`);

type Condition = { kind: 'eq' | 'starts-with'; field: string; value: string; source: string } | { kind: 'range'; min: number; max: number; source: string };

function parseConditions(conditions: unknown): Condition[] {
  if (!Array.isArray(conditions)) throw invalidPolicy("Invalid 'conditions' value: must be a List.");
  return conditions.map((raw): Condition => {
    const source = JSON.stringify(raw);
    if (Array.isArray(raw)) {
      const [op, a, b] = raw as unknown[];
      if (typeof op === 'string' && op.toLowerCase() === 'content-length-range') {
        const min = Number(a);
        const max = Number(b);
        if (raw.length !== 3 || !Number.isInteger(min) || !Number.isInteger(max) || min < 0 || max < min) throw invalidPolicy(`Invalid content-length-range: ${source}`);
        return { kind: 'range', min, max, source };
      }
      if (raw.length !== 3 || typeof op !== 'string' || typeof a !== 'string' || !a.startsWith('$') || typeof b !== 'string') throw invalidPolicy(`Invalid Condition: ${source}`);
      const kind = op.toLowerCase();
      if (kind !== 'eq' && kind !== 'starts-with') throw invalidPolicy(`Invalid Condition: ${source}`);
      return { kind, field: a.slice(1).toLowerCase(), value: b, source };
    }
    if (typeof raw === 'object' && raw !== null) {
      const entries = Object.entries(raw as Record<string, unknown>);
      const [entry] = entries;
      if (entries.length !== 1 || !entry || typeof entry[1] !== 'string') throw invalidPolicy(`Invalid Simple-Condition: ${source}`);
      return { kind: 'eq', field: entry[0].replace(/^\$/, '').toLowerCase(), value: entry[1], source: JSON.stringify(['eq', `$${entry[0]}`, entry[1]]) };
    }
    throw invalidPolicy(`Invalid Condition: ${source}`);
  });
}

const hmac = (key: Buffer, data: string): Buffer => createHmac('sha256', key).update(data, 'utf8').digest();

/**
 * Verifies signature, credentials and policy of a POST form for `bucketName`; S3 then still
 * authorises s3:PutObject on the key with the credential's policies (the caller does that).
 */
export function verifyPostPolicy(form: ParsedForm, bucketName: string, keyring: AwsKeyring, now: number): VerifiedPost {
  const field = (name: string): string | undefined => form.fields.get(name)?.value;
  if (field('awsaccesskeyid') !== undefined || field('signature') !== undefined) {
    throw invalidRequest('The authorization mechanism you have provided is not supported. Please use AWS4-HMAC-SHA256.');
  }
  const policyText = field('policy');
  if (policyText === undefined) throw new S3Error(403, 'AccessDenied', 'Access Denied');
  for (const required of ['x-amz-algorithm', 'x-amz-credential', 'x-amz-date', 'x-amz-signature']) {
    if (field(required) === undefined) throw invalidArgument(`Bucket POST must contain a field named '${required}'.  If it is specified, please check the order of the fields.`, required, '');
  }
  if (!form.file) throw invalidArgument('POST requires exactly one file upload per request.', 'file', '0');
  if (field('key') === undefined) throw invalidArgument("Bucket POST must contain a field named 'key'.  If it is specified, please check the order of the fields.", 'key', '');
  if (field('x-amz-algorithm') !== 'AWS4-HMAC-SHA256') throw invalidArgument('Only AWS4-HMAC-SHA256 POST signatures are supported', 'x-amz-algorithm', field('x-amz-algorithm'));

  const credential = field('x-amz-credential') ?? '';
  const [accessKeyId, date, region, service, terminator, ...extra] = credential.split('/');
  if (!accessKeyId || !date || !region || service !== 's3' || terminator !== 'aws4_request' || extra.length > 0) {
    throw invalidArgument('Invalid credential: must be <key>/<date>/<region>/s3/aws4_request', 'x-amz-credential', credential);
  }
  const amzDate = field('x-amz-date') ?? '';
  if (parseAmzDate(amzDate) === undefined || !amzDate.startsWith(date)) throw invalidArgument('x-amz-date must be YYYYMMDDTHHMMSSZ on the date of the credential scope', 'x-amz-date', amzDate);
  const caller = keyring.get(accessKeyId);
  if (!caller) throw new S3Error(403, 'InvalidAccessKeyId', 'The AWS Access Key Id you provided does not exist in our records.');
  if ((caller.sessionToken ?? undefined) !== field('x-amz-security-token')) throw new S3Error(400, 'InvalidToken', 'The provided token is malformed or otherwise invalid.');
  if (caller.expiresAt !== undefined && now >= caller.expiresAt) throw new S3Error(400, 'ExpiredToken', 'The provided token has expired.');
  const expected = hmac(deriveSigningKey(caller.secretAccessKey, date, region, 's3'), policyText);
  const given = Buffer.from(field('x-amz-signature') ?? '', 'hex');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    throw new S3Error(403, 'SignatureDoesNotMatch', 'The request signature we calculated does not match the signature you provided. Check your key and signing method.');
  }

  let policy: { expiration?: unknown; conditions?: unknown };
  try {
    policy = JSON.parse(Buffer.from(policyText, 'base64').toString('utf8')) as typeof policy;
  } catch {
    throw invalidPolicy('Invalid JSON.');
  }
  if (typeof policy !== 'object' || policy === null) throw invalidPolicy('Invalid JSON.');
  if (typeof policy.expiration !== 'string' || Number.isNaN(Date.parse(policy.expiration))) throw invalidPolicy(`Invalid 'expiration' value: '${String(policy.expiration)}'`);
  const conditions = parseConditions(policy.conditions);
  if (now > Date.parse(policy.expiration)) throw policyError('Policy expired.');

  const size = form.file.data.length;
  const valueOf = (name: string): string | undefined => (name === 'bucket' ? bucketName : field(name));
  for (const condition of conditions) {
    if (condition.kind === 'range') continue;
    const actual = valueOf(condition.field);
    const holds = actual !== undefined && (condition.kind === 'eq'
      ? actual === condition.value
      // Content-Type may list several values; each must start with the prefix.
      : (condition.field === 'content-type' ? actual.split(',').map((s) => s.trim()) : [actual]).every((v) => v.startsWith(condition.value)));
    if (!holds) throw policyError(`Policy Condition failed: ${condition.source}`);
  }
  const covered = new Set(conditions.flatMap((c) => (c.kind === 'range' ? [] : [c.field])));
  const extraFields = [...form.fields.values()].filter((f) => {
    const name = f.name.toLowerCase();
    return !EXEMPT.has(name) && !name.startsWith('x-ignore-') && !covered.has(name);
  });
  if (extraFields.length > 0) throw policyError(`Extra input fields: ${extraFields.map((f) => f.name).join(', ')}`);
  for (const condition of conditions) {
    if (condition.kind !== 'range') continue;
    if (size > condition.max) throw new S3Error(400, 'EntityTooLarge', 'Your proposed upload exceeds the maximum allowed size', {}, { ProposedSize: String(size), MaxSizeAllowed: String(condition.max) });
    if (size < condition.min) throw new S3Error(400, 'EntityTooSmall', 'Your proposed upload is smaller than the minimum allowed size', {}, { ProposedSize: String(size), MinSizeAllowed: String(condition.min) });
  }
  const key = (field('key') ?? '').replace(/\$\{filename\}/g, form.file.filename ?? '');
  return { caller, key, region, field };
}
