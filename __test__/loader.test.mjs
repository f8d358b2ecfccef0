// The loader: when no native binary loads, the package entry explains what it detected, what
// it tried and why each attempt failed, and what to do.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { readdirSync } from 'node:fs'
import { join } from 'node:path'
import { createRequire } from 'node:module'
import { parseTriple } from '@napi-rs/cli'

const require = createRequire(import.meta.url)
const UPSTREAM_LOADS = process.platform === 'linux' && process.arch === 'x64' && Boolean(process.report.getReport().header.glibcVersionRuntime)

const entry = fileURLToPath(new URL('../napi-crypto.js', import.meta.url))

test('a binary that cannot be loaded gives ERR_NATIVE_BINDING_NOT_FOUND with a full explanation', () => {
  const script = `
    try { require(${JSON.stringify(entry)}); console.log('LOADED') }
    catch (e) { console.log(JSON.stringify({ code: e.code, message: e.message, cause: String(e.cause && e.cause.message) })) }
  `
  const child = spawnSync(process.execPath, ['-e', script], {
    // COJSON_CORE_FORCE_WASM=0: the addon only (no WebAssembly fallback: __test__/wasm.test.mjs).
    env: { ...process.env, NAPI_RS_NATIVE_LIBRARY_PATH: '/nonexistent/cojson-core-napi.node', COJSON_CORE_FORCE_WASM: '0' },
    encoding: 'utf8',
  })
  assert.equal(child.status, 0, child.stderr)
  const result = JSON.parse(child.stdout)
  assert.equal(result.code, 'ERR_NATIVE_BINDING_NOT_FOUND')
  assert.match(result.message, new RegExp(`no native binary could be loaded for ${process.platform}-${process.arch}`))
  assert.match(result.message, /Tried, in order:\n {2}- Cannot find module '\/nonexistent\/cojson-core-napi\.node'/)
  assert.match(result.message, /NAPI_RS_NATIVE_LIBRARY_PATH/)
  assert.match(result.message, /reinstall without --omit=optional/)
  if (process.platform === 'linux') assert.match(result.message, /\((glibc|musl)\)/)
  // The platforms it names are exactly those of package.json `napi.targets`, as the napi CLI names them.
  const listed = result.message.match(/Prebuilt binaries exist for ([^]*?), as optional dependencies/)[1].split(/,\s*|\s+and\s+/)
  const targets = require('../package.json').napi.targets.map((triple) => parseTriple(triple).platformArchABI)
  assert.deepEqual(listed.sort(), targets.sort())
  assert.ok(listed.includes('win32-x64-msvc') && listed.includes('win32-arm64-msvc'))
})

test('NAPI_RS_NATIVE_LIBRARY_PATH is honoured', () => {
  const dir = fileURLToPath(new URL('..', import.meta.url))
  const built = readdirSync(dir).filter((f) => /^cojson-core-napi\..+\.node$/.test(f))
  assert.equal(built.length, 1, `expected one built binary in the package directory, found ${built.join(', ')}`)
  const binary = join(dir, built[0])
  const script = `const m = require(${JSON.stringify(entry)}); console.log(Buffer.from(m.blake3HashOnce(new TextEncoder().encode('abc'))).toString('hex'))`
  const child = spawnSync(process.execPath, ['-e', script], { env: { ...process.env, NAPI_RS_NATIVE_LIBRARY_PATH: binary }, encoding: 'utf8' })
  assert.equal(child.status, 0, child.stderr)
  assert.equal(child.stdout.trim(), '6437b3ac38465133ffb63b75273a8db548c558465d79db03fd359c6cd5bd9d85')
})

test("another publisher's binary under the same name is refused with ERR_NATIVE_BINDING_MISMATCH", (t) => {
  // The published 0.20.19 platform package is installed for the differential tests.
  // The published 0.20.19 binary loads on linux-x64 (glibc) only, where it is installed.
  if (!UPSTREAM_LOADS) return t.skip(`the published linux-x64-gnu binary cannot load on ${process.platform}-${process.arch}`)
  const upstreamBinary = require.resolve('cojson-core-napi-linux-x64-gnu/cojson-core-napi.linux-x64-gnu.node')
  const script = `try { require(${JSON.stringify(entry)}); console.log('LOADED') } catch (e) { console.log(e.code) }`
  const child = spawnSync(process.execPath, ['-e', script], { env: { ...process.env, NAPI_RS_NATIVE_LIBRARY_PATH: upstreamBinary, COJSON_CORE_FORCE_WASM: '0' }, encoding: 'utf8' })
  assert.equal(child.status, 0, child.stderr)
  assert.equal(child.stdout.trim(), 'ERR_NATIVE_BINDING_MISMATCH')
})

