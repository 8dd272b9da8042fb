import type { PresignedInfo } from '../types.js';

function readQuery(query: string): Map<string, string> {
  const params = new Map<string, string>();
  for (const pair of query.split('&')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    const name = safeDecode(eq === -1 ? pair : pair.slice(0, eq));
    const value = safeDecode(eq === -1 ? '' : pair.slice(eq + 1));
    if (name !== undefined && !params.has(name)) params.set(name, value ?? '');
  }
  return params;
}

function safeDecode(text: string): string | undefined {
  try {
    return decodeURIComponent(text);
  } catch {
    return undefined;
  }
}

/** `20240101T000000Z`, the SigV4 / GOOG4 timestamp. */
function compactDate(value: string | undefined): number | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value ?? '');
  if (m === null) return undefined;
  const [, y, mo, d, h, mi, s] = m.map(Number) as [number, number, number, number, number, number, number];
  const time = Date.UTC(y, mo - 1, d, h, mi, s);
  return Number.isNaN(time) ? undefined : time;
}

function seconds(value: string | undefined): number | undefined {
  return value !== undefined && /^\d{1,12}$/.test(value) ? Number(value) : undefined;
}

function startPlus(start: number | undefined, ttl: number | undefined): Date | undefined {
  return start === undefined || ttl === undefined ? undefined : new Date(start + ttl * 1000);
}

/** The ISO 8601 shapes Azure accepts for `se`: a date, or a UTC time to minutes or seconds. */
function azureExpiry(value: string | undefined): Date | undefined {
  if (value === undefined || !/^\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,7})?)?Z)?$/.test(value)) return undefined;
  const time = Date.parse(value);
  return Number.isNaN(time) ? undefined : new Date(time);
}

function info(kind: PresignedInfo['kind'], expiresAt: Date | undefined): PresignedInfo {
  return expiresAt === undefined ? { kind } : { kind, expiresAt };
}

/**
 * Recognises a URL that already carries a signature. Parameter names are matched exactly, as
 * the design says; the legacy V2 forms (`Signature` with `AWSAccessKeyId` or `GoogleAccessId`)
 * are recognised too so they are not re-signed blindly either.
 */
export function detectPresigned(query: string): PresignedInfo | undefined {
  if (query === '') return undefined;
  const p = readQuery(query);
  if (p.has('X-Amz-Signature')) return info('aws', startPlus(compactDate(p.get('X-Amz-Date')), seconds(p.get('X-Amz-Expires'))));
  if (p.has('X-Goog-Signature')) return info('gcp', startPlus(compactDate(p.get('X-Goog-Date')), seconds(p.get('X-Goog-Expires'))));
  if (p.has('sig')) return info('azure', azureExpiry(p.get('se')));
  const legacyExpiry = startPlus(0, seconds(p.get('Expires')));
  if (p.has('Signature') && p.has('AWSAccessKeyId')) return info('aws', legacyExpiry);
  if (p.has('Signature') && p.has('GoogleAccessId')) return info('gcp', legacyExpiry);
  return undefined;
}
