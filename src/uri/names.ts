import { UriProblem } from './fail.js';

const DOTTED_QUAD = /^\d{1,3}(?:\.\d{1,3}){3}$/;

/** Suggests lower case only when that alone would make the name's characters valid. */
function lowerCaseHint(name: string, allowed: RegExp): string {
  return /[A-Z]/.test(name) && allowed.test(name.toLowerCase()) ? `; write "${name.toLowerCase()}" in lower case` : '';
}

function checkEnds(name: string, what: string): void {
  if (!/^[a-z0-9]/.test(name) || !/[a-z0-9]$/.test(name)) {
    throw new UriProblem(`${what} must start and end with a lower-case letter or digit`);
  }
}

/** S3 general-purpose bucket naming rules (AWS "Bucket naming rules", 2024 edition). */
export function checkS3Bucket(name: string): void {
  if (name === '') throw new UriProblem('the bucket name is empty');
  const allowed = /^[a-z0-9.-]+$/;
  if (!allowed.test(name)) {
    throw new UriProblem(`S3 bucket names may contain only lower-case letters, digits, dots and hyphens${lowerCaseHint(name, allowed)}`);
  }
  if (name.length < 3 || name.length > 63) throw new UriProblem(`S3 bucket names must be 3 to 63 characters long (this one has ${name.length})`);
  checkEnds(name, 'S3 bucket names');
  if (name.includes('..')) throw new UriProblem('S3 bucket names may not contain two adjacent dots');
  if (DOTTED_QUAD.test(name)) throw new UriProblem('S3 bucket names may not look like an IP address');
  for (const prefix of ['xn--', 'sthree-', 'amzn-s3-demo-']) {
    if (name.startsWith(prefix)) throw new UriProblem(`S3 bucket names may not start with the reserved prefix "${prefix}"`);
  }
  for (const suffix of ['-s3alias', '--ol-s3', '.mrap', '--x-s3', '--table-s3']) {
    if (name.endsWith(suffix)) {
      throw new UriProblem(`S3 bucket names may not end with the reserved suffix "${suffix}"`);
    }
  }
}

/** Cloud Storage bucket naming rules (cloud.google.com/storage/docs/buckets#naming). */
export function checkGcsBucket(name: string): void {
  if (name === '') throw new UriProblem('the bucket name is empty');
  const allowed = /^[a-z0-9._-]+$/;
  if (!allowed.test(name)) {
    throw new UriProblem(`Cloud Storage bucket names may contain only lower-case letters, digits, dots, hyphens and underscores${lowerCaseHint(name, allowed)}`);
  }
  const dotted = name.includes('.');
  const max = dotted ? 222 : 63;
  if (name.length < 3 || name.length > max) {
    throw new UriProblem(`Cloud Storage bucket names must be 3 to ${max} characters long (this one has ${name.length})`);
  }
  checkEnds(name, 'Cloud Storage bucket names');
  if (dotted && name.split('.').some((part) => part === '' || part.length > 63)) {
    throw new UriProblem('each dot-separated part of a Cloud Storage bucket name must be 1 to 63 characters long');
  }
  if (DOTTED_QUAD.test(name)) throw new UriProblem('Cloud Storage bucket names may not look like an IP address');
  if (name.startsWith('goog')) throw new UriProblem('Cloud Storage bucket names may not start with "goog"');
  if (name.includes('google')) throw new UriProblem('Cloud Storage bucket names may not contain "google"');
}

export function checkAzureAccount(name: string): void {
  if (!/^[a-z0-9]{3,24}$/.test(name)) {
    throw new UriProblem(`Azure storage account names are 3 to 24 lower-case letters and digits (got "${name}")`);
  }
}

/** `$root`, `$web` and `$logs` are the containers Azure itself names. */
export function checkAzureContainer(name: string): void {
  if (name === '') throw new UriProblem('the container name is empty');
  if (name === '$root' || name === '$web' || name === '$logs') return;
  const allowed = /^[a-z0-9-]+$/;
  if (!allowed.test(name)) {
    throw new UriProblem(`Azure container names may contain only lower-case letters, digits and hyphens${lowerCaseHint(name, allowed)}`);
  }
  if (name.length < 3 || name.length > 63) throw new UriProblem(`Azure container names must be 3 to 63 characters long (this one has ${name.length})`);
  checkEnds(name, 'Azure container names');
  if (name.includes('--')) throw new UriProblem('Azure container names may not contain two adjacent hyphens');
}

export function checkMemoryStore(name: string): void {
  if (!/^[a-z0-9._-]{1,63}$/.test(name)) {
    throw new UriProblem(`memory store names are 1 to 63 of lower-case letters, digits, ".", "_" and "-" (got "${name}")`);
  }
}
