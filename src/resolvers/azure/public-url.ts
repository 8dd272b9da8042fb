import { publicUrlExpiry } from '../../auth/anonymous.js';
import { AccessDeniedError, NotFoundError, PresignUnsupportedError, type AssetLinkError } from '../../errors.js';
import type { PresignedUrl } from '../../types.js';
import type { DriverPresignRequest } from '../driver.js';

/**
 * Anonymous (public) Azure containers: requests go out with no SAS and no bearer token, so the
 * blob URL itself is what presign returns. See src/auth/anonymous.ts for what `expiresAt` means.
 */

interface PublicTarget { integration: { id: string }; uri: string; url: string }

/**
 * The plain blob URL (a pinned snapshot or version keeps its `snapshot`/`versionid`). Response
 * overrides (`rsct`, `rscd`) exist only inside a SAS, so asking for them is refused rather than
 * silently dropped.
 */
export function presignPublicAzure(t: PublicTarget, request: DriverPresignRequest, now: number): PresignedUrl {
  if (request.responseContentType !== undefined || request.responseContentDisposition !== undefined) {
    throw new PresignUnsupportedError(
      `integration "${t.integration.id}" is anonymous: the public URL of ${t.uri} cannot carry a response Content-Type or Content-Disposition (Azure takes those only inside a SAS)`,
      { integrationId: t.integration.id, uri: t.uri },
    );
  }
  return { url: t.url, method: request.method, expiresAt: publicUrlExpiry(now, request.ttlSeconds), headers: {} };
}

interface RestErrorLike { statusCode?: number; code?: string; details?: { errorCode?: string } }

/**
 * How refusals of unsigned requests are reported. Azure hides whether a container exists from
 * anonymous callers: a private container and a missing one both answer 404 ResourceNotFound, and
 * a `blob`-level public container answers a listing the same way. That cannot be told apart from
 * a missing container, so it stays NOT_FOUND, with a message that says the container may be
 * private. What CAN be told is ACCESS_DENIED: 401/403 (Azurite, firewalls, and Azure for some
 * operations) and 409 PublicAccessNotPermitted (the account forbids anonymous access). A 404
 * BlobNotFound comes from a public container and means just that: NOT_FOUND.
 * Nothing is ever retried with an identity: an anonymous integration has none.
 */
export function anonymousAzureError(error: unknown, ctx: { integrationId: string; uri: string; operation: string }): AssetLinkError | undefined {
  const e = (error ?? {}) as RestErrorLike;
  const status = e.statusCode;
  const code = e.details?.errorCode ?? e.code;
  const options = { integrationId: ctx.integrationId, uri: ctx.uri, cause: error };
  const anonymously = `cannot ${ctx.operation} ${ctx.uri} anonymously`;
  if (status === 401 || status === 403 || (status === 409 && code === 'PublicAccessNotPermitted')) {
    const why = status === 409
      ? 'the storage account does not allow anonymous access (allowBlobPublicAccess is false)'
      : `the container is not public (${code ?? 'refused'}, HTTP ${status})`;
    return new AccessDeniedError(`${anonymously}: ${why}; the integration is anonymous and never uses an identity`, options);
  }
  if (status === 404 && code !== 'BlobNotFound') {
    const listing = ctx.operation === 'list' ? ', or public for blobs only (listing needs public access "container")' : '';
    return new NotFoundError(
      `${anonymously}: Azure answers ${code ?? 'not found'} (HTTP 404), which for an unsigned request means the container does not exist or is not public${listing}; `
        + 'the integration is anonymous and never uses an identity',
      options,
    );
  }
  return undefined;
}
