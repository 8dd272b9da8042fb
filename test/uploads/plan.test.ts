import { describe, expect, it } from 'vitest';
import { createAssetResolver } from '../../src/index.js';
import { S3_UPLOAD_LIMITS } from '../../src/resolvers/aws/upload.js';
import { AZURE_UPLOAD_LIMITS, blockId } from '../../src/resolvers/azure/block-upload.js';
import { GCS_UPLOAD_LIMITS } from '../../src/resolvers/gcp/browser-upload.js';
import { choosePartSize, partRanges } from '../../src/resolvers/uploads/plan.js';
import { codeOf } from '../helpers/failure.js';

const MiB = 1024 * 1024;
const TiB = 1024 * 1024 * MiB;

describe('part sizes', () => {
  it.each([
    // [limits, size, requested, expected]
    ['s3', S3_UPLOAD_LIMITS, 1, undefined, 8 * MiB],
    ['s3', S3_UPLOAD_LIMITS, 100 * MiB, undefined, 8 * MiB],
    ['s3', S3_UPLOAD_LIMITS, 5 * TiB, undefined, 525 * MiB],
    ['s3', S3_UPLOAD_LIMITS, 48 * MiB, 5 * MiB, 5 * MiB],
    ['s3', S3_UPLOAD_LIMITS, 3 * MiB, MiB, MiB], // below S3's 5 MiB minimum with more than one part: refused (see the test body)
    ['gcs', GCS_UPLOAD_LIMITS, 10 * MiB, 256 * 1024, 256 * 1024],
    ['gcs', GCS_UPLOAD_LIMITS, 5 * TiB, undefined, 525 * MiB],
    ['azure', AZURE_UPLOAD_LIMITS, 190 * TiB, undefined, 3985 * MiB],
  ] as const)('%s: %d bytes, asked %s', (_name, limits, size, requested, expected) => {
    if (_name === 's3' && requested === MiB) {
      expect(() => choosePartSize(size, requested, limits, 'S3')).toThrow(/below the 5242880-byte minimum/);
      return;
    }
    const chosen = choosePartSize(size, requested, limits, 'test');
    expect(chosen).toBe(expected);
    expect(Math.ceil(size / chosen)).toBeLessThanOrEqual(limits.maxParts);
    expect(chosen % limits.partQuantum).toBe(0);
  });

  it('a single part may be smaller than the minimum', () => {
    expect(choosePartSize(MiB, MiB, S3_UPLOAD_LIMITS, 'S3')).toBe(MiB);
  });

  it('ranges tile the file exactly', () => {
    expect(partRanges(10, 4)).toEqual([{ partNumber: 1, start: 0, end: 4 }, { partNumber: 2, start: 4, end: 8 }, { partNumber: 3, start: 8, end: 10 }]);
    expect(partRanges(8, 4)).toHaveLength(2);
  });

  it('Azure block ids of one upload all have the same length', () => {
    const lengths = new Set([1, 9, 10, 99, 50_000].map((n) => blockId('0123456789abcdef01234567', n).length));
    expect(lengths.size).toBe(1);
  });
});

describe('providers without browser uploads', () => {
  it('memory assets refuse with UNSUPPORTED_URI; read-only checks come first', async () => {
    const resolver = createAssetResolver({ integrations: [
      { id: 'mem', provider: 'memory', mode: 'read-write', scope: { bucket: 'store' } },
      { id: 'mem-ro', provider: 'memory', scope: { bucket: 'ro' } },
    ] });
    try {
      const asset = await resolver.resolveAsset('memory://store/a.bin');
      expect(await codeOf(asset.createUpload({ size: 10, ttlSeconds: 60 }))).toBe('UNSUPPORTED_URI');
      expect(await codeOf(asset.presignPost({ ttlSeconds: 60, maxBytes: 10 }))).toBe('UNSUPPORTED_URI');
      expect(await codeOf(asset.abortUpload('alu1.x'))).toBe('UNSUPPORTED_URI');
      const ro = await resolver.resolveAsset('memory://ro/a.bin');
      expect(await codeOf(ro.createUpload({ size: 10, ttlSeconds: 60 }))).toBe('READ_ONLY');
    } finally {
      await resolver.close();
    }
  });
});

describe('S3 POST policies where S3 has none', () => {
  it('access points, aliases and directory buckets are refused before signing', async () => {
    const { S3Uploads } = await import('../../src/resolvers/aws/upload.js');
    const unreachable = (): never => { throw new Error('must not be called'); };
    const uploads = new S3Uploads({ run: unreachable, signing: unreachable, endpoint: {} });
    for (const bucket of ['arn:aws:s3:us-east-1:123456789012:accesspoint/media', 'media-abcdefghijklmnopqrstuvwxyz0123-s3alias', 'media--use1-az4--x-s3']) {
      const target = { integration: { id: 'i' }, location: { provider: 'aws', bucket, key: 'k', uri: `s3://${bucket}/k` } } as unknown as Parameters<typeof uploads.presignPost>[0];
      expect(await codeOf(uploads.presignPost(target, { ttlSeconds: 60, maxBytes: 10 }))).toBe('UNSUPPORTED_URI');
    }
  });
});

describe('createUpload arguments', () => {
  it('refuses a missing options object', async () => {
    const resolver = createAssetResolver({ integrations: [{ id: 'mem', provider: 'memory', mode: 'read-write', scope: { bucket: 'store' } }] });
    try {
      const asset = await resolver.resolveAsset('memory://store/a.bin');
      expect(await codeOf(asset.createUpload(undefined as never))).toBe('INVALID_ARGUMENT');
    } finally {
      await resolver.close();
    }
  });
});
