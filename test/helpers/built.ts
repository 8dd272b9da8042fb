import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '../..');

/** CI builds before testing; a developer running `npm test` on a fresh checkout gets a build here. */
export function ensureBuilt(): void {
  if (!['dist/index.js', 'dist/index.node.js', 'dist/cli.js'].every((file) => fs.existsSync(path.join(root, file)))) {
    execFileSync('npx', ['tsup'], { cwd: root, stdio: 'ignore' });
  }
}
