import { createHash, createHmac, randomBytes } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { S3Client } from '@aws-sdk/client-s3';
import { AwsKeyring, FakeS3Server, type FakeS3Bucket, type PolicyDocument, type PolicyStatement } from '../../../src/testing/aws/index.js';

/** A fake S3 with an administrator key and helpers to mint narrower keys, for the S3 fake's own tests. */

export const OWNER = '111111111111';

export interface Creds { accessKeyId: string; secretAccessKey: string; sessionToken?: string }

export interface S3Fixture {
  s3: FakeS3Server;
  keyring: AwsKeyring;
  admin: Creds;
  /** Added to the real clock (move it to expire credentials and presigned URLs). */
  clock: { offset: number };
  /** A long-term key with these identity policies (empty = everything) in `accountId`. */
  key(policies: PolicyDocument[], accountId?: string): Creds;
  /** Temporary credentials (with a session token) limited by `policies`. */
  session(policies: PolicyDocument[], accountId?: string, ttlMs?: number): Creds;
  client(creds: Creds, region?: string): S3Client;
  close(): Promise<void>;
}

export async function startS3(buckets: Array<string | FakeS3Bucket>): Promise<S3Fixture> {
  const keyring = new AwsKeyring();
  const clock = { offset: 0 };
  const now = (): number => Date.now() + clock.offset;
  const s3 = new FakeS3Server({ keyring, buckets, now });
  await s3.start();
  const clients: S3Client[] = [];
  const key = (policies: PolicyDocument[], accountId = OWNER): Creds => {
    const accessKeyId = `AKIA${randomBytes(8).toString('hex').toUpperCase()}`;
    const secretAccessKey = randomBytes(20).toString('base64');
    keyring.addStaticKey({ accessKeyId, secretAccessKey, accountId, policies });
    return { accessKeyId, secretAccessKey };
  };
  return {
    s3, keyring, clock,
    admin: key([]),
    key,
    session: (policies, accountId = OWNER, ttlMs = 3600_000) => {
      const entry = keyring.issueSession({ accountId, principalArn: `arn:aws:sts::${accountId}:assumed-role/test-role/session`, expiresAt: now() + ttlMs, policies });
      return { accessKeyId: entry.accessKeyId, secretAccessKey: entry.secretAccessKey, sessionToken: entry.sessionToken! };
    },
    client: (creds, region = 'us-east-1') => {
      const client = new S3Client({ region, endpoint: s3.endpoint, forcePathStyle: true, credentials: creds, maxAttempts: 1 });
      clients.push(client);
      return client;
    },
    close: async () => { for (const c of clients) c.destroy(); await s3.close(); },
  };
}

export const allow = (action: string | string[], resource: string | string[], condition?: PolicyStatement['Condition']): PolicyDocument => ({
  Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: action, Resource: resource, ...(condition ? { Condition: condition } : {}) }],
});

/** Reads an SDK error's S3 code and HTTP status. */
export async function failure(promise: Promise<unknown>): Promise<{ name: string; status: number | undefined; error: unknown }> {
  try {
    await promise;
  } catch (error) {
    const e = error as { name?: string; Code?: string; $metadata?: { httpStatusCode?: number } };
    return { name: e.Code ?? e.name ?? 'unknown', status: e.$metadata?.httpStatusCode, error };
  }
  throw new Error('expected the request to fail');
}

export const md5Hex = (data: Uint8Array | string): string => createHash('md5').update(data).digest('hex');

/** A raw HTTP request with the path sent exactly as given (fetch and URL would normalise `..`). */
export function rawRequest(endpoint: string, method: string, path: string, headers: Record<string, string> = {}, body?: Buffer): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }> {
  const url = new URL(endpoint);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: url.hostname, port: url.port, method, path, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

const hmac = (key: Buffer | string, data: string): Buffer => createHmac('sha256', key).update(data).digest();

/** Signs a SigV4 POST policy independently of the fake's verifier (the test's own HMAC chain). */
export function signPostPolicy(creds: Creds, region: string, date: Date, policy: object): { policy: string; fields: Record<string, string> } {
  const amzDate = date.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
  const day = amzDate.slice(0, 8);
  const credential = `${creds.accessKeyId}/${day}/${region}/s3/aws4_request`;
  const encoded = Buffer.from(JSON.stringify(policy)).toString('base64');
  const signingKey = hmac(hmac(hmac(hmac(`AWS4${creds.secretAccessKey}`, day), region), 's3'), 'aws4_request');
  return {
    policy: encoded,
    fields: {
      'x-amz-algorithm': 'AWS4-HMAC-SHA256', 'x-amz-credential': credential, 'x-amz-date': amzDate,
      ...(creds.sessionToken ? { 'x-amz-security-token': creds.sessionToken } : {}),
      policy: encoded, 'x-amz-signature': hmac(signingKey, encoded).toString('hex'),
    },
  };
}

/** The standard conditions a SigV4 POST form must cover for its own auth fields. */
export function authConditions(creds: Creds, region: string, date: Date): Array<Record<string, string>> {
  const amzDate = date.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
  return [
    { 'x-amz-algorithm': 'AWS4-HMAC-SHA256' },
    { 'x-amz-credential': `${creds.accessKeyId}/${amzDate.slice(0, 8)}/${region}/s3/aws4_request` },
    { 'x-amz-date': amzDate },
    ...(creds.sessionToken ? [{ 'x-amz-security-token': creds.sessionToken }] : []),
  ];
}
