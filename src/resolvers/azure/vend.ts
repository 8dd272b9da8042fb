import { InvalidTtlError, VendUnsupportedError } from '../../errors.js';
import { azureVended, type AzureVendedCredentials, type DriverVendRequest } from '../../vend/credentials.js';
import type { UserDelegationSasSigner } from './sas.js';
import { MAX_DELEGATION_KEY_SECONDS } from './delegation-key.js';

/**
 * Azure vending (docs/vending.md): a user-delegation SAS (https only) that Azure itself confines
 * to the vended prefix —
 * - a prefix on an account with a hierarchical namespace: a directory SAS (`sr=d`, `sdd` = the
 *   directory's depth), which the service honours for that directory and everything below it;
 * - the whole container (the integration's scope is the container and the URI names no prefix):
 *   a container SAS (`sr=c`), on any account;
 * - a prefix on a flat-namespace account: no SAS can name it, so VEND_UNSUPPORTED rather than a
 *   container SAS that would reach the sibling prefixes.
 * Permissions: `rl` read-only, `racwdl` read-write. Never longer than the TTL, nor the delegation key.
 */

export interface AzureVendTarget {
  integrationId: string;
  uri: string;
  /** The account name the SAS names (the service's own, for emulators). */
  sasAccount: string;
  container: string;
  /** `https://ACCOUNT.blob.core.windows.net/CONTAINER`, no SAS. */
  containerUrl: string;
}

export interface AzureVendDeps {
  now(): number;
  clockSkewSeconds: number;
  /** Whether the account has a hierarchical namespace (asked only for a prefix). */
  hierarchical(): Promise<boolean>;
  /** A signer whose delegation key lasts until at least the epoch ms given, when Azure allows. */
  signer(neededUntil: number): Promise<UserDelegationSasSigner>;
}

const floorSeconds = (ms: number): number => Math.floor(ms / 1000) * 1000;

export async function vendAzure(deps: AzureVendDeps, target: AzureVendTarget, request: DriverVendRequest): Promise<AzureVendedCredentials> {
  const where = { integrationId: target.integrationId, uri: target.uri };
  let ttl = request.ttlSeconds;
  if (ttl > MAX_DELEGATION_KEY_SECONDS) {
    if (!request.clamp) throw new InvalidTtlError(`TTL ${ttl}s exceeds the ${MAX_DELEGATION_KEY_SECONDS}s maximum of a user delegation SAS; ask for less or pass { clamp: true }`, where);
    ttl = MAX_DELEGATION_KEY_SECONDS;
  }
  if (request.prefix !== '' && !(await deps.hierarchical())) {
    throw new VendUnsupportedError(
      `${target.uri}: the storage account has no hierarchical namespace, so no SAS can be confined to the prefix "${request.prefix}/" (a container SAS would reach every other prefix too); enable the hierarchical namespace (ADLS Gen2), vend the whole container through an integration scoped to it, or hand the worker presigned URLs (presignMany)`,
      where,
    );
  }
  const now = deps.now();
  const wanted = floorSeconds(now + ttl * 1000);
  const signer = await deps.signer(wanted);
  let expiresOn = wanted;
  const keyExpiry = signer.expiresOn.getTime();
  if (expiresOn > keyExpiry) {
    if (!request.clamp) {
      throw new InvalidTtlError(`TTL ${request.ttlSeconds}s outlives the user delegation key that signs the SAS (${Math.max(0, Math.floor((keyExpiry - now) / 1000))}s left); ask for less or pass { clamp: true }`, where);
    }
    expiresOn = keyExpiry;
  }
  const startsOn = Math.max(floorSeconds(now - deps.clockSkewSeconds * 1000), signer.startsOn.getTime());
  const directory = request.prefix !== '';
  const sasToken = signer.sign({
    account: target.sasAccount,
    container: target.container,
    blob: request.prefix,
    permissions: request.mode === 'read-write' ? 'racwdl' : 'rl',
    startsOn: new Date(startsOn),
    expiresOn: new Date(expiresOn),
    resource: directory ? 'd' : 'c',
    ...(directory ? { directoryDepth: request.prefix.split('/').length } : {}),
  });
  return azureVended({
    containerUrl: target.containerUrl,
    sasToken,
    prefix: request.prefix,
    mode: request.mode,
    expiresAt: new Date(expiresOn),
    integrationId: target.integrationId,
  });
}
