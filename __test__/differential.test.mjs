// Differential tests: our package against the published cojson-core-napi@0.20.19 binary
// (installed as `cojson-core-napi-upstream`). Every case feeds the same pseudo-random inputs to
// both and requires byte-identical outputs (or, where upstream is random, agreement through the
// other implementation).
//
// The inputs come from a seeded PRNG (mulberry32). The seed is printed at the start; rerun a
// failure with `DIFF_SEED=<seed> node --test __test__/differential.test.mjs`. `DIFF_CASES` raises
// the number of cases per export (default and minimum 1,000).
//
// Deliberate differences are not compared here (they are covered by errors.test.mjs): error codes
// and messages, strict Ed25519 verification (small-order keys / R) and the rejection of low-order
// X25519 public keys. Only random, valid keys are used where those would matter.

import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { createRequire } from 'node:module'
import { Rng as BaseRng, saltedSeed, seedFrom } from './helpers/rng.mjs'

const require = createRequire(import.meta.url)
const ours = require('../napi-crypto.js')
const { base58 } = require('@scure/base')

let up = null
let skip = false
if (process.platform !== 'linux' || process.arch !== 'x64') {
  skip = `the differential tests run only on linux-x64 (this is ${process.platform}-${process.arch})`
} else {
  try {
    up = require('cojson-core-napi-upstream')
  } catch (error) {
    skip = `cojson-core-napi-upstream cannot be loaded: ${String(error && error.message).split('\n')[0]}`
  }
}

const SEED = seedFrom('DIFF_SEED', 'differential')
const CASES = Math.max(1000, Number(process.env.DIFF_CASES) || 1000)
console.log(`# differential: ${CASES} cases per export (DIFF_CASES)`)

// ---------------------------------------------------------------------------------------------
// PRNG and input generators



const FIXED_SIZES = [0, 1, 31, 32, 33, 63, 64, 65, 100, 1024, 5000]

