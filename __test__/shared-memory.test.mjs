// Inputs on shared memory that another thread writes during the call (a SharedArrayBuffer view):
// each input is read exactly once into memory the call owns, so a racing writer can only make the
// call see one consistent value or the other, never a mix.
//
// The attacks: ed25519Verify read R twice (once for the hash, once for the comparison), so a
// thread flipping R between R1 and R2 = [s]B − [H(R1 ‖ A ‖ M)]A made a signature valid for
// neither verify (4,984 of 20,000 before); ed25519Sign hashed the message twice (nonce, then k),
// so a thread flipping a byte made signatures that share R with another S, which gives away the
// secret scalar (9,920 of 20,000). Here a worker thread flips the bytes as fast as it can while
// the main thread calls, a bounded number of times, then the worker is stopped.
// Seeded: SHARED_SEED=<seed>.

import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { createRequire } from 'node:module'
import { createHash } from 'node:crypto'
import { Worker } from 'node:worker_threads'
import { Rng, seedFrom } from './helpers/rng.mjs'

const require = createRequire(import.meta.url)
const ours = require('../napi-crypto.js')
const { ed25519 } = require('@noble/curves/ed25519')
const { base58 } = require('@scure/base')

const rng = new Rng(seedFrom('SHARED_SEED', 'shared-memory'))
const CALLS = 20_000
const utf8 = (s) => new TextEncoder().encode(s)
const hex = (b) => Buffer.from(b).toString('hex')

// A worker that alternates `length` bytes at `offset` of `shared` between `a` and `b` with plain
// (racy) stores until `stop[0]` is 1; it counts its flips in `stop[1]`.
const FLIPPER = `
const { workerData } = require('node:worker_threads')
const { shared, offset, a, b, control } = workerData
const view = new Uint8Array(shared, offset, a.length)
const stop = new Int32Array(control)
let flips = 0
while (Atomics.load(stop, 0) === 0) {
  view.set(a)
  view.set(b)
  flips += 2
  if ((flips & 1023) === 0) Atomics.store(stop, 1, flips)
}
Atomics.store(stop, 1, flips)
`

/** Runs `body(view)` while a worker flips `view` (a SharedArrayBuffer view) between `a` and `b`. */
async function racing(initial, offset, a, b, body) {
  const shared = new SharedArrayBuffer(initial.length)
  const view = new Uint8Array(shared)
  view.set(initial)
  const control = new SharedArrayBuffer(8)
  const stop = new Int32Array(control)
  const worker = new Worker(FLIPPER, { eval: true, workerData: { shared, offset, a, b, control } })
  await new Promise((resolve, reject) => {
    worker.once('online', resolve)
    worker.once('error', reject)
  })
  // Wait until the worker is really flipping.
  while (Atomics.load(stop, 1) === 0) await new Promise((r) => setTimeout(r, 1))
  try {
    return body(view)
  } finally {
    Atomics.store(stop, 0, 1)
    await new Promise((resolve) => worker.once('exit', resolve))
    assert.ok(Atomics.load(stop, 1) > 10_000, `the worker flipped only ${Atomics.load(stop, 1)} times`)
  }
}

const L = ed25519.CURVE.n
const Point = ed25519.ExtendedPoint
const fromLE = (bytes) => bytes.reduceRight((n, x) => (n << 8n) | BigInt(x), 0n)
const toLE = (n) => Uint8Array.from({ length: 32 }, (_, i) => Number((n >> BigInt(8 * i)) & 255n))

describe('inputs on shared memory are read once', () => {
  test('ed25519Verify: a signature whose R flips between R1 and R2 never verifies', async () => {
    const seed = rng.bytes(32)
    const publicKey = ours.ed25519VerifyingKey(seed)
    const A = Point.fromHex(publicKey)
    const message = rng.bytes(40)
    const r1 = Point.BASE.multiply((fromLE(rng.bytes(64)) % (L - 1n)) + 1n).toRawBytes()
    const s = (fromLE(rng.bytes(64)) % (L - 1n)) + 1n
    const k1 = fromLE(createHash('sha512').update(r1).update(publicKey).update(message).digest()) % L
    // [s]B − [k1]A: what a verification that hashes R1 but compares against R2 accepts.
    const r2 = Point.BASE.multiply(s).subtract(A.multiply(k1)).toRawBytes()
    const signature = (r) => Uint8Array.from([...r, ...toLE(s)])
    assert.equal(ours.ed25519Verify(publicKey, message, signature(r1)), false)
    assert.equal(ours.ed25519Verify(publicKey, message, signature(r2)), false)
    const accepted = await racing(signature(r1), 0, r1, r2, (view) => {
      let count = 0
      for (let i = 0; i < CALLS; i++) if (ours.ed25519Verify(publicKey, message, view)) count++
      return count
    })
    assert.equal(accepted, 0, `${accepted} of ${CALLS} verifications of a signature valid for neither R returned true`)
  })

  test('ed25519Sign and sign: a message flipping between M1 and M2 gives the signature of M1 or of M2', async () => {
    const seed = rng.bytes(32)
    const secret = utf8('signerSecret_z' + base58.encode(seed))
    const m1 = rng.bytes(100)
    const m2 = m1.slice()
    m2[50] ^= 0xff
    const raw = new Set([hex(ours.ed25519Sign(seed, m1)), hex(ours.ed25519Sign(seed, m2))])
    const strings = new Set([ours.sign(m1, secret), ours.sign(m2, secret)])
    const bad = await racing(m1, 50, m1.subarray(50, 51), m2.subarray(50, 51), (view) => {
      let mixed = 0
      for (let i = 0; i < CALLS / 2; i++) {
        if (!raw.has(hex(ours.ed25519Sign(seed, view)))) mixed++
        if (!strings.has(ours.sign(view, secret))) mixed++
      }
      return mixed
    })
    assert.equal(bad, 0, `${bad} of ${CALLS} signatures are of neither message (they would leak the secret scalar)`)
  })

  test('verify: an id flipping between valid UTF-8 and not gives a verdict or ERR_INVALID_UTF8, never more', async () => {
    const seed = rng.bytes(32)
    const secret = utf8('signerSecret_z' + base58.encode(seed))
    const id = utf8(ours.getSignerId(secret))
    const message = rng.bytes(20)
    const signature = utf8(ours.sign(message, secret))
    const outcomes = await racing(id, 9, id.subarray(9, 10), Uint8Array.of(0xff), (view) => {
      const seen = { true: 0, utf8: 0, other: 0 }
      for (let i = 0; i < CALLS / 4; i++) {
        try {
          if (ours.verify(signature, message, view) === true) seen.true++
          else seen.other++
        } catch (e) {
          if (e.code === 'ERR_INVALID_UTF8') seen.utf8++
          else seen.other++
        }
      }
      return seen
    })
    assert.equal(outcomes.other, 0, JSON.stringify(outcomes))
    assert.ok(outcomes.true > 0 && outcomes.utf8 > 0, `both values were seen: ${JSON.stringify(outcomes)}`)
  })
})
