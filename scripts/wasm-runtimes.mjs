#!/usr/bin/env node
// Deno and Bun on the package's WebAssembly build: scripts/runtime-smoke.mjs (the runtime-agnostic
// smoke test of the installed package) and a check of what is loaded, run in each runtime with
// COJSON_CORE_FORCE_WASM=1; in Deno also without it and without --allow-ffi, where the addon cannot
// load and the package must fall back to its WebAssembly build with one warning.
//
//   node scripts/wasm-runtimes.mjs [--deno <deno binary>] [--bun <bun binary>] [--app <dir>]
//
// --app: a consumer project whose node_modules has cojson-core-napi installed (and cojson, for
// NapiCrypto), e.g. the one scripts/registry.mjs installs from the local registry; the scripts are
// copied into it and run there. Without --app, a temporary one is made whose
// node_modules/cojson-core-napi is a copy of this checkout's package files (npm run build:wasm first).
// Prints `WASM RUNTIME OK <runtime> …` per runtime and `N passed, N failed` last; exit 0 only if all
// passed.
import { spawnSync } from 'node:child_process'
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..')

const args = { deno: null, bun: null, app: null }
{
  const argv = process.argv.slice(2)
  for (let i = 0; i < argv.length; i++) {
    const [key, inline] = argv[i].includes('=') ? argv[i].split(/=(.*)/s) : [argv[i], undefined]
    const value = () => inline ?? argv[++i]
    if (key === '--deno') args.deno = resolve(value())
    else if (key === '--bun') args.bun = resolve(value())
    else if (key === '--app') args.app = resolve(value())
    else {
      console.error(`usage: node scripts/wasm-runtimes.mjs [--deno <binary>] [--bun <binary>] [--app <dir>] (unknown: ${argv[i]})`)
      process.exit(2)
    }
  }
  if (!args.deno && !args.bun) {
    console.error('wasm-runtimes: give --deno and/or --bun')
    process.exit(2)
  }
}

// What is loaded, and a round trip through the exports, in the runtime at hand.
const KIND_CHECK = `import { binaryInfo, blake3HashOnce, NapiCrypto } from 'cojson-core-napi'
const info = binaryInfo()
const hex = Array.from(blake3HashOnce(new TextEncoder().encode('abc')), (b) => b.toString(16).padStart(2, '0')).join('')
const crypto = await NapiCrypto.create()
const alice = crypto.newRandomAgentSecret()
const ok = crypto.verify(crypto.sign(crypto.getAgentSignerSecret(alice), { a: 1 }), { a: 1 }, crypto.getAgentSignerID(crypto.getAgentID(alice)))
console.log(JSON.stringify({ kind: info.kind, target: info.target, hex, ok }))
`

let app = args.app
let temporary = null
if (!app) {
  if (!existsSync(join(ROOT, 'wasm', 'pkg-node', 'cojson_core_wasm_binding.cjs'))) {
    console.error('wasm-runtimes: the WebAssembly build is not there: run `npm run build:wasm` (or give --app)')
    process.exit(2)
  }
  temporary = app = mkdtempSync(join(tmpdir(), 'cojson-core-wasm-runtimes-'))
  // The package as npm installs it (its `files`, and the addon built here): a copy, not a link,
  // since Deno treats files outside node_modules as the app's own (ES modules).
  const pkgDir = join(app, 'node_modules', 'cojson-core-napi')
  mkdirSync(pkgDir, { recursive: true })
  const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'))
  const binaries = readdirSync(ROOT).filter((f) => /^cojson-core-napi\..+\.node$/.test(f))
  for (const f of ['package.json', ...manifest.files, ...binaries]) cpSync(join(ROOT, f), join(pkgDir, f), { recursive: true })
  for (const dep of ['cojson']) symlinkSync(join(ROOT, 'node_modules', dep), join(app, 'node_modules', dep))
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'wasm-runtimes-app', private: true, type: 'module', dependencies: { 'cojson-core-napi': '*', cojson: '*' } }))
}
copyFileSync(join(ROOT, 'scripts', 'runtime-smoke.mjs'), join(app, 'runtime-smoke.mjs'))
writeFileSync(join(app, 'wasm-kind.mjs'), KIND_CHECK)
// The browser entry (package.json `exports` conditions browser/worker): fetch + top-level await.
writeFileSync(
  join(app, 'browser-entry.mjs'),
  `import * as m from './node_modules/cojson-core-napi/napi-crypto.browser.mjs'
const k = m.newEd25519SigningKey()
const message = new TextEncoder().encode('browser entry')
console.log(JSON.stringify({ kind: m.binaryInfo().kind, exports: Object.keys(m).length, ok: m.ed25519Verify(m.ed25519VerifyingKey(k), message, m.ed25519Sign(k, message)) }))
`,
)

