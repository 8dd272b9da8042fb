import { publicUrlExpiry } from '../../auth/anonymous.js';
import { AccessDeniedError, type AssetLinkError } from '../../errors.js';
import type { PresignedUrl } from '../../types.js';
import type { DriverPresignRequest, ObjectTarget } from '../driver.js';
import { httpStatusOf } from './errors.js';

/**
 * Anonymous (public) GCS objects: the plain XML API URL `ENDPOINT/BUCKET/OBJECT` serves an object
 * readable by allUsers to anyone, so that is what presign returns (nothing signed, nothing
 * secret). A pinned generation is named with `generation`. See src/auth/anonymous.ts for
 * `expiresAt`.
 */
export function presignPublicGcs(target: ObjectTarget, request: DriverPresignRequest, endpoint: string, now: number): PresignedUrl {
  const base = endpoint.replace(/\/+$/, '');
  const object = target.location.key.split('/').map(encodeURIComponent).join('/');
  const generation = target.location.version !== undefined ? `?generation=${encodeURIComponent(target.location.version)}` : '';
  return {
    url: `${base}/${encodeURIComponent(target.location.bucket)}/${object}${generation}`,
    method: request.method,
    expiresAt: publicUrlExpiry(now, request.ttlSeconds),
    headers: {},
  };
}

/**
 * GCS answers an anonymous caller without access with 401 ("Anonymous caller does not have
 * storage.objects.get access"). For a token that would mean "mint a new one"; for an anonymous
 * integration there is nothing to mint, and nothing else may be tried: it is ACCESS_DENIED.
 */
export function anonymousGcsDenial(error: unknown, target: ObjectTarget, operation: string): AssetLinkError | undefined {
  const status = httpStatusOf(error);
  if (status !== 401 && status !== 403) return undefined;
  return new AccessDeniedError(
    `cannot ${operation} ${target.location.uri} anonymously: the object is not public (allUsers has no access); the integration is anonymous and never uses an identity`,
    { integrationId: target.integration.id, uri: target.location.uri, cause: error },
  );
}
