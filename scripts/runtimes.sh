#!/usr/bin/env bash
# `npm run runtimes`: proves that the package, installed the way a user installs it, works on
#   node20  the system Node (whatever `node` is on PATH; 20.x on the dev machine and in CI)
#   node22  Node 22 from npm (node-<platform>-<arch>@22)
#   deno    Deno 2 from npm (`deno` package), npm-compat mode on an npm-installed node_modules
#   bun     Bun 1 from npm (`bun` package)
#   nextjs  examples/nextjs built with Next.js 16 (Turbopack) and served by `next start`
#
#   bash scripts/runtimes.sh [node20|node22|deno|bun|nextjs ...]   (default: all)
#
# Steps: `npm pack` this package (scripts skipped: nothing is compiled here, the built .node must
# already exist), pack the platform package (npm/<platform>/package.json plus the built .node),
# install both tarballs into scratch consumer projects, then run scripts/runtime-smoke.mjs on each
# runtime and build/serve/query the Next.js example. Runtimes and Next.js are installed from the npm
# registry on first use and cached; everything lives in $RUNTIMES_HOME (default
# ~/.cache/cojson-core-napi-runtimes), outside the repository. Set RUNTIMES_REFRESH=1 to reinstall
# the cached runtimes and Next.js; RUNTIMES_NODE22_SPEC / RUNTIMES_DENO_SPEC / RUNTIMES_BUN_SPEC
# choose other versions. Prints a summary table; exits 1 if any runtime failed.
set -uo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
RH="${RUNTIMES_HOME:-${XDG_CACHE_HOME:-$HOME/.cache}/cojson-core-napi-runtimes}"
ALL=(node20 node22 deno bun nextjs)
SMOKE_TIMEOUT=120     # seconds per smoke run
INSTALL_TIMEOUT=900   # seconds per npm install (a cold Next.js install downloads ~150 MB)
BUILD_TIMEOUT=600     # seconds for `next build`
READY_TIMEOUT=60      # seconds for `next start` to answer
# npm specs of the runtimes (override to pin, e.g. RUNTIMES_DENO_SPEC=deno@2.9.6).
NODE22_SPEC="${RUNTIMES_NODE22_SPEC:-node-$(node -p 'process.platform + "-" + process.arch')@22}"
DENO_SPEC="${RUNTIMES_DENO_SPEC:-deno@^2}"
BUN_SPEC="${RUNTIMES_BUN_SPEC:-bun@^1}"

# --- arguments
SELECTED=()
for arg in "$@"; do
  case "$arg" in
    node20 | node22 | deno | bun | nextjs) SELECTED+=("$arg") ;;
    -h | --help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "${BASH_SOURCE[0]}"; exit 0 ;;
    *) echo "unknown runtime '$arg' (expected: ${ALL[*]})" >&2; exit 2 ;;
  esac
