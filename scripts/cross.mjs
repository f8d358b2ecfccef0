// `npm run cross`: builds the addon for the release targets (package.json `napi.targets`) on this
// Linux x86_64 machine with the napi CLI's own cross-compilation (`napi build -x`: cargo-zigbuild and
// zig), checks every binary, runs it directly on every runtime this machine has (natively, on a musl
// Node, under qemu-user, node.exe under wine), and lints the workflows. How the binaries install and
// load from a registry is the registry stage (scripts/registry.mjs), which publishes exactly these
// artifacts.
//
// The two Windows targets are MSVC builds, which need Microsoft's toolchain: CI builds them on
// Windows runners. Here each gets a stand-in built from the same sources with zig for the MinGW ABI
// (targets.mjs standInOf: x86_64-pc-windows-gnu, aarch64-pc-windows-gnullvm): both are checked like
// the others, and the x64 one runs in the official node.exe under wine (smoke; the generated loader
// choosing it as win32-x64-msvc; the JS test suite and the demo; the loader's message when no
// binary is there).
//
// The x86_64 binaries carry curve25519-dalek's AVX-512 IFMA backend, chosen at run time: the smoke
// stage also runs the linux-x64 ones on an emulated CPU without AVX-512 (qemu-x86_64 -cpu Haswell)
// and checks which backend binaryInfo() reports, there and natively.
//
//   node scripts/cross.mjs [STAGE...]     stages: setup build check smoke workflows (default: all)
//
// Environment:
//   TARGETS             space-separated subset of package.json `napi.targets` (default: all), by
//                       triple or platform; an msvc target means its stand-in here
//   COJSON_NAPI_CACHE   tools, runtimes, the cargo target dir (default ~/.cache/cojson-core-napi);
//                       empty it for a cold run
//   CROSS_ARTIFACTS     where the binaries go (default <repo>/artifacts, gitignored), as CI's
//                       artifacts: bindings-<triple>/cojson-core-napi.<platform>.node
//   CROSS_FORCE=1       rebuild even when a target's binary is up to date with its inputs
//   HEAVY_BUILD_LOCK    every build runs under `flock` on this file (default /tmp/heavy-build.lock),
//                       so that builds of other jobs on the machine never run beside it
//   CROSS_HASWELL=0     skip the runs under qemu-x86_64 -cpu Haswell
// The committed index.js / index.d.ts are never written: each build writes its generated copies into
// its artifacts directory and the check stage compares them with the committed ones.
import { execFileSync } from 'node:child_process'
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, symlinkSync, writeFileSync, lstatSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { Flow } from './lib/flow.mjs'
import {
  HASWELL,
  HEAVY_BUILD_LOCK as LOCK,
  actionlint,
  aptEnsure,
  aptFor,
  buildInputs,
  canFakeLdd,
  has,
  hostEd25519Backend,
  qemuOf,
  runtimeFor,
  runnableHere,
  rustTargets,
  stopWine,
  toolEnv,
  windowsGnuKit,
  withMuslLdd,
  zigVenv,
} from './lib/machine.mjs'
import { stageCheckout } from './lib/release.mjs'
import { CACHE, REPO, TARGETS as ALL, artifactOf, buildTargetOf, target } from './lib/targets.mjs'

const STAGES = ['setup', 'build', 'check', 'smoke', 'workflows']
const args = process.argv.slice(2)
const stages = args.length === 0 || args.includes('all') ? STAGES : args
for (const s of stages) if (!STAGES.includes(s)) die(`unknown stage '${s}' (stages: ${STAGES.join(' ')})`)
// What is built here: each selected release target, or its stand-in (msvc targets on this Linux host).
const targets = [...new Set((process.env.TARGETS ? process.env.TARGETS.split(/\s+/).filter(Boolean).map(target) : ALL).map(buildTargetOf))]
const ART = path.resolve(process.env.CROSS_ARTIFACTS ?? path.join(REPO, 'artifacts'))
const TDIR = path.join(CACHE, 'target')
const NAPI = path.join(REPO, 'node_modules/.bin/napi')
const HASWELL_RUNS = process.env.CROSS_HASWELL !== '0'

