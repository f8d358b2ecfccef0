#!/usr/bin/env node
// Runs cojson 0.20.19's own shipped test suite (node_modules/cojson/dist/tests/*.test.js, vitest)
// with the crypto provider swapped, and reports per-file results, failures and provider use.
//
//   node scripts/cojson-suite/run.mjs --mode=cojson-napi|ours|ours-wasm|upstream [--file <pattern>]...
//        [--timeout=<seconds>] [--workers=1|2] [--retry=N] [--verbose] [--write-baseline]
//
// Modes:
//   cojson-napi  cojson's own NapiCrypto, its `cojson-core-napi` import resolved to this repository
//   ours         this repository's NapiCrypto (require(<repo>).NapiCrypto, await create())
//   ours-wasm    the same on this repository's WebAssembly build (COJSON_CORE_FORCE_WASM=1 for the
//                vitest run; `npm run build:wasm` first): no native binary may load
//   upstream     cojson's own NapiCrypto over the published cojson-core-napi@0.20.19 (reference)
// In every mode the 19 modules of dist/tests/ that import ../crypto/WasmCrypto themselves get the
// provider under test too. See README.md.
//
// Exit code: 0 only if every failing test is in allowlist.json, no test file failed to load, the
// run finished in time, and the provider under test was demonstrably used; 1 otherwise, 2 on a
// usage or setup error.
import { spawn, spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, createWriteStream } from 'node:fs'
import { tmpdir } from 'node:os'
import { basename, join, relative } from 'node:path'
import { MODES, cojsonDir, files, repoRequire, repoRoot, suiteDir, testsDir, upstreamDir } from './paths.mjs'

// ------------------------------------------------------------------------------------------
// Command line

function usage(message) {
  if (message) console.error(`run.mjs: ${message}`)
  console.error('usage: node scripts/cojson-suite/run.mjs --mode=cojson-napi|ours|ours-wasm|upstream [--file <pattern>]... [--timeout=<s>] [--workers=1|2] [--retry=N] [--verbose] [--write-baseline]')
  process.exit(2)
}

const opts = { mode: null, patterns: [], timeout: 300, workers: 2, retry: 0, verbose: false, writeBaseline: false }
{
  const argv = process.argv.slice(2)
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]
    const [key, inline] = arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined]
    const value = () => (inline !== undefined ? inline : argv[++i] ?? usage(`${key} needs a value`))
    if (key === '--mode') opts.mode = value()
    else if (key === '--file') opts.patterns.push(value())
    else if (key === '--timeout') opts.timeout = Number(value())
    else if (key === '--workers') opts.workers = Number(value())
    else if (key === '--retry') opts.retry = Number(value())
    else if (key === '--verbose') opts.verbose = true
    else if (key === '--write-baseline') opts.writeBaseline = true
    else if (key === '--help' || key === '-h') usage()
    else usage(`unknown argument ${arg}`)
  }
  // ours-wasm is mode ours (same provider module) with the package's WebAssembly build forced.
  opts.label = opts.mode
  opts.wasm = opts.mode === 'ours-wasm'
  if (opts.wasm) opts.mode = 'ours'
  if (!MODES.includes(opts.mode)) usage(`--mode must be one of ${[...MODES, 'ours-wasm'].join(', ')}`)
  if (!(opts.timeout > 0)) usage('--timeout must be a positive number of seconds')
  if (![1, 2].includes(opts.workers)) usage('--workers must be 1 or 2')
  if (!(Number.isInteger(opts.retry) && opts.retry >= 0 && opts.retry <= 5)) usage('--retry must be 0 to 5')
  if (opts.writeBaseline && (opts.mode !== 'upstream' || opts.patterns.length)) usage('--write-baseline needs --mode=upstream and no --file')
}

// ------------------------------------------------------------------------------------------
// Dependencies: the suite's own (this folder) and the repository's cojson

