import { randomBytes } from 'node:crypto';
import type { PolicyDocument } from './iam-policy.js';

/**
 * Who a key pair belongs to, and what it may do. Shared by the fake STS (which verifies the
 * platform's signature and issues session credentials) and the fake S3 front (which verifies every
 * request and enforces the policies recorded here).
 */
export interface AwsKeyEntry {
  accessKeyId: string;
  secretAccessKey: string;
  /** Set for temporary credentials: requests must carry exactly this `X-Amz-Security-Token`. */
  sessionToken?: string;
  /** Epoch ms after which the key is refused with `ExpiredToken`. Absent for long-term keys. */
  expiresAt?: number;
  /** 12-digit account the principal lives in. */
  accountId: string;
  /** `arn:aws:iam::…:user/…` or `arn:aws:sts::…:assumed-role/…/…`. */
  principalArn: string;
  /**
   * Every document must allow an action for it to be allowed (identity policy ∩ session policy,
   * as IAM evaluates assumed-role sessions). Empty → the principal is allowed everything, which
   * models an administrator in its own account.
   */
  policies: PolicyDocument[];
}

/** Options for a long-term (IAM user) key pair. */
export interface StaticKeyOptions {
  accessKeyId: string;
  secretAccessKey: string;
  accountId?: string;
  /** Defaults to `arn:aws:iam::<accountId>:user/<accessKeyId>`. */
  principalArn?: string;
  policies?: PolicyDocument[];
}

export const DEFAULT_ACCOUNT_ID = '111111111111';

/** The set of key pairs a fake AWS knows about. */
export class AwsKeyring {
  readonly #keys = new Map<string, AwsKeyEntry>();

  /** Registers a long-term key pair (the platform identity, an access-key integration, …). */
  addStaticKey(options: StaticKeyOptions): AwsKeyEntry {
    const accountId = options.accountId ?? DEFAULT_ACCOUNT_ID;
    const entry: AwsKeyEntry = {
      accessKeyId: options.accessKeyId,
      secretAccessKey: options.secretAccessKey,
      accountId,
      principalArn: options.principalArn ?? `arn:aws:iam::${accountId}:user/${options.accessKeyId}`,
      policies: options.policies ?? [],
    };
    this.#keys.set(entry.accessKeyId, entry);
    return entry;
  }

  /** Mints temporary credentials (what STS hands out). */
  issueSession(options: { accountId: string; principalArn: string; expiresAt: number; policies: PolicyDocument[] }): AwsKeyEntry {
    const entry: AwsKeyEntry = {
      // ASIA… marks temporary credentials in real AWS; keep the convention so logs read naturally.
      accessKeyId: `ASIA${randomBytes(8).toString('hex').toUpperCase()}`,
      secretAccessKey: randomBytes(30).toString('base64'),
      sessionToken: `FwoGZXIvYXdzE${randomBytes(48).toString('base64')}`,
      expiresAt: options.expiresAt,
      accountId: options.accountId,
      principalArn: options.principalArn,
      policies: options.policies,
    };
    this.#keys.set(entry.accessKeyId, entry);
    return entry;
  }

  get(accessKeyId: string): AwsKeyEntry | undefined {
    return this.#keys.get(accessKeyId);
  }

  revoke(accessKeyId: string): void {
    this.#keys.delete(accessKeyId);
  }
}