let passed = 0
let failed = 0
function run(name, command, argv, env, judge) {
  const child = spawnSync(command, argv, { cwd: app, env: { ...process.env, ...env }, encoding: 'utf8', timeout: 180_000 })
  const output = `${child.stdout}\n${child.stderr}`.trim()
  let problem = child.error ? child.error.message : child.status !== 0 ? `exit ${child.status ?? child.signal}` : null
  if (!problem) {
    try {
      problem = judge(child)
    } catch (error) {
      problem = `unexpected output (${error.message})`
    }
  }
  if (problem) {
    failed++
    console.log(`WASM RUNTIME FAIL ${name}: ${problem}\n${output.split('\n').map((l) => `    ${l}`).join('\n')}`)
  } else {
    passed++
    console.log(`WASM RUNTIME OK ${name}`)
  }
}
const last = (text) => text.trim().split('\n').at(-1)
const kindIs = (expected) => (child) => {
  try {
    const got = JSON.parse(last(child.stdout))
    if (got.kind !== expected) return `binaryInfo().kind is ${got.kind}, expected ${expected}`
    if (got.hex !== '6437b3ac38465133ffb63b75273a8db548c558465d79db03fd359c6cd5bd9d85') return `BLAKE3("abc") is ${got.hex}`
    if (got.ok !== true) return 'NapiCrypto sign/verify failed'
    return null
  } catch {
    return `unexpected output: ${last(child.stdout)}`
  }
}
const smokeOk = (child) => (/^RUNTIME OK /m.test(child.stdout) ? null : 'no RUNTIME OK line')
const FORCE = { COJSON_CORE_FORCE_WASM: '1' }

if (args.deno) {
  // No --allow-ffi: the WebAssembly build needs none.
  const flags = ['run', '--allow-env', '--allow-read']
  run('deno runtime-smoke.mjs (COJSON_CORE_FORCE_WASM=1)', args.deno, [...flags, 'runtime-smoke.mjs'], FORCE, smokeOk)
  run('deno binaryInfo (COJSON_CORE_FORCE_WASM=1)', args.deno, [...flags, 'wasm-kind.mjs'], FORCE, kindIs('wasm'))
  run('deno without --allow-ffi falls back to the WebAssembly build, with one warning', args.deno, [...flags, 'wasm-kind.mjs'], { COJSON_CORE_FORCE_WASM: '' }, (child) => {
    const problem = kindIs('wasm')(child)
    if (problem) return problem
    const warnings = child.stderr.split('\n').filter((l) => l.includes('COJSON_CORE_WASM_FALLBACK'))
    return warnings.length === 1 ? null : `expected one COJSON_CORE_WASM_FALLBACK warning, got ${warnings.length}`
  })
  run('deno loads the browser entry (the .wasm fetched next to it, top-level await)', args.deno, ['run', '--allow-read', 'browser-entry.mjs'], {}, (child) => {
    const got = JSON.parse(last(child.stdout))
    return got.kind === 'wasm' && got.exports === 32 && got.ok === true ? null : `unexpected: ${last(child.stdout)}`
  })
}
if (args.bun) {
  run('bun runtime-smoke.mjs (COJSON_CORE_FORCE_WASM=1)', args.bun, ['runtime-smoke.mjs'], FORCE, smokeOk)
  run('bun binaryInfo (COJSON_CORE_FORCE_WASM=1)', args.bun, ['wasm-kind.mjs'], FORCE, kindIs('wasm'))
  run('bun without the variable keeps the addon', args.bun, ['wasm-kind.mjs'], { COJSON_CORE_FORCE_WASM: '' }, kindIs('native'))
}

if (temporary) rmSync(temporary, { recursive: true, force: true })
console.log(`${passed} passed, ${failed} failed`)
process.exit(failed ? 1 : 0)
