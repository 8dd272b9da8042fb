import { describe, expect, it } from 'vitest';
import { requireCommonJs } from '../../src/deps/require-cjs.js';

describe('requireCommonJs (CommonJS SDKs loaded without the ESM loader scan)', () => {
  it('hands back the very module import() would wrap: same classes, one instance', async () => {
    const required = await requireCommonJs<typeof import('@aws-sdk/client-s3')>('@aws-sdk/client-s3');
    expect(required).toBeDefined();
    const imported = await import('@aws-sdk/client-s3');
    expect(required!.S3Client).toBe(imported.S3Client);
    expect(required!.HeadObjectCommand).toBe(imported.HeadObjectCommand);
  });

  it('never requires an ES module package: the caller falls back to import()', () => {
    // publint is "type": "module": require() of it would print Node's experimental warning (or throw).
    expect(requireCommonJs('publint')).toBeUndefined();
  });

  it('a package that is not installed is left to import(), which reports MISSING_DEPENDENCY', () => {
    expect(requireCommonJs('@aws-sdk/not-a-real-package-assetlink')).toBeUndefined();
  });
});
