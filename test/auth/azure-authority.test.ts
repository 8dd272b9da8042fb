import { describe, expect, it } from 'vitest';
import { AUTHORITY_HOSTS, identityOptions } from '../../src/auth/azure-token.js';

/** Issue 21: the Entra authority defaults to the integration's cloud; an explicit platform authority wins. */
describe('Entra authority per Azure cloud', () => {
  it.each([
    [undefined, 'https://login.microsoftonline.com'],
    ['public', 'https://login.microsoftonline.com'],
    ['china', 'https://login.chinacloudapi.cn'],
    ['usgov', 'https://login.microsoftonline.us'],
  ] as const)('cloud %s → %s', (cloud, host) => {
    expect(identityOptions(cloud === undefined ? {} : { cloud }).authorityHost).toBe(host);
    expect(AUTHORITY_HOSTS[cloud ?? 'public']).toBe(host);
  });

  it('an explicit authorityHost (tests, private clouds) overrides the cloud default', () => {
    expect(identityOptions({ cloud: 'china', authorityHost: 'https://127.0.0.1:8443' }).authorityHost).toBe('https://127.0.0.1:8443');
  });
});
