import type { StsModule } from './sdk.js';

/** Where the platform region came from (for diagnostics and tests). */
export interface PlatformRegion {
  region: string;
  source: 'platform.aws.region' | 'AWS_REGION' | 'AWS_DEFAULT_REGION' | 'profile' | 'default';
}

export const FALLBACK_REGION = 'us-east-1';

/**
 * The region STS is called in, resolved as the AWS SDK (and CLI) do: `platform.aws.region`, then
 * `AWS_REGION`, then `AWS_DEFAULT_REGION` (the CLI's name for it), then the `region` of the active
 * profile in the shared config file (`AWS_PROFILE`, `AWS_CONFIG_FILE`) — read by the SDK itself —
 * and only then us-east-1. STS is called at that region's endpoint (`sts.REGION.amazonaws.com`),
 * never the global one, as AWS recommends.
 */
export async function resolvePlatformRegion(configured: string | undefined, sts: StsModule, env: NodeJS.ProcessEnv = process.env): Promise<PlatformRegion> {
  if (configured) return { region: configured, source: 'platform.aws.region' };
  if (env.AWS_REGION) return { region: env.AWS_REGION, source: 'AWS_REGION' };
  if (env.AWS_DEFAULT_REGION) return { region: env.AWS_DEFAULT_REGION, source: 'AWS_DEFAULT_REGION' };
  // A client built without a region resolves it from the shared config the way every SDK client does.
  const probe = new sts.STSClient({});
  try {
    const region = await probe.config.region();
    if (region) return { region, source: 'profile' };
  } catch {
    // "Region is missing": no profile names one.
  } finally {
    probe.destroy();
  }
  return { region: FALLBACK_REGION, source: 'default' };
}
