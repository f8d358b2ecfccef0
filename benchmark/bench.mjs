// `npm run bench`: ours vs the published cojson-core-napi@0.20.19 (and cojson-core-wasm,
// sodium-native, node:crypto where they do comparable work), side by side in one process.
// Outputs are checked equal to upstream's before anything is timed.
import { createRequire } from 'node:module'
import crypto from 'node:crypto'
import { base58 } from '@scure/base'
import { run, printTable, environment, assertEqualBytes, assertEqual } from './harness.mjs'
import { sessionMapCases } from './session-map-cases.mjs'
import { providerCases } from './provider-cases.mjs'
import { memoryComparison } from './memory.mjs'

const require = createRequire(import.meta.url)
const ours = require('../napi-crypto.js')
// Our WebAssembly build (npm run build:wasm) beside cojson-core-wasm: the `ours-wasm` column.
const oursWasmBuild = (() => {
  try {
    return require('../lib/load.js').loadWasmBuild()
  } catch (error) {
    console.error(`ours-wasm: not measured (${String(error.message).split('\n')[0]})`)
    return null
  }
})()
const oursWasm = oursWasmBuild && oursWasmBuild.api
const upstream = require('cojson-core-napi-upstream')
const sodium = require('sodium-native')
const wasm = await import('cojson-core-wasm')
await wasm.initialize()

const only = process.argv.slice(2)
const enc = new TextEncoder()
const bytes = (n, seed = 1) => Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed * 7) & 255)

const signerSeed = bytes(32, 3)
const signerSecret = 'signerSecret_z' + base58.encode(signerSeed)
const signerSecretBytes = enc.encode(signerSecret)
const signerId = upstream.getSignerId(signerSecretBytes)
const signerIdBytes = enc.encode(signerId)
const sealerA = 'sealerSecret_z' + base58.encode(bytes(32, 5))
const sealerB = 'sealerSecret_z' + base58.encode(bytes(32, 6))
const sealerAId = upstream.getSealerId(enc.encode(sealerA))
const sealerBId = upstream.getSealerId(enc.encode(sealerB))
const keySecret = 'keySecret_z' + base58.encode(bytes(32, 9))
const nonceMaterial = enc.encode(JSON.stringify({ in: 'co_zTestCoValue1234567890', tx: { sessionID: 'sealer_z…_session_zAbc', txIndex: 42 } }))
const msg100 = bytes(100, 11)

// Peers' keys for the comparable sodium-native / node:crypto rows.
const sodiumPk = Buffer.alloc(32)
const sodiumSk = Buffer.alloc(64)
sodium.crypto_sign_seed_keypair(sodiumPk, sodiumSk, Buffer.from(signerSeed))
const nodePrivate = crypto.createPrivateKey({
  key: Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), Buffer.from(signerSeed)]),
  format: 'der',
  type: 'pkcs8',
})
const nodePublic = crypto.createPublicKey(nodePrivate)

const results = []
/** A result as comparable text (byte arrays as hex). */
const comparable = (value) => JSON.stringify(value, (_, v) => (v instanceof Uint8Array ? Buffer.from(v).toString('hex') : v))

function bench(spec, check) {
  if (only.length && !only.some((o) => spec.name.includes(o))) return
  if (check) check()
  // Our two builds give the same output (every row here is deterministic).
  if (spec.impls['ours-wasm'] && comparable(spec.impls['ours-wasm']()) !== comparable(spec.impls.ours())) {
    throw new Error(`${spec.name}: ours-wasm differs from ours`)
  }
  const result = run(spec)
  results.push(result)
  process.stderr.write(`  measured ${spec.name}\n`)
}

// --- hashing --------------------------------------------------------------------------------
for (const [label, size] of [
  ['32 B', 32],
  ['1 KiB', 1024],
  ['1 MiB', 1 << 20],
]) {
  const data = bytes(size, 2)
  bench(
    {
      name: `blake3HashOnce ${label}`,
      baseline: 'upstream',
      impls: {
        ours: () => ours.blake3HashOnce(data),
        ...(oursWasm && { 'ours-wasm': () => oursWasm.blake3HashOnce(data) }),
        upstream: () => upstream.blake3HashOnce(data),
        wasm: () => wasm.blake3HashOnce(data),
      },
    },
    () => {
      assertEqualBytes('blake3', ours.blake3HashOnce(data), upstream.blake3HashOnce(data))
      assertEqualBytes('blake3 wasm', wasm.blake3HashOnce(data), upstream.blake3HashOnce(data))
    },
  )
}

