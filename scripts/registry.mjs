// `npm run registry`: the release as users get it. Starts a local npm registry (verdaccio on
// 127.0.0.1, storage in a temp dir; this package's names local only, everything else proxied to
// the registry the machine's npm config names), publishes the main package and one per target to
// it by running the publish job of .github/workflows/ci.yml as written (the platform packages laid
// out by the napi CLI from the artifacts the cross stage built, then the main package), and
// installs fresh apps from it, in temp dirs outside the repository.
//
// The msvc targets cannot be built on Linux: where their artifacts are missing (here; CI's build
// jobs make them on Windows runners), their packages get the MinGW stand-ins the cross stage built
// (targets.mjs standInOf), and the run says so (STAND-IN) wherever that matters. Apps:
//
//
//   node20-jazz      Node 20, glibc: a jazz-tools 0.20.19 app with npm `overrides` (examples/apps/
//                    jazz-worker); npm install, then npm ci from the lockfile it wrote; the balance
//                    worker on this package's NapiCrypto and on jazz-tools/napi's; the binary that
//                    loaded is byte-identical to the published one
//   node22           the same app's node_modules on Node 22 (scripts/runtime-smoke.mjs)
//   musl-jazz        the same app, `npm ci` run by a musl Node (npm picks linux-x64-musl by libc)
//   arm64-gnu, arm64-musl, armv7   an app installed for that platform (npm --os/--cpu/--libc),
//                    scripts/smoke.cjs on it under qemu-user
//   win32-x64        an app installed with npm --os=win32 --cpu=x64, scripts/smoke.cjs on it in
//                    node.exe under wine (the loader's package branch, cojson-core-napi-win32-x64-msvc)
//   deno             Deno resolving `npm:` specifiers through the registry (its own installer)
//   bun              `bun install` from the registry, then the runtime smoke on Bun
//   nextjs           examples/nextjs installed from the registry, built, served, queried
//   pnpm, yarn       the override as pnpm (`pnpm.overrides`) and Yarn (`resolutions`) write it: cojson's
//                    own cojson-core-napi is this release; the runtime smoke on it
//   file-dep         a local build by `file:` (a clone, its binary built), both NapiCrypto on it
//   no-optional      installed with --omit=optional: ERR_NATIVE_BINDING_NOT_FOUND, and why
//   upstream-binary  upstream's cojson-core-napi-linux-x64-gnu@0.20.19 in place of ours: ERR_NATIVE_BINDING_MISMATCH
//   other-version    a platform package of another version: ERR_NATIVE_BINDING_MISMATCH naming it
//
//   node scripts/registry.mjs [APP...] [--skip APP,APP] [--keep]      (default: every app)
//
// Environment: CROSS_ARTIFACTS (the cross stage's binaries, default <repo>/artifacts),
// COJSON_NAPI_CACHE (tools, runtimes, npm cache; default ~/.cache/cojson-core-napi).
import { createHash } from 'node:crypto'
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, realpathSync, rmSync, writeFileSync } from 'node:fs'
import { execFileSync } from 'node:child_process'
import os from 'node:os'
import path from 'node:path'
import { Flow } from './lib/flow.mjs'
import { PINS, buildInputs, canFakeLdd, npmTool, runtimeFor, stopWine, toolEnv, withMuslLdd } from './lib/machine.mjs'
import { fetchPublished, freePort, installedPlatformPackages, runPublishJob, stageCheckout, startRegistry, writeApp } from './lib/release.mjs'
import { CACHE, NAME, PACKAGE_NAMES, REPO, TARGETS, VERSION, artifactOf, distTag, releaseArtifact, target } from './lib/targets.mjs'

const APPS = ['node20-jazz', 'node22', 'musl-jazz', 'arm64-gnu', 'arm64-musl', 'armv7', 'win32-x64', 'deno', 'bun', 'nextjs', 'pnpm', 'yarn', 'file-dep', 'no-optional', 'upstream-binary', 'other-version']
// What each app needs from another (it reuses that app's install).
const NEEDS = { node22: 'node20-jazz', 'musl-jazz': 'node20-jazz' }
const APP_PLATFORM = { 'musl-jazz': 'linux-x64-musl', 'arm64-gnu': 'linux-arm64-gnu', 'arm64-musl': 'linux-arm64-musl', armv7: 'linux-arm-gnueabihf', 'win32-x64': 'win32-x64-msvc' }

const argv = process.argv.slice(2)
const keep = argv.includes('--keep')
const skipIdx = argv.indexOf('--skip')
const skip = skipIdx >= 0 ? argv[skipIdx + 1].split(',').map((s) => APPS.find((a) => a === s || APP_PLATFORM[a] === s) ?? s) : []
const named = argv.filter((a, i) => !a.startsWith('--') && !(skipIdx >= 0 && i === skipIdx + 1))
for (const a of [...named, ...skip]) if (!APPS.includes(a)) die(`unknown app '${a}' (apps: ${APPS.join(' ')})`)
// In APPS order, with what a selected app needs (node22 and musl-jazz reuse node20-jazz's install).
const wanted = new Set((named.length ? named : APPS).filter((a) => !skip.includes(a)))
for (const a of [...wanted]) if (NEEDS[a]) wanted.add(NEEDS[a])
const selected = APPS.filter((a) => wanted.has(a))
const ART = path.resolve(process.env.CROSS_ARTIFACTS ?? path.join(REPO, 'artifacts'))
const TMP = realpathSync(mkdtempSync(path.join(os.tmpdir(), 'cojson-core-napi-registry-')))
if (TMP.startsWith(`${realpathSync(REPO)}/`)) die(`the temp dir ${TMP} must be outside the repository`)
const flow = new Flow('registry', { columns: ['result', 'seconds', 'details'], logs: path.join(TMP, 'logs') })
const APPS_DIR = path.join(TMP, 'apps')
const fakeLdd = canFakeLdd()
const NPM_CLI = realpathSync(execFileSync('sh', ['-c', 'command -v npm'], { encoding: 'utf8' }).trim())

