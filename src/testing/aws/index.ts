/** In-process AWS fakes for test harnesses: a strict in-memory S3 (SigV4, IAM, versioning, multipart, POST policies, access points) and STS. */
export { AwsKeyring, DEFAULT_ACCOUNT_ID, type AwsKeyEntry, type StaticKeyOptions } from './keyring.js';
export { FakeSts, type FakeRole, type FakeStsOptions, type StsFault, type StsFaultPolicy, type AssumeRoleCall } from './fake-sts.js';
export {
  FakeS3Server, type FakeS3Bucket, type FakeCorsRule, type FakeS3ServerOptions, type S3RequestRecord, type StoredObject, type S3Fault, type S3FaultPolicy,
  type FakeObjectOptions, type FakeObjectVersion, type FakeMultipartUpload, type FakeAccessPoint, type FakeAccessPointOptions,
  type SseSettings, type VersioningStatus, type StoredChecksum,
} from './s3-server.js';
export {
  evaluatePolicy, evaluatePolicies, evaluateResourcePolicy, parsePolicyDocument, validateResourcePolicyDocument, wildcardMatch, PolicyParseError,
  type PolicyDocument, type PolicyStatement, type ResourcePolicyDocument, type ResourcePolicyStatement, type AuthorizationRequest, type Decision,
} from './iam-policy.js';
export { startAwsFakes, type AwsFakes, type AwsFakesOptions } from './harness.js';
