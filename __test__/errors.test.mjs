// Negative tests: every argument of every export, with the exact `code` and `message` our addon
// promises (src/error.rs, src/encoding.rs, src/ed25519.rs, src/x25519.rs, src/secretbox.rs,
// src/binding/args.rs), the places where we are deliberately stricter than upstream 0.20.19, that
// errors never echo secrets, and a child process that throws garbage at everything.

import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { createRequire } from 'node:module'
import { spawnSync } from 'node:child_process'
import crypto from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { Rng, seedFrom } from './helpers/rng.mjs'

const require = createRequire(import.meta.url)
const SEED = seedFrom('ERRORS_SEED', 'errors')
const rng = new Rng(SEED)
const OURS_PATH = require.resolve('../napi-crypto.js')
const ours = require(OURS_PATH)
const { base58 } = require('@scure/base')

let up = null
let noUpstream = false
if (process.platform !== 'linux' || process.arch !== 'x64') noUpstream = `upstream comparison only on linux-x64 (this is ${process.platform}-${process.arch})`
else {
  try {
    up = require('cojson-core-napi-upstream')
  } catch (error) {
    noUpstream = `cojson-core-napi-upstream cannot be loaded: ${String(error && error.message).split('\n')[0]}`
  }
}

const utf8 = (s) => new TextEncoder().encode(s)
const unhex = (h) => Uint8Array.from(Buffer.from(h, 'hex'))
const fill = (n, seed = 1) => Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed * 7 + 1) & 255)

// ---------------------------------------------------------------------------------------------
// Fixtures (inputs only; no expected value below comes from our code)

const seedA = Uint8Array.from({ length: 32 }, (_, i) => i + 1)
const sealerSkA = fill(32, 2)
const sealerSkB = fill(32, 3)
const keyBytes = fill(32, 4)

const signerSecret = 'signerSecret_z' + base58.encode(seedA)
const signerId = 'signer_z' + base58.encode(ours.ed25519VerifyingKey(seedA))
const sealerSecretA = 'sealerSecret_z' + base58.encode(sealerSkA)
const sealerSecretB = 'sealerSecret_z' + base58.encode(sealerSkB)
const sealerIdA = 'sealer_z' + base58.encode(ours.x25519PublicKey(sealerSkA))
const sealerIdB = 'sealer_z' + base58.encode(ours.x25519PublicKey(sealerSkB))
const keySecret = 'keySecret_z' + base58.encode(keyBytes)
const edPublic = ours.ed25519VerifyingKey(seedA)

// `big` selects inputs over 64 bytes, which take the addon's ordinary path instead of the JS
// layer's scratch-buffer path.
const msg = (big) => fill(big ? 100 : 10, 5)
const nm = () => utf8('nonce material')
const edSig = (big) => ours.ed25519Sign(seedA, msg(big))
const signatureString = (big) => ours.sign(msg(big), utf8(signerSecret))
const sealed = (big) => ours.seal(msg(big), sealerSecretA, sealerIdB, nm())
const groupSealed = (big) => ours.sealForGroup(msg(big), sealerIdB, nm())

// name, the call, and per argument: [name in messages, 'bytes' | 'string', valid value maker]
const EXPORTS = [
  ['blake3HashOnce', (...a) => ours.blake3HashOnce(...a), [['data', 'bytes', msg]]],
  ['blake3HashOnceWithContext', (...a) => ours.blake3HashOnceWithContext(...a), [['data', 'bytes', msg], ['context', 'bytes', msg]]],
  ['generateNonce', (...a) => ours.generateNonce(...a), [['nonceMaterial', 'bytes', msg]]],
  ['shortHash', (...a) => ours.shortHash(...a), [['value', 'string', () => '{"a":1}']]],
  ['Blake3Hasher#update', (...a) => new ours.Blake3Hasher().update(...a), [['data', 'bytes', msg]]],
  ['ed25519VerifyingKey', (...a) => ours.ed25519VerifyingKey(...a), [['signingKey', 'bytes', () => seedA]]],
  ['ed25519SigningKeyToPublic', (...a) => ours.ed25519SigningKeyToPublic(...a), [['signingKey', 'bytes', () => seedA]]],
  ['ed25519Sign', (...a) => ours.ed25519Sign(...a), [['signingKey', 'bytes', () => seedA], ['message', 'bytes', msg]]],
  ['ed25519SigningKeySign', (...a) => ours.ed25519SigningKeySign(...a), [['signingKey', 'bytes', () => seedA], ['message', 'bytes', msg]]],
  ['ed25519Verify', (...a) => ours.ed25519Verify(...a), [['verifyingKey', 'bytes', () => edPublic], ['message', 'bytes', msg], ['signature', 'bytes', edSig]]],
  ['ed25519SigningKeyFromBytes', (...a) => ours.ed25519SigningKeyFromBytes(...a), [['bytes', 'bytes', () => seedA]]],
  ['ed25519VerifyingKeyFromBytes', (...a) => ours.ed25519VerifyingKeyFromBytes(...a), [['bytes', 'bytes', () => edPublic]]],
  ['ed25519SignatureFromBytes', (...a) => ours.ed25519SignatureFromBytes(...a), [['bytes', 'bytes', edSig]]],
  ['sign', (...a) => ours.sign(...a), [['message', 'bytes', msg], ['secret', 'bytes', () => utf8(signerSecret)]]],
  ['verify', (...a) => ours.verify(...a), [['signature', 'bytes', (big) => utf8(signatureString(big))], ['message', 'bytes', msg], ['id', 'bytes', () => utf8(signerId)]]],
  ['getSignerId', (...a) => ours.getSignerId(...a), [['secret', 'bytes', () => utf8(signerSecret)]]],
  ['x25519PublicKey', (...a) => ours.x25519PublicKey(...a), [['privateKey', 'bytes', () => sealerSkA]]],
  ['x25519DiffieHellman', (...a) => ours.x25519DiffieHellman(...a), [['privateKey', 'bytes', () => sealerSkA], ['publicKey', 'bytes', () => ours.x25519PublicKey(sealerSkB)]]],
  ['getSealerId', (...a) => ours.getSealerId(...a), [['secret', 'bytes', () => utf8(sealerSecretA)]]],
  ['encrypt', (...a) => ours.encrypt(...a), [['value', 'bytes', msg], ['keySecret', 'string', () => keySecret], ['nonceMaterial', 'bytes', nm]]],
  ['decrypt', (...a) => ours.decrypt(...a), [['ciphertext', 'bytes', msg], ['keySecret', 'string', () => keySecret], ['nonceMaterial', 'bytes', nm]]],
  ['encryptXsalsa20', (...a) => ours.encryptXsalsa20(...a), [['key', 'bytes', () => keyBytes], ['nonceMaterial', 'bytes', nm], ['plaintext', 'bytes', msg]]],
  ['decryptXsalsa20', (...a) => ours.decryptXsalsa20(...a), [['key', 'bytes', () => keyBytes], ['nonceMaterial', 'bytes', nm], ['ciphertext', 'bytes', msg]]],
  ['seal', (...a) => ours.seal(...a), [['message', 'bytes', msg], ['senderSecret', 'string', () => sealerSecretA], ['recipientId', 'string', () => sealerIdB], ['nonceMaterial', 'bytes', nm]]],
  ['unseal', (...a) => ours.unseal(...a), [['sealedMessage', 'bytes', sealed], ['recipientSecret', 'string', () => sealerSecretB], ['senderId', 'string', () => sealerIdA], ['nonceMaterial', 'bytes', nm]]],
  ['sealForGroup', (...a) => ours.sealForGroup(...a), [['message', 'bytes', msg], ['recipientId', 'string', () => sealerIdB], ['nonceMaterial', 'bytes', nm]]],
  ['unsealForGroup', (...a) => ours.unsealForGroup(...a), [['sealedMessage', 'bytes', groupSealed], ['recipientSecret', 'string', () => sealerSecretB], ['nonceMaterial', 'bytes', nm]]],
]