// The target as given to zig: Linux glibc targets pinned to glibc 2.17 (the floor the README states).
const zigSpec = (t) => (t.os === 'linux' && /^gnu/.test(t.abi ?? '') ? `${t.triple}.2.17` : t.triple)
// Windows targets built with zig for the MinGW ABI (the stand-ins of the msvc targets).
const isMinGW = (t) => t.os === 'win32' && /^gnu/.test(t.abi ?? '')
// The results table's row of a target (a stand-in says what it stands in for).
const row = (t) => (t.standInFor ? `${t.triple} (for ${t.standInFor.platform})` : t.triple)
// MACOSX_DEPLOYMENT_TARGET per darwin arch (the minimum macOS the README states).
const MACOS_MIN = { x64: '10.13', arm64: '11.0' }
// .cargo/config.toml gives x86_64 builds `--cfg curve25519_dalek_backend="avx512"`; a build that sets
// RUSTFLAGS loses config rustflags, and the napi CLI sets RUSTFLAGS for musl (it appends
// -crt-static). So musl x86_64 gets the cfg here; the check stage proves every x86_64 binary has
// the IFMA code.
const AVX512 = '--cfg curve25519_dalek_backend="avx512"'
function rustflagsFor(t) {
  if (t.abi === 'musl') return [t.arch === 'x64' ? AVX512 : '', '-C target-feature=-crt-static'].filter(Boolean).join(' ')
  return null // config.toml applies
}

const flow = new Flow('cross', { columns: ['build', 'check', 'smoke', 'no AVX-512 (qemu Haswell)'], logs: path.join(CACHE, 'logs/cross') })
console.log(`cross: stages ${stages.join(' ')}; targets ${targets.map((t) => t.triple).join(' ')}`)
for (const t of targets.filter((x) => x.standInFor)) {
  console.log(`  ${t.triple} stands in for ${t.standInFor.triple} (an MSVC build needs Windows: CI builds it on a Windows runner)`)
}
console.log(`cache ${CACHE}; artifacts ${ART}; target dir ${TDIR}`)
mkdirSync(ART, { recursive: true })

