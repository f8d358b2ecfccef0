// The one pack / publish / install helper of the scripts:
//   - a local npm registry (verdaccio on 127.0.0.1, storage in a temp dir, this package's 8 names
//     local only, every other name proxied to the registry the machine's npm config names);
//   - the release itself: the publish job of .github/workflows/ci.yml, its `run` steps executed
//     here as they are written (a dry run of the real job with the registry URL swapped), in a
//     staging copy laid out like the job's checkout, with the artifacts the cross stage built;
//   - fetching what was published, and installing apps from the registry.
import { execFileSync } from 'node:child_process'
import { copyFileSync, cpSync, existsSync, mkdirSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs'
import net from 'node:net'
import path from 'node:path'
import yaml from 'js-yaml'
import { PINS, npmTool, toolEnv } from './machine.mjs'
import { CACHE, PACKAGE_NAMES, REPO, TARGETS, VERSION, artifactOf, releaseArtifact } from './targets.mjs'

export const WORKFLOW = path.join(REPO, '.github/workflows/ci.yml')

export function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address()
      server.close(() => resolve(port))
    })
  })
}

/** The registry the machine's npm config names (read, never written). */
export function machineRegistry() {
  return execFileSync('npm', ['config', 'get', 'registry'], { encoding: 'utf8', env: toolEnv() }).trim()
}

/**
 * Starts verdaccio in `dir` (storage, htpasswd, config, userconfig all in there).
 * @returns {Promise<{ url: string, uplink: string, userconfig: string, publishconfig: string, env: (extra?: object) => object, publishEnv: (extra?: object) => object, stop: () => Promise<void>, log: string }>}
 */
export async function startRegistry(flow, dir) {
  const bin = await npmTool(flow, 'verdaccio', `verdaccio@${PINS.verdaccio}`, 'verdaccio', { overrides: { 'node-fetch': '2.7.0' } })
  const uplink = machineRegistry()
  const port = await freePort()
  const url = `http://127.0.0.1:${port}/`
  mkdirSync(path.join(dir, 'storage'), { recursive: true })
  const local = { access: '$all', publish: '$authenticated', unpublish: '$authenticated' }
  const config = {
    storage: path.join(dir, 'storage'),
    auth: { htpasswd: { file: path.join(dir, 'htpasswd'), max_users: 10 } },
    uplinks: { upstream: { url: uplink, timeout: '120s', max_fails: 5, fail_timeout: '1m' } },
    // This package's 8 names are local only (no proxy): the published upstream versions of the
    // same names never mix in. Everything else comes from the uplink.
    packages: {
      ...Object.fromEntries(PACKAGE_NAMES.map((name) => [name, local])),
      '**': { access: '$all', publish: '$authenticated', proxy: 'upstream' },
    },
    listen: `127.0.0.1:${port}`,
    max_body_size: '300mb',
    web: { enable: false },
    log: { type: 'stdout', format: 'pretty', level: 'warn' },
  }
  const configFile = path.join(dir, 'config.yaml')
  writeFileSync(configFile, yaml.dump(config))
  const child = flow.spawnService(process.execPath, [bin, '--config', configFile], { cwd: dir, env: toolEnv(), log: 'verdaccio' })
  const deadline = Date.now() + 60_000
  for (;;) {
    if (child.exitCode !== null) throw new Error(`verdaccio exited (${child.exitCode}) before answering: see ${child.logFile}`)
    try {
      const r = await fetch(`${url}-/ping`)
      if (r.ok) break
    } catch {}
    if (Date.now() > deadline) {
      await flow.stopService(child)
      throw new Error(`verdaccio did not answer ${url}-/ping within 60 s: see ${child.logFile}`)
    }
    await new Promise((r) => setTimeout(r, 250))
  }
  // A user and its token (verdaccio's htpasswd plugin creates users on this PUT).
  const r = await fetch(`${url}-/user/org.couchdb.user:release`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'release', password: `release-${port}-${Date.now()}` }),
  })
  const { token } = await r.json()
  if (!token) throw new Error(`verdaccio gave no token (HTTP ${r.status})`)
  // Two user configs: installs read anonymously (verdaccio answers an authenticated request about
  // half as fast, which doubles an app's install time); publishing uses the token.
  const userconfig = path.join(dir, 'npmrc')
  writeFileSync(userconfig, `registry=${url}\n`)
  const publishconfig = path.join(dir, 'npmrc-publish')
  writeFileSync(publishconfig, `registry=${url}\n//127.0.0.1:${port}/:_authToken=${token}\n`)
  const npmEnv = (rc, extra) =>
    toolEnv({
      npm_config_registry: url,
      npm_config_userconfig: rc,
      npm_config_cache: path.join(CACHE, 'npm-cache'),
      npm_config_loglevel: 'warn',
      ...extra,
    })
  flow.say(`registry ${url} (verdaccio ${PINS.verdaccio}, storage ${config.storage}); uplink ${uplink}; local only: ${PACKAGE_NAMES.join(' ')}`)
  return {
    url,
    uplink,
    userconfig,
    log: child.logFile,
    publishconfig,
    /** npm's environment for installs from this registry: its URL, a temp userconfig, the scripts' npm cache. */
    env: (extra = {}) => npmEnv(userconfig, extra),
    /** The same, with the token that publishing needs. */
    publishEnv: (extra = {}) => npmEnv(publishconfig, extra),
    stop: () => flow.stopService(child),
  }
}

