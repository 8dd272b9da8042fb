import { verify } from 'node:crypto';
import { parseMultipartForm, type ParsedForm } from '../aws/s3-post-policy.js';
import type { FakeGcpDirectory } from './directory.js';

/**
 * Cloud Storage V4 POST policies (browser form uploads), checked as GCS checks them: the RSA
 * signature of the base64 policy by the service account named in `x-goog-credential`,
 * `expiration`, every condition (exact match, `starts-with`, `content-length-range` on the file's
 * size) and that every form field except `x-goog-signature`, `policy`, `file` and `x-ignore-*` is
 * covered by a condition. Bucket IAM is the caller's (the fake GCS) to check for the signer.
 */

export type PostVerdict =
  | { ok: true; signer: string; key: string; form: ParsedForm; field(name: string): string | undefined }
  | { ok: false; status: number; code: string; message: string };

const EXEMPT = new Set(['x-goog-signature', 'policy', 'file']);

type Condition = { kind: 'eq' | 'starts-with'; field: string; value: string; source: string } | { kind: 'range'; min: number; max: number; source: string };

export function verifyPostPolicy(body: Buffer, contentType: string, bucket: string, directory: FakeGcpDirectory): PostVerdict {
  const refuse = (status: number, code: string, message: string): PostVerdict => ({ ok: false, status, code, message });
  let form: ParsedForm;
  try {
    form = parseMultipartForm(body, contentType);
  } catch {
    return refuse(400, 'InvalidArgument', 'The body of the POST request is not well-formed multipart/form-data.');
  }
  const field = (name: string): string | undefined => form.fields.get(name)?.value;
  for (const required of ['policy', 'x-goog-algorithm', 'x-goog-credential', 'x-goog-date', 'x-goog-signature', 'key']) {
    if (field(required) === undefined) return refuse(400, 'InvalidArgument', `POST form is missing the field ${required}.`);
  }
  if (!form.file) return refuse(400, 'InvalidArgument', 'POST requires one file field, sent last.');
  if (field('x-goog-algorithm') !== 'GOOG4-RSA-SHA256') return refuse(400, 'InvalidArgument', 'Unsupported x-goog-algorithm.');
  const [signer, date, location, service, terminator, ...rest] = (field('x-goog-credential') ?? '').split('/');
  if (!signer || !date || location !== 'auto' || service !== 'storage' || terminator !== 'goog4_request' || rest.length > 0 || !(field('x-goog-date') ?? '').startsWith(date)) {
    return refuse(400, 'InvalidArgument', 'Malformed x-goog-credential or x-goog-date.');
  }
  const account = directory.serviceAccount(signer);
  const signature = field('x-goog-signature') ?? '';
  const policyText = field('policy') ?? '';
  if (!account || !/^[0-9a-f]+$/i.test(signature) || !verify('sha256', Buffer.from(policyText, 'utf8'), account.publicKey, Buffer.from(signature, 'hex'))) {
    return refuse(403, 'SignatureDoesNotMatch', 'The request signature we calculated does not match the signature you provided.');
  }
  let policy: { expiration?: unknown; conditions?: unknown };
  try {
    policy = JSON.parse(Buffer.from(policyText, 'base64').toString('utf8')) as typeof policy;
  } catch {
    return refuse(400, 'InvalidPolicyDocument', 'The policy is not valid JSON.');
  }
  if (typeof policy.expiration !== 'string' || Number.isNaN(Date.parse(policy.expiration))) return refuse(400, 'InvalidPolicyDocument', 'Invalid expiration.');
  if (directory.now() > Date.parse(policy.expiration)) return refuse(400, 'InvalidPolicyDocument', 'Invalid according to Policy: Policy expired.');
  const conditions = parseConditions(policy.conditions);
  if (typeof conditions === 'string') return refuse(400, 'InvalidPolicyDocument', conditions);

  const valueOf = (name: string): string | undefined => (name === 'bucket' ? bucket : field(name));
  for (const condition of conditions) {
    if (condition.kind === 'range') continue;
    const actual = valueOf(condition.field);
    const holds = actual !== undefined && (condition.kind === 'eq' ? actual === condition.value : actual.startsWith(condition.value));
    if (!holds) return refuse(403, 'AccessDenied', `Invalid according to Policy: Policy Condition failed: ${condition.source}`);
  }
  const covered = new Set(conditions.flatMap((c) => (c.kind === 'range' ? [] : [c.field])));
  const extra = [...form.fields.values()].filter((f) => {
    const name = f.name.toLowerCase();
    return !EXEMPT.has(name) && !name.startsWith('x-ignore-') && !covered.has(name);
  });
  if (extra.length > 0) return refuse(403, 'AccessDenied', `Invalid according to Policy: Extra input fields: ${extra.map((f) => f.name).join(', ')}`);
  const size = form.file.data.length;
  for (const condition of conditions) {
    if (condition.kind !== 'range') continue;
    if (size > condition.max) return refuse(400, 'EntityTooLarge', 'Your proposed upload exceeds the maximum allowed size.');
    if (size < condition.min) return refuse(400, 'EntityTooSmall', 'Your proposed upload is smaller than the minimum allowed size.');
  }
  const key = (field('key') ?? '').replace(/\$\{filename\}/g, form.file.filename ?? '');
  return { ok: true, signer, key, form, field };
}

function parseConditions(raw: unknown): Condition[] | string {
  if (!Array.isArray(raw)) return 'Invalid conditions: must be a list.';
  const out: Condition[] = [];
  for (const entry of raw) {
    const source = JSON.stringify(entry);
    if (Array.isArray(entry)) {
      const [op, a, b] = entry as unknown[];
      if (typeof op === 'string' && op.toLowerCase() === 'content-length-range') {
        const min = Number(a);
        const max = Number(b);
        if (entry.length !== 3 || !Number.isInteger(min) || !Number.isInteger(max) || min < 0 || max < min) return `Invalid content-length-range: ${source}`;
        out.push({ kind: 'range', min, max, source });
        continue;
      }
      if (entry.length !== 3 || typeof op !== 'string' || typeof a !== 'string' || !a.startsWith('$') || typeof b !== 'string') return `Invalid condition: ${source}`;
      const kind = op.toLowerCase();
      if (kind !== 'eq' && kind !== 'starts-with') return `Invalid condition: ${source}`;
      out.push({ kind, field: a.slice(1).toLowerCase(), value: b, source });
    } else if (typeof entry === 'object' && entry !== null) {
      const entries = Object.entries(entry as Record<string, unknown>);
      const [first] = entries;
      if (entries.length !== 1 || !first || typeof first[1] !== 'string') return `Invalid condition: ${source}`;
      out.push({ kind: 'eq', field: first[0].replace(/^\$/, '').toLowerCase(), value: first[1], source });
    } else {
      return `Invalid condition: ${source}`;
    }
  }
  return out;
}
