// One Ed25519 verdict across the network: keys with a torsion component.
//
// A public key A = aB + T, with T one of the 8 points of small order, is not itself of small
// order, so strict verification does not reject it outright. A signature made honestly with the
// scalar a (R = rB, S = r + k·a, k = SHA-512(R ‖ A ‖ M) mod ℓ) verifies under dalek's and
// libsodium's equation [k](−A) + [S]B = R exactly when [k]T is the identity (k ≡ 0 mod the order
// of T). An implementation with another equation accepts other signatures, so a signer could
// grind transactions that some peers accept and others reject. Here the published 0.20.19 binary
// (lenient dalek `verify`), libsodium (sodium-native) and ours must give the same verdict for every
// such signature, through `ed25519Verify`, `verify` and SessionMap verification; the keys and
// signatures are built with @noble/curves, an implementation independent of all three. On Windows,
// for which 0.20.19 has no binary (its platform packages are Linux and macOS only), ours and
// libsodium give the verdicts, and the comparisons with 0.20.19 are skipped, saying so.
//
// Seeded: rerun a failure with TORSION_SEED=<seed>.

import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { createRequire } from 'node:module'
import { createHash } from 'node:crypto'
import { Rng, seedFrom } from './helpers/rng.mjs'

const require = createRequire(import.meta.url)
const ours = require('../napi-crypto.js')
const upstream = process.platform === 'win32' ? null : require('cojson-core-napi-upstream')
const noUpstream = upstream ? false : `cojson-core-napi@0.20.19 publishes no binary for ${process.platform}-${process.arch}`
const sodium = require('sodium-native')
const { ed25519 } = require('@noble/curves/ed25519')
const { base58 } = require('@scure/base')

const SEED = seedFrom('TORSION_SEED', 'ed25519-torsion')
const rng = new Rng(SEED)
const Point = ed25519.ExtendedPoint
const L = ed25519.CURVE.n
const utf8 = (s) => new TextEncoder().encode(s)

const toLE = (n) => {
  const out = new Uint8Array(32)
  for (let i = 0; i < 32; i++, n >>= 8n) out[i] = Number(n & 255n)
  return out
}
const fromLE = (bytes) => bytes.reduceRight((n, b) => (n << 8n) | BigInt(b), 0n)
const scalar = () => (fromLE(rng.bytes(64)) % (L - 1n)) + 1n
const sha512 = (...parts) => {
  const h = createHash('sha512')
  for (const p of parts) h.update(p)
  return new Uint8Array(h.digest())
}

// The torsion subgroup: [i]T8 for a point T8 of order 8.
const T8 = Point.fromHex('26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05')
const TORSION = [Point.ZERO]
for (let i = 1; i < 8; i++) TORSION.push(TORSION[i - 1].add(T8))

/** A key aB + T and a signer that signs honestly with a. */
function mixedOrderKey(t) {
  const a = scalar()
  const publicKey = Point.BASE.multiply(a).add(t).toRawBytes()
  return {
    publicKey,
    t,
    sign(message) {
      const r = scalar()
      const R = Point.BASE.multiply(r).toRawBytes()
      const k = fromLE(sha512(R, publicKey, message)) % L
      const signature = new Uint8Array(64)
      signature.set(R)
      signature.set(toLE((r + k * a) % L), 32)
      // What dalek and libsodium accept: [k]T = identity.
      const expected = t.multiplyUnsafe(k).equals(Point.ZERO)
      return { signature, k, expected }
    },
  }
}

function verdicts(publicKey, message, signature) {
  return {
    ours: ours.ed25519Verify(publicKey, message, signature),
    ...(upstream && { upstream: upstream.ed25519Verify(publicKey, message, signature) }),
    libsodium: sodium.crypto_sign_verify_detached(Buffer.from(signature), Buffer.from(message), Buffer.from(publicKey)),
  }
}