console.log(`registry: ${NAME}@${VERSION} (tag ${distTag()}); apps: ${selected.join(' ')}`)
console.log(`artifacts ${ART}; temp ${TMP}; cache ${CACHE}`)

/** Published binaries, extracted from the registry's tarballs: platform -> .node path. */
const published = {}
/** The packages published with a stand-in's binary (`<platform> <- <stand-in triple>`). */
const standIns = []
let reg = null
let provenanceNote = null

// ------------------------------------------------------------------------------------------------
async function publish() {
  // The binary each target's package gets: its own artifact, else (msvc targets, here) its stand-in's.
  const used = TARGETS.map((t) => ({ t, ...releaseArtifact(ART, t) }))
  const absent = used.filter((u) => !u.file).map((u) => u.t)
  if (absent.length) throw new Error(`no artifacts for ${absent.map((t) => t.triple).join(', ')} in ${ART}: run \`npm run cross\` (its build stage) first`)
  // Binaries the cross stage stamped (CI's downloaded artifacts carry no stamp) must be built from
  // the sources as they are now: the release pairs them with this checkout's JavaScript.
  const stampOf = (u) => path.join(path.dirname(u.file), '.inputs')
  const stamped = used.filter((u) => existsSync(stampOf(u)))
  const inputs = stamped.length ? buildInputs() : null
  const stale = stamped.filter((u) => readFileSync(stampOf(u), 'utf8').split('\n')[0] !== inputs).map((u) => (u.standIn ?? u.t).triple)
  if (stale.length) throw new Error(`the artifacts of ${stale.join(', ')} were built from other sources than the working tree's: run \`npm run cross\` (its build stage) first`)
  for (const { t, file, standIn } of used.filter((u) => u.standIn)) {
    flow.say(
      `STAND-IN: ${t.packageName} gets ${path.relative(ART, file)}, the ${standIn.triple} build (zig, MinGW), in place of the ${t.triple} build that CI makes on a Windows runner: for this local dry run only`,
    )
    standIns.push(`${t.platform} <- ${standIn.triple}`)
  }
  for (const a of ['jazz-worker/package.json']) checkPins(path.join(REPO, 'examples/apps', a))
  checkPins(path.join(REPO, 'examples/nextjs/package.json'))
  reg = await startRegistry(flow, path.join(TMP, 'registry'))

  // The publish job, run as written in a copy laid out like its checkout.
  const checkout = stageCheckout(path.join(TMP, 'checkout'), ART)
  const ran = await runPublishJob(flow, {
    cwd: checkout,
    env: reg.publishEnv({
      GITHUB_WORKSPACE: checkout,
      RUNNER_TEMP: path.join(TMP, 'runner-temp'),
      GITHUB_REF: `refs/tags/v${VERSION}`,
      GITHUB_REF_NAME: `v${VERSION}`,
      GITHUB_EVENT_NAME: 'push',
      // The job writes the repository into package.json from these (Actions' default variables).
      GITHUB_SERVER_URL: 'https://github.com',
      GITHUB_REPOSITORY: 'local/cojson-core-napi',
      CI: 'true',
      // No OIDC token here to sign provenance with; everything else is the job's.
      NPM_CONFIG_PROVENANCE: 'false',
    }),
    skip: { 'npm >= 11.5.1 (trusted publishing)': `a global npm install; npm here is ${execFileSync('npm', ['--version'], { encoding: 'utf8' }).trim()}`, 'npm install (for @napi-rs/cli; no build)': "the checkout links the repository's node_modules" },
    usesHere: {
      'actions/checkout': `a copy of the working tree's tracked files in ${checkout}`,
      'actions/setup-node': `node ${process.version} (npm config from ${reg.publishconfig})`,
      'actions/download-artifact': `the cross stage's binaries from ${ART}, as artifacts/bindings-<triple>/, and the working tree's WebAssembly build (npm run build:wasm) as wasm/`,
    },
  })
  flow.say(`publish job: ran ${ran.length} steps: ${ran.join('; ')}`)
  // On GitHub the job runs with provenance on; pack-check then also wants every package's
  // repository.url. Said here (not failed): a tag release stops at that check until it is there.
  const prov = await flow.run('node', ['scripts/pack-check.cjs', '--release', '.', ...TARGETS.map((t) => `npm/${t.platform}`)], {
    cwd: checkout,
    env: toolEnv({ NPM_CONFIG_PROVENANCE: 'true' }),
    log: 'pack-check-provenance',
  })
  provenanceNote = prov.code === 0 ? 'OK' : 'failed'
  flow.say(`provenance check (the publish job on GitHub): ${provenanceNote}`)

  // What the registry now holds.
  const env = reg.env()
  const view = (spec, field) => JSON.parse(execFileSync('npm', ['view', spec, field, '--json'], { env, encoding: 'utf8' }) || 'null')
  for (const name of PACKAGE_NAMES) {
    const v = view(`${name}@${VERSION}`, 'version')
    if (v !== VERSION) throw new Error(`${name}@${VERSION} is not in the registry after the publish job (npm view says ${v})`)
  }
  const tags = view(NAME, 'dist-tags')
  if (tags?.[distTag()] !== VERSION) throw new Error(`dist-tag ${distTag()} of ${NAME} is ${tags?.[distTag()]}, expected ${VERSION}`)
  const optional = view(`${NAME}@${VERSION}`, 'optionalDependencies')
  const want = Object.fromEntries(TARGETS.map((t) => [t.packageName, VERSION]))
  if (JSON.stringify(sortKeys(optional)) !== JSON.stringify(sortKeys(want))) throw new Error(`published optionalDependencies ${JSON.stringify(optional)}, expected ${JSON.stringify(want)}`)
  // Every tarball: LICENSE in it; every platform binary byte-identical to the artifact.
  const dl = path.join(TMP, 'published')
  const main = await fetchPublished(flow, reg, `${NAME}@${VERSION}`, dl)
  if (!existsSync(path.join(main, 'LICENSE'))) throw new Error(`${NAME}@${VERSION}: no LICENSE in the tarball`)
  if (readdirSync(main).some((f) => f.endsWith('.node'))) throw new Error(`${NAME}@${VERSION}: ships a .node file`)
  for (const t of TARGETS) {
    const dir = await fetchPublished(flow, reg, `${t.packageName}@${VERSION}`, dl)
    if (!existsSync(path.join(dir, 'LICENSE'))) throw new Error(`${t.packageName}@${VERSION}: no LICENSE in the tarball`)
    const file = path.join(dir, t.file)
    if (!existsSync(file) || !readFileSync(file).equals(readFileSync(releaseArtifact(ART, t).file))) throw new Error(`${t.packageName}@${VERSION}: ${t.file} is not the artifact the cross stage built`)
    published[t.platform] = file
  }
  flow.say(`published: ${PACKAGE_NAMES.map((n) => `${n}@${VERSION}`).join(' ')} (tag ${distTag()}); every tarball has LICENSE; every binary is its artifact, byte for byte`)
  flow.note('publish', 'result', 'PASS')
  flow.note('publish', 'details', `${PACKAGE_NAMES.length} packages${standIns.length ? `; STAND-INS (local dry run only): ${standIns.join(', ')}` : ''}`)
}

