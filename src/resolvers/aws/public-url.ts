import { publicUrlExpiry } from '../../auth/anonymous.js';
import type { AwsPlatformOptions, PresignedUrl } from '../../types.js';
import type { DriverPresignRequest, ObjectTarget } from '../driver.js';
import { encodeKeyPath, objectUrlBase, rfc3986 } from './endpoint.js';

/**
 * "Presigning" an object of a public bucket (anonymous integrations): its plain URL, addressed as
 * the SDK would address it, with nothing signed and so nothing secret in it. A pinned version is
 * named with `versionId`. See src/auth/anonymous.ts for what `expiresAt` means here.
 */
export function presignPublicS3(target: ObjectTarget, request: DriverPresignRequest, region: string, platform: AwsPlatformOptions, now: number): PresignedUrl {
  const base = objectUrlBase(target.location.bucket, region, {
    ...(platform.endpoint ? { endpoint: platform.endpoint } : {}),
    ...(platform.forcePathStyle !== undefined ? { forcePathStyle: platform.forcePathStyle } : {}),
  });
  const version = target.location.version !== undefined ? `?versionId=${rfc3986(target.location.version)}` : '';
  return {
    url: `${base.origin}${base.pathPrefix}/${encodeKeyPath(target.location.key)}${version}`,
    method: request.method,
    expiresAt: publicUrlExpiry(now, request.ttlSeconds),
    headers: {},
  };
}
