import type { NormalizedIntegration } from '../integrations/registered.js';
import type { Mode } from '../types.js';
import { shellCommand, shellComment } from './shell.js';
import { documentStep, type DraftPlan } from './steps.js';
import type { SetupStep } from './types.js';

/**
 * Setup of the GCP kinds where the customer grants the bucket to someone other than their own
 * service account: `cross-project` (the platform's service account, with the prefix condition)
 * and `anonymous` (allUsers: a public bucket). The helpers come from gcp.ts, which calls this.
 */

type GcpIntegration = Extract<NormalizedIntegration, { provider: 'gcp' }>;
interface Condition { title: string; description: string; expression: string }
interface Helpers {
  gcpCors(origins: string[], mode: Mode, maxAgeSeconds: number): unknown;
  bindingCommand(binding: { bucket: string; role: string; member: string; condition?: Condition }): string;
  gcpBucketRole(mode: Mode): string;
  gcpPrefixCondition(integrationId: string, bucket: string, prefix: string): Condition;
}

export function gcpPlatformGrantSetup(i: GcpIntegration, member: string, h: Helpers, origins: string[], maxAgeSeconds: number): DraftPlan {
  const { bucket, prefix } = i.scope;
  const where = `gs://${bucket}/${prefix ? `${prefix}/` : ''}`;
  const steps: SetupStep[] = [];
  const notes: string[] = [];
  if (i.auth.kind === 'anonymous') {
    // IAM conditions cannot be attached to allUsers bindings: public is the whole bucket.
    const binding = { bucket, role: 'roles/storage.objectViewer', member: 'allUsers' };
    steps.push({
      id: 'gcp.public-read',
      title: `Make gs://${bucket} publicly readable`,
      description: 'Grants roles/storage.objectViewer to allUsers: anyone on the internet can read and list every object in the bucket, '
        + 'which is what an anonymous integration relies on. IAM conditions cannot narrow an allUsers grant, so the integration\'s prefix is enforced by assetlink only. '
        + 'Public access prevention must be off for the bucket (and the organization policy storage.publicAccessPrevention must allow it). '
        + 'Skip this step if the bucket is already public; never do it for data that is not meant to be public.',
      kind: 'command',
      document: binding,
      text: h.bindingCommand(binding),
    });
    notes.push('Anonymous integrations are read-only and send unsigned requests: assetlink never falls back to the platform identity when the bucket is private.');
  } else {
    const condition = prefix ? h.gcpPrefixCondition(i.id, bucket, prefix) : undefined;
    const binding = { bucket, role: h.gcpBucketRole(i.mode), member, ...(condition ? { condition } : {}) };
    steps.push({
      id: 'gcp.bucket-role',
      title: `Grant ${binding.role} on gs://${bucket} to the platform (${member})`,
      description: `Cross-project access: the platform's own service account may ${i.mode === 'read-write' ? 'read, list, write and delete' : 'read and list'} under ${where}, `
        + 'with no service account or key of yours involved. '
        + (condition
          ? 'The IAM condition admits objects under the prefix and listings of that prefix (IAM conditions require uniform bucket-level access). '
          : 'The grant covers the whole bucket because the integration has no prefix. ')
        + 'assetlink additionally narrows every platform token to this bucket, prefix and mode with a Credential Access Boundary before using it, '
        + 'so other customers\' grants to the same platform identity are never reachable through this integration. Presigned URLs are not available for cross-project integrations.',
      kind: 'command',
      document: binding,
      text: h.bindingCommand(binding),
    });
  }
  if (origins.length > 0 && i.auth.kind === 'anonymous') {
    steps.push(documentStep({
      id: 'gcp.cors',
      title: `CORS configuration of gs://${bucket}`,
      description: `Lets ${origins.join(', ')} fetch the public objects from the browser. This REPLACES the bucket's CORS configuration: merge this rule into an existing one.`,
      kind: 'cors',
      document: h.gcpCors(origins, 'read-only', maxAgeSeconds),
      fileName: 'cors.json',
      apply: [
        shellCommand(['gcloud', 'storage', 'buckets', 'update'], [`gs://${bucket}`], [['--cors-file', 'cors.json']], { equals: true }),
        shellComment(`or, with gsutil: gsutil cors set cors.json gs://${bucket}`),
      ].join('\n'),
    }));
  }
  return { integrationId: i.id, provider: 'gcp', mode: i.mode, authKind: i.auth.kind, steps, alternatives: [], notes };
}
