import { createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes, verify, type KeyObject } from 'node:crypto';

/**
 * The identity side of the fake Google world, shared by the fake IAM Credentials, STS and GCS
 * servers: service accounts and their keys, who may impersonate whom, and every access token in
 * circulation with what it is allowed to do. Nothing here talks to Google.
 */

export const SCOPES = {
  cloudPlatform: 'https://www.googleapis.com/auth/cloud-platform',
  cloudPlatformReadOnly: 'https://www.googleapis.com/auth/cloud-platform.read-only',
  iam: 'https://www.googleapis.com/auth/iam',
  storageReadOnly: 'https://www.googleapis.com/auth/devstorage.read_only',
  storageReadWrite: 'https://www.googleapis.com/auth/devstorage.read_write',
  storageFullControl: 'https://www.googleapis.com/auth/devstorage.full_control',
} as const;

/** The Cloud Storage permissions the fakes check. */
export type StoragePermission = 'storage.objects.get' | 'storage.objects.list' | 'storage.objects.create' | 'storage.objects.delete' | 'storage.buckets.get';

/** Predefined roles as GCS documents them (the permissions the fake checks). */
export const STORAGE_ROLES: Record<string, readonly StoragePermission[]> = {
  'roles/storage.admin': ['storage.objects.get', 'storage.objects.list', 'storage.objects.create', 'storage.objects.delete', 'storage.buckets.get'],
  'roles/storage.legacyBucketReader': ['storage.objects.list', 'storage.buckets.get'],
  'roles/storage.objectViewer': ['storage.objects.get', 'storage.objects.list'],
  'roles/storage.objectCreator': ['storage.objects.create'],
  'roles/storage.objectUser': ['storage.objects.get', 'storage.objects.list', 'storage.objects.create', 'storage.objects.delete'],
  'roles/storage.objectAdmin': ['storage.objects.get', 'storage.objects.list', 'storage.objects.create', 'storage.objects.delete'],
};

/** One rule of a Credential Access Boundary, as the STS `options.accessBoundary` carries it. */
export interface AccessBoundaryRule {
  availableResource: string;
  availablePermissions: string[];
  availabilityCondition?: { expression: string; title?: string; description?: string };
}

/** What an access token the fakes issued stands for: who, which scopes, until when, and any access boundary. */
export interface TokenGrant {
  /** Service account email or `user:`/`serviceAccount:` style member the token acts as. */
  principal: string;
  scopes: string[];
  /** Epoch ms. */
  expiresAt: number;
  /** Audience of a self-signed JWT, when the token is one. */
  audience?: string;
  /** Credential Access Boundaries applied by STS; every one must allow an operation. */
  boundaries?: AccessBoundaryRule[][];
  /** How the token came to be, for assertions. */
  origin: 'registered' | 'iam' | 'sts' | 'self-signed-jwt';
}

/** A service account of the fake directory, with its signing key. */
export interface FakeServiceAccount {
  email: string;
  /** PKCS#8 PEM, as a JSON key file's `private_key`. */
  privateKeyPem: string;
  privateKey: KeyObject;
  publicKey: KeyObject;
}

export type AuthResult = { ok: true; token: string; grant: TokenGrant } | { ok: false; status: 401; reason: string };

/** Options of `FakeGcpDirectory`. */
export interface FakeGcpDirectoryOptions {
  /** Clock for token and signed-URL expiry. Default Date.now. */
  now?: () => number;
}

/** The shared state of the GCP fakes: service accounts, Token Creator grants, roles and issued tokens. */
export class FakeGcpDirectory {
  readonly now: () => number;
  readonly #accounts = new Map<string, FakeServiceAccount>();
  readonly #tokens = new Map<string, TokenGrant>();
  /** target service account → members holding Service Account Token Creator on it. */
  readonly #tokenCreators = new Map<string, Set<string>>();
  readonly #roles = new Map<string, readonly StoragePermission[]>(Object.entries(STORAGE_ROLES));

  constructor(options: FakeGcpDirectoryOptions = {}) {
    this.now = options.now ?? Date.now;
  }

  /** Creates (or registers, with its key) a service account. Generates a 2048-bit RSA key when none is given. */
  addServiceAccount(email: string, options: { privateKeyPem?: string } = {}): FakeServiceAccount {
    let privateKeyPem = options.privateKeyPem;
    if (!privateKeyPem) {
      privateKeyPem = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    }
    const privateKey = createPrivateKey(privateKeyPem);
    const account: FakeServiceAccount = { email, privateKeyPem, privateKey, publicKey: createPublicKey(privateKey) };
    this.#accounts.set(email, account);
    return account;
  }

