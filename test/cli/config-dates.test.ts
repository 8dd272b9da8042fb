import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/cli/config.js';
import { AssetLinkError, createAssetResolver } from '../../src/index.js';

const integration = (expiresAt: unknown) => ({
  id: 'sts', provider: 'aws', scope: { bucket: 'b-sts' },
  auth: { kind: 'access-key', accessKeyId: 'ASIACONFIGDATES00001', secretAccessKey: 's', sessionToken: 't', expiresAt },
});

async function load(expiresAt: unknown) {
  return loadConfig(undefined, { ASSETLINK_CONFIG_JSON: JSON.stringify({ integrations: [integration(expiresAt)] }) });
}

describe('CLI config: auth.expiresAt as an ISO 8601 string', () => {
  it('becomes a Date the resolver accepts', async () => {
    const config = await load('2099-01-01T00:00:00Z');
    const auth = (config.integrations![0] as { auth: { expiresAt: unknown } }).auth;
    expect(auth.expiresAt).toBeInstanceOf(Date);
    expect((auth.expiresAt as Date).toISOString()).toBe('2099-01-01T00:00:00.000Z');
    const resolver = createAssetResolver(config);
    expect(resolver.listIntegrations()).toHaveLength(1);
    await resolver.close();
  });

  it('an offset is honoured', async () => {
    const config = await load('2099-01-01T02:00:00+02:00');
    expect(((config.integrations![0] as { auth: { expiresAt: Date } }).auth.expiresAt).toISOString()).toBe('2099-01-01T00:00:00.000Z');
  });

  for (const bad of ['2099-01-01', '2099-01-01T00:00:00', 'tomorrow', '2099-13-01T00:00:00Z']) {
    it(`"${bad}" is refused (no zone, or not a timestamp)`, async () => {
      const error = await load(bad).then(() => undefined, (e: unknown) => e);
      expect(error).toBeInstanceOf(AssetLinkError);
      expect((error as Error).message).toContain('integrations[0].auth.expiresAt');
    });
  }

  it('a past timestamp reaches validation: INVALID_INTEGRATION naming the field and the id', async () => {
    const config = await load('2001-01-01T00:00:00Z');
    let error: unknown;
    try { createAssetResolver(config); } catch (e) { error = e; }
    expect((error as AssetLinkError).code).toBe('INVALID_INTEGRATION');
    expect((error as { field: string }).field).toBe('auth.expiresAt');
    expect((error as AssetLinkError).integrationId).toBe('sts');
  });
});
