import type { CliCommand } from '../command.js';
import { ls } from './ls.js';
import { match } from './match.js';
import { presign } from './presign.js';
import { resolve } from './resolve.js';
import { setup } from './setup.js';
import { sync } from './sync.js';
import { verify } from './verify.js';
import { vend } from './vend.js';

/** Every command of the CLI, in the order `--help` lists them. One line per command. */
export const COMMANDS: readonly CliCommand[] = [
  match,
  resolve,
  presign,
  verify,
  setup,
  ls,
  sync,
  vend,
];
