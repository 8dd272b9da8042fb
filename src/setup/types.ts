import type { Mode } from '../types.js';

/**
 * The platform's own identity: what the customer must trust. It is passed in by the caller (the
 * platform knows who it is; the integration only says who the customer is).
 */
export interface PlatformIdentity {
  aws?: {
    /**
     * IAM role or user ARN of the platform: the principal that calls AssumeRole (assume-role
     * integrations) or that the bucket policy grants (cross-account integrations).
     * e.g. `arn:aws:iam::111122223333:role/assetlink-platform`.
     */
    principalArn: string;
  };
  gcp?: {
    /** Service account e-mail of the platform, granted Token Creator on the customer's service account. */
    serviceAccount?: string;
    /**
     * A full IAM member instead, for platforms that run as a workload identity
     * (`principal://iam.googleapis.com/...`) rather than a service account. Give one of the two.
     */
    member?: string;
  };
  azure?: {
    /** OIDC issuer of the platform's tokens, e.g. `https://token.actions.githubusercontent.com` or a GKE/EKS issuer URL. */
    issuer: string;
    /** `sub` claim of the platform's tokens. */
    subject: string;
    /** `aud` the platform's tokens carry. Default `api://AzureADTokenExchange` (what Entra expects). */
    audience?: string;
    /**
     * The platform's multi-tenant app. When an integration's `clientId` is this app, the customer
     * only creates its service principal in their tenant; the credential lives with the platform.
     */
    multiTenantAppId?: string;
  };
}

/** Options of `generateSetup`: who the customer trusts, browser origins, and names to put in commands. */
export interface SetupOptions {
  /** Who the customer must trust; required for assume-role, cross-account, impersonation and federated integrations. */
  platform?: PlatformIdentity;
  /**
   * Browser origins that will use presigned URLs (`https://app.example.com`). Exact origins only;
   * without any, no CORS step is generated.
   */
  origins?: string[];
  /** `Access-Control-Max-Age` of the CORS rule. Default 3600 seconds. */
  corsMaxAgeSeconds?: number;
  /** AWS names used in the generated commands. */
  aws?: {
    /** IAM user that holds an access-key integration's key. Default placeholder `<iam-user-name>`. */
    userName?: string;
    /**
     * ExternalId rotation window: the ExternalId the role trusts today. The trust policy then
     * accepts both it and the integration's (new) `auth.externalId` until the platform has
     * switched over (docs/providers/aws.md, "Rotating the ExternalId").
     */
    previousExternalId?: string;
  };
  /** GCP names used in the generated commands. */
  gcp?: {
    /** Project that owns the bucket, for the custom-role alternative. Default placeholder `<project-id>`. */
    projectId?: string;
  };
  /** Azure names used in the generated commands. */
  azure?: {
    /** Subscription of the storage account. Default placeholder `<subscription-id>`. */
    subscriptionId?: string;
    /** Resource group of the storage account. Default placeholder `<resource-group>`. */
    resourceGroup?: string;
  };
}

/** The providers `generateSetup` supports. */
export type SetupProvider = 'aws' | 'gcp' | 'azure';

/** What a step is: an IAM policy, a trust policy, a bucket policy, a CORS configuration, or shell commands. */
export type SetupStepKind = 'iam-policy' | 'trust-policy' | 'bucket-policy' | 'cors' | 'command';

/** One thing the customer applies, as data (`document`) and as copy-paste text (`text`). */
export interface SetupStep {
  /** Stable identifier, e.g. `aws.trust-policy`, `gcp.bucket-role`, `azure.role-assignment`. */
  id: string;
  title: string;
  /** What the step does and why, for people. Never contains secrets. */
  description: string;
  kind: SetupStepKind;
  /** The same content as data: an IAM/CORS JSON document, or the grant a command makes. */
  document?: unknown;
  /** Copy-paste text: the JSON document pretty-printed, or POSIX shell commands. */
  text: string;
  /** For JSON documents: the file name `apply` expects `text` to be saved as. */
  fileName?: string;
  /** For JSON documents: shell command(s) that apply the saved file. */
  apply?: string;
  /** Placeholders such as `<subscription-id>` in this step's text, for the customer to fill in. */
  placeholders?: string[];
}

/** Everything a customer must apply for one integration (`generateSetup`), in order. */
export interface SetupPlan {
  integrationId: string;
  provider: SetupProvider;
  mode: Mode;
  /** The integration's auth kind (`assume-role`, `impersonation`, `federated`, ...). */
  authKind: string;
  /** What the customer must apply, in order. */
  steps: SetupStep[];
  /** Optional replacements for a step (e.g. a GCP custom role instead of a predefined one). */
  alternatives: SetupStep[];
  /** Things to know that are not steps (partition, ownership, what was left out and why). */
  notes: string[];
  /** Every placeholder left in `steps` (not counting alternatives), in order of appearance. */
  placeholders: string[];
}
