/** In-process AWS fakes for test harnesses: a strict S3 (s3rver behind a SigV4 + IAM front) and STS. */
export { AwsKeyring, DEFAULT_ACCOUNT_ID, type AwsKeyEntry, type StaticKeyOptions } from './keyring.js';
export { FakeSts, type FakeRole, type FakeStsOptions, type StsFault, type StsFaultPolicy, type AssumeRoleCall } from './fake-sts.js';
export { FakeS3Server, type FakeS3Bucket, type FakeCorsRule, type FakeS3ServerOptions, type S3RequestRecord, type StoredObject, type S3Fault, type S3FaultPolicy } from './s3-server.js';
export {
  evaluatePolicy, evaluatePolicies, evaluateResourcePolicy, parsePolicyDocument, wildcardMatch, PolicyParseError,
  type PolicyDocument, type PolicyStatement, type ResourcePolicyDocument, type ResourcePolicyStatement, type AuthorizationRequest, type Decision,
} from './iam-policy.js';
export { startAwsFakes, type AwsFakes, type AwsFakesOptions } from './harness.js';
