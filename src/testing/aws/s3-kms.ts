import { evaluatePolicies } from './iam-policy.js';
import type { AwsKeyEntry } from './keyring.js';
import type { S3Operation } from './s3-action.js';
import { S3Error } from './s3-errors.js';
import { effectiveSse, readObjectAttributes } from './s3-object-headers.js';
import type { S3Request } from './s3-request.js';
import type { BucketState, SseSettings } from './s3-store.js';

/**
 * SSE-KMS as S3 does it: S3 calls KMS *with the caller's permissions*, so a write encrypted under
 * a customer-managed key needs `kms:GenerateDataKey` on that key, a read (and the completion of a
 * multipart upload, which reads its parts) needs `kms:Decrypt` — in the caller's effective
 * permissions: every identity policy AND the session policy. An assumed-role session whose
 * session policy names no KMS statement is refused, as in AWS ("no session policy allows the
 * kms:GenerateDataKey action").
 *
 * Modelled: the AWS managed key (`alias/aws/s3`, used when SSE-KMS names no key) needs no IAM
 * grant, as its key policy grants every principal of the account through S3. Not modelled: key
 * policies (a key in another account is authorised by the caller's IAM policies alone) and alias
 * resolution (a key named by alias is authorised against the alias ARN).
 */

export interface KmsPermission { action: 'kms:GenerateDataKey' | 'kms:Decrypt'; keyArn: string }

const isAwsManaged = (arn: string): boolean => /:alias\/aws\/s3$/.test(arn);

function customerKey(sse: SseSettings | undefined): string | undefined {
  if (!sse || sse.algorithm === 'AES256' || sse.kmsKeyId === undefined || isAwsManaged(sse.kmsKeyId)) return undefined;
  return sse.kmsKeyId;
}

/** The KMS permissions one S3 request needs beyond its S3 permissions. */
export function kmsPermissionsFor(operation: S3Operation, bucket: BucketState, key: string, req: S3Request): KmsPermission[] {
  const need = (action: KmsPermission['action'], sse: SseSettings | undefined): KmsPermission[] => {
    const keyArn = customerKey(sse);
    return keyArn === undefined ? [] : [{ action, keyArn }];
  };
  switch (operation) {
    case 'PutObject':
    case 'CreateMultipartUpload':
    case 'CopyObject': {
      let sse: SseSettings;
      try {
        sse = effectiveSse(readObjectAttributes((n) => req.value(n), req.metadataNames(), bucket), bucket);
      } catch {
        return []; // an invalid request: the handler answers it
      }
      return need('kms:GenerateDataKey', sse);
    }
    case 'UploadPart':
    case 'CompleteMultipartUpload': {
      const upload = bucket.uploads.get(req.query.get('uploadId') ?? '');
      if (!upload || upload.key !== key) return [];
      return need(operation === 'UploadPart' ? 'kms:GenerateDataKey' : 'kms:Decrypt', effectiveSse(upload.attrs, bucket));
    }
    case 'GetObject': {
      const versionId = req.query.get('versionId');
      const version = versionId !== undefined ? bucket.findVersion(key, versionId) : bucket.current(key);
      if (!version || version.deleteMarker) return [];
      return need('kms:Decrypt', effectiveSse(version.attrs, bucket));
    }
    default:
      return [];
  }
}

/** Whether the caller's effective permissions allow `permission`; the refusal S3 answers otherwise. */
export function checkKms(caller: AwsKeyEntry, permission: KmsPermission, context: Record<string, string | undefined>): S3Error | undefined {
  const decision = evaluatePolicies(caller.policies, { action: permission.action, resource: permission.keyArn, context });
  if (decision === 'allow') return undefined;
  const why = decision === 'explicit-deny' ? `with an explicit deny in a policy` : caller.sessionToken !== undefined
    ? `because no identity-based policy or session policy allows the ${permission.action} action`
    : `because no identity-based policy allows the ${permission.action} action`;
  return new S3Error(403, 'AccessDenied', `User: ${caller.principalArn} is not authorized to perform: ${permission.action} on resource: ${permission.keyArn} ${why}`);
}
