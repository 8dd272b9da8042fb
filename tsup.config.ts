import { defineConfig, type Options } from 'tsup';
import { writeCommonJs, writeNodeWrappers } from './build/commonjs.js';

const shared: Options = {
  target: 'node20',
  platform: 'node',
  sourcemap: true,
  splitting: true,
  // Provider SDKs and emulators stay external: they are optional and loaded with import() on first use.
  // ipaddr.js (MIT, a dependency) is bundled: as a CommonJS package imported from ESM it cost ~8 ms of
  // every cold start in Node's CJS scan; compiled into our chunk it costs ~1 ms (notice in LICENSE).
  noExternal: ['ipaddr.js'],
  external: ['@opentelemetry/api', /^@aws-sdk\//, /^@smithy\//, /^@google-cloud\//, 'google-auth-library', /^@azure\//, 'azurite', 'ioredis', 'selfsigned', 'yaml'],
};

const library = { index: 'src/index.ts', testing: 'src/testing/index.ts' };

// `npm run build` empties dist/ first (two configs building at once must not clean each other's output).
export default defineConfig([
  // ESM: the library, assetlink/testing and the CLI binary, sharing chunks. Then, from those chunks,
  // the CommonJS build and the entries Node imports (build/commonjs.ts).
  {
    ...shared,
    entry: { ...library, cli: 'src/cli/main.ts' },
    format: ['esm'],
    dts: { entry: library },
    onSuccess: async () => {
      writeCommonJs('dist', Object.keys(library));
      writeNodeWrappers('dist', Object.keys(library));
    },
  },
  // The CommonJS declarations (.d.cts); the CommonJS code comes from the ES build above.
  { ...shared, entry: library, format: ['cjs'], dts: { entry: library, only: true } },
]);