done
[ ${#SELECTED[@]} -gt 0 ] || SELECTED=("${ALL[@]}")
selected() { local r; for r in "${SELECTED[@]}"; do [ "$r" = "$1" ] && return 0; done; return 1; }

# --- environment: `npm run runtimes` exports the repository's npm config (npm_config_*); the
# consumer installs must not inherit the repository as their prefix, nor an omit/ignore setting.
unset npm_config_local_prefix npm_config_omit npm_config_production npm_config_only \
  npm_config_ignore_scripts npm_config_dry_run npm_config_global npm_config_include_workspace_root
export NEXT_TELEMETRY_DISABLED=1 DENO_NO_UPDATE_CHECK=1 DENO_NO_PROMPT=1 NO_COLOR=1
NPM_INSTALL=(npm install --no-audit --no-fund --include=optional --ignore-scripts=false --loglevel=warn)

mkdir -p "$RH" || { echo "cannot create RUNTIMES_HOME $RH" >&2; exit 2; }
RH="$(cd "$RH" && pwd -P)"
case "$RH/" in "$(cd "$REPO" && pwd -P)/"*) echo "RUNTIMES_HOME ($RH) must be outside the repository" >&2; exit 2 ;; esac
mkdir -p "$RH/logs" "$RH/pkgs" "$RH/tools" "$RH/tmp"

# One run at a time per RUNTIMES_HOME (the scratch projects are shared between runs).
exec 9>"$RH/.lock"
if ! flock -w 900 9; then echo "another runtimes.sh holds $RH/.lock (waited 900 s)" >&2; exit 2; fi

rm -rf "$RH"/tmp/run.* # left by a run that was killed (we hold the lock: no other run is live)
WORK="$(mktemp -d "$RH/tmp/run.XXXXXX")"
SERVER_PGID=""
CHILD_PGID=""
cleanup() {
  if [ -n "$CHILD_PGID" ]; then kill -TERM -- "-$CHILD_PGID" 2>/dev/null; CHILD_PGID=""; fi
  stop_server
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Runs "$@" in directory $1 as its own process group and waits for it. Waiting in the background
# lets an INT/TERM trap run at once, and the cleanup then stops the whole group (npm's and Next's
# child processes included).
spawn_in() {
  local dir="$1" rc=0
  shift
  (cd "$dir" && exec setsid -w "$@") &
  CHILD_PGID=$!
  wait "$CHILD_PGID" || rc=$?
  CHILD_PGID=""
  return $rc
}

now() { echo "${EPOCHREALTIME/,/.}"; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }
RUN_T0="$(now)"
say() { printf '== [%6ss] %s\n' "$(since "$RUN_T0")" "$*"; }

# Runs a command with its output in $RH/logs/<name>.log; on failure prints the log's tail.
logged() {
  local name="$1"; shift
  local log="$RH/logs/$name.log"
  echo "\$ $*" >"$log"
  local rc=0
  "$@" >>"$log" 2>&1 || rc=$?
  [ "$rc" -eq 0 ] && return 0
  echo "   FAILED (exit $rc): $*" >&2
  tail -n 40 "$log" | sed 's/^/   | /' >&2
  echo "   full log: $log" >&2
  return $rc
}

# --- results
declare -A RESULT VERSION SECONDS_ NOTE
for r in "${SELECTED[@]}"; do RESULT[$r]="not run"; VERSION[$r]="-"; SECONDS_[$r]=0; NOTE[$r]=""; done
add_seconds() { SECONDS_[$1]="$(awk -v a="${SECONDS_[$1]}" -v b="$2" 'BEGIN { printf "%.1f", a + b }')"; }
fail() { RESULT[$1]="FAIL"; NOTE[$1]="$2"; echo "   FAIL $1: $2" >&2; }

summary() {
  echo
  echo "== summary (RUNTIMES_HOME=$RH, total $(since "$RUN_T0") s)"
  printf '%-8s  %-34s  %-6s  %7s  %s\n' runtime version result seconds notes
  printf '%-8s  %-34s  %-6s  %7s  %s\n' -------- ---------------------------------- ------ ------- -----
  local r failed=0
  for r in "${SELECTED[@]}"; do
    printf '%-8s  %-34s  %-6s  %7s  %s\n' "$r" "${VERSION[$r]}" "${RESULT[$r]}" "${SECONDS_[$r]}" "${NOTE[$r]}"
    [ "${RESULT[$r]}" = PASS ] || failed=1
  done
  return $failed
}

# ------------------------------------------------------------------------------------------------
# 1. Pack the package and the platform package

# This machine's napi-rs platform name, as in the generated loader (linux-x64-gnu, darwin-arm64...).
PLATFORM="$(node -e '
  const { platform, arch } = process
  let abi = ""
  if (platform === "linux") {
    let musl = false
    try { musl = require("fs").readFileSync("/usr/bin/ldd", "utf8").includes("musl") }
    catch { musl = !process.report.getReport().header.glibcVersionRuntime }
    abi = arch === "arm" ? "-gnueabihf" : musl ? "-musl" : "-gnu"
  }
  console.log(`${platform}-${arch}${abi}`)
')"
VERSION_PKG="$(node -p 'require(process.argv[1]).version' "$REPO/package.json")"
PKG_NAME="$(node -p 'require(process.argv[1]).name' "$REPO/package.json")"
NATIVE="$REPO/$PKG_NAME.$PLATFORM.node"
PLATFORM_PKG="$PKG_NAME-$PLATFORM"

setup_failed=""
pack_t0="$(now)"
say "pack $PKG_NAME@$VERSION_PKG and $PLATFORM_PKG (platform $PLATFORM)"
pack() {
  # --ignore-scripts: the package's `prepare` script would compile the addon.
  mkdir -p "$WORK/root" "$WORK/platform" "$WORK/extract/root" "$WORK/extract/platform"
  spawn_in "$REPO" npm pack --ignore-scripts --json --pack-destination "$WORK/root" >"$WORK/root.json" || return 1
  ROOT_TGZ="$WORK/root/$(node -p 'JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"))[0].filename' "$WORK/root.json")"
  [ -f "$NATIVE" ] || { echo "no built addon at $NATIVE (build it first: npm run build)"; return 1; }
  if [ -f "$REPO/npm/$PLATFORM/package.json" ]; then
    echo "platform package manifest: npm/$PLATFORM/package.json"
    cp "$REPO/npm/$PLATFORM/package.json" "$WORK/platform/package.json"
    [ -f "$REPO/npm/$PLATFORM/README.md" ] && cp "$REPO/npm/$PLATFORM/README.md" "$WORK/platform/"
  else
    echo "platform package manifest: generated (npm/$PLATFORM/ does not exist)"
    node -e '
      const [file, name, version, platform, main] = process.argv.slice(1)
      const [os, cpu, abi] = platform.split("-")
      const manifest = { name, version, os: [os], cpu: [cpu], main, files: [main], license: "MIT", engines: { node: ">= 20" } }
      if (abi) manifest.libc = [abi === "musl" ? "musl" : "glibc"]
      require("fs").writeFileSync(file, JSON.stringify(manifest, null, 2) + "\n")
    ' "$WORK/platform/package.json" "$PLATFORM_PKG" "$VERSION_PKG" "$PLATFORM" "$PKG_NAME.$PLATFORM.node" || return 1
  fi
  node -e '
    const [file, name, version] = process.argv.slice(1)
    const m = require(file)
    if (m.name !== name || m.version !== version) {
      console.error(`platform manifest is ${m.name}@${m.version}, expected ${name}@${version} (the root package requires that exact version)`)
      process.exit(1)
    }
  ' "$WORK/platform/package.json" "$PLATFORM_PKG" "$VERSION_PKG" || return 1
  cp "$NATIVE" "$WORK/platform/"
  spawn_in "$WORK/platform" npm pack --ignore-scripts --json --pack-destination "$WORK/platform" >"$WORK/platform.json" || return 1
  PLATFORM_TGZ="$WORK/platform/$(node -p 'JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"))[0].filename' "$WORK/platform.json")"
  tar -xzf "$ROOT_TGZ" -C "$WORK/extract/root" && tar -xzf "$PLATFORM_TGZ" -C "$WORK/extract/platform" || return 1
  echo "root package files: $(cd "$WORK/extract/root/package" && find . -type f | sed 's|^\./||' | sort | tr '\n' ' ')"
  echo "platform package files: $(cd "$WORK/extract/platform/package" && find . -type f | sed 's|^\./||' | sort | tr '\n' ' ')"
  local f
  for f in index.js index.d.ts napi-crypto.js napi-crypto.d.ts lib/native.js lib/provider.js package.json; do
    [ -f "$WORK/extract/root/package/$f" ] || { echo "packed root package lacks $f"; return 1; }
  done
  [ -f "$WORK/extract/platform/package/$PKG_NAME.$PLATFORM.node" ] || { echo "packed platform package lacks the .node"; return 1; }
  # Tarballs named by content, so that a changed build changes the consumers' dependency specs
  # (npm then reinstalls) and an unchanged one leaves their installs untouched.
  local sum
  sum="$(cat "$ROOT_TGZ" "$PLATFORM_TGZ" | sha256sum | cut -c1-12)"
  ROOT_NAME="$PKG_NAME-$VERSION_PKG-$sum.tgz"
  PLATFORM_NAME="$PLATFORM_PKG-$VERSION_PKG-$sum.tgz"
  find "$RH/pkgs" -maxdepth 1 -name '*.tgz' ! -name "$ROOT_NAME" ! -name "$PLATFORM_NAME" -delete
  cp "$ROOT_TGZ" "$RH/pkgs/$ROOT_NAME" && cp "$PLATFORM_TGZ" "$RH/pkgs/$PLATFORM_NAME"
  echo "tarballs: $RH/pkgs/$ROOT_NAME $RH/pkgs/$PLATFORM_NAME"
}
# (logged runs the function in this shell, so the variables pack sets are visible below.)
if logged pack pack; then
  grep -E '^(platform package manifest|root package files|platform package files|tarballs):' "$RH/logs/pack.log" | sed 's/^/   /'
