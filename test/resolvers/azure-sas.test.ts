import { describe, expect, it } from 'vitest';
import { BlobSASPermissions, generateBlobSASQueryParameters, SASProtocol, type UserDelegationKey } from '@azure/storage-blob';
import { SAS_VERSION, sasTime, UserDelegationSasSigner, type BlobSasPermissions, type DelegationKey } from '../../src/resolvers/azure/sas.js';
import { seededRandom } from '../helpers/prng.js';


const NAME_CHARS = ['a', 'Z', '0', '-', '_', '.', ' ', '+', '%', '?', '#', '&', '=', "'", '(', '!', '*', '~', 'é', 'ß', '中', '😀', ':', '@', ','];

describe('user-delegation SAS signer', () => {
  it('is byte-for-byte equal to generateBlobSASQueryParameters over many generated inputs', () => {
    const random = seededRandom(20240601);
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
    const guid = (): string => [8, 4, 4, 4, 12].map((n) => Array.from({ length: n }, () => pick([...'0123456789abcdef'])).join('')).join('-');
    const segment = (): string => Array.from({ length: 1 + Math.floor(random() * 12) }, () => pick(NAME_CHARS)).join('');
    for (let i = 0; i < 2_000; i++) {
      const base = Date.UTC(2024, 0, 1) + Math.floor(random() * 3 * 365 * 86_400) * 1000;
      const keyStart = new Date(base - Math.floor(random() * 3600) * 1000);
      const keyExpiry = new Date(base + Math.floor(random() * 7 * 86_400) * 1000);
      const bytes = Buffer.from(Array.from({ length: 32 }, () => Math.floor(random() * 256)));
      const sdkKey: UserDelegationKey = {
        signedObjectId: guid(), signedTenantId: guid(), signedStartsOn: keyStart, signedExpiresOn: keyExpiry,
        signedService: 'b', signedVersion: pick(['2025-11-05', '2025-07-05', '2024-08-04']), value: bytes.toString('base64'),
      };
      const ours: DelegationKey = { ...sdkKey, signedStartsOn: sasTime(keyStart), signedExpiresOn: sasTime(keyExpiry) };
      const account = pick(['devstoreaccount1', 'samadata', 'abc', 'a1b2c3d4e5f6g7h8i9j0k1l2']);
      const container = pick(['images', 'raw-data', 'c0n', 'x'.repeat(63)]);
      const blob = Array.from({ length: 1 + Math.floor(random() * 4) }, segment).join('/');
      const permissions: BlobSasPermissions = pick(['r', 'cw'] as const);
      const startsOn = new Date(base - 300_000);
      const expiresOn = new Date(base + (1 + Math.floor(random() * 86_400)) * 1000);
      const contentType = pick([undefined, 'text/plain', 'image/jpeg', 'text/csv; charset=utf-8', 'application/x-thing+json; a="b c"']);

      const expected = generateBlobSASQueryParameters({
        containerName: container, blobName: blob, permissions: BlobSASPermissions.parse(permissions),
        startsOn, expiresOn, protocol: SASProtocol.Https, version: SAS_VERSION, ...(contentType ? { contentType } : {}),
      }, sdkKey, account).toString();
      const actual = new UserDelegationSasSigner(ours).sign({
        account, container, blob, permissions, startsOn, expiresOn, ...(contentType ? { responseContentType: contentType } : {}),
      });
      if (actual !== expected) expect({ case: i, actual }).toEqual({ case: i, actual: expected });
    }
  });

  it('signs blob-scoped, https-only tokens with the requested permissions', () => {
    const signer = new UserDelegationSasSigner({
      signedObjectId: 'oid', signedTenantId: 'tid', signedStartsOn: '2025-01-01T00:00:00Z', signedExpiresOn: '2025-01-02T00:00:00Z',
      signedService: 'b', signedVersion: '2025-11-05', value: Buffer.alloc(32, 7).toString('base64'),
    });
    const query = new URLSearchParams(signer.sign({
      account: 'acct', container: 'c', blob: 'a/b.txt', permissions: 'cw',
      startsOn: new Date('2025-01-01T00:00:00Z'), expiresOn: new Date('2025-01-01T01:00:00Z'),
    }));
    expect(query.get('sr')).toBe('b');
    expect(query.get('spr')).toBe('https');
    expect(query.get('sp')).toBe('cw');
    expect(query.get('sv')).toBe(SAS_VERSION);
    expect(query.get('se')).toBe('2025-01-01T01:00:00Z');
    expect(signer.expiresOn.toISOString()).toBe('2025-01-02T00:00:00.000Z');
  });
});
