import { createHash, createSign, generateKeyPairSync, X509Certificate } from 'node:crypto';
import { inspect } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { azureAdminConsentUrl, createAssetResolver, type AssetLinkEvent, type AssetResolver, type Integration } from '../../src/index.js';
import { validateIntegration } from '../../src/integrations/validate.js';
import { startAzureTestEnvironment, type AzureTestEnvironment } from '../../src/testing/azure/environment.js';
import { checkCertificateAssertion } from '../../src/testing/azure/client-certificate-assertion.js';
import { decodeJwt } from '../../src/testing/azure/jwt.js';
import { createTestCertificate, type TestCertificate } from '../../src/testing/azure/tls.js';
import { failure as failed } from '../helpers/failure.js';

const failure = (run: () => unknown): ReturnType<typeof failed> => failed(Promise.resolve().then(run));

const TENANT = '3f1c2b4a-5d6e-4f70-8a9b-0c1d2e3f4a5b';
const APP = 'c0ffee00-1111-4222-8333-444455556666';
const SNI_APP = 'c0ffee00-2222-4222-8333-444455556666';
const ACCOUNT = 'certdata';
const CONTAINER = 'scans';
const uri = (key: string): string => `https://${ACCOUNT}.blob.core.windows.net/${CONTAINER}/${key}`;
const b64url = (data: string | Buffer): string => Buffer.from(data).toString('base64url');
/** The base64 body of a PEM's private key: the part that must never leak. */
const keyBody = (pem: string): string => /PRIVATE KEY-----\r?\n([A-Za-z0-9+/=]{40})/.exec(pem)![1]!;

