import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { undocumented } from './jsdoc-coverage.js';

/**
 * Issue 18: JSDoc on every exported function, class (and its public methods), type, and every
 * property of an options type, reachable from `assetlink` and `assetlink/testing` (including the
 * `aws`, `gcp` and `azure` namespaces). Checked on the sources, so a new export without a comment
 * fails here.
 */

const root = path.resolve(import.meta.dirname, '../..');

/**
 * Declarations in files other helpers were rewriting while issue 18 was done (src/testing/aws/*:
 * s3fake; src/verify/*: sec-azure; src/uri/*: uri; src/cache/redis-store.ts: sec-misc). Document
 * them after those branches merge and delete them from this list: the test fails on any name here
 * that has become documented, so the list only shrinks.
 */
const NOT_YET = new Set<string>([]);

describe('JSDoc on the public surface', () => {
  const { checked, missing } = undocumented(root, { assetlink: 'src/index.ts', 'assetlink/testing': 'src/testing/index.ts' });

  it('walks the whole surface (the check must be able to fail)', () => {
    expect(checked).toBeGreaterThan(300);
  });

  it('every exported function, class, type and option is documented', () => {
    expect(missing.filter((m) => !NOT_YET.has(m.name)).map((m) => `${m.file}:${m.line} ${m.name}`)).toEqual([]);
  });

  it('the list of declarations still to document only shrinks', () => {
    const stillMissing = new Set(missing.map((m) => m.name));
    expect([...NOT_YET].filter((name) => !stillMissing.has(name))).toEqual([]);
  });
});
