// The fakes of assetlink/testing for consumer projects, served from this repo (self-reference to the
// built package, emulators from this repo's node_modules), so a consumer installs only the tarball and
// the peers it is about. Prints one JSON line — platform options, integrations, the control URL — and
// serves until stdin closes. Control: PUT /object?uri=…&contentType=… (seed), GET /object?uri=… (read back).
// Azure federated integrations get `tokenFile`: the server keeps a projected-token file per app fresh.
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { startFakeCloud } from 'assetlink/testing';

const cloud = await startFakeCloud();
const tokens = fs.mkdtempSync(path.join(os.tmpdir(), 'assetlink-fakes-tokens-'));
const refreshers = [];
const integrations = {};
for (const provider of ['aws', 'gcp', 'azure']) {
  for (const [mode, prefix] of [['read-only', 'in'], ['read-write', 'out']]) {
    const make = { aws: (g) => cloud.awsIntegration(g), gcp: (g) => cloud.gcpIntegration(g), azure: (g) => cloud.azureIntegration(g) }[provider];
    let integration = await make({ id: `${provider}-${mode}`, prefix, mode });
    if (provider === 'azure') {
      // The kubelet's way: write next to the file, then rename over it.
      const file = path.join(tokens, `${integration.id}.jwt`);
      const { assertion } = integration.auth;
      const write = async () => { fs.writeFileSync(`${file}.tmp`, await assertion()); fs.renameSync(`${file}.tmp`, file); };
      await write();
      refreshers.push(setInterval(() => { void write(); }, 60_000));
      integration = { ...integration, auth: { kind: 'federated', tenantId: integration.auth.tenantId, clientId: integration.auth.clientId, tokenFile: file } };
    }
    integrations[integration.id] = integration;
  }
}
const { authClient, ...gcpEndpoints } = cloud.platform.gcp;
const gcpToken = (await authClient.getAccessToken()).token;

const control = http.createServer(async (req, res) => {
  try {
    const url = new URL(req.url, 'http://control');
    const uri = url.searchParams.get('uri');
    if (req.method === 'PUT') {
      const chunks = [];
      for await (const chunk of req) chunks.push(chunk);
      await cloud.putObject(uri, Buffer.concat(chunks), url.searchParams.get('contentType') ?? undefined);
      res.writeHead(204).end();
    } else {
      const body = await cloud.getObject(uri);
      if (body === undefined) res.writeHead(404).end();
      else res.writeHead(200).end(Buffer.from(body));
    }
  } catch (error) {
    res.writeHead(500).end(String(error));
  }
});
await new Promise((resolve) => control.listen(0, '127.0.0.1', resolve));

process.stdout.write(`${JSON.stringify({
  control: `http://127.0.0.1:${control.address().port}`,
  platform: { aws: cloud.platform.aws, gcp: { ...gcpEndpoints, platformToken: gcpToken }, azure: cloud.platform.azure },
  integrations: Object.values(integrations),
})}\n`);

const stop = async () => {
  for (const timer of refreshers) clearInterval(timer);
  fs.rmSync(tokens, { recursive: true, force: true });
  control.close();
  await cloud.close();
  process.exit(0);
};
process.stdin.resume();
process.stdin.on('end', stop);
process.on('SIGTERM', stop);
