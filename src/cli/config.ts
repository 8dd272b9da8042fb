import fs from 'node:fs/promises';
import nodePath from 'node:path';
import { InvalidArgumentError } from '../errors.js';
import type { SetupOptions } from '../setup/index.js';
import type { ResolverOptions } from '../types.js';
import { resolveSecretRefs } from './secret-refs.js';
import { reviveConfigDates } from './config-dates.js';

export type CliConfig = ResolverOptions & { setup?: SetupOptions };

/**
 * Reads `{ integrations, platform }` from a JSON or YAML file (`--config`, else $ASSETLINK_CONFIG),
 * or JSON in $ASSETLINK_CONFIG_JSON. YAML support needs the optional `yaml` package.
 */
export async function loadConfig(path: string | undefined, env: NodeJS.ProcessEnv): Promise<CliConfig> {
  const inline = env.ASSETLINK_CONFIG_JSON;
  const file = path ?? env.ASSETLINK_CONFIG;
  let raw: unknown;
  if (file) {
    const text = await fs.readFile(file, 'utf8').catch(() => { throw new InvalidArgumentError(`cannot read config file ${file}`); });
    if (/\.ya?ml$/i.test(file)) {
      const yaml = await import('yaml').catch(() => { throw new InvalidArgumentError('YAML configs need the "yaml" package: npm install yaml'); });
      try {
        raw = yaml.parse(text);
      } catch (error) {
        // The parser's message quotes the offending line, which may hold a secret: keep only where it is.
        const at = (error as { linePos?: Array<{ line: number; col: number }> }).linePos?.[0];
        throw new InvalidArgumentError(`${file} is not valid YAML${at ? ` (line ${at.line}, column ${at.col})` : ''}`);
      }
    } else {
      raw = parseJson(text, file);
    }
  } else if (inline) {
    raw = parseJson(inline, '$ASSETLINK_CONFIG_JSON');
  } else {
    throw new InvalidArgumentError('no configuration: pass --config FILE (JSON or YAML) or set ASSETLINK_CONFIG / ASSETLINK_CONFIG_JSON');
  }
  if (typeof raw !== 'object' || raw === null) throw new InvalidArgumentError('config must be an object with "integrations" and optional "platform"');
  const { integrations, platform, setup } = raw as { integrations?: unknown; platform?: unknown; setup?: unknown };
  if (integrations !== undefined && !Array.isArray(integrations)) throw new InvalidArgumentError('config "integrations" must be an array');
  return {
    // Secrets as { "env": "NAME" } / { "file": "path" } (secret-refs.ts), read only when credentials are minted.
    integrations: resolveSecretRefs(reviveConfigDates(integrations ?? []), { env, baseDir: file ? nodePath.dirname(nodePath.resolve(file)) : process.cwd() }) as ResolverOptions['integrations'],
    platform: (platform ?? {}) as ResolverOptions['platform'],
    ...(setup !== undefined ? { setup: setup as SetupOptions } : {}),
  };
}

function parseJson(text: string, where: string): unknown {
  try { return JSON.parse(text); } catch { throw new InvalidArgumentError(`${where} is not valid JSON`); }
}
