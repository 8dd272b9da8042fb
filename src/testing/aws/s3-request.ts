import type { IncomingHttpHeaders } from 'node:http';
import type { AwsKeyEntry } from './keyring.js';
import type { AccessPointState } from './s3-access-points.js';
import type { S3Error } from './s3-errors.js';
import type { BucketState } from './s3-store.js';
import { tag } from './s3-xml.js';

/** One S3 request as the handlers see it, after the front has verified and decoded it. */
export class S3Request {
  constructor(
    readonly method: string,
    readonly headers: IncomingHttpHeaders,
    /** Query parameters, each name and value decoded once. */
    readonly query: ReadonlyMap<string, string>,
    /** The payload (aws-chunked bodies already decoded). */
    public body: Buffer,
    /** Presigned requests may carry x-amz-* values in the query instead of headers. */
    readonly presigned: boolean,
  ) {}

  header(name: string): string | undefined {
    const value = this.headers[name];
    if (value === undefined) return undefined;
    return Array.isArray(value) ? value.join(',') : value;
  }

  /** A request value by lower-case name: the header, else (presigned only) an x-amz-* query parameter. */
  value(name: string): string | undefined {
    const header = this.header(name);
    if (header !== undefined || !this.presigned || !name.startsWith('x-amz-')) return header;
    for (const [param, v] of this.query) if (param.toLowerCase() === name) return v;
    return undefined;
  }

  /** Lower-case x-amz-meta-* names present (headers, and the query of presigned requests). */
  metadataNames(): string[] {
    const names = new Set(Object.keys(this.headers).filter((h) => h.startsWith('x-amz-meta-')));
    if (this.presigned) for (const param of this.query.keys()) if (param.toLowerCase().startsWith('x-amz-meta-')) names.add(param.toLowerCase());
    return [...names];
  }
}

/** A bucket as addressed: by its name, or through an access point alias. */
export interface S3Target {
  bucket: BucketState;
  accessPoint?: AccessPointState;
}

/** What handlers may ask the front for beyond their own bucket (copy sources, per-key permissions). */
export interface S3Services {
  /** Evaluates (and records) one more permission the operation needs. */
  authorize(target: S3Target, action: string, key: string | undefined, context?: Record<string, string | undefined>): boolean;
  /** A bucket by the name a request uses for it (bucket name or access point alias). */
  resolveBucket(name: string): S3Target | undefined;
}

/** Where a request lands once its bucket (or access point alias) is resolved. */
export interface S3Context extends S3Target {
  req: S3Request;
  /** The object key (object-level operations). */
  key: string;
  caller: AwsKeyEntry;
  now: number;
  services: S3Services;
}

export interface S3Response {
  status: number;
  headers: Record<string, string>;
  body?: Buffer | string;
}

export function xmlResponse(status: number, xml: string, headers: Record<string, string> = {}): S3Response {
  return { status, headers: { 'content-type': 'application/xml', ...headers }, body: xml };
}

export const emptyResponse = (status: number, headers: Record<string, string> = {}): S3Response => ({ status, headers });

export function errorResponse(error: S3Error, resource: string, requestId: string): S3Response {
  const fields = Object.entries(error.fields).map(([name, value]) => tag(name, value)).join('');
  const xml = `<?xml version="1.0" encoding="UTF-8"?>\n<Error>${tag('Code', error.code)}${tag('Message', error.message)}${fields}${tag('Resource', resource)}${tag('RequestId', requestId)}</Error>`;
  return { status: error.status, headers: { 'content-type': 'application/xml', 'x-amz-request-id': requestId, ...error.headers }, body: xml };
}