describe('Ed25519 keys with a torsion component: every peer gives the same verdict', () => {
  test('0.20.19 takes part in the verdicts below', { skip: noUpstream }, () => {
    assert.equal(typeof upstream.ed25519Verify, 'function')
  })

  test('ed25519Verify and verify: ours = 0.20.19 = libsodium, each torsion component, every k mod 8', () => {
    const residues = TORSION.map(() => new Set())
    let accepted = 0
    let rejected = 0
    for (const [index, t] of TORSION.entries()) {
      const key = mixedOrderKey(t)
      const id = utf8('signer_z' + base58.encode(key.publicKey))
      // At least 64 messages, and on until every residue of k mod 8 has come up (bounded).
      for (let m = 0; m < 64 || (residues[index].size < 8 && m < 1024); m++) {
        const message = rng.bytes(rng.int(100))
        const { signature, k, expected } = key.sign(message)
        residues[index].add(Number(k % 8n))
        const v = verdicts(key.publicKey, message, signature)
        const where = `component ${index}, k mod 8 = ${k % 8n} (seed ${SEED})`
        assert.deepEqual(v, { ours: expected, ...(upstream && { upstream: expected }), libsodium: expected }, where)
        const sig = utf8('signature_z' + base58.encode(signature))
        assert.equal(ours.verify(sig, message, id), expected, where)
        if (upstream) assert.equal(upstream.verify(sig, message, id), expected, where)
        if (index > 0) expected ? accepted++ : rejected++
      }
    }
    // Every residue came up for every component (1,024 messages miss one with probability < 1e-57),
    // and the torsion keys give both verdicts, so a wrong equation cannot pass unnoticed.
    for (const [index, seen] of residues.entries()) assert.equal(seen.size, 8, `component ${index}: residues ${[...seen]}`)
    assert.ok(accepted > 20 && rejected > 200, `accepted ${accepted}, rejected ${rejected}`)
  })

  test('SessionMap: a session signed with a torsion-carrying key is accepted or rejected as by 0.20.19', () => {
    const header = JSON.stringify({
      createdAt: null,
      meta: null,
      ruleset: { type: 'unsafeAllowAll' },
      type: 'comap',
      uniqueness: 'zTorsion',
    })
    const coId = 'co_z' + ours.shortHash(header).slice('shortHash_z'.length)
    let accepted = 0
    let rejected = 0
    for (const [index, t] of TORSION.entries()) {
      if (index === 0) continue
      const key = mixedOrderKey(t)
      const signerId = 'signer_z' + base58.encode(key.publicKey)
      for (let m = 0; m < 16; m++) {
        const sessionId = `${coId}_session_zTorsion${index}x${m}`
        const tx = { changes: JSON.stringify([{ op: 'set', key: 'k', value: m }]), madeAt: 1700000000000 + m, privacy: 'trusting' }
        const txJson = JSON.stringify([tx])
        // The session signature covers `"hash_z<base58(BLAKE3(canonical tx))>"`, quotes included.
        const canonical = `{"changes":${JSON.stringify(tx.changes)},"madeAt":${tx.madeAt},"privacy":"trusting"}`
        const hash = 'hash_z' + base58.encode((upstream ?? ours).blake3HashOnce(utf8(canonical)))
        const { signature, expected } = key.sign(utf8(JSON.stringify(hash)))
        const signatureString = 'signature_z' + base58.encode(signature)
        const outcome = (impl) => {
          const map = new impl.SessionMap(coId, header)
          try {
            map.addTransactions(sessionId, signerId, txJson, signatureString, false)
            return map.getTransactionCount(sessionId) === 1
          } catch {
            return false
          }
        }
        const where = `component ${index}, message ${m} (seed ${SEED})`
        if (upstream) assert.equal(outcome(upstream), expected, `0.20.19, ${where}`)
        assert.equal(outcome(ours), expected, `ours, ${where}`)
        expected ? accepted++ : rejected++
      }
    }
    assert.ok(accepted > 0 && rejected > 0, `accepted ${accepted}, rejected ${rejected}`)
  })

  test('the deliberate difference: small-order keys never verify here (0.20.19 accepts the trivial signature)', () => {
    for (const t of TORSION) {
      const publicKey = t.toRawBytes()
      const trivial = new Uint8Array(64)
      trivial.set(Point.ZERO.toRawBytes())
      // [k](−T) + [0]B = identity = R holds whenever [k]T is the identity, in particular for T = 0.
      if (upstream && t.equals(Point.ZERO)) assert.equal(upstream.ed25519Verify(publicKey, utf8('any'), trivial), true)
      assert.equal(ours.ed25519Verify(publicKey, utf8('any'), trivial), false)
      assert.equal(sodium.crypto_sign_verify_detached(Buffer.from(trivial), Buffer.from('any'), Buffer.from(publicKey)), false)
    }
  })
})
