#!/usr/bin/env bash
# The published package, as users get it: `npm pack` once, then install the tarball into throw-away
# consumer projects and prove each one (issue 18):
#   full     every peer and emulator at this repo's pinned versions: assetlink/testing's own fakes in the
#            project (createTestResolver), ESM + CJS, OpenTelemetry, Redis, the CLI with a YAML config
#   aws-only only the AWS SDK: its flow, and an esbuild bundle (no --external) run without node_modules
#   no-peers no provider SDK: still loads; MISSING_DEPENDENCY names every package (also when bundled)
#   oldest   every peer at the floor of its range (package.json peerDependencies)
#   newest   every peer at the newest release of the newest major its range names
# All but "full" install only assetlink and the peers they are about: their flows run against fakes
# served from this repo (.ci/consumers/fakes-server.mjs), so the heavy emulators are installed once.
# The declarations are type-checked with node16 and bundler resolution under strict flags, with every
# peer (full) and with none (no-peers). publint and arethetypeswrong check the tarball. Versions come
# from package.json only.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
flows="$repo/.ci/consumers"
bin="$repo/node_modules/.bin"
work="$(mktemp -d "${TMPDIR:-/tmp}/assetlink-consumers.XXXXXX")"
redis_pid=""
fakes_pid=""
server_pid=""
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  [ -n "$fakes_pid" ] && kill "$fakes_pid" 2>/dev/null || true
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null || true
  [ -n "$redis_pid" ] && kill "$redis_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
export npm_config_update_notifier=false npm_config_fund=false npm_config_audit=false npm_config_loglevel=error
export AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED=true AWS_EC2_METADATA_DISABLED=true
export ASSETLINK_CONFIG='' ASSETLINK_CONFIG_JSON=''

# CONSUMERS="oldest newest" runs only those consumers (while working on one); default: all of them.
wanted() { [ -z "${CONSUMERS:-}" ] || [[ " $CONSUMERS " == *" $1 "* ]]; }
say() { printf 'consumers [%4ss] %s\n' "$SECONDS" "$*"; }
fail() { printf 'consumers: FAILED: %s\n' "$*" >&2; exit 1; }

AWS_PEERS="@aws-sdk/client-s3 @aws-sdk/client-sts @aws-sdk/lib-storage @aws-sdk/credential-providers"
GCP_PEERS="@google-cloud/storage google-auth-library"
AZURE_PEERS="@azure/storage-blob @azure/identity"
OTHER_PEERS="ioredis yaml @opentelemetry/api"
# What assetlink/testing needs besides the SDKs, at the versions this repo tests with.
TESTING_AWS=""
TESTING_AZURE="azurite selfsigned"

# `versions MODE NAME...` prints NAME@VERSION for each package: MODE dev = this repo's pin,
# oldest = the floor of the first range of its peer range, newest = the last range (npm picks its newest).
versions() {
  node -e '
    const pkg = require(process.argv[1]);
    const [mode, ...names] = process.argv.slice(2);
    const out = [];
    for (const name of names) {
      const dev = pkg.devDependencies[name];
      const peer = pkg.peerDependencies[name];
      if (mode === "dev" || peer === undefined) { if (dev !== undefined) out.push(`${name}@${dev}`); continue; }
      const ranges = peer.split("||").map((r) => r.trim());
      out.push(mode === "oldest" ? `${name}@${ranges[0].replace(/^[\^~>=]+/, "")}` : `${name}@${ranges.at(-1)}`);
    }
    console.log(out.join(" "));
  ' "$repo/package.json" "$@"
}

say "packing"
(cd "$repo" && npm pack --pack-destination "$work" >/dev/null)
tarball="$(ls "$work"/assetlink-*.tgz)"