else
  setup_failed="pack failed (see $RH/logs/pack.log)"
fi
PACK_SECONDS="$(since "$pack_t0")"

# Writes a consumer project's package.json: extra fields from $2 (JSON), plus the two tarballs.
write_consumer_manifest() {
  node -e '
    const fs = require("fs")
    const [dir, base, rootName, rootTgz, platformName, platformTgz] = process.argv.slice(1)
    const m = JSON.parse(base)
    m.dependencies = { ...(m.dependencies || {}), [rootName]: `file:${rootTgz}`, [platformName]: `file:${platformTgz}` }
    // Registry installs never run a package'"'"'s `prepare`; a file: tarball would ask to (npm 11 allowScripts).
    m.allowScripts = { ...(m.allowScripts || {}), [rootName]: false }
    const text = JSON.stringify(m, null, 2) + "\n"
    const file = `${dir}/package.json`
    if (!fs.existsSync(file) || fs.readFileSync(file, "utf8") !== text) fs.writeFileSync(file, text)
  ' "$1" "$2" "$PKG_NAME" "$RH/pkgs/$ROOT_NAME" "$PLATFORM_PKG" "$RH/pkgs/$PLATFORM_NAME"
}

# Checks that a consumer's node_modules holds exactly the packed files (and so the built .node).
check_installed() {
  local dir="$1" f
  for f in index.js index.d.ts napi-crypto.js napi-crypto.d.ts lib/native.js lib/provider.js package.json; do
    cmp -s "$WORK/extract/root/package/$f" "$dir/node_modules/$PKG_NAME/$f" || { echo "installed $PKG_NAME/$f differs from the packed one"; return 1; }
  done
  cmp -s "$WORK/extract/platform/package/$PKG_NAME.$PLATFORM.node" "$dir/node_modules/$PLATFORM_PKG/$PKG_NAME.$PLATFORM.node" \
    || { echo "installed $PLATFORM_PKG/$PKG_NAME.$PLATFORM.node differs from the packed one"; return 1; }
  if [ -e "$dir/node_modules/$PKG_NAME/node_modules/$PLATFORM_PKG" ]; then
    echo "a second $PLATFORM_PKG is nested under $PKG_NAME/node_modules (from the registry?)"; return 1
  fi
  echo "installed files match the packed tarballs"
}