// ------------------------------------------------------------------------------------------------
const npmArgs = ['--no-audit', '--no-fund']
const npmIn = (dir, args, { log, timeout = 900, env = {} } = {}) => flow.run('npm', [...args, ...npmArgs], { cwd: dir, env: reg.env(env), log, timeout })

/** Runs `node <args>` in `dir` on platform's runtime (musl ones see a musl ldd). */
async function nodeOn(platform, dir, args, { log, timeout = 300, env = {}, allowFail = false } = {}) {
  const rt = await runtimeFor(flow, target(platform))
  if (rt.musl && !fakeLdd) throw new Error('musl runtimes need `unshare -m` (a private mount namespace for a musl /usr/bin/ldd); not available here')
  const full = rt.musl ? withMuslLdd([...rt.argv, ...args]) : [...rt.argv, ...args]
  return flow.run(full[0], full.slice(1), { cwd: dir, env: reg.env(env), log, timeout, allowFail })
}

function expectInstalled(dir, wanted) {
  const got = installedPlatformPackages(dir).map((p) => `${p.name}@${p.version}${path.dirname(p.dir) === path.join(dir, 'node_modules') ? '' : ' (nested)'}`)
  const want = wanted.map((w) => (w.includes('@') ? w : `${w}@${VERSION}`))
  if (JSON.stringify(got.sort()) !== JSON.stringify(want.sort())) throw new Error(`installed ${JSON.stringify(got)}, expected ${JSON.stringify(want)}`)
}

const sortKeys = (o) => Object.fromEntries(Object.entries(o ?? {}).sort(([a], [b]) => a.localeCompare(b)))
const sha = (file) => createHash('sha256').update(readFileSync(file)).digest('hex')
const BALANCE = ['run.mjs', 'worker.mjs', 'scenario.mjs', 'accounts.mjs', 'client.mjs', 'schema.mjs', 'sync-server.mjs', 'util.mjs']
const jazzFiles = () => ({
  'main.mjs': path.join(REPO, 'examples/apps/jazz-worker/main.mjs'),
  'runtime-smoke.mjs': path.join(REPO, 'scripts/runtime-smoke.mjs'),
  ...Object.fromEntries(BALANCE.map((f) => [f, path.join(REPO, 'examples/balance', f)])),
})
const readJson = (file) => JSON.parse(readFileSync(file, 'utf8'))

/** Fails unless an example's package.json pins this release (dependency and override). */
function checkPins(file) {
  const m = readJson(file)
  const bad = []
  if (m.dependencies?.[NAME] !== VERSION) bad.push(`dependencies["${NAME}"] is ${m.dependencies?.[NAME]}`)
  if (m.dependencies?.cojson && m.overrides?.[NAME] !== VERSION) bad.push(`overrides["${NAME}"] is ${m.overrides?.[NAME]}`)
  if (bad.length) throw new Error(`${path.relative(REPO, file)}: ${bad.join(', ')}; this release is ${VERSION}: update it`)
}

/** The lockfile an app's install wrote pins this release and every platform package of it. */
function checkLockfile(dir) {
  const lock = readJson(path.join(dir, 'package-lock.json'))
  const entry = lock.packages?.[`node_modules/${NAME}`]
  if (entry?.version !== VERSION) throw new Error(`package-lock.json has ${NAME} ${entry?.version}, expected ${VERSION}`)
  const missing = TARGETS.filter((t) => lock.packages?.[`node_modules/${t.packageName}`]?.version !== VERSION).map((t) => t.packageName)
  if (missing.length) throw new Error(`package-lock.json lacks ${missing.join(', ')} at ${VERSION} (other platforms could not npm ci from it)`)
  const others = Object.keys(lock.packages).filter((k) => k.endsWith(`/node_modules/${NAME}`))
  if (others.length) throw new Error(`package-lock.json has nested copies of ${NAME}: ${others.join(', ')}`)
}

function appOk(out, provider) {
  const line = out.split('\n').find((l) => l.startsWith('APP OK '))
  if (!line) throw new Error(`${provider}: no APP OK line`)
  return line.replace(/^APP OK /, '')
}

