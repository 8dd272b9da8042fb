import { InvalidIntegrationError } from '../errors.js';
import type { AzureCloud } from '../types.js';

const CLOUDS: readonly AzureCloud[] = ['public', 'china', 'usgov'];

/** `scope.cloud`: which Azure cloud the account lives in (default public); kept only when given. */
export function azureScopeCloud(scope: Record<string, unknown>): { cloud?: AzureCloud } {
  const cloud = scope.cloud;
  if (cloud === undefined) return {};
  if (typeof cloud !== 'string' || !(CLOUDS as readonly string[]).includes(cloud)) {
    throw new InvalidIntegrationError('scope.cloud', 'must be "public", "china" (chinacloudapi.cn) or "usgov" (usgovcloudapi.net)');
  }
  return { cloud: cloud as AzureCloud };
}
