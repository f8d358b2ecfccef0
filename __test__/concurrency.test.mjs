// Concurrency: 8 worker_threads load the addon and run mixed operations (primitives and
// SessionMaps) for CONCURRENCY_SECONDS (default 10), checking every result against a table
// computed single-threaded on the main thread first.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createRequire } from 'node:module'
import { Worker } from 'node:worker_threads'

const require = createRequire(import.meta.url)
const PACKAGE = require.resolve('../napi-crypto.js')
const SCURE = require.resolve('@scure/base')
const SECONDS = Number(process.env.CONCURRENCY_SECONDS || 10)
const THREADS = 8
const CASES = 64

// One case: deterministic inputs → outputs of every deterministic operation, as hex/strings.
// Serialized into the workers with toString(), so it takes everything it needs as arguments.
function runCase(lib, base58, i) {
  const enc = new TextEncoder()
  const bytes = (n, seed) => Uint8Array.from({ length: n }, (_, k) => (k * 131 + seed * 17 + i * 7) & 255)
  const hex = (b) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('')
  const message = bytes((i * 13) % 200, 1)
  const signerSecret = 'signerSecret_z' + base58.encode(bytes(32, 2))
  const sealerA = 'sealerSecret_z' + base58.encode(bytes(32, 3))
  const sealerB = 'sealerSecret_z' + base58.encode(bytes(32, 4))
  const keySecret = 'keySecret_z' + base58.encode(bytes(32, 5))
  const sealerBId = lib.getSealerId(enc.encode(sealerB))
  const sealed = lib.seal(message, sealerA, sealerBId, message.subarray(0, 8))
  const signature = lib.sign(message, enc.encode(signerSecret))
  const hasher = new lib.Blake3Hasher()
  hasher.update(message)
  hasher.update(bytes(5000, 6))
  const header = JSON.stringify({ meta: null, ruleset: { type: 'unsafeAllowAll' }, type: 'comap', uniqueness: `z${i}` })
  const coId = 'co_z' + lib.shortHash(header).slice('shortHash_z'.length)
  const map = new lib.SessionMap(coId, header, 256)
  const session = `${coId}_session_zThread`
  const made = []
  for (let t = 0; t < 3; t++) {
    made.push(
      t === 1
        ? map.makeNewPrivateTransaction(session, signerSecret, `[${i},${t}]`, 'key_zT', keySecret, '{"m":1}', 1000 + t)
        : map.makeNewTrustingTransaction(session, signerSecret, `["${'x'.repeat(i * 3)}",${t}]`, null, 1000 + t),
    )
  }
  const peer = new lib.SessionMap(coId, header)
  const last = JSON.parse(made[2])
  peer.addTransactions(session, lib.getSignerId(enc.encode(signerSecret)), JSON.stringify(made.map((m) => JSON.parse(m).transaction)), last.signature, false)
  return [
    hex(lib.blake3HashOnce(message)),
    hex(lib.blake3HashOnceWithContext(message, bytes(8, 7))),
    hex(lib.encrypt(message, keySecret, message.subarray(0, 4))),
    hex(sealed),
    hex(lib.unseal(sealed, sealerB, lib.getSealerId(enc.encode(sealerA)), message.subarray(0, 8))),
    signature,
    String(lib.verify(enc.encode(signature), message, enc.encode(lib.getSignerId(enc.encode(signerSecret))))),
    hex(hasher.finalize()),
    made.join('\n'),
    String(peer.getTransactionCount(session)),
    peer.decryptTransaction(session, 1, keySecret),
    JSON.stringify(peer.getKnownState()),
  ].join('|')
}

test(`${THREADS} worker threads for ${SECONDS} s agree with a single-threaded run`, { timeout: (SECONDS + 60) * 1000 }, async () => {
  const lib = require(PACKAGE)
  const { base58 } = require(SCURE)
  const expected = Array.from({ length: CASES }, (_, i) => runCase(lib, base58, i))
  const source = `
    const { parentPort, workerData } = require('node:worker_threads')
    const lib = require(workerData.pkg)
    const { base58 } = require(workerData.scure)
    const runCase = ${runCase.toString()}
    const deadline = Date.now() + workerData.seconds * 1000
    let runs = 0
    let mismatches = 0
    let firstMismatch = null
    while (Date.now() < deadline) {
      const i = (runs * 7 + workerData.index) % workerData.expected.length
      const got = runCase(lib, base58, i)
      if (got !== workerData.expected[i]) {
        mismatches++
        if (!firstMismatch) firstMismatch = { i, got }
      }
      runs++
    }
    parentPort.postMessage({ runs, mismatches, firstMismatch })
  `
  const results = await Promise.all(
    Array.from({ length: THREADS }, (_, index) => new Promise((resolve, reject) => {
      const worker = new Worker(source, { eval: true, workerData: { pkg: PACKAGE, scure: SCURE, seconds: SECONDS, index, expected } })
      let message
      worker.on('message', (m) => (message = m))
      worker.on('error', reject)
      worker.on('exit', (code) => (code === 0 && message ? resolve(message) : reject(new Error(`worker ${index} exited with ${code}`))))
    })),
  )
  const runs = results.reduce((sum, r) => sum + r.runs, 0)
  console.log(`${THREADS} threads, ${SECONDS} s: ${runs} cases run, ${results.map((r) => r.runs).join('/')} per thread`)
  for (const [index, r] of results.entries()) {
    assert.equal(r.mismatches, 0, `thread ${index}: ${JSON.stringify(r.firstMismatch)}`)
    assert.ok(r.runs > 0, `thread ${index} ran nothing`)
  }
})

test('threads that load, use and exit the addon repeatedly do not crash', { timeout: 120_000 }, async () => {
  const source = `
    const { parentPort, workerData } = require('node:worker_threads')
    const lib = require(workerData.pkg)
    const h = new lib.Blake3Hasher()
    h.update(new Uint8Array(100))
    const m = new lib.SessionMap('co_zX', '{"ruleset":{"type":"unsafeAllowAll"},"type":"comap","uniqueness":null}', null, true)
    parentPort.postMessage(Buffer.from(lib.blake3HashOnce(h.finalize())).toString('hex') + m.getKnownState().id)
  `
  const expected = (() => {
    const lib = require(PACKAGE)
    const h = new lib.Blake3Hasher()
    h.update(new Uint8Array(100))
    return Buffer.from(lib.blake3HashOnce(h.finalize())).toString('hex') + 'co_zX'
  })()
  for (let round = 0; round < 25; round++) {
    const outputs = await Promise.all(
      Array.from({ length: 4 }, () => new Promise((resolve, reject) => {
        const worker = new Worker(source, { eval: true, workerData: { pkg: PACKAGE } })
        let out
        worker.on('message', (m) => (out = m))
        worker.on('error', reject)
        worker.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`exit ${code}`))))
      })),
    )
    for (const out of outputs) assert.equal(out, expected)
  }
})
