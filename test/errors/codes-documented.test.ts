import fs from 'node:fs';
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import * as api from '../../src/index.js';
import { AssetLinkError, ERROR_CODES } from '../../src/index.js';

const doc = fs.readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8');

describe('error codes', () => {
  it.each([...ERROR_CODES])('%s is documented with a cause and a fix', (code) => {
    const section = doc.split(/^### /m).find((s) => s.startsWith(`\`${code}\``));
    expect(section, `docs/errors.md has no "### \`${code}\`" section`).toBeDefined();
    expect(section).toMatch(/\*\*Cause:\*\*/);
    expect(section).toMatch(/\*\*Fix:\*\*/);
  });

  it('documents no code that does not exist', () => {
    const documented = [...doc.matchAll(/^### `([A-Z_]+)`/gm)].map((m) => m[1]);
    expect(new Set(documented)).toEqual(new Set(ERROR_CODES));
  });

  it('every code has a subclass exported with that literal code', () => {
    const classes = Object.values(api).filter((v): v is typeof AssetLinkError => typeof v === 'function' && v.prototype instanceof AssetLinkError);
    const codes = classes.map((C) => {
      const instance = (C as unknown) === api.InvalidIntegrationError
        ? new api.InvalidIntegrationError('field', 'msg')
        : new (C as unknown as new (m: string) => AssetLinkError)('msg');
      return instance.code;
    });
    expect(new Set(codes)).toEqual(new Set(ERROR_CODES));
  });

  it('redacts signatures in uri, message of causes, JSON and inspect output', () => {
    const signed = 'https://b.s3.amazonaws.com/k?X-Amz-Credential=AKIACANARY%2F20240101&X-Amz-Signature=deadbeefcanary&X-Amz-Security-Token=TOKENCANARY';
    const cause = new Error(`request to ${signed} failed`);
    const error = new api.ProviderError('upstream failed', { uri: signed, cause });
    const surfaces = [error.uri ?? '', JSON.stringify(error), inspect(error, { depth: 5 }), String((error.cause as Error).message), (error.cause as Error).stack ?? ''];
    for (const s of surfaces) {
      expect(s).not.toContain('deadbeefcanary');
      expect(s).not.toContain('AKIACANARY');
      expect(s).not.toContain('TOKENCANARY');
    }
    expect(error.uri).toContain('X-Amz-Signature=[REDACTED]');
  });
});
