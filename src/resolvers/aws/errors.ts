import {
  AccessDeniedError, AssetLinkError, InvalidArgumentError, NotFoundError, ProviderError, TimeoutError, type AssetLinkErrorOptions,
} from '../../errors.js';
import { awsErrorInfo, isRetryableAwsError } from '../../auth/aws-error-info.js';

export { awsErrorInfo, isRetryableAwsError, type AwsErrorInfo } from '../../auth/aws-error-info.js';

/** A redirect/region error S3 answers when a request was sent or signed for the wrong region. */
export function wrongRegion(error: unknown, usedRegion: string): string | undefined {
  const { code, status, bucketRegion } = awsErrorInfo(error);
  if (bucketRegion === undefined || bucketRegion === usedRegion) return undefined;
  const redirect = status === 301 || status === 307 || code === 'PermanentRedirect' || code === 'AuthorizationHeaderMalformed'
    || code === 'IllegalLocationConstraintException';
  return redirect ? bucketRegion : undefined;
}

/** Maps an S3 failure to the assetlink error callers switch on. Signatures never reach the message. */
export function mapS3Error(error: unknown, operation: string, options: AssetLinkErrorOptions): AssetLinkError {
  if (error instanceof AssetLinkError) return error;
  const { code, status } = awsErrorInfo(error);
  const what = `${operation} ${options.uri ?? ''}`.trim();
  const base = { ...options, cause: error };
  if (code === 'NoSuchKey' || code === 'NotFound' || code === 'NoSuchVersion' || (status === 404 && code !== 'NoSuchBucket')) {
    return new NotFoundError(`${what}: no such object`, base);
  }
  if (code === 'NoSuchBucket') return new NotFoundError(`${what}: the bucket does not exist`, base);
  if (code === 'AccessDenied' || code === 'Forbidden' || code === 'AllAccessDisabled' || code === 'InvalidAccessKeyId'
    || code === 'SignatureDoesNotMatch' || code === 'InvalidToken' || code === 'ExpiredToken' || code === 'AccountProblem' || status === 403) {
    return new AccessDeniedError(`${what}: access denied by AWS (${code ?? 'HTTP 403'}); check the role's permissions and the bucket policy`, base);
  }
  if (code === 'InvalidRange' || status === 416) return new InvalidArgumentError(`${what}: the requested range is not satisfiable`, base);
  if (code === 'TimeoutError' || code === 'RequestTimeout' || code === 'AbortError' || code === 'ETIMEDOUT') {
    return new TimeoutError(`${what}: S3 did not answer in time`, base);
  }
  const retryable = isRetryableAwsError(error);
  return new ProviderError(`${what}: S3 error ${code ?? ''}${status !== undefined ? ` (HTTP ${status})` : ''}`.trim(), { ...base, retryable });
}
