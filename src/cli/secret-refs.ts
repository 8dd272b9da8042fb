import fs from 'node:fs/promises';
import path from 'node:path';
import { CredentialsUnavailableError, InvalidArgumentError } from '../errors.js';

/**
 * Secret references in CLI configs. A config file should not hold secrets, so each secret field —
 * `auth.secretAccessKey` (aws access-key), `auth.clientSecret` (azure client-secret),
 * `auth.credentials.private_key` (gcp service-account-key) — may instead be
 *
 *   { "env": "NAME" }   the value of environment variable NAME
 *   { "file": "path" }  the contents of a file (relative paths: from the config file's directory),
 *                       one trailing newline removed
 *
 * Each reference becomes a secret callback (`() => Promise<string>`), so it is read only when
 * credentials are minted, like any vault callback. Shape errors and unset variables are reported
 * when the config loads (`INVALID_ARGUMENT`, naming the field and the variable or file — never a value).
 */

export const SECRET_FIELDS: ReadonlyArray<readonly string[]> = [
  ['auth', 'secretAccessKey'],
  ['auth', 'clientSecret'],
  ['auth', 'credentials', 'private_key'],
  // The store user that calls AssumeRole on an S3-compatible store (docs/providers/s3-compatible.md).
  ['endpoint', 'stsCredentials', 'secretAccessKey'],
];

export interface SecretRefOptions {
  env: NodeJS.ProcessEnv;
  /** Directory relative `file` references are resolved against. */
  baseDir: string;
}

type Dict = Record<string, unknown>;
const isDict = (v: unknown): v is Dict => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Replaces `{ env }` / `{ file }` secret references in `integrations` (a new array; the input is not changed). */
export function resolveSecretRefs(integrations: unknown[], options: SecretRefOptions): unknown[] {
  return integrations.map((integration, index) => {
    if (!isDict(integration)) return integration;
    let copy: Dict = integration;
    for (const fieldPath of SECRET_FIELDS) {
      const value = get(integration, fieldPath);
      if (!isDict(value)) continue;
      const where = `integrations[${index}].${fieldPath.join('.')}`;
      copy = set(copy, fieldPath, secretRef(value, where, options));
    }
    return copy;
  });
}

function secretRef(ref: Dict, where: string, options: SecretRefOptions): () => Promise<string> {
  const keys = Object.keys(ref);
  if (keys.length !== 1 || (keys[0] !== 'env' && keys[0] !== 'file') || typeof ref[keys[0]] !== 'string' || ref[keys[0]] === '') {
    throw new InvalidArgumentError(`${where} must be a string, { "env": "NAME" } or { "file": "path" }`);
  }
  if (keys[0] === 'env') {
    const name = ref.env as string;
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new InvalidArgumentError(`${where}: "${name.slice(0, 64)}" is not an environment variable name`);
    if (!options.env[name]) throw new InvalidArgumentError(`${where} names environment variable ${name}, which is not set (or empty)`);
    return async () => {
      const value = options.env[name];
      if (!value) throw new CredentialsUnavailableError(`environment variable ${name} (${where}) is no longer set`);
      return value;
    };
  }
  const file = path.resolve(options.baseDir, ref.file as string);
  return async () => {
    let text: string;
    try {
      text = await fs.readFile(file, 'utf8');
    } catch (error) {
      const code = (error as { code?: string }).code;
      throw new CredentialsUnavailableError(`cannot read the secret file ${file} (${where})${code ? `: ${code}` : ''}`);
    }
    return text.replace(/\r?\n$/, '');
  };
}

function get(obj: Dict, fieldPath: readonly string[]): unknown {
  let at: unknown = obj;
  for (const key of fieldPath) {
    if (!isDict(at)) return undefined;
    at = at[key];
  }
  return at;
}

/** A copy of `obj` with `value` at `fieldPath`, copying each object on the way (the caller's config is not mutated). */
function set(obj: Dict, fieldPath: readonly string[], value: unknown): Dict {
  const [head, ...rest] = fieldPath;
  if (head === undefined) return obj;
  return { ...obj, [head]: rest.length === 0 ? value : set(obj[head] as Dict, rest, value) };
}
