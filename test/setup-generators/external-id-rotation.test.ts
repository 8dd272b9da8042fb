import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAssetResolver, generateExternalId, generateSetup, type AwsIntegration } from '../../src/index.js';
import { startAwsFakes, type AwsFakes } from '../../src/testing/aws/index.js';

/**
 * ExternalId rotation: the generated trust policy accepts the new and the previous ExternalId
 * during the window (one `sts:ExternalId` condition with both values), and the documented steps
 * work end to end against the fake STS, which evaluates the same condition.
 */

const PLATFORM = 'arn:aws:iam::111122223333:role/assetlink-platform';
const OLD = 'rotation-old-external-id-0001';
const NEW = 'rotation-new-external-id-0002';
const ROLE = 'arn:aws:iam::123456789012:role/assetlink-reader';

const integration = (externalId: string): AwsIntegration => ({
  id: 'rotating', provider: 'aws', scope: { bucket: 'rotation-bucket', region: 'us-east-1' }, auth: { kind: 'assume-role', roleArn: ROLE, externalId },
});
const trustOf = (externalId: string, previousExternalId?: string) => {
  const plan = generateSetup(integration(externalId), { platform: { aws: { principalArn: PLATFORM } }, ...(previousExternalId ? { aws: { previousExternalId } } : {}) });
  return { plan, trust: plan.steps.find((s) => s.id === 'aws.trust-policy')! };
};

describe('setup: ExternalId rotation window', () => {
  it('the trust policy accepts both the new and the previous ExternalId', () => {
    const { plan, trust } = trustOf(NEW, OLD);
    expect((trust.document as { Statement: Array<{ Condition: unknown }> }).Statement[0]!.Condition).toEqual({ StringEquals: { 'sts:ExternalId': [NEW, OLD] } });
    expect(trust.text).toContain(OLD);
    expect(trust.description).toContain('rotation');
    expect(plan.notes.join('\n')).toMatch(/\(1\).*\(2\).*updateIntegration.*\(3\)/s);
    // Neither ExternalId appears outside the trust policy.
    for (const step of plan.steps.filter((s) => s.id !== 'aws.trust-policy')) expect(JSON.stringify(step)).not.toMatch(new RegExp(`${OLD}|${NEW}`));
    expect(plan.notes.join('\n')).not.toMatch(new RegExp(`${OLD}|${NEW}`));
  });

  it('without a rotation the condition holds the single ExternalId', () => {
    expect((trustOf(NEW).trust.document as { Statement: Array<{ Condition: unknown }> }).Statement[0]!.Condition).toEqual({ StringEquals: { 'sts:ExternalId': NEW } });
  });

  it('refuses a previous ExternalId that is invalid, equal to the new one, or for a non-assume-role integration — without echoing it', () => {
    const options = (previousExternalId: string) => ({ platform: { aws: { principalArn: PLATFORM } }, aws: { previousExternalId } });
    expect(() => generateSetup(integration(NEW), options(NEW))).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    try { generateSetup(integration(NEW), options('bad external id!')); } catch (error) {
      expect(error).toMatchObject({ code: 'INVALID_ARGUMENT' });
      expect((error as Error).message).not.toContain('bad external id!');
    }
    expect(() => generateSetup({ ...integration(NEW), auth: { kind: 'cross-account' } }, options(OLD))).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  });
});

describe('the documented rotation, end to end against the fake STS', () => {
  let fakes: AwsFakes;
  beforeAll(async () => {
    fakes = await startAwsFakes({ buckets: [{ name: 'rotation-bucket', ownerAccountId: '123456789012' }], roles: [{ roleArn: ROLE, externalId: OLD }] });
    await fakes.s3.putObject('rotation-bucket', 'a.txt', 'x');
  });
  afterAll(async () => { await fakes?.close(); });

  it('old → both → new: the integration works at every step, and the old ExternalId stops working at the end', async () => {
    const resolver = createAssetResolver({ platform: { aws: fakes.platform }, integrations: [integration(OLD)] });
    try {
      const head = async () => (await resolver.resolveAsset('s3://rotation-bucket/a.txt')).head();
      await head();
      const next = generateExternalId();
      // (1) The customer applies the rotation trust policy: the fake role now holds its condition.
      const condition = (doc: unknown) => (doc as { Statement: Array<{ Condition: { StringEquals: Record<string, string | string[]> } }> }).Statement[0]!.Condition.StringEquals['sts:ExternalId']!;
      const window = condition(trustOf(next, OLD).trust.document);
      expect(window).toEqual([next, OLD]);
      fakes.sts.addRole({ roleArn: ROLE, externalId: window });
      await head(); // the platform still presents the old ExternalId: it works during the window
      // (2) The platform switches to the new ExternalId and verifies it.
      resolver.updateIntegration(integration(next));
      expect((await resolver.verify('rotating')).checks.find((c) => c.name === 'credentials')?.status).toBe('pass');
      expect(fakes.sts.calls.at(-1)).toMatchObject({ externalId: next, outcome: 'issued' });
      // (3) The customer re-applies the trust policy without the previous ExternalId.
      fakes.sts.addRole({ roleArn: ROLE, externalId: condition(trustOf(next).trust.document) });
      await head(); // cached session of the new ExternalId
      const stale = createAssetResolver({ platform: { aws: fakes.platform }, integrations: [integration(OLD)] });
      await expect((await stale.resolveAsset('s3://rotation-bucket/a.txt')).head()).rejects.toMatchObject({ code: 'ACCESS_DENIED' });
      await stale.close();
      const fresh = createAssetResolver({ platform: { aws: fakes.platform }, integrations: [integration(next)] });
      await (await fresh.resolveAsset('s3://rotation-bucket/a.txt')).head();
      await fresh.close();
    } finally { await resolver.close(); }
  });
});
