import type { AwsAuth } from '../types.js';
import type { AwsCredentialValue } from './aws-credential-value.js';

/** An access-key auth block with its secret already read (see secret-value.ts for vault callbacks). */
type AccessKeyAuth = Omit<Extract<AwsAuth, { kind: 'access-key' }>, 'secretAccessKey'> & { secretAccessKey: string };

/**
 * Static keys from the integration. They are used as given: AWS offers no way to downscope
 * long-term keys per request, so read-only is enforced by assetlink alone and the customer should
 * attach a read-only IAM policy to the key's user (see docs/providers/aws.md).
 * The value is only ever handed to the signer; errors and events describe it, never include it.
 */
export function accessKeyCredentials(auth: AccessKeyAuth): AwsCredentialValue {
  return {
    accessKeyId: auth.accessKeyId,
    secretAccessKey: auth.secretAccessKey,
    ...(auth.sessionToken !== undefined ? { sessionToken: auth.sessionToken } : {}),
  };
}
