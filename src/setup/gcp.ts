import { InvalidArgumentError } from '../errors.js';
import type { NormalizedIntegration } from '../integrations/registered.js';
import type { Mode } from '../types.js';
import { heredocFile, shellComment, shellCommand } from './shell.js';
import { documentStep, prettyJson, Placeholders, type DraftPlan } from './steps.js';
import { gcpKmsSteps } from './encryption.js';
import type { SetupOptions, SetupStep } from './types.js';
import { gcpPlatformGrantSetup } from './gcp-platform-grant.js';

/**
 * GCP setup as `gcloud` commands: Token Creator for the platform on the customer's service
 * account (impersonation), an object role on the bucket for that service account (conditioned to
 * the prefix), an optional custom role with only the permissions assetlink uses, and CORS.
 */

type GcpIntegration = Extract<NormalizedIntegration, { provider: 'gcp' }>;

export const TOKEN_CREATOR_ROLE = 'roles/iam.serviceAccountTokenCreator';

/** Predefined roles: Object Viewer (get, list) and Object User (get, list, create, delete, update, multipart). */
export function gcpBucketRole(mode: Mode): string {
  return mode === 'read-write' ? 'roles/storage.objectUser' : 'roles/storage.objectViewer';
}

/**
 * The custom-role alternative: exactly what assetlink calls. Overwriting an existing object
 * needs `storage.objects.delete` as well as `create`, so read-write has both.
 */
export function gcpCustomRolePermissions(mode: Mode): string[] {
  return mode === 'read-write'
    ? ['storage.objects.get', 'storage.objects.list', 'storage.objects.create', 'storage.objects.delete']
    : ['storage.objects.get', 'storage.objects.list'];
}

export interface IamCondition { title: string; description: string; expression: string }

export interface GcpBucketBinding { bucket: string; role: string; member: string; condition?: IamCondition }

export interface GcpCorsRule { origin: string[]; method: string[]; responseHeader: string[]; maxAgeSeconds: number }

