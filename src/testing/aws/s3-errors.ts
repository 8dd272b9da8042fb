/** An S3 error answer: HTTP status, S3 error code, message, extra response headers and XML fields. */
export class S3Error extends Error {
  override name = 'S3Error';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
    /** Extra elements of the `<Error>` document (Key, Condition, ArgumentName, …). */
    readonly fields: Record<string, string> = {},
  ) {
    super(message);
  }
}

export const noSuchKey = (key: string, headers: Record<string, string> = {}): S3Error =>
  new S3Error(404, 'NoSuchKey', 'The specified key does not exist.', headers, { Key: key });

export const noSuchBucket = (bucket: string): S3Error =>
  new S3Error(404, 'NoSuchBucket', 'The specified bucket does not exist', {}, { BucketName: bucket });

export const noSuchUpload = (uploadId: string): S3Error =>
  new S3Error(404, 'NoSuchUpload', 'The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.', {}, { UploadId: uploadId });

export const preconditionFailed = (condition: string): S3Error =>
  new S3Error(412, 'PreconditionFailed', 'At least one of the pre-conditions you specified did not hold', {}, { Condition: condition });

export const invalidArgument = (message: string, name?: string, value?: string): S3Error =>
  new S3Error(400, 'InvalidArgument', message, {}, { ...(name !== undefined ? { ArgumentName: name } : {}), ...(value !== undefined ? { ArgumentValue: value } : {}) });

export const invalidRequest = (message: string): S3Error => new S3Error(400, 'InvalidRequest', message);

export const notImplemented = (what: string): S3Error =>
  new S3Error(501, 'NotImplemented', `A header or query you provided implies functionality that is not implemented (${what})`);

export const accessDenied = (message = 'Access Denied'): S3Error => new S3Error(403, 'AccessDenied', message);
