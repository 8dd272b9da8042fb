import { randomBytes } from 'node:crypto';
import { AssetLinkError, type AssetLinkErrorCode } from '../errors.js';
import { matchExplicit } from '../integrations/match.js';
import type { NormalizedIntegration, RegisteredIntegration } from '../integrations/registered.js';
import type { CorsRule, ObjectTarget, ObjectVersion, ProviderDriver } from '../resolvers/driver.js';
import { collect } from '../resolver/streams.js';
import type { AssetLocation } from '../types.js';
import { azureBlobUri, parseAssetUri, type ParseOptions } from '../uri/index.js';
import { fixHint } from './hints.js';
import { alreadyExists, exists, probeObject } from './probe-object.js';
import { locateBucket, planVerification } from './profiles.js';
import type { CheckName, CheckStatus, VerificationCheck, VerificationReport, VerifyOptions } from './report.js';

export interface VerifyDeps {
  integration: RegisteredIntegration;
  driver: ProviderDriver;
  parseOptions: ParseOptions;
  now(): number;
}

/** URI of `key` inside an integration's bucket/container (or, for wildcard scopes, `bucket`), in the provider's canonical scheme. */
function uriFor(config: NormalizedIntegration, key: string, bucket?: string): string {
  switch (config.provider) {
    case 'aws': return `s3://${bucket ?? config.scope.bucket}/${key}`;
    case 'gcp': return `gs://${bucket ?? config.scope.bucket}/${key}`;
    case 'memory': return `memory://${config.scope.bucket}/${key}`;
    case 'azure': return azureBlobUri(config.scope.account, bucket ?? config.scope.container ?? '', key);
    case 'file': return `file:///${key}`;
    case 'https': return `https://${config.scope.hosts[0]!.replace(/^\*\./, '')}/${key}`;
  }
}

function prefixKey(reg: RegisteredIntegration): string {
  const config = reg.config;
  if (config.provider === 'file') return config.scope.root.replace(/^\/+/, '');
  return reg.prefix;
}

function corsAllows(rules: CorsRule[], origin: string, methods: string[]): boolean {
  const originOk = (pattern: string): boolean => pattern === '*' || pattern === origin
    || (pattern.includes('*') && new RegExp(`^${pattern.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('[^/]*')}$`).test(origin));
  return methods.every((m) => rules.some((r) => r.allowedOrigins.some(originOk) && r.allowedMethods.map((x) => x.toUpperCase()).includes(m)));
}

/**
 * Runs the "test connection" checks. Never modifies or deletes an object it did not create: a
 * `probeKey` that exists is refused (ALREADY_EXISTS) before anything is written, the probe is
 * written create-only, and it is removed only while it is still the exact version written (see
 * probe-object.ts). The read-only probe goes through the driver's raw-credential probe, which
 * follows the same rules.
 */