const byName = Object.fromEntries(EXPORTS.map((e) => [e[0], e]))

function validArgs(name, big) {
  return byName[name][2].map(([, , make]) => make(big))
}

// Calls export `name` with valid arguments except argument `index`, which is `value`.
function callWith(name, index, value, big = false) {
  const args = validArgs(name, big)
  args[index] = value
  return byName[name][1](...args)
}

function argIndex(name, argName) {
  const i = byName[name][2].findIndex(([n]) => n === argName)
  assert.ok(i >= 0, `${name} has no argument ${argName}`)
  return i
}

// ---------------------------------------------------------------------------------------------

test('every export succeeds with the valid fixtures (so each negative test changes one thing)', () => {
  assert.equal(EXPORTS.length, 27)
  for (const [name, call] of EXPORTS) {
    for (const big of [false, true]) assert.doesNotThrow(() => call(...validArgs(name, big)), `${name} (big=${big})`)
  }
  assert.deepEqual(ours.unseal(sealed(true), sealerSecretB, sealerIdA, nm()), msg(true))
  assert.equal(ours.verify(utf8(signatureString(false)), msg(false), utf8(signerId)), true)
})

describe('wrong JS types', () => {
  const ab = () => new ArrayBuffer(64)
  // [value, kind as named in the message]; typed arrays hold 64 bytes so only the type is wrong.
  const NOT_BYTES = [
    ['a string', 'string'],
    ['', 'string'],
    [32, 'number'],
    [null, 'null'],
    [undefined, 'undefined'],
    [[1, 2, 3], 'Array'],
    [ab(), 'ArrayBuffer'],
    [new DataView(ab()), 'DataView'],
    [new Int16Array(ab()), 'Int16Array'],
    [new Uint8ClampedArray(ab()), 'Uint8ClampedArray'],
    [new Float64Array(ab()), 'Float64Array'],
    [new Int8Array(ab()), 'Int8Array'],
    [new Uint16Array(ab()), 'Uint16Array'],
    [new Int32Array(ab()), 'Int32Array'],
    [new Uint32Array(ab()), 'Uint32Array'],
    [new Float32Array(ab()), 'Float32Array'],
    [new BigInt64Array(ab()), 'BigInt64Array'],
    [new BigUint64Array(ab()), 'BigUint64Array'],
    [true, 'boolean'],
    [Symbol('x'), 'symbol'],
    [10n, 'bigint'],
    [() => new Uint8Array(32), 'function'],
    [{ length: 32 }, 'object'],
    [new Proxy([1, 2], {}), 'object'],
  ]
  const NOT_STRING = [
    [32, 'number'],
    [null, 'null'],
    [undefined, 'undefined'],
    [true, 'boolean'],
    [Symbol('x'), 'symbol'],
    [10n, 'bigint'],
    [{}, 'object'],
    [new String('keySecret_z'), 'object'],
    [[1], 'Array'],
    [new Uint8Array(32), 'Uint8Array'],
    [Buffer.from('sealer_z'), 'Uint8Array'],
    [new ArrayBuffer(8), 'ArrayBuffer'],
    [() => 's', 'function'],
  ]

  // The Jazz strings that 0.20.19 takes as UTF-8 bytes: a string there is told how to pass them.
  const UTF8_ARGS = { 'sign secret': 'signerSecret_z', 'verify signature': 'signature_z', 'verify id': 'signer_z', 'getSignerId secret': 'signerSecret_z', 'getSealerId secret': 'sealerSecret_z' }
  for (const [name, , args] of EXPORTS) {
    for (const [index, [argName, kind]] of args.entries()) {
      test(`${name}: ${argName}`, () => {
        const list = kind === 'bytes' ? NOT_BYTES : NOT_STRING
        const utf8Of = UTF8_ARGS[`${name} ${argName}`]
        for (const big of [false, true]) {
          for (const [value, got] of list) {
            const expected =
              kind !== 'bytes' ? 'a string' : utf8Of && got === 'string' ? `a Uint8Array: the UTF-8 bytes of the ${utf8Of}… string, new TextEncoder().encode(${argName})` : 'a Uint8Array'
            assert.throws(() => callWith(name, index, value, big), { code: 'ERR_INVALID_ARG_TYPE', message: `${argName} must be ${expected}, got ${got}` }, `${name}(${argName} = ${got}, big=${big})`)
          }
        }
      })
    }
  }

  test('missing arguments are undefined', () => {
    assert.throws(() => ours.blake3HashOnce(), { code: 'ERR_INVALID_ARG_TYPE', message: 'data must be a Uint8Array, got undefined' })
    assert.throws(() => ours.shortHash(), { code: 'ERR_INVALID_ARG_TYPE', message: 'value must be a string, got undefined' })
    assert.throws(() => ours.ed25519Verify(edPublic, msg()), { code: 'ERR_INVALID_ARG_TYPE', message: 'signature must be a Uint8Array, got undefined' })
    // Arguments are converted in order, as napi-rs does (and 0.20.19 reports the first bad one).
    assert.throws(() => ours.seal(msg(), sealerSecretA), { code: 'ERR_INVALID_ARG_TYPE', message: 'recipientId must be a string, got undefined' })
    assert.throws(() => ours.encrypt(msg(), keySecret), { code: 'ERR_INVALID_ARG_TYPE', message: 'nonceMaterial must be a Uint8Array, got undefined' })
    assert.throws(() => new ours.Blake3Hasher().update(), { code: 'ERR_INVALID_ARG_TYPE', message: 'data must be a Uint8Array, got undefined' })
  })

  // Objects that pass `instanceof Uint8Array` without being one. The addon rejects them like any
  // other object; the JS layer must not trip over them first (it reads `.length` to pick a path).
  describe('Uint8Array look-alikes', () => {
    const lookAlikes = [
      ['Object.create(Uint8Array.prototype)', () => Object.create(Uint8Array.prototype)],
      ['Proxy of a Uint8Array', () => new Proxy(new Uint8Array(10), {})],
      [
        'revoked Proxy',
        () => {
          const r = Proxy.revocable({}, {})
          r.revoke()
          return r.proxy
        },
      ],
    ]
    for (const [name, , args] of EXPORTS) {
      for (const [index, [argName, kind]] of args.entries()) {
        if (kind !== 'bytes') continue
        test(`${name}: ${argName}`, () => {
          for (const [label, make] of lookAlikes) {
            assert.throws(() => callWith(name, index, make()), { code: 'ERR_INVALID_ARG_TYPE', message: `${argName} must be a Uint8Array, got object` }, `${name}(${argName} = ${label})`)
          }
        })
      }
    }
  })
})

