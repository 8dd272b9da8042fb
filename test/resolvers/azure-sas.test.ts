import { describe, expect, it } from 'vitest';
import { createHmac } from 'node:crypto';
import { BlobSASPermissions, ContainerSASPermissions, generateBlobSASQueryParameters, SASProtocol, type UserDelegationKey } from '@azure/storage-blob';
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

  it('container SAS (sr=c, list only) is byte-for-byte what the SDK produces', () => {
    const random = seededRandom(7070);
    for (let i = 0; i < 300; i++) {
      const base = Date.UTC(2025, 0, 1) + Math.floor(random() * 365 * 86_400) * 1000;
      const sdkKey: UserDelegationKey = {
        signedObjectId: `oid-${i}`, signedTenantId: `tid-${i}`, signedStartsOn: new Date(base - 3_600_000), signedExpiresOn: new Date(base + 86_400_000),
        signedService: 'b', signedVersion: '2025-07-05', value: Buffer.from(Array.from({ length: 32 }, () => Math.floor(random() * 256))).toString('base64'),
      };
      const ours: DelegationKey = { ...sdkKey, signedStartsOn: sasTime(sdkKey.signedStartsOn), signedExpiresOn: sasTime(sdkKey.signedExpiresOn) };
      const container = ['images', 'raw-data', 'x'.repeat(63)][i % 3]!;
      const startsOn = new Date(base - 300_000);
      const expiresOn = new Date(base + 1_800_000);
      const expected = generateBlobSASQueryParameters({
        containerName: container, permissions: ContainerSASPermissions.parse('l'), startsOn, expiresOn, protocol: SASProtocol.Https, version: SAS_VERSION,
      }, sdkKey, 'acct').toString();
      const actual = new UserDelegationSasSigner(ours).sign({ account: 'acct', container, blob: '', permissions: 'l', resource: 'c', startsOn, expiresOn });
      expect(actual).toBe(expected);
    }
  });

  it('directory SAS (sr=d + sdd) signs the directory as its resource, per the documented string-to-sign', () => {
    const key: DelegationKey = {
      signedObjectId: 'oid', signedTenantId: 'tid', signedStartsOn: '2025-01-01T00:00:00Z', signedExpiresOn: '2025-01-02T00:00:00Z',
      signedService: 'b', signedVersion: '2025-07-05', value: Buffer.alloc(32, 9).toString('base64'),
    };
    const startsOn = new Date('2025-01-01T00:00:00Z');
    const expiresOn = new Date('2025-01-01T00:30:00Z');
    const query = new URLSearchParams(new UserDelegationSasSigner(key).sign({
      account: 'acct', container: 'lake', blob: 'raw/2025', permissions: 'l', resource: 'd', directoryDepth: 2, startsOn, expiresOn,
    }));
    // Written out independently of the signer: sp st se resource skoid sktid skt ske sks skv, six
    // empty lines (saoid suoid scid skdutid sduoid sip), spr sv sr, snapshot ses rscc rscd rsce rscl rsct.
    const stringToSign = ['l', '2025-01-01T00:00:00Z', '2025-01-01T00:30:00Z', '/blob/acct/lake/raw/2025',
      'oid', 'tid', '2025-01-01T00:00:00Z', '2025-01-02T00:00:00Z', 'b', '2025-07-05', '', '', '', '', '', '',
      'https', SAS_VERSION, 'd', '', '', '', '', '', '', ''].join('\n');
    expect(query.get('sig')).toBe(createHmac('sha256', Buffer.alloc(32, 9)).update(stringToSign).digest('base64'));
    expect([query.get('sr'), query.get('sdd'), query.get('sp')]).toEqual(['d', '2', 'l']);
    expect(() => new UserDelegationSasSigner(key).sign({ account: 'a', container: 'c', blob: 'd', permissions: 'l', resource: 'd', startsOn, expiresOn })).toThrow(/directoryDepth/);
  });
  it('snapshot (sr=bs) and version (sr=bv) SAS are byte-for-byte what the SDK produces for snapshotTime / versionId', () => {
    const random = seededRandom(2121);
    const stamp = (): string => new Date(Date.UTC(2024, 0, 1) + Math.floor(random() * 365 * 86_400_000)).toISOString().replace(/\.(\d{3})Z$/, (_, ms: string) => `.${ms}${String(Math.floor(random() * 10_000)).padStart(4, '0')}Z`);
    for (let i = 0; i < 400; i++) {
      const base = Date.UTC(2025, 0, 1) + Math.floor(random() * 365 * 86_400) * 1000;
      const sdkKey: UserDelegationKey = {
        signedObjectId: `oid-${i}`, signedTenantId: `tid-${i}`, signedStartsOn: new Date(base - 3_600_000), signedExpiresOn: new Date(base + 86_400_000),
        signedService: 'b', signedVersion: '2025-07-05', value: Buffer.from(Array.from({ length: 32 }, () => Math.floor(random() * 256))).toString('base64'),
      };
      const ours: DelegationKey = { ...sdkKey, signedStartsOn: sasTime(sdkKey.signedStartsOn), signedExpiresOn: sasTime(sdkKey.signedExpiresOn) };
      const blob = ['a.jpg', 'dir/sub/file name.txt', '中/😀.bin'][i % 3]!;
      const time = stamp();
      const snapshot = i % 2 === 0;
      const startsOn = new Date(base - 300_000);
      const expiresOn = new Date(base + 1_800_000);
      const contentType = i % 5 === 0 ? 'image/png' : undefined;
      const expected = generateBlobSASQueryParameters({
        containerName: 'frames', blobName: blob, permissions: BlobSASPermissions.parse('r'), startsOn, expiresOn, protocol: SASProtocol.Https, version: SAS_VERSION,
        ...(snapshot ? { snapshotTime: time } : { versionId: time }), ...(contentType ? { contentType } : {}),
      }, sdkKey, 'acct').toString();
      const actual = new UserDelegationSasSigner(ours).sign({
        account: 'acct', container: 'frames', blob, permissions: 'r', resource: snapshot ? 'bs' : 'bv', pinnedTime: time, startsOn, expiresOn,
        ...(contentType ? { responseContentType: contentType } : {}),
      });
      if (actual !== expected) expect({ case: i, actual }).toEqual({ case: i, actual: expected });
      expect(new URLSearchParams(actual).get('sr')).toBe(snapshot ? 'bs' : 'bv');
    }
  });

  it('a snapshot or version SAS must name its pin, and only those do', () => {
    const signer = new UserDelegationSasSigner({
      signedObjectId: 'oid', signedTenantId: 'tid', signedStartsOn: '2025-01-01T00:00:00Z', signedExpiresOn: '2025-01-02T00:00:00Z',
      signedService: 'b', signedVersion: '2025-07-05', value: Buffer.alloc(32, 3).toString('base64'),
    });
    const base = { account: 'a', container: 'c', blob: 'b', permissions: 'r' as const, startsOn: new Date('2025-01-01T00:00:00Z'), expiresOn: new Date('2025-01-01T00:10:00Z') };
    expect(() => signer.sign({ ...base, resource: 'bs' })).toThrow(/pinnedTime/);
    expect(() => signer.sign({ ...base, resource: 'bv' })).toThrow(/pinnedTime/);
    expect(() => signer.sign({ ...base, resource: 'b', pinnedTime: '2024-01-01T00:00:00.0000000Z' })).toThrow(/pinnedTime/);
  });
});