export async function verifyIntegration(deps: VerifyDeps, options: VerifyOptions = {}): Promise<VerificationReport> {
  const { integration: reg, driver } = deps;
  const config = reg.config;
  const checks: VerificationCheck[] = [];
  const plan = planVerification(reg, options, deps.parseOptions);
  const base = prefixKey(reg);
  const locate = (key: string): ObjectTarget => {
    const location: AssetLocation = parseAssetUri(uriFor(config, key, plan.bucket), deps.parseOptions);
    return { integration: reg, location: matchExplicit(reg, location).location };
  };
  const prefixTarget = (): ObjectTarget => {
    const key = base === '' ? '' : `${base}/`;
    const location = parseAssetUri(uriFor(config, key, plan.bucket), deps.parseOptions);
    return { integration: reg, location: config.provider === 'azure' && location.account === undefined ? { ...location, account: config.scope.account } : location };
  };

  const run = async (name: CheckName, required: boolean, body: () => Promise<{ status: CheckStatus; detail: string; code?: AssetLinkErrorCode }>): Promise<CheckStatus> => {
    const started = performance.now();
    let result: { status: CheckStatus; detail: string; code?: AssetLinkErrorCode };
    try {
      result = await body();
    } catch (error) {
      const code: AssetLinkErrorCode = error instanceof AssetLinkError ? error.code : 'PROVIDER_ERROR';
      result = { status: 'fail', code, detail: error instanceof AssetLinkError ? error.message : 'unexpected error' };
    }
    const check: VerificationCheck = {
      name, required, status: result.status, detail: result.detail, durationMs: Math.round(performance.now() - started),
      ...(result.code !== undefined ? { code: result.code } : {}),
      ...(result.status === 'fail' || result.status === 'warn' ? { hint: fixHint(config, name, result.code) } : {}),
    };
    checks.push(check);
    options.onCheck?.(check);
    return check.status;
  };

  const credentials = await run('credentials', plan.required.credentials, async () => {
    if (!driver.checkCredentials) return { status: 'skipped', detail: `${config.provider} integrations use no delegated credentials` };
    const got = await driver.checkCredentials(reg, plan.sample);
    return { status: 'pass', detail: `${got.detail}${got.expiresAt ? `, valid until ${got.expiresAt.toISOString()}` : ''}` };
  });
  const canContinue = credentials !== 'fail';

  await run('list', plan.required.list, async () => {
    if (!canContinue) return { status: 'skipped', detail: 'skipped: no credentials' };
    if (!driver.list) return { status: 'skipped', detail: `${config.provider} does not support listing` };
    const listed = await driver.list(prefixTarget(), 10);
    return { status: 'pass', detail: `listed ${listed.keys.length}${listed.truncated ? '+' : ''} object(s) under "${base === '' ? '(whole bucket)' : `${base}/`}"` };
  });

  await run('sample-read', plan.required['sample-read'], async () => {
    if (options.sampleUri === undefined) return { status: 'skipped', detail: 'no sampleUri given' };
    if (!canContinue) return { status: 'skipped', detail: 'skipped: no credentials' };
    const target = { integration: reg, location: matchExplicit(reg, parseAssetUri(options.sampleUri, deps.parseOptions)).location };
    const head = await driver.head(target);
    const first = await collect(await driver.read(target, head.size > 0 ? { start: 0, end: 0 } : undefined));
    return { status: 'pass', detail: `read ${target.location.uri} (${head.size} bytes${first.byteLength ? ', first byte fetched' : ''})` };
  });

  const probeKey = options.probeKey ?? `${base === '' ? '' : `${base}/`}.assetlink/verify-${randomBytes(8).toString('hex')}`;
  const probeBody = new TextEncoder().encode(`assetlink verification probe ${new Date(deps.now()).toISOString()}`);
  const probe = probeObject(driver);
  if (options.probeKey !== undefined) {
    // A caller-chosen key: refused before any check runs (and so before anything is written) when it
    // is outside the scope or already holds an object. The create-only write below still guards
    // against an object that appears after this check.
    const target = locate(options.probeKey);
    const found = await exists(driver, target).catch(() => false);
    if (found) throw alreadyExists(target);
  }
  if (config.mode === 'read-write') {
    await run('write-probe', plan.required['write-probe'], async () => {
      if (!canContinue) return { status: 'skipped', detail: 'skipped: no credentials' };
      const target = locate(probeKey);
      let created: ObjectVersion | undefined;
      try {
        created = await probe.create(target, probeBody);
        const back = await collect(await driver.read(target));
        if (Buffer.compare(Buffer.from(back), Buffer.from(probeBody)) !== 0) {
          return { status: 'fail', code: 'PROVIDER_ERROR', detail: `read back of ${target.location.uri} returned different bytes (if another writer replaced the probe, its object was left alone)` };
        }
        const removed = await probe.remove(target, created);
        created = undefined;
        return removed
          ? { status: 'pass', detail: `created, read back and deleted ${target.location.uri}` }
          : { status: 'warn', detail: `created and read back ${target.location.uri}; another writer replaced it before the clean-up, so it was left alone (delete not proven)` };
      } finally {
        // Only ever the exact version the probe wrote: a replaced object is someone else's.
        if (created) await probe.remove(target, created).catch(() => undefined);
      }
    });
  } else {
    await run('read-only-enforced', plan.required['read-only-enforced'], async () => {
      if (!canContinue) return { status: 'skipped', detail: 'skipped: no credentials' };
      if (!driver.probeRawWrite) return { status: 'skipped', detail: `assetlink refuses writes itself; ${config.provider} credentials cannot be probed` };
      const target = locate(probeKey);
      // Create-only and cleaned up by exact version inside the driver; throws if its own object stayed.
      const outcome = await driver.probeRawWrite(target, probeBody);
      return outcome === 'refused'
        ? { status: 'pass', detail: 'the minted credentials cannot write (refused by the provider)' }
        : { status: 'warn', code: 'ACCESS_DENIED', detail: 'over-privileged: the integration is read-only but its credentials can write (assetlink still refuses writes)' };
    });
  }

  await run('cors', plan.required.cors, async () => {
    if (options.origin === undefined) return { status: 'skipped', detail: 'no origin given' };
    if (!canContinue) return { status: 'skipped', detail: 'skipped: no credentials' };
    if (!driver.getCors) return { status: 'skipped', detail: `${config.provider} CORS cannot be read with these credentials` };
    const methods = config.mode === 'read-write' ? ['GET', 'PUT'] : ['GET'];
    const rules = await driver.getCors(prefixTarget());
    return corsAllows(rules, options.origin, methods)
      ? { status: 'pass', detail: `CORS allows ${methods.join('/')} from ${options.origin}` }
      : { status: 'fail', code: 'ACCESS_DENIED', detail: `CORS does not allow ${methods.join('/')} from ${options.origin}` };
  });

  const failing = checks.filter((c) => c.required && c.status === 'fail').map((c) => c.name);
  const region = canContinue ? await locateBucket(driver, prefixTarget()) : undefined;
  return {
    integrationId: reg.id, provider: reg.provider, mode: reg.mode, status: failing.length === 0 ? 'active' : 'pending',
    checks, failing, checkedAt: new Date(deps.now()), profile: plan.profile,
    ...(reg.tenant !== undefined ? { tenant: reg.tenant } : {}),
    ...(region !== undefined ? { region } : {}),
  };
}