# ------------------------------------------------------------------------------------------------
# 2. Consumer project for node/deno/bun

CONSUMER="$RH/consumer"
consumer_ok=""
if [ -z "$setup_failed" ] && { selected node20 || selected node22 || selected deno || selected bun; }; then
  consumer_t0="$(now)"
  say "install the tarballs into $CONSUMER"
  install_consumer() {
    mkdir -p "$CONSUMER" || return 1
    write_consumer_manifest "$CONSUMER" '{"name":"runtimes-consumer","private":true,"type":"module"}' || return 1
    spawn_in "$CONSUMER" timeout "$INSTALL_TIMEOUT" "${NPM_INSTALL[@]}" || return 1
    check_installed "$CONSUMER" || return 1
    cp "$REPO/scripts/runtime-smoke.mjs" "$CONSUMER/runtime-smoke.mjs"
  }
  if logged consumer-install install_consumer; then consumer_ok=1; else setup_failed="consumer install failed (see $RH/logs/consumer-install.log)"; fi
  CONSUMER_SECONDS="$(since "$consumer_t0")"
  say "consumer install: ${CONSUMER_SECONDS}s"
fi

# Installs npm package spec $2 into $RH/tools/$1 (cached: skipped when the stamp matches and
# `$3 --version` works). Install scripts must run: deno's and bun's fetch/link the real binaries.
ensure_tool() {
  local name="$1" spec="$2" bin="$3" dir="$RH/tools/$1"
  if [ -z "${RUNTIMES_REFRESH:-}" ] && [ "$(cat "$dir/.stamp" 2>/dev/null)" = "$spec" ] && "$dir/node_modules/.bin/$bin" --version >/dev/null 2>&1; then
    echo "cached: $spec in $dir"
    return 0
  fi
  rm -rf "$dir" && mkdir -p "$dir" || return 1
  node -e '
    const [dir, spec] = process.argv.slice(1)
    const name = spec.slice(0, spec.lastIndexOf("@"))
    const m = { name: "runtimes-tool", private: true, allowScripts: { [name]: true } }
    require("fs").writeFileSync(`${dir}/package.json`, JSON.stringify(m, null, 2) + "\n")
  ' "$dir" "$spec" || return 1
  spawn_in "$dir" timeout "$INSTALL_TIMEOUT" "${NPM_INSTALL[@]}" "$spec" || return 1
  "$dir/node_modules/.bin/$bin" --version || return 1
  echo "$spec" >"$dir/.stamp"
}

