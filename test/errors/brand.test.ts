import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { AssetLinkError, createAssetResolver, InvalidIntegrationError, isAssetLinkError, ReadOnlyError } from '../../src/index.js';
import { ensureBuilt } from '../helpers/built.js';

const root = path.resolve(import.meta.dirname, '../..');
type Mod = typeof import('../../src/index.js');

describe('AssetLinkError across the ESM and CommonJS copies (dual-package hazard)', () => {
  let esm: Mod;
  let cjs: Mod;
  beforeAll(async () => {
    ensureBuilt();
    esm = (await import(pathToFileURL(path.join(root, 'dist/index.js')).href)) as Mod;
    cjs = createRequire(import.meta.url)(path.join(root, 'dist/index.cjs')) as Mod;
  }, 120_000);

  it('the two builds really are two classes', () => {
    expect(esm.AssetLinkError).not.toBe(cjs.AssetLinkError);
    expect(Object.getPrototypeOf(new cjs.ReadOnlyError('x'))).not.toBe(esm.ReadOnlyError.prototype);
  });

  it('isAssetLinkError and instanceof AssetLinkError recognise an error thrown by the other copy', async () => {
    const fromCjs = await cjs.createAssetResolver().resolveAsset('s3://nobody-bucket/k').catch((e: unknown) => e);
    expect(esm.isAssetLinkError(fromCjs)).toBe(true);
    expect(fromCjs instanceof esm.AssetLinkError).toBe(true);
    expect(esm.isAssetLinkError(fromCjs, 'NO_INTEGRATION')).toBe(true);
    expect(esm.isAssetLinkError(fromCjs, 'READ_ONLY')).toBe(false);
    const fromEsm = new esm.ReadOnlyError('x');
    expect(cjs.isAssetLinkError(fromEsm)).toBe(true);
    expect(fromEsm instanceof cjs.AssetLinkError).toBe(true);
  });

  it('plain errors and look-alikes are not AssetLinkErrors', () => {
    for (const copy of [esm, cjs]) {
      expect(copy.isAssetLinkError(new Error('x'))).toBe(false);
      expect(copy.isAssetLinkError({ name: 'AssetLinkError', code: 'READ_ONLY' })).toBe(false);
      expect(copy.isAssetLinkError(null)).toBe(false);
      expect({ code: 'READ_ONLY' } instanceof copy.AssetLinkError).toBe(false);
    }
  });
});

describe('subclasses', () => {
  it('keep their own instanceof (a READ_ONLY error is not an INVALID_INTEGRATION error)', () => {
    const error = new ReadOnlyError('x');
    expect(error instanceof AssetLinkError).toBe(true);
    expect(error instanceof ReadOnlyError).toBe(true);
    expect(error instanceof InvalidIntegrationError).toBe(false);
    expect(isAssetLinkError(error)).toBe(true);
  });
});

describe('INVALID_INTEGRATION names the integration', () => {
  it('in integrationId and in the message, with the field', () => {
    const resolver = createAssetResolver();
    const error = (() => {
      try {
        resolver.addIntegration({ id: 'acme-images', provider: 'aws', scope: { bucket: 'acme-data' }, auth: { kind: 'assume-role', roleArn: 'arn:aws:iam::123456789012:role/x', externalId: 'el0Tq…' } });
      } catch (e) { return e as InvalidIntegrationError; }
      return undefined;
    })();
    expect(error?.code).toBe('INVALID_INTEGRATION');
    expect(error?.field).toBe('auth.externalId');
    expect(error?.integrationId).toBe('acme-images');
    expect(error?.message).toBe('integration "acme-images": auth.externalId: is not valid (external IDs are 2–1224 characters of letters, digits and + = , . @ : / -)');
  });

  it('an invalid id is named by its field only (never echoed as the integration)', () => {
    const resolver = createAssetResolver();
    let error: InvalidIntegrationError | undefined;
    try { resolver.addIntegration({ id: 'has space', provider: 'memory', scope: { bucket: 'm' } }); } catch (e) { error = e as InvalidIntegrationError; }
    expect(error?.field).toBe('id');
    expect(error?.integrationId).toBeUndefined();
  });
});