describe('wrong lengths of byte arguments', () => {
  const FIXED = [
    ['ed25519VerifyingKey', 'signingKey', 'signing key', 32],
    ['ed25519SigningKeyToPublic', 'signingKey', 'signing key', 32],
    ['ed25519Sign', 'signingKey', 'signing key', 32],
    ['ed25519SigningKeySign', 'signingKey', 'signing key', 32],
    ['ed25519Verify', 'verifyingKey', 'verifying key', 32],
    ['ed25519Verify', 'signature', 'signature', 64],
    ['ed25519SigningKeyFromBytes', 'bytes', 'signing key', 32],
    ['ed25519VerifyingKeyFromBytes', 'bytes', 'verifying key', 32],
    ['ed25519SignatureFromBytes', 'bytes', 'signature', 64],
    ['x25519PublicKey', 'privateKey', 'private key', 32],
    ['x25519DiffieHellman', 'privateKey', 'private key', 32],
    ['x25519DiffieHellman', 'publicKey', 'public key', 32],
    ['encryptXsalsa20', 'key', 'key', 32],
    ['decryptXsalsa20', 'key', 'key', 32],
  ]
  for (const [name, argName, what, n] of FIXED) {
    test(`${name}: ${argName} (${n} bytes)`, () => {
      const index = argIndex(name, argName)
      for (const len of [n - 1, n + 1, 0, 1, 2 * n, 1000]) {
        for (const big of [false, true]) {
          assert.throws(() => callWith(name, index, fill(len, 9), big), { code: 'ERR_INVALID_LENGTH', message: `${what} must be ${n} bytes, got ${len}` }, `${name}(${argName} of ${len} bytes)`)
        }
      }
      // The valid value as a view into a larger buffer is fine.
      const value = validArgs(name, false)[index]
      assert.equal(value.length, n)
      const backing = fill(n + 20, 9)
      backing.set(value, 7)
      assert.doesNotThrow(() => callWith(name, index, backing.subarray(7, 7 + n)))
    })
  }
})

// String-encoded arguments: [export, argument, what (in messages), prefix, decoded length,
// public (characters may be shown) or secret, encode the string as the export takes it].
const ENCODED = [
  ['sign', 'secret', 'signer secret', 'signerSecret_z', 32, 'secret', utf8],
  ['getSignerId', 'secret', 'signer secret', 'signerSecret_z', 32, 'secret', utf8],
  ['verify', 'signature', 'signature', 'signature_z', 64, 'public', utf8],
  ['verify', 'id', 'signer id', 'signer_z', 32, 'public', utf8],
  ['getSealerId', 'secret', 'sealer secret', 'sealerSecret_z', 32, 'secret', utf8],
  ['encrypt', 'keySecret', 'key secret', 'keySecret_z', 32, 'secret', (s) => s],
  ['decrypt', 'keySecret', 'key secret', 'keySecret_z', 32, 'secret', (s) => s],
  ['seal', 'senderSecret', 'sender secret', 'sealerSecret_z', 32, 'secret', (s) => s],
  ['seal', 'recipientId', 'recipient id', 'sealer_z', 32, 'public', (s) => s],
  ['unseal', 'recipientSecret', 'recipient secret', 'sealerSecret_z', 32, 'secret', (s) => s],
  ['unseal', 'senderId', 'sender id', 'sealer_z', 32, 'public', (s) => s],
  ['sealForGroup', 'recipientId', 'recipient id', 'sealer_z', 32, 'public', (s) => s],
  ['unsealForGroup', 'recipientSecret', 'recipient secret', 'sealerSecret_z', 32, 'secret', (s) => s],
]

// Random bytes whose first byte is not zero (so base58 has no leading '1').
function noLeadingZero(n) {
  const b = rng.bytes(n)
  if (n > 0 && b[0] === 0) b[0] = 1
  return b
}

// Rust's Debug form of a char: printable characters (all of those used here) as is, in single quotes.
const rustDebugChar = (c) => `'${c}'`

describe('wrong decoded lengths of string arguments', () => {
  for (const [name, argName, what, prefix, n, , encode] of ENCODED) {
    test(`${name}: ${argName}`, () => {
      const index = argIndex(name, argName)
      const cases = [
        [base58.encode(noLeadingZero(n - 1)), n - 1],
        [base58.encode(noLeadingZero(n + 1)), n + 1],
        ['', 0],
        [base58.encode(noLeadingZero(1)), 1],
        ['1' + base58.encode(noLeadingZero(n)), n + 1], // an extra leading '1' is an extra zero byte
        ['11' + base58.encode(noLeadingZero(n)), n + 2],
        [base58.encode(new Uint8Array(n - 1)), n - 1], // all zero bytes: all '1's
        [base58.encode(noLeadingZero(200)), 200],
      ]
      for (const big of [false, true]) {
        for (const [b58, len] of cases) {
          assert.throws(() => callWith(name, index, encode(prefix + b58), big), { code: 'ERR_INVALID_LENGTH', message: `${what} must be ${n} bytes, but its base58 decodes to ${len} bytes` }, `${name}(${argName} = ${prefix}${b58})`)
        }
      }
    })
  }
})

