// The optional `out` argument of every byte-returning export, and aliasing.
//
// `out` must be a Uint8Array of exactly the result's length on an ArrayBuffer; the result is
// computed first and then copied into it, so an `out` that is also an input (the same buffer, or
// an overlapping view of one) gets the result the call would give without aliasing. A failing
// call leaves `out` untouched. Seeded: OUT_SEED=<seed>.

import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { createRequire } from 'node:module'
import { Rng, seedFrom } from './helpers/rng.mjs'

const require = createRequire(import.meta.url)
const ours = require('../napi-crypto.js')
const { base58 } = require('@scure/base')

const rng = new Rng(seedFrom('OUT_SEED', 'out-argument'))
const utf8 = (s) => new TextEncoder().encode(s)
const seed = rng.bytes(32)
const sealerA = 'sealerSecret_z' + base58.encode(rng.bytes(32))
const sealerB = 'sealerSecret_z' + base58.encode(rng.bytes(32))
const sealerBId = ours.getSealerId(utf8(sealerB))
const sealerAId = ours.getSealerId(utf8(sealerA))
const keySecret = 'keySecret_z' + base58.encode(rng.bytes(32))

// Each case: the export, a maker of fresh valid arguments for a message of `n` bytes, the
// indices of its byte arguments (candidates to alias with `out`), and the result length.
const CASES = [
  ['blake3HashOnce', (n) => [rng.bytes(n)], [0], () => 32],
  ['blake3HashOnceWithContext', (n) => [rng.bytes(n), rng.bytes(5)], [0, 1], () => 32],
  ['generateNonce', (n) => [rng.bytes(n)], [0], () => 24],
  ['ed25519VerifyingKey', () => [seed.slice()], [0], () => 32],
  ['ed25519SigningKeyToPublic', () => [seed.slice()], [0], () => 32],
  ['ed25519Sign', (n) => [seed.slice(), rng.bytes(n)], [0, 1], () => 64],
  ['ed25519SigningKeySign', (n) => [seed.slice(), rng.bytes(n)], [0, 1], () => 64],
  ['ed25519SigningKeyFromBytes', () => [rng.bytes(32)], [0], () => 32],
  ['ed25519VerifyingKeyFromBytes', () => [rng.bytes(32)], [0], () => 32],
  ['ed25519SignatureFromBytes', () => [rng.bytes(64)], [0], () => 64],
  ['x25519PublicKey', () => [rng.bytes(32)], [0], () => 32],
  ['x25519DiffieHellman', () => [rng.bytes(32), ours.x25519PublicKey(rng.bytes(32))], [0, 1], () => 32],
  ['encrypt', (n) => [rng.bytes(n), keySecret, rng.bytes(9)], [0, 2], (n) => n],
  ['decrypt', (n) => [rng.bytes(n), keySecret, rng.bytes(9)], [0, 2], (n) => n],
  ['encryptXsalsa20', (n) => [rng.bytes(32), rng.bytes(9), rng.bytes(n)], [0, 1, 2], (n) => n],
  ['decryptXsalsa20', (n) => [rng.bytes(32), rng.bytes(9), rng.bytes(n)], [0, 1, 2], (n) => n],
  ['seal', (n) => [rng.bytes(n), sealerA, sealerBId, rng.bytes(9)], [0, 3], (n) => n + 16],
  ['unseal', (n) => [ours.seal(rng.bytes(n), sealerA, sealerBId, utf8('nm')), sealerB, sealerAId, utf8('nm')], [0, 3], (n) => n],
  ['unsealForGroup', (n) => [ours.sealForGroup(rng.bytes(n), sealerBId, utf8('nm')), sealerB, utf8('nm')], [0, 2], (n) => n],
]

const same = (a, b) => a.length === b.length && a.every((x, i) => x === b[i])
const copyArgs = (args) => args.map((a) => (a instanceof Uint8Array ? a.slice() : a))

