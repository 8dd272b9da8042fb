import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '../..');

/** CI builds before testing; a developer running `npm test` on a fresh checkout gets a build here. */
export function ensureBuilt(): void {
  if (!fs.existsSync(path.join(root, 'dist/index.js')) || !fs.existsSync(path.join(root, 'dist/cli.js'))) {
    execFileSync('npx', ['tsup'], { cwd: root, stdio: 'ignore' });
  }
}
