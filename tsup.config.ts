import { defineConfig } from 'tsup';

export default defineConfig({
  entry: { index: 'src/index.ts', testing: 'src/testing/index.ts', cli: 'src/cli/main.ts' },
  format: ['esm', 'cjs'],
  dts: { entry: { index: 'src/index.ts', testing: 'src/testing/index.ts' } },
  target: 'node20',
  platform: 'node',
  sourcemap: true,
  clean: true,
  splitting: true,
  // Provider SDKs and emulators stay external: they are optional and loaded with import() on first use.
  external: ['@opentelemetry/api', /^@aws-sdk\//, /^@smithy\//, /^@google-cloud\//, 'google-auth-library', /^@azure\//, 'azurite', '@20minutes/s3rver', 'ioredis', 'selfsigned'],
});
