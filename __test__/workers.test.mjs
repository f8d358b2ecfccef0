// The addon in worker_threads: loaded by several threads at once, used concurrently, and workers
// created and terminated repeatedly (module instances, per-thread key caches and Blake3Hasher
// objects are torn down with each thread).

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createRequire } from 'node:module'
import { Worker } from 'node:worker_threads'
import { createHash } from 'node:crypto'

const require = createRequire(import.meta.url)
const OURS_PATH = require.resolve('../napi-crypto.js')
const SCURE_PATH = require.resolve('@scure/base')
const ours = require(OURS_PATH)
const { base58 } = require(SCURE_PATH)

// A deterministic workload over every primitive with a stable output. Runs on the main thread and
// in workers (serialized with toString, so it must not close over anything). Returns a SHA-256
// (node:crypto) over all outputs plus a list of self-check failures.
function workload(m, base58, createHash, index, iterations, signal) {
  const utf8 = (s) => new TextEncoder().encode(s)
  const derive = (label, i, n) => {
    const out = new Uint8Array(n)
    let block = 0
    for (let off = 0; off < n; off += 32, block++) {
      const d = createHash('sha256').update(`${label}:${index}:${i}:${block}`).digest()
      out.set(d.subarray(0, Math.min(32, n - off)), off)
    }
    return out
  }
  const equal = (a, b) => a.length === b.length && a.every((x, j) => x === b[j])
  const digest = createHash('sha256')
  const failures = []
  const check = (ok, what) => {
    if (!ok && failures.length < 20) failures.push(what)
  }
  const hasher = new m.Blake3Hasher()
  for (let i = 0; i < iterations; i++) {
    if (signal && signal(i)) break
    const msg = derive('msg', i, (i * 37) % 300)
    const nm = derive('nm', i, 1 + (i % 50))
    const seed = derive('seed', i % 40, 32) // repeats, to exercise the per-thread key caches
    const a = derive('a', i % 30, 32)
    const b = derive('b', i % 25, 32)

    const pk = m.ed25519VerifyingKey(seed)
    const sig = m.ed25519Sign(seed, msg)
    check(m.ed25519Verify(pk, msg, sig) === true, `ed25519Verify ${i}`)
    const signer = utf8('signerSecret_z' + base58.encode(seed))
    const id = m.getSignerId(signer)
    const sigString = m.sign(msg, signer)
    check(m.verify(utf8(sigString), msg, utf8(id)) === true, `verify ${i}`)
    check(m.verify(utf8(sigString), utf8('other'), utf8(id)) === false, `verify other ${i}`)

    const aSecret = 'sealerSecret_z' + base58.encode(a)
    const bSecret = 'sealerSecret_z' + base58.encode(b)
    const aId = m.getSealerId(utf8(aSecret))
    const bId = m.getSealerId(utf8(bSecret))
    const sealed = m.seal(msg, aSecret, bId, nm)
    check(equal(m.unseal(sealed, bSecret, aId, nm), msg), `unseal ${i}`)
    const group = m.sealForGroup(msg, bId, nm) // random: only checked by round trip
    check(equal(m.unsealForGroup(group, bSecret, nm), msg), `unsealForGroup ${i}`)

    const keySecret = 'keySecret_z' + base58.encode(a)
    const ct = m.encrypt(msg, keySecret, nm)
    check(equal(m.decrypt(ct, keySecret, nm), msg), `decrypt ${i}`)
    const ct2 = m.encryptXsalsa20(b, nm, msg)
    const shared = m.x25519DiffieHellman(a, m.x25519PublicKey(b))

    const hash = m.blake3HashOnce(msg)
    hasher.update(msg)
    const running = hasher.finalize()

    for (const out of [pk, sig, utf8(id), utf8(sigString), utf8(aId), sealed, ct, ct2, shared, hash, running, m.generateNonce(nm), utf8(m.shortHash(id))]) {
      digest.update(out)
    }
  }
  return { digest: digest.digest('hex'), failures }
}

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads')
const { createHash } = require('node:crypto')
const workload = ${workload.toString()}
const m = require(workerData.oursPath)
const { base58 } = require(workerData.scurePath)
if (workerData.mode === 'run') {
  parentPort.postMessage({ type: 'loaded', index: workerData.index })
  const result = workload(m, base58, createHash, workerData.index, workerData.iterations)
  parentPort.postMessage({ type: 'done', index: workerData.index, ...result })
} else {
  // 'spin': announce, then keep working (with live Blake3Hasher objects) until terminated.
  const hashers = []
  let announced = false
  workload(m, base58, createHash, workerData.index, 1e9, (i) => {
    hashers.push(new m.Blake3Hasher())
    if (hashers.length > 50) hashers.shift()
    if (!announced && i === 3) {
      announced = true
      parentPort.postMessage({ type: 'spinning' })
    }
    return false
  })
}
`

function startWorker(workerData) {
  const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { oursPath: OURS_PATH, scurePath: SCURE_PATH, ...workerData } })
  const messages = []
  const waiters = []
  worker.on('message', (msg) => {
    messages.push(msg)
    for (const w of waiters.splice(0)) w()
  })
  const exited = new Promise((resolve, reject) => {
    worker.on('error', reject)
    worker.on('exit', resolve)
  })
  const waitFor = async (type) => {
    for (;;) {
      const found = messages.find((m) => m.type === type)
      if (found) return found
      const gone = await Promise.race([new Promise((r) => waiters.push(() => r(false))), exited.then(() => true)])
      if (gone && !messages.some((m) => m.type === type)) throw new Error(`worker exited before sending '${type}'`)
    }
  }
  return { worker, waitFor, exited }
}

const ITERATIONS = 400

test('4 workers at once: same results as the main thread', async () => {
  const workers = [0, 1, 2, 3].map((index) => startWorker({ mode: 'run', index, iterations: ITERATIONS }))
  // Use the addon on the main thread while the workers run.
  await Promise.all(workers.map((w) => w.waitFor('loaded')))
  const expected = [0, 1, 2, 3].map((index) => workload(ours, base58, createHash, index, ITERATIONS))
  for (const e of expected) assert.deepEqual(e.failures, [])
  // Different indices give different work (so matching digests mean something).
  assert.equal(new Set(expected.map((e) => e.digest)).size, 4)
  const results = await Promise.all(workers.map((w) => w.waitFor('done')))
  for (const [i, r] of results.entries()) {
    assert.equal(r.index, i)
    assert.deepEqual(r.failures, [], `worker ${i} self-checks`)
    assert.equal(r.digest, expected[i].digest, `worker ${i} results differ from the main thread`)
  }
  const codes = await Promise.all(workers.map((w) => w.exited))
  assert.deepEqual(codes, [0, 0, 0, 0])
})

test('create and terminate workers repeatedly (10 rounds)', async () => {
  for (let round = 0; round < 10; round++) {
    const busy = [0, 1, 2].map((i) => startWorker({ mode: 'spin', index: round * 3 + i }))
    // One worker is terminated before (or while) it loads the addon.
    const early = startWorker({ mode: 'spin', index: 1000 + round })
    const earlyExit = early.worker.terminate()
    await Promise.all(busy.map((w) => w.waitFor('spinning')))
    if (round % 2 === 1) await new Promise((r) => setTimeout(r, 5 + round))
    const codes = await Promise.all(busy.map((w) => w.worker.terminate()))
    assert.deepEqual(codes, [1, 1, 1], `round ${round}: terminated workers exit with code 1`)
    // Node reports 0 for a worker stopped before it ran any JavaScript, 1 otherwise.
    const earlyCode = await earlyExit
    assert.ok(earlyCode === 0 || earlyCode === 1, `round ${round}: early worker exit code ${earlyCode}`)
    assert.equal(await early.exited, earlyCode)
    // The main thread's instance is unaffected.
    const signer = new TextEncoder().encode('signerSecret_z' + base58.encode(new Uint8Array(32).fill(round + 1)))
    const sig = ours.sign(Uint8Array.of(round), signer)
    assert.equal(ours.verify(new TextEncoder().encode(sig), Uint8Array.of(round), new TextEncoder().encode(ours.getSignerId(signer))), true)
  }
  // And a fresh worker still computes the same results as the main thread.
  const w = startWorker({ mode: 'run', index: 7, iterations: 100 })
  const done = await w.waitFor('done')
  assert.deepEqual(done.failures, [])
  assert.equal(done.digest, workload(ours, base58, createHash, 7, 100).digest)
  assert.equal(await w.exited, 0)
})