// ------------------------------------------------------------------------------------------------
const STAGE = {
  async setup() {
    if (!existsSync(NAPI)) await flow.run('npm', ['install', '--ignore-scripts', '--no-audit', '--no-fund'], { cwd: REPO, log: 'npm-install', timeout: 900 })
    const apt = []
    if (!has('readelf')) apt.push('binutils')
    if (!has('file')) apt.push('file')
    if (stages.includes('smoke')) for (const t of targets) if (runnableHere(t)) apt.push(...aptFor(t.platform), ...(t.standInFor ? aptFor(t.standInFor.platform) : []))
    if (stages.includes('workflows') && !has('shellcheck')) apt.push('shellcheck')
    await aptEnsure(flow, apt)
    await rustTargets(flow, targets.map((t) => t.triple))
    flow.say(await zigVenv(flow))
    if (stages.includes('workflows')) flow.say(`actionlint: ${(await actionlint(flow)).spec}`)
    if (stages.includes('smoke')) {
      for (const t of targets) if (runnableHere(t)) flow.say(`runtime ${t.platform}: ${(await runtimeFor(flow, t)).describe}`)
    }
  },

  async build() {
    if (!has('cargo-zigbuild', toolEnv().PATH)) throw new Error('cargo-zigbuild is missing: run the setup stage')
    const inputs = buildInputs()
    for (const t of targets) {
      const out = path.join(ART, `bindings-${t.triple}`)
      const file = artifactOf(ART, t)
      const stampFile = path.join(out, '.inputs')
      const stamp = `${inputs}\n${JSON.stringify(buildCommand(t, out))}`
      if (!process.env.CROSS_FORCE && existsSync(file) && existsSync(stampFile) && readFileSync(stampFile, 'utf8') === stamp) {
        flow.say(`${t.triple}: up to date with its inputs (CROSS_FORCE=1 rebuilds)`)
        flow.note(row(t), 'build', 'up to date')
        continue
      }
      mkdirSync(out, { recursive: true })
      for (const f of readdirSync(out)) rmSync(path.join(out, f), { force: true })
      // @napi-rs/cli 3.7.4 looks for the library under target/<spec>/ (linux-x64-gnu.2.17), while
      // cargo-zigbuild strips the glibc suffix and builds into target/<triple>/.
      const spec = zigSpec(t)
      if (spec !== t.triple) {
        mkdirSync(path.join(TDIR, t.triple), { recursive: true })
        const link = path.join(TDIR, spec)
        if (!isLink(link)) {
          rmSync(link, { recursive: true, force: true })
          symlinkSync(t.triple, link)
        }
      }
      const { cmd, argv, env } = buildCommand(t, out)
      // Say so when another job's build holds the lock (the wait is not this build's time).
      let waited = ''
      if (cmd === 'flock' && (await flow.run('flock', ['-n', LOCK, 'true'], { log: 'lock-probe', allowFail: true })).code !== 0) {
        flow.say(`${t.triple}: waiting for ${LOCK} (another build is running)`)
        waited = (await flow.run('flock', [LOCK, 'true'], { log: 'lock-wait', timeout: 3600 })).seconds
        flow.time(`lock wait (${t.triple})`, waited)
      }
      let r
      try {
        r = await flow.run(cmd, argv, { cwd: REPO, env: toolEnv(env), log: `build-${t.triple}`, timeout: 1800 })
      } catch (error) {
        flow.note(row(t), 'build', 'FAIL')
        throw error
      }
      // The CLI names the file after the spec's platform; keep the platform name only.
      for (const f of readdirSync(out).filter((f) => f.endsWith('.node') && f !== t.file)) renameSync(path.join(out, f), file)
      if (!existsSync(file)) {
        flow.note(row(t), 'build', 'FAIL')
        throw new Error(`${t.triple}: no ${t.file} in ${out} after the build`)
      }
      writeFileSync(stampFile, stamp)
      const warnings = (r.out.match(/^warning/gm) ?? []).length
      const standIn = t.standInFor ? ` (stand-in for ${t.standInFor.triple})` : ''
      flow.say(`built ${t.triple}${standIn} in ${r.seconds} s -> ${path.relative(REPO, file)} (${warnings} warnings)`)
      flow.note(row(t), 'build', `${r.seconds}s`)
    }
  },

  async check() {
    let bad = 0
    for (const t of targets) {
      const file = artifactOf(ART, t)
      if (!existsSync(file)) {
        flow.note(row(t), 'check', 'missing')
        flow.fail(`check ${t.triple}: ${file} is missing (run the build stage)`)
        bad++
        continue
      }
      const r = await flow.run('python3', [path.join(REPO, 'scripts/check-artifact.py'), t.triple, file], { log: `check-${t.triple}`, allowFail: true })
      console.log(r.out.trim())
      let ok = r.code === 0
      for (const g of ['index.js', 'index.d.ts']) {
        const generated = path.join(ART, `bindings-${t.triple}`, g)
        if (existsSync(generated) && !readFileSync(generated).equals(readFileSync(path.join(REPO, g)))) {
          flow.fail(`generated ${g} (bindings-${t.triple}) differs from the committed ${g}: run 'npm run build' and commit it`)
          ok = false
        }
      }
      flow.note(row(t), 'check', ok ? 'OK' : 'FAIL')
      if (!ok) bad++
    }
    if (bad) throw new Error(`${bad} target(s) failed the checks`)
  },

  async smoke() {
    let bad = 0
    const smoke = path.join(REPO, 'scripts/smoke.cjs')
    const fake = canFakeLdd()
    const host = hostEd25519Backend()
    flow.say(`this CPU: ${host.model}; ${host.ifma ? 'has' : 'has no'} AVX-512 IFMA: x86_64 binaries must choose the ${host.backend} Ed25519 backend natively`)
    for (const t of targets) {
      if (!runnableHere(t)) {
        flow.note(row(t), 'smoke', 'not runnable here')
        continue
      }
      const file = artifactOf(ART, t)
      const rt = await runtimeFor(flow, t)
      // x86_64 binaries run natively here (wine too): the backend is this CPU's; other architectures
      // (qemu-user) have only curve25519-dalek's portable code.
      const backend = t.arch === 'x64' ? host.backend : 'serial'
      const argv = [...rt.argv, smoke, file, '--expect-platform', t.platform, '--expect-backend', `ed25519=${backend}`]
      const [cmd, ...rest] = rt.musl && fake ? withMuslLdd(argv) : argv
      const r = await flow.run(cmd, rest, { log: `smoke-${t.triple}`, timeout: 300, allowFail: true })
      console.log(`${t.triple}: ${r.out.trim()} (${r.seconds} s)`)
      let ok = r.code === 0
      let summary = ok ? `OK ${r.out.match(/SMOKE OK \S+ (\S+)/)?.[1] ?? ''}` : 'FAIL'
      if (ok && t.standInFor && t.os === 'win32') {
        const w = await wineChecks(t, file, rt, backend)
        ok = w.ok
        summary += `; ${w.summary}`
      }
      flow.note(row(t), 'smoke', summary)
      if (!ok) {
        flow.fail(`smoke ${t.triple}`)
        bad++
      }
      if (HASWELL_RUNS && t.os === 'linux' && t.arch === 'x64') {
        const h = await haswellChecks(t, file, rt, fake)
        flow.note(row(t), 'no AVX-512 (qemu Haswell)', h.summary)
        if (!h.ok) bad++
      }
    }
    // Negative control: the glibc binary must not load on the musl Node (proves that runtime is musl).
    const gnu = ALL.find((t) => t.platform === 'linux-x64-gnu')
    const musl = targets.find((t) => t.platform === 'linux-x64-musl')
    if (musl && existsSync(artifactOf(ART, gnu))) {
      const rt = await runtimeFor(flow, musl)
      const r = await flow.run(rt.argv[0], [...rt.argv.slice(1), smoke, artifactOf(ART, gnu)], { log: 'smoke-negative-control', allowFail: true, timeout: 120 })
      if (r.code === 0) {
        flow.fail('negative control: the linux-x64-gnu binary loaded on the musl Node')
        bad++
      } else flow.say('negative control: the linux-x64-gnu binary does not load on the musl Node (as expected)')
    }
    if (bad) throw new Error(`${bad} smoke run(s) failed`)
  },

  async workflows() {
    const { bin, spec } = await actionlint(flow)
    const files = readdirSync(path.join(REPO, '.github/workflows')).filter((f) => /\.ya?ml$/.test(f)).map((f) => path.join('.github/workflows', f))
    const r = await flow.run(bin, ['-no-color', ...files], { cwd: REPO, log: 'actionlint', allowFail: true, env: toolEnv() })
    if (r.code !== 0) {
      console.log(r.out)
      flow.note('workflows', 'check', 'actionlint FAIL')
      throw new Error('actionlint found problems')
    }
    flow.note('workflows', 'check', `actionlint OK (${spec}, shellcheck ${has('shellcheck') ? 'on' : 'off'})`)
    flow.say(`actionlint: OK (${files.join(' ')})`)
  },
}

