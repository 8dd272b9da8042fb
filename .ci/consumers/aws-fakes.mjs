// Starts the AWS fakes of assetlink/testing for a bundled app in another process; prints the
// app's configuration as one JSON line, then serves until stdin closes.
import { startAwsFakes } from 'assetlink/testing';

const roleArn = 'arn:aws:iam::222222222222:role/bundle-reader';
const externalId = 'bundle-external-id-0123456789';
const fakes = await startAwsFakes({ roles: [{ roleArn, externalId }], buckets: [{ name: 'bundle-bucket', ownerAccountId: '222222222222' }] });
await fakes.s3.putObject('bundle-bucket', 'in/hello.txt', 'hello from S3');
const auth = { kind: 'assume-role', roleArn, externalId };
process.stdout.write(`${JSON.stringify({
  platform: { aws: fakes.platform },
  integrations: [
    { id: 'reader', provider: 'aws', scope: { bucket: 'bundle-bucket', prefix: 'in', region: 'us-east-1' }, auth },
    { id: 'writer', provider: 'aws', mode: 'read-write', scope: { bucket: 'bundle-bucket', prefix: 'out', region: 'us-east-1' }, auth },
  ],
  uri: 's3://bundle-bucket/in/hello.txt',
  writeUri: 's3://bundle-bucket/out/copy.txt',
})}\n`);
const stop = () => { void fakes.close().then(() => process.exit(0)); };
process.stdin.resume();
process.stdin.on('end', stop);
process.on('SIGTERM', stop);