describe('invalid base58', () => {
  const BAD = ['0', 'O', 'I', 'l', '+', ' ', '_', 'é', '€', '😀']
  for (const [name, argName, what, prefix, n, secrecy, encode] of ENCODED) {
    test(`${name}: ${argName}`, () => {
      const index = argIndex(name, argName)
      const good = base58.encode(noLeadingZero(n))
      for (const bad of BAD) {
        for (const at of [0, 5, good.length - 1, good.length]) {
          const text = good.slice(0, at) + bad + good.slice(at)
          const message =
            secrecy === 'secret'
              ? `${what} is not valid base58: invalid character at byte ${at} after '${prefix}'`
              : `${what} is not valid base58: invalid character ${rustDebugChar(bad)} at byte ${at} after '${prefix}'`
          assert.throws(() => callWith(name, index, encode(prefix + text)), { code: 'ERR_INVALID_BASE58', message }, `${name}(${argName} = ${prefix}${text})`)
        }
      }
      // The first bad character is reported, by its byte offset after the prefix.
      const text = good.slice(0, 3) + 'é' + good.slice(3, 6) + '0' + good.slice(6)
      const message = secrecy === 'secret' ? `${what} is not valid base58: invalid character at byte 3 after '${prefix}'` : `${what} is not valid base58: invalid character 'é' at byte 3 after '${prefix}'`
      assert.throws(() => callWith(name, index, encode(prefix + text)), { code: 'ERR_INVALID_BASE58', message })
      const text2 = good.slice(0, 3) + 'I' + good.slice(3, 6) + 'é' + good.slice(6)
      assert.throws(() => callWith(name, index, encode(prefix + text2)), { code: 'ERR_INVALID_BASE58', message: secrecy === 'secret' ? `${what} is not valid base58: invalid character at byte 3 after '${prefix}'` : `${what} is not valid base58: invalid character 'I' at byte 3 after '${prefix}'` })
    })
  }
})

describe('wrong prefixes', () => {
  const OTHER = ['signerSecret_z', 'signer_z', 'signature_z', 'sealerSecret_z', 'sealer_z', 'keySecret_z', 'key_z', 'hash_z']
  for (const [name, argName, what, prefix, n, , encode] of ENCODED) {
    test(`${name}: ${argName}`, () => {
      const index = argIndex(name, argName)
      const b58 = base58.encode(noLeadingZero(n))
      const texts = [
        '',
        b58,
        prefix.slice(0, -1) + b58, // without the final 'z'
        prefix.slice(0, -2) + b58,
        prefix[0].toUpperCase() + prefix.slice(1) + b58,
        prefix.toLowerCase() === prefix ? prefix.toUpperCase() + b58 : prefix.toLowerCase() + b58,
        ' ' + prefix + b58,
        prefix.slice(0, -1) + 'Z' + b58,
        ...OTHER.filter((p) => p !== prefix).map((p) => p + b58),
      ]
      for (const text of texts) {
        assert.throws(() => callWith(name, index, encode(text)), { code: 'ERR_INVALID_PREFIX', message: `${what} must start with '${prefix}'` }, `${name}(${argName} = ${JSON.stringify(text)})`)
      }
    })
  }
})

describe('invalid UTF-8 in byte-string arguments', () => {
  const UTF8_ARGS = ENCODED.filter(([, , , , , , encode]) => encode === utf8)
  const SEQUENCES = [[0xff], [0x80], [0xc0, 0x80], [0xc3], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80], [0xe2, 0x82]]
  for (const [name, argName, what, prefix, n] of UTF8_ARGS) {
    test(`${name}: ${argName}`, () => {
      const index = argIndex(name, argName)
      const good = utf8(prefix + base58.encode(noLeadingZero(n)))
      for (const seq of SEQUENCES) {
        for (const at of [0, 3, prefix.length, good.length]) {
          const bytes = new Uint8Array(good.length + seq.length)
          bytes.set(good.subarray(0, at))
          bytes.set(seq, at)
          bytes.set(good.subarray(at), at + seq.length)
          assert.throws(() => callWith(name, index, bytes), { code: 'ERR_INVALID_UTF8', message: `${what} is not valid UTF-8 (invalid byte at offset ${at})` }, `${name}(${argName} with ${Buffer.from(seq).toString('hex')} at ${at})`)
        }
      }
    })
  }

  test('verify: the signature is checked before the id', () => {
    assert.throws(() => ours.verify(Uint8Array.of(0xff), msg(), Uint8Array.of(0xff)), { code: 'ERR_INVALID_UTF8', message: 'signature is not valid UTF-8 (invalid byte at offset 0)' })
  })
})