const APP = {
  async 'node20-jazz'() {
    const dir = writeApp(path.join(APPS_DIR, 'node20-jazz'), readJson(path.join(REPO, 'examples/apps/jazz-worker/package.json')), jazzFiles())
    const install = await npmIn(dir, ['install'], { log: 'node20-jazz-npm-install' })
    checkLockfile(dir)
    expectInstalled(dir, [NAME, 'cojson-core-napi-linux-x64-gnu'])
    const lockSum = sha(path.join(dir, 'package-lock.json'))
    rmSync(path.join(dir, 'node_modules'), { recursive: true, force: true })
    const ci = await npmIn(dir, ['ci'], { log: 'node20-jazz-npm-ci' })
    if (sha(path.join(dir, 'package-lock.json')) !== lockSum) throw new Error('npm ci changed package-lock.json')
    expectInstalled(dir, [NAME, 'cojson-core-napi-linux-x64-gnu'])
    // npm's own view: every cojson-core-napi in the tree (the app's and cojson's) is this release.
    const ls = JSON.parse((await npmIn(dir, ['ls', NAME, '--all', '--json'], { log: 'node20-jazz-npm-ls' })).out)
    const versions = new Set()
    const walk = (deps) => Object.entries(deps ?? {}).forEach(([n, d]) => (n === NAME && versions.add(d.version), walk(d.dependencies)))
    walk(ls.dependencies)
    if (versions.size !== 1 || !versions.has(VERSION)) throw new Error(`npm ls ${NAME}: ${[...versions].join(', ')}; expected ${VERSION} only`)
    const lines = []
    for (const provider of ['cojson-core-napi', 'jazz-tools/napi']) {
      const r = await nodeOn('linux-x64-gnu', dir, ['main.mjs', provider], { log: `node20-jazz-${provider.replace('/', '-')}`, env: { EXPECT_NATIVE: published['linux-x64-gnu'] } })
      lines.push(appOk(r.out, provider))
      flow.say(`  ${lines.at(-1)}`)
    }
    const smoke = await nodeOn('linux-x64-gnu', dir, ['runtime-smoke.mjs'], { log: 'node20-runtime-smoke', env: { RUNTIME_SMOKE_EXPECT_NATIVE: published['linux-x64-gnu'] } })
    flow.say(`  ${smoke.out.trim().split('\n').pop()}`)
    return `npm install ${install.seconds}s, npm ci ${ci.seconds}s; worker OK on both providers, binary = published linux-x64-gnu`
  },

  async node22() {
    const dir = path.join(APPS_DIR, 'node20-jazz')
    const node = await npmTool(flow, 'node22', PINS.node22, 'node')
    const r = await flow.run(node, ['runtime-smoke.mjs'], { cwd: dir, env: reg.env({ RUNTIME_SMOKE_EXPECT_NATIVE: published['linux-x64-gnu'] }), log: 'node22-runtime-smoke', timeout: 300 })
    const w = await flow.run(node, ['main.mjs', 'cojson-core-napi'], { cwd: dir, env: reg.env({ EXPECT_NATIVE: published['linux-x64-gnu'] }), log: 'node22-jazz', timeout: 300 })
    flow.say(`  ${appOk(w.out, 'node22')}`)
    return `${r.out.match(/RUNTIME OK .*/)?.[0]}; worker OK`
  },

  async 'musl-jazz'() {
    const from = path.join(APPS_DIR, 'node20-jazz')
    const dir = writeApp(path.join(APPS_DIR, 'musl-jazz'), readJson(path.join(from, 'package.json')), { ...jazzFiles(), 'package-lock.json': path.join(from, 'package-lock.json') })
    // npm itself on the musl Node: it picks the platform package by the libc it detects.
    const ci = await nodeOn('linux-x64-musl', dir, [NPM_CLI, 'ci', '--ignore-scripts', ...npmArgs], { log: 'musl-jazz-npm-ci', timeout: 900 })
    expectInstalled(dir, [NAME, 'cojson-core-napi-linux-x64-musl'])
    const lines = []
    for (const provider of ['cojson-core-napi', 'jazz-tools/napi']) {
      const r = await nodeOn('linux-x64-musl', dir, ['main.mjs', provider], { log: `musl-jazz-${provider.replace('/', '-')}`, env: { EXPECT_NATIVE: published['linux-x64-musl'] } })
      lines.push(appOk(r.out, provider))
      flow.say(`  ${lines.at(-1)}`)
    }
    return `npm ci on musl Node ${PINS.nodeMuslWheel} ${ci.seconds}s (picked linux-x64-musl); worker OK on both providers, binary = published`
  },

  'arm64-gnu': () => crossApp('linux-arm64-gnu'),
  'arm64-musl': () => crossApp('linux-arm64-musl'),
  armv7: () => crossApp('linux-arm-gnueabihf'),
  async 'win32-x64'() {
    try {
      const details = await crossApp('win32-x64-msvc')
      const standIn = standIns.find((s) => s.startsWith('win32-x64-msvc '))
      return standIn ? `${details} (STAND-IN: ${standIn})` : details
    } finally {
      await stopWine(flow)
    }
  },

  async deno() {
    const deno = await npmTool(flow, 'deno', PINS.deno, 'deno')
    const dir = writeApp(path.join(APPS_DIR, 'deno'), denoManifest(), { 'runtime-smoke.mjs': path.join(REPO, 'scripts/runtime-smoke.mjs') })
    writeFileSync(path.join(dir, 'deno.json'), `${JSON.stringify({ nodeModulesDir: 'auto' }, null, 2)}\n`)
    const env = { NPM_CONFIG_REGISTRY: reg.url, DENO_DIR: path.join(dir, '.deno'), DENO_NO_UPDATE_CHECK: '1', DENO_NO_PROMPT: '1', RUNTIME_SMOKE_EXPECT_NATIVE: published['linux-x64-gnu'] }
    // Deno 2.9 installs no version younger than 24 hours by default (minimumDependencyAge); this
    // release was published a minute ago.
    const age = '--minimum-dependency-age=0'
    const install = await flow.run(deno, ['install', age], { cwd: dir, env: reg.env(env), log: 'deno-install', timeout: 600 })
    // Deno's node_modules is laid out like pnpm's: every package in .deno/<name>@<version>. One
    // cojson-core-napi (cojson's own dependency overridden), platform packages at its version only.
    const ours = readdirSync(path.join(dir, 'node_modules/.deno')).filter((e) => e.startsWith(`${NAME}@`) || e.startsWith(`${NAME}-`))
    if (!ours.includes(`${NAME}@${VERSION}`) || !ours.includes(`${NAME}-linux-x64-gnu@${VERSION}`) || ours.some((e) => !e.endsWith(`@${VERSION}`))) {
      throw new Error(`deno install resolved ${ours.join(', ')}; expected ${NAME} and its platform packages at ${VERSION} only`)
    }
    const r = await flow.run(deno, ['run', '--no-prompt', '--allow-env', '--allow-read', '--allow-ffi', 'runtime-smoke.mjs'], { cwd: dir, env: reg.env(env), log: 'deno-smoke', timeout: 300 })
    // And a script with `npm:` specifiers only, resolved through the registry into Deno's cache.
    const npmDir = path.join(APPS_DIR, 'deno-npm-specifiers')
    mkdirSync(npmDir, { recursive: true })
    writeFileSync(path.join(npmDir, 'main.mjs'), denoNpmScript())
    const r2 = await flow.run(deno, ['run', age, '--no-prompt', '--allow-env', '--allow-read', '--allow-ffi', 'main.mjs'], { cwd: npmDir, env: reg.env({ ...env, DENO_DIR: path.join(npmDir, '.deno') }), log: 'deno-npm-specifiers', timeout: 600 })
    if (!/^DENO NPM OK/m.test(r2.out)) throw new Error('npm: specifier script: no DENO NPM OK line')
    return `deno install ${install.seconds}s (${ours.join(' ')}); ${r.out.match(/RUNTIME OK .*/)?.[0]}; ${r2.out.match(/DENO NPM OK (.*)/)[1]}`
  },

  async bun() {
    const bun = await npmTool(flow, 'bun', PINS.bun, 'bun')
    const dir = writeApp(path.join(APPS_DIR, 'bun'), denoManifest(), { 'runtime-smoke.mjs': path.join(REPO, 'scripts/runtime-smoke.mjs') })
    writeFileSync(path.join(dir, 'bunfig.toml'), `[install]\nregistry = "${reg.url}"\n`)
    // Bun's cache is keyed by name@version, and every run publishes this release anew: keep the
    // cache for everything else, drop this package's entries.
    const cache = path.join(CACHE, 'bun-cache')
    if (existsSync(cache)) for (const e of readdirSync(cache)) if (e.startsWith(NAME)) rmSync(path.join(cache, e), { recursive: true, force: true })
    const env = { BUN_INSTALL_CACHE_DIR: cache, RUNTIME_SMOKE_EXPECT_NATIVE: published['linux-x64-gnu'], NO_COLOR: '1' }
    const install = await flow.run(bun, ['install'], { cwd: dir, env: reg.env(env), log: 'bun-install', timeout: 600 })
    expectInstalled(dir, [NAME, 'cojson-core-napi-linux-x64-gnu'])
    const r = await flow.run(bun, ['runtime-smoke.mjs'], { cwd: dir, env: reg.env(env), log: 'bun-smoke', timeout: 300 })
    return `bun install ${install.seconds}s; ${r.out.match(/RUNTIME OK .*/)?.[0]}`
  },

  async nextjs() {
    const src = path.join(REPO, 'examples/nextjs')
    const dir = writeApp(path.join(APPS_DIR, 'nextjs'), readJson(path.join(src, 'package.json')), {
      app: path.join(src, 'app'),
      'next.config.mjs': path.join(src, 'next.config.mjs'),
    })
    const install = await npmIn(dir, ['install'], { log: 'nextjs-npm-install', timeout: 900 })
    expectInstalled(dir, [NAME, 'cojson-core-napi-linux-x64-gnu'])
    const env = { NEXT_TELEMETRY_DISABLED: '1' }
    const build = await flow.run(path.join(dir, 'node_modules/.bin/next'), ['build'], { cwd: dir, env: reg.env(env), log: 'nextjs-build', timeout: 600 })
    const port = await freePort()
    const server = flow.spawnService(path.join(dir, 'node_modules/.bin/next'), ['start', '-H', '127.0.0.1', '-p', String(port)], { cwd: dir, env: reg.env(env), log: 'nextjs-start' })
    let body
    let edge
    try {
      const deadline = Date.now() + 60_000
      for (;;) {
        if (server.exitCode !== null) throw new Error(`next start exited (${server.exitCode}): see ${server.logFile}`)
        try {
          const res = await fetch(`http://127.0.0.1:${port}/api/crypto`, { signal: AbortSignal.timeout(20_000) })
          body = { status: res.status, json: await res.json() }
          break
        } catch (error) {
          if (Date.now() > deadline) throw new Error(`next start did not answer /api/crypto within 60 s (${error.message}): see ${server.logFile}`)
          await new Promise((r) => setTimeout(r, 500))
        }
      }
      const page = await fetch(`http://127.0.0.1:${port}/`)
      if (page.status !== 200) throw new Error(`GET / -> ${page.status}`)
      // The Edge runtime route: the `edge-light` export, our WebAssembly build, no configuration.
      const res = await fetch(`http://127.0.0.1:${port}/api/edge`, { signal: AbortSignal.timeout(20_000) })
      edge = { status: res.status, json: await res.json() }
    } finally {
      await flow.stopService(server)
    }
    const r = body.json
    if (body.status !== 200 || r.ok !== true) throw new Error(`GET /api/crypto -> ${body.status} ${JSON.stringify(r).slice(0, 300)}`)
    const sessions = Object.values(r.knownState?.sessions ?? {})
    if (!(r.verified === true && r.verifiedTampered === false && r.knownState.id === r.coId && sessions.length === 1 && sessions[0] === 1)) throw new Error(`unexpected JSON ${JSON.stringify(r).slice(0, 300)}`)
    const natives = r.nativeAddons ?? []
    if (natives.length !== 1 || !readFileSync(natives[0]).equals(readFileSync(published['linux-x64-gnu']))) throw new Error(`the route loaded ${JSON.stringify(natives)}, not the published linux-x64-gnu binary`)
    const e = edge.json
    const edgeSessions = Object.values(e.knownState?.sessions ?? {})
    if (edge.status !== 200 || e.ok !== true || e.kind !== 'wasm' || e.knownState?.id !== e.coId || edgeSessions.length !== 1 || edgeSessions[0] !== 1) {
      throw new Error(`GET /api/edge (runtime = "edge") -> ${edge.status} ${JSON.stringify(e).slice(0, 300)}`)
    }
    const next = readJson(path.join(dir, 'node_modules/next/package.json')).version
    return `next ${next}: npm install ${install.seconds}s, next build ${build.seconds}s, GET /api/crypto 200 (binary = published), GET /api/edge 200 (runtime edge, WebAssembly build)`
  },

  async pnpm() {
    const pnpm = await npmTool(flow, 'pnpm', PINS.pnpm, 'pnpm')
    const manifest = { ...smallManifest(), pnpm: { overrides: { [NAME]: VERSION } } }
    const dir = writeApp(path.join(APPS_DIR, 'pnpm'), manifest, { 'runtime-smoke.mjs': path.join(REPO, 'scripts/runtime-smoke.mjs') })
    const install = await flow.run(pnpm, ['install', `--registry=${reg.url}`, `--store-dir=${path.join(CACHE, 'pnpm-store')}`, '--reporter=append-only'], { cwd: dir, env: reg.env(), log: 'pnpm-install', timeout: 600 })
    const ours = readdirSync(path.join(dir, 'node_modules/.pnpm')).filter((e) => e.startsWith(`${NAME}@`) || e.startsWith(`${NAME}-`))
    if (!ours.some((e) => e.startsWith(`${NAME}@${VERSION}`)) || ours.some((e) => !e.includes(`@${VERSION}`))) throw new Error(`pnpm resolved ${ours.join(', ')}; expected ${NAME} ${VERSION} only`)
    const r = await nodeOn('linux-x64-gnu', dir, ['runtime-smoke.mjs'], { log: 'pnpm-smoke', env: { RUNTIME_SMOKE_EXPECT_NATIVE: published['linux-x64-gnu'] } })
    return `pnpm ${PINS.pnpm.split('@')[1]} install ${install.seconds}s (${ours.join(' ')}); ${r.out.match(/RUNTIME OK .*/)?.[0]}`
  },

  async yarn() {
    const yarn = await npmTool(flow, 'yarn', PINS.yarn, 'yarn')
    const manifest = { ...smallManifest(), resolutions: { [NAME]: VERSION } }
    const dir = writeApp(path.join(APPS_DIR, 'yarn'), manifest, { 'runtime-smoke.mjs': path.join(REPO, 'scripts/runtime-smoke.mjs') })
    const install = await flow.run(yarn, ['install', '--registry', reg.url, '--cache-folder', path.join(dir, '.yarn-cache'), '--non-interactive', '--no-progress'], { cwd: dir, env: reg.env(), log: 'yarn-install', timeout: 600 })
    // Yarn 1 does not read `libc`: it installs both x64 Linux packages, and the loader picks.
    expectInstalled(dir, [NAME, 'cojson-core-napi-linux-x64-gnu', 'cojson-core-napi-linux-x64-musl'])
    const r = await nodeOn('linux-x64-gnu', dir, ['runtime-smoke.mjs'], { log: 'yarn-smoke', env: { RUNTIME_SMOKE_EXPECT_NATIVE: published['linux-x64-gnu'] } })
    return `yarn ${PINS.yarn.split('@')[1]} install ${install.seconds}s; ${r.out.match(/RUNTIME OK .*/)?.[0]}`
  },

  async 'file-dep'() {
    // A local build: a clone of the working tree, `npm install`ed (its dev dependencies from the
    // machine's registry, as a user's clone gets them) with the binary for this machine next to its
    // index.js, as `npm install` (prepare) leaves it; the app links it with `file:`.
    const clone = stageCheckout(path.join(TMP, 'clone'), null, { linkNodeModules: false })
    const cloneInstall = await flow.run('npm', ['install', '--ignore-scripts', ...npmArgs], { cwd: clone, env: toolEnv(), log: 'file-dep-clone-npm-install', timeout: 900 })
    const gnu = TARGETS.find((t) => t.platform === 'linux-x64-gnu')
    cpSync(artifactOf(ART, gnu), path.join(clone, gnu.file))
    const manifest = { ...smallManifest(), overrides: { [NAME]: `$${NAME}` } }
    manifest.dependencies[NAME] = `file:${clone}`
    const dir = writeApp(path.join(APPS_DIR, 'file-dep'), manifest, { 'runtime-smoke.mjs': path.join(REPO, 'scripts/runtime-smoke.mjs') })
    // npm runs a linked directory's `prepare` (here: the build) on install; the clone is built
    // already, so skip scripts (no build outside the heavy-build lock either).
    const install = await npmIn(dir, ['install', '--ignore-scripts'], { log: 'file-dep-npm-install' })
    const linked = realpathSync(path.join(dir, 'node_modules', NAME))
    if (linked !== clone) throw new Error(`node_modules/${NAME} is ${linked}, expected a link to ${clone}`)
    const r = await nodeOn('linux-x64-gnu', dir, ['runtime-smoke.mjs'], { log: 'file-dep-smoke', env: { RUNTIME_SMOKE_EXPECT_NATIVE: artifactOf(ART, gnu) } })
    // cojson's own NapiCrypto (what jazz-tools/napi exports) on the linked build.
    const probe = `const { NapiCrypto } = await import('cojson/crypto/NapiCrypto')
const c = await NapiCrypto.create()
const s = c.newRandomSigner()
const sig = c.sign(s, { a: 1 })
if (!c.verify(sig, { a: 1 }, c.getSignerID(s))) throw new Error('verify failed')
const natives = process.report.getReport().sharedObjects.filter((f) => /cojson-core-napi[^/]*\\.node$/.test(f))
console.log('COJSON NAPI OK ' + natives.join(','))`
    const c = await nodeOn('linux-x64-gnu', dir, ['--input-type=module', '-e', probe], { log: 'file-dep-cojson-napi' })
    const native = c.out.match(/COJSON NAPI OK (\S+)/)?.[1]
    if (native !== path.join(clone, gnu.file)) throw new Error(`cojson's NapiCrypto loaded ${native}, expected the clone's ${gnu.file}`)
    return `clone npm install ${cloneInstall.seconds}s; app npm install ${install.seconds}s (node_modules/${NAME} -> the clone); ${r.out.match(/RUNTIME OK .*/)?.[0]}; cojson's NapiCrypto on the clone's binary`
  },

  async 'no-optional'() {
    const dir = writeApp(path.join(APPS_DIR, 'no-optional'), { name: 'no-optional-app', private: true, dependencies: { [NAME]: VERSION } })
    await npmIn(dir, ['install', '--omit=optional'], { log: 'no-optional-npm-install' })
    expectInstalled(dir, [NAME])
    return expectLoadError(dir, 'ERR_NATIVE_BINDING_NOT_FOUND', [/--omit=optional/, /cojson-core-napi-linux-x64-gnu/, /Tried, in order/])
  },

  async 'upstream-binary'() {
    // Upstream's own platform package (another publisher, same name), from the machine's registry.
    const upstream = `${TARGETS.find((t) => t.platform === 'linux-x64-gnu').packageName}@0.20.19`
    const dl = path.join(TMP, 'upstream')
    mkdirSync(dl, { recursive: true })
    const packed = await flow.run('npm', ['pack', upstream, '--json'], { cwd: dl, env: toolEnv(), log: 'upstream-pack', timeout: 300 })
    const [{ filename }] = JSON.parse(packed.out.slice(packed.out.indexOf('[')))
    await flow.run('tar', ['-xzf', path.join(dl, filename), '-C', dl], { log: 'upstream-untar' })
    // Its publishConfig names npmjs.org; the copy goes to the local registry only.
    const pj = path.join(dl, 'package/package.json')
    const { publishConfig, ...manifest } = readJson(pj)
    writeFileSync(pj, `${JSON.stringify(manifest, null, 2)}\n`)
    await flow.run('npm', ['publish', '--tag', 'upstream'], { cwd: path.join(dl, 'package'), env: reg.publishEnv(), log: 'upstream-publish', timeout: 300 })
    const dir = writeApp(path.join(APPS_DIR, 'upstream-binary'), {
      name: 'upstream-binary-app',
      private: true,
      dependencies: { [NAME]: VERSION },
      overrides: { 'cojson-core-napi-linux-x64-gnu': '0.20.19' },
    })
    await npmIn(dir, ['install'], { log: 'upstream-binary-npm-install' })
    expectInstalled(dir, [NAME, 'cojson-core-napi-linux-x64-gnu@0.20.19'])
    return expectLoadError(dir, 'ERR_NATIVE_BINDING_MISMATCH', [/not from this package/, new RegExp(`cojson-core-napi ${esc(VERSION)}`)])
  },

  async 'other-version'() {
    // A platform package of another version: the published one re-versioned, its binary made to
    // report that version (the version string patched in place; same length).
    const other = VERSION.replace(/\d$/, (d) => String((Number(d) + 9) % 10))
    const src = path.dirname(published['linux-x64-gnu'])
    const dir0 = path.join(TMP, 'other-version-package')
    cpSync(src, dir0, { recursive: true })
    const pj = path.join(dir0, 'package.json')
    writeFileSync(pj, `${JSON.stringify({ ...readJson(pj), version: other }, null, 2)}\n`)
    const bin = path.join(dir0, path.basename(published['linux-x64-gnu']))
    const bytes = readFileSync(bin)
    let n = 0
    for (let i = bytes.indexOf(VERSION); i >= 0; i = bytes.indexOf(VERSION, i + 1)) {
      bytes.write(other, i, 'latin1')
      n++
    }
    if (n === 0) throw new Error(`the linux-x64-gnu binary does not contain its version string ${VERSION}`)
    writeFileSync(bin, bytes)
    await flow.run('npm', ['publish', '--tag', 'other'], { cwd: dir0, env: reg.publishEnv(), log: 'other-version-publish', timeout: 300 })
    const dir = writeApp(path.join(APPS_DIR, 'other-version'), {
      name: 'other-version-app',
      private: true,
      dependencies: { [NAME]: VERSION },
      overrides: { 'cojson-core-napi-linux-x64-gnu': other },
    })
    await npmIn(dir, ['install'], { log: 'other-version-npm-install' })
    expectInstalled(dir, [NAME, `cojson-core-napi-linux-x64-gnu@${other}`])
    return expectLoadError(dir, 'ERR_NATIVE_BINDING_MISMATCH', [new RegExp(`is version ${esc(other)}`), new RegExp(`cojson-core-napi ${esc(VERSION)}`)])
  },
}

