import { InvalidIntegrationError } from '../errors.js';
import type { AwsEncryption, AzureEncryption, GcpEncryption } from '../types.js';

/**
 * Validation of the `encryption` field of AWS, GCP and Azure integrations. A bad value is
 * INVALID_INTEGRATION naming `encryption.*`: a write must never silently fall back to the
 * bucket's default encryption because the configured key could not be used.
 */

type Dict = Record<string, unknown>;
const fail = (field: string, message: string): never => { throw new InvalidIntegrationError(field, message); };
const isDict = (v: unknown): v is Dict => typeof v === 'object' && v !== null && !Array.isArray(v);

const PARTITION = '(aws|aws-cn|aws-us-gov)';
const REGION = '([a-z]{2}(?:-[a-z]+)+-\\d{1,2})';
const KEY_ID = '(?:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|mrk-[0-9a-f]{32})';
/** `arn:aws:kms:eu-west-1:123456789012:key/<uuid | mrk-…>` */
export const KMS_KEY_ARN = new RegExp(`^arn:${PARTITION}:kms:${REGION}:(\\d{12}):key/${KEY_ID}$`);
const KMS_ALIAS_ARN = new RegExp(`^arn:${PARTITION}:kms:${REGION}:(\\d{12}):alias/([\\w/-]{1,250})$`);
const KMS_ALIAS = /^alias\/([\w/-]{1,250})$/;
const BARE_KEY_ID = new RegExp(`^${KEY_ID}$`);
/** `projects/P/locations/L/keyRings/R/cryptoKeys/K` (no `/cryptoKeyVersions/`: GCS names the key, KMS picks the primary version). */
const GCP_KMS_KEY = /^projects\/[a-z][a-z0-9-]{4,28}[a-z0-9]\/locations\/[a-z0-9-]{1,63}\/keyRings\/[\w-]{1,63}\/cryptoKeys\/[\w-]{1,63}$/;
/** Azure encryption scope names: 3–63 letters and digits, starting with a letter. */
const AZURE_SCOPE = /^[A-Za-z][A-Za-z0-9]{2,62}$/;

export function awsEncryptionField(raw: Dict, authKind: unknown, scope: { region?: string }): { encryption?: AwsEncryption } {
  const value = raw.encryption;
  if (value === undefined) return {};
  if (!isDict(value)) return fail('encryption', "must be { kind: 'aws:kms', keyId, bucketKey? } or { kind: 'AES256' }");
  for (const key of Object.keys(value)) {
    if (!['kind', 'keyId', 'bucketKey'].includes(key)) fail(`encryption.${key}`, 'is not a field of AWS encryption (kind, keyId, bucketKey)');
  }
  if (value.kind === 'AES256') {
    if (value.keyId !== undefined || value.bucketKey !== undefined) fail('encryption.keyId', "SSE-S3 (kind 'AES256') takes no keyId or bucketKey; use kind 'aws:kms' for a KMS key");
    return { encryption: { kind: 'AES256' } };
  }
  if (value.kind !== 'aws:kms') return fail('encryption.kind', "must be 'aws:kms' or 'AES256'");
  const keyId = value.keyId;
  if (typeof keyId !== 'string' || keyId === '') return fail('encryption.keyId', 'is required for aws:kms: the ARN of the customer-managed KMS key');
  const arn = KMS_KEY_ARN.exec(keyId);
  if (!arn) {
    const named = KMS_ALIAS_ARN.exec(keyId)?.[4] ?? KMS_ALIAS.exec(keyId)?.[1];
    if (named === undefined && !BARE_KEY_ID.test(keyId)) {
      fail('encryption.keyId', `${JSON.stringify(keyId.slice(0, 200))} is not a KMS key: expected "arn:aws:kms:<region>:<account>:key/<key id>" (or an alias)`);
    }
    if (named?.startsWith('aws/')) fail('encryption.keyId', 'names an AWS managed key (alias/aws/…): use kind \'aws:kms\' with the customer-managed key, or kind \'AES256\'');
    if (authKind === 'assume-role') {
      fail('encryption.keyId', 'must be the key ARN ("arn:aws:kms:<region>:<account>:key/<key id>") for assume-role integrations: the session policy grants kms:GenerateDataKey/kms:Decrypt on exactly that key, and an alias or bare key id names no IAM resource');
    }
  }
  const keyRegion = arn?.[2] ?? KMS_ALIAS_ARN.exec(keyId)?.[2];
  if (keyRegion !== undefined && scope.region !== undefined && keyRegion !== scope.region) {
    fail('encryption.keyId', `is a key in ${keyRegion}, but the bucket is in ${scope.region}: S3 only uses KMS keys of the bucket's region`);
  }
  if (value.bucketKey !== undefined && typeof value.bucketKey !== 'boolean') fail('encryption.bucketKey', 'must be true or false');
  return { encryption: { kind: 'aws:kms', keyId, ...(value.bucketKey !== undefined ? { bucketKey: value.bucketKey as boolean } : {}) } };
}

export function gcpEncryptionField(raw: Dict): { encryption?: GcpEncryption } {
  const value = raw.encryption;
  if (value === undefined) return {};
  if (!isDict(value) || Object.keys(value).some((k) => k !== 'kmsKeyName')) return fail('encryption', 'must be { kmsKeyName: "projects/…/locations/…/keyRings/…/cryptoKeys/…" }');
  const name = value.kmsKeyName;
  if (typeof name !== 'string' || !GCP_KMS_KEY.test(name)) {
    return fail('encryption.kmsKeyName', `${JSON.stringify(String(name).slice(0, 200))} is not a Cloud KMS key name: expected "projects/<project>/locations/<location>/keyRings/<ring>/cryptoKeys/<key>" (without /cryptoKeyVersions/)`);
  }
  return { encryption: { kmsKeyName: name } };
}

export function azureEncryptionField(raw: Dict): { encryption?: AzureEncryption } {
  const value = raw.encryption;
  if (value === undefined) return {};
  if (!isDict(value) || Object.keys(value).some((k) => k !== 'scope')) return fail('encryption', 'must be { scope: "<encryption scope name>" }');
  const scope = value.scope;
  if (typeof scope !== 'string' || !AZURE_SCOPE.test(scope)) {
    return fail('encryption.scope', `${JSON.stringify(String(scope).slice(0, 200))} is not an encryption scope name: 3–63 letters and digits, starting with a letter`);
  }
  return { encryption: { scope } };
}
