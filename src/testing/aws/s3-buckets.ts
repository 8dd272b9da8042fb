import { PolicyParseError, validateResourcePolicyDocument, type ResourcePolicyDocument } from './iam-policy.js';
import { S3Error, invalidArgument } from './s3-errors.js';
import { kmsKeyArn } from './s3-object-headers.js';
import { emptyResponse, xmlResponse, type S3Context, type S3Response } from './s3-request.js';
import { canonicalUserId, type SseSettings } from './s3-store.js';
import { child, childText, parseXml, tag, wrap, xmlDocument, xmlText } from './s3-xml.js';

/** Bucket configuration operations the fake supports: location, versioning, policy, default encryption. */

const malformed = (): S3Error => new S3Error(400, 'MalformedXML', 'The XML you provided was not well-formed or did not validate against our published schema');

export function getBucketLocation(ctx: S3Context): S3Response {
  const region = ctx.bucket.region;
  // us-east-1 is the empty LocationConstraint, for historical reasons.
  return xmlResponse(200, xmlDocument('LocationConstraint', xmlText(region === 'us-east-1' ? '' : region)));
}

export function headBucket(ctx: S3Context): S3Response {
  return emptyResponse(200, { 'x-amz-access-point-alias': ctx.accessPoint ? 'true' : 'false' });
}

export function getBucketVersioning(ctx: S3Context): S3Response {
  const status = ctx.bucket.versioning;
  return xmlResponse(200, xmlDocument('VersioningConfiguration', tag('Status', status)));
}

export function putBucketVersioning(ctx: S3Context): S3Response {
  const doc = parseXml(ctx.req.body.toString('utf8'));
  if (doc.name !== 'VersioningConfiguration') throw malformed();
  const status = childText(doc, 'Status')?.trim();
  if (childText(doc, 'MfaDelete')?.trim() === 'Enabled') throw new S3Error(400, 'InvalidRequest', 'DevPay and Mfa are mutually exclusive authorization methods.');
  if (status === undefined) return emptyResponse(200);
  if (status !== 'Enabled' && status !== 'Suspended') throw malformed();
  ctx.bucket.versioning = status;
  return emptyResponse(200);
}

export function getBucketPolicy(ctx: S3Context): S3Response {
  const policy = ctx.bucket.spec.policy;
  if (!policy) throw new S3Error(404, 'NoSuchBucketPolicy', 'The bucket policy does not exist', {}, { BucketName: ctx.bucket.name });
  return { status: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify(policy) };
}

export function putBucketPolicy(ctx: S3Context): S3Response {
  let parsed: unknown;
  try {
    parsed = JSON.parse(ctx.req.body.toString('utf8'));
    validateResourcePolicyDocument(parsed);
  } catch (error) {
    const reason = error instanceof PolicyParseError ? error.message : 'Policies must be valid JSON and the first byte must be \'{\'';
    throw new S3Error(400, 'MalformedPolicy', reason);
  }
  ctx.bucket.spec.policy = parsed as ResourcePolicyDocument;
  return emptyResponse(204);
}

export function deleteBucketPolicy(ctx: S3Context): S3Response {
  delete ctx.bucket.spec.policy;
  return emptyResponse(204);
}

export function getBucketEncryption(ctx: S3Context): S3Response {
  const sse = ctx.bucket.spec.defaultEncryption ?? { algorithm: 'AES256' };
  const byDefault = tag('SSEAlgorithm', sse.algorithm) + (sse.algorithm !== 'AES256' ? tag('KMSMasterKeyID', sse.kmsKeyId ?? kmsKeyArn(undefined, ctx.bucket)) : '');
  return xmlResponse(200, xmlDocument('ServerSideEncryptionConfiguration',
    wrap('Rule', wrap('ApplyServerSideEncryptionByDefault', byDefault) + tag('BucketKeyEnabled', sse.bucketKeyEnabled ?? false))));
}

export function putBucketEncryption(ctx: S3Context): S3Response {
  const doc = parseXml(ctx.req.body.toString('utf8'));
  const rule = child(doc, 'Rule');
  const byDefault = rule && child(rule, 'ApplyServerSideEncryptionByDefault');
  const algorithm = byDefault && childText(byDefault, 'SSEAlgorithm')?.trim();
  if (doc.name !== 'ServerSideEncryptionConfiguration' || !rule || !byDefault || !algorithm) throw malformed();
  if (algorithm !== 'AES256' && algorithm !== 'aws:kms' && algorithm !== 'aws:kms:dsse') throw invalidArgument('The encryption method specified is not supported', 'SSEAlgorithm', algorithm);
  const keyId = childText(byDefault, 'KMSMasterKeyID')?.trim();
  const sse: SseSettings = { algorithm };
  if (algorithm !== 'AES256') sse.kmsKeyId = kmsKeyArn(keyId, ctx.bucket);
  if (childText(rule, 'BucketKeyEnabled')?.trim() === 'true') sse.bucketKeyEnabled = true;
  ctx.bucket.spec.defaultEncryption = sse;
  return emptyResponse(200);
}

export function deleteBucketEncryption(ctx: S3Context): S3Response {
  delete ctx.bucket.spec.defaultEncryption;
  return emptyResponse(204);
}

export function ownerXml(accountId: string): string {
  return wrap('Owner', tag('ID', canonicalUserId(accountId)));
}
