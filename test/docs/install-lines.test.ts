import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { AWS_DEFAULT_CHAIN_PACKAGE, PROVIDER_PACKAGES } from '../../src/deps/packages.js';

/** The README's install lines say exactly what each provider loads, and what the fakes need (issue 18). */

const readme = fs.readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
const pkg = JSON.parse(fs.readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
  peerDependencies: Record<string, string>; devDependencies: Record<string, string>;
};
const installLine = (row: string): string[] => {
  const line = readme.split('\n').find((l) => l.startsWith(`| ${row} |`));
  const command = /`npm install (?:-D )?([^`]+)`/.exec(line ?? '')?.[1];
  return command ? command.split(/\s+/) : [];
};

describe('README install lines', () => {
  it('one line per provider, naming exactly the packages its integrations load', () => {
    expect(installLine('AWS S3')).toEqual([...PROVIDER_PACKAGES.aws, AWS_DEFAULT_CHAIN_PACKAGE]);
    expect(installLine('Google Cloud Storage')).toEqual([...PROVIDER_PACKAGES.gcp]);
    expect(installLine('Azure Blob Storage')).toEqual([...PROVIDER_PACKAGES.azure]);
  });

  it('every peer dependency is named in the README, and every package named there is a peer', () => {
    const named = ['AWS S3', 'Google Cloud Storage', 'Azure Blob Storage', 'shared credential cache (Redis)', 'YAML configs for the CLI'].flatMap(installLine);
    const peers = Object.keys(pkg.peerDependencies);
    expect(peers.filter((p) => p !== '@opentelemetry/api' && !named.includes(p))).toEqual([]);
    expect(named.filter((p) => !peers.includes(p))).toEqual([]);
    expect(readme).toContain('`@opentelemetry/api`');
  });

  it('what the fakes need is a dev install, and never a peer of the main entry', () => {
    const testing = [...installLine('AWS'), ...installLine('Azure')];
    expect(testing.length).toBeGreaterThan(0);
    for (const name of testing) {
      expect(pkg.peerDependencies[name], name).toBeUndefined();
      expect(pkg.devDependencies[name], name).toBeDefined();
    }
  });
});
