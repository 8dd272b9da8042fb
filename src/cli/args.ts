import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { CliCommand, CliOption, OptionValues } from './command.js';

/** Options every command takes. */
export const GLOBAL_OPTIONS: Record<string, CliOption> = {
  config: { type: 'string', value: 'FILE', description: 'integrations + platform as JSON or YAML (else $ASSETLINK_CONFIG / $ASSETLINK_CONFIG_JSON)' },
  integration: { type: 'string', value: 'ID', description: 'use this integration instead of matching by scope' },
  json: { type: 'boolean', default: false, description: 'machine-readable output (errors too, as { "error": { code, message, integrationId } })' },
  help: { type: 'boolean', short: 'h', description: 'this help; with a command, the command\'s help' },
  version: { type: 'boolean', short: 'v', description: 'print the version' },
};

/** A command line that cannot be run as given: exit 2 with a usage line. */
export class UsageError extends Error {
  readonly command: CliCommand | undefined;
  constructor(message: string, command?: CliCommand) {
    super(message);
    this.name = 'UsageError';
    this.command = command;
  }
}

export interface ParsedCommandLine {
  /** Undefined when no command was given (only global flags such as --help or --version). */
  command: CliCommand | undefined;
  args: string[];
  values: OptionValues;
  help: boolean;
  version: boolean;
  json: boolean;
}

type ParseOptions = NonNullable<ParseArgsConfig['options']>;
const toParseArgs = (options: Record<string, CliOption>): ParseOptions => Object.fromEntries(Object.entries(options).map(([name, o]) => [name, {
  type: o.type, ...(o.multiple ? { multiple: true } : {}), ...(o.short ? { short: o.short } : {}), ...(o.default !== undefined ? { default: o.default } : {}),
}])) as ParseOptions;

/** `--json` anywhere on the line, so even a usage error can be reported as JSON. */
export function wantsJson(argv: readonly string[]): boolean {
  return argv.includes('--json');
}

/**
 * Parses `assetlink [global options] <command> [args] [options]`. Every option is checked against
 * the global ones and the command's own; unknown options, missing option values and extra
 * positional arguments are UsageErrors (never Node's raw parseArgs message).
 */
export function parseCommandLine(argv: readonly string[], commands: readonly CliCommand[]): ParsedCommandLine {
  const everyOption = { ...Object.assign({}, ...commands.map((c) => c.options ?? {})) as Record<string, CliOption>, ...GLOBAL_OPTIONS };
  // First pass, lenient, knowing every option's type (so values are not mistaken for the command).
  const { tokens } = parseArgs({ args: [...argv], options: toParseArgs(everyOption), strict: false, allowPositionals: true, tokens: true });
  const positionals = tokens.filter((t) => t.kind === 'positional').map((t) => t.value);
  const [name, ...args] = positionals;
  const command = name === undefined ? undefined : commands.find((c) => c.name === name);
  const flag = (option: string): boolean => tokens.some((t) => t.kind === 'option' && t.name === option);
  const help = flag('help');
  if (name !== undefined && !command) {
    throw new UsageError(`unknown command "${name}"; commands: ${commands.map((c) => c.name).join(', ')}`);
  }
  const allowed = { ...(command?.options ?? {}), ...GLOBAL_OPTIONS };
  for (const token of tokens) {
    if (token.kind !== 'option') continue;
    const option = allowed[token.name];
    if (!option) {
      const owner = commands.find((c) => c.options?.[token.name]);
      const where = owner && command ? ` (it is an option of "${owner.name}")` : owner ? ` (an option of "${owner.name}": put it after the command)` : '';
      throw new UsageError(`unknown option ${token.rawName}${where}`, command);
    }
    if (option.type === 'string' && token.value === undefined) throw new UsageError(`option ${token.rawName} needs a value${option.value ? ` (${token.rawName} ${option.value})` : ''}`, command);
    if (option.type === 'boolean' && token.inlineValue) throw new UsageError(`option ${token.rawName} takes no value`, command);
  }
  if (command && !help) {
    const { required, optional = [] } = command.args;
    if (args.length < required.length) throw new UsageError(`${command.name} needs ${required.slice(args.length).map((a) => `<${a}>`).join(' ')}`, command);
    if (args.length > required.length + optional.length) {
      throw new UsageError(`unexpected argument${args.length - required.length - optional.length > 1 ? 's' : ''} ${args.slice(required.length + optional.length).map((a) => JSON.stringify(a)).join(' ')}`, command);
    }
  }
  let values: OptionValues;
  try {
    values = parseArgs({ args: [...argv], options: toParseArgs(allowed), strict: true, allowPositionals: true }).values as OptionValues;
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error), command);
  }
  return { command, args, values, help, version: flag('version'), json: values.json === true };
}