/** An app installed for another platform (npm --os/--cpu/--libc), smoke-tested on its runtime. */
async function crossApp(platform) {
  const t = target(platform)
  const dir = writeApp(path.join(APPS_DIR, platform), { name: `${platform}-app`, private: true, dependencies: { [NAME]: VERSION } }, { 'smoke.cjs': path.join(REPO, 'scripts/smoke.cjs') })
  const flags = [`--os=${t.npmOs}`, `--cpu=${t.npmCpu}`, ...(t.npmLibc ? [`--libc=${t.npmLibc}`] : [])]
  const install = await npmIn(dir, ['install', ...flags], { log: `${platform}-npm-install` })
  expectInstalled(dir, [NAME, t.packageName])
  const r = await nodeOn(platform, dir, ['smoke.cjs', NAME, '--expect-platform', platform, '--expect-same-as', published[platform]], { log: `${platform}-smoke` })
  const rt = await runtimeFor(flow, t)
  return `npm install ${flags.join(' ')} ${install.seconds}s; ${r.out.match(/SMOKE OK \S+ \S+/)?.[0]} (${rt.describe}), binary = published`
}

/**
 * Requires the package in `dir` and checks what it says about its binary: with native loading
 * forced (COJSON_CORE_FORCE_WASM=0) it must throw `code` with a message matching `patterns`;
 * without, it throws the same, or (where the package falls back to its WebAssembly build) loads
 * that build and warns with the same code.
 */