describe('decryption failures', () => {
  const WRONG_TAG = 'Wrong tag: the sealed message does not authenticate (wrong key, wrong nonce material or tampered data)'

  for (const size of [0, 1, 10, 48, 49, 100, 5000]) {
    test(`unseal: tampered, truncated, extended, wrong key / nonce (${size}-byte message)`, () => {
      const message = fill(size, 11)
      const box = ours.seal(message, sealerSecretA, sealerIdB, nm())
      assert.deepEqual(ours.unseal(box, sealerSecretB, sealerIdA, nm()), message)
      const variants = []
      for (const at of new Set([0, 15, 16, box.length - 1])) {
        if (at >= box.length) continue
        for (const bit of [0, 7]) {
          const bad = Uint8Array.from(box)
          bad[at] ^= 1 << bit
          variants.push([`byte ${at} bit ${bit}`, bad])
        }
      }
      variants.push(['truncated by 1', box.subarray(0, box.length - 1)])
      variants.push(['tag only', box.subarray(0, 16)])
      variants.push(['15 bytes', box.subarray(0, 15)])
      variants.push(['empty', new Uint8Array(0)])
      variants.push(['extended by 1', Uint8Array.of(...box, 0)])
      if (size > 0) variants.push(['tag and ciphertext swapped', Uint8Array.of(...box.subarray(16), ...box.subarray(0, 16))])
      for (const [label, bad] of variants) {
        if (label === 'tag only' && size === 0) continue // that is the whole (valid) box
        assert.throws(() => ours.unseal(bad, sealerSecretB, sealerIdA, nm()), { code: 'ERR_DECRYPTION_FAILED', message: WRONG_TAG }, label)
      }
      assert.throws(() => ours.unseal(box, sealerSecretB, sealerIdA, utf8('other material')), { code: 'ERR_DECRYPTION_FAILED', message: WRONG_TAG }, 'wrong nonce material')
      assert.throws(() => ours.unseal(box, sealerSecretA, sealerIdA, nm()), { code: 'ERR_DECRYPTION_FAILED', message: WRONG_TAG }, 'wrong key pair')
      assert.throws(() => ours.unseal(box, 'sealerSecret_z' + base58.encode(fill(32, 12)), sealerIdA, nm()), { code: 'ERR_DECRYPTION_FAILED', message: WRONG_TAG }, 'wrong recipient')
    })

    test(`unsealForGroup: tampered, truncated, wrong key / nonce (${size}-byte message)`, () => {
      const message = fill(size, 13)
      const box = ours.sealForGroup(message, sealerIdB, nm())
      assert.deepEqual(ours.unsealForGroup(box, sealerSecretB, nm()), message)
      for (const at of new Set([32, 47, 48, box.length - 1])) {
        if (at >= box.length) continue
        const bad = Uint8Array.from(box)
        bad[at] ^= 0x10
        assert.throws(() => ours.unsealForGroup(bad, sealerSecretB, nm()), { code: 'ERR_DECRYPTION_FAILED', message: WRONG_TAG }, `byte ${at}`)
      }
      // A different (valid) ephemeral key.
      const other = Uint8Array.from(box)
      other.set(ours.x25519PublicKey(fill(32, 14)))
      assert.throws(() => ours.unsealForGroup(other, sealerSecretB, nm()), { code: 'ERR_DECRYPTION_FAILED', message: WRONG_TAG }, 'other ephemeral key')
      if (size > 0) assert.throws(() => ours.unsealForGroup(box.subarray(0, box.length - 1), sealerSecretB, nm()), { code: 'ERR_DECRYPTION_FAILED', message: WRONG_TAG }, 'truncated by 1')
      assert.throws(() => ours.unsealForGroup(Uint8Array.of(...box, 1), sealerSecretB, nm()), { code: 'ERR_DECRYPTION_FAILED', message: WRONG_TAG }, 'extended')
      assert.throws(() => ours.unsealForGroup(box, sealerSecretA, nm()), { code: 'ERR_DECRYPTION_FAILED', message: WRONG_TAG }, 'wrong recipient')
      assert.throws(() => ours.unsealForGroup(box, sealerSecretB, utf8('x')), { code: 'ERR_DECRYPTION_FAILED', message: WRONG_TAG }, 'wrong nonce material')
    })
  }

  test('unsealForGroup: shorter than ephemeral key + tag', () => {
    for (const len of [0, 1, 16, 31, 32, 47]) {
      assert.throws(() => ours.unsealForGroup(fill(len, 3), sealerSecretB, nm()), { code: 'ERR_DECRYPTION_FAILED', message: `sealed message is too short: ${len} bytes, need at least 48 (ephemeral key and tag)` }, `${len} bytes`)
    }
    // Exactly 48 bytes is a well-formed box of an empty message, which here does not authenticate.
    const box48 = Uint8Array.from(fill(48, 3))
    box48.set(ours.x25519PublicKey(fill(32, 15)))
    assert.throws(() => ours.unsealForGroup(box48, sealerSecretB, nm()), { code: 'ERR_DECRYPTION_FAILED', message: WRONG_TAG })
  })
})

describe('low-order X25519 public keys', () => {
  // The points of small order and their non-canonical encodings (u = p, p + 1), as in libsodium's
  // blocklist.
  const LOW_ORDER = [
    '0000000000000000000000000000000000000000000000000000000000000000',
    '0100000000000000000000000000000000000000000000000000000000000000',
    'e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800',
    '5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157',
    'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
    'edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
    'eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
  ]
  const WEAK = { code: 'ERR_WEAK_SHARED_SECRET', message: 'public key is a low-order X25519 point: the exchange gives the all-zero shared secret' }

  test('upstream gives the all-zero shared secret for each of them', { skip: noUpstream }, () => {
    for (const p of LOW_ORDER) {
      for (const sk of [sealerSkA, sealerSkB, fill(32, 40)]) assert.deepEqual([...up.x25519DiffieHellman(sk, unhex(p))], new Array(32).fill(0), p)
    }
  })

  test('x25519DiffieHellman', () => {
    for (const p of LOW_ORDER) {
      for (const sk of [sealerSkA, sealerSkB, fill(32, 40)]) assert.throws(() => ours.x25519DiffieHellman(sk, unhex(p)), WEAK, p)
      // Bit 255 is ignored, so the same points with it set are low-order too.
      const high = unhex(p)
      high[31] |= 0x80
      assert.throws(() => ours.x25519DiffieHellman(sealerSkA, high), WEAK, `${p} with bit 255`)
    }
  })

  test('seal / unseal / sealForGroup / unsealForGroup', () => {
    for (const p of LOW_ORDER) {
      const id = 'sealer_z' + base58.encode(unhex(p))
      assert.throws(() => ours.seal(msg(), sealerSecretA, id, nm()), WEAK, `seal to ${p}`)
      assert.throws(() => ours.seal(msg(true), sealerSecretA, id, nm()), WEAK, `seal to ${p}`)
      assert.throws(() => ours.unseal(sealed(), sealerSecretB, id, nm()), WEAK, `unseal from ${p}`)
      assert.throws(() => ours.sealForGroup(msg(), id, nm()), WEAK, `sealForGroup to ${p}`)
      assert.throws(() => ours.sealForGroup(msg(true), id, nm()), WEAK, `sealForGroup to ${p}`)
      const box = Uint8Array.from(groupSealed(true))
      box.set(unhex(p))
      assert.throws(() => ours.unsealForGroup(box, sealerSecretB, nm()), WEAK, `unsealForGroup with ephemeral ${p}`)
    }
  })
})

