/**
 * Credentials as assetlink keeps them: a plain, JSON-serialisable object (the credential cache may
 * put it in a shared store), with the expiry as epoch ms.
 */
export interface AwsCredentialValue {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  /** Epoch ms; absent for long-term keys. */
  expiresAt?: number;
}

/** Structural view of the AWS SDK's credential identity (avoids importing SDK types everywhere). */
export interface SdkCredentialIdentity {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  expiration?: Date;
}

export const toIdentity = (value: AwsCredentialValue): SdkCredentialIdentity => ({
  accessKeyId: value.accessKeyId,
  secretAccessKey: value.secretAccessKey,
  ...(value.sessionToken !== undefined ? { sessionToken: value.sessionToken } : {}),
  ...(value.expiresAt !== undefined ? { expiration: new Date(value.expiresAt) } : {}),
});

export const fromIdentity = (identity: SdkCredentialIdentity): AwsCredentialValue => ({
  accessKeyId: identity.accessKeyId,
  secretAccessKey: identity.secretAccessKey,
  ...(identity.sessionToken !== undefined ? { sessionToken: identity.sessionToken } : {}),
  ...(identity.expiration !== undefined ? { expiresAt: identity.expiration.getTime() } : {}),
});
