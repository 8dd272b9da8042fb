import { AssetLinkError } from '../errors.js';
import { ownPackage } from '../deps/self.js';
import { redactUrl } from '../redact.js';
import { createAssetResolver } from '../resolver/create.js';
import { parseCommandLine, UsageError, wantsJson } from './args.js';
import type { CliCommand } from './command.js';
import { COMMANDS } from './commands/index.js';
import { loadConfig } from './config.js';
import { commandHelp, generalHelp, usageLine } from './help.js';

/** Exit codes by error class, so scripts can branch without parsing text (docs/cli.md). */
export const EXIT_CODES: Record<string, number> = {
  INVALID_ARGUMENT: 2, INVALID_URI: 3, UNSUPPORTED_URI: 3, NO_INTEGRATION: 4, OUT_OF_SCOPE: 4, BLOCKED_HOST: 4,
  READ_ONLY: 5, INVALID_INTEGRATION: 6, INVALID_TTL: 2, ACCESS_DENIED: 7, CREDENTIALS_UNAVAILABLE: 8,
  NOT_FOUND: 9, PROVIDER_ERROR: 10, TIMEOUT: 10, MISSING_DEPENDENCY: 11, ABORTED: 13,
  ALREADY_EXISTS: 14, INTEGRATION_DISABLED: 15, BODY_TOO_LARGE: 10,
  VEND_UNSUPPORTED: 16,
};
export const USAGE_EXIT = 2;

export interface CliIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  env: NodeJS.ProcessEnv;
}

/** Runs one command line and returns the exit code. Nothing here calls process.exit. */
export async function runCli(argv: readonly string[], io: CliIo, commands: readonly CliCommand[] = COMMANDS): Promise<number> {
  const json = wantsJson(argv);
  try {
    const parsed = parseCommandLine(argv, commands);
    if (parsed.version) {
      io.stdout.write(`${ownPackage()?.version ?? 'unknown'}\n`);
      return 0;
    }
    if (parsed.help || !parsed.command) {
      io.stdout.write(parsed.command ? commandHelp(parsed.command) : generalHelp(commands));
      return parsed.command || parsed.help ? 0 : USAGE_EXIT;
    }
    parsed.command.check?.(parsed.args, parsed.values);
    const config = await loadConfig(parsed.values.config as string | undefined, io.env);
    const resolver = createAssetResolver(config);
    try {
      return await parsed.command.run({
        args: parsed.args,
        values: parsed.values,
        json: parsed.json,
        config,
        resolver,
        stdout: io.stdout,
        stderr: io.stderr,
        out: (human, data) => { io.stdout.write(parsed.json ? `${JSON.stringify(data, null, 2)}\n` : `${human}\n`); },
        progress: (text) => { if (!parsed.json) io.stderr.write(`${text}\n`); },
      });
    } finally {
      await resolver.close();
    }
  } catch (error) {
    return reportError(error, json, io);
  }
}

function reportError(error: unknown, json: boolean, io: CliIo): number {
  if (error instanceof UsageError) {
    if (json) io.stdout.write(`${JSON.stringify({ error: { code: 'INVALID_ARGUMENT', message: error.message, usage: usageLine(error.command) } })}\n`);
    else io.stderr.write(`assetlink: ${error.message}\n${usageLine(error.command)}\n`);
    return USAGE_EXIT;
  }
  if (error instanceof AssetLinkError) {
    // Some messages already start with their code; print it once.
    const message = redactUrl(error.message.startsWith(`${error.code}: `) ? error.message.slice(error.code.length + 2) : error.message);
    if (json) {
      io.stdout.write(`${JSON.stringify({ error: { code: error.code, message, ...(error.integrationId !== undefined ? { integrationId: error.integrationId } : {}) } })}\n`);
    } else {
      io.stderr.write(`assetlink: ${error.code}: ${message}\n`);
    }
    return EXIT_CODES[error.code] ?? 1;
  }
  const message = redactUrl(error instanceof Error ? error.message : String(error));
  if (json) io.stdout.write(`${JSON.stringify({ error: { code: 'UNEXPECTED', message } })}\n`);
  else io.stderr.write(`assetlink: ${message}\n`);
  return 1;
}