const SUITE_DEPS = JSON.parse(readFileSync(join(suiteDir, 'package.json'), 'utf8')).dependencies
const EXPECTED_COJSON = '0.20.19'

function installedVersion(dir, name) {
  try {
    return JSON.parse(readFileSync(join(dir, 'node_modules', name, 'package.json'), 'utf8')).version
  } catch {
    return null
  }
}

function ensureSuiteDeps() {
  const missing = Object.entries(SUITE_DEPS).filter(([name, version]) => installedVersion(suiteDir, name) !== version)
  if (!missing.length && installedVersion(suiteDir, 'vite')) return
  console.error(`cojson-suite: installing the suite's dependencies (${missing.map(([n, v]) => `${n}@${v}`).join(', ')}) in ${relative(process.cwd(), suiteDir) || '.'}`)
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm'
  const result = spawnSync(npm, ['install', '--no-audit', '--no-fund'], { cwd: suiteDir, stdio: ['ignore', 2, 2] })
  if (result.status !== 0) fail(`npm install in ${suiteDir} failed (exit ${result.status ?? result.signal})`)
  const still = Object.entries(SUITE_DEPS).filter(([name, version]) => installedVersion(suiteDir, name) !== version)
  if (still.length) fail(`after npm install, still missing: ${still.map(([n, v]) => `${n}@${v}`).join(', ')}`)
}

function preflight() {
  let dir
  try {
    dir = cojsonDir()
  } catch {
    fail(`cojson is not installed in ${repoRoot}/node_modules: install the repository's devDependencies first (npm install in the repo root)`)
  }
  const version = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).version
  if (version !== EXPECTED_COJSON) fail(`${dir} is cojson@${version}, the suite is cojson@${EXPECTED_COJSON}'s`)
  if (!existsSync(join(testsDir(), 'testUtils.js'))) fail(`${testsDir()} has no testUtils.js: not a cojson package with its compiled tests`)
  if (opts.mode === 'upstream') {
    if (!existsSync(join(upstreamDir, 'package.json'))) fail(`${upstreamDir} is missing (the repo's cojson-core-napi-upstream devDependency)`)
  } else {
    // Load the repository's package here first: a missing or stale addon is then reported plainly.
    try {
      const pkg = repoRequire(repoRoot)
      if (typeof pkg.NapiCrypto?.create !== 'function') throw new Error('it exports no NapiCrypto.create()')
    } catch (error) {
      fail(`this repository's package (${repoRoot}) does not load: ${String(error.message).split('\n')[0]}`)
    }
  }
  if (opts.wasm) {
    // The package as the tests will load it: its WebAssembly build.
    const script = `console.log(require(${JSON.stringify(repoRoot)}).binaryInfo().kind)`
    const child = spawnSync(process.execPath, ['-e', script], { env: { ...process.env, COJSON_CORE_FORCE_WASM: '1' }, encoding: 'utf8', timeout: 60_000 })
    const kind = child.status === 0 ? child.stdout.trim() : null
    if (kind !== 'wasm') fail(`this repository's WebAssembly build does not load (run \`npm run build:wasm\`): ${kind ?? String(child.stderr).trim().split('\n').slice(-3).join(' ')}`)
  }
}

function fail(message) {
  console.error(`cojson-suite: ${message}`)
  process.exit(2)
}

// ------------------------------------------------------------------------------------------
// The 19 modules of dist/tests/ that import ../crypto/WasmCrypto themselves (see plugin.mjs)

const REDIRECTED = [
  'testUtils.js',
  'WasmCrypto.test.js', 'account.test.js', 'coList.test.js', 'coMap.test.js', 'coPlainText.test.js',
  'coStream.test.js', 'coValueCore.test.js', 'crypto.test.js', 'deleteCoValue.test.js', 'groupSealer.test.js',
  'localNode.clockOffset.test.js', 'permissions.test.js', 'priority.test.js', 'sync.auth.test.js',
  'sync.localStoreDurability.test.js', 'sync.multipleServers.test.js', 'sync.test.js', 'sync.upload.test.js',
]

