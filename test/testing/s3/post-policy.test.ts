import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allow, authConditions, signPostPolicy, startS3, type Creds, type S3Fixture } from './fixture.js';

/** Browser form uploads (POST Object) with SigV4 POST policies, enforced as S3 enforces them. */

let f: S3Fixture;
const REGION = 'us-east-1';

beforeAll(async () => {
  f = await startS3(['forms', { name: 'eu-forms', region: 'eu-west-1' }, { name: 'cors-forms', cors: [{ allowedOrigins: ['https://app.example.com'], allowedMethods: ['POST'], exposeHeaders: ['ETag'] }] }]);
});
afterAll(async () => { await f?.close(); });

interface FormOptions {
  creds?: Creds;
  bucket?: string;
  region?: string;
  conditions?: unknown[];
  expiration?: Date;
  fields?: Record<string, string>;
  file?: string | Buffer;
  filename?: string;
  tamper?: (fields: Record<string, string>) => void;
  origin?: string;
}

/** Builds, signs (with the test's own HMAC chain) and posts a form the way a browser would. */
async function post(options: FormOptions): Promise<Response> {
  const creds = options.creds ?? f.admin;
  const region = options.region ?? REGION;
  const bucket = options.bucket ?? 'forms';
  const date = new Date();
  const fields = { key: 'uploads/${filename}', 'Content-Type': 'image/png', ...options.fields };
  const conditions = options.conditions ?? [
    { bucket }, ['starts-with', '$key', 'uploads/'], ['content-length-range', 1, 1024], ['starts-with', '$Content-Type', 'image/'],
  ];
  const policy = { expiration: (options.expiration ?? new Date(Date.now() + 600_000)).toISOString(), conditions: [...conditions, ...authConditions(creds, region, date)] };
  const signed = signPostPolicy(creds, region, date, policy);
  const all: Record<string, string> = { ...fields, ...signed.fields };
  options.tamper?.(all);
  const form = new FormData();
  for (const [name, value] of Object.entries(all)) form.append(name, value);
  form.append('file', new Blob([typeof options.file === 'string' || options.file === undefined ? options.file ?? 'png bytes' : new Uint8Array(options.file)]), options.filename ?? 'cat.png');
  return fetch(`${f.s3.endpoint}/${bucket}`, { method: 'POST', body: form, headers: options.origin ? { origin: options.origin } : {} });
}

const codeOf = async (res: Response): Promise<string | undefined> => /<Code>([^<]+)<\/Code>/.exec(await res.text())?.[1];