// --- the release, as the publish job runs it ---------------------------------------------------

/**
 * A copy of the repository as the publish job's checkout sees it: the files git tracks (and new
 * files not ignored), with their working-tree contents; node_modules linked (the job installs it);
 * the artifacts as download-artifact lays them out (artifacts/bindings-<triple>/<file>.node), where
 * a target without its own artifact takes its stand-in's (targets.mjs releaseArtifact: the MinGW
 * builds of the msvc targets, on a machine that cannot build those; the caller says so).
 * `wasm`: with the working tree's WebAssembly build in wasm/ (default: when `artifacts` are given).
 * Without `artifacts` and `linkNodeModules`: a fresh clone of the working tree.
 */
export function stageCheckout(dest, artifacts, { linkNodeModules = true, wasm = artifacts != null } = {}) {
  const files = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: REPO, encoding: 'utf8' })
    .split('\0')
    .filter((f) => f && existsSync(path.join(REPO, f)))
  for (const f of files) {
    mkdirSync(path.dirname(path.join(dest, f)), { recursive: true })
    copyFileSync(path.join(REPO, f), path.join(dest, f))
  }
  if (linkNodeModules) symlinkSync(path.join(REPO, 'node_modules'), path.join(dest, 'node_modules'))
  // The WebAssembly build, as the job downloads it (the wasm job's artifact, into wasm/): here the
  // working tree's `npm run build:wasm` output, which git ignores.
  if (wasm) {
    for (const dir of WASM_BUILD_DIRS) {
      const src = path.join(REPO, dir)
      if (!existsSync(src)) throw new Error(`no WebAssembly build in ${src}: run \`npm run build:wasm\` first`)
      cpSync(src, path.join(dest, dir), { recursive: true })
    }
  }
  if (!artifacts) return dest
  const missing = []
  for (const t of TARGETS) {
    const src = releaseArtifact(artifacts, t).file
    if (!src) {
      missing.push(t.triple)
      continue
    }
    mkdirSync(path.dirname(artifactOf(path.join(dest, 'artifacts'), t)), { recursive: true })
    copyFileSync(src, artifactOf(path.join(dest, 'artifacts'), t))
  }
  if (missing.length) throw new Error(`no artifacts for ${missing.join(', ')} in ${artifacts}: run \`npm run cross\` (its build stage) first`)
  return dest
}

/** The WebAssembly build's directories (package.json `files`; the wasm job's artifact). */
export const WASM_BUILD_DIRS = ['wasm/pkg-node', 'wasm/pkg-web', 'wasm/esm']

/** The `run` steps of a workflow job, in order: `{ name, run, env }`; and the `uses` steps' names. */
export function workflowJob(jobName, file = WORKFLOW) {
  const wf = yaml.load(readFileSync(file, 'utf8'))
  const job = wf.jobs?.[jobName]
  if (!job) throw new Error(`${file} has no job '${jobName}'`)
  return {
    env: { ...(wf.env ?? {}), ...(job.env ?? {}) },
    steps: job.steps.map((s, i) => ({ name: s.name ?? s.uses ?? `step ${i + 1}`, run: s.run, uses: s.uses, env: s.env ?? {}, with: s.with ?? {} })),
  }
}