# `consumer NAME PACKAGE...` starts installing the tarball and the given packages into a fresh project,
# in the background: the installs (mostly waiting on the registry and the disk) overlap each other.
consumer() {
  local name="$1"; shift
  local dir="$work/$name"
  mkdir -p "$dir"
  # The packages go into package.json, as a user's project lists them (npm ls shows no "extraneous").
  node -e '
    const [file, name, tarball, ...specs] = process.argv.slice(1);
    const dependencies = { assetlink: `file:${tarball}` };
    for (const spec of specs) { const at = spec.lastIndexOf("@"); dependencies[spec.slice(0, at)] = spec.slice(at + 1); }
    require("fs").writeFileSync(file, JSON.stringify({ name: `consumer-${name}`, private: true, type: "module", dependencies }, null, 2));
  ' "$dir/package.json" "$name" "$tarball" "$@"
  cp "$flows"/*.mjs "$flows"/*.cjs "$flows"/types.mts "$flows"/types.cts "$dir/"
  say "$name: npm install $(basename "$tarball") $*"
  (cd "$dir" && npm install --prefer-offline >"$dir/install.log" 2>&1 || { cat "$dir/install.log"; echo "$name: npm install failed" >"$dir/install.failed"; }) &
  pids+=($!)
}

# Type-check the declarations as the consumer sees them: node16 (ESM and CJS files) and bundler resolution.
typecheck() {
  local dir="$work/$1"
  local common='"strict": true, "noUncheckedIndexedAccess": true, "exactOptionalPropertyTypes": true, "noImplicitOverride": true,
    "noEmit": true, "skipLibCheck": false, "target": "es2022", "lib": ["es2023"], "types": ["node"], "typeRoots": ["'"$repo"'/node_modules/@types"]'
  printf '{ "compilerOptions": { %s, "module": "node16", "moduleResolution": "node16" }, "files": ["types.mts", "types.cts"] }\n' "$common" >"$dir/tsconfig.node16.json"
  printf '{ "compilerOptions": { %s, "module": "esnext", "moduleResolution": "bundler" }, "files": ["types.mts"] }\n' "$common" >"$dir/tsconfig.bundler.json"
  (cd "$dir" && "$bin/tsc" -p tsconfig.node16.json) || fail "$1: type-check (node16)"
  (cd "$dir" && "$bin/tsc" -p tsconfig.bundler.json) || fail "$1: type-check (bundler)"
  say "$1: types ok (node16 + bundler, strict)"
}

# `expect_json DIR "node script" 'js predicate on r'`: runs a flow and checks its last JSON line.
expect_json() {
  local dir="$1" command="$2" predicate="$3" out
  out="$(cd "$dir" && eval "timeout 600 $command" 2>"$dir/stderr.log")" || { cat "$dir/stderr.log"; echo "$out"; fail "$(basename "$dir"): $command"; }
  out="$(node -e 'const t = process.argv[1].trim(); try { console.log(JSON.stringify(JSON.parse(t))); } catch { console.log(t.split("\n").at(-1)); }' "$out")"
  node -e 'const r = JSON.parse(process.argv[1]); if (!('"$predicate"')) { console.error(r); process.exit(1); }' "$out" \
    || { cat "$dir/stderr.log"; fail "$(basename "$dir"): $command printed $out"; }
  say "$(basename "$dir"): $command → $out"
}

start_redis() {
  command -v redis-server >/dev/null || fail "redis-server is not installed (apt-get install redis-server): the ioredis peer range is tested against it"
  local port
  port="$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')"
  # Not holding the fakes' stdin pipes (fd 8, 9) open: they stop when those close.
  redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no >/dev/null 8>&- 9>&- &
  redis_pid=$!
  for _ in $(seq 50); do (echo >"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.1; done
  redis_url="redis://127.0.0.1:$port"
}

peers_of() { (cd "$work/$1" && npm ls --depth=0 $AWS_PEERS $GCP_PEERS $AZURE_PEERS $OTHER_PEERS 2>/dev/null | sed -n '2,$p' | tr -d '├└─│ ' | tr '\n' ' '); }
cli_yaml() {
  printf 'integrations:\n  - id: mem\n    provider: memory\n    scope: { bucket: store, prefix: in }\n' >"$work/$1/config.yaml"
  expect_json "$work/$1" "npx --no-install assetlink match memory://store/in/a.txt --config config.yaml --json" 'r.integration.id === "mem"'
}
# Every provider through the installed peers, against the fakes served from this repo; OpenTelemetry,
# the Redis store, and the CLI with a YAML config.
peer_flow() {
  say "$1: $(peers_of "$1")"
  expect_json "$work/$1" "node flow-remote.mjs $1 aws gcp azure --otel --redis $redis_url" 'r.aws === "ok" && r.gcp === "ok" && r.azure === "ok" && r.otel > 0 && r.redis > 0'
  cli_yaml "$1"
}

wanted full && consumer full $(versions dev $AWS_PEERS $GCP_PEERS $AZURE_PEERS $OTHER_PEERS $TESTING_AWS $TESTING_AZURE)
wanted aws-only && consumer aws-only $(versions dev $AWS_PEERS)
wanted no-peers && consumer no-peers
wanted oldest && consumer oldest $(versions oldest $AWS_PEERS $GCP_PEERS $AZURE_PEERS $OTHER_PEERS)
wanted newest && consumer newest $(versions newest $AWS_PEERS $GCP_PEERS $AZURE_PEERS $OTHER_PEERS)

# The shared fakes, from this repo (its node_modules has every emulator).
fifo="$work/server.fifo"; mkfifo "$fifo"
(cd "$repo" && exec node "$flows/fakes-server.mjs" <"$fifo" >"$work/server.out" 2>"$work/server.err") &
server_pid=$!
exec 8>"$fifo"

say "publint and arethetypeswrong on $(basename "$tarball") (while the consumers install)"
"$bin/publint" run "$tarball" --strict >"$work/publint.log" 2>&1 || { cat "$work/publint.log"; fail "publint"; }
grep -q "All good" "$work/publint.log" || { cat "$work/publint.log"; fail "publint reported something"; }
"$bin/attw" "$tarball" --format ascii >"$work/attw.log" 2>&1 || { cat "$work/attw.log"; fail "arethetypeswrong"; }
grep -q "No problems found" "$work/attw.log" || { cat "$work/attw.log"; fail "arethetypeswrong reported something"; }
say "publint: all good; arethetypeswrong: no problems (node10, node16 CJS/ESM, bundler)"

for pid in "${pids[@]}"; do wait "$pid"; done
if ls "$work"/*/install.failed >/dev/null 2>&1; then cat "$work"/*/install.failed; fail "npm install"; fi
say "consumers installed"
start_redis
for _ in $(seq 600); do [ -s "$work/server.out" ] && break; sleep 0.1; done
[ -s "$work/server.out" ] || { cat "$work/server.err"; fail "the fakes server did not start"; }
export FAKES="$(head -n 1 "$work/server.out")"

if wanted full; then
typecheck full
say "full: $(peers_of full)"
expect_json "$work/full" "node flow.mjs aws gcp azure --otel --redis $redis_url" 'r.aws === "ok" && r.gcp === "ok" && r.azure === "ok" && r.otel > 0 && r.redis > 0'
expect_json "$work/full" "node flow.cjs" 'r.cjs === "ok"'
cli_yaml full
[ "$(cd "$work/full" && npx --no-install assetlink --version)" = "$(node -p "require('$repo/package.json').version")" ] || fail "full: assetlink --version"
fi

if wanted aws-only; then
expect_json "$work/aws-only" "node flow-remote.mjs aws-only aws" 'r.aws === "ok"'
# esbuild as a Lambda/CDK/SST build would run it: --bundle --platform=node, nothing external, no warnings.
run_dir="$work/aws-only-bundle"
mkdir -p "$run_dir"
# The default output (CommonJS), and ESM output with the flag every AWS SDK v3 app needs for it
# (--main-fields=module,main: the SDK's ESM builds, whose Node built-ins are imports, not require calls).
bundle() {
  local out="$1"; shift
  (cd "$work/aws-only" && "$bin/esbuild" aws-app.mjs --bundle --platform=node "$@" --log-level=warning --outfile="$run_dir/$out" 2>"$work/esbuild.log") \
    || { cat "$work/esbuild.log"; fail "aws-only: esbuild $*"; }
  [ ! -s "$work/esbuild.log" ] || { cat "$work/esbuild.log"; fail "aws-only: esbuild $* warned"; }
}
bundle app.cjs
bundle app.mjs --format=esm --main-fields=module,main
say "aws-only: bundled with esbuild (cjs $(du -k "$run_dir/app.cjs" | cut -f1) KiB, esm $(du -k "$run_dir/app.mjs" | cut -f1) KiB), no --external, no warnings"
# The bundles run from a directory with no node_modules, against AWS fakes started from this repo.
fifo="$work/fakes.fifo"; mkfifo "$fifo"
(cd "$repo" && exec node "$flows/aws-fakes.mjs" <"$fifo" >"$work/fakes.out" 2>"$work/fakes.err") &
fakes_pid=$!
exec 9>"$fifo"
for _ in $(seq 300); do [ -s "$work/fakes.out" ] && break; sleep 0.1; done
[ -s "$work/fakes.out" ] || { cat "$work/fakes.err"; fail "aws-only: the fakes did not start"; }
export APP_CONFIG="$(head -n 1 "$work/fakes.out")"
for app in app.cjs app.mjs; do
  expect_json "$run_dir" "node $app" 'r.body === "hello from S3" && r.fetched === r.body && r.written === "copy of hello from S3" && r.refused === "READ_ONLY"'
done
exec 9>&-
wait "$fakes_pid" 2>/dev/null || true
fakes_pid=""
fi

if wanted no-peers; then
# The declarations need no SDK: type-checked without any installed (oldest/newest add nothing to them).
typecheck no-peers
expect_json "$work/no-peers" "node missing.mjs" 'r.aws === 4 && r.gcp === 2 && r.azure === 2'
(cd "$work/no-peers" && "$bin/esbuild" missing-app.mjs --bundle --platform=node --log-level=warning --outfile="$work/no-peers-bundle/app.cjs" 2>"$work/esbuild.log") \
  || { cat "$work/esbuild.log"; fail "no-peers: esbuild"; }
[ ! -s "$work/esbuild.log" ] || { cat "$work/esbuild.log"; fail "no-peers: esbuild warned"; }
expect_json "$work/no-peers-bundle" "node app.cjs" 'r.code === "MISSING_DEPENDENCY" && ["@aws-sdk/client-s3", "@aws-sdk/client-sts", "@aws-sdk/lib-storage"].every((p) => r.message.includes(p))'
printf '{ "integrations": [{ "id": "acme", "provider": "aws", "scope": { "bucket": "acme-data" }, "auth": { "kind": "cross-account" } }] }\n' >"$work/no-peers/aws.json"
set +e
(cd "$work/no-peers" && npx --no-install assetlink match s3://acme-data/a --config aws.json --json >"$work/cli.out" 2>&1)
code=$?
set -e
[ "$code" = 11 ] && grep -q '"MISSING_DEPENDENCY"' "$work/cli.out" && grep -q 'npm install @aws-sdk/client-s3 @aws-sdk/client-sts @aws-sdk/lib-storage @aws-sdk/credential-providers' "$work/cli.out" \
  || { cat "$work/cli.out"; fail "no-peers: the CLI should exit 11 naming every AWS package"; }
say "no-peers: CLI exits 11 naming every missing AWS package"
fi

wanted oldest && peer_flow oldest
wanted newest && peer_flow newest
exec 8>&-
wait "$server_pid" 2>/dev/null || true
server_pid=""

say "all consumers passed"
