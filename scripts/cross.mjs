// `npm run cross`: builds the addon for the 7 release targets on this Linux x86_64 machine with the
// napi CLI's own cross-compilation (`napi build -x`: cargo-zigbuild and zig), checks every binary,
// runs it directly on every runtime this machine has (natively, on a musl Node, under qemu-user),
// and lints the workflows. How the binaries install and load from a registry is the registry stage
// (scripts/registry.mjs), which publishes exactly these artifacts.
//
//   node scripts/cross.mjs [STAGE...]     stages: setup build check smoke workflows (default: all)
//
// Environment:
//   TARGETS             space-separated subset of package.json `napi.targets` (default: all 7)
//   COJSON_NAPI_CACHE   tools, runtimes, the cargo target dir (default ~/.cache/cojson-core-napi);
//                       empty it for a cold run
//   CROSS_ARTIFACTS     where the binaries go (default <repo>/artifacts, gitignored), as CI's
//                       artifacts: bindings-<triple>/cojson-core-napi.<platform>.node
//   CROSS_FORCE=1       rebuild even when a target's binary is up to date with its inputs
//   HEAVY_BUILD_LOCK    every build runs under `flock` on this file (default /tmp/heavy-build.lock),
//                       so that builds of other jobs on the machine never run beside it
// The committed index.js / index.d.ts are never written: each build writes its generated copies into
// its artifacts directory and the check stage compares them with the committed ones.
import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, symlinkSync, writeFileSync, lstatSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { Flow } from './lib/flow.mjs'
import { actionlint, aptEnsure, aptFor, buildInputs, canFakeLdd, runtimeFor, runnableHere, rustTargets, toolEnv, withMuslLdd, zigVenv } from './lib/machine.mjs'
import { CACHE, REPO, TARGETS as ALL, artifactOf, target } from './lib/targets.mjs'

const STAGES = ['setup', 'build', 'check', 'smoke', 'workflows']
const args = process.argv.slice(2)
const stages = args.length === 0 || args.includes('all') ? STAGES : args
for (const s of stages) if (!STAGES.includes(s)) die(`unknown stage '${s}' (stages: ${STAGES.join(' ')})`)
const targets = process.env.TARGETS ? process.env.TARGETS.split(/\s+/).filter(Boolean).map(target) : ALL
const ART = path.resolve(process.env.CROSS_ARTIFACTS ?? path.join(REPO, 'artifacts'))
const TDIR = path.join(CACHE, 'target')
const LOCK = process.env.HEAVY_BUILD_LOCK ?? '/tmp/heavy-build.lock'
const NAPI = path.join(REPO, 'node_modules/.bin/napi')

// The target as given to zig: glibc targets pinned to glibc 2.17 (the floor the README states).
const zigSpec = (t) => (/^gnu/.test(t.abi ?? '') ? `${t.triple}.2.17` : t.triple)
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

const flow = new Flow('cross', { columns: ['build', 'check', 'smoke'], logs: path.join(CACHE, 'logs/cross') })
console.log(`cross: stages ${stages.join(' ')}; targets ${targets.map((t) => t.triple).join(' ')}`)
console.log(`cache ${CACHE}; artifacts ${ART}; target dir ${TDIR}`)
mkdirSync(ART, { recursive: true })

// ------------------------------------------------------------------------------------------------
const STAGE = {
  async setup() {
    if (!existsSync(NAPI)) await flow.run('npm', ['install', '--ignore-scripts', '--no-audit', '--no-fund'], { cwd: REPO, log: 'npm-install', timeout: 900 })
    const apt = []
    if (!has('readelf')) apt.push('binutils')
    if (!has('file')) apt.push('file')
    if (stages.includes('smoke')) for (const t of targets) if (runnableHere(t)) apt.push(...aptFor(t.platform))
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
        flow.note(t.triple, 'build', 'up to date')
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
        flow.note(t.triple, 'build', 'FAIL')
        throw error
      }
      // The CLI names the file after the spec's platform; keep the platform name only.
      for (const f of readdirSync(out).filter((f) => f.endsWith('.node') && f !== t.file)) renameSync(path.join(out, f), file)
      if (!existsSync(file)) {
        flow.note(t.triple, 'build', 'FAIL')
        throw new Error(`${t.triple}: no ${t.file} in ${out} after the build`)
      }
      writeFileSync(stampFile, stamp)
      const warnings = (r.out.match(/^warning/gm) ?? []).length
      flow.say(`built ${t.triple} in ${r.seconds} s -> ${path.relative(REPO, file)} (${warnings} warnings)`)
      flow.note(t.triple, 'build', `${r.seconds}s`)
    }
  },

  async check() {
    let bad = 0
    for (const t of targets) {
      const file = artifactOf(ART, t)
      if (!existsSync(file)) {
        flow.note(t.triple, 'check', 'missing')
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
      flow.note(t.triple, 'check', ok ? 'OK' : 'FAIL')
      if (!ok) bad++
    }
    if (bad) throw new Error(`${bad} target(s) failed the checks`)
  },

  async smoke() {
    let bad = 0
    const smoke = path.join(REPO, 'scripts/smoke.cjs')
    const fake = canFakeLdd()
    for (const t of targets) {
      if (!runnableHere(t)) {
        flow.note(t.triple, 'smoke', 'not runnable here')
        continue
      }
      const file = artifactOf(ART, t)
      const rt = await runtimeFor(flow, t)
      const argv = [...rt.argv, smoke, file, '--expect-platform', t.platform]
      const [cmd, ...rest] = rt.musl && fake ? withMuslLdd(argv) : argv
      const r = await flow.run(cmd, rest, { log: `smoke-${t.triple}`, timeout: 300, allowFail: true })
      console.log(`${t.triple}: ${r.out.trim()} (${r.seconds} s)`)
      if (r.code === 0) flow.note(t.triple, 'smoke', `OK ${r.out.match(/SMOKE OK \S+ (\S+)/)?.[1] ?? ''}`)
      else {
        flow.note(t.triple, 'smoke', 'FAIL')
        flow.fail(`smoke ${t.triple}`)
        bad++
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
function buildCommand(t, out) {
  const env = { CARGO_BUILD_JOBS: String(os.availableParallelism?.() ?? os.cpus().length) }
  if (t.os === 'darwin') env.MACOSX_DEPLOYMENT_TARGET = MACOS_MIN[t.arch]
  const rustflags = rustflagsFor(t)
  if (rustflags) env.RUSTFLAGS = rustflags
  const napi = [NAPI, 'build', '--platform', '--release', '-x', '--target', zigSpec(t), '--target-dir', TDIR, '-o', out, '--js', 'index.js', '--dts', 'index.d.ts', '--', '--locked']
  const locked = has('flock') ? ['flock', [LOCK, ...napi]] : [napi[0], napi.slice(1)]
  return { cmd: locked[0], argv: locked[1], env }
}

function isLink(p) {
  try {
    return lstatSync(p).isSymbolicLink()
  } catch {
    return false
  }
}

function has(cmd, PATH = process.env.PATH) {
  try {
    execFileSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore', env: { ...process.env, PATH } })
    return true
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