/**
 * Runs the `run` steps of the publish job in `cwd` as GitHub Actions would (bash -eo pipefail),
 * with the registry swapped: `env` carries the local registry's URL and userconfig. Steps named in
 * `skip` (what a runner does that this machine must not: a global npm install) are skipped with
 * their reason; every `uses` step is mapped to what stands in for it here.
 */
export async function runPublishJob(flow, { cwd, env, skip, usesHere, job = 'publish' }) {
  const { env: wfEnv, steps } = workflowJob(job)
  for (const [k, v] of Object.entries(wfEnv)) if (String(v).includes('${{')) throw new Error(`workflow env ${k} uses an expression the dry run cannot evaluate`)
  const ran = []
  for (const step of steps) {
    if (step.uses) {
      const here = usesHere[step.uses.split('@')[0]]
      if (!here) throw new Error(`publish job step '${step.name}' (${step.uses}) has no stand-in in the dry run`)
      flow.say(`publish job: ${step.name}: ${here}`)
      continue
    }
    if (skip[step.name]) {
      flow.say(`publish job: ${step.name}: skipped here (${skip[step.name]})`)
      continue
    }
    if (/\$\{\{/.test(step.run) || Object.values(step.env).some((v) => String(v).includes('${{'))) {
      throw new Error(`publish job step '${step.name}' uses a \${{ }} expression: the dry run runs steps as written, so pass values through env`)
    }
    flow.say(`publish job: ${step.name}`)
    const stepEnv = { ...wfEnv, ...Object.fromEntries(Object.entries(step.env).map(([k, v]) => [k, String(v)])), ...env }
    const r = await flow.run('bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', step.run], {
      cwd,
      env: stepEnv,
      log: `publish-job-${ran.length + 1}`,
      timeout: 900,
    })
    for (const line of r.out.trim().split('\n').filter(Boolean)) console.log(`   | ${line}`)
    ran.push(step.name)
  }
  return ran
}

/** `npm pack <spec>` from the registry into `dir`, unpacked: returns the package directory. */
export async function fetchPublished(flow, reg, spec, dir) {
  mkdirSync(dir, { recursive: true })
  const r = await flow.run('npm', ['pack', spec, '--json', '--pack-destination', dir], { cwd: dir, env: reg.env(), log: `fetch-${spec.replace(/[^\w.-]+/g, '_')}`, timeout: 300 })
  const [{ filename }] = JSON.parse(r.out.slice(r.out.indexOf('[')))
  const out = path.join(dir, filename.replace(/\.tgz$/, ''))
  mkdirSync(out, { recursive: true })
  await flow.run('tar', ['-xzf', path.join(dir, filename), '-C', out], { log: 'untar' })
  return path.join(out, 'package')
}

/** Writes an app: its package.json (object) and files copied in (`{ destName: sourcePath }`). */
export function writeApp(dir, manifest, files = {}) {
  mkdirSync(dir, { recursive: true })
  writeFileSync(path.join(dir, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`)
  for (const [name, src] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true })
    cpSync(src, path.join(dir, name), { recursive: true })
  }
  return dir
}

/** The platform packages installed in an app's node_modules (top level and nested). */
export function installedPlatformPackages(dir) {
  const found = []
  const walk = (nm, depth) => {
    if (!existsSync(nm) || depth > 6) return
    for (const entry of readdirSync(nm)) {
      if (entry.startsWith('.')) continue
      if (entry.startsWith('@')) {
        for (const sub of readdirSync(path.join(nm, entry))) walk(path.join(nm, entry, sub, 'node_modules'), depth + 1)
        continue
      }
      const pj = path.join(nm, entry, 'package.json')
      if (existsSync(pj) && (PACKAGE_NAMES.includes(entry) || entry.startsWith(`${PACKAGE_NAMES[0]}-`))) {
        found.push({ name: entry, version: JSON.parse(readFileSync(pj, 'utf8')).version, dir: path.join(nm, entry) })
      }
      walk(path.join(nm, entry, 'node_modules'), depth + 1)
    }
  }
  walk(path.join(dir, 'node_modules'), 0)
  return found
}

export { VERSION }