describe('strict Ed25519 verification', () => {
  const identity = unhex('01' + '00'.repeat(31))
  const trivialSig = unhex('01' + '00'.repeat(63))
  const messages = [new Uint8Array(0), utf8('any message'), fill(1000, 21)]
  const L = (1n << 252n) + 27742317777372353535851937790883648493n
  const le = (n) => Uint8Array.from({ length: 32 }, (_, i) => Number((n >> BigInt(8 * i)) & 0xffn))
  const fromLe = (b) => b.reduceRight((acc, x) => (acc << 8n) | BigInt(x), 0n)

  test('upstream accepts the identity key with the trivial signature for any message', { skip: noUpstream }, () => {
    for (const m of messages) {
      assert.equal(up.ed25519Verify(identity, m, trivialSig), true)
      assert.equal(up.verify(utf8('signature_z' + base58.encode(trivialSig)), m, utf8('signer_z' + base58.encode(identity))), true)
    }
  })

  test('ours rejects the identity key with the trivial signature (ed25519Verify and verify)', () => {
    for (const m of messages) {
      assert.equal(ours.ed25519Verify(identity, m, trivialSig), false)
      assert.equal(ours.verify(utf8('signature_z' + base58.encode(trivialSig)), m, utf8('signer_z' + base58.encode(identity))), false)
    }
  })

  test('non-canonical S (S + ℓ) is rejected', () => {
    for (const m of messages) {
      const sig = ours.ed25519Sign(seedA, m)
      assert.equal(ours.ed25519Verify(edPublic, m, sig), true)
      const s = fromLe(sig.subarray(32))
      assert.ok(s < L)
      const bad = Uint8Array.from(sig)
      bad.set(le(s + L), 32)
      assert.equal(ours.ed25519Verify(edPublic, m, bad), false, 'ed25519Verify')
      assert.equal(ours.verify(utf8('signature_z' + base58.encode(bad)), m, utf8(signerId)), false, 'verify')
    }
  })

  test('non-canonical S (S + ℓ): upstream rejects it too', { skip: noUpstream }, () => {
    for (const m of messages) {
      const sig = up.ed25519Sign(seedA, m)
      const bad = Uint8Array.from(sig)
      bad.set(le(fromLe(sig.subarray(32)) + L), 32)
      assert.equal(up.ed25519Verify(edPublic, m, bad), false)
    }
  })

  // R = identity (small order) with S = k·a mod ℓ satisfies the cofactorless equation
  // [S]B = R + [k]A, so lenient verification accepts it; strict verification must not.
  function forgeSmallOrderR(seed, message) {
    const h = crypto.createHash('sha512').update(seed).digest()
    const a = Uint8Array.from(h.subarray(0, 32))
    a[0] &= 248
    a[31] &= 127
    a[31] |= 64
    const pkcs8 = Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), seed])
    const A = new Uint8Array(crypto.createPublicKey(crypto.createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' })).export({ format: 'der', type: 'spki' }).subarray(-32))
    const k = fromLe(crypto.createHash('sha512').update(identity).update(A).update(message).digest()) % L
    const sig = new Uint8Array(64)
    sig.set(identity)
    sig.set(le((k * fromLe(a)) % L), 32)
    return { A, sig }
  }

  test('a signature with a small-order R: upstream accepts it', { skip: noUpstream }, () => {
    for (const m of messages) {
      const { A, sig } = forgeSmallOrderR(seedA, m)
      assert.equal(up.ed25519Verify(A, m, sig), true)
    }
  })

  test('a signature with a small-order R: ours rejects it', () => {
    for (const m of messages) {
      const { A, sig } = forgeSmallOrderR(seedA, m)
      assert.equal(ours.ed25519Verify(A, m, sig), false, 'ed25519Verify')
      assert.equal(ours.verify(utf8('signature_z' + base58.encode(sig)), m, utf8(signerId)), false, 'verify')
    }
  })

  test('an undecodable public key is an error', () => {
    const notAPoint = unhex('02' + '00'.repeat(31))
    assert.throws(() => ours.ed25519Verify(notAPoint, msg(), edSig()), { code: 'ERR_INVALID_KEY', message: 'verifying key is not a valid Ed25519 public key (cannot decompress the point)' })
    assert.throws(() => ours.verify(utf8(signatureString()), msg(), utf8('signer_z' + base58.encode(notAPoint))), { code: 'ERR_INVALID_KEY', message: 'signer id is not a valid Ed25519 public key (cannot decompress the point)' })
  })
})

describe('errors never contain secrets', () => {
  const SECRET_ARGS = ENCODED.filter(([, , , , , secrecy]) => secrecy === 'secret')

  function checkNoLeak(fn, secretText, base58Part, label) {
    let caught = null
    try {
      fn()
    } catch (error) {
      caught = error
    }
    assert.ok(caught instanceof Error, `${label}: did not throw`)
    assert.match(caught.code, /^ERR_/, label)
    const text = `${caught.message}\n${caught.stack}`
    assert.ok(!text.includes(secretText), `${label}: message contains the secret: ${caught.message}`)
    for (let i = 0; i + 8 <= base58Part.length; i++) {
      const window = base58Part.slice(i, i + 8)
      assert.ok(!text.includes(window), `${label}: message contains ${JSON.stringify(window)} of the secret: ${caught.message}`)
    }
  }

  for (const [name, argName, , prefix, n, , encode] of SECRET_ARGS) {
    test(`${name}: ${argName}`, () => {
      const index = argIndex(name, argName)
      for (let round = 0; round < 5; round++) {
        const good = base58.encode(noLeadingZero(n))
        const variants = [
          ['bad character', good.slice(0, 10) + '0' + good.slice(10)],
          ['bad non-ASCII character', good.slice(0, 20) + 'é' + good.slice(20)],
          ['bad last character', good.slice(0, -1) + 'l'],
          ['too short', good.slice(0, -3)],
          ['too long', good + good.slice(0, 5)],
          ['extra leading 1', '1' + good],
        ]
        for (const [label, b58] of variants) checkNoLeak(() => callWith(name, index, encode(prefix + b58)), prefix + b58, b58, `${name}(${argName}) ${label}`)
        // Wrong prefixes: the base58 part must not appear either.
        for (const p of ['', 'x' + prefix, prefix.replace('_z', '_Z'), 'sealer_z', 'signer_z']) {
          if (p === prefix) continue
          checkNoLeak(() => callWith(name, index, encode(p + good)), p + good, good, `${name}(${argName}) prefix ${JSON.stringify(p)}`)
        }
        if (encode === utf8) {
          const bytes = utf8(prefix + good + '\u0000')
          bytes[bytes.length - 1] = 0xff
          checkNoLeak(() => callWith(name, index, bytes), prefix + good, good, `${name}(${argName}) invalid UTF-8`)
        }
      }
    })
  }
})