async function expectLoadError(dir, code, patterns) {
  const probe = `const warnings = []
process.on('warning', (w) => warnings.push({ code: w.code, message: w.message, detail: w.detail }))
let out
try {
  const m = require(${JSON.stringify(NAME)})
  out = { loaded: true, kind: typeof m.binaryInfo === 'function' ? m.binaryInfo().kind : null }
} catch (e) {
  out = { code: e.code, message: e.message }
}
setImmediate(() => console.log(JSON.stringify({ ...out, warnings })))`
  const run = async (env, tag) => {
    const r = await nodeOn('linux-x64-gnu', dir, ['-e', probe], { log: `${path.basename(dir)}-probe-${tag}`, env })
    return JSON.parse(r.out.trim().split('\n').pop())
  }
  const check = (got, how) => {
    if (got.loaded) throw new Error(`${how}: require('${NAME}') loaded (${got.kind}); expected ${code}`)
    if (got.code !== code) throw new Error(`${how}: error code ${got.code}, expected ${code}: ${got.message}`)
    const missing = patterns.filter((p) => !p.test(got.message))
    if (missing.length) throw new Error(`${how}: the ${code} message lacks ${missing.join(', ')}:\n${got.message}`)
  }
  const forced = await run({ COJSON_CORE_FORCE_WASM: '0' }, 'native')
  check(forced, 'native forced')
  flow.say(`  ${code}: ${forced.message.split('\n').join('\n    ')}`)
  const plain = await run({}, 'default')
  let fallback = ''
  if (plain.loaded) {
    const warned = plain.warnings.find((w) => `${w.message}\n${w.detail ?? ''}`.includes(code))
    if (plain.kind !== 'wasm' || !warned) throw new Error(`default: loaded ${plain.kind} without a warning naming ${code}: ${JSON.stringify(plain.warnings)}`)
    fallback = `; by default the WebAssembly build loads, warning ${warned.code}`
  } else check(plain, 'default')
  return `${code}: "${forced.message.split('\n')[0].slice(0, 90)}…"${fallback}`
}

