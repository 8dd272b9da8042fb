import { InvalidArgumentError } from '../../errors.js';
import type { VendedCredentials } from '../../vend/credentials.js';
import type { CliCommand } from '../command.js';

/**
 * `assetlink vend URI`: prints credentials confined to the URI's prefix for a worker that is not
 * this process (docs/vending.md). Printing the secret is this command's purpose, so it is the one
 * output that carries one: `--format env` as shell `export` lines (`eval "$(assetlink vend …)"`),
 * `--format json` (or `--json`) as one JSON object.
 */

const FORMATS = ['env', 'json'] as const;
const MODES = ['read-only', 'read-write'] as const;

/** `'…'` for POSIX shells: a single quote inside becomes `'\''`. */
const shellQuote = (value: string): string => `'${value.replace(/'/g, `'\\''`)}'`;

/** The credentials as plain JSON, secrets included (VendedCredentials#toJSON masks them). */
function plain(creds: VendedCredentials): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(creds)) out[name] = value instanceof Date ? value.toISOString() : value;
  return out;
}

export const vend: CliCommand = {
  name: 'vend',
  summary: 'print credentials confined to a prefix, for a worker (env or JSON)',
  args: { required: ['uri'] },
  options: {
    format: { type: 'string', default: 'env', value: 'env|json', description: 'env: shell export lines (default); json: one JSON object' },
    ttl: { type: 'string', default: '3600', value: 'S', description: 'lifetime in seconds (default 3600; AWS needs at least 900)' },
    mode: { type: 'string', default: 'read-only', value: 'read-only|read-write', description: 'default read-only; read-write only through a read-write integration' },
  },
  details: 'The URI names a folder: s3://bucket/images and s3://bucket/images/ both vend images/… (never images2/…).\n'
    + 'Use: eval "$(assetlink vend s3://bucket/images/ --ttl 900)". The output contains secrets: do not log it.',
  check(_args, values) {
    if (!/^\d+$/.test(String(values.ttl))) throw new InvalidArgumentError(`--ttl must be a whole number of seconds, got ${JSON.stringify(values.ttl)}`);
    if (!(FORMATS as readonly unknown[]).includes(values.format)) throw new InvalidArgumentError(`--format must be env or json, got ${JSON.stringify(values.format)}`);
    if (!(MODES as readonly unknown[]).includes(values.mode)) throw new InvalidArgumentError(`--mode must be read-only or read-write, got ${JSON.stringify(values.mode)}`);
  },
  async run({ args, values, resolver, json, stdout }) {
    const integration = values.integration as string | undefined;
    const creds = await resolver.vend(args[0]!, {
      ttlSeconds: Number(values.ttl),
      mode: values.mode as (typeof MODES)[number],
      ...(integration ? { integration } : {}),
    });
    if (json || values.format === 'json') {
      stdout.write(`${JSON.stringify(plain(creds))}\n`);
    } else {
      stdout.write(Object.entries(creds.toEnv()).map(([name, value]) => `export ${name}=${shellQuote(value)}\n`).join(''));
    }
    return 0;
  },
};