// ---------------------------------------------------------------------------------------------
// Garbage in a child process: nothing may crash the process.

// Runs in the child (serialized with toString; no closures).
function fuzzChild(oursPath, specsJson, rngSeed) {
  const m = require(oursPath)
  const specs = JSON.parse(specsJson)
  const utf8 = (s) => new TextEncoder().encode(s)
  // mulberry32 (helpers/rng.mjs), inlined: this function runs in a child from its source text.
  let state = rngSeed >>> 0
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  const rnd = (n) => Buffer.from(Array.from({ length: n }, () => Math.floor(next() * 256)))
  const u8 = (n) => new Uint8Array(rnd(n))
  const MiB = 1 << 20

  const garbage = []
  const add = (label, make) => garbage.push([label, make])
  for (const n of [0, 1, 16, 24, 31, 32, 33, 47, 48, 49, 63, 64, 65, 100, 1000]) add(`random ${n} bytes`, () => u8(n))
  add('1 MiB random', () => u8(MiB))
  add('1 MiB zeros', () => new Uint8Array(MiB))
  add('Buffer', () => rnd(40))
  add('view with offset', () => u8(100).subarray(13, 77))
  add('detached Uint8Array', () => {
    const a = new Uint8Array(32)
    structuredClone(a.buffer, { transfer: [a.buffer] })
    return a
  })
  add('SharedArrayBuffer view', () => new Uint8Array(new SharedArrayBuffer(32)))
  add('resizable view', () => new Uint8Array(new ArrayBuffer(16, { maxByteLength: 64 })))
  add('shadowed length 0', () => Object.defineProperty(u8(100), 'length', { value: 0 }))
  add('shadowed length 1e9', () => Object.defineProperty(u8(10), 'length', { value: 1e9 }))
  add('throwing length getter', () =>
    Object.defineProperty(u8(10), 'length', {
      get() {
        throw new Error('boom')
      },
    }),
  )
  add('Object.create(Uint8Array.prototype)', () => Object.create(Uint8Array.prototype))
  add('Proxy of Uint8Array', () => new Proxy(u8(32), {}))
  add('Proxy with throwing traps', () =>
    new Proxy(u8(32), {
      get() {
        throw new Error('trap')
      },
      getPrototypeOf() {
        throw new Error('trap')
      },
    }),
  )
  add('revoked Proxy', () => {
    const r = Proxy.revocable({}, {})
    r.revoke()
    return r.proxy
  })
  add('object with throwing getters', () => ({
    get length() {
      throw new Error('getter')
    },
    get buffer() {
      throw new Error('getter')
    },
  }))
  add('object with throwing toPrimitive', () => ({
    [Symbol.toPrimitive]() {
      throw new Error('toPrimitive')
    },
    toString() {
      throw new Error('toString')
    },
  }))
  add('Symbol()', () => Symbol('garbage'))
  add('Symbol.iterator', () => Symbol.iterator)
  for (const v of [null, undefined, NaN, -0, Infinity, 2 ** 53, -1, 0, true, false, 10n, -(2n ** 70n)]) add(`value ${String(v)}`, () => v)
  add("''", () => '')
  add('1 MiB string', () => 'x'.repeat(MiB))
  add('1 MiB non-ASCII string', () => 'é'.repeat(MiB / 2))
  add('lone surrogates', () => '\ud800\udc00\udfff\ud800')
  add('signerSecret_z + garbage', () => 'signerSecret_z' + 'é0OIl'.repeat(10))
  add('sealer_z + 10k ones', () => 'sealer_z' + '1'.repeat(10000))
  add('keySecret_z + 64 z', () => 'keySecret_z' + 'z'.repeat(64))
  add('string with NUL', () => 'sealerSecret_z\u0000abc')
  add('UTF-8 bytes of a secret-looking string', () => utf8('sealerSecret_z' + '2'.repeat(44)))
  add('[]', () => [])
  add('[1,2,3]', () => [1, 2, 3])
  add('sparse array of 1e6', () => new Array(1e6))
  add('{}', () => ({}))
  add('{length: 32}', () => ({ length: 32 }))
  add('function', () => function f() {})
  add('class', () => class C {})
  add('Date', () => new Date())
  add('RegExp', () => /x/g)
  add('Map', () => new Map([[1, 2]]))
  add('Promise', () => Promise.resolve(1))
  add('Error', () => new Error('e'))
  add('ArrayBuffer', () => new ArrayBuffer(32))
  add('DataView', () => new DataView(new ArrayBuffer(32)))
  add('Int16Array', () => new Int16Array(16))
  add('Uint8ClampedArray', () => new Uint8ClampedArray(32))
  add('Float64Array', () => new Float64Array(4))
  add('BigInt64Array', () => new BigInt64Array(4))
  add('Int8Array 1 MiB', () => new Int8Array(MiB))
  add('globalThis', () => globalThis)
  add('String object', () => new String('sealer_z'))

  const { base58 } = require(specs.scureBase)
  const seed = u8(32)
  const x = u8(32)
  const y = u8(32)
  const secret = 'sealerSecret_z' + base58.encode(x)
  const other = 'sealerSecret_z' + base58.encode(y)
  const idOf = (s) => m.getSealerId(utf8(s))
  const signer = utf8('signerSecret_z' + base58.encode(seed))
  const valid = {
    bytes: () => u8(20),
    key32: () => u8(32),
    edPublic: () => m.ed25519VerifyingKey(seed),
    sig64: () => m.ed25519Sign(seed, u8(5)),
    signerSecret: () => signer,
    signatureString: () => utf8(m.sign(u8(5), signer)),
    signerId: () => utf8(m.getSignerId(signer)),
    sealerSecretBytes: () => utf8(secret),
    x25519Public: () => m.x25519PublicKey(y),
    keySecret: () => 'keySecret_z' + base58.encode(x),
    sealerSecret: () => secret,
    sealerId: () => idOf(other),
    sealedBox: () => m.seal(u8(20), other, idOf(secret), utf8('n')),
    groupBox: () => m.sealForGroup(u8(20), idOf(secret), utf8('n')),
    string: () => '{}',
  }

  const call = (name, args) => {
    if (name === 'new Blake3Hasher') return new m.Blake3Hasher(...args)
    if (name === 'Blake3Hasher#update') return new m.Blake3Hasher().update(...args)
    if (name === 'Blake3Hasher#finalize') return new m.Blake3Hasher().finalize(...args)
    if (name === 'Blake3Hasher#clone') return new m.Blake3Hasher().clone(...args)
    return m[name](...args)
  }

  let calls = 0
  let returned = 0
  let threw = 0
  const uncoded = new Map()
  const attempt = (name, args, label) => {
    calls++
    try {
      call(name, args)
      returned++
    } catch (error) {
      threw++
      const code = error && error.code
      if (typeof code !== 'string' || !code.startsWith('ERR_')) {
        const key = `${name} <- ${label}: ${error && error.constructor && error.constructor.name}: ${String(error && error.message).slice(0, 100)}`
        uncoded.set(key, (uncoded.get(key) || 0) + 1)
      }
    }
  }

  for (const [name, kinds] of Object.entries(specs.exports)) {
    for (const [label, make] of garbage) {
      if (kinds.length === 0) {
        attempt(name, [make()], label) // an extra argument is ignored
        continue
      }
      for (let i = 0; i < kinds.length; i++) {
        const args = kinds.map((k) => valid[k]())
        args[i] = make()
        attempt(name, args, label)
      }
      attempt(
        name,
        kinds.map(() => make()),
        label,
      )
    }
  }

  // Still fully working afterwards.
  const s = m.sign(utf8('after'), signer)
  if (m.verify(utf8(s), utf8('after'), utf8(m.getSignerId(signer))) !== true) throw new Error('verify broken after fuzzing')
  const box = m.seal(utf8('after'), secret, idOf(other), utf8('n'))
  if (new TextDecoder().decode(m.unseal(box, other, idOf(secret), utf8('n'))) !== 'after') throw new Error('unseal broken after fuzzing')

  console.log('FUZZ-DONE ' + JSON.stringify({ garbage: garbage.length, calls, returned, threw, uncoded: [...uncoded.keys()] }))
}

