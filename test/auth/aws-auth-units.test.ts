import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { validateIntegration } from '../../src/index.js';
import { generateExternalId } from '../../src/auth/external-id.js';
import { sessionNameFor } from '../../src/auth/assume-role.js';
import { buildSessionPolicy, escapeIamPattern } from '../../src/auth/session-policy.js';
import { assumeRoleRequest } from '../../src/resolvers/aws/credentials.js';
import { AssetLinkError } from '../../src/errors.js';

describe('generateExternalId', () => {
  it('is random, URL-safe, at least 32 characters, and accepted by integration validation', () => {
    const ids = new Set(Array.from({ length: 200 }, () => generateExternalId()));
    expect(ids.size).toBe(200);
    for (const id of ids) {
      expect(id.length).toBeGreaterThanOrEqual(32);
      expect(id).toMatch(/^[A-Za-z0-9_-]+$/);
    }
    const externalId = [...ids][0]!;
    expect(() => validateIntegration({ id: 'x', provider: 'aws', scope: { bucket: 'bkt' }, auth: { kind: 'assume-role', roleArn: 'arn:aws:iam::123456789012:role/r', externalId } })).not.toThrow();
  });
});

describe('sessionNameFor', () => {
  it('names the integration with valid characters, at most 64, distinct after truncation', () => {
    expect(sessionNameFor('tenant:42/media')).toBe('assetlink-tenant-42-media');
    const a = sessionNameFor(`${'x'.repeat(100)}-a`);
    const b = sessionNameFor(`${'x'.repeat(100)}-b`);
    for (const name of [a, b]) {
      expect(name.length).toBeLessThanOrEqual(64);
      expect(name).toMatch(/^[\w+=,.@-]{2,64}$/);
    }
    expect(a).not.toBe(b);
    expect(sessionNameFor('whatever', 'explicit-name')).toBe('explicit-name');
  });
});

describe('session policy building', () => {
  it('escapes IAM wildcards and $ with policy variables', () => {
    expect(escapeIamPattern('a*b?c$d')).toBe('a${*}b${?}c${$}d');
    const policy = buildSessionPolicy({ bucket: 'b-1', prefix: 'x*', mode: 'read-only' });
    expect(policy.Statement[0]!.Resource).toBe('arn:aws:s3:::b-1/x${*}/*');
    expect(policy.Statement[1]!.Condition).toEqual({ StringLike: { 's3:prefix': ['x${*}/*'] } });
  });

  it('uses the partition of the role (China)', () => {
    const request = assumeRoleRequest({
      id: 'cn', provider: 'aws', mode: 'read-only', scope: { bucket: 'cn-bucket', region: 'cn-north-1' },
      auth: { kind: 'assume-role', roleArn: 'arn:aws-cn:iam::123456789012:role/r', externalId: 'ext-123' },
    });
    expect(request.Policy).toContain('arn:aws-cn:s3:::cn-bucket/*');
    expect(request.Policy).not.toContain('arn:aws:s3');
  });

  it('refuses a prefix whose policy would exceed the 2048-character limit', () => {
    let error: unknown;
    try {
      assumeRoleRequest({
        id: 'long', provider: 'aws', mode: 'read-write', scope: { bucket: 'b-1', prefix: 'p'.repeat(600) },
        auth: { kind: 'assume-role', roleArn: 'arn:aws:iam::123456789012:role/r', externalId: 'ext-123' },
      });
    } catch (e) { error = e; }
    expect(error).toBeInstanceOf(AssetLinkError);
    expect((error as AssetLinkError).code).toBe('INVALID_INTEGRATION');
  });
});

describe('lazy AWS SDK loading', () => {
  it('src/ never imports an AWS SDK package (or s3rver) as a value at top level', () => {
    const files: string[] = [];
    const walk = (dir: string): void => {
      for (const name of readdirSync(dir)) {
        const path = join(dir, name);
        if (statSync(path).isDirectory()) walk(path);
        else if (path.endsWith('.ts')) files.push(path);
      }
    };
    walk(join(import.meta.dirname, '../../src'));
    // Statements may span lines; `import type` / `export type` are erased at build time.
    const valueImport = /^[ \t]*(?:import|export)\s+(?!type\b)[^;]*?from\s+['"](?:@aws-sdk\/|@smithy\/|@20minutes\/s3rver)[^'"]*['"]/gm;
    const bareImport = /^[ \t]*import\s+['"](?:@aws-sdk\/|@smithy\/|@20minutes\/s3rver)/gm;
    const offenders = files.flatMap((file) => {
      const source = readFileSync(file, 'utf8');
      return [...source.matchAll(valueImport), ...source.matchAll(bareImport)].map((m) => `${file}: ${m[0].replace(/\s+/g, ' ')}`);
    });
    expect(offenders).toEqual([]);
  });
});
