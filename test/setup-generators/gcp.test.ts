import { describe, expect, it } from 'vitest';
import type { GcpBucketBinding, GcpCorsRule } from '../../src/setup/gcp.js';
import { generateSetup, type SetupOptions, type SetupPlan } from '../../src/setup/index.js';
import type { GcpIntegration, Mode } from '../../src/types.js';

const PLATFORM_SA = 'assetlink-platform@platform-proj.iam.gserviceaccount.com';
const CUSTOMER_SA = 'reader@customer-proj.iam.gserviceaccount.com';
const OPTIONS: SetupOptions = { platform: { gcp: { serviceAccount: PLATFORM_SA } } };
const PRIVATE_KEY = '-----BEGIN PRIVATE KEY-----\nCANARYPRIVATEKEYMATERIAL\n-----END PRIVATE KEY-----\n';

function impersonation(over: { mode?: Mode; prefix?: string; delegates?: string[] } = {}): GcpIntegration {
  return {
    id: 'acme-gcs', provider: 'gcp', mode: over.mode ?? 'read-only',
    scope: { bucket: 'customer-bucket', ...(over.prefix !== undefined ? { prefix: over.prefix } : {}) },
    auth: { kind: 'impersonation', serviceAccount: CUSTOMER_SA, ...(over.delegates ? { delegates: over.delegates } : {}) },
  };
}

const step = (plan: SetupPlan, id: string) => {
  const found = [...plan.steps, ...plan.alternatives].find((s) => s.id === id);
  if (!found) throw new Error(`no step ${id}`);
  return found;
};

const LIST_AND_OBJECTS = (prefix: string) =>
  `resource.name.startsWith('projects/_/buckets/customer-bucket/objects/${prefix}/') || api.getAttribute('storage.googleapis.com/objectListPrefix', '').startsWith('${prefix}/')`;

describe('GCP Token Creator for the platform', () => {
  it('grants roles/iam.serviceAccountTokenCreator to the platform on the customer service account', () => {
    const plan = generateSetup(impersonation(), OPTIONS);
    expect(plan.steps.map((s) => s.id)).toEqual(['gcp.token-creator', 'gcp.bucket-role']);
    const s = step(plan, 'gcp.token-creator');
    expect(s.document).toEqual([{ serviceAccount: CUSTOMER_SA, role: 'roles/iam.serviceAccountTokenCreator', member: `serviceAccount:${PLATFORM_SA}` }]);
    expect(s.text).toBe([
      `gcloud iam service-accounts add-iam-policy-binding ${CUSTOMER_SA} \\`,
      `  --member=serviceAccount:${PLATFORM_SA} \\`,
      '  --role=roles/iam.serviceAccountTokenCreator',
    ].join('\n'));
  });

  it('follows the delegation chain: platform → each delegate → customer service account', () => {
    const hop1 = 'hop1@customer-proj.iam.gserviceaccount.com';
    const hop2 = 'hop2@customer-proj.iam.gserviceaccount.com';
    const plan = generateSetup(impersonation({ delegates: [hop1, hop2] }), OPTIONS);
    expect(step(plan, 'gcp.token-creator').document).toEqual([
      { serviceAccount: hop1, role: 'roles/iam.serviceAccountTokenCreator', member: `serviceAccount:${PLATFORM_SA}` },
      { serviceAccount: hop2, role: 'roles/iam.serviceAccountTokenCreator', member: `serviceAccount:${hop1}` },
      { serviceAccount: CUSTOMER_SA, role: 'roles/iam.serviceAccountTokenCreator', member: `serviceAccount:${hop2}` },
    ]);
    expect(step(plan, 'gcp.token-creator').text.match(/add-iam-policy-binding/g)).toHaveLength(3);
  });

  it('accepts a workload-identity member instead of a service account, and needs one of them', () => {
    const member = 'principal://iam.googleapis.com/projects/123/locations/global/workloadIdentityPools/pool/subject/platform';
    const plan = generateSetup(impersonation(), { platform: { gcp: { member } } });
    expect(step(plan, 'gcp.token-creator').text).toContain(`--member=${member}`);
    expect(() => generateSetup(impersonation())).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    expect(() => generateSetup(impersonation(), { platform: { gcp: { serviceAccount: 'not an email' } } })).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    expect(() => generateSetup(impersonation(), { platform: { gcp: { member: 'allUsers' } } })).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  });
});

