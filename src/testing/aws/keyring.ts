import { randomBytes } from 'node:crypto';
import type { PolicyDocument } from './iam-policy.js';

/**
 * Who a key pair belongs to, and what it may do. Shared by the fake STS (which verifies the
 * platform's signature and issues session credentials) and the fake S3 front (which verifies every
 * request and enforces the policies recorded here).
 */
export interface AwsKeyEntry {
  /** Access key id (AKIA… or ASIA…). */
  accessKeyId: string;
  /** Secret the fake verifies SigV4 signatures with. */
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
  /** Access key id (AKIA…). */
  accessKeyId: string;
  /** Secret the fake verifies SigV4 signatures with. */
  secretAccessKey: string;
  /** Account of the key's principal. Default `DEFAULT_ACCOUNT_ID`. */
  accountId?: string;
  /** Defaults to `arn:aws:iam::<accountId>:user/<accessKeyId>`. */
  principalArn?: string;
  /** Identity policies of the principal (default: allow everything). */
  policies?: PolicyDocument[];
}

/** Account id of the fakes' principals when none is given. */
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

  /** The key entry of an access key id, if issued and not revoked. */
  get(accessKeyId: string): AwsKeyEntry | undefined {
    return this.#keys.get(accessKeyId);
  }

  /** Revokes a key: later requests signed with it fail as AWS answers for invalid keys. */
  revoke(accessKeyId: string): void {
    this.#keys.delete(accessKeyId);
  }
}