// ------------------------------------------------------------------------------------------------
/**
 * The Windows x64 stand-in in node.exe under wine, as the package loads it there: a copy of the
 * package (the working tree's files, node_modules linked) with the binary next to the generated
 * index.js under the msvc name, which the loader's win32-x64-msvc branch picks (node.exe is not a
 * shared-library build, so index.js never looks for a win32-x64-gnu file). Then the JS test suite
 * and the demo on it, and the loader's message with no binary there.
 */
async function wineChecks(t, file, rt, backend) {
  const release = t.standInFor
  const stage = mkdtempSync(path.join(os.tmpdir(), 'cojson-core-napi-wine-'))
  const env = toolEnv({ COJSON_CORE_FORCE_WASM: '0', NAPI_RS_NATIVE_LIBRARY_PATH: '' })
  const node = (args, log, timeout = 300) => flow.run(rt.argv[0], [...rt.argv.slice(1), ...args], { cwd: stage, env, log, timeout, allowFail: true })
  const done = []
  const failed = (what, r) => {
    flow.fail(`wine ${release.platform}: ${what}${r ? `\n${r.out.trim().split('\n').slice(-25).join('\n')}` : ''}`)
    return { ok: false, summary: `wine: ${done.join(', ')}${done.length ? ', ' : ''}${what} FAIL` }
  }
  try {
    stageCheckout(stage, null, { wasm: true })
    copyFileSync(file, path.join(stage, release.file))
    // 1. The loader: the package entry, through index.js, picks ./<binary>.win32-x64-msvc.node.
    let r = await node([path.join(stage, 'scripts/smoke.cjs'), stage, '--expect-platform', release.platform, '--expect-same-as', file, '--expect-backend', `ed25519=${backend}`], `wine-loader-${release.platform}`)
    console.log(`${release.platform} (wine, package loader): ${r.out.trim()} (${r.seconds} s)`)
    if (r.code !== 0) return failed('loader', r)
    done.push(`loader: ${release.platform}`)
    // 2. The JS test suite (the known-answer vectors, SessionMap, the loader, the WebAssembly
    // fallback, …) in node.exe's own test runner, but __test__/edge-runtimes.test.mjs: it runs the
    // esbuild and workerd executables, and node_modules here holds their Linux builds (a Windows
    // install has its own; CI's test-windows job runs that file too). The skips are the comparisons
    // with 0.20.19, which has no Windows binary, and the /proc memory scan.
    const suite = readdirSync(path.join(REPO, '__test__')).filter((f) => f.endsWith('.test.mjs') && f !== 'edge-runtimes.test.mjs').sort()
    r = await node(['--test', '--test-concurrency=1', ...suite.map((f) => `__test__/${f}`)], `wine-tests-${release.platform}`, 1200)
    const count = testCounts(r.out)
    console.log(`${release.platform} (wine): JS suite (${suite.length} files): ${count('pass')} passed, ${count('fail')} failed, ${count('skipped')} skipped (${r.seconds} s)`)
    if (r.code !== 0 || count('fail') !== 0 || !(count('pass') > 0)) return failed('JS test suite', r)
    done.push(`JS suite ${count('pass')} pass, ${count('skipped')} skip`)
    // 3. The demo: a Jazz worker on NapiCrypto and two clients on a local sync server.
    r = await node(['examples/balance/demo.mjs'], `wine-demo-${release.platform}`)
    console.log(`${release.platform} (wine): demo: ${r.out.trim().split('\n').pop()} (${r.seconds} s)`)
    if (r.code !== 0 || !/^demo: OK/m.test(r.out)) return failed('demo', r)
    done.push('demo')
    // 4. No binary at all: the loader's error names what it tried and the Windows packages.
    rmSync(path.join(stage, release.file))
    const probe = `let out; try { require(${JSON.stringify(stage)}); out = { loaded: true } } catch (e) { out = { code: e.code, message: e.message } }; console.log(JSON.stringify(out))`
    r = await node(['-e', probe], `wine-no-binary-${release.platform}`)
    const got = JSON.parse(r.out.trim().split('\n').reverse().find((l) => l.startsWith('{')) ?? '{}')
    const message = got.message ?? ''
    const list = message.match(/Prebuilt binaries exist for ([^]*?), as optional dependencies/)?.[1].replace(/\s+/g, ' ') ?? ''
    const problems = []
    if (got.code !== 'ERR_NATIVE_BINDING_NOT_FOUND') problems.push(`code ${got.code ?? '(none)'}, expected ERR_NATIVE_BINDING_NOT_FOUND`)
    if (!message.includes(`./${release.file}`) || !message.includes(`'${release.packageName}'`)) problems.push(`the attempts do not name ./${release.file} and ${release.packageName}`)
    const windows = ALL.filter((x) => x.os === 'win32').map((x) => x.platform)
    const unnamed = windows.filter((p) => !new RegExp(`\\b${p}\\b`).test(list))
    if (unnamed.length) problems.push(`the list of prebuilt binaries ("${list || 'not found'}") does not name ${unnamed.join(', ')}: lib/load.js explainLoadFailure`)
    console.log(`${release.platform} (wine): with no binary: ${got.code}: ${message.split('\n').join('\n    ')}`)
    if (problems.length) {
      for (const p of problems) flow.fail(`wine ${release.platform}, no binary: ${p}`)
      return { ok: false, summary: `wine: ${done.join(', ')}, no-binary message FAIL` }
    }
    done.push('no-binary message')
    return { ok: true, summary: `wine: ${done.join(', ')}` }
  } finally {
    rmSync(stage, { recursive: true, force: true })
    await stopWine(flow)
  }
}

