/**
 * How an AWS SDK (or network) error is classified. Shared by the STS strategies (src/auth/) and the
 * S3 driver, so it lives below both layers.
 */

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
