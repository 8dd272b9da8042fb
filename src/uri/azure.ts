export interface AzureHost {
  account: string;
  service: 'blob' | 'dfs';
}

const HOST = /^(?<account>.+)\.(?<service>blob|dfs)\.core\.windows\.net$/;

/**
 * Public-cloud Blob and Data Lake endpoints. Sovereign clouds (chinacloudapi.cn,
 * usgovcloudapi.net) are not recognised, because the canonical form names blob.core.windows.net.
 */
export function matchAzureHost(host: string): AzureHost | undefined {
  const groups = HOST.exec(host)?.groups;
  if (groups?.account === undefined) return undefined;
  return { account: groups.account, service: groups.service === 'dfs' ? 'dfs' : 'blob' };
}