/**
 * A linux-x64 binary on an emulated Haswell (AVX2, no AVX-512): curve25519-dalek must fall back from
 * its IFMA backend to AVX2 there. The smoke test (which checks the backend binaryInfo() reports)
 * and, on glibc, the known-answer vector tests (run as a script, in one process: qemu-user would
 * not emulate the child processes `node --test` starts).
 */
async function haswellChecks(t, file, rt, fake) {
  const q = qemuOf('x86_64')
  if (!q) {
    flow.fail(`${t.triple}: qemu-x86_64 is missing (apt-get install qemu-user)`)
    return { ok: false, summary: 'no qemu-x86_64' }
  }
  const argv = [q, '-cpu', HASWELL, ...rt.argv, path.join(REPO, 'scripts/smoke.cjs'), file, '--expect-platform', t.platform, '--expect-backend', 'ed25519=avx2']
  const [cmd, ...rest] = rt.musl && fake ? withMuslLdd(argv) : argv
  let r = await flow.run(cmd, rest, { log: `haswell-smoke-${t.triple}`, timeout: 600, allowFail: true })
  console.log(`${t.triple} (qemu-x86_64 -cpu Haswell): ${r.out.trim()} (${r.seconds} s)`)
  if (r.code !== 0) {
    flow.fail(`${t.triple} under qemu-x86_64 -cpu Haswell: smoke`)
    return { ok: false, summary: 'smoke FAIL' }
  }
  const parts = [`smoke OK, ed25519 ${r.out.match(/ed25519 (\w+)/)?.[1] ?? '?'}`]
  if (t.abi === 'gnu') {
    const env = toolEnv({ NAPI_RS_NATIVE_LIBRARY_PATH: file, COJSON_CORE_FORCE_WASM: '0' })
    r = await flow.run(q, ['-cpu', HASWELL, process.execPath, '__test__/vectors.test.mjs'], { cwd: REPO, env, log: `haswell-vectors-${t.triple}`, timeout: 900, allowFail: true })
    const count = testCounts(r.out)
    console.log(`${t.triple} (qemu-x86_64 -cpu Haswell): __test__/vectors.test.mjs: ${count('pass')} passed, ${count('fail')} failed (${r.seconds} s)`)
    if (r.code !== 0 || count('fail') !== 0 || !(count('pass') > 0)) {
      flow.fail(`${t.triple} under qemu-x86_64 -cpu Haswell: vectors.test.mjs\n${r.out.trim().split('\n').slice(-25).join('\n')}`)
      return { ok: false, summary: `${parts[0]}; vectors FAIL` }
    }
    parts.push(`vectors ${count('pass')} pass`)
  }
  return { ok: true, summary: parts.join('; ') }
}

