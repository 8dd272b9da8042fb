import type { LookupAddress } from 'node:dns';
import { describe, expect, it } from 'vitest';
import { noMetadataLookup } from '../../src/resolvers/aws/store-client.js';

/**
 * Store connections resolve names through a lookup that refuses cloud metadata addresses (an
 * endpoint URL is platform configuration and may be private, but never the metadata service).
 */

function lookupOne(host: string): Promise<{ address: string; family?: number }> {
  return new Promise((resolve, reject) => {
    noMetadataLookup(host, {}, (error, address, family) => (error ? reject(error) : resolve({ address: address as string, family })));
  });
}

function lookupAll(host: string): Promise<LookupAddress[]> {
  return new Promise((resolve, reject) => {
    noMetadataLookup(host, { all: true }, (error, addresses) => (error ? reject(error) : resolve(addresses as unknown as LookupAddress[])));
  });
}

describe('store name resolution', () => {
  it('resolves ordinary (and private) names, in both callback shapes', async () => {
    expect((await lookupOne('127.0.0.1')).address).toBe('127.0.0.1');
    const all = await lookupAll('localhost');
    expect(all.length).toBeGreaterThan(0);
    expect(all.every((a) => a.address === '127.0.0.1' || a.address === '::1')).toBe(true);
  });

  it.each(['169.254.169.254', 'fd00:ec2::254', '169.254.170.2'])('refuses %s, whichever shape is asked for', async (address) => {
    await expect(lookupOne(address)).rejects.toThrow(/metadata/);
    await expect(lookupAll(address)).rejects.toThrow(/metadata/);
  });
});