describe('out: the result copied into a caller-supplied Uint8Array', () => {
  for (const [name, make, byteArgs, resultLength] of CASES) {
    test(name, () => {
      for (const n of [0, 10, 64, 65, 300]) {
        const args = make(n)
        const expected = ours[name](...copyArgs(args))
        const length = resultLength(n)
        assert.equal(expected.length, length)
        // A fresh out, a Buffer, a view at an offset: the same bytes, and `out` itself returned.
        for (const out of [new Uint8Array(length), Buffer.alloc(length), new Uint8Array(length + 20).subarray(7, 7 + length)]) {
          const returned = ours[name](...copyArgs(args), out)
          assert.equal(returned, out, `${name}(n=${n}): returns out`)
          assert.ok(same(out, expected), `${name}(n=${n}): out holds the result`)
        }
        // Aliasing: out overlaps a byte argument (the same bytes when the lengths match, else a
        // view over the start of a buffer that holds the argument), and the result is unchanged.
        for (const index of byteArgs) {
          const aliased = copyArgs(args)
          const input = aliased[index]
          const backing = new Uint8Array(Math.max(input.length, length) + 8)
          backing.set(input, 3)
          aliased[index] = backing.subarray(3, 3 + input.length)
          const out = backing.subarray(3, 3 + length)
          const returned = ours[name](...aliased, out)
          assert.equal(returned, out)
          assert.ok(same(out, expected), `${name}(n=${n}): out aliasing argument ${index}`)
        }
        // Wrong lengths are refused and leave out untouched.
        for (const wrong of [length + 1, Math.max(0, length - 1)]) {
          if (wrong === length) continue
          const out = new Uint8Array(wrong).fill(0xa5)
          assert.throws(() => ours[name](...copyArgs(args), out), { code: 'ERR_INVALID_LENGTH', message: `out must be ${length} bytes, got ${wrong}` })
          assert.ok(out.every((b) => b === 0xa5), `${name}: out untouched after an error`)
        }
      }
    })
  }

  test('a failed call leaves out untouched', () => {
    const out = new Uint8Array(26).fill(7)
    const sealed = ours.seal(rng.bytes(10), sealerA, sealerBId, utf8('nm'))
    sealed[0] ^= 1
    assert.throws(() => ours.unseal(sealed, sealerB, sealerAId, utf8('nm'), out.subarray(0, 10)), { code: 'ERR_DECRYPTION_FAILED' })
    assert.ok(out.every((b) => b === 7))
  })

  test('out must be a Uint8Array on an ArrayBuffer', () => {
    const data = rng.bytes(10)
    assert.throws(() => ours.blake3HashOnce(data, new Uint8Array(new SharedArrayBuffer(32))), {
      code: 'ERR_INVALID_ARG_TYPE',
      message: 'out must be a Uint8Array on an ArrayBuffer, got a SharedArrayBuffer view',
    })
    for (const [value, got] of [
      [new Uint16Array(16), 'Uint16Array'],
      ['x'.repeat(32), 'string'],
      [new ArrayBuffer(32), 'ArrayBuffer'],
      [42, 'number'],
      [[], 'Array'],
    ]) {
      assert.throws(() => ours.blake3HashOnce(data, value), { code: 'ERR_INVALID_ARG_TYPE', message: `out must be a Uint8Array, got ${got}` })
    }
  })

  test('Blake3Hasher#finalize, newEd25519SigningKey and newX25519PrivateKey take out too', () => {
    const hasher = new ours.Blake3Hasher()
    hasher.update(utf8('abc'))
    const out = new Uint8Array(32)
    assert.equal(hasher.finalize(out), out)
    assert.ok(same(out, ours.blake3HashOnce(utf8('abc'))))
    for (const name of ['newEd25519SigningKey', 'newX25519PrivateKey']) {
      const key = new Uint8Array(32)
      assert.equal(ours[name](key), key)
      assert.ok(key.some((b) => b !== 0), `${name} filled out`)
      assert.throws(() => ours[name](new Uint8Array(31)), { code: 'ERR_INVALID_LENGTH' })
    }
  })
})
