/* Offline demo: every flow runs against in-process emulators. `npm run demo`. */
import { runCoreDemo } from './core.js';

type Flow = { title: string; run: (log: (line: string) => void) => Promise<void> };

const flows: Flow[] = [{ title: 'memory + file providers (no cloud)', run: runCoreDemo }];

async function optionalFlow(title: string, load: () => Promise<(log: (line: string) => void) => Promise<void>>): Promise<void> {
  flows.push({ title, run: async (log) => (await load())(log) });
}

await optionalFlow('AWS S3 — assume-role with ExternalId (Scale / Figure Eight)', async () => (await import('./aws.js')).runAwsDemo);
await optionalFlow('Google Cloud Storage — service-account impersonation (Sama / Scale)', async () => (await import('./gcp.js')).runGcpDemo);
await optionalFlow('Azure Blob — workload identity federation (Sama / Dataloop)', async () => (await import('./azure.js')).runAzureDemo);

let failed = false;
for (const flow of flows) {
  console.log(`\n=== ${flow.title}`);
  try {
    await flow.run((line) => console.log(`  ${line.replace(/\n/g, '\n  ')}`));
  } catch (error) {
    failed = true;
    console.error(`  FAILED: ${error instanceof Error ? `${(error as { code?: string }).code ?? error.name}: ${error.message}` : String(error)}`);
  }
}
console.log(failed ? '\nDemo finished with failures.' : '\nDemo finished: all flows ran offline against in-process emulators.');
process.exit(failed ? 1 : 0);