describe('azure auth kind "client-certificate" against a fake Entra that verifies the assertion', () => {
  let env: AzureTestEnvironment;
  let cert: TestCertificate;
  let stranger: TestCertificate;
  const resolvers: AssetResolver[] = [];
  const events: AssetLinkEvent[] = [];
  const pemOf = (c: TestCertificate): string => `${c.key}\n${c.cert}`;

  function makeResolver(integrations: Integration[]): AssetResolver {
    const resolver = createAssetResolver({ integrations, platform: { azure: env.platform }, onEvent: (e) => events.push(e) });
    resolvers.push(resolver);
    return resolver;
  }
  const integration = (id: string, clientId: string, certificate: string | (() => Promise<string>), sendCertificateChain?: boolean): Integration => ({
    id, provider: 'azure', scope: { account: ACCOUNT, container: CONTAINER },
    auth: { kind: 'client-certificate', tenantId: TENANT, clientId, certificate, ...(sendCertificateChain !== undefined ? { sendCertificateChain } : {}) },
  });

  beforeAll(async () => {
    cert = await createTestCertificate();
    stranger = await createTestCertificate();
    env = await startAzureTestEnvironment({
      accounts: [ACCOUNT],
      containers: [`${ACCOUNT}/${CONTAINER}`],
      apps: [
        { tenantId: TENANT, clientId: APP, certificates: [cert.cert] },
        { tenantId: TENANT, clientId: SNI_APP, certificates: [cert.cert], requireCertificateChain: true },
      ],
    });
    await env.azurite.putBlob(CONTAINER, 'a.txt', 'certified', { account: ACCOUNT });
  });

  afterAll(async () => {
    await Promise.allSettled(resolvers.map((r) => r.close()));
    await env?.close();
  });

  it('reads with a token obtained by a certificate assertion the fake Entra verified (signature, thumbprint, audience)', async () => {
    const resolver = makeResolver([integration('cert', APP, pemOf(cert))]);
    const asset = await resolver.resolveAsset(uri('a.txt'));
    expect(new TextDecoder().decode(await asset.bytes())).toBe('certified');
    const request = env.entra.tokenRequests.find((r) => r.clientId === APP && r.status === 200)!;
    expect(request.grant).toBe('client_assertion');
    const thumbprint = createHash('sha1').update(new X509Certificate(cert.cert).raw).digest('hex').toUpperCase();
    expect(request.certificate).toMatchObject({ thumbprint, chainSent: false });
    expect(['x5t', 'x5t#S256']).toContain(request.certificate!.header);
    // The private key never shows up in what a caller can print.
    const body = keyBody(cert.key);
    expect(inspect(resolver, { depth: 10, showHidden: true })).not.toContain(body);
    expect(JSON.stringify(resolver)).not.toContain(body);
    expect(JSON.stringify(events)).not.toContain(body);
  });

  it('an app using subject name/issuer authentication needs the chain: refused without sendCertificateChain, accepted with it (x5c sent)', async () => {
    const without = makeResolver([integration('sni-off', SNI_APP, pemOf(cert))]);
    const error = await failed((async () => (await without.resolveAsset(uri('a.txt'))).bytes())());
    expect(error).toMatchObject({ code: 'ACCESS_DENIED', integrationId: 'sni-off' });
    expect(error.message).not.toContain(keyBody(cert.key));
    const withChain = makeResolver([integration('sni-on', SNI_APP, pemOf(cert), true)]);
    expect(new TextDecoder().decode(await (await withChain.resolveAsset(uri('a.txt'))).bytes())).toBe('certified');
    const accepted = env.entra.tokenRequests.filter((r) => r.clientId === SNI_APP && r.status === 200);
    expect(accepted).toHaveLength(1);
    expect(accepted[0]!.certificate).toMatchObject({ chainSent: true });
  });

  it('a certificate not registered on the app is refused by Entra (ACCESS_DENIED, not retried as success)', async () => {
    const resolver = makeResolver([integration('stranger', APP, pemOf(stranger))]);
    const before = env.entra.tokenRequests.length;
    const error = await failed((async () => (await resolver.resolveAsset(uri('a.txt'))).bytes())());
    expect(error).toMatchObject({ code: 'ACCESS_DENIED', integrationId: 'stranger' });
    const refused = env.entra.tokenRequests.slice(before);
    expect(refused.length).toBeGreaterThan(0);
    expect(refused.every((r) => r.status === 401 && r.errorCode === 700027)).toBe(true);
  });

  it('the PEM may come from a vault callback, read when the token is minted', async () => {
    let calls = 0;
    const resolver = makeResolver([integration('vault', APP, async () => { calls++; return pemOf(cert); })]);
    expect(new TextDecoder().decode(await (await resolver.resolveAsset(uri('a.txt'))).bytes())).toBe('certified');
    expect(calls).toBe(1);
  });

  describe('validation (INVALID_INTEGRATION naming auth.certificate and the integration; the PEM is never quoted)', () => {
    const cases: Array<[string, () => string, RegExp]> = [
      ['a certificate without its private key', () => cert.cert, /no private key/],
      ['a private key without a certificate', () => cert.key, /no certificate/],
      ['malformed PEM (a line of the key missing)', () => `${cert.key.split('\n').filter((_, i) => i !== 3).join('\n')}\n${cert.cert}`, /cannot be read/],
      ['not PEM at all', () => 'MIIB...', /is not PEM/],
      ['a key that does not belong to the certificate', () => `${stranger.key}\n${cert.cert}`, /does not belong/],
      ['an encrypted private key', () => `${generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'x' })}\n${cert.cert}`, /encrypted/],
    ];
    for (const [name, make, message] of cases) {
      it(`refuses ${name}`, async () => {
        const pem = make();
        const error = await failure(() => validateIntegration(integration('bad-cert', APP, pem)));
        expect(error).toMatchObject({ code: 'INVALID_INTEGRATION', field: 'auth.certificate', integrationId: 'bad-cert' });
        expect(error.message).toMatch(message);
        expect(error.message).not.toMatch(/MII[A-Za-z0-9+/]{20}/);
      });
    }
    it('refuses a non-boolean sendCertificateChain', async () => {
      const bad = { ...integration('bad-chain', APP, pemOf(cert)), auth: { kind: 'client-certificate', tenantId: TENANT, clientId: APP, certificate: pemOf(cert), sendCertificateChain: 'yes' } } as unknown as Integration;
      expect(await failure(() => validateIntegration(bad))).toMatchObject({ code: 'INVALID_INTEGRATION', field: 'auth.sendCertificateChain' });
    });
  });

  describe('the fake Entra is as strict as Entra about the assertion', () => {
    const endpoint = 'https://login.example/tenant/oauth2/v2.0/token';
    function assertion(options: { key?: string; certPem?: string; aud?: string; iss?: string; x5c?: boolean } = {}): ReturnType<typeof decodeJwt> {
      const der = new X509Certificate(options.certPem ?? cert.cert).raw;
      const header = { alg: 'RS256', typ: 'JWT', x5t: createHash('sha1').update(der).digest('base64url'), ...(options.x5c ? { x5c: [der.toString('base64')] } : {}) };
      const now = Math.floor(Date.now() / 1000);
      const claims = { aud: options.aud ?? endpoint, iss: options.iss ?? APP, sub: options.iss ?? APP, jti: 'j1', nbf: now, exp: now + 600 };
      const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;
      const sig = createSign('RSA-SHA256').update(input).sign(options.key ?? cert.key);
      return decodeJwt(`${input}.${b64url(sig)}`);
    }
    const ctx = (requireChain = false) => ({ clientId: APP, tokenEndpoint: endpoint, certificates: [{ pem: cert.cert }], requireChain, nowSeconds: Math.floor(Date.now() / 1000) });

    it('accepts a well-formed assertion and refuses each broken property', () => {
      expect(checkCertificateAssertion(assertion()!, ctx())).toMatchObject({ ok: true, thumbprintHeader: 'x5t' });
      expect(checkCertificateAssertion(assertion({ key: stranger.key })!, ctx())).toMatchObject({ ok: false, code: 700027 });
      expect(checkCertificateAssertion(assertion({ certPem: stranger.cert, key: stranger.key })!, ctx())).toMatchObject({ ok: false, code: 700027 });
      expect(checkCertificateAssertion(assertion({ aud: 'https://elsewhere/token' })!, ctx())).toMatchObject({ ok: false, code: 700021 });
      expect(checkCertificateAssertion(assertion({ iss: 'someone-else' })!, ctx())).toMatchObject({ ok: false, code: 700023 });
      expect(checkCertificateAssertion(assertion()!, ctx(true))).toMatchObject({ ok: false, code: 700027 });
      expect(checkCertificateAssertion(assertion({ x5c: true })!, ctx(true))).toMatchObject({ ok: true, chainSent: true });
    });
  });

  describe('azureAdminConsentUrl', () => {
    it('builds the admin-consent link for a tenant, "organizations", and sovereign clouds', () => {
      const url = new URL(azureAdminConsentUrl({ clientId: APP, tenantId: TENANT, redirectUri: 'https://app.example.com/azure/consented', state: 's1' }));
      expect(`${url.origin}${url.pathname}`).toBe(`https://login.microsoftonline.com/${TENANT}/adminconsent`);
      expect(Object.fromEntries(url.searchParams)).toEqual({ client_id: APP, redirect_uri: 'https://app.example.com/azure/consented', state: 's1' });
      expect(azureAdminConsentUrl({ clientId: APP, redirectUri: 'https://app.example.com/cb' })).toMatch(/^https:\/\/login\.microsoftonline\.com\/organizations\/adminconsent\?/);
      expect(azureAdminConsentUrl({ clientId: APP, redirectUri: 'https://app.example.com/cb', cloud: 'china' })).toMatch(/^https:\/\/login\.chinacloudapi\.cn\/organizations\//);
      expect(azureAdminConsentUrl({ clientId: APP, redirectUri: 'https://app.example.com/cb', cloud: 'usgov' })).toMatch(/^https:\/\/login\.microsoftonline\.us\//);
    });
    it('refuses a client id that is not a GUID, a bad tenant, and a non-https redirect', async () => {
      expect(await failure(() => azureAdminConsentUrl({ clientId: 'app', redirectUri: 'https://a.example/cb' }))).toMatchObject({ code: 'INVALID_ARGUMENT' });
      expect(await failure(() => azureAdminConsentUrl({ clientId: APP, tenantId: 'x/../y', redirectUri: 'https://a.example/cb' }))).toMatchObject({ code: 'INVALID_ARGUMENT' });
      expect(await failure(() => azureAdminConsentUrl({ clientId: APP, redirectUri: 'http://a.example/cb' }))).toMatchObject({ code: 'INVALID_ARGUMENT' });
      expect(azureAdminConsentUrl({ clientId: APP, redirectUri: 'http://localhost:3000/cb' })).toContain('redirect_uri=http%3A%2F%2Flocalhost%3A3000%2Fcb');
    });
  });
});