  /** The service account with this e-mail, if added. */
  serviceAccount(email: string): FakeServiceAccount | undefined {
    return this.#accounts.get(email);
  }

  /** Grants roles/iam.serviceAccountTokenCreator on `serviceAccount` to `member` (an email). */
  grantTokenCreator(member: string, serviceAccount: string): void {
    let members = this.#tokenCreators.get(serviceAccount);
    if (!members) this.#tokenCreators.set(serviceAccount, (members = new Set()));
    members.add(member);
  }

  /** Takes Token Creator on `serviceAccount` away from `member`. */
  revokeTokenCreator(member: string, serviceAccount: string): void {
    this.#tokenCreators.get(serviceAccount)?.delete(member);
  }

  /** Whether `member` may impersonate `serviceAccount`. */
  isTokenCreator(member: string, serviceAccount: string): boolean {
    return this.#tokenCreators.get(serviceAccount)?.has(member) ?? false;
  }

  /** A custom role, e.g. `projects/p/roles/assetReader` with only `storage.objects.get`. */
  defineRole(name: string, permissions: StoragePermission[]): void {
    this.#roles.set(name, permissions);
  }

  /** The storage permissions a role grants (predefined or `defineRole`d). */
  permissionsOf(role: string): readonly StoragePermission[] {
    return this.#roles.get(role) ?? [];
  }

  /** Makes `token` valid for `principal` (e.g. the platform's own identity in tests). */
  registerToken(token: string, grant: Partial<TokenGrant> & { principal: string }): void {
    this.#tokens.set(token, {
      scopes: [SCOPES.cloudPlatform],
      expiresAt: this.now() + 3600_000,
      origin: 'registered',
      ...grant,
    });
  }

  /** Mints a new opaque access token (the fake IAM and STS use this). */
  issueToken(grant: TokenGrant): string {
    const token = `ya29.fake-${randomBytes(24).toString('base64url')}`;
    this.#tokens.set(token, grant);
    return token;
  }

  /** Makes `token` invalid from now on. */
  revokeToken(token: string): void {
    this.#tokens.delete(token);
  }

  /** Looks a token up without checking expiry (for assertions). */
  inspectToken(token: string): TokenGrant | undefined {
    return this.#tokens.get(token);
  }

  /** Authenticates an `Authorization` header: an issued/registered token or a self-signed JWT. */
  authenticate(authorization: string | undefined): AuthResult {
    const match = /^Bearer\s+(\S+)$/i.exec(authorization ?? '');
    if (!match) return { ok: false, status: 401, reason: 'Request is missing required authentication credential.' };
    const token = match[1]!;
    const grant = this.#tokens.get(token) ?? this.#verifySelfSignedJwt(token);
    if (!grant) return { ok: false, status: 401, reason: 'Request had invalid authentication credentials.' };
    if (this.now() >= grant.expiresAt) return { ok: false, status: 401, reason: 'Request had invalid authentication credentials: token expired.' };
    return { ok: true, token, grant };
  }

  /** Self-signed JWTs (RS256, iss = sub = a known service account, at most 1 h) are accepted as Google does. */
  #verifySelfSignedJwt(token: string): TokenGrant | undefined {
    const parts = token.split('.');
    if (parts.length !== 3) return undefined;
    try {
      const header = JSON.parse(Buffer.from(parts[0]!, 'base64url').toString('utf8')) as { alg?: string };
      const claims = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8')) as { iss?: string; sub?: string; iat?: number; exp?: number; scope?: string; aud?: string };
      if (header.alg !== 'RS256' || !claims.iss || claims.iss !== claims.sub) return undefined;
      const account = this.#accounts.get(claims.iss);
      if (!account) return undefined;
      const ok = verify('sha256', Buffer.from(`${parts[0]}.${parts[1]}`), account.publicKey, Buffer.from(parts[2]!, 'base64url'));
      if (!ok || typeof claims.iat !== 'number' || typeof claims.exp !== 'number') return undefined;
      if (claims.exp - claims.iat > 3600 || claims.iat * 1000 > this.now() + 300_000) return undefined;
      if (!claims.scope && !claims.aud) return undefined;
      return {
        principal: account.email,
        scopes: claims.scope ? claims.scope.split(' ') : [],
        expiresAt: claims.exp * 1000,
        ...(claims.aud ? { audience: claims.aud } : {}),
        origin: 'self-signed-jwt',
      };
    } catch {
      return undefined;
    }
  }
}