/** A small app: this package and cojson (NapiCrypto loads it; cojson's own dependency on upstream's 0.20.19 needs the override). */
function smallManifest() {
  return { name: 'runtime-app', private: true, type: 'module', dependencies: { [NAME]: VERSION, cojson: '0.20.19' } }
}
/** The Deno and Bun apps: the small app with npm's `overrides` (both read it). */
function denoManifest() {
  return { ...smallManifest(), overrides: { [NAME]: VERSION } }
}

/** A Deno script importing the package by an `npm:` specifier only (no package.json, no node_modules). */
function denoNpmScript() {
  return `import { blake3HashOnce, getSignerId, sign, verify, SessionMap } from 'npm:${NAME}@${VERSION}'
import { createRequire } from 'node:module'
import { readFileSync } from 'node:fs'
const enc = new TextEncoder()
const hex = Array.from(blake3HashOnce(enc.encode('abc')), (b) => b.toString(16).padStart(2, '0')).join('')
if (hex !== '6437b3ac38465133ffb63b75273a8db548c558465d79db03fd359c6cd5bd9d85') throw new Error('BLAKE3("abc") = ' + hex)
const secret = enc.encode('signerSecret_z4wBqpZM9xaSheZzJSMawUKKwhdpChKbZ5eu5ky4Vigw')
const id = getSignerId(secret)
const sig = sign(enc.encode('hi'), secret)
if (!verify(enc.encode(sig), enc.encode('hi'), enc.encode(id))) throw new Error('verify failed')
if (typeof SessionMap !== 'function') throw new Error('no SessionMap')
// The platform package Deno resolved for this machine, byte-compared with the published binary.
const require = createRequire(import.meta.resolve('npm:${NAME}@${VERSION}'))
const file = require.resolve('${NAME}-linux-x64-gnu')
const same = readFileSync(file).equals(readFileSync(Deno.env.get('RUNTIME_SMOKE_EXPECT_NATIVE')))
if (!same) throw new Error(file + ' is not the published binary')
console.log('DENO NPM OK deno ' + Deno.version.deno + ' npm: specifiers, ' + file.replace(/.*\\/npm\\/[^/]+\\//, '') + ' = published')
`
}

