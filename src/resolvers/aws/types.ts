// The credential value types live with the auth strategies that produce them (src/auth/), so auth
// never imports the resolvers; re-exported here for the S3 driver.
export * from '../../auth/aws-credential-value.js';