// ------------------------------------------------------------------------------------------------
function buildCommand(t, out) {
  const env = { CARGO_BUILD_JOBS: String(os.availableParallelism?.() ?? os.cpus().length) }
  if (t.os === 'darwin') env.MACOSX_DEPLOYMENT_TARGET = MACOS_MIN[t.arch]
  const rustflags = rustflagsFor(t)
  if (rustflags) env.RUSTFLAGS = rustflags
  // MinGW targets: the napi CLI refuses -x for them; its plain build runs cargo-zigbuild through
  // the kit's CARGO shim instead (machine.mjs windowsGnuKit).
  if (isMinGW(t)) Object.assign(env, windowsGnuKit(t.triple))
  const napi = [NAPI, 'build', '--platform', '--release', ...(isMinGW(t) ? [] : ['-x']), '--target', zigSpec(t), '--target-dir', TDIR, '-o', out, '--js', 'index.js', '--dts', 'index.d.ts', '--', '--locked']
  const locked = has('flock') ? ['flock', [LOCK, ...napi]] : [napi[0], napi.slice(1)]
  return { cmd: locked[0], argv: locked[1], env }
}

/** The `# pass N` / `# fail N` / `# skipped N` totals of node --test's output: `count('pass')` (NaN if absent). */
function testCounts(out) {
  return (k) => Number(out.match(new RegExp(`^# ${k} (\\d+)$`, 'm'))?.[1] ?? NaN)
}

function isLink(p) {
  try {
    return lstatSync(p).isSymbolicLink()
  } catch {
    return false
  }
}

function die(message) {
  console.error(message)
  process.exit(2)
}

// ------------------------------------------------------------------------------------------------
try {
  for (const s of STAGES) if (stages.includes(s)) await flow.stage(s, STAGE[s], { timeout: s === 'build' ? 3600 : 1200 })
} catch {
  // recorded by flow.stage
}
flow.finish()
