import https from 'node:https';
import { generateKeyPairSync } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BlobSASPermissions, BlobServiceClient, generateBlobSASQueryParameters, SASProtocol } from '@azure/storage-blob';
import { storagePipeline, createTrustingAgent } from '../../src/resolvers/azure/http.js';
import { AzuriteBlobServer } from '../../src/testing/azure/azurite.js';
import { FakeEntra } from '../../src/testing/azure/fake-entra.js';
import { createTrustingFetch, type FetchLike } from '../../src/testing/azure/https-fetch.js';
import { decodeJwt, signJwt, verifyJwtSignature } from '../../src/testing/azure/jwt.js';
import { FakeOidcIssuer } from '../../src/testing/azure/oidc-issuer.js';
import { createTestCertificate, type TestCertificate } from '../../src/testing/azure/tls.js';

const TENANT = 'c0ffee00-1234-4abc-8def-0123456789ab';
const SECRET_APP = '11111111-aaaa-4bbb-8ccc-222222222222';
const FED_APP = '33333333-dddd-4eee-8fff-444444444444';
const STORAGE_SCOPE = 'https://storage.azure.com/.default';
const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

describe('azure test fakes', () => {
  let tls: TestCertificate;
  let entra: FakeEntra;
  let azurite: AzuriteBlobServer;
  let issuer: FakeOidcIssuer;
  let fetchTls: FetchLike;

  const token = (form: Record<string, string>, tenant = TENANT): Promise<Response> =>
    fetchTls(`${entra.authorityHost}/${tenant}/oauth2/v2.0/token`, {
      method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(form).toString(),
    });
  const secretForm = (secret: string): Record<string, string> => ({ grant_type: 'client_credentials', client_id: SECRET_APP, client_secret: secret, scope: STORAGE_SCOPE });
  const assertionForm = (assertion: string): Record<string, string> => ({
    grant_type: 'client_credentials', client_id: FED_APP, client_assertion_type: ASSERTION_TYPE, client_assertion: assertion, scope: STORAGE_SCOPE,
  });
  const aadsts = async (response: Response): Promise<number | undefined> => ((await response.json()) as { error_codes?: number[] }).error_codes?.[0];

  beforeAll(async () => {
    tls = await createTestCertificate();
    issuer = new FakeOidcIssuer();
    entra = await FakeEntra.start({
      tls,
      apps: [
        { tenantId: TENANT, clientId: SECRET_APP, clientSecret: 'right-secret', objectId: '55555555-0000-4000-8000-000000000001' },
        { tenantId: TENANT, clientId: FED_APP, federated: [{ issuer: issuer.issuer, subject: 'workload-a' }] },
      ],
      trustedIssuers: { [issuer.issuer]: issuer.publicKeyPem },
    });
    azurite = await AzuriteBlobServer.start({ tls, accounts: ['fakesacct'] });
    fetchTls = createTrustingFetch(tls.ca);
  });

  afterAll(async () => {
    await entra?.close();
    await azurite?.close();
  });

  describe('createTestCertificate', () => {
    it('is trusted only by clients given its CA', async () => {
      const server = https.createServer({ cert: tls.cert, key: tls.key }, (_req, res) => res.end('ok'));
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const port = (server.address() as { port: number }).port;
      try {
        expect(await (await fetchTls(`https://127.0.0.1:${port}/`)).text()).toBe('ok');
        expect(await (await fetchTls(`https://localhost:${port}/`)).text()).toBe('ok');
        const untrusted = new Promise((resolve, reject) => https.get(`https://127.0.0.1:${port}/`, resolve).on('error', reject));
        await expect(untrusted).rejects.toThrow(/self[- ]signed/i);
        const other = createTrustingFetch((await createTestCertificate()).ca);
        await expect(other(`https://127.0.0.1:${port}/`)).rejects.toThrow();
      } finally {
        server.close();
      }
    });
  });

  describe('FakeEntra', () => {
    it('serves OpenID discovery for a tenant', async () => {
      const response = await fetchTls(`${entra.authorityHost}/${TENANT}/v2.0/.well-known/openid-configuration`);
      const doc = (await response.json()) as Record<string, string>;
      expect(doc.token_endpoint).toBe(`${entra.authorityHost}/${TENANT}/oauth2/v2.0/token`);
      for (const field of ['issuer', 'authorization_endpoint', 'jwks_uri']) expect(doc[field]).toBeTruthy();
      expect(entra.discoveryRequests).toBeGreaterThan(0);
    });

    it('issues a signed storage token for the right client secret', async () => {
      const response = await token(secretForm('right-secret'));
      expect(response.status).toBe(200);
      const body = (await response.json()) as { access_token: string; expires_in: number; token_type: string };
      expect(body.token_type).toBe('Bearer');
      expect(body.expires_in).toBe(3600);
      const jwt = decodeJwt(body.access_token)!;
      expect(jwt.claims).toMatchObject({
        aud: 'https://storage.azure.com', iss: `https://sts.windows.net/${TENANT}/`, tid: TENANT,
        oid: '55555555-0000-4000-8000-000000000001', appid: SECRET_APP,
      });
      expect(jwt.claims.exp! - jwt.claims.iat!).toBe(3600);
      const keys = (await (await fetchTls(`${entra.authorityHost}/${TENANT}/discovery/v2.0/keys`)).json()) as { keys: JsonWebKey[] };
      const { createPublicKey } = await import('node:crypto');
      expect(verifyJwtSignature(jwt, createPublicKey({ key: keys.keys[0]! as import('node:crypto').JsonWebKey, format: 'jwk' }).export({ type: 'spki', format: 'pem' }).toString())).toBe(true);
    });

    it('refuses a wrong secret, unknown apps and tenants, and bad scopes the way Entra does', async () => {
      const wrong = await token(secretForm('wrong-secret'));
      expect(wrong.status).toBe(401);
      const body = (await wrong.clone().json()) as { error: string; error_description: string };
      expect(body.error).toBe('invalid_client');
      expect(body.error_description).toMatch(/^AADSTS7000215: /);
      expect(body.error_description).not.toContain('wrong-secret');
      expect(await aadsts(await token({ ...secretForm('right-secret'), client_id: '99999999-0000-4000-8000-000000000000' }))).toBe(700016);
      expect(await aadsts(await token(secretForm('right-secret'), '00000000-0000-4000-8000-000000000000'))).toBe(90002);
      expect(await aadsts(await token({ ...secretForm('right-secret'), scope: 'https://graph.microsoft.com/.default' }))).toBe(70011);
      expect(await aadsts(await token({ grant_type: 'client_credentials', client_id: SECRET_APP, scope: STORAGE_SCOPE }))).toBe(7000216);
    });

    it('checks federated assertions: issuer, subject, audience, lifetime, signature, type', async () => {
      expect((await token(assertionForm(issuer.mint({ subject: 'workload-a' })))).status).toBe(200);
      expect(await aadsts(await token(assertionForm(new FakeOidcIssuer({ issuer: 'https://other.example' }).mint({ subject: 'workload-a' }))))).toBe(700211);
      expect(await aadsts(await token(assertionForm(issuer.mint({ subject: 'workload-b' }))))).toBe(700213);
      expect(await aadsts(await token(assertionForm(issuer.mint({ subject: 'workload-a', audience: 'api://something-else' }))))).toBe(700212);
      const stale = new FakeOidcIssuer({ issuer: issuer.issuer, now: () => Date.now() - 3 * 3600_000 });
      entra.trustIssuer(issuer.issuer, issuer.publicKeyPem);
      // Same issuer name, wrong key: the signature check is what stops a forged assertion.
      const forged = signJwt(
        { iss: issuer.issuer, sub: 'workload-a', aud: 'api://AzureADTokenExchange', exp: Math.floor(Date.now() / 1000) + 600, nbf: Math.floor(Date.now() / 1000) },
        generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey,
      );
      expect(await aadsts(await token(assertionForm(forged)))).toBe(50012);
      expect(await aadsts(await token(assertionForm(stale.mint({ subject: 'workload-a', lifetimeSeconds: 600 }))))).toBe(700024);
      expect(await aadsts(await token(assertionForm('not-a-jwt')))).toBe(50027);
      expect(await aadsts(await token({ ...assertionForm(issuer.mint({ subject: 'workload-a' })), client_assertion_type: 'password' }))).toBe(7000219);
    });

    it('counts requests and injects faults with Retry-After', async () => {
      entra.reset();
      entra.injectFault({ status: 429, retryAfterSeconds: 7 });
      const throttled = await token(secretForm('right-secret'));
      expect(throttled.status).toBe(429);
      expect(throttled.headers.get('retry-after')).toBe('7');
      expect(((await throttled.json()) as { error: string }).error).toBe('temporarily_unavailable');
      entra.injectFault({ status: 503, times: 2 });
      expect((await token(secretForm('right-secret'))).status).toBe(503);
      expect((await token(secretForm('right-secret'))).status).toBe(503);
      expect((await token(secretForm('right-secret'))).status).toBe(200);
      expect(entra.tokenRequests.map((r) => r.status)).toEqual([429, 503, 503, 200]);
      expect(entra.tokensIssued).toBe(1);
      expect(entra.tokenCallsFor(SECRET_APP)).toBe(4);
      expect(JSON.stringify(entra.tokenRequests)).not.toContain('right-secret');
    });
  });

  describe('AzuriteBlobServer', () => {
    it('accepts the fake Entra bearer tokens over HTTPS and issues user delegation keys', async () => {
      const accessToken = ((await (await token(secretForm('right-secret'))).json()) as { access_token: string }).access_token;
      const agent = createTrustingAgent(tls.ca);
      const credential = { getToken: async () => ({ token: accessToken, expiresOnTimestamp: Date.now() + 3600_000 }) };
      const sdk = await import('@azure/storage-blob');
      const service = new BlobServiceClient(azurite.blobEndpoint('fakesacct'), storagePipeline(sdk, credential, agent));
      await service.getContainerClient('oauth').create();
      await service.getContainerClient('oauth').getBlockBlobClient('hello.txt').upload('hi', 2);
      expect(await azurite.listBlobs('oauth', '', 'fakesacct')).toEqual(['hello.txt']);
      expect(azurite.requests.filter((r) => r.auth === 'bearer').length).toBeGreaterThanOrEqual(2);

      const start = new Date(Date.now() - 60_000);
      const expiry = new Date(Date.now() + 3600_000);
      const before = azurite.userDelegationKeyRequests;
      const key = await service.getUserDelegationKey(start, expiry);
      expect(azurite.userDelegationKeyRequests - before).toBe(1);
      expect(key.signedObjectId).toBe('55555555-0000-4000-8000-000000000001');
      expect(key.signedTenantId).toBe(TENANT);

      // SAS made by the SDK (not by assetlink): Azurite enforces permissions and signatures.
      const sas = (permissions: string): string => generateBlobSASQueryParameters({
        containerName: 'oauth', blobName: 'hello.txt', permissions: BlobSASPermissions.parse(permissions),
        startsOn: start, expiresOn: expiry, protocol: SASProtocol.Https, version: '2025-07-05',
      }, key, 'fakesacct').toString();
      const blobUrl = `${azurite.blobEndpoint('fakesacct')}/oauth/hello.txt`;
      expect(await (await fetchTls(`${blobUrl}?${sas('r')}`)).text()).toBe('hi');
      expect((await fetchTls(`${blobUrl}?${sas('r')}`, { method: 'PUT', headers: { 'x-ms-blob-type': 'BlockBlob' }, body: 'x' })).status).toBe(403);
      expect((await fetchTls(`${blobUrl}?${sas('r').replace(/sig=[^&]{4}/, 'sig=AAAA')}`)).status).toBe(403);
      agent?.destroy();
    });

    it('refuses bearer tokens for another audience', async () => {
      const bogus = signJwt({
        aud: 'https://management.azure.com', iss: `https://sts.windows.net/${TENANT}/`, oid: 'x', tid: TENANT,
        iat: Math.floor(Date.now() / 1000), nbf: Math.floor(Date.now() / 1000), exp: Math.floor(Date.now() / 1000) + 600,
      }, generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey);
      const response = await fetchTls(`${azurite.blobEndpoint('fakesacct')}/oauth?restype=container`, {
        headers: { authorization: `Bearer ${bogus}`, 'x-ms-version': '2025-07-05' },
      });
      expect(response.status).toBe(403);
      expect(await response.text()).toContain('AuthenticationFailed');
    });

    it('leaves the process OpenTelemetry setup alone (Azurite registers a tracer as a side effect)', async () => {
      const { trace } = await import('@opentelemetry/api');
      const span = trace.getTracer('probe').startSpan('probe');
      expect(span.isRecording()).toBe(false);
      span.end();
    });

    it('serves the default and the configured accounts with their own keys', () => {
      expect(azurite.accountNames()).toEqual(['devstoreaccount1', 'fakesacct']);
      expect(azurite.accountKey('fakesacct')).not.toBe(azurite.accountKey());
      expect(azurite.endpointTemplate).toBe(`${azurite.origin}/{account}`);
      expect(() => azurite.accountKey('nope')).toThrow();
    });
  });
});
