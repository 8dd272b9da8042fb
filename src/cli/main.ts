#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { AssetLinkError } from '../errors.js';
import { redactUrl } from '../redact.js';
import { createAssetResolver } from '../resolver/create.js';
import type { Integration } from '../types.js';
import { loadConfig } from './config.js';
import { formatReport } from './format.js';
import { formatSetup, generateSetup } from '../setup/index.js';
import { LISTING_USAGE, runListingCommand } from './listing-commands.js';

const USAGE = `usage: assetlink <command> [options]

commands:
  match <uri>                      which integration covers <uri>, and why (no network)
  resolve <uri>                    head the object through its integration
  presign <uri> [--ttl S] [--put]  print a presigned URL (GET by default)
  verify <integration-id> [--sample URI] [--origin O] [--probe-key K]
                                   test the integration end to end; exit 0 only when active
  setup <integration-id> [--origin O]...
                                   print what the customer must apply (policies, commands, CORS);
                                   the platform identity comes from the config's "setup" section
${LISTING_USAGE}
options:
  --config FILE     integrations + platform as JSON or YAML (or $ASSETLINK_CONFIG / $ASSETLINK_CONFIG_JSON)
  --integration ID  use this integration instead of matching by scope
  --json            machine-readable output
`;

/** Exit codes by error class, so scripts can branch without parsing text. */
const EXIT: Record<string, number> = {
  INVALID_ARGUMENT: 2, INVALID_URI: 3, UNSUPPORTED_URI: 3, NO_INTEGRATION: 4, OUT_OF_SCOPE: 4, BLOCKED_HOST: 4,
  READ_ONLY: 5, INVALID_INTEGRATION: 6, INVALID_TTL: 2, ACCESS_DENIED: 7, CREDENTIALS_UNAVAILABLE: 8,
  NOT_FOUND: 9, PROVIDER_ERROR: 10, TIMEOUT: 10, MISSING_DEPENDENCY: 11, ABORTED: 13,
};

async function main(argv: string[]): Promise<number> {
  // Listing commands parse their own flags (`--recursive=false`); see src/cli/ls.ts and sync.ts.
  if ((argv[0] === 'ls' || argv[0] === 'sync') && !argv.includes('--help') && !argv.includes('-h')) {
    return runListingCommand(argv[0], argv.slice(1), process.env, { stdout: process.stdout, stderr: process.stderr });
  }
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      config: { type: 'string' }, integration: { type: 'string' }, json: { type: 'boolean', default: false },
      ttl: { type: 'string', default: '3600' }, put: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h' },
      sample: { type: 'string' }, origin: { type: 'string', multiple: true }, 'probe-key': { type: 'string' },
    },
  });
  const [command, uri] = positionals;
  if (values.help || !command) { process.stdout.write(USAGE); return command || values.help ? 0 : 2; }
  const out = (human: string, data: unknown): void => {
    process.stdout.write(values.json ? `${JSON.stringify(data, null, 2)}\n` : `${human}\n`);
  };
  if (!uri) throw new AssetLinkError('INVALID_ARGUMENT', `${command} needs ${command === 'verify' ? 'an integration id' : 'a URI'}`);
  const config = await loadConfig(values.config, process.env);
  const resolver = createAssetResolver(config);
  try {
    switch (command) {
      case 'match': {
        const m = resolver.match(uri, values.integration);
        out(`${m.location.uri}\n  integration: ${m.integration.id} (${m.integration.provider}, ${m.integration.mode})\n  why: ${m.reason}`, m);
        return 0;
      }
      case 'resolve': {
        const asset = await resolver.resolveAsset(uri, values.integration);
        const head = await asset.head();
        out(`${asset.location.uri}\n  integration: ${asset.integrationId} (${asset.mode})\n  size: ${head.size}${head.contentType ? `\n  content-type: ${head.contentType}` : ''}`, { ...asset, head });
        return 0;
      }
      case 'presign': {
        const ttl = Number(values.ttl);
        const url = await resolver.presign(uri, ttl, { method: values.put ? 'PUT' : 'GET', ...(values.integration ? { integration: values.integration } : {}) });
        out(url.url, url);
        return 0;
      }
      case 'verify': {
        const report = await resolver.verify(uri, {
          ...(values.sample ? { sampleUri: values.sample } : {}),
          ...(values.origin?.[0] ? { origin: values.origin[0] } : {}),
          ...(values['probe-key'] ? { probeKey: values['probe-key'] } : {}),
          // Progress for people on stderr, so --json stdout stays parseable.
          onCheck: (c) => { if (!values.json) process.stderr.write(`  ${c.status.padEnd(7)} ${c.name}\n`); },
        });
        out(formatReport(report), report);
        return report.status === 'active' ? 0 : 12;
      }
      case 'setup': {
        const plan = generateSetup(resolver.integration(uri).config as Integration, {
          ...config.setup,
          ...(values.origin?.length ? { origins: values.origin } : {}),
        });
        out(formatSetup(plan), plan);
        return 0;
      }
      default:
        throw new AssetLinkError('INVALID_ARGUMENT', `unknown command "${command}"; run assetlink --help`);
    }
  } finally {
    await resolver.close();
  }
}

main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (error: unknown) => {
    if (error instanceof AssetLinkError) {
      process.stderr.write(`assetlink: ${error.code}: ${redactUrl(error.message)}\n`);
      process.exitCode = EXIT[error.code] ?? 1;
    } else {
      process.stderr.write(`assetlink: ${redactUrl(error instanceof Error ? error.message : String(error))}\n`);
      process.exitCode = 1;
    }
  },
);
