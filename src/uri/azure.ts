import type { AzureCloud } from '../types.js';

export interface AzureHost {
  account: string;
  service: 'blob' | 'dfs';
  cloud: AzureCloud;
}

/** The storage endpoint suffix of each Azure cloud (after `.blob.` or `.dfs.`). */
export const AZURE_STORAGE_SUFFIX: Readonly<Record<AzureCloud, string>> = {
  public: 'core.windows.net',
  china: 'core.chinacloudapi.cn',
  usgov: 'core.usgovcloudapi.net',
};

const HOST = /^(?<account>.+)\.(?<service>blob|dfs)\.core\.(?<domain>windows\.net|chinacloudapi\.cn|usgovcloudapi\.net)$/;

const CLOUD_OF_DOMAIN: Readonly<Record<string, AzureCloud>> = {
  'windows.net': 'public',
  'chinacloudapi.cn': 'china',
  'usgovcloudapi.net': 'usgov',
};

/**
 * Blob and Data Lake endpoints of the public cloud, Azure China (21Vianet) and Azure US
 * Government. The account is everything before `.blob.`/`.dfs.` (and must then pass the account naming rules).
 */
export function matchAzureHost(host: string): AzureHost | undefined {
  const groups = HOST.exec(host)?.groups;
  if (groups?.account === undefined) return undefined;
  return {
    account: groups.account,
    service: groups.service === 'dfs' ? 'dfs' : 'blob',
    cloud: CLOUD_OF_DOMAIN[groups.domain ?? ''] ?? 'public',
  };
}

/** `ACCOUNT.blob.core.windows.net` (or the cloud's equivalent). */
export function azureBlobHost(account: string, cloud: AzureCloud = 'public'): string {
  return `${account}.blob.${AZURE_STORAGE_SUFFIX[cloud]}`;
}