const FUZZ_SPECS = {
  blake3HashOnce: ['bytes'],
  blake3HashOnceWithContext: ['bytes', 'bytes'],
  generateNonce: ['bytes'],
  shortHash: ['string'],
  'new Blake3Hasher': [],
  'Blake3Hasher#update': ['bytes'],
  'Blake3Hasher#finalize': [],
  'Blake3Hasher#clone': [],
  ed25519VerifyingKey: ['key32'],
  ed25519SigningKeyToPublic: ['key32'],
  ed25519Sign: ['key32', 'bytes'],
  ed25519SigningKeySign: ['key32', 'bytes'],
  ed25519Verify: ['edPublic', 'bytes', 'sig64'],
  ed25519SigningKeyFromBytes: ['key32'],
  ed25519VerifyingKeyFromBytes: ['key32'],
  ed25519SignatureFromBytes: ['sig64'],
  newEd25519SigningKey: [],
  newX25519PrivateKey: [],
  sign: ['bytes', 'signerSecret'],
  verify: ['signatureString', 'bytes', 'signerId'],
  getSignerId: ['signerSecret'],
  x25519PublicKey: ['key32'],
  x25519DiffieHellman: ['key32', 'x25519Public'],
  getSealerId: ['sealerSecretBytes'],
  encrypt: ['bytes', 'keySecret', 'bytes'],
  decrypt: ['bytes', 'keySecret', 'bytes'],
  encryptXsalsa20: ['key32', 'bytes', 'bytes'],
  decryptXsalsa20: ['key32', 'bytes', 'bytes'],
  seal: ['bytes', 'sealerSecret', 'sealerId', 'bytes'],
  unseal: ['sealedBox', 'sealerSecret', 'sealerId', 'bytes'],
  sealForGroup: ['bytes', 'sealerId', 'bytes'],
  unsealForGroup: ['groupBox', 'sealerSecret', 'bytes'],
}

describe('garbage in a child process', () => {
  let result = null
  const run = () => {
    if (result) return result
    const specs = JSON.stringify({ exports: FUZZ_SPECS, scureBase: require.resolve('@scure/base') })
    const script = `(${fuzzChild.toString()})(${JSON.stringify(OURS_PATH)}, ${JSON.stringify(specs)}, ${SEED})`
    // From a file: the script is longer than a Windows command line may be (32,767 characters).
    const dir = mkdtempSync(join(tmpdir(), 'cojson-core-napi-garbage-'))
    const file = join(dir, 'garbage-child.cjs')
    writeFileSync(file, script)
    const child = spawnSync(process.execPath, [file], { encoding: 'utf8', timeout: 120_000, maxBuffer: 64 * 1024 * 1024 })
    rmSync(dir, { recursive: true, force: true })
    if (child.error) throw child.error
    const lines = child.stdout.trim().split('\n')
    const last = lines[lines.length - 1] || ''
    result = { child, last, report: last.startsWith('FUZZ-DONE ') ? JSON.parse(last.slice('FUZZ-DONE '.length)) : null }
    return result
  }

  test('the child survives every call and reports the expected number of calls', (t) => {
    const { child, last, report } = run()
    assert.equal(child.error, undefined, String(child.error))
    assert.equal(child.signal, null, `child killed by ${child.signal}; stderr: ${child.stderr.slice(-2000)}`)
    assert.equal(child.status, 0, `child exited with ${child.status}; stderr: ${child.stderr.slice(-2000)}`)
    assert.ok(report, `no final line; last line was ${JSON.stringify(last)}`)
    assert.ok(report.garbage >= 50, `only ${report.garbage} kinds of garbage`)
    const expected = Object.values(FUZZ_SPECS).reduce((sum, kinds) => sum + (kinds.length === 0 ? 1 : kinds.length + 1) * report.garbage, 0)
    assert.equal(report.calls, expected)
    assert.equal(report.returned + report.threw, report.calls)
    assert.ok(report.threw > report.calls / 2, `${report.threw} of ${report.calls} threw`)
    t.diagnostic(`${report.garbage} kinds of garbage, ${report.calls} calls: ${report.returned} returned, ${report.threw} threw`)
  })

  test('every failure is an Error with an ERR_* code', () => {
    const { report } = run()
    assert.ok(report, 'the child did not finish')
    assert.deepEqual(report.uncoded, [], `calls that threw something other than an ERR_* error:\n${report.uncoded.join('\n')}`)
  })
})