# Runs the smoke on runtime $1 with the command in $2...; records version and result.
run_smoke() {
  local r="$1"; shift
  local t0 log="$RH/logs/smoke-$r.log" line
  t0="$(now)"
  say "smoke $r: $*"
  if RUNTIME_SMOKE_EXPECT_NATIVE="$WORK/extract/platform/package/$PKG_NAME.$PLATFORM.node" \
    logged "smoke-$r" spawn_in "$CONSUMER" timeout "$SMOKE_TIMEOUT" "$@" runtime-smoke.mjs; then
    line="$(grep -m1 '^RUNTIME OK ' "$log")"
    if [ -n "$line" ]; then
      RESULT[$r]=PASS
      VERSION[$r]="$(echo "$line" | awk '{ print $3 " " $4 }')"
      NOTE[$r]="$(echo "$line" | sed -n 's/.*(\(.*\)).*/\1/p')"
      echo "   $line"
    else
      fail "$r" "no RUNTIME OK line (see $log)"
    fi
  else
    fail "$r" "smoke failed: $(grep -m1 -E 'RUNTIME FAIL|Error' "$log" | cut -c1-120) (see $log)"
  fi
  add_seconds "$r" "$(since "$t0")"
}

# ------------------------------------------------------------------------------------------------
# 3. Node 20 (system), Node 22, Deno, Bun