// A copy of the package (its JS files, no binary) in a fresh directory, to load with other binaries.
function packageCopy(t) {
  const { mkdtempSync, cpSync, rmSync } = require('node:fs')
  const { tmpdir } = require('node:os')
  const dir = mkdtempSync(join(tmpdir(), 'cojson-core-napi-loader-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  const root = fileURLToPath(new URL('..', import.meta.url))
  for (const f of ['index.js', 'napi-crypto.js', 'package.json', 'lib']) cpSync(join(root, f), join(dir, f), { recursive: true })
  return dir
}
const platformFile = () => readdirSync(fileURLToPath(new URL('..', import.meta.url))).find((f) => /^cojson-core-napi\..+\.node$/.test(f))

function loadIn(dir, env = {}) {
  const script = `try { const m = require(${JSON.stringify(join(dir, 'napi-crypto.js'))}); console.log(JSON.stringify({ loaded: m.binaryInfo() })) }
    catch (e) { console.log(JSON.stringify({ code: e.code, message: e.message })) }`
  const child = spawnSync(process.execPath, ['-e', script], { cwd: dir, env: { ...process.env, NAPI_RS_NATIVE_LIBRARY_PATH: '', COJSON_CORE_FORCE_WASM: '0', ...env }, encoding: 'utf8' })
  assert.equal(child.status, 0, child.stderr)
  return JSON.parse(child.stdout)
}

test('a corrupt local binary: the message names each file and package tried, in order, with its error', (t) => {
  const dir = packageCopy(t)
  const local = join(dir, platformFile())
  require('node:fs').writeFileSync(local, 'not a shared library')
  const result = loadIn(dir)
  assert.equal(result.code, 'ERR_NATIVE_BINDING_NOT_FOUND')
  const tried = result.message.split('Tried, in order:\n')[1].split('\n').filter((l) => l.startsWith('  - '))
  assert.ok(tried.length >= 2, result.message)
  assert.ok(tried[0].includes(local) && /invalid ELF header|file too short|not a valid Win32 application|Bad EXE format|not a mach-o file|slice is not valid mach-o/.test(tried[0]), `first the local file, with its error: ${tried[0]}`)
  assert.match(tried[1], /Cannot find module 'cojson-core-napi-[a-z0-9-]+'/)
  // The npm advice is given once (the generated loader's own message is not repeated).
  assert.equal(result.message.split('npm/cli#4828').length, 2)
})

test("upstream's platform binary after a corrupt local one: the mismatch names both", (t) => {
  if (!UPSTREAM_LOADS) return t.skip(`the published linux-x64-gnu binary cannot load on ${process.platform}-${process.arch}`)
  const upstream = require.resolve('cojson-core-napi-linux-x64-gnu/package.json')
  const dir = packageCopy(t)
  const { mkdirSync, symlinkSync, writeFileSync } = require('node:fs')
  writeFileSync(join(dir, 'cojson-core-napi.linux-x64-gnu.node'), 'not an ELF file')
  mkdirSync(join(dir, 'node_modules'))
  symlinkSync(join(upstream, '..'), join(dir, 'node_modules', 'cojson-core-napi-linux-x64-gnu'))
  const result = loadIn(dir)
  assert.equal(result.code, 'ERR_NATIVE_BINDING_MISMATCH')
  assert.match(result.message, /the native binary that loaded \(.*node_modules\/cojson-core-napi-linux-x64-gnu\/cojson-core-napi\.linux-x64-gnu\.node\) is not from this package/)
  assert.match(result.message, /tried before it and failed:\n {2}- .*cojson-core-napi\.linux-x64-gnu\.node: .*(invalid ELF header|file too short)/)
})

test('a relative NAPI_RS_NATIVE_LIBRARY_PATH is taken from the current directory', (t) => {
  const dir = packageCopy(t)
  const { mkdirSync, copyFileSync } = require('node:fs')
  mkdirSync(join(dir, 'build'))
  copyFileSync(fileURLToPath(new URL(`../${platformFile()}`, import.meta.url)), join(dir, 'build', 'addon.node'))
  const result = loadIn(dir, { NAPI_RS_NATIVE_LIBRARY_PATH: './build/addon.node' })
  assert.equal(result.loaded && result.loaded.path, join(dir, 'build', 'addon.node'), JSON.stringify(result))
})

test('binaryInfo() says what is loaded', { skip: process.env.COJSON_CORE_FORCE_WASM === '1' && 'about the native addon (COJSON_CORE_FORCE_WASM=1: __test__/wasm.test.mjs)' }, () => {
  const info = require('../napi-crypto.js').binaryInfo()
  assert.equal(info.kind, 'native')
  assert.equal(info.version, require('../package.json').version)
  assert.match(info.target, /^[a-z0-9_]+-[a-z0-9_]+-[a-z0-9_]+/)
  assert.ok(info.path && info.path.endsWith('.node'))
  assert.ok(['avx512ifma', 'avx2', 'serial'].includes(info.backends.ed25519), info.backends.ed25519)
  assert.ok(['avx512', 'avx2', 'sse41', 'sse2', 'neon', 'portable'].includes(info.backends.blake3), info.backends.blake3)
  assert.ok(Array.isArray(info.cpuFeatures))
})
