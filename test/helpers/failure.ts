import { expect } from 'vitest';
import { AssetLinkError } from '../../src/index.js';

/** The AssetLinkError `promise` rejects with; fails the test if it resolves or rejects with anything else. */
export async function failure(promise: Promise<unknown>): Promise<AssetLinkError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(AssetLinkError);
    return error as AssetLinkError;
  }
  throw new Error('expected the operation to fail');
}

/** The error code `promise` rejects with, or 'NO_ERROR' when it resolves. */
export async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(AssetLinkError);
    return (error as AssetLinkError).code;
  }
  return 'NO_ERROR';
}