if [ -n "$consumer_ok" ]; then
  if selected node20; then
    run_smoke node20 "$(command -v node)"
  fi
  if selected node22; then
    t0="$(now)"
    say "ensure $NODE22_SPEC"
    if logged tool-node22 ensure_tool node22 "$NODE22_SPEC" node; then
      add_seconds node22 "$(since "$t0")"
      run_smoke node22 "$RH/tools/node22/node_modules/.bin/node"
    else
      fail node22 "install of $NODE22_SPEC failed (see $RH/logs/tool-node22.log)"; add_seconds node22 "$(since "$t0")"
    fi
  fi
  if selected deno; then
    t0="$(now)"
    say "ensure $DENO_SPEC"
    if logged tool-deno ensure_tool deno "$DENO_SPEC" deno; then
      add_seconds deno "$(since "$t0")"
      # npm-compat mode: the package.json beside the script makes Deno use node_modules as is.
      # The loader needs env (NAPI_RS_* overrides), read (/usr/bin/ldd, the .node) and ffi (dlopen).
      DENO_DIR="$RH/deno-dir" run_smoke deno "$RH/tools/deno/node_modules/.bin/deno" run --no-prompt --allow-env --allow-read --allow-ffi
    else
      fail deno "install of $DENO_SPEC failed (see $RH/logs/tool-deno.log)"; add_seconds deno "$(since "$t0")"
    fi
  fi
  if selected bun; then
    t0="$(now)"
    say "ensure $BUN_SPEC"
    if logged tool-bun ensure_tool bun "$BUN_SPEC" bun; then
      add_seconds bun "$(since "$t0")"
      run_smoke bun "$RH/tools/bun/node_modules/.bin/bun"
    else
      fail bun "install of $BUN_SPEC failed (see $RH/logs/tool-bun.log)"; add_seconds bun "$(since "$t0")"
    fi
  fi
fi

# ------------------------------------------------------------------------------------------------
# 4. Next.js: build examples/nextjs with Turbopack, serve it on 127.0.0.1, query the route

stop_server() {
  [ -n "$SERVER_PGID" ] || return 0
  local pgid="$SERVER_PGID" i
  SERVER_PGID=""
  kill -TERM -- "-$pgid" 2>/dev/null
  for i in $(seq 1 50); do kill -0 -- "-$pgid" 2>/dev/null || break; sleep 0.2; done
  if kill -0 -- "-$pgid" 2>/dev/null; then
    echo "   next start (pgid $pgid) ignored SIGTERM for 10 s; SIGKILL" >&2
    kill -KILL -- "-$pgid" 2>/dev/null
    sleep 0.5
  fi
  wait "$pgid" 2>/dev/null
  return 0
}

free_port() {
  node -e '
    const server = require("net").createServer()
    server.listen(0, "127.0.0.1", () => { console.log(server.address().port); server.close() })
  '
}