{
  const chunk = bytes(200, 4)
  const hasherRun = (lib) => () => {
    const h = new lib.Blake3Hasher()
    for (let i = 0; i < 1000; i++) h.update(chunk)
    return h.finalize()
  }
  bench(
    {
      name: 'Blake3Hasher 1000 × 200 B',
      baseline: 'upstream',
      impls: { ours: hasherRun(ours), upstream: hasherRun(upstream), ...(oursWasm && { 'ours-wasm': hasherRun(oursWasm) }), wasm: hasherRun(wasm) },
    },
    () => assertEqualBytes('hasher', hasherRun(ours)(), hasherRun(upstream)()),
  )
}

// --- signatures -----------------------------------------------------------------------------
bench(
  {
    name: 'sign 100 B',
    baseline: 'upstream',
    impls: {
      ours: () => ours.sign(msg100, signerSecretBytes),
      ...(oursWasm && { 'ours-wasm': () => oursWasm.sign(msg100, signerSecretBytes) }),
      upstream: () => upstream.sign(msg100, signerSecretBytes),
      wasm: () => wasm.sign(msg100, signerSecretBytes),
      'sodium-native': () => {
        const sig = Buffer.alloc(64)
        sodium.crypto_sign_detached(sig, msg100, sodiumSk)
        return sig
      },
      'node:crypto': () => crypto.sign(null, msg100, nodePrivate),
    },
  },
  () => {
    const expected = upstream.sign(msg100, signerSecretBytes)
    assertEqual('sign', ours.sign(msg100, signerSecretBytes), expected)
    assertEqual('sign wasm', wasm.sign(msg100, signerSecretBytes), expected)
    assertEqual('sign node', 'signature_z' + base58.encode(crypto.sign(null, msg100, nodePrivate)), expected)
  },
)

{
  const signature = enc.encode(upstream.sign(msg100, signerSecretBytes))
  const rawSig = crypto.sign(null, msg100, nodePrivate)
  bench(
    {
      name: 'verify 100 B',
      baseline: 'upstream',
      impls: {
        ours: () => ours.verify(signature, msg100, signerIdBytes),
        ...(oursWasm && { 'ours-wasm': () => oursWasm.verify(signature, msg100, signerIdBytes) }),
        upstream: () => upstream.verify(signature, msg100, signerIdBytes),
        wasm: () => wasm.verify(signature, msg100, signerIdBytes),
        'sodium-native': () => sodium.crypto_sign_verify_detached(rawSig, msg100, sodiumPk),
        'node:crypto': () => crypto.verify(null, msg100, nodePublic, rawSig),
      },
    },
    () => {
      if (!ours.verify(signature, msg100, signerIdBytes) || !upstream.verify(signature, msg100, signerIdBytes)) {
        throw new Error('verify disagrees')
      }
      if (!sodium.crypto_sign_verify_detached(rawSig, msg100, sodiumPk)) throw new Error('sodium verify failed')
    },
  )
}

bench(
  {
    name: 'getSignerId',
    baseline: 'upstream',
    impls: {
      ours: () => ours.getSignerId(signerSecretBytes),
      ...(oursWasm && { 'ours-wasm': () => oursWasm.getSignerId(signerSecretBytes) }),
      upstream: () => upstream.getSignerId(signerSecretBytes),
      wasm: () => wasm.getSignerId(signerSecretBytes),
    },
  },
  () => assertEqual('getSignerId', ours.getSignerId(signerSecretBytes), signerId),
)

{
  const sealerBytes = enc.encode(sealerA)
  bench(
    {
      name: 'getSealerId',
      baseline: 'upstream',
      impls: {
        ours: () => ours.getSealerId(sealerBytes),
        ...(oursWasm && { 'ours-wasm': () => oursWasm.getSealerId(sealerBytes) }),
        upstream: () => upstream.getSealerId(sealerBytes),
        wasm: () => wasm.getSealerId(sealerBytes),
      },
    },
    () => assertEqual('getSealerId', ours.getSealerId(sealerBytes), sealerAId),
  )
}