/** CEL string literal in single quotes (reads cleanly inside the JSON condition file). */
function celString(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/**
 * The prefix condition. Object permissions are checked against the object
 * (`projects/_/buckets/B/objects/KEY`), but `storage.objects.list` is checked against the
 * bucket, so a `resource.name` test alone would refuse every listing; granting list without a
 * condition (or for `resource.type == "storage.googleapis.com/Bucket"`) would reveal every object
 * name in the bucket. The list request's own prefix (`objectListPrefix`) is tested instead, so
 * listings are allowed exactly under `prefix/`. Both tests end in `/`: segment-aware, like
 * assetlink's own scope check (`images` never covers `images-old/…`).
 */
export function gcpPrefixCondition(integrationId: string, bucket: string, prefix: string): IamCondition {
  return {
    title: `assetlink ${integrationId}`.slice(0, 100),
    description: `assetlink: objects under gs://${bucket}/${prefix}/ and listings of that prefix`.slice(0, 256),
    expression: [
      `resource.name.startsWith(${celString(`projects/_/buckets/${bucket}/objects/${prefix}/`)})`,
      `api.getAttribute('storage.googleapis.com/objectListPrefix', '').startsWith(${celString(`${prefix}/`)})`,
    ].join(' || '),
  };
}

export function gcpCors(origins: string[], mode: Mode, maxAgeSeconds: number): GcpCorsRule[] {
  return [{
    origin: origins,
    method: mode === 'read-write' ? ['GET', 'HEAD', 'PUT'] : ['GET', 'HEAD'],
    // GCS uses this list both to allow request headers and to expose response headers:
    // Range for partial reads, Content-Type for the header a presigned PUT binds, ETag to read back.
    responseHeader: mode === 'read-write' ? ['Content-Type', 'ETag', 'Range'] : ['ETag', 'Range'],
    maxAgeSeconds,
  }];
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const MEMBER = /^(?:serviceAccount:[^\s@]+@[^\s@]+|principal:\/\/\S+|principalSet:\/\/\S+)$/;

function platformMember(i: GcpIntegration, options: SetupOptions): string {
  const gcp = options.platform?.gcp;
  if (gcp?.member !== undefined) {
    if (typeof gcp.member !== 'string' || !MEMBER.test(gcp.member)) {
      throw new InvalidArgumentError('options.platform.gcp.member must be an IAM member such as "serviceAccount:platform@proj.iam.gserviceaccount.com" or "principal://iam.googleapis.com/…"', { integrationId: i.id });
    }
    return gcp.member;
  }
  if (typeof gcp?.serviceAccount !== 'string' || gcp.serviceAccount === '') {
    throw new InvalidArgumentError(`options.platform.gcp.serviceAccount (or .member) is required for ${i.auth.kind} integration "${i.id}": it is the identity ${i.auth.kind === 'cross-project' ? 'granted the object role on the bucket' : "granted Token Creator on the customer's service account"}`, { integrationId: i.id });
  }
  if (!EMAIL.test(gcp.serviceAccount)) throw new InvalidArgumentError('options.platform.gcp.serviceAccount must be a service account e-mail', { integrationId: i.id });
  return `serviceAccount:${gcp.serviceAccount}`;
}

function bindingCommand(binding: GcpBucketBinding): string {
  const flags = [['--member', binding.member], ['--role', binding.role]] as Array<readonly [string, string]>;
  if (!binding.condition) return shellCommand(['gcloud', 'storage', 'buckets', 'add-iam-policy-binding'], [`gs://${binding.bucket}`], flags, { equals: true });
  // A condition goes in a file: gcloud's inline --condition=expression=… splits on commas.
  return [
    heredocFile('assetlink-condition.json', prettyJson(binding.condition)),
    shellCommand(['gcloud', 'storage', 'buckets', 'add-iam-policy-binding'], [`gs://${binding.bucket}`], [...flags, ['--condition-from-file', 'assetlink-condition.json']], { equals: true }),
  ].join('\n');
}

export function gcpSetup(i: GcpIntegration, options: SetupOptions, origins: string[], maxAgeSeconds: number): DraftPlan {
  if (i.auth.kind === 'cross-project' || i.auth.kind === 'anonymous') {
    return gcpPlatformGrantSetup(i, i.auth.kind === 'anonymous' ? 'allUsers' : platformMember(i, options), { gcpCors, bindingCommand, gcpBucketRole, gcpPrefixCondition }, origins, maxAgeSeconds);
  }
  const customerSa = i.auth.kind === 'impersonation' ? i.auth.serviceAccount : i.auth.credentials.client_email;
  const customerMember = `serviceAccount:${customerSa}`;
  const { bucket, prefix } = i.scope;
  const where = `gs://${bucket}/${prefix ? `${prefix}/` : ''}`;
  const condition = prefix ? gcpPrefixCondition(i.id, bucket, prefix) : undefined;
  const steps: SetupStep[] = [];
  const notes: string[] = [];

  if (i.auth.kind === 'impersonation') {
    const platform = platformMember(i, options);
    // With delegates the platform impersonates along a chain: each hop needs Token Creator on
    // the next, the last on the customer's service account.
    const chain = [...(i.auth.delegates ?? []), i.auth.serviceAccount];
    const grants = chain.map((serviceAccount, k) => ({
      serviceAccount,
      role: TOKEN_CREATOR_ROLE,
      member: k === 0 ? platform : `serviceAccount:${chain[k - 1]}`,
    }));
    steps.push({
      id: 'gcp.token-creator',
      title: `Let the platform impersonate ${i.auth.serviceAccount}`,
      description: `Grants ${TOKEN_CREATOR_ROLE} on the customer's service account${chain.length > 1 ? ' (and along the delegation chain)' : ''}, so the platform can mint short-lived tokens and sign URLs as it. No key is created.`,
      kind: 'command',
      document: grants,
      text: grants.map((g) => shellCommand(['gcloud', 'iam', 'service-accounts', 'add-iam-policy-binding'], [g.serviceAccount], [['--member', g.member], ['--role', g.role]], { equals: true })).join('\n'),
    });
  } else {
    notes.push('Service account keys are long-lived secrets; prefer an impersonation integration. The key is never part of this setup and is never printed.');
  }

  const binding: GcpBucketBinding = { bucket, role: gcpBucketRole(i.mode), member: customerMember, ...(condition ? { condition } : {}) };
  const access = i.mode === 'read-write' ? 'read, list, write and delete' : 'read and list';
  steps.push({
    id: 'gcp.bucket-role',
    title: `Grant ${binding.role} on gs://${bucket} to ${customerSa}`,
    description: `Lets the customer's service account ${access} under ${where}.`
      + (condition
        ? ' The IAM condition admits objects under the prefix and listings whose prefix starts with it (listing is checked on the bucket, not on objects, so it needs its own clause; an unconditioned list grant would reveal every object name in the bucket). IAM conditions require uniform bucket-level access on the bucket.'
        : ' The grant covers the whole bucket because the integration has no prefix.'),
    kind: 'command',
    document: binding,
    text: bindingCommand(binding),
  });

  if (origins.length > 0) {
    steps.push(documentStep({
      id: 'gcp.cors',
      title: `CORS configuration of gs://${bucket}`,
      description: `Lets ${origins.join(', ')} use presigned ${i.mode === 'read-write' ? 'GET and PUT' : 'GET'} URLs from the browser. `
        + `This REPLACES the bucket's CORS configuration: if it has one already (gcloud storage buckets describe gs://${bucket} --format="default(cors_config)"), merge this rule into it.`,
      kind: 'cors',
      document: gcpCors(origins, i.mode, maxAgeSeconds),
      fileName: 'cors.json',
      apply: [
        shellCommand(['gcloud', 'storage', 'buckets', 'update'], [`gs://${bucket}`], [['--cors-file', 'cors.json']], { equals: true }),
        shellComment(`or, with gsutil: gsutil cors set cors.json gs://${bucket}`),
      ].join('\n'),
    }));
  }

  // Predefined roles carry a few permissions assetlink never uses (managed folders, restore, …);
  // a custom role with exactly the ones it calls is the least-privilege alternative.
  const ph = new Placeholders();
  const project = ph.valueOr(options.gcp?.projectId, '<project-id>');
  const roleId = i.mode === 'read-write' ? 'assetlinkObjectReadWrite' : 'assetlinkObjectReader';
  const permissions = gcpCustomRolePermissions(i.mode);
  const customBinding: GcpBucketBinding = { ...binding, role: `projects/${project}/roles/${roleId}` };
  const alternatives: SetupStep[] = [{
    id: 'gcp.custom-role',
    title: `Instead of ${binding.role}: a custom role with only ${permissions.join(', ')}`,
    description: `Creates the custom role ${roleId} in the project that owns the bucket (once; skip the create if it exists) and grants it instead of ${binding.role}${condition ? ', with the same prefix condition' : ''}.`,
    kind: 'command',
    document: { role: { id: roleId, project, permissions }, binding: customBinding },
    text: [
      shellCommand(['gcloud', 'iam', 'roles', 'create'], [roleId], [
        ['--project', project],
        ['--title', i.mode === 'read-write' ? 'assetlink object read-write' : 'assetlink object reader'],
        ['--permissions', permissions.join(',')],
        ['--stage', 'GA'],
      ], { equals: true }),
      bindingCommand(customBinding),
    ].join('\n'),
    ...(ph.list().length ? { placeholders: ph.list() } : {}),
  }];

  steps.push(...gcpKmsSteps(i));
  return { integrationId: i.id, provider: 'gcp', mode: i.mode, authKind: i.auth.kind, steps, alternatives, notes };
}