NEXT_DIR="$RH/nextjs"
run_nextjs() {
  local t0 port body status
  t0="$(now)"
  # Sources copied fresh; node_modules (and the npm cache) are kept between runs.
  say "nextjs: copy examples/nextjs to $NEXT_DIR and install"
  mkdir -p "$NEXT_DIR"
  if [ -n "${RUNTIMES_REFRESH:-}" ]; then rm -rf "$NEXT_DIR/node_modules" "$NEXT_DIR/package-lock.json"; fi
  rm -rf "$NEXT_DIR/app" "$NEXT_DIR/.next" "$NEXT_DIR/next.config.mjs"
  (cd "$REPO/examples/nextjs" && tar -cf - --exclude=./node_modules --exclude=./.next --exclude=./package.json --exclude=./package-lock.json .) \
    | tar -xf - -C "$NEXT_DIR" || { fail nextjs "copy of examples/nextjs failed"; return; }
  # The example's package.json with cojson-core-napi replaced by the packed tarballs.
  install_next() {
    write_consumer_manifest "$NEXT_DIR" "$(cat "$REPO/examples/nextjs/package.json")" || return 1
    spawn_in "$NEXT_DIR" timeout "$INSTALL_TIMEOUT" "${NPM_INSTALL[@]}" || return 1
    check_installed "$NEXT_DIR"
  }
  if ! logged nextjs-install install_next; then
    fail nextjs "npm install failed (see $RH/logs/nextjs-install.log)"; add_seconds nextjs "$(since "$t0")"; return
  fi
  VERSION[nextjs]="next $(node -p 'require(process.argv[1]).version' "$NEXT_DIR/node_modules/next/package.json") / node $(node -p 'process.versions.node')"

  say "nextjs: next build (Turbopack)"
  if ! logged nextjs-build spawn_in "$NEXT_DIR" timeout "$BUILD_TIMEOUT" node_modules/.bin/next build; then
    fail nextjs "next build failed (see $RH/logs/nextjs-build.log)"; add_seconds nextjs "$(since "$t0")"; return
  fi

  port="$(free_port)"
  say "nextjs: next start -H 127.0.0.1 -p $port"
  # Own session and process group (setsid execs in place: $! is the group id), so that the
  # next-server child dies with it.
  (cd "$NEXT_DIR" && exec setsid -w node_modules/.bin/next start -H 127.0.0.1 -p "$port") >"$RH/logs/nextjs-start.log" 2>&1 &
  SERVER_PGID=$!
  body="$WORK/next-body.json"
  status=""
  local deadline=$((SECONDS + READY_TIMEOUT))
  while :; do
    status="$(curl -sS --max-time 10 -o "$body" -w '%{http_code}' "http://127.0.0.1:$port/api/crypto" 2>/dev/null)"
    [ "$status" = 000 ] || break
    kill -0 "$SERVER_PGID" 2>/dev/null || { status="server exited"; break; }
    [ "$SECONDS" -lt "$deadline" ] || { status="no answer in ${READY_TIMEOUT}s"; break; }
    sleep 0.5
  done
  local page_status
  page_status="$(curl -sS --max-time 10 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/" 2>/dev/null)"
  stop_server
  if ss -ltnH "sport = :$port" 2>/dev/null | grep -q .; then
    echo "   port $port still has a listener after stopping next start:" >&2; ss -ltnpH "sport = :$port" >&2
  fi
  { echo "GET /api/crypto -> $status"; cat "$body" 2>/dev/null; echo; echo "GET / -> $page_status"; } >"$RH/logs/nextjs-query.log"
  if [ "$status" != 200 ]; then
    fail nextjs "GET /api/crypto -> $status (see $RH/logs/nextjs-query.log, nextjs-start.log)"
  elif ! node -e '
      const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"))
      const sessions = Object.values(r.knownState && r.knownState.sessions || {})
      const ok = r.ok === true && r.verified === true && r.verifiedTampered === false &&
        r.unsealed && r.unsealed.readKey === "keySecret_zNext" && /^sealer_z\w+\/signer_z\w+$/.test(r.agentId) &&
        String(r.signature).startsWith("signature_z") && r.knownState.id === r.coId && sessions.length === 1 && sessions[0] === 1
      if (!ok) { console.error("unexpected JSON: " + JSON.stringify(r)); process.exit(1) }
      console.log(`   GET /api/crypto -> 200 ok=true node=${r.node} coId=${r.coId}`)
    ' "$body"; then
    fail nextjs "route returned unexpected JSON (see $RH/logs/nextjs-query.log)"
  elif [ "$page_status" != 200 ]; then
    fail nextjs "GET / -> $page_status"
  else
    RESULT[nextjs]=PASS
    NOTE[nextjs]="build+start+GET /api/crypto"
  fi
  add_seconds nextjs "$(since "$t0")"
}

if [ -z "$setup_failed" ] && selected nextjs; then
  run_nextjs
fi

# ------------------------------------------------------------------------------------------------
if [ -n "$setup_failed" ]; then
  for r in "${SELECTED[@]}"; do [ "${RESULT[$r]}" = "not run" ] && fail "$r" "$setup_failed"; done
fi
echo
echo "== setup: pack ${PACK_SECONDS}s${CONSUMER_SECONDS:+, consumer install ${CONSUMER_SECONDS}s}"
summary