describe('POST Object', () => {
  it('stores the file under the key (with ${filename}) and answers 204 by default', async () => {
    const res = await post({ fields: { 'x-amz-meta-label': 'cat' }, conditions: [{ bucket: 'forms' }, ['starts-with', '$key', 'uploads/'], ['content-length-range', 1, 1024], ['starts-with', '$Content-Type', 'image/'], ['eq', '$x-amz-meta-label', 'cat']] });
    expect(res.status).toBe(204);
    expect(res.headers.get('etag')).toMatch(/^"[0-9a-f]{32}"$/);
    const stored = await f.s3.getObject('forms', 'uploads/cat.png');
    expect(new TextDecoder().decode(stored!.body)).toBe('png bytes');
    expect(stored).toMatchObject({ contentType: 'image/png', metadata: { label: 'cat' } });
    expect(f.s3.requests.at(-1)).toMatchObject({ operation: 'PostObject', key: 'uploads/cat.png', accessKeyId: f.admin.accessKeyId, actions: ['s3:PutObject'] });
  });

  it('answers 201 with a PostResponse document when success_action_status says so', async () => {
    const res = await post({ fields: { success_action_status: '201', key: 'uploads/doc.png' }, conditions: [{ bucket: 'forms' }, ['starts-with', '$key', 'uploads/'], { success_action_status: '201' }, ['starts-with', '$Content-Type', ''], ['content-length-range', 0, 100]] });
    expect(res.status).toBe(201);
    const xml = await res.text();
    expect(xml).toContain('<Key>uploads/doc.png</Key>');
    expect(xml).toContain('<Bucket>forms</Bucket>');
  });

  it('refuses a file over content-length-range (EntityTooLarge) and stores nothing', async () => {
    const res = await post({ fields: { key: 'uploads/too-big.png' }, file: Buffer.alloc(1025) });
    expect(res.status).toBe(400);
    expect(await codeOf(res)).toBe('EntityTooLarge');
    expect(await f.s3.getObject('forms', 'uploads/too-big.png')).toBeUndefined();
    const empty = await post({ fields: { key: 'uploads/empty.png' }, file: Buffer.alloc(0) });
    expect(await codeOf(empty)).toBe('EntityTooSmall');
  });

  it('refuses a wrong signature, a tampered policy or credential, and an expired policy', async () => {
    const wrongSecret = await post({ creds: { ...f.admin, secretAccessKey: 'not-the-secret' }, fields: { key: 'uploads/a.png' } });
    expect(wrongSecret.status).toBe(403);
    expect(await codeOf(wrongSecret)).toBe('SignatureDoesNotMatch');
    const tampered = await post({ fields: { key: 'uploads/b.png' }, tamper: (all) => {
      const policy = JSON.parse(Buffer.from(all.policy!, 'base64').toString()) as { conditions: unknown[] };
      policy.conditions = policy.conditions.map((c) => (Array.isArray(c) && c[0] === 'content-length-range' ? ['content-length-range', 0, 1e9] : c));
      all.policy = Buffer.from(JSON.stringify(policy)).toString('base64');
    } });
    expect(await codeOf(tampered)).toBe('SignatureDoesNotMatch');
    const expired = await post({ fields: { key: 'uploads/c.png' }, expiration: new Date(Date.now() - 1000) });
    expect(expired.status).toBe(403);
    expect(await expired.text()).toContain('Policy expired');
    for (const key of ['uploads/a.png', 'uploads/b.png', 'uploads/c.png']) expect(await f.s3.getObject('forms', key)).toBeUndefined();
  });

  it('enforces every condition: key prefix, exact values, Content-Type prefix, the bucket', async () => {
    const outside = await post({ fields: { key: 'elsewhere/x.png' } });
    expect(outside.status).toBe(403);
    expect((await outside.text()).replace(/&quot;/g, '"')).toContain('Invalid according to Policy: Policy Condition failed: ["starts-with","$key","uploads/"]');
    const type = await post({ fields: { key: 'uploads/x.html', 'Content-Type': 'text/html' } });
    expect(type.status).toBe(403);
    const bucket = await post({ fields: { key: 'uploads/x.png' }, conditions: [{ bucket: 'other-bucket' }, ['starts-with', '$key', 'uploads/'], ['starts-with', '$Content-Type', 'image/']] });
    expect(bucket.status).toBe(403);
    expect(await f.s3.getObject('forms', 'uploads/x.png')).toBeUndefined();
  });

  it('refuses form fields that no condition covers', async () => {
    const res = await post({ fields: { key: 'uploads/extra.png', 'x-amz-meta-sneaky': 'yes' } });
    expect(res.status).toBe(403);
    expect(await res.text()).toContain('Extra input fields: x-amz-meta-sneaky');
    // x-ignore-* fields are exempt.
    const ignored = await post({ fields: { key: 'uploads/ignored.png', 'x-ignore-tracking': '1' } });
    expect(ignored.status).toBe(204);
  });

  it('temporary credentials need their session token field; the credential must also be allowed s3:PutObject on the key', async () => {
    const session = f.session([allow('s3:PutObject', 'arn:aws:s3:::forms/uploads/allowed/*')]);
    const ok = await post({ creds: session, fields: { key: 'uploads/allowed/a.png' } });
    expect(ok.status).toBe(204);
    const noToken = await post({ creds: session, fields: { key: 'uploads/allowed/b.png' }, tamper: (all) => { delete all['x-amz-security-token']; } });
    expect(noToken.status).toBe(400);
    expect(await codeOf(noToken)).toBe('InvalidToken');
    const denied = await post({ creds: session, fields: { key: 'uploads/denied/c.png' } });
    expect(denied.status).toBe(403);
    expect(await codeOf(denied)).toBe('AccessDenied');
    expect(await f.s3.getObject('forms', 'uploads/denied/c.png')).toBeUndefined();
    const readOnly = f.session([allow('s3:GetObject', 'arn:aws:s3:::forms/*')]);
    expect((await post({ creds: readOnly, fields: { key: 'uploads/ro.png' } })).status).toBe(403);
  });

  it('records SSE form fields and checks them against the credential region', async () => {
    const res = await post({
      fields: { key: 'uploads/enc.png', 'x-amz-server-side-encryption': 'aws:kms', 'x-amz-server-side-encryption-aws-kms-key-id': 'k1' },
      conditions: [{ bucket: 'forms' }, ['starts-with', '$key', 'uploads/'], ['starts-with', '$Content-Type', 'image/'], { 'x-amz-server-side-encryption': 'aws:kms' }, ['starts-with', '$x-amz-server-side-encryption-aws-kms-key-id', '']],
    });
    expect(res.status).toBe(204);
    expect(res.headers.get('x-amz-server-side-encryption')).toBe('aws:kms');
    expect((await f.s3.getObject('forms', 'uploads/enc.png'))!.sse).toMatchObject({ algorithm: 'aws:kms', kmsKeyId: 'arn:aws:kms:us-east-1:111111111111:key/k1' });
    const wrongRegion = await post({ bucket: 'eu-forms', region: 'us-east-1', fields: { key: 'uploads/r.png' } });
    expect(wrongRegion.status).toBe(400);
    expect((await post({ bucket: 'eu-forms', region: 'eu-west-1', fields: { key: 'uploads/r.png' } })).status).toBe(204);
  });

  it('sends CORS headers to the browser origin the bucket allows', async () => {
    const res = await post({ bucket: 'cors-forms', fields: { key: 'uploads/c.png' }, origin: 'https://app.example.com' });
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
    expect(res.headers.get('access-control-expose-headers')).toBe('ETag');
  });
});
