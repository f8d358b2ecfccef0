// The WebAssembly build (wasm/, lib/wasm-binding.js): chosen when no native binary loads (one
// warning that says why) or with COJSON_CORE_FORCE_WASM=1; the same results as the addon in one
// process; a trap (Rust panic) leaves the module usable; memory stays bounded over many objects;
// staged secrets are wiped from its memory; nothing random is drawn at import time.
//
// Needs `npm run build:wasm` (`npm test` runs it first). The suites that run on the
// WebAssembly build as they are: `COJSON_CORE_FORCE_WASM=1 node --test __test__/*.test.mjs`.

import { test, describe } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { createRequire } from 'node:module'
import { cpSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Rng, seedFrom } from './helpers/rng.mjs'

const require = createRequire(import.meta.url)
const ROOT = fileURLToPath(new URL('..', import.meta.url))
const BUILT = existsSync(join(ROOT, 'wasm', 'pkg-node', 'cojson_core_wasm_binding.cjs'))
// `npm test` builds it first; run directly, a missing build fails here rather than skipping.
if (!BUILT) throw new Error('the WebAssembly build is not there: run `npm run build:wasm` (`npm test` does)')
const ENTRY = join(ROOT, 'napi-crypto.js')
const enc = new TextEncoder()
const hex = (b) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex')

function node(script, env = {}, cwd = ROOT) {
  const child = spawnSync(process.execPath, ['-e', script], { cwd, env: { ...process.env, NAPI_RS_NATIVE_LIBRARY_PATH: '', ...env }, encoding: 'utf8', timeout: 60_000 })
  assert.equal(child.status, 0, child.stderr)
  return { out: child.stdout.trim(), err: child.stderr }
}