class Rng extends BaseRng {
  constructor(salt) {
    super(saltedSeed(SEED, salt))
  }
  // A data size: the fixed list (0, 1, 31, 32, 33, 63, 64, 65, 100, 1024, 5000) or random.
  size() {
    const r = this.next()
    if (r < 0.6) return this.pick(FIXED_SIZES)
    if (r < 0.95) return this.int(300)
    return this.int(20000)
  }
  // A 32-byte key, sometimes with leading zero bytes (leading '1's in base58).
  key32() {
    const k = this.bytes(32)
    if (this.bool(0.08)) k.fill(0, 0, 1 + this.int(3))
    return k
  }
  // The same bytes as a plain Uint8Array, a Buffer (often a view into Node's pool) or a view with
  // an offset into a larger buffer.
  present(bytes) {
    switch (this.int(3)) {
      case 0:
        return bytes
      case 1:
        return Buffer.from(bytes)
      default: {
        const offset = 1 + this.int(15)
        const backing = this.bytes(offset + bytes.length + this.int(16))
        backing.set(bytes, offset)
        return backing.subarray(offset, offset + bytes.length)
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Assertions

const hex = (b) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex')
const utf8 = (s) => new TextEncoder().encode(s)

function plain(x, what) {
  assert.ok(x instanceof Uint8Array, `${what}: not a Uint8Array (seed ${SEED})`)
  assert.equal(x.constructor, Uint8Array, `${what}: constructor is ${x.constructor && x.constructor.name} (seed ${SEED})`)
  assert.equal(Buffer.isBuffer(x), false, `${what}: is a Buffer (seed ${SEED})`)
  assert.equal(x.byteOffset, 0, `${what}: byteOffset ${x.byteOffset} (seed ${SEED})`)
  assert.equal(x.buffer.byteLength, x.length, `${what}: buffer.byteLength ${x.buffer.byteLength} != length ${x.length} (seed ${SEED})`)
}

// `a` is ours (checked to be a plain Uint8Array), `b` the reference.
function same(a, b, what) {
  plain(a, what)
  if (a.length !== b.length || !Buffer.from(a.buffer, a.byteOffset, a.length).equals(Buffer.from(b.buffer, b.byteOffset, b.length))) {
    assert.equal(hex(a), hex(b), `${what}: ours != upstream (seed ${SEED})`)
  }
}

function bytesEqual(a, b) {
  return a.length === b.length && Buffer.from(a.buffer, a.byteOffset, a.length).equals(Buffer.from(b.buffer, b.byteOffset, b.length))
}

// Runs f and reports { ok, value } or { ok: false, error }.
function outcome(f) {
  try {
    return { ok: true, value: f() }
  } catch (error) {
    return { ok: false, error }
  }
}

function flipBit(bytes, rng) {
  const out = Uint8Array.from(bytes)
  const i = rng.int(out.length)
  out[i] ^= 1 << rng.int(8)
  return out
}

function tamperMessage(msg, rng) {
  return msg.length === 0 ? Uint8Array.of(rng.int(256)) : flipBit(msg, rng)
}

// A string-encoded value (prefix + base58) with one bit of its decoded bytes flipped.
function tamperEncoded(prefix, text, rng) {
  return prefix + base58.encode(flipBit(base58.decode(text.slice(prefix.length)), rng))
}

// ---------------------------------------------------------------------------------------------

describe('differential: ours vs cojson-core-napi@0.20.19', { skip }, () => {
  test('blake3HashOnce', (t) => {
    t.diagnostic(`seed ${SEED} (DIFF_SEED=${SEED} reproduces this run), ${CASES} cases per export`)
    const rng = new Rng('blake3HashOnce')
    for (let i = 0; i < CASES; i++) {
      const data = rng.bytes(i < FIXED_SIZES.length ? FIXED_SIZES[i] : rng.size())
      const arg = rng.present(data)
      const before = hex(arg)
      same(ours.blake3HashOnce(arg), up.blake3HashOnce(arg), `blake3HashOnce case ${i} (${data.length} bytes)`)
      assert.equal(hex(arg), before, 'input was modified')
    }
  })

  test('blake3HashOnce over the parallel threshold (128 KiB+)', () => {
    const rng = new Rng('blake3HashOnce big')
    for (const n of [128 * 1024 - 1, 128 * 1024, 128 * 1024 + 1, 300000 + rng.int(1000), 1 << 20]) {
      const data = rng.bytes(n)
      same(ours.blake3HashOnce(data), up.blake3HashOnce(data), `blake3HashOnce ${n} bytes`)
      same(ours.blake3HashOnceWithContext(data, data.subarray(0, 7)), up.blake3HashOnceWithContext(data, data.subarray(0, 7)), `withContext ${n}`)
    }
  })

  test('blake3HashOnceWithContext', () => {
    const rng = new Rng('blake3HashOnceWithContext')
    for (let i = 0; i < CASES; i++) {
      const data = rng.bytes(rng.size())
      const context = rng.bytes(rng.bool() ? rng.int(40) : rng.size())
      const a = rng.present(data)
      const c = rng.present(context)
      const got = ours.blake3HashOnceWithContext(a, c)
      same(got, up.blake3HashOnceWithContext(a, c), `blake3HashOnceWithContext case ${i} (${data.length}, ${context.length})`)
      if (i % 10 === 0) {
        const joined = new Uint8Array(context.length + data.length)
        joined.set(context)
        joined.set(data, context.length)
        same(got, up.blake3HashOnce(joined), `withContext == hash(context ‖ data), case ${i}`)
      }
    }
  })

  test('Blake3Hasher: random sequences of update / finalize / clone', () => {
    const rng = new Rng('Blake3Hasher')
    const updateSizes = [0, 1, 63, 64, 65, 1023, 1024, 1025, 4095, 4096, 4097, 16383, 16384, 16385]
    let finalizes = 0
    for (let i = 0; i < CASES; i++) {
      const pairs = [[new ours.Blake3Hasher(), new up.Blake3Hasher()]]
      const manySmall = i % 50 === 0 // crosses the 16 KiB batching block with many small updates
      const ops = manySmall ? 80 : 1 + rng.int(12)
      for (let op = 0; op < ops; op++) {
        const r = rng.next()
        const [o, u] = rng.pick(pairs)
        if (r < 0.65) {
          const n = manySmall ? 100 + rng.int(600) : rng.bool(0.3) ? rng.pick(updateSizes) : rng.int(200)
          const data = rng.present(rng.bytes(n))
          assert.equal(o.update(data), undefined)
          u.update(data)
          // The caller may reuse its buffer: later changes must not leak into the hash.
          if (rng.bool(0.3)) data.fill(rng.int(256))
        } else if (r < 0.85) {
          same(o.finalize(), u.finalize(), `Blake3Hasher case ${i} op ${op} finalize`)
          finalizes++
        } else {
          const co = o.clone()
          const cu = u.clone()
          assert.ok(co instanceof ours.Blake3Hasher)
          pairs.push([co, cu])
        }
      }
      for (const [k, [o, u]] of pairs.entries()) {
        same(o.finalize(), u.finalize(), `Blake3Hasher case ${i} final ${k}`)
        finalizes++
      }
    }
    assert.ok(finalizes >= CASES)
  })

  test('generateNonce', () => {
    const rng = new Rng('generateNonce')
    for (let i = 0; i < CASES; i++) {
      const m = rng.present(rng.bytes(rng.size()))
      const got = ours.generateNonce(m)
      assert.equal(got.length, 24)
      same(got, up.generateNonce(m), `generateNonce case ${i}`)
    }
  })

  test('shortHash (random strings incl. non-ASCII, astral and lone surrogates)', () => {
    const rng = new Rng('shortHash')
    const pools = [
      () => String.fromCharCode(32 + rng.int(95)), // printable ASCII
      () => String.fromCharCode(rng.int(32)), // control chars incl. NUL
      () => String.fromCharCode(0xa0 + rng.int(0x700)), // Latin-1 .. Cyrillic etc. (2-byte UTF-8)
      () => String.fromCharCode(0x4e00 + rng.int(0x5000)), // CJK (3-byte)
      () => String.fromCodePoint(0x1f300 + rng.int(0x300)), // emoji (surrogate pairs, 4-byte)
      () => String.fromCharCode(0xd800 + rng.int(0x800)), // lone surrogate (-> U+FFFD)
      () => '"{}[]:,\\',
    ]
    const re = /^shortHash_z[1-9A-HJ-NP-Za-km-z]+$/
    for (let i = 0; i < CASES; i++) {
      // Lengths cluster around 512 UTF-8 bytes, where the addon switches string buffers.
      const target = rng.bool(0.3) ? 490 + rng.int(40) : rng.bool(0.2) ? rng.int(3000) : rng.int(80)
      let s = ''
      const weights = rng.int(pools.length)
      while (Buffer.byteLength(s) < target) s += rng.bool(0.5) ? pools[0]() : pools[rng.int(weights + 1)]()
      const got = ours.shortHash(s)
      assert.equal(typeof got, 'string')
      assert.match(got, re)
      assert.equal(got, up.shortHash(s), `shortHash case ${i} (${JSON.stringify(s.slice(0, 40))}…, ${s.length} UTF-16 units, seed ${SEED})`)
    }
  })

  test('ed25519VerifyingKey / ed25519SigningKeyToPublic / ed25519Sign / ed25519SigningKeySign / ed25519Verify', () => {
    const rng = new Rng('ed25519')
    for (let i = 0; i < CASES; i++) {
      const sk = rng.key32()
      const skArg = rng.present(sk)
      const msg = rng.bytes(rng.size())
      const msgArg = rng.present(msg)
      const pk = ours.ed25519VerifyingKey(skArg)
      same(pk, up.ed25519VerifyingKey(skArg), `ed25519VerifyingKey case ${i}`)
      same(ours.ed25519SigningKeyToPublic(skArg), up.ed25519SigningKeyToPublic(skArg), `ed25519SigningKeyToPublic case ${i}`)
      const sig = ours.ed25519Sign(skArg, msgArg)
      same(sig, up.ed25519Sign(skArg, msgArg), `ed25519Sign case ${i}`)
      same(ours.ed25519SigningKeySign(skArg, msgArg), up.ed25519SigningKeySign(skArg, msgArg), `ed25519SigningKeySign case ${i}`)

      const variants = [
        ['valid', pk, msg, sig],
        ['tampered message', pk, tamperMessage(msg, rng), sig],
        ['tampered signature', pk, msg, flipBit(sig, rng)],
      ]
      for (const [name, k, m, s] of variants) {
        const o = outcome(() => ours.ed25519Verify(rng.present(k), rng.present(m), rng.present(s)))
        const u = outcome(() => up.ed25519Verify(k, m, s))
        assert.equal(o.ok, u.ok, `ed25519Verify ${name} case ${i}: ours ${o.ok ? 'returned' : 'threw ' + o.error.message}, upstream ${u.ok ? 'returned' : 'threw ' + u.error.message}`)
        if (o.ok) assert.equal(o.value, u.value, `ed25519Verify ${name} case ${i} (seed ${SEED})`)
        if (name === 'valid') assert.equal(o.value, true, `valid signature rejected, case ${i}`)
      }
    }
  })

  test('ed25519Verify with random public keys and signatures (same accept / reject / throw)', () => {
    const rng = new Rng('ed25519Verify random')
    let threw = 0
    for (let i = 0; i < CASES; i++) {
      const pk = rng.bytes(32)
      const msg = rng.bytes(rng.int(100))
      const sig = rng.bytes(64)
      if (rng.bool(0.5)) sig[63] &= 0x0f // canonical S more often
      const o = outcome(() => ours.ed25519Verify(pk, msg, sig))
      const u = outcome(() => up.ed25519Verify(pk, msg, sig))
      assert.equal(o.ok, u.ok, `case ${i} pk ${hex(pk)}: ours ${o.ok ? o.value : o.error.message} / upstream ${u.ok ? u.value : u.error.message}`)
      if (o.ok) assert.equal(o.value, u.value, `case ${i}`)
      else threw++
    }
    assert.ok(threw > 0 && threw < CASES, 'about half of random keys are not curve points')
  })

  test('ed25519SigningKeyFromBytes / VerifyingKeyFromBytes / SignatureFromBytes', () => {
    const rng = new Rng('fromBytes')
    const fns = [
      ['ed25519SigningKeyFromBytes', 32],
      ['ed25519VerifyingKeyFromBytes', 32],
      ['ed25519SignatureFromBytes', 64],
    ]
    for (const [name, n] of fns) {
      let accepted = 0
      for (let i = 0; i < CASES; i++) {
        const len = rng.bool(0.7) ? n : rng.pick([0, 1, n - 1, n + 1, 2 * n, rng.int(200)])
        const input = rng.bytes(len)
        const arg = rng.present(input)
        const o = outcome(() => ours[name](arg))
        const u = outcome(() => up[name](arg))
        assert.equal(o.ok, u.ok, `${name} with ${len} bytes`)
        if (o.ok) {
          accepted++
          same(o.value, u.value, `${name} case ${i}`)
          assert.notEqual(o.value.buffer, arg.buffer, `${name} must copy`)
        }
      }
      assert.ok(accepted > CASES / 2)
    }
  })

  test('sign / verify / getSignerId (string API)', () => {
    const rng = new Rng('sign')
    for (let i = 0; i < CASES; i++) {
      const seed = rng.key32()
      const secret = 'signerSecret_z' + base58.encode(seed)
      const secretBytes = rng.present(utf8(secret))
      const id = ours.getSignerId(secretBytes)
      assert.equal(id, up.getSignerId(secretBytes), `getSignerId case ${i}`)
      const msg = rng.bytes(rng.size())
      const sig = ours.sign(rng.present(msg), secretBytes)
      assert.equal(sig, up.sign(msg, secretBytes), `sign case ${i}`)
      assert.equal(id, 'signer_z' + base58.encode(ours.ed25519VerifyingKey(seed)))
      const variants = [
        ['valid', sig, msg],
        ['tampered message', sig, tamperMessage(msg, rng)],
        ['tampered signature', tamperEncoded('signature_z', sig, rng), msg],
      ]
      for (const [name, s, m] of variants) {
        const o = outcome(() => ours.verify(rng.present(utf8(s)), rng.present(m), rng.present(utf8(id))))
        const u = outcome(() => up.verify(utf8(s), m, utf8(id)))
        assert.equal(o.ok, u.ok, `verify ${name} case ${i}: ours ${o.ok ? o.value : o.error.message} / upstream ${u.ok ? u.value : u.error.message}`)
        if (o.ok) assert.equal(o.value, u.value, `verify ${name} case ${i} (seed ${SEED})`)
        if (name === 'valid') assert.equal(o.value, true)
      }
    }
  })

  test('x25519PublicKey / x25519DiffieHellman / getSealerId', () => {
    const rng = new Rng('x25519')
    for (let i = 0; i < CASES; i++) {
      const a = rng.key32() // unclamped, as newX25519PrivateKey returns
      const b = rng.key32()
      const aPub = ours.x25519PublicKey(rng.present(a))
      same(aPub, up.x25519PublicKey(a), `x25519PublicKey case ${i}`)
      const bPub = up.x25519PublicKey(b)
      const shared = ours.x25519DiffieHellman(rng.present(a), rng.present(bPub))
      same(shared, up.x25519DiffieHellman(a, bPub), `x25519DiffieHellman case ${i}`)
      same(ours.x25519DiffieHellman(b, aPub), shared, `DH symmetry case ${i}`)
      // A random u-coordinate (any 32 bytes, top bit possibly set) is a valid input too.
      const u = rng.bytes(32)
      same(ours.x25519DiffieHellman(a, u), up.x25519DiffieHellman(a, u), `x25519DiffieHellman random u case ${i} (u ${hex(u)})`)
      const secretBytes = rng.present(utf8('sealerSecret_z' + base58.encode(a)))
      const sealerId = ours.getSealerId(secretBytes)
      assert.equal(sealerId, up.getSealerId(secretBytes), `getSealerId case ${i}`)
      assert.equal(sealerId, 'sealer_z' + base58.encode(aPub))
    }
  })

  test('encrypt / decrypt / encryptXsalsa20 / decryptXsalsa20', () => {
    const rng = new Rng('xsalsa20')
    for (let i = 0; i < CASES; i++) {
      const key = rng.key32()
      const keySecret = 'keySecret_z' + base58.encode(key)
      const nm = rng.present(rng.bytes(rng.size()))
      const value = rng.bytes(i < FIXED_SIZES.length ? FIXED_SIZES[i] : rng.size())
      const v = rng.present(value)
      const ct = ours.encrypt(v, keySecret, nm)
      same(ct, up.encrypt(v, keySecret, nm), `encrypt case ${i} (${value.length} bytes)`)
      same(ours.decrypt(rng.present(ct), keySecret, nm), value, `decrypt(encrypt) case ${i}`)
      const garbage = rng.present(rng.bytes(rng.size()))
      same(ours.decrypt(garbage, keySecret, nm), up.decrypt(garbage, keySecret, nm), `decrypt case ${i}`)
      const k = rng.present(key)
      const ct2 = ours.encryptXsalsa20(k, nm, v)
      same(ct2, up.encryptXsalsa20(key, nm, v), `encryptXsalsa20 case ${i}`)
      same(ct2, ct, `encryptXsalsa20 == encrypt, case ${i}`)
      same(ours.decryptXsalsa20(k, nm, garbage), up.decryptXsalsa20(key, nm, garbage), `decryptXsalsa20 case ${i}`)
      same(ours.decryptXsalsa20(k, nm, ct2), value, `decryptXsalsa20(encryptXsalsa20) case ${i}`)
    }
  })

  test('seal / unseal (both directions, both implementations)', () => {
    const rng = new Rng('seal')
    for (let i = 0; i < CASES; i++) {
      const a = 'sealerSecret_z' + base58.encode(rng.key32())
      const b = 'sealerSecret_z' + base58.encode(rng.key32())
      const aId = up.getSealerId(utf8(a))
      const bId = up.getSealerId(utf8(b))
      const msg = rng.bytes(i < FIXED_SIZES.length ? FIXED_SIZES[i] : rng.size())
      const m = rng.present(msg)
      const nm = rng.present(rng.bytes(rng.size()))
      const sealed = ours.seal(m, a, bId, nm)
      assert.equal(sealed.length, msg.length + 16)
      same(sealed, up.seal(m, a, bId, nm), `seal case ${i} (${msg.length} bytes)`)
      // Recipient direction and sender direction, each implementation.
      same(ours.unseal(rng.present(sealed), b, aId, nm), msg, `ours unseal (recipient) case ${i}`)
      same(ours.unseal(rng.present(sealed), a, bId, nm), msg, `ours unseal (sender) case ${i}`)
      assert.ok(bytesEqual(up.unseal(sealed, b, aId, nm), msg), `upstream unseal (recipient) case ${i}`)
      // Upstream's box opened by ours, in the other direction.
      const back = up.seal(msg, b, aId, nm)
      same(ours.unseal(back, a, bId, nm), msg, `ours unseal of upstream seal case ${i}`)
      // Tampering: both reject.
      const bad = flipBit(sealed, rng)
      assert.equal(outcome(() => ours.unseal(bad, b, aId, nm)).ok, false, `tampered box accepted, case ${i}`)
      assert.equal(outcome(() => up.unseal(bad, b, aId, nm)).ok, false)
    }
  })

  test('sealForGroup / unsealForGroup across implementations', () => {
    const rng = new Rng('sealForGroup')
    for (let i = 0; i < CASES; i++) {
      const recipient = 'sealerSecret_z' + base58.encode(rng.key32())
      const recipientId = up.getSealerId(utf8(recipient))
      const msg = rng.bytes(i < FIXED_SIZES.length ? FIXED_SIZES[i] : rng.size())
      const nm = rng.bytes(rng.size())
      const m = rng.present(msg)

      const mine = ours.sealForGroup(m, recipientId, rng.present(nm))
      plain(mine, `sealForGroup case ${i}`)
      assert.equal(mine.length, 48 + msg.length)
      assert.ok(bytesEqual(up.unsealForGroup(mine, recipient, nm), msg), `upstream cannot open our sealForGroup, case ${i} (seed ${SEED})`)
      same(ours.unsealForGroup(rng.present(mine), recipient, rng.present(nm)), msg, `ours unsealForGroup(ours) case ${i}`)
      // Layout: ephemeral public key ‖ seal body, the body opening as a plain seal from that key.
      const ephemeralId = 'sealer_z' + base58.encode(mine.subarray(0, 32))
      assert.ok(bytesEqual(up.unseal(mine.subarray(32), recipient, ephemeralId, nm), msg), `layout case ${i}`)

      const theirs = up.sealForGroup(m, recipientId, nm)
      same(ours.unsealForGroup(rng.present(theirs), recipient, rng.present(nm)), msg, `ours unsealForGroup(upstream) case ${i}`)
      // Any flipped bit must make it fail, except bit 255 of the ephemeral key (byte 31, bit 7),
      // which X25519 ignores (RFC 7748 §5).
      const bad = Uint8Array.from(theirs)
      let at
      do at = rng.int(bad.length * 8)
      while (at === 31 * 8 + 7)
      bad[at >> 3] ^= 1 << (at & 7)
      assert.equal(outcome(() => ours.unsealForGroup(bad, recipient, nm)).ok, false, `tampered group box accepted, case ${i} (bit ${at})`)
      assert.equal(outcome(() => up.unsealForGroup(bad, recipient, nm)).ok, false)
      const topBit = Uint8Array.from(theirs)
      topBit[31] ^= 0x80
      if (i % 10 === 0) same(ours.unsealForGroup(topBit, recipient, nm), up.unsealForGroup(topBit, recipient, nm), `ephemeral key with bit 255 flipped, case ${i}`)
    }
  })

  test('newEd25519SigningKey: lengths, distinctness, derived ids agree', () => {
    const seen = new Set()
    let ones = 0
    for (let i = 0; i < CASES; i++) {
      const k = ours.newEd25519SigningKey()
      plain(k, 'newEd25519SigningKey')
      assert.equal(k.length, 32)
      seen.add(hex(k))
      for (const b of k) ones += popcount(b)
      same(ours.ed25519VerifyingKey(k), up.ed25519VerifyingKey(k), `public key of new key ${i}`)
      const secret = utf8('signerSecret_z' + base58.encode(k))
      assert.equal(ours.getSignerId(secret), up.getSignerId(secret))
      // And upstream's random keys through ours.
      const uk = up.newEd25519SigningKey()
      same(ours.ed25519VerifyingKey(uk), up.ed25519VerifyingKey(uk), `public key of upstream key ${i}`)
    }
    assert.equal(seen.size, CASES, 'keys repeat')
    const fraction = ones / (CASES * 256)
    assert.ok(fraction > 0.47 && fraction < 0.53, `bit balance ${fraction}`)
  })

  test('newX25519PrivateKey: lengths, distinctness, derived ids agree', () => {
    const seen = new Set()
    let ones = 0
    for (let i = 0; i < CASES; i++) {
      const k = ours.newX25519PrivateKey()
      plain(k, 'newX25519PrivateKey')
      assert.equal(k.length, 32)
      seen.add(hex(k))
      for (const b of k) ones += popcount(b)
      same(ours.x25519PublicKey(k), up.x25519PublicKey(k), `public key of new key ${i}`)
      const secret = utf8('sealerSecret_z' + base58.encode(k))
      assert.equal(ours.getSealerId(secret), up.getSealerId(secret))
      const uk = up.newX25519PrivateKey()
      same(ours.x25519PublicKey(uk), up.x25519PublicKey(uk), `public key of upstream key ${i}`)
    }
    assert.equal(seen.size, CASES, 'keys repeat')
    // Returned unclamped, like upstream: the clamped bits vary.
    const fraction = ones / (CASES * 256)
    assert.ok(fraction > 0.47 && fraction < 0.53, `bit balance ${fraction}`)
  })

  // Uint8Arrays that are not plain: a subclass, a length-tracking view of a resizable buffer, a
  // view of a detached buffer (zero bytes) and an array whose `length` property is shadowed (the
  // addon reads the real typed-array length, as upstream does; so must the JS fast paths).
  test('unusual Uint8Array inputs give the same results as upstream', async (t) => {
    class Sub extends Uint8Array {}
    const shadow = (n, fake) => {
      const a = new Uint8Array(n).map((_, i) => (i * 7 + 3) & 255)
      Object.defineProperty(a, 'length', { value: fake })
      return a
    }
    const resizable = () => {
      const ab = new ArrayBuffer(10, { maxByteLength: 200 })
      const view = new Uint8Array(ab)
      ab.resize(120)
      view.fill(9)
      return view
    }
    const keySecret = 'keySecret_z' + base58.encode(new Uint8Array(32).fill(5))
    const inputs = {
      subclass: () => Sub.from([1, 2, 3, 4, 5]),
      resizable,
      'detached ArrayBuffer': () => {
        const a = new Uint8Array(16)
        structuredClone(a.buffer, { transfer: [a.buffer] })
        return a
      },
      'shadowed length (0 for 100 bytes)': () => shadow(100, 0),
      'shadowed length (1000 for 10 bytes)': () => shadow(10, 1000),
    }
    for (const [name, make] of Object.entries(inputs)) {
      const cases = {
        blake3HashOnce: (m) => m.blake3HashOnce(make()),
        encrypt: (m) => m.encrypt(make(), keySecret, make()),
        decrypt: (m) => m.decrypt(make(), keySecret, make()),
        'Blake3Hasher.update': (m) => {
          const h = new m.Blake3Hasher()
          h.update(make())
          return h.finalize()
        },
      }
      for (const [fn, call] of Object.entries(cases)) {
        await t.test(`${fn}(${name})`, () => {
          const expected = call(up)
          const got = outcome(() => call(ours))
          assert.ok(got.ok, `${fn}(${name}) threw ${got.error && got.error.code}: ${got.error && got.error.message}; upstream returned ${hex(expected)}`)
          same(got.value, expected, `${fn}(${name})`)
        })
      }
    }
  })
})

function popcount(b) {
  let n = 0
  while (b) {
    n += b & 1
    b >>= 1
  }
  return n
}
