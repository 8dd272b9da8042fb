import {
  AccessDeniedError, AssetLinkError, InvalidArgumentError, NotFoundError, ProviderError, TimeoutError, type AssetLinkErrorOptions,
} from '../../errors.js';

/** The fields of an AWS SDK (or network) error that decide how it is mapped. */
export interface AwsErrorInfo {
  code?: string;
  status?: number;
  /** `x-amz-bucket-region` of the response, when S3 said where the bucket lives. */
  bucketRegion?: string;
}

interface SdkErrorShape {
  name?: string;
  code?: string;
  Code?: string;
  Region?: string;
  $metadata?: { httpStatusCode?: number };
  $response?: { statusCode?: number; headers?: Record<string, string | undefined> };
  $retryable?: unknown;
}

export function awsErrorInfo(error: unknown): AwsErrorInfo {
  if (typeof error !== 'object' || error === null) return {};
  const e = error as SdkErrorShape;
  const info: AwsErrorInfo = {};
  const code = e.Code ?? (typeof e.code === 'string' ? e.code : undefined) ?? e.name;
  if (code !== undefined) info.code = code;
  const status = e.$metadata?.httpStatusCode ?? e.$response?.statusCode;
  if (status !== undefined) info.status = status;
  const region = e.$response?.headers?.['x-amz-bucket-region'] ?? e.Region;
  if (typeof region === 'string' && region !== '') info.bucketRegion = region;
  return info;
}

const RETRYABLE_CODES = new Set([
  'Throttling', 'ThrottlingException', 'ThrottledException', 'RequestThrottled', 'RequestThrottledException', 'SlowDown',
  'TooManyRequestsException', 'ProvisionedThroughputExceededException', 'RequestLimitExceeded', 'BandwidthLimitExceeded',
  'RequestTimeout', 'RequestTimeoutException', 'InternalError', 'InternalFailure', 'ServiceUnavailable', 'IDPCommunicationError',
  'TimeoutError', 'AbortError', 'ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN', 'ENOTFOUND', 'ECONNABORTED', 'EHOSTUNREACH',
]);

/** Throttling, 5xx, timeouts and connection failures: worth another attempt later. */
export function isRetryableAwsError(error: unknown): boolean {
  const { code, status } = awsErrorInfo(error);
  if (code !== undefined && RETRYABLE_CODES.has(code)) return true;
  if (status !== undefined && (status >= 500 || status === 429)) return true;
  const e = error as SdkErrorShape | undefined;
  return Boolean(e?.$retryable);
}

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