/** A copy of the package's JS and WebAssembly files, without any native binary. */
function packageWithoutBinary(t) {
  const dir = mkdtempSync(join(tmpdir(), 'cojson-core-wasm-fallback-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  for (const f of ['index.js', 'napi-crypto.js', 'package.json', 'lib', 'wasm/pkg-node', 'wasm/pkg-web']) cpSync(join(ROOT, f), join(dir, f), { recursive: true })
  return dir
}

describe('choosing the build', () => {
  test('no native binary: the WebAssembly build, with one warning that says why', (t) => {
    const dir = packageWithoutBinary(t)
    const script = `
      const m = require(${JSON.stringify(join(dir, 'napi-crypto.js'))})
      const again = require(${JSON.stringify(join(dir, 'napi-crypto.js'))})
      console.log(JSON.stringify({ info: m.binaryInfo(), hash: Buffer.from(m.blake3HashOnce(new TextEncoder().encode('abc'))).toString('hex') }))`
    const { out, err } = node(script, { COJSON_CORE_FORCE_WASM: '' }, dir)
    const { info, hash } = JSON.parse(out)
    assert.equal(info.kind, 'wasm')
    assert.equal(info.target, 'wasm32-unknown-unknown')
    assert.equal(info.version, require('../package.json').version)
    assert.deepEqual(info.backends, { ed25519: 'serial', blake3: 'portable' })
    assert.deepEqual(info.cpuFeatures, [])
    assert.equal(info.path, join(dir, 'wasm', 'pkg-web', 'cojson_core_wasm_binding_bg.wasm'))
    assert.equal(hash, '6437b3ac38465133ffb63b75273a8db548c558465d79db03fd359c6cd5bd9d85')
    const warnings = err.split('\n').filter((line) => line.includes('Warning'))
    assert.equal(warnings.length, 1, err)
    assert.match(warnings[0], /\[COJSON_CORE_WASM_FALLBACK\]/)
    assert.match(warnings[0], /no native binary loaded \(ERR_NATIVE_BINDING_NOT_FOUND: cojson-core-napi [^:]+: no native binary could be loaded for /)
    assert.match(warnings[0], /using the WebAssembly build instead/)
    assert.match(warnings[0], /COJSON_CORE_FORCE_WASM=1/)
    // The detail lists each attempt, as the native loader's error does.
    assert.match(err, /Tried, in order:\n {2}- /)
  })

  test('COJSON_CORE_FORCE_WASM=0: no fallback, the native loader error', (t) => {
    const dir = packageWithoutBinary(t)
    const script = `try { require(${JSON.stringify(join(dir, 'napi-crypto.js'))}); console.log('LOADED') } catch (e) { console.log(e.code) }`
    assert.equal(node(script, { COJSON_CORE_FORCE_WASM: '0' }, dir).out, 'ERR_NATIVE_BINDING_NOT_FOUND')
  })

  test('neither build: the native error, which says the WebAssembly build is missing too', (t) => {
    const dir = packageWithoutBinary(t)
    rmSync(join(dir, 'wasm'), { recursive: true })
    const script = `try { require(${JSON.stringify(join(dir, 'napi-crypto.js'))}); console.log('LOADED') } catch (e) { console.log(JSON.stringify({ code: e.code, message: e.message })) }`
    const result = JSON.parse(node(script, { COJSON_CORE_FORCE_WASM: '' }, dir).out)
    assert.equal(result.code, 'ERR_NATIVE_BINDING_NOT_FOUND')
    assert.match(result.message, /The WebAssembly build could not be used instead: .*the WebAssembly build is not there .*npm run build:wasm/)
  })

  test('COJSON_CORE_FORCE_WASM=1: the WebAssembly build although the addon loads, no warning', () => {
    const script = `const m = require(${JSON.stringify(ENTRY)}); console.log(m.binaryInfo().kind, Object.keys(require.cache).some((f) => f.endsWith('.node')))`
    const { out, err } = node(script, { COJSON_CORE_FORCE_WASM: '1' })
    assert.equal(out, 'wasm false')
    assert.doesNotMatch(err, /Warning/)
    assert.equal(node(script, { COJSON_CORE_FORCE_WASM: 'true' }).out, 'wasm false')
    // Unset: the addon.
    assert.equal(node(script, { COJSON_CORE_FORCE_WASM: '' }).out, 'native true')
  })

  test('the exports are the same on both builds', () => {
    const script = `const m = require(${JSON.stringify(ENTRY)}); console.log(JSON.stringify(Object.keys(m).map((k) => [k, typeof m[k], m[k] && m[k].length, m[k] && m[k].prototype ? Object.getOwnPropertyNames(m[k].prototype).sort() : null])))`
    assert.equal(node(script, { COJSON_CORE_FORCE_WASM: '1' }).out, node(script, { COJSON_CORE_FORCE_WASM: '0' }).out)
  })

  test('nothing random is drawn at import time (Cloudflare Workers forbid it at global scope)', () => {
    const script = `
      let draws = 0
      const real = globalThis.crypto.getRandomValues.bind(globalThis.crypto)
      globalThis.crypto.getRandomValues = (a) => { draws++; return real(a) }
      const m = require(${JSON.stringify(ENTRY)})
      const atImport = draws
      m.binaryInfo(); m.blake3HashOnce(new Uint8Array(3)); new m.SessionMap('co_zx', JSON.stringify({ type: 'comap', ruleset: { type: 'unsafeAllowAll' }, meta: null, uniqueness: 'x' }), undefined, true)
      const afterDeterministic = draws
      m.newEd25519SigningKey()
      console.log(m.binaryInfo().kind, atImport, afterDeterministic, draws > afterDeterministic)`
    assert.equal(node(script, { COJSON_CORE_FORCE_WASM: '1' }).out, 'wasm 0 0 true')
  })
})

// ---------------------------------------------------------------------------------------------

describe('the WebAssembly build in one process with the addon', () => {
  const { loadWasmBuild } = BUILT ? require('../lib/load.js') : {}
  const build = BUILT ? loadWasmBuild() : null
  const wasm = build && build.api
  const native = require('../napi-crypto.js')
  const NATIVE = native.binaryInfo().kind === 'native'

  test('the same outputs as the addon for a random workload', { skip: !NATIVE && 'COJSON_CORE_FORCE_WASM=1: the entry is the WebAssembly build itself' }, () => {
    const rng = new Rng(seedFrom('WASM_SEED', 'wasm vs native'))
    for (let i = 0; i < 200; i++) {
      const data = rng.bytes(rng.int(3000))
      const key = native.newEd25519SigningKey()
      assert.equal(hex(wasm.blake3HashOnce(data)), hex(native.blake3HashOnce(data)))
      assert.equal(hex(wasm.generateNonce(data)), hex(native.generateNonce(data)))
      assert.equal(hex(wasm.ed25519Sign(key, data)), hex(native.ed25519Sign(key, data)))
      assert.equal(hex(wasm.ed25519VerifyingKey(key)), hex(native.ed25519VerifyingKey(key)))
      const x = native.newX25519PrivateKey()
      const y = wasm.newX25519PrivateKey()
      assert.equal(hex(wasm.x25519DiffieHellman(x, native.x25519PublicKey(y))), hex(native.x25519DiffieHellman(y, wasm.x25519PublicKey(x))))
      // Errors: the same code and message.
      const badKey = 'keySecret_z' + rng.pick(['O', '0', 'l', 'I']).repeat(1 + rng.int(50))
      let nativeError = null
      try {
        native.encrypt(data, badKey, data)
      } catch (e) {
        nativeError = e
      }
      assert.ok(nativeError, badKey)
      assert.throws(() => wasm.encrypt(data, badKey, data), { code: nativeError.code, message: nativeError.message })
    }
  })

  test('a trap (Rust panic) throws ERR_WASM_TRAP and the module stays usable; objects of the old instance are gone', () => {
    const hooks = build.binding.__wasm
    const header = JSON.stringify({ meta: null, ruleset: { type: 'unsafeAllowAll' }, type: 'comap', uniqueness: 'x' })
    const before = new wasm.SessionMap('co_zx', header, undefined, true)
    const hasher = new wasm.Blake3Hasher()
    hasher.update(enc.encode('abc'))
    const generation = hooks.generation()
    assert.throws(() => hooks.trap(0), (e) => {
      assert.equal(e.code, 'ERR_WASM_TRAP')
      assert.match(e.message, /the WebAssembly module trapped \(a Rust panic: panicked at .*trap_for_tests: a panic inside a call/)
      assert.match(e.message, /replaced by a fresh instance: SessionMap and Blake3Hasher objects made before are gone/)
      assert.ok(e.cause instanceof WebAssembly.RuntimeError)
      return true
    })
    assert.equal(hooks.generation(), generation + 1)
    assert.throws(() => before.getHeader(), { code: 'ERR_WASM_INSTANCE_REPLACED', message: /this SessionMap belonged to a WebAssembly instance that trapped/ })
    assert.throws(() => hasher.finalize(), { code: 'ERR_WASM_INSTANCE_REPLACED', message: /this Blake3Hasher/ })
    // The fresh instance works, errors included.
    assert.equal(hex(wasm.blake3HashOnce(enc.encode('abc'))), '6437b3ac38465133ffb63b75273a8db548c558465d79db03fd359c6cd5bd9d85')
    assert.throws(() => wasm.blake3HashOnce('abc'), { code: 'ERR_INVALID_ARG_TYPE', message: 'data must be a Uint8Array, got string' })
    const after = new wasm.SessionMap('co_zx', header, undefined, true)
    assert.equal(after.getHeader(), header)
    // A panic while a SessionMap cell is borrowed (it would stay borrowed in the old instance).
    assert.throws(() => hooks.trap(1), { code: 'ERR_WASM_TRAP', message: /a panic while a SessionMap is borrowed/ })
    const fresh = new wasm.SessionMap('co_zx', header, undefined, true)
    assert.deepEqual(fresh.getSessionIds(), [])
    assert.equal(hooks.traps() >= 2, true)
    const key = wasm.newEd25519SigningKey()
    assert.equal(wasm.ed25519Verify(wasm.ed25519VerifyingKey(key), enc.encode('m'), wasm.ed25519Sign(key, enc.encode('m'))), true)
  })

  test('memory stays bounded over many SessionMap / Blake3Hasher create-and-drop cycles (freed by GC)', async () => {
    const { out } = node(`
      const { loadWasmBuild } = require(${JSON.stringify(join(ROOT, 'lib', 'load.js'))})
      const { api, binding } = loadWasmBuild()
      const header = JSON.stringify({ type: 'comap', ruleset: { type: 'unsafeAllowAll' }, meta: null, uniqueness: 'x' })
      const signer = 'signerSecret_z' + '2'.repeat(44)
      const sizes = []
      ;(async () => {
        for (let round = 0; round < 12; round++) {
          for (let i = 0; i < 2000; i++) {
            const map = new api.SessionMap('co_zx', header, undefined, true)
            map.makeNewTrustingTransaction('co_zx_session_z1', signer, JSON.stringify([{ op: 'set', key: 'k' + i, value: 'v'.repeat(2000) }]), null, 1)
            const h = new api.Blake3Hasher(); h.update(new Uint8Array(5000)); h.finalize()
          }
          await new Promise((r) => setTimeout(r, 0)); globalThis.gc(); await new Promise((r) => setTimeout(r, 10)); globalThis.gc()
          await new Promise((r) => setTimeout(r, 10))
          sizes.push(binding.__wasm.memoryBytes())
        }
        console.log(JSON.stringify(sizes))
      })()`.replace(/\n\s*/g, '\n'), { NODE_OPTIONS: '--expose-gc' })
    const sizes = JSON.parse(out)
    // 24,000 maps and 24,000 hashers were made: without freeing, their logs alone would take 48 MB.
    const mib = sizes.map((s) => s / 1048576)
    assert.ok(mib.at(-1) < 40, `memory after 24,000 objects: ${mib.at(-1)} MiB (${mib.join(', ')})`)
    assert.ok(sizes.at(-1) <= sizes[0] + (2 << 20), `memory grew past the first round's: ${mib.join(', ')} MiB`)
    // It stops growing: the second half of the rounds adds nothing.
    assert.equal(sizes.at(-1), sizes[Math.floor(sizes.length / 2)], `memory keeps growing: ${mib.join(', ')} MiB`)
  })

  test('secrets staged for a call and secret results are wiped from the module memory', () => {
    const hooks = build.binding.__wasm
    const find = (needle) => Buffer.from(hooks.memory()).indexOf(Buffer.from(needle)) >= 0
    const keySecret = 'keySecret_z' + '7'.repeat(43)
    const nonce = enc.encode('{"in":"co_zwipe","tx":1}')
    const plaintext = enc.encode('a very secret plaintext, 0123456789 0123456789 0123456789 0123456789')
    const ciphertext = wasm.encrypt(plaintext, keySecret, nonce)
    assert.equal(hex(wasm.decrypt(ciphertext, keySecret, nonce)), hex(plaintext))
    assert.equal(find(enc.encode(keySecret)), false, 'the key secret string is still in memory')
    assert.equal(find(plaintext), false, 'the decrypted plaintext is still in memory')
    const sealer = 'sealerSecret_z' + '8'.repeat(44)
    const signer = 'signerSecret_z' + '9'.repeat(44)
    try {
      wasm.sign(plaintext, enc.encode(signer))
    } catch {}
    try {
      wasm.getSealerId(enc.encode(sealer))
    } catch {}
    assert.equal(find(enc.encode(signer)), false, 'the signer secret string is still in memory')
    assert.equal(find(enc.encode(sealer)), false, 'the sealer secret string is still in memory')
  })
})

test('the WebAssembly files are the ones package.json ships', () => {
  const pkg = require('../package.json')
  for (const f of ['wasm/pkg-node/', 'wasm/pkg-web/', 'wasm/esm/', 'napi-crypto.edge.mjs', 'napi-crypto.browser.mjs', 'lib/']) assert.ok(pkg.files.includes(f), f)
  assert.deepEqual(readdirSync(join(ROOT, 'wasm', 'pkg-node')).sort(), ['cojson_core_wasm_binding.cjs'])
  assert.deepEqual(readdirSync(join(ROOT, 'wasm', 'pkg-web')).sort(), ['cojson_core_wasm_binding.mjs', 'cojson_core_wasm_binding_bg.wasm'])
  assert.deepEqual(readdirSync(join(ROOT, 'wasm', 'esm')).sort(), ['api.mjs', 'provider.mjs', 'wasm-binding.mjs'])
  const exp = pkg.exports['.']
  assert.deepEqual(Object.keys(exp), ['types', 'workerd', 'edge-light', 'browser', 'worker', 'default'])
})

// The ES module entries must name their exports statically (as napi-crypto.js must for
// cjs-module-lexer), so the list is written in each: every one must be the Node entry's.
test('the edge and browser entries export exactly what napi-crypto.js exports', async () => {
  const { readFileSync } = await import('node:fs')
  const node = Object.keys(require('../napi-crypto.js')).sort()
  for (const file of ['napi-crypto.edge.mjs', 'napi-crypto.browser.mjs']) {
    const source = readFileSync(join(ROOT, file), 'utf8')
    const names = [...source.matchAll(/^export const (\w+) =/gm)].map((m) => m[1])
    const list = source.match(/^export const \{([^}]*)\} = api$/m)
    assert.ok(list, `${file}: no \`export const { … } = api\``)
    names.push(...list[1].split(',').map((n) => n.trim()).filter(Boolean))
    assert.equal([...source.matchAll(/^export /gm)].length, 2, `${file}: exports other than NapiCrypto and the api list`)
    assert.deepEqual(names.sort(), node, file)
  }
})

test('wasm/esm/ (the edge entry\'s copies of lib/) is current: rerun `npm run build:wasm` after editing lib/', async () => {
  const { ESM_SOURCES, toEsm } = await import('../scripts/wasm-esm.mjs')
  const { readFileSync } = await import('node:fs')
  for (const name of ESM_SOURCES) {
    const expected = toEsm(readFileSync(join(ROOT, 'lib', `${name}.js`), 'utf8'), `lib/${name}.js`)
    assert.equal(readFileSync(join(ROOT, 'wasm', 'esm', `${name}.mjs`), 'utf8'), expected, `wasm/esm/${name}.mjs is stale`)
  }
})
