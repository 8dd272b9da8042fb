import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const src = (p: string): string => fileURLToPath(new URL(`./src/${p}`, import.meta.url));

export default defineConfig({
  // Tests and documentation examples import the package by name, as users do; it resolves to the sources.
  resolve: { alias: [{ find: /^assetlink\/testing$/, replacement: src('testing/index.ts') }, { find: /^assetlink$/, replacement: src('index.ts') }] },
  test: {
    include: ['test/**/*.test.ts'],
    setupFiles: ['test/setup/network-guard.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Two cores: emulators in several workers at once only slow each other down.
    pool: 'forks',
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
    env: {
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      AWS_EC2_METADATA_DISABLED: 'true',
      GCE_METADATA_HOST: '127.0.0.1:9',
      GCE_METADATA_IP: '127.0.0.1:9',
      METADATA_SERVER_DETECTION: 'none',
      STORAGE_EMULATOR_HOST: '',
    },
  },
});