function checkRedirectList() {
  // The list above must match what the installed cojson actually does.
  const found = readdirSync(testsDir())
    .filter((f) => f.endsWith('.js'))
    .filter((f) => /from\s+["']\.\.\/crypto\/WasmCrypto(\.js)?["']/.test(readFileSync(join(testsDir(), f), 'utf8')))
    .sort()
  const expected = [...REDIRECTED].sort()
  if (JSON.stringify(found) !== JSON.stringify(expected)) {
    fail(`the dist/tests modules importing ../crypto/WasmCrypto are not the expected 19: ${found.join(', ')}`)
  }
}

// ------------------------------------------------------------------------------------------
// Run vitest

const stripAnsi = (s) => String(s).replace(/\u001b\[[0-9;]*[A-Za-z]/g, '')

async function runVitest(outDir, statsDir) {
  const jsonFile = join(outDir, `${opts.label}.report.json`)
  const logFile = join(outDir, `${opts.label}.log`)
  rmSync(jsonFile, { force: true })
  const args = [
    join(suiteDir, 'node_modules', 'vitest', 'vitest.mjs'),
    'run',
    '--config', join(suiteDir, 'vitest.config.mjs'),
    '--reporter=default',
    `--reporter=${join(suiteDir, 'reporter.mjs')}`,
    `--retry=${opts.retry}`,
    ...opts.patterns,
  ]
  const env = {
    ...process.env,
    COJSON_SUITE_MODE: opts.mode,
    COJSON_SUITE_STATS: statsDir,
    COJSON_SUITE_REPORT: jsonFile,
    COJSON_SUITE_WORKERS: String(opts.workers),
    CI: '1', // vitest: never write snapshots
    NO_COLOR: '1',
    FORCE_COLOR: '0',
  }
  // The binary under test is chosen by the mode alone: our WebAssembly build in mode ours-wasm, else
  // the native addons (no fallback to the WebAssembly build).
  delete env.NAPI_RS_NATIVE_LIBRARY_PATH
  env.COJSON_CORE_FORCE_WASM = opts.wasm ? '1' : '0'
  if (process.env.NAPI_RS_NATIVE_LIBRARY_PATH) console.error('cojson-suite: ignoring NAPI_RS_NATIVE_LIBRARY_PATH (the mode chooses the binary)')

  const started = Date.now()
  const child = spawn(process.execPath, args, { cwd: suiteDir, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true })
  const log = createWriteStream(logFile)
  for (const stream of [child.stdout, child.stderr]) {
    stream.on('data', (chunk) => {
      log.write(chunk)
      if (opts.verbose) process.stderr.write(chunk)
    })
  }
  let timedOut = false
  const timer = setTimeout(() => {
    timedOut = true
    console.error(`cojson-suite: vitest still running after ${opts.timeout} s: stopping it`)
    try { process.kill(-child.pid, 'SIGTERM') } catch {}
    setTimeout(() => { try { process.kill(-child.pid, 'SIGKILL') } catch {} }, 5000).unref()
  }, opts.timeout * 1000)
  const code = await new Promise((resolve) => child.on('close', (c, signal) => resolve(c ?? signal)))
  clearTimeout(timer)
  await new Promise((resolve) => log.end(resolve))
  const seconds = ((Date.now() - started) / 1000).toFixed(1)
  const report = existsSync(jsonFile) ? JSON.parse(readFileSync(jsonFile, 'utf8')) : null
  return { code, timedOut, seconds, report, jsonFile, logFile, log: readFileSync(logFile, 'utf8') }
}

function readStats(statsDir) {
  const byFile = new Map()
  for (const name of readdirSync(statsDir)) {
    const s = JSON.parse(readFileSync(join(statsDir, name), 'utf8'))
    byFile.set(s.file, s)
  }
  return byFile
}

// ------------------------------------------------------------------------------------------
// Report

const sum = (o) => Object.values(o || {}).reduce((a, b) => a + b, 0)
const testName = (a) => [...(a.ancestorTitles || []), a.title].filter(Boolean).join(' › ')

function table(rows, headers, alignRight) {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)))
  const line = (cells) => cells.map((c, i) => (alignRight[i] ? String(c).padStart(widths[i]) : String(c).padEnd(widths[i]))).join('  ')
  return [line(headers), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n')
}

function firstLines(text, n) {
  return stripAnsi(text)
    .split('\n')
    .map((l) => l.trimEnd())
    .filter((l) => l.trim() && !/^\s+at /.test(l))
    .slice(0, n)
}

// The first lines of a test's first error: its message (with a diff's first lines), no stack.
function errorLines(errors, n = 3) {
  const e = errors?.[0]
  if (!e) return []
  const head = `${e.name && !String(e.message).startsWith(e.name) ? `${e.name}: ` : ''}${e.message}`
  const more = errors.length > 1 ? [`(+${errors.length - 1} more error(s))`] : []
  return [...firstLines(head, n), ...more]
}

function loadAllowlist() {
  const list = JSON.parse(readFileSync(files.allowlist, 'utf8'))
  for (const e of list) if (!e.file || !e.test || !e.reason) fail(`allowlist.json: every entry needs file, test and reason: ${JSON.stringify(e)}`)
  return list
}

function loadBaseline() {
  const path = join(suiteDir, 'baseline-calls.json')
  return existsSync(path) ? JSON.parse(readFileSync(path, 'utf8')) : null
}

async function main() {
  ensureSuiteDeps()
  preflight()
  checkRedirectList()
  const allowlist = loadAllowlist()
  const baseline = loadBaseline()

  const outDir = join(suiteDir, 'out')
  mkdirSync(outDir, { recursive: true })
  const statsDir = mkdtempSync(join(tmpdir(), 'cojson-suite-'))
  console.log(`cojson-suite: mode ${opts.label}, cojson@${EXPECTED_COJSON} from ${relative(repoRoot, cojsonDir())}, ${opts.workers} worker(s)${opts.patterns.length ? `, files matching ${opts.patterns.join(' ')}` : ''}`)
  const run = await runVitest(outDir, statsDir)
  const stats = readStats(statsDir)
  rmSync(statsDir, { recursive: true, force: true })

  const problems = [] // reasons for a nonzero exit other than test failures
  const warnings = []
  if (run.timedOut) problems.push(`vitest did not finish within ${opts.timeout} s`)
  if (!run.report) {
    console.log(firstLines(run.log, 40).join('\n'))
    console.log(`\ncojson-suite: vitest wrote no report (${run.timedOut ? `stopped after --timeout=${opts.timeout} s` : `exit ${run.code}`}); full log: ${relative(process.cwd(), run.logFile)}`)
    console.log('0 passed, 1 failed')
    process.exit(1)
  }

  // Per-file results
  const rows = []
  const failures = []
  const fileErrors = []
  let passed = 0, failed = 0, skipped = 0
  const results = [...run.report.modules].sort((a, b) => basename(a.file).localeCompare(basename(b.file)))
  for (const file of results) {
    const name = basename(file.file)
    const counts = { passed: 0, failed: 0, skipped: 0 }
    for (const t of file.tests) {
      if (t.state === 'passed') counts.passed++
      else if (t.state === 'failed') {
        counts.failed++
        failures.push({ file: name, test: t.name, errors: t.errors })
      } else counts.skipped++
    }
    if (file.errors.length || (file.state === 'failed' && counts.failed === 0)) {
      fileErrors.push({ file: name, errors: file.errors.length ? file.errors : [{ message: `test file state ${file.state}` }] })
    }
    passed += counts.passed
    failed += counts.failed
    skipped += counts.skipped
    const s = stats.get(name)
    const redirectTag = `redirect:${name}`
    rows.push([
      name,
      counts.passed,
      counts.failed,
      counts.skipped,
      s ? sum(s.provider) : '-',
      s ? (REDIRECTED.includes(name) ? s.provider[redirectTag] || 0 : '') : '-',
      s ? (opts.mode === 'ours' ? '' : sum(s.core)) : '-',
    ])
  }
  const coreHeader = opts.mode === 'ours' ? 'core calls (n/a)' : 'core calls'
  console.log(`\nPer-file results (${results.length} files, ${run.seconds} s)\n`)
  console.log(table(rows, ['file', 'passed', 'failed', 'skipped', 'provider calls', 'via own WasmCrypto import', coreHeader], [false, true, true, true, true, true, true]))

  // Failures, split into allowlisted and not
  const isAllowed = (f) => allowlist.find((e) => e.file === f.file && e.test === f.test)
  const unexpected = failures.filter((f) => !isAllowed(f))
  const allowed = failures.filter((f) => isAllowed(f))
  if (fileErrors.length) {
    console.log(`\nTest files that failed to run (${fileErrors.length}):`)
    for (const e of fileErrors) {
      console.log(`  FILE ERROR ${e.file}`)
      for (const l of errorLines(e.errors)) console.log(`      ${l}`)
    }
  }
  if (failures.length) {
    console.log(`\nFailing tests (${failures.length}: ${unexpected.length} not allowlisted, ${allowed.length} allowlisted):`)
    for (const f of [...unexpected, ...allowed]) {
      const entry = isAllowed(f)
      console.log(`  ${entry ? 'ALLOWLISTED' : 'FAIL'} ${f.file} › ${f.test}`)
      for (const l of errorLines(f.errors)) console.log(`      ${l}`)
      if (entry) console.log(`      allowlisted: ${entry.reason}`)
    }
  } else {
    console.log('\nFailing tests: none')
  }
  const allowedPassing = allowlist.filter((e) => results.some((r) => basename(r.file) === e.file) && !failures.some((f) => f.file === e.file && f.test === e.test))
  for (const e of allowedPassing) console.log(`  (allowlisted, passed this time: ${e.file} › ${e.test})`)
  const flaky = results.flatMap((r) => r.tests.filter((t) => t.state === 'passed' && t.flaky).map((t) => ({ file: basename(r.file), test: t.name, errors: t.errors, retries: t.retries })))
  if (flaky.length) {
    console.log(`\nFlaky tests (failed, then passed on retry; counted as passed) (${flaky.length}):`)
    for (const f of flaky) {
      console.log(`  FLAKY ${f.file} › ${f.test} (${f.retries} retr${f.retries === 1 ? 'y' : 'ies'})`)
      for (const l of errorLines(f.errors)) console.log(`      ${l}`)
    }
  }

  // Proof that the provider under test was used
  const provider = { total: 0, setup: 0, redirect: 0 }
  let core = 0
  const classes = new Set()
  const foreign = []
  const coreModules = new Set()
  const addons = new Set()
  for (const s of stats.values()) {
    provider.total += sum(s.provider)
    provider.setup += s.provider.setup || 0
    provider.redirect += sum(s.provider) - (s.provider.setup || 0)
    core += sum(s.core)
    for (const p of s.providers) {
      classes.add(`${p.chain}${p.extendsTestsCryptoProvider ? ' (instanceof the tests\' cojson CryptoProvider)' : ' (NOT an instance of the tests\' cojson CryptoProvider)'}`)
      if (p.foreignCryptoProvider) foreign.push(`${s.file} (${p.tag})`)
    }
    if (s.coreModule) coreModules.add(`${s.coreModule.package}: ${s.coreModule.path}`)
    for (const a of s.addons || []) addons.add(a)
  }
  // Which cojson-core-napi binaries the worker processes loaded: this repository's build (outside
  // node_modules) in modes cojson-napi and ours, only the published one in mode upstream.
  const published = (p) => p.includes('/node_modules/')
  // In mode ours-wasm none at all.
  const wrongAddons = [...addons].filter((p) => (opts.wasm ? true : opts.mode === 'upstream' ? !published(p) : published(p)))
  console.log('\nProvider under test')
  console.log(`  provider: ${opts.mode === 'ours' ? `this repository's NapiCrypto (${repoRequire.resolve(repoRoot)})${opts.wasm ? ' on its WebAssembly build' : ''}` : `cojson's NapiCrypto (${join(cojsonDir(), 'dist', 'crypto', 'NapiCrypto.js')})`}, class chain ${[...classes].join('; ') || '(none created)'}`)
  if (opts.mode !== 'ours') console.log(`  cojson-core-napi: ${[...coreModules].join('; ') || '(never loaded)'}`)
  console.log(`  calls into the provider (outermost): ${provider.total} (${provider.setup} via testUtils' provider, ${provider.redirect} via the redirected WasmCrypto imports) in ${stats.size} files`)
  if (opts.mode !== 'ours') console.log(`  calls into cojson-core-napi functions and SessionMap methods: ${core}`)
  console.log(`  cojson-core-napi native binaries loaded by the test processes: ${[...addons].map((p) => relative(repoRoot, p)).join(', ') || '(none)'}`)
  if (wrongAddons.length) problems.push(`the tests loaded ${opts.wasm ? 'a' : opts.mode === 'upstream' ? "this repository's" : 'the published'} native binary: ${wrongAddons.join(', ')}`)
  if (provider.total > 0 && addons.size === 0 && !opts.wasm) problems.push('no cojson-core-napi native binary was loaded')
  const redirectRows = REDIRECTED.filter((f) => f !== 'testUtils.js' && stats.has(f)).map((f) => [f, stats.get(f).provider[`redirect:${f}`] || 0])
  if (redirectRows.length) {
    console.log('  files importing WasmCrypto themselves, calls through the provider that import now returns:')
    for (const [f, n] of redirectRows) {
      const s = stats.get(f)
      const created = s.providers.filter((p) => p.tag === `redirect:${f}`).length
      const b = baseline?.files[f]
      const note = n > 0 ? '' : b && b.redirect === 0 ? '  (creates it but never calls it: also 0 in the reference run)' : '  (never called)'
      console.log(`    ${f.padEnd(36)} ${String(n).padStart(8)}  (${created} provider(s) created by WasmCrypto.create())${note}`)
      if (!created) problems.push(`${f}: its WasmCrypto import did not reach the redirect`)
      if (n === 0 && !(b && b.redirect === 0)) (baseline ? problems : warnings).push(`${f} never called the provider its WasmCrypto import returned`)
    }
  }
  if (foreign.length) problems.push(`the provider extends a CryptoProvider from another cojson module instance than the tests' (${foreign.slice(0, 3).join(', ')})`)
  if (![...stats.values()].some((s) => s.providers.some((p) => p.extendsTestsCryptoProvider))) {
    console.log("  note: the provider is not an instance of the tests' cojson CryptoProvider (it does not extend it)")
  }

  // Plausibility: nonzero, every redirected file reached through its import, and not far below
  // the reference counts (baseline-calls.json, from an upstream run) for the same files.
  const ran = results.map((r) => basename(r.file))
  const missingStats = ran.filter((f) => !stats.has(f) && !fileErrors.some((e) => e.file === f))
  if (missingStats.length) problems.push(`no call counts from ${missingStats.length} file(s) (${missingStats.slice(0, 5).join(', ')})`)
  const expectedFiles = readdirSync(testsDir()).filter((f) => f.endsWith('.test.js')).length
  if (!opts.patterns.length && results.length !== expectedFiles) problems.push(`${results.length} test files ran, the suite has ${expectedFiles}`)
  // Each file in its own process (so cojson's module state, external to vite, starts fresh per file).
  const pids = new Set([...stats.values()].map((s) => s.pid))
  if (pids.size < stats.size) warnings.push(`${stats.size - pids.size} test file(s) shared a worker process with another: cojson's module state was not fresh for them`)
  if (results.length === 0) problems.push(`no test file ran${opts.patterns.length ? ` (nothing matches ${opts.patterns.join(' ')})` : ''}`)
  if (provider.total === 0) problems.push('the provider under test was never called')
  if (opts.mode !== 'ours' && core === 0) problems.push('cojson-core-napi was never called')
  if (baseline) {
    const expect = { provider: 0, core: 0 }
    for (const f of ran) {
      const b = baseline.files[f]
      if (!b) continue
      expect.provider += b.provider
      expect.core += b.core
      const s = stats.get(f)
      if (s && b.setup > 0 && !(s.provider.setup > 0)) problems.push(`${f} never called testUtils' provider (reference: ${b.setup} calls)`)
    }
    const ratio = (n, d) => (d ? `${((100 * n) / d).toFixed(0)}%` : 'n/a')
    console.log(`  against the reference counts for these files: provider ${ratio(provider.total, expect.provider)}${opts.mode === 'ours' ? '' : `, cojson-core-napi ${ratio(core, expect.core)}`}`)
    if (provider.total < 0.3 * expect.provider) problems.push(`implausibly few provider calls: ${provider.total}, reference ${expect.provider}`)
    if (opts.mode !== 'ours' && core < 0.3 * expect.core) problems.push(`implausibly few cojson-core-napi calls: ${core}, reference ${expect.core}`)
  } else if (!opts.writeBaseline) {
    console.log('  (no baseline-calls.json: only the zero checks apply)')
  }

  if (opts.writeBaseline) {
    const out = { note: 'Outermost provider calls and cojson-core-napi calls per test file, from run.mjs --mode=upstream --write-baseline; run.mjs flags a run below 30% of these.', files: {} }
    for (const [f, s] of [...stats.entries()].sort()) out.files[f] = { provider: sum(s.provider), setup: s.provider.setup || 0, redirect: s.provider[`redirect:${f}`] || 0, core: sum(s.core) }
    const lines = Object.entries(out.files).map(([f, v]) => `    ${JSON.stringify(f)}: ${JSON.stringify(v)}`)
    writeFileSync(join(suiteDir, 'baseline-calls.json'), `{\n  "note": ${JSON.stringify(out.note)},\n  "files": {\n${lines.join(',\n')}\n  }\n}\n`)
    console.log('  wrote baseline-calls.json')
  }

  // Errors outside tests (unhandled rejections, errors after a test ended) fail the run too.
  if (run.report.unhandledErrors.length) {
    console.log(`\nUnhandled errors (${run.report.unhandledErrors.length}):`)
    for (const e of run.report.unhandledErrors) for (const l of errorLines([e])) console.log(`      ${l}`)
    problems.push(`vitest reported ${run.report.unhandledErrors.length} unhandled error(s)`)
  }
  if (run.report.reason && run.report.reason !== 'passed' && run.report.reason !== 'failed') problems.push(`vitest ended the run: ${run.report.reason}`)

  if (warnings.length) {
    console.log('\nWarnings:')
    for (const w of warnings) console.log(`  - ${w}`)
  }
  if (problems.length) {
    console.log('\nRun problems:')
    for (const p of problems) console.log(`  - ${p}`)
  }
  console.log(`\nfull vitest log: ${relative(process.cwd(), run.logFile)}; JSON report: ${relative(process.cwd(), run.jsonFile)}`)
  const ok = unexpected.length === 0 && fileErrors.length === 0 && problems.length === 0 && passed > 0
  console.log(`result: ${ok ? 'OK' : 'NOT OK'} (${unexpected.length} unexpected failure(s), ${allowed.length} allowlisted, ${fileErrors.length} file error(s), ${problems.length} run problem(s))`)
  console.log(`${passed} passed, ${failed + fileErrors.length} failed, ${skipped} skipped`)
  process.exit(ok ? 0 : 1)
}

main().catch((error) => {
  console.error(error)
  process.exit(2)
})