function esc(s) {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}

function die(message) {
  console.error(message)
  process.exit(2)
}

// ------------------------------------------------------------------------------------------------
let ok = true
try {
  await flow.stage('publish', publish, { timeout: 1200 })
  for (const app of selected) {
    const t0 = performance.now()
    if (NEEDS[app] && flow.rows.get(NEEDS[app])?.get('result') !== 'PASS') {
      flow.note(app, 'result', 'FAIL')
      flow.note(app, 'details', `needs ${NEEDS[app]}, which did not pass`)
      flow.fail(`${app}: needs ${NEEDS[app]}, which did not pass`)
      continue
    }
    await flow.stage(
      app,
      async () => {
        try {
          flow.note(app, 'details', await APP[app]())
          flow.note(app, 'result', 'PASS')
        } catch (error) {
          flow.note(app, 'result', 'FAIL')
          flow.note(app, 'details', String(error.message).split('\n')[0].slice(0, 160))
          throw error
        } finally {
          flow.note(app, 'seconds', ((performance.now() - t0) / 1000).toFixed(1))
        }
      },
      { timeout: app === 'nextjs' ? 1500 : 900, keepGoing: true },
    )
  }
} catch {
  ok = false // recorded by flow.stage
} finally {
  if (reg) await reg.stop()
}
if (flow.failures.length === 0 && !keep) rmSync(TMP, { recursive: true, force: true })
else console.log(`\ntemp dir kept for inspection: ${TMP}`)
if (provenanceNote && provenanceNote !== 'OK') console.log(`\nWARNING: provenance: ${provenanceNote}`)
flow.finish(ok ? 0 : 1)