describe('GCP bucket role', () => {
  it('read-only with prefix: Object Viewer, conditioned to objects under prefix/ and listings of prefix/', () => {
    const plan = generateSetup(impersonation({ prefix: 'images' }), OPTIONS);
    const s = step(plan, 'gcp.bucket-role');
    expect(s.document).toEqual({
      bucket: 'customer-bucket',
      role: 'roles/storage.objectViewer',
      member: `serviceAccount:${CUSTOMER_SA}`,
      condition: {
        title: 'assetlink acme-gcs',
        description: 'assetlink: objects under gs://customer-bucket/images/ and listings of that prefix',
        expression: LIST_AND_OBJECTS('images'),
      },
    } satisfies GcpBucketBinding);
    expect(s.text).toContain([
      'gcloud storage buckets add-iam-policy-binding gs://customer-bucket \\',
      `  --member=serviceAccount:${CUSTOMER_SA} \\`,
      '  --role=roles/storage.objectViewer \\',
      '  --condition-from-file=assetlink-condition.json',
    ].join('\n'));
    // The condition file the command writes is the condition of the document.
    const json = /<<'ASSETLINK_EOF'\n([\s\S]*?)\nASSETLINK_EOF/.exec(s.text)?.[1];
    expect(JSON.parse(json ?? 'null')).toEqual((s.document as GcpBucketBinding).condition);
    expect(s.description).toMatch(/listing is checked on the bucket/);
    expect(s.description).toMatch(/uniform bucket-level access/);
  });

  it('read-write with prefix: Object User with the same condition', () => {
    const plan = generateSetup(impersonation({ mode: 'read-write', prefix: 'a/b' }), OPTIONS);
    const binding = step(plan, 'gcp.bucket-role').document as GcpBucketBinding;
    expect(binding.role).toBe('roles/storage.objectUser');
    expect(binding.condition?.expression).toBe(LIST_AND_OBJECTS('a/b'));
  });

  it('without a prefix: no condition, one plain command', () => {
    for (const [mode, role] of [['read-only', 'roles/storage.objectViewer'], ['read-write', 'roles/storage.objectUser']] as const) {
      const s = step(generateSetup(impersonation({ mode }), OPTIONS), 'gcp.bucket-role');
      expect(s.document).toEqual({ bucket: 'customer-bucket', role, member: `serviceAccount:${CUSTOMER_SA}` });
      expect(s.text).toBe(`gcloud storage buckets add-iam-policy-binding gs://customer-bucket \\\n  --member=serviceAccount:${CUSTOMER_SA} \\\n  --role=${role}`);
    }
  });

  it('quotes a prefix with \' inside the CEL string (and $ stays literal)', () => {
    const plan = generateSetup(impersonation({ prefix: "it's $HOME" }), OPTIONS);
    expect((step(plan, 'gcp.bucket-role').document as GcpBucketBinding).condition?.expression).toBe(
      "resource.name.startsWith('projects/_/buckets/customer-bucket/objects/it\\'s $HOME/') || api.getAttribute('storage.googleapis.com/objectListPrefix', '').startsWith('it\\'s $HOME/')",
    );
  });

  it('service-account-key integrations: only the bucket role, for the key\'s client_email, and never the key', () => {
    const integration: GcpIntegration = {
      id: 'acme-key', provider: 'gcp', scope: { bucket: 'customer-bucket', prefix: 'images' },
      auth: { kind: 'service-account-key', credentials: { client_email: 'keyed@customer-proj.iam.gserviceaccount.com', private_key: PRIVATE_KEY } },
    };
    const plan = generateSetup(integration);
    expect(plan.steps.map((s) => s.id)).toEqual(['gcp.bucket-role']);
    expect((plan.steps[0]?.document as GcpBucketBinding).member).toBe('serviceAccount:keyed@customer-proj.iam.gserviceaccount.com');
    expect(JSON.stringify(plan)).not.toContain('CANARYPRIVATEKEYMATERIAL');
    expect(JSON.stringify(plan)).not.toContain('PRIVATE KEY');
  });
});

describe('GCP custom role alternative', () => {
  it('read-only: storage.objects.get and storage.objects.list only, bound with the same condition', () => {
    const plan = generateSetup(impersonation({ prefix: 'images' }), OPTIONS);
    const alt = step(plan, 'gcp.custom-role');
    expect(plan.steps).not.toContain(alt);
    expect(alt.document).toEqual({
      role: { id: 'assetlinkObjectReader', project: '<project-id>', permissions: ['storage.objects.get', 'storage.objects.list'] },
      binding: {
        bucket: 'customer-bucket', role: 'projects/<project-id>/roles/assetlinkObjectReader', member: `serviceAccount:${CUSTOMER_SA}`,
        condition: (step(plan, 'gcp.bucket-role').document as GcpBucketBinding).condition,
      },
    });
    expect(alt.text).toContain('--permissions=storage.objects.get,storage.objects.list');
    expect(alt.placeholders).toEqual(['<project-id>']);
    // The placeholder is in the alternative only; the plan's own steps need none.
    expect(plan.placeholders).toEqual([]);
  });

  it('read-write adds create and delete (delete is needed to overwrite), in the given project', () => {
    const plan = generateSetup(impersonation({ mode: 'read-write' }), { ...OPTIONS, gcp: { projectId: 'customer-proj' } });
    const alt = step(plan, 'gcp.custom-role');
    expect((alt.document as { role: { permissions: string[] } }).role.permissions).toEqual([
      'storage.objects.get', 'storage.objects.list', 'storage.objects.create', 'storage.objects.delete',
    ]);
    expect(alt.text).toContain('gcloud iam roles create assetlinkObjectReadWrite \\\n  --project=customer-proj');
    expect(alt.text).toContain('--role=projects/customer-proj/roles/assetlinkObjectReadWrite');
    expect(alt.placeholders).toBeUndefined();
  });
});

describe('GCP CORS', () => {
  it('read-only and read-write rules for the given origins, applied with gcloud (or gsutil)', () => {
    const origins = ['https://app.example.com'];
    const ro = step(generateSetup(impersonation(), { ...OPTIONS, origins }), 'gcp.cors');
    expect(JSON.parse(ro.text)).toEqual([{ origin: origins, method: ['GET', 'HEAD'], responseHeader: ['ETag', 'Range'], maxAgeSeconds: 3600 }] satisfies GcpCorsRule[]);
    expect(ro.document).toEqual(JSON.parse(ro.text));
    expect(ro.fileName).toBe('cors.json');
    expect(ro.apply).toBe('gcloud storage buckets update gs://customer-bucket \\\n  --cors-file=cors.json\n# or, with gsutil: gsutil cors set cors.json gs://customer-bucket');
    const rw = step(generateSetup(impersonation({ mode: 'read-write' }), { ...OPTIONS, origins, corsMaxAgeSeconds: 60 }), 'gcp.cors');
    expect(JSON.parse(rw.text)).toEqual([{ origin: origins, method: ['GET', 'HEAD', 'PUT'], responseHeader: ['Content-Type', 'ETag', 'Range'], maxAgeSeconds: 60 }]);
  });
});
