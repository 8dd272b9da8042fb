import type { AssetResolver } from '../resolver/create.js';
import type { CliConfig } from './config.js';

/** An option as `node:util` parseArgs declares it, plus what `--help` says about it. */
export interface CliOption {
  type: 'string' | 'boolean';
  multiple?: boolean;
  short?: string;
  default?: string | boolean;
  /** Value placeholder in help, e.g. `S` for `--ttl S`. */
  value?: string;
  description: string;
}

export type OptionValues = Record<string, string | boolean | string[] | undefined>;

/** What a command gets to work with. */
export interface CommandContext {
  /** The positional arguments after the command name (count already checked). */
  args: string[];
  /** Global and command options, parsed and checked. */
  values: OptionValues;
  json: boolean;
  config: CliConfig;
  resolver: AssetResolver;
  /** Prints the result: `human` as text, or `data` as JSON with --json. */
  out(human: string, data: unknown): void;
  /** Progress for people on stderr (silent with --json, so stdout stays parseable). */
  progress(text: string): void;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

/**
 * One CLI command. Each lives in its own file under src/cli/commands/ and is listed once in
 * src/cli/commands/index.ts: adding a command is a new file and one line.
 */
export interface CliCommand {
  name: string;
  /** One line for the command list. */
  summary: string;
  /** Positional arguments, as help shows them: required first (`<uri>`), then optional (`[prefix]`). */
  args: { required: string[]; optional?: string[] };
  /** This command's options (the global ones are added by the CLI). */
  options?: Record<string, CliOption>;
  /** More about the command for `assetlink <command> --help`. */
  details?: string;
  /**
   * Checks the arguments before any configuration is read, so a typo is reported as a typo and
   * not as a missing config. Throws an AssetLinkError (usually INVALID_ARGUMENT).
   */
  check?(args: readonly string[], values: OptionValues): void;
  /** Returns the exit code. Errors are thrown as AssetLinkErrors; the CLI prints them. */
  run(ctx: CommandContext): Promise<number>;
}