// --- symmetric encryption -------------------------------------------------------------------
for (const [label, size] of [
  ['100 B', 100],
  ['10 KiB', 10 * 1024],
]) {
  const data = bytes(size, 12)
  const ciphertext = upstream.encrypt(data, keySecret, nonceMaterial)
  const sodiumKey = Buffer.from(base58.decode(keySecret.slice('keySecret_z'.length)))
  const sodiumNonce = Buffer.from(upstream.generateNonce(nonceMaterial))
  bench(
    {
      name: `encrypt ${label}`,
      baseline: 'upstream',
      impls: {
        ours: () => ours.encrypt(data, keySecret, nonceMaterial),
        ...(oursWasm && { 'ours-wasm': () => oursWasm.encrypt(data, keySecret, nonceMaterial) }),
        upstream: () => upstream.encrypt(data, keySecret, nonceMaterial),
        wasm: () => wasm.encrypt(data, keySecret, nonceMaterial),
        'sodium-native': () => {
          const out = Buffer.alloc(data.length)
          sodium.crypto_stream_xor(out, data, sodiumNonce, sodiumKey)
          return out
        },
      },
    },
    () => {
      assertEqualBytes('encrypt', ours.encrypt(data, keySecret, nonceMaterial), ciphertext)
      const out = Buffer.alloc(data.length)
      sodium.crypto_stream_xor(out, data, sodiumNonce, sodiumKey)
      assertEqualBytes('encrypt sodium', out, ciphertext)
    },
  )
  if (size === 100) {
    bench(
      {
        name: `decrypt ${label}`,
        baseline: 'upstream',
        impls: {
          ours: () => ours.decrypt(ciphertext, keySecret, nonceMaterial),
          ...(oursWasm && { 'ours-wasm': () => oursWasm.decrypt(ciphertext, keySecret, nonceMaterial) }),
          upstream: () => upstream.decrypt(ciphertext, keySecret, nonceMaterial),
          wasm: () => wasm.decrypt(ciphertext, keySecret, nonceMaterial),
        },
      },
      () => assertEqualBytes('decrypt', ours.decrypt(ciphertext, keySecret, nonceMaterial), data),
    )
  }
}

// --- sealing --------------------------------------------------------------------------------
{
  const sealed = upstream.seal(msg100, sealerA, sealerBId, nonceMaterial)
  bench(
    {
      name: 'seal 100 B',
      baseline: 'upstream',
      impls: {
        ours: () => ours.seal(msg100, sealerA, sealerBId, nonceMaterial),
        ...(oursWasm && { 'ours-wasm': () => oursWasm.seal(msg100, sealerA, sealerBId, nonceMaterial) }),
        upstream: () => upstream.seal(msg100, sealerA, sealerBId, nonceMaterial),
        wasm: () => wasm.seal(msg100, sealerA, sealerBId, nonceMaterial),
      },
    },
    () => assertEqualBytes('seal', ours.seal(msg100, sealerA, sealerBId, nonceMaterial), sealed),
  )
  bench(
    {
      name: 'unseal 100 B',
      baseline: 'upstream',
      impls: {
        ours: () => ours.unseal(sealed, sealerB, sealerAId, nonceMaterial),
        ...(oursWasm && { 'ours-wasm': () => oursWasm.unseal(sealed, sealerB, sealerAId, nonceMaterial) }),
        upstream: () => upstream.unseal(sealed, sealerB, sealerAId, nonceMaterial),
        wasm: () => wasm.unseal(sealed, sealerB, sealerAId, nonceMaterial),
      },
    },
    () => assertEqualBytes('unseal', ours.unseal(sealed, sealerB, sealerAId, nonceMaterial), msg100),
  )
}

// --- NapiCrypto, as cojson calls it ------------------------------------------------------------
for (const c of await providerCases(oursWasmBuild)) bench(c.spec, c.check)

// --- SessionMap -----------------------------------------------------------------------------
for (const c of sessionMapCases({ ours, upstream, wasm, oursWasm })) bench(c.spec, c.check)

import { readFileSync } from 'node:fs'
const packageVersion = (name) => JSON.parse(readFileSync(new URL(`../node_modules/${name}/package.json`, import.meta.url))).version
const versions = {
  'cojson-core-napi (ours)': require('../package.json').version + ' (this checkout)',
  'cojson-core-napi (upstream)': packageVersion('cojson-core-napi-upstream'),
  'cojson-core-wasm': packageVersion('cojson-core-wasm'),
  ...(oursWasm && { 'ours-wasm': `this checkout's WebAssembly build (${(require('node:fs').statSync(oursWasm.binaryInfo().path).size / 1024).toFixed(0)} KiB .wasm)` }),
  'sodium-native': packageVersion('sodium-native'),
}
console.log(environment(versions))
console.log()
printTable(results, ['ours', 'upstream', ...(oursWasm ? ['ours-wasm'] : []), 'wasm', 'sodium-native', 'node:crypto'])
const slower = results.filter((r) => r.ratioHigh < 1)
if (!only.length || only.includes('memory')) {
  const memory = await memoryComparison()
  const ok = memory.ours <= memory.upstream
  console.log()
  console.log(`RSS of 1,000 live SessionMaps × 100 transactions: ours ${memory.ours.toFixed(1)} MB, upstream ${memory.upstream.toFixed(1)} MB (${ok ? 'ours is not larger' : 'OURS IS LARGER'})`)
  if (!ok) slower.push({ name: 'SessionMap memory (larger)' })
}
console.log()
console.log(slower.length ? `slower than upstream beyond the noise: ${slower.map((r) => r.name).join(', ')}` : 'no row slower than upstream beyond the noise')
