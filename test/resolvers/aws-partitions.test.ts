import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAssetResolver } from '../../src/index.js';
import { homeRegionFor } from '../../src/resolvers/aws/region.js';
import { codeOf } from '../helpers/failure.js';

/**
 * Issue 13 item 3, sibling: STS is asked in the integration's partition (a role in aws-cn or
 * aws-us-gov is unknown to the commercial STS), and the session policy it carries names that
 * partition. A local server stands in for STS and records what it was sent.
 */

let server: Server;
let endpoint = '';
const seen: Array<{ authorization: string; body: string }> = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => { body += c.toString(); });
    req.on('end', () => {
      seen.push({ authorization: String(req.headers.authorization ?? ''), body });
      res.writeHead(403, { 'content-type': 'text/xml' });
      res.end('<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>no</Message></Error></ErrorResponse>');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => { await new Promise<void>((resolve) => server.close(() => resolve())); });

describe('AWS partitions in the driver', () => {
  it('home regions: the platform region in its own partition, else the partition\'s first region', () => {
    expect(homeRegionFor('aws', 'eu-west-1')).toBe('eu-west-1');
    expect(homeRegionFor('aws-cn', 'eu-west-1')).toBe('cn-north-1');
    expect(homeRegionFor('aws-cn', 'cn-northwest-1')).toBe('cn-northwest-1');
    expect(homeRegionFor('aws-us-gov', undefined)).toBe('us-gov-west-1');
    expect(homeRegionFor('aws', 'us-gov-east-1')).toBe('us-east-1');
  });

  it.each([
    ['arn:aws-cn:iam::123456789012:role/reader', 'https://cn-data.s3.cn-north-1.amazonaws.com.cn/in/a.jpg', 'cn-north-1', 'arn:aws-cn:s3:::cn-data/in/*'],
    ['arn:aws-us-gov:iam::123456789012:role/reader', 's3://gov-data/in/a.jpg', 'us-gov-west-1', 'arn:aws-us-gov:s3:::gov-data/in/*'],
    ['arn:aws:iam::123456789012:role/reader', 's3://com-data/in/a.jpg', 'eu-west-1', 'arn:aws:s3:::com-data/in/*'],
  ])('%s: AssumeRole is signed for STS in %s and its session policy names the partition', async (roleArn, uri, stsRegion, resource) => {
    const bucket = new URL(uri.replace(/^s3:/, 'https:')).hostname.split('.')[0]!;
    const resolver = createAssetResolver({
      platform: { aws: { region: 'eu-west-1', stsEndpoint: endpoint, credentials: { accessKeyId: 'AKIAPLATFORM0000TEST', secretAccessKey: 'x' } } },
      integrations: [{ id: 'p', provider: 'aws', scope: { bucket, prefix: 'in' }, auth: { kind: 'assume-role', roleArn, externalId: 'ext-id-123' } }],
    });
    try {
      seen.length = 0;
      expect(await codeOf(resolver.presign(uri, 60))).toBe('ACCESS_DENIED');
      expect(seen.length).toBeGreaterThan(0);
      expect(seen[0]!.authorization).toContain(`/${stsRegion}/sts/aws4_request`);
      const policy = decodeURIComponent(new URLSearchParams(seen[0]!.body).get('Policy') ?? '');
      expect(policy).toContain(resource);
      expect(policy).not.toMatch(new RegExp(`arn:(?!${roleArn.split(':')[1]}:)[a-z-]+:s3`));
    } finally {
      await resolver.close();
    }
  });
});
