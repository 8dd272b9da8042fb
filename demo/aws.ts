import { AssetLinkError, createAssetResolver, parseAssetUri } from '../src/index.js';
import { generateExternalId } from '../src/auth/external-id.js';
import { startAwsFakes } from '../src/testing/aws/index.js';

/**
 * Scale / Figure Eight: Scale (the platform) reads a customer's S3 bucket through a role the
 * customer created, with an ExternalId Scale generated. Fully offline: a fake STS and a strict
 * in-memory fake S3 (SigV4 + IAM checked on every request) run in this process.
 */
export async function runAwsDemo(log: (line: string) => void): Promise<void> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const customerAccount = '222222222222';
  const roleArn = `arn:aws:iam::${customerAccount}:role/scale-labeling-read`;
  // 1. Scale generates the ExternalId and shows it to Figure Eight, who pastes it into the trust policy.
  const externalId = generateExternalId();
  log(`Scale generated ExternalId ${externalId.slice(0, 6)}… (${externalId.length} chars) for Figure Eight's integration`);

  const fakes = await startAwsFakes({
    roles: [{ roleArn, externalId }],
    buckets: [{ name: 'figure-eight-datasets', region: 'us-west-2', ownerAccountId: customerAccount }],
  });
  await fakes.s3.putObject('figure-eight-datasets', 'datasets/2024/cats/0001.jpg', '<jpeg bytes of cat 0001>', { contentType: 'image/jpeg' });
  await fakes.s3.putObject('figure-eight-datasets', 'datasets/2024/cats/0002.jpg', '<jpeg bytes of cat 0002>', { contentType: 'image/jpeg' });
  log(`fakes   STS ${fakes.sts.endpoint}, S3 ${fakes.s3.endpoint} (bucket figure-eight-datasets in us-west-2, owned by ${customerAccount})`);

  const resolver = createAssetResolver({
    platform: { aws: fakes.platform },
    integrations: [{
      id: 'figure-eight', provider: 'aws', mode: 'read-only',
      scope: { bucket: 'figure-eight-datasets', prefix: 'datasets/2024', accountId: customerAccount },
      auth: { kind: 'assume-role', roleArn, externalId },
    }],
  });
  const text = (bytes: Uint8Array): string => new TextDecoder().decode(bytes);
  try {
    // 2. Read with an s3:// URI: AssumeRole (with ExternalId and a session policy), region discovery, GET.
    const first = await resolver.resolveAsset('s3://figure-eight-datasets/datasets/2024/cats/0001.jpg');
    log(`read    s3://figure-eight-datasets/datasets/2024/cats/0001.jpg → ${JSON.stringify(text(await first.bytes()))}`);
    const call = fakes.sts.calls.at(-1);
    log(`sts     AssumeRole ${call?.roleArn} session=${call?.roleSessionName} externalId=${call?.externalId === externalId ? 'matches' : 'MISSING'} duration=${call?.durationSeconds}s`);
    for (const statement of call?.policy ? (Array.isArray(call.policy.Statement) ? call.policy.Statement : [call.policy.Statement]) : []) {
      log(`policy  ${statement.Sid ?? ''}: ${([] as string[]).concat(statement.Action).join(',')} on ${([] as string[]).concat(statement.Resource).join(',')}${statement.Condition ? ` if ${JSON.stringify(statement.Condition)}` : ''}`);
    }

    // 3. The same kind of object named by a virtual-hosted URL, as customers paste them.
    const hosted = 'https://figure-eight-datasets.s3.us-west-2.amazonaws.com/datasets/2024/cats/0002.jpg';
    const location = parseAssetUri(hosted);
    log(`parse   ${hosted}\n        → bucket=${location.bucket} key=${location.key} region=${location.region} canonical=${location.uri}`);
    const match = resolver.match(hosted);
    log(`match   → ${match.integration.id} (${match.integration.mode}): ${match.reason}`);
    const second = await resolver.resolveAsset(hosted);
    log(`read    (sent to the local S3 through platform.aws.endpoint) → ${JSON.stringify(text(await second.bytes()))}, head ${JSON.stringify(await second.head())}`);

    // 4. Writes are refused by assetlink, and the minted credentials could not write anyway.
    try {
      await second.write('overwritten');
      log('write   UNEXPECTEDLY succeeded');
    } catch (error) {
      log(`write   refused: ${error instanceof AssetLinkError ? `${error.code}: ${error.message}` : String(error)}`);
    }

    // 5. A presigned URL, fetched back with plain fetch.
    const url = await resolver.presign('s3://figure-eight-datasets/datasets/2024/cats/0001.jpg', 600);
    const response = await fetch(url.url);
    log(`presign GET ${url.url.split('?')[0]} (expires ${url.expiresAt.toISOString()})\n        → HTTP ${response.status} ${JSON.stringify(await response.text())}`);
    const tampered = await fetch(url.url.replace(/(X-Amz-Signature=)(.)/, (_m, p: string, c: string) => `${p}${c === '0' ? '1' : '0'}`));
    log(`tamper  same URL with one signature character changed → HTTP ${tampered.status}`);

    // 6. The confused deputy, prevented: another tenant registers Figure Eight's role ARN with an
    //    ExternalId of its own choosing; the trust policy's sts:ExternalId condition refuses it.
    resolver.addIntegration({
      id: 'mallory', provider: 'aws', scope: { bucket: 'figure-eight-datasets', prefix: 'datasets/2024/cats' },
      auth: { kind: 'assume-role', roleArn, externalId: 'mallory-guessed-this' },
    });
    try {
      await (await resolver.resolveAsset('s3://figure-eight-datasets/datasets/2024/cats/0001.jpg', 'mallory')).bytes();
      log('mallory UNEXPECTEDLY read the object');
    } catch (error) {
      log(`mallory ${error instanceof AssetLinkError ? error.code : String(error)}: AssumeRole refused; the platform's own identity is never used instead`);
    }
    const refusals = fakes.s3.refusals.map((r) => `${r.method} ${r.key === undefined ? '(bucket)' : r.key} → ${r.status} ${r.code}`);
    log(`totals  STS AssumeRole calls: ${fakes.sts.calls.length} (${fakes.sts.issuedCount} issued); refused by the strict S3 front:\n        ${refusals.join('\n        ')}`);
    log('        (the HEAD on the bucket is region discovery: S3 answers a request for the wrong region with the bucket\'s region, once per bucket)');
  } finally {
    await resolver.close();
    await fakes.close();
  }
}
