import { describe, expect, it } from 'vitest';
import { parseAssetUri } from '../../src/index.js';
import { fastParse } from '../../src/uri/fast-path.js';
import { parseAssetUriGeneral } from '../../src/uri/parse.js';

/**
 * The URI fast path (issue 19) must be invisible: for every input it either declines (the general
 * parser decides) or returns exactly what the general parser returns — same properties, same
 * order, same canonical URI — and it never accepts what the general parser refuses.
 */

/** Deterministic pseudo-random generator, so a failure names a reproducible input. */
function rng(seed: number): () => number {
  let x = seed >>> 0;
  return () => { x ^= x << 13; x ^= x >>> 17; x ^= x << 5; return (x >>> 0) / 2 ** 32; };
}

const PIECES = [
  'a', 'b', 'Z', '0', '9', '-', '_', '.', '..', '~', '/', '//', '%2F', '%2e', '%2E%2E', ' ', '?', '#', '\\', '@', ':', '*', '+', '!', '$', '&', '=', ',',
  '\u0000', '\u001b', '\u0085', '\u202e', '\u2028', '\ufeff', '\u200d', 'é', '😀', '\ud800', 'x'.repeat(1000),
];
const BUCKETS = ['bucket', 'my-bucket', 'my.bucket', 'ab', 'a'.repeat(64), 'Bucket', 'bucket-', '-bucket', 'xn--bucket', 'a..b', '192.168.1.1', 'b_c', 'goog-x', 'my--container',
  'ap-s3alias', 'b--use1-az4--x-s3', 'x.mrap', 'arn:aws:s3:us-east-1:123456789012:accesspoint/ap', ''];
const ACCOUNTS = ['acct', 'myaccount01', 'ab', 'Acct', 'a'.repeat(25), 'acc-t'];

function key(next: () => number): string {
  const n = 1 + Math.floor(next() * 6);
  let out = '';
  for (let i = 0; i < n; i++) out += next() < 0.75 ? PIECES[Math.floor(next() * 11)]! : PIECES[Math.floor(next() * PIECES.length)]!;
  return out;
}

function outcome(fn: () => unknown): { ok: true; value: unknown; keys: string[] } | { ok: false; code: string; message: string } {
  try {
    const value = fn() as Record<string, unknown>;
    return { ok: true, value: { ...value }, keys: Object.keys(value) };
  } catch (error) {
    const e = error as { code: string; message: string };
    return { ok: false, code: e.code, message: e.message };
  }
}

describe('URI fast path', () => {
  it('agrees with the general parser on 20,000 generated inputs (or declines)', () => {
    const next = rng(19);
    let taken = 0;
    for (let i = 0; i < 20_000; i++) {
      const bucket = BUCKETS[Math.floor(next() * BUCKETS.length)]!;
      const k = key(next);
      const form = Math.floor(next() * 4);
      const uri = form === 0 ? `s3://${bucket}/${k}`
        : form === 1 ? `gs://${bucket}/${k}`
          : `https://${ACCOUNTS[Math.floor(next() * ACCOUNTS.length)]!}.blob.core.windows.net/${bucket}/${k}`;
      const general = outcome(() => parseAssetUriGeneral(uri));
      let fast: ReturnType<typeof outcome> | undefined;
      try {
        const value = fastParse(uri, {});
        if (value !== undefined) { fast = { ok: true, value: { ...value }, keys: Object.keys(value) }; taken++; }
      } catch {
        // The fast path may throw only where the general parser refuses too (via parseAssetUri's mapping).
        fast = outcome(() => parseAssetUri(uri));
        expect(fast.ok, uri).toBe(false);
      }
      if (fast !== undefined) expect(fast, JSON.stringify(uri)).toEqual(general);
      expect(outcome(() => parseAssetUri(uri)), JSON.stringify(uri)).toEqual(general);
    }
    // The generator must actually exercise the fast path.
    expect(taken).toBeGreaterThan(1_500);
  });

  it('declines what it does not know, and keeps refusing hostile keys', () => {
    for (const uri of ['S3://bucket/key', 's3://bucket/a%2Fb', 's3://bucket/a?b', 'https://ACCT.blob.core.windows.net/c0n/k', 'https://acct.blob.core.windows.net:443/con/k',
      'https://acct.blob.core.windows.net/con/k?versionid=1', 's3://bucket/', 's3://ap-s3alias/k', 'gs://bucket/k#x']) {
      expect(fastParse(uri, {}), uri).toBeUndefined();
    }
    for (const uri of ['s3://bucket/a/../b', 's3://bucket/a//b', 's3://bucket/./a', 'gs://bucket/..', 'https://acct.blob.core.windows.net/con/a/./b', 's3://bucket//a']) {
      expect(fastParse(uri, {}), uri).toBeUndefined();
      expect(() => parseAssetUri(uri), uri).toThrow(expect.objectContaining({ code: 'INVALID_URI' }));
    }
    expect(fastParse('s3://bucket/images/cat.jpg', {})).toEqual({ provider: 'aws', bucket: 'bucket', key: 'images/cat.jpg', uri: 's3://bucket/images/cat.jpg' });
    expect(fastParse('https://acct.blob.core.windows.net/con/a/b.jpg', {})).toEqual({
      provider: 'azure', bucket: 'con', key: 'a/b.jpg', account: 'acct', cloud: 'public', uri: 'https://acct.blob.core.windows.net/con/a/b.jpg',
    });
  });

  it('an emulator endpoint configured at a public host takes the general path', () => {
    const options = { endpoints: [{ provider: 'azure' as const, url: 'https://acct.blob.core.windows.net' }] };
    expect(fastParse('https://acct.blob.core.windows.net/con/k', options)).toBeUndefined();
    expect(parseAssetUri('https://acct.blob.core.windows.net/con/k', options)).toEqual(parseAssetUriGeneral('https://acct.blob.core.windows.net/con/k', options));
  });
});
