// The bad-input matrix (issue "Reliability and security, proven"): every export of the package, every
// argument, a systematic list of bad variants, one bad argument at a time (the others keep their
// valid value). All calls run in a child process (this same file, started with
// BAD_INPUT_MATRIX_CHILD=1), so that an abort or a crash is caught instead of killing the runner.
//
// The child only executes and reports facts per case (returned or threw, instanceof Error, code,
// message, the type, length and digest of the result, the state of the SessionMap / hasher
// before and after). The parent judges them against the expectation that the table below gives
// each case:
//   * a thrown value must be an Error with a string `code`, and the code must be the one the
//     contract names for that kind of bad input (src/error.rs);
//   * a call may return only where that is the contract: ed25519Verify / verify give `false` for a
//     tampered signature or another message, decrypt / decryptXsalsa20 give garbage for a tampered
//     ciphertext (unauthenticated XSalsa20: exactly the flipped bit differs), Buffers,
//     SharedArrayBuffer-backed views and offset views give the plain Uint8Array's result, u32
//     arguments coerce as JS ToUint32 (`x >>> 0`), optional arguments take their default;
//   * a rejected SessionMap call leaves the map unchanged, a rejected Blake3Hasher#update leaves
//     the hasher unchanged.
// Expected values come from the fixtures' own inputs, node:crypto (Ed25519, X25519) and @scure/base,
// or from a reference call in the same child (`ref`), never from recorded outputs of our code.
//
// A separate test checks that base58 decoding of long strings takes bounded time (decoding is
// quadratic in the length; a string longer than a fixed-size value's longest encoding must be
// rejected before it is decoded).

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createRequire } from 'node:module'
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { readFileSync } from 'node:fs'
import nodeCrypto from 'node:crypto'
import { utf8, hex, concat, det } from './helpers/bytes.mjs'

const require = createRequire(import.meta.url)
const PKG_PATH = require.resolve('../napi-crypto.js')
const pkg = require(PKG_PATH)
const { base58 } = require('@scure/base')
const IS_CHILD = process.env.BAD_INPUT_MATRIX_CHILD === '1'

// ---------------------------------------------------------------------------------------------
// Helpers and fixtures (inputs; none is an expected output of our code)

const MiB = 1 << 20
const BIG = 16 * MiB

const ED_PKCS8 = Buffer.from('302e020100300506032b657004220420', 'hex')
const X_PKCS8 = Buffer.from('302e020100300506032b656e04220420', 'hex')
const X_SPKI = Buffer.from('302a300506032b656e032100', 'hex')
const edPrivate = (seed) => nodeCrypto.createPrivateKey({ key: Buffer.concat([ED_PKCS8, seed]), format: 'der', type: 'pkcs8' })
const edPublic = (seed) => new Uint8Array(nodeCrypto.createPublicKey(edPrivate(seed)).export({ format: 'der', type: 'spki' }).subarray(-32))
const edSign = (seed, message) => new Uint8Array(nodeCrypto.sign(null, message, edPrivate(seed)))
const xPrivate = (sk) => nodeCrypto.createPrivateKey({ key: Buffer.concat([X_PKCS8, sk]), format: 'der', type: 'pkcs8' })
const xPublic = (sk) => new Uint8Array(nodeCrypto.createPublicKey(xPrivate(sk)).export({ format: 'der', type: 'spki' }).subarray(-32))
const xShared = (sk, pub) =>
  new Uint8Array(nodeCrypto.diffieHellman({ privateKey: xPrivate(sk), publicKey: nodeCrypto.createPublicKey({ key: Buffer.concat([X_SPKI, pub]), format: 'der', type: 'spki' }) }))

const ED_SEED = det(32, 1)
const ED_PUBLIC = edPublic(ED_SEED)
const X_SK_A = det(32, 2)
const X_SK_B = det(32, 3)
const KEY_BYTES = det(32, 4)
const ED_SEED_OTHER = det(32, 5)

const SIGNER_SECRET = 'signerSecret_z' + base58.encode(ED_SEED)
const SIGNER_ID = 'signer_z' + base58.encode(ED_PUBLIC)
const SEALER_SECRET_A = 'sealerSecret_z' + base58.encode(X_SK_A)
const SEALER_SECRET_B = 'sealerSecret_z' + base58.encode(X_SK_B)
const SEALER_ID_A = 'sealer_z' + base58.encode(xPublic(X_SK_A))
const SEALER_ID_B = 'sealer_z' + base58.encode(xPublic(X_SK_B))
const KEY_SECRET = 'keySecret_z' + base58.encode(KEY_BYTES)
const KEY_SECRET_OTHER = 'keySecret_z' + base58.encode(det(32, 6))

// Ed25519 points: the identity (small order, decodable) and an undecodable encoding.
const IDENTITY_POINT = concat(Uint8Array.of(1), new Uint8Array(31))
const UNDECODABLE_POINT = concat(Uint8Array.of(2), new Uint8Array(31))
const ZERO32 = new Uint8Array(32) // a low-order X25519 point

// Two profiles: 'small' results (at most 64 bytes) take the JS layer's scratch-buffer path,
// 'big' ones (over 64 bytes) the addon's ordinary path.
const message = (p) => det(p === 'big' ? 100 : 10, 7)
const NONCE_MATERIAL = utf8('{"in":"co_zTest","tx":{"sessionID":"s","txIndex":0}}')
const nm = () => NONCE_MATERIAL.slice()

// Fixtures made by our own code are inputs only; the baseline cases check them (an unseal of a
// seal gives the message back).
const fixtureCache = new Map()
const fixture = (key, make) => {
  if (!fixtureCache.has(key)) fixtureCache.set(key, make())
  return fixtureCache.get(key).slice()
}
const sealedBox = (p) => fixture(`seal ${p}`, () => pkg.seal(message(p), SEALER_SECRET_A, SEALER_ID_B, nm()))
const groupBox = (p) => fixture(`group ${p}`, () => pkg.sealForGroup(message(p), SEALER_ID_B, nm()))
const ciphertext = (p) => fixture(`cipher ${p}`, () => pkg.encrypt(message(p), KEY_SECRET, nm()))
const rawCiphertext = (p) => fixture(`raw ${p}`, () => pkg.encryptXsalsa20(KEY_BYTES, nm(), message(p)))
const ED_SIGNATURE = edSign(ED_SEED, message('small'))
const SIGNATURE_STRING = 'signature_z' + base58.encode(ED_SIGNATURE)

// SessionMap: the CoValue of the spec's worked example (4.12a).
const EX_HEADER = '{"createdAt":"2024-01-01T00:00:00.000Z","meta":null,"ruleset":{"type":"unsafeAllowAll"},"type":"comap","uniqueness":"zUnique123"}'
const EX_ID = 'co_zZo6gaxUzJk7pNhaa5XHy4d43Z2'
const T0 = 1700000000000
const sessionId = (tag) => `co_zAccount${tag}_session_z${base58.encode(det(8, tag.charCodeAt(0) % 30))}`
const S_A = sessionId('A')
const S_B = sessionId('B')
const S_C = sessionId('C')
const S_D = sessionId('D')
const S_NEW = sessionId('N')
const writerSeed = (tag) => det(32, 10 + (tag.charCodeAt(0) % 20))
const writerSecret = (tag) => 'signerSecret_z' + base58.encode(writerSeed(tag))
const writerId = (tag) => 'signer_z' + base58.encode(edPublic(writerSeed(tag)))
const CHANGES = (i) => JSON.stringify([{ op: 'set', key: `k${i}`, value: 'x'.repeat(40) }])
const KEY_ID = 'key_z' + base58.encode(det(12, 8))

// A peer's batch of one transaction and its signature, for addTransactions.
function peerBatch(tag, i) {
  return fixtureCacheGet(`batch ${tag}`, () => {
    const scratch = new pkg.SessionMap(EX_ID, EX_HEADER)
    const session = sessionId(tag)
    const made = JSON.parse(scratch.makeNewTrustingTransaction(session, writerSecret(tag), CHANGES(i), null, T0 + i))
    return { batch: `[${scratch.getTransaction(session, 0)}]`, signature: made.signature }
  })
}
function fixtureCacheGet(key, make) {
  if (!fixtureCache.has(key)) fixtureCache.set(key, make())
  return fixtureCache.get(key)
}

// The map every SessionMap method case starts from: three trusting transactions in S_A (with a
// checkpoint, maxTxSize 100), a private one with meta in S_B, a peer's in S_C, streaming state.
function baseMap() {
  const m = new pkg.SessionMap(EX_ID, EX_HEADER, 100, false)
  m.makeNewTrustingTransaction(S_A, writerSecret('A'), CHANGES(0), null, T0)
  m.makeNewTrustingTransaction(S_A, writerSecret('A'), CHANGES(1), '{"m":1}', T0 + 1)
  m.makeNewTrustingTransaction(S_A, writerSecret('A'), CHANGES(2), null, T0 + 2)
  m.makeNewPrivateTransaction(S_B, writerSecret('B'), CHANGES(3), KEY_ID, KEY_SECRET, '{"pm":1}', T0 + 3)
  const c = peerBatch('C', 5)
  m.addTransactions(S_C, writerId('C'), c.batch, c.signature, false)
  m.setStreamingKnownState(JSON.stringify({ [S_A]: 10, [S_D]: 2 }))
  return m
}

// What the constructor's result does: writes whose in-between signatures depend on maxTxSize,
// up to and past the default of 102400 bytes (four small changes, one that brings the total
// just under 102400, one more small one).
const LARGE_CHANGE = 'y'.repeat(102400 - 4 * CHANGES(0).length - 20)
function constructorWorkload(m) {
  for (let i = 0; i < 4; i++) m.makeNewTrustingTransaction(S_A, writerSecret('A'), CHANGES(i), null, T0 + i)
  m.makeNewTrustingTransaction(S_A, writerSecret('A'), LARGE_CHANGE, null, T0 + 4)
  m.makeNewTrustingTransaction(S_A, writerSecret('A'), CHANGES(5), null, T0 + 5)
  return m
}

// Everything observable about a map, as a digest.
function mapState(m) {
  const h = nodeCrypto.createHash('sha256')
  const put = (label, value) => {
    h.update(label)
    h.update('\u0000')
    h.update(String(JSON.stringify(value)))
    h.update('\u0000')
  }
  const ids = m.getSessionIds()
  put('ids', ids)
  for (const id of ids) {
    const n = m.getTransactionCount(id)
    put('count', n)
    put('last', m.getLastSignature(id))
    put('checkpoint', m.getLastSignatureCheckpoint(id))
    for (let i = 0; i <= n; i++) {
      put('tx', m.getTransaction(id, i))
      put('after', m.getSignatureAfter(id, i))
    }
  }
  put('known', m.getKnownState())
  put('knownWithStreaming', m.getKnownStateWithStreaming())
  put('isStreaming', m.isStreaming())
  put('isDeleted', m.isDeleted())
  put('header', m.getHeader())
  return h.digest('hex')
}

const HASHER_PREFIX = det(10, 9)

// ---------------------------------------------------------------------------------------------
// The table: every export, every argument.
//
// Argument kinds: bytes (raw; `len` when fixed, `secret` for raw secret keys), string,
// secret-string / id-string (`<prefix><base58 of decodedLen bytes>` as a JS string),
// secret-bytes / id-bytes (the same as UTF-8 bytes), json-string, optional-string, u32, f64, bool
// (`optional` when null/undefined is allowed).
// `other`: the expectation for other content of the right type and length (empty, 16 MiB, ...):
// { returns: 'ok' } when any content is fine, { returns: 'false' }, or { throws: [...] }.
// `extra`: argument-specific variants (tampering, low-order keys, other valid values).

const ok = { returns: 'ok' }
const isFalse = { returns: 'false' }
const throws = (...codes) => ({ throws: codes })
const TYPE = throws('ERR_INVALID_ARG_TYPE')
const LENGTH = throws('ERR_INVALID_LENGTH')
const DECRYPTION = throws('ERR_DECRYPTION_FAILED')

const U8 = (len) => ({ type: 'Uint8Array', len })
const U8_OF = (argIndex, delta = 0) => ({ type: 'Uint8Array', lenOfArg: argIndex, delta })
const STR = (prefix) => ({ type: 'string', prefix })

// Bit flips of a byte value: [label, byte index (negative from the end), bit].
const flip = (bytes, at, bit) => {
  const out = Uint8Array.from(bytes)
  const i = at < 0 ? out.length + at : at
  out[i] ^= 1 << bit
  return out
}
const flipEncoded = (text, prefix, at, bit) => prefix + base58.encode(flip(base58.decode(text.slice(prefix.length)), at, bit))
const xorMask = (length, at, bit) => {
  const m = new Uint8Array(length)
  m[at < 0 ? length + at : at] = 1 << bit
  return m
}

function tamperFalse(validOf, positions) {
  return positions.map(([at, bit]) => ({ label: `tampered: byte ${at} bit ${bit}`, make: (p) => flip(validOf(p), at, bit), expect: isFalse }))
}
function tamperEncoded(validOf, prefix, positions, expect, encode = (s) => s) {
  return positions.map(([at, bit]) => ({ label: `tampered: decoded byte ${at} bit ${bit}`, make: (p) => encode(flipEncoded(validOf(p), prefix, at, bit)), expect }))
}
function tamperXor(validOf, positions) {
  return positions.map(([at, bit]) => ({
    label: `tampered ciphertext: byte ${at} bit ${bit} (unauthenticated: garbage out)`,
    make: (p) => flip(validOf(p), at, bit),
    ref: (p) => validOf(p),
    expect: { returns: 'xor', at, bit },
  }))
}
function tamperSealed(validOf, positions, truncations) {
  return [
    ...positions.map(([at, bit]) => ({ label: `tampered box: byte ${at} bit ${bit}`, make: (p) => flip(validOf(p), at, bit), expect: DECRYPTION })),
    ...truncations.map(([label, cut]) => ({ label: `truncated box: ${label}`, make: (p) => cut(validOf(p)), expect: DECRYPTION })),
    { label: 'extended box (+1 byte)', make: (p) => concat(validOf(p), Uint8Array.of(0)), expect: DECRYPTION },
  ]
}

const SIG_POSITIONS = [
  [0, 0],
  [31, 7],
  [32, 0],
  [63, 7],
]

const FUNCTION_EXPORTS = [
  {
    name: 'blake3HashOnce',
    args: [{ name: 'data', kind: 'bytes', valid: message, other: ok }],
    shape: U8(32),
  },
  {
    name: 'blake3HashOnceWithContext',
    args: [
      { name: 'data', kind: 'bytes', valid: message, other: ok },
      { name: 'context', kind: 'bytes', valid: () => utf8('seal'), other: ok },
    ],
    shape: U8(32),
  },
  {
    name: 'decrypt',
    profiles: ['small', 'big'],
    args: [
      { name: 'ciphertext', kind: 'bytes', valid: ciphertext, other: ok, extra: tamperXor(ciphertext, [[0, 0], [5, 3], [-1, 7]]) },
      { name: 'keySecret', kind: 'secret-string', prefix: 'keySecret_z', decodedLen: 32, others: ['signerSecret_z', 'sealerSecret_z', 'key_z'], valid: () => KEY_SECRET },
      { name: 'nonceMaterial', kind: 'bytes', valid: nm, other: ok },
    ],
    shape: U8_OF(0),
    baseline: { returns: 'hex', hex: (p) => hex(message(p)) },
  },
  {
    name: 'decryptXsalsa20',
    profiles: ['small', 'big'],
    args: [
      { name: 'key', kind: 'bytes', len: 32, secret: true, valid: () => KEY_BYTES.slice(), other: ok },
      { name: 'nonceMaterial', kind: 'bytes', valid: nm, other: ok },
      { name: 'ciphertext', kind: 'bytes', valid: rawCiphertext, other: ok, extra: tamperXor(rawCiphertext, [[0, 0], [5, 3], [-1, 7]]) },
    ],
    shape: U8_OF(2),
    baseline: { returns: 'hex', hex: (p) => hex(message(p)) },
  },
  {
    name: 'ed25519Sign',
    args: [
      { name: 'signingKey', kind: 'bytes', len: 32, secret: true, valid: () => ED_SEED.slice(), other: ok },
      { name: 'message', kind: 'bytes', valid: message, other: ok },
    ],
    shape: U8(64),
    baseline: { returns: 'hex', hex: (p) => hex(edSign(ED_SEED, message(p))) },
  },
  {
    name: 'ed25519SignatureFromBytes',
    args: [{ name: 'bytes', kind: 'bytes', len: 64, valid: () => ED_SIGNATURE.slice(), other: ok }],
    shape: U8(64),
    baseline: { returns: 'hex', hex: () => hex(ED_SIGNATURE) },
  },
  {
    name: 'ed25519SigningKeyFromBytes',
    args: [{ name: 'bytes', kind: 'bytes', len: 32, secret: true, valid: () => ED_SEED.slice(), other: ok }],
    shape: U8(32),
    baseline: { returns: 'hex', hex: () => hex(ED_SEED) },
  },
  {
    name: 'ed25519SigningKeySign',
    args: [
      { name: 'signingKey', kind: 'bytes', len: 32, secret: true, valid: () => ED_SEED.slice(), other: ok },
      { name: 'message', kind: 'bytes', valid: message, other: ok },
    ],
    shape: U8(64),
    baseline: { returns: 'hex', hex: (p) => hex(edSign(ED_SEED, message(p))) },
  },
  {
    name: 'ed25519SigningKeyToPublic',
    args: [{ name: 'signingKey', kind: 'bytes', len: 32, secret: true, valid: () => ED_SEED.slice(), other: ok }],
    shape: U8(32),
    baseline: { returns: 'hex', hex: () => hex(ED_PUBLIC) },
  },
  {
    name: 'ed25519Verify',
    args: [
      {
        name: 'verifyingKey',
        kind: 'bytes',
        len: 32,
        valid: () => ED_PUBLIC.slice(),
        other: ok,
        extra: [
          { label: 'small-order key (identity)', make: () => IDENTITY_POINT.slice(), expect: isFalse },
          { label: 'undecodable key', make: () => UNDECODABLE_POINT.slice(), expect: throws('ERR_INVALID_KEY') },
          { label: "another key's signature", make: () => edPublic(ED_SEED_OTHER), expect: isFalse },
        ],
      },
      { name: 'message', kind: 'bytes', valid: message, other: isFalse, extra: [{ label: 'another message', make: () => det(10, 8), expect: isFalse }] },
      { name: 'signature', kind: 'bytes', len: 64, valid: () => ED_SIGNATURE.slice(), other: isFalse, extra: tamperFalse(() => ED_SIGNATURE, SIG_POSITIONS) },
    ],
    shape: { type: 'boolean' },
    baseline: { returns: 'true' },
  },
  {
    name: 'ed25519VerifyingKey',
    args: [{ name: 'signingKey', kind: 'bytes', len: 32, secret: true, valid: () => ED_SEED.slice(), other: ok }],
    shape: U8(32),
    baseline: { returns: 'hex', hex: () => hex(ED_PUBLIC) },
  },
  {
    name: 'ed25519VerifyingKeyFromBytes',
    args: [{ name: 'bytes', kind: 'bytes', len: 32, valid: () => ED_PUBLIC.slice(), other: ok }],
    shape: U8(32),
    baseline: { returns: 'hex', hex: () => hex(ED_PUBLIC) },
  },
  {
    name: 'encrypt',
    profiles: ['small', 'big'],
    args: [
      // encrypt is decrypt (the same keystream XOR): a tampered ciphertext given to it is garbage too.
      { name: 'value', kind: 'bytes', valid: ciphertext, other: ok, extra: tamperXor(ciphertext, [[0, 0], [-1, 7]]) },
      { name: 'keySecret', kind: 'secret-string', prefix: 'keySecret_z', decodedLen: 32, others: ['signerSecret_z', 'sealerSecret_z', 'key_z'], valid: () => KEY_SECRET, extra: [{ label: 'another valid key', make: () => KEY_SECRET_OTHER, expect: ok }] },
      { name: 'nonceMaterial', kind: 'bytes', valid: nm, other: ok },
    ],
    shape: U8_OF(0),
    baseline: { returns: 'hex', hex: (p) => hex(message(p)) },
  },
  {
    name: 'encryptXsalsa20',
    profiles: ['small', 'big'],
    args: [
      { name: 'key', kind: 'bytes', len: 32, secret: true, valid: () => KEY_BYTES.slice(), other: ok },
      { name: 'nonceMaterial', kind: 'bytes', valid: nm, other: ok },
      { name: 'plaintext', kind: 'bytes', valid: rawCiphertext, other: ok, extra: tamperXor(rawCiphertext, [[0, 0], [-1, 7]]) },
    ],
    shape: U8_OF(2),
    baseline: { returns: 'hex', hex: (p) => hex(message(p)) },
  },
  {
    name: 'generateNonce',
    args: [{ name: 'nonceMaterial', kind: 'bytes', valid: nm, other: ok }],
    shape: U8(24),
  },
  {
    name: 'getSealerId',
    args: [{ name: 'secret', kind: 'secret-bytes', prefix: 'sealerSecret_z', decodedLen: 32, others: ['sealer_z', 'signerSecret_z', 'keySecret_z'], valid: () => utf8(SEALER_SECRET_A) }],
    shape: STR('sealer_z'),
    baseline: { returns: 'value', value: () => SEALER_ID_A },
  },
  {
    name: 'getSignerId',
    args: [{ name: 'secret', kind: 'secret-bytes', prefix: 'signerSecret_z', decodedLen: 32, others: ['signer_z', 'sealerSecret_z', 'keySecret_z'], valid: () => utf8(SIGNER_SECRET) }],
    shape: STR('signer_z'),
    baseline: { returns: 'value', value: () => SIGNER_ID },
  },
  { name: 'newEd25519SigningKey', args: [], shape: U8(32), random: true },
  { name: 'newX25519PrivateKey', args: [], shape: U8(32), random: true },
  {
    name: 'seal',
    profiles: ['small', 'big'],
    args: [
      { name: 'message', kind: 'bytes', valid: message, other: ok },
      { name: 'senderSecret', kind: 'secret-string', prefix: 'sealerSecret_z', decodedLen: 32, others: ['sealer_z', 'signerSecret_z', 'keySecret_z'], valid: () => SEALER_SECRET_A },
      {
        name: 'recipientId',
        kind: 'id-string',
        prefix: 'sealer_z',
        decodedLen: 32,
        others: ['sealerSecret_z', 'signer_z'],
        valid: () => SEALER_ID_B,
        extra: [{ label: 'low-order X25519 key (all zero)', make: () => 'sealer_z' + base58.encode(ZERO32), expect: throws('ERR_WEAK_SHARED_SECRET') }],
      },
      { name: 'nonceMaterial', kind: 'bytes', valid: nm, other: ok },
    ],
    shape: U8_OF(0, 16),
    observe: (result, _, args) => pkg.unseal(result, SEALER_SECRET_B, SEALER_ID_A, args[3]),
    observedShape: U8_OF(0),
  },
  {
    name: 'sealForGroup',
    profiles: ['small', 'big'],
    args: [
      { name: 'message', kind: 'bytes', valid: message, other: ok },
      {
        name: 'recipientId',
        kind: 'id-string',
        prefix: 'sealer_z',
        decodedLen: 32,
        others: ['sealerSecret_z', 'signer_z'],
        valid: () => SEALER_ID_B,
        extra: [{ label: 'low-order X25519 key (all zero)', make: () => 'sealer_z' + base58.encode(ZERO32), expect: throws('ERR_WEAK_SHARED_SECRET') }],
      },
      { name: 'nonceMaterial', kind: 'bytes', valid: nm, other: ok },
    ],
    shape: U8_OF(0, 48),
    // The ephemeral key is random: compare what the recipient opens.
    observe: (result, _, args) => pkg.unsealForGroup(result, SEALER_SECRET_B, args[2]),
    observedShape: U8_OF(0),
    baseline: { returns: 'hex', hex: (p) => hex(message(p)) },
  },
  {
    name: 'shortHash',
    args: [{ name: 'value', kind: 'string', valid: () => '{"a":1}', other: ok }],
    shape: STR('shortHash_z'),
  },
  {
    name: 'sign',
    args: [
      { name: 'message', kind: 'bytes', valid: message, other: ok },
      { name: 'secret', kind: 'secret-bytes', prefix: 'signerSecret_z', decodedLen: 32, others: ['signer_z', 'sealerSecret_z', 'keySecret_z'], valid: () => utf8(SIGNER_SECRET) },
    ],
    shape: STR('signature_z'),
    baseline: { returns: 'value', value: () => SIGNATURE_STRING },
  },
  {
    name: 'unseal',
    profiles: ['small', 'big'],
    args: [
      {
        name: 'sealedMessage',
        kind: 'bytes',
        valid: sealedBox,
        other: DECRYPTION,
        extra: tamperSealed(
          sealedBox,
          [
            [0, 0],
            [15, 7],
            [16, 0],
            [-1, 7],
          ],
          [
            ['-1 byte', (b) => b.subarray(0, b.length - 1)],
            ['tag only (16 bytes)', (b) => b.subarray(0, 16)],
            ['15 bytes', (b) => b.subarray(0, 15)],
          ],
        ),
      },
      {
        name: 'recipientSecret',
        kind: 'secret-string',
        prefix: 'sealerSecret_z',
        decodedLen: 32,
        others: ['sealer_z', 'signerSecret_z', 'keySecret_z'],
        valid: () => SEALER_SECRET_B,
        extra: [{ label: "another party's valid secret", make: () => SEALER_SECRET_A, expect: DECRYPTION }],
      },
      {
        name: 'senderId',
        kind: 'id-string',
        prefix: 'sealer_z',
        decodedLen: 32,
        others: ['sealerSecret_z', 'signer_z'],
        valid: () => SEALER_ID_A,
        extra: [
          { label: 'low-order X25519 key (all zero)', make: () => 'sealer_z' + base58.encode(ZERO32), expect: throws('ERR_WEAK_SHARED_SECRET') },
          { label: "another party's valid id", make: () => SEALER_ID_B, expect: DECRYPTION },
        ],
      },
      { name: 'nonceMaterial', kind: 'bytes', valid: nm, other: DECRYPTION },
    ],
    shape: U8_OF(0, -16),
    baseline: { returns: 'hex', hex: (p) => hex(message(p)) },
  },
  {
    name: 'unsealForGroup',
    profiles: ['small', 'big'],
    args: [
      {
        name: 'sealedMessage',
        kind: 'bytes',
        valid: groupBox,
        other: DECRYPTION,
        // Not bit 7 of byte 31: X25519 ignores the top bit of a public key (RFC 7748), so that
        // flip opens to the same plaintext.
        extra: tamperSealed(
          groupBox,
          [
            [0, 0],
            [31, 0],
            [32, 0],
            [47, 7],
            [48, 0],
            [-1, 7],
          ],
          [
            ['-1 byte', (b) => b.subarray(0, b.length - 1)],
            ['key and tag only (48 bytes)', (b) => b.subarray(0, 48)],
            ['47 bytes', (b) => b.subarray(0, 47)],
            ['32 bytes', (b) => b.subarray(0, 32)],
          ],
        ),
      },
      {
        name: 'recipientSecret',
        kind: 'secret-string',
        prefix: 'sealerSecret_z',
        decodedLen: 32,
        others: ['sealer_z', 'signerSecret_z', 'keySecret_z'],
        valid: () => SEALER_SECRET_B,
        extra: [{ label: "another party's valid secret", make: () => SEALER_SECRET_A, expect: DECRYPTION }],
      },
      { name: 'nonceMaterial', kind: 'bytes', valid: nm, other: DECRYPTION },
    ],
    shape: U8_OF(0, -48),
    baseline: { returns: 'hex', hex: (p) => hex(message(p)) },
  },
  {
    name: 'verify',
    args: [
      {
        name: 'signature',
        kind: 'id-bytes',
        prefix: 'signature_z',
        decodedLen: 64,
        others: ['signer_z', 'signerSecret_z', 'hash_z'],
        valid: () => utf8(SIGNATURE_STRING),
        extra: tamperEncoded(() => SIGNATURE_STRING, 'signature_z', SIG_POSITIONS, isFalse, utf8),
      },
      { name: 'message', kind: 'bytes', valid: message, other: isFalse, extra: [{ label: 'another message', make: () => det(10, 8), expect: isFalse }] },
      {
        name: 'id',
        kind: 'id-bytes',
        prefix: 'signer_z',
        decodedLen: 32,
        others: ['signerSecret_z', 'sealer_z', 'signature_z'],
        valid: () => utf8(SIGNER_ID),
        extra: [
          { label: 'small-order key (identity)', make: () => utf8('signer_z' + base58.encode(IDENTITY_POINT)), expect: isFalse },
          { label: 'undecodable key', make: () => utf8('signer_z' + base58.encode(UNDECODABLE_POINT)), expect: throws('ERR_INVALID_KEY') },
          { label: "another signer's id", make: () => utf8('signer_z' + base58.encode(edPublic(ED_SEED_OTHER))), expect: isFalse },
        ],
      },
    ],
    shape: { type: 'boolean' },
    baseline: { returns: 'true' },
  },
  {
    name: 'x25519DiffieHellman',
    args: [
      { name: 'privateKey', kind: 'bytes', len: 32, secret: true, valid: () => X_SK_A.slice(), other: ok },
      {
        name: 'publicKey',
        kind: 'bytes',
        len: 32,
        valid: () => xPublic(X_SK_B),
        other: ok,
        extra: [
          { label: 'low-order X25519 key (all zero)', make: () => ZERO32.slice(), expect: throws('ERR_WEAK_SHARED_SECRET') },
          { label: 'low-order X25519 key (u = 1)', make: () => concat(Uint8Array.of(1), new Uint8Array(31)), expect: throws('ERR_WEAK_SHARED_SECRET') },
        ],
      },
    ],
    shape: U8(32),
    baseline: { returns: 'hex', hex: () => hex(xShared(X_SK_A, xPublic(X_SK_B))) },
  },
  {
    name: 'x25519PublicKey',
    args: [{ name: 'privateKey', kind: 'bytes', len: 32, secret: true, valid: () => X_SK_A.slice(), other: ok }],
    shape: U8(32),
    baseline: { returns: 'hex', hex: () => hex(xPublic(X_SK_A)) },
  },
]

for (const e of FUNCTION_EXPORTS) {
  e.target = 'function'
  e.call = (args) => pkg[e.name](...args)
  // Every byte-returning export takes an optional `out` last: a Uint8Array of the result's length.
  if (e.shape.type === 'Uint8Array') e.args.push({ name: 'out', kind: 'out', valid: () => undefined, exp: e })
}

const HASHER_EXPORTS = [
  {
    name: 'Blake3Hasher#update',
    target: 'hasher',
    args: [{ name: 'data', kind: 'bytes', valid: message, other: ok }],
    call: (args, hasher) => hasher.update(...args),
    // update returns nothing: what it did is in the digest.
    observe: (result, hasher) => ({ returned: result, digest: hasher.finalize() }),
    shape: { type: 'object' },
  },
  { name: 'new Blake3Hasher', target: 'function', args: [], call: () => new pkg.Blake3Hasher().finalize(), shape: U8(32) },
  { name: 'Blake3Hasher#finalize', target: 'hasher', args: [], call: (_, h) => h.finalize(), shape: U8(32) },
  { name: 'Blake3Hasher#clone', target: 'hasher', args: [], call: (_, h) => h.clone().finalize(), shape: U8(32) },
]

// SessionMap arguments.
const sessionArg = (valid) => ({ name: 'sessionId', kind: 'string', valid, other: ok })
const u32Arg = (name, valid) => ({ name, kind: 'u32', valid })
const signerSecretArg = (tag) => ({
  name: 'signerSecret',
  kind: 'secret-string',
  prefix: 'signerSecret_z',
  decodedLen: 32,
  others: ['signer_z', 'sealerSecret_z', 'keySecret_z'],
  valid: () => writerSecret(tag),
})
const keySecretArg = () => ({ name: 'keySecret', kind: 'secret-string', prefix: 'keySecret_z', decodedLen: 32, others: ['key_z', 'signerSecret_z', 'sealerSecret_z'], valid: () => KEY_SECRET })
const changesArg = () => ({ name: 'changesJson', kind: 'json-string', valid: () => CHANGES(9), other: ok, big: throws('ERR_TRANSACTION_TOO_LARGE') })
const metaArg = () => ({ name: 'metaJson', kind: 'optional-string', valid: () => '{"meta":true}', other: ok })
const madeAtArg = () => ({ name: 'madeAt', kind: 'f64', valid: () => T0 + 9 })
const sessionFor = (p) => (p === 'new session' ? S_NEW : S_B)

const MAP_EXPORTS = [
  {
    name: 'new SessionMap',
    target: 'constructor',
    args: [
      { name: 'coId', kind: 'string', valid: () => EX_ID, other: throws('ERR_ID_MISMATCH') },
      {
        name: 'headerJson',
        kind: 'json-string',
        valid: () => EX_HEADER,
        other: throws('ERR_INVALID_HEADER'),
        extra: [
          { label: 'JSON null', make: () => 'null', expect: throws('ERR_INVALID_HEADER') },
          { label: 'an empty object', make: () => '{}', expect: throws('ERR_INVALID_HEADER') },
          { label: 'another valid header (id mismatch)', make: () => EX_HEADER.replace('zUnique123', 'zUnique124'), expect: throws('ERR_ID_MISMATCH') },
          { label: 'truncated JSON', make: () => EX_HEADER.slice(0, -1), expect: throws('ERR_INVALID_HEADER') },
        ],
      },
      { name: 'maxTxSize', kind: 'u32', optional: true, default: 102400, valid: () => 100 },
      { name: 'skipVerify', kind: 'bool', optional: true, default: false, valid: () => false },
    ],
    call: (args) => new pkg.SessionMap(...args),
    observe: (map) => ({ state: mapState(constructorWorkload(map)) }),
    shape: { type: 'object' },
  },
  {
    name: 'SessionMap#addTransactions',
    target: 'map',
    args: [
      sessionArg(() => S_D),
      {
        name: 'signerId',
        kind: 'id-string',
        optional: true,
        nullish: throws('ERR_SIGNATURE_VERIFICATION_FAILED'), // no signer id for a new session
        prefix: 'signer_z',
        decodedLen: 32,
        others: ['signerSecret_z', 'sealer_z', 'signature_z'],
        valid: () => writerId('D'),
        extra: [
          { label: 'small-order key (identity)', make: () => 'signer_z' + base58.encode(IDENTITY_POINT), expect: throws('ERR_INVALID_KEY') },
          { label: 'undecodable key', make: () => 'signer_z' + base58.encode(UNDECODABLE_POINT), expect: throws('ERR_INVALID_KEY') },
          { label: "another signer's id", make: () => writerId('C'), expect: throws('ERR_SIGNATURE_VERIFICATION_FAILED') },
        ],
      },
      {
        name: 'transactionsJson',
        kind: 'json-string',
        valid: () => peerBatch('D', 6).batch,
        other: throws('ERR_INVALID_TRANSACTION'),
        extra: [
          { label: 'an object', make: () => '{}', expect: throws('ERR_INVALID_TRANSACTION') },
          { label: 'an array of a number', make: () => '[1]', expect: throws('ERR_INVALID_TRANSACTION') },
          { label: 'an array of an empty object', make: () => '[{}]', expect: throws('ERR_INVALID_TRANSACTION') },
          { label: 'truncated JSON', make: () => peerBatch('D', 6).batch.slice(0, -1), expect: throws('ERR_INVALID_TRANSACTION') },
          { label: 'tampered: madeAt changed', make: () => peerBatch('D', 6).batch.replace(`${T0 + 6}`, `${T0 + 7}`), expect: throws('ERR_SIGNATURE_VERIFICATION_FAILED') },
          { label: 'tampered: a change altered', make: () => peerBatch('D', 6).batch.replace('k6', 'k7'), expect: throws('ERR_SIGNATURE_VERIFICATION_FAILED') },
          { label: "another session's batch", make: () => peerBatch('C', 5).batch, expect: throws('ERR_SIGNATURE_VERIFICATION_FAILED') },
        ],
      },
      {
        name: 'signature',
        kind: 'id-string',
        prefix: 'signature_z',
        decodedLen: 64,
        others: ['signer_z', 'signerSecret_z', 'hash_z'],
        valid: () => peerBatch('D', 6).signature,
        extra: [
          ...tamperEncoded(() => peerBatch('D', 6).signature, 'signature_z', SIG_POSITIONS, throws('ERR_SIGNATURE_VERIFICATION_FAILED')),
          { label: "another session's signature", make: () => peerBatch('C', 5).signature, expect: throws('ERR_SIGNATURE_VERIFICATION_FAILED') },
        ],
      },
      { name: 'skipVerify', kind: 'bool', valid: () => false },
    ],
    call: (args, m) => m.addTransactions(...args),
    shape: { retType: ['undefined'] },
  },
  {
    name: 'SessionMap#makeNewPrivateTransaction',
    target: 'map',
    profiles: ['new session', 'existing session'],
    args: [sessionArg(sessionFor), { ...signerSecretArg('B') }, changesArg(), { name: 'keyId', kind: 'string', valid: () => KEY_ID, other: ok }, keySecretArg(), metaArg(), madeAtArg()],
    call: (args, m) => m.makeNewPrivateTransaction(...args),
    shape: { retType: ['string'], retPrefix: '{"signature":"signature_z' },
  },
  {
    name: 'SessionMap#makeNewTrustingTransaction',
    target: 'map',
    profiles: ['new session', 'existing session'],
    args: [sessionArg((p) => (p === 'new session' ? S_NEW : S_A)), signerSecretArg('A'), changesArg(), metaArg(), madeAtArg()],
    call: (args, m) => m.makeNewTrustingTransaction(...args),
    shape: { retType: ['string'], retPrefix: '{"signature":"signature_z' },
  },
  { name: 'SessionMap#getTransactionCount', target: 'map', args: [sessionArg(() => S_A)], call: (a, m) => m.getTransactionCount(...a), shape: { retType: ['number'] } },
  { name: 'SessionMap#getTransaction', target: 'map', args: [sessionArg(() => S_A), u32Arg('txIndex', () => 1)], call: (a, m) => m.getTransaction(...a), shape: { retType: ['string', 'null'] } },
  {
    name: 'SessionMap#getSessionTransactions',
    target: 'map',
    args: [sessionArg(() => S_A), u32Arg('fromIndex', () => 1)],
    call: (a, m) => m.getSessionTransactions(...a),
    shape: { retType: ['array', 'null'] },
  },
  { name: 'SessionMap#getLastSignature', target: 'map', args: [sessionArg(() => S_A)], call: (a, m) => m.getLastSignature(...a), shape: { retType: ['string', 'null'] } },
  {
    name: 'SessionMap#getSignatureAfter',
    target: 'map',
    args: [sessionArg(() => S_A), u32Arg('txIndex', () => 1)],
    call: (a, m) => m.getSignatureAfter(...a),
    shape: { retType: ['string', 'null'] },
  },
  {
    name: 'SessionMap#getLastSignatureCheckpoint',
    target: 'map',
    args: [sessionArg(() => S_A)],
    call: (a, m) => m.getLastSignatureCheckpoint(...a),
    shape: { retType: ['number', 'null'] },
  },
  {
    name: 'SessionMap#setStreamingKnownState',
    target: 'map',
    args: [
      {
        name: 'streamingJson',
        kind: 'json-string',
        valid: () => JSON.stringify({ [S_B]: 5 }),
        other: throws('ERR_INVALID_KNOWN_STATE'),
        extra: [
          { label: 'an array', make: () => '[]', expect: throws('ERR_INVALID_KNOWN_STATE') },
          { label: 'a negative count', make: () => `{"${S_B}":-1}`, expect: throws('ERR_INVALID_KNOWN_STATE') },
          { label: 'a fractional count', make: () => `{"${S_B}":1.5}`, expect: throws('ERR_INVALID_KNOWN_STATE') },
          { label: 'a count above u32', make: () => `{"${S_B}":4294967296}`, expect: throws('ERR_INVALID_KNOWN_STATE') },
          { label: 'a string count', make: () => `{"${S_B}":"5"}`, expect: throws('ERR_INVALID_KNOWN_STATE') },
          { label: 'truncated JSON', make: () => `{"${S_B}":5`, expect: throws('ERR_INVALID_KNOWN_STATE') },
        ],
      },
    ],
    call: (a, m) => m.setStreamingKnownState(...a),
    shape: { retType: ['undefined'] },
  },
  {
    name: 'SessionMap#decryptTransaction',
    target: 'map',
    args: [sessionArg(() => S_B), u32Arg('txIndex', () => 0), keySecretArg()],
    call: (a, m) => m.decryptTransaction(...a),
    shape: { retType: ['string', 'null'] },
    baseline: { returns: 'ret', value: () => CHANGES(3) },
  },
  {
    name: 'SessionMap#decryptTransactionMeta',
    target: 'map',
    args: [sessionArg(() => S_B), u32Arg('txIndex', () => 0), keySecretArg()],
    call: (a, m) => m.decryptTransactionMeta(...a),
    shape: { retType: ['string', 'null'] },
    baseline: { returns: 'ret', value: () => '{"pm":1}' },
  },
]

const EXPORTS = [...FUNCTION_EXPORTS, ...HASHER_EXPORTS, ...MAP_EXPORTS]

// ---------------------------------------------------------------------------------------------
// Variants

const WRONG_TYPES = [
  ['undefined', () => undefined],
  ['null', () => null],
  ['number', () => 42],
  ['bigint', () => 42n],
  ['symbol', () => Symbol('bad')],
  ['boolean', () => true],
  ['plain object', () => ({ length: 32 })],
  ['array', () => [1, 2, 3]],
  ['function', () => function bad() {}],
]

// The bytes of a value, for building other typed-array kinds over the same content.
function bytesOf(value) {
  if (value instanceof Uint8Array) return value
  if (typeof value === 'string') return utf8(value.slice(0, 200))
  return det(16, 11)
}
function padded(bytes) {
  const buffer = new ArrayBuffer(Math.max(8, Math.ceil(bytes.length / 8) * 8))
  new Uint8Array(buffer).set(bytes)
  return buffer
}
const TYPED_ARRAYS = [
  ['Int8Array', (b) => new Int8Array(padded(b))],
  ['Uint8ClampedArray', (b) => new Uint8ClampedArray(padded(b))],
  ['Uint16Array', (b) => new Uint16Array(padded(b))],
  ['Int32Array', (b) => new Int32Array(padded(b))],
  ['Float32Array', (b) => new Float32Array(padded(b))],
  ['Float64Array', (b) => new Float64Array(padded(b))],
  ['BigInt64Array', (b) => new BigInt64Array(padded(b))],
  ['DataView', (b) => new DataView(padded(b))],
  ['ArrayBuffer', (b) => padded(b)],
]
function sharedView(bytes) {
  const view = new Uint8Array(new SharedArrayBuffer(bytes.length))
  view.set(bytes)
  return view
}
function offsetView(bytes) {
  const backing = det(bytes.length + 24, 12)
  backing.set(bytes, 11)
  return backing.subarray(11, 11 + bytes.length)
}

const BAD_BASE58 = ['0', 'O', 'I', 'l', 'é', '😀']
const BAD_UTF8 = [
  ['0xff at offset 0', (b) => concat(Uint8Array.of(0xff), b)],
  ['0xff in the base58 part', (b, prefix) => concat(b.subarray(0, prefix.length + 3), Uint8Array.of(0xff), b.subarray(prefix.length + 3))],
  ['a truncated 2-byte sequence at the end', (b) => concat(b, Uint8Array.of(0xc3))],
  ['an overlong encoding', (b, prefix) => concat(b.subarray(0, prefix.length), Uint8Array.of(0xc0, 0x80), b.subarray(prefix.length))],
  ['an encoded surrogate', (b) => concat(b.subarray(0, 5), Uint8Array.of(0xed, 0xa0, 0x80), b.subarray(5))],
]

function caseOf(label, make, expect, ref) {
  return { label, make, expect, ref }
}

// All variants of one argument. `withBig`: include the 16 MiB variant (once per argument).
// The optional output of a byte-returning export: filled and returned when it is a Uint8Array of
// exactly the result's length on an ArrayBuffer; anything else is an error (null: a fresh result).
function outVariants(spec) {
  const { exp } = spec
  const length = (p) => (exp.shape.len !== undefined ? exp.shape.len : exp.args[exp.shape.lenOfArg].valid(p).length + exp.shape.delta)
  const fresh = () => undefined
  const same = exp.random ? ok : { returns: 'same-as-ref' }
  const ref = exp.random ? undefined : fresh
  const out = [
    caseOf('null (a fresh result)', () => null, same, ref),
    caseOf('a Uint8Array of the result length', (p) => new Uint8Array(length(p)), same, ref),
    caseOf('a Buffer of the result length', (p) => Buffer.alloc(length(p)), same, ref),
    caseOf('a view at an offset, of the result length', (p) => offsetView(new Uint8Array(length(p))), same, ref),
    caseOf('one byte too long', (p) => new Uint8Array(length(p) + 1), LENGTH),
    caseOf('one byte too short (or empty)', (p) => new Uint8Array(Math.max(0, length(p) - 1)), LENGTH),
    caseOf('a SharedArrayBuffer-backed Uint8Array', (p) => sharedView(new Uint8Array(length(p))), TYPE),
    caseOf('a string', () => 'abc', TYPE),
  ]
  for (const [label, make] of WRONG_TYPES) if (label !== 'undefined' && label !== 'null') out.push(caseOf(`wrong type: ${label}`, make, TYPE))
  for (const [label, make] of TYPED_ARRAYS) out.push(caseOf(`wrong type: ${label}`, (p) => make(new Uint8Array(length(p))), TYPE))
  return out
}

function variantsFor(spec, withBig) {
  const { kind } = spec
  if (kind === 'out') return outVariants(spec)
  const out = []
  const isBytes = kind === 'bytes' || kind === 'secret-bytes' || kind === 'id-bytes'
  const isEncoded = kind === 'secret-bytes' || kind === 'id-bytes' || kind === 'secret-string' || kind === 'id-string'
  const isString = !isBytes && kind !== 'u32' && kind !== 'f64' && kind !== 'bool'
  const encode = isBytes ? utf8 : (s) => s

  // Wrong JS types.
  for (const [label, make] of WRONG_TYPES) {
    if ((label === 'undefined' || label === 'null') && (spec.optional || kind === 'optional-string')) {
      if (spec.nullish) out.push(caseOf(`${label} (optional)`, make, spec.nullish))
      else if (spec.default !== undefined) out.push(caseOf(`${label} (optional: the default)`, make, { returns: 'same-as-ref' }, () => spec.default))
      else out.push(caseOf(`${label} (optional)`, make, ok))
      continue
    }
    if (label === 'number' && (kind === 'u32' || kind === 'f64')) continue
    if (label === 'boolean' && kind === 'bool') continue
    out.push(caseOf(`wrong type: ${label}`, make, TYPE))
  }
  if (isBytes) {
    out.push(caseOf('wrong type: a string where bytes are expected', (p) => (kind === 'bytes' ? 'abc' : new TextDecoder().decode(spec.valid(p))), TYPE))
  }
  if (isString) {
    out.push(caseOf('wrong type: bytes where a string is expected', (p) => utf8(spec.valid(p)), TYPE))
    out.push(caseOf('wrong type: a String object', (p) => new String(spec.valid(p)), TYPE))
  }
  if (kind === 'u32' || kind === 'f64') {
    out.push(caseOf('wrong type: a numeric string', () => '1', TYPE))
    out.push(caseOf('wrong type: a Number object', () => new Number(1), TYPE))
  }
  if (kind === 'bool') {
    out.push(caseOf('wrong type: number 0', () => 0, TYPE))
    out.push(caseOf('wrong type: number 1', () => 1, TYPE))
    out.push(caseOf("wrong type: string 'true'", () => 'true', TYPE))
    out.push(caseOf('wrong type: a Boolean object', () => new Boolean(false), TYPE))
    out.push(caseOf('the other boolean (same result for a valid call)', () => true, { returns: 'same-as-ref' }, () => false))
  }

  // Other typed-array kinds (same content); Buffer, SharedArrayBuffer-backed and offset views.
  for (const [label, make] of TYPED_ARRAYS) out.push(caseOf(`wrong type: ${label}`, (p) => make(bytesOf(spec.valid(p))), TYPE))
  const validBytes = (p) => bytesOf(isBytes ? spec.valid(p) : encode(String(spec.valid(p))))
  if (isBytes) {
    const same = { returns: 'same-as-ref' }
    out.push(caseOf('a Buffer (valid)', (p) => Buffer.from(spec.valid(p)), same, (p) => spec.valid(p)))
    out.push(caseOf('a SharedArrayBuffer-backed Uint8Array (valid)', (p) => sharedView(spec.valid(p)), same, (p) => spec.valid(p)))
    out.push(caseOf('a Uint8Array at an offset in a larger buffer (valid)', (p) => offsetView(spec.valid(p)), same, (p) => spec.valid(p)))
  } else {
    out.push(caseOf('wrong type: a Buffer', (p) => Buffer.from(validBytes(p)), TYPE))
    out.push(caseOf('wrong type: a SharedArrayBuffer-backed Uint8Array', (p) => sharedView(validBytes(p)), TYPE))
  }

  // Numbers: ToUint32 coercion for u32; madeAt truncation for f64.
  if (kind === 'u32') {
    for (const x of [-1, -0, 1.5, -0.5, NaN, Infinity, -Infinity, 2 ** 32, 2 ** 32 + 1, 2 ** 53, -(2 ** 32) + 1, 2 ** 31]) {
      out.push(caseOf(`number ${Object.is(x, -0) ? '-0' : x} (coerced as ToUint32 → ${x >>> 0})`, () => x, { returns: 'same-outcome-as-ref' }, () => x >>> 0))
    }
  }
  if (kind === 'f64') {
    // "truncated to an integer; negative or NaN → 0" (src/session_map/mod.rs).
    for (const [x, ref] of [
      [-1, 0],
      [-0, 0],
      [1.9, 1],
      [NaN, 0],
      [-1e300, 0],
    ]) {
      out.push(caseOf(`number ${Object.is(x, -0) ? '-0' : x} (as ${ref})`, () => x, { returns: 'same-as-ref' }, () => ref))
    }
    for (const x of [Infinity, 1e300, 2 ** 53 + 2]) out.push(caseOf(`number ${x}`, () => x, ok))
  }

  // Content and length of bytes.
  if (kind === 'bytes') {
    const other = spec.len ? LENGTH : spec.other
    out.push(caseOf('empty', () => new Uint8Array(0), other))
    if (spec.len) {
      out.push(caseOf('one byte short', (p) => spec.valid(p).subarray(0, spec.len - 1), LENGTH))
      out.push(caseOf('one byte long', (p) => concat(spec.valid(p), Uint8Array.of(7)), LENGTH))
      out.push(caseOf(`twice the length (${2 * spec.len})`, (p) => concat(spec.valid(p), spec.valid(p)), LENGTH))
    }
    if (withBig) out.push(caseOf('16 MiB', () => bigBytes(), other))
  }

  // Strings with any content / JSON strings / ids that must match.
  if (kind === 'string' || kind === 'json-string' || kind === 'optional-string') {
    const other = spec.other || ok
    out.push(caseOf('empty string', () => '', other))
    out.push(caseOf('not JSON', () => 'not json', other))
    if (other === ok) {
      // Lone surrogates become U+FFFD, as napi-rs converts them.
      out.push(caseOf('a lone surrogate (same as U+FFFD)', (p) => spec.valid(p) + '\ud800', { returns: 'same-as-ref' }, (p) => spec.valid(p) + '\ufffd'))
    } else {
      out.push(caseOf('a lone surrogate', (p) => spec.valid(p) + '\ud800', other))
    }
    if (withBig) out.push(caseOf('16 MiB string', () => bigString(), spec.big || other))
  }

  // Prefixed base58 strings (as JS strings or UTF-8 bytes).
  if (isEncoded) {
    const { prefix, decodedLen } = spec
    const text = (p) => {
      const v = spec.valid(p)
      return typeof v === 'string' ? v : new TextDecoder().decode(v)
    }
    const body = (p) => text(p).slice(prefix.length)
    out.push(caseOf('empty', () => encode(''), throws('ERR_INVALID_PREFIX')))
    out.push(caseOf('the prefix only', () => encode(prefix), LENGTH))
    out.push(caseOf(`decodes to ${decodedLen - 1} bytes (one byte short)`, () => encode(prefix + base58.encode(det(decodedLen - 1, 13))), LENGTH))
    out.push(caseOf(`decodes to ${decodedLen + 1} bytes (one byte long)`, () => encode(prefix + base58.encode(det(decodedLen + 1, 13))), LENGTH))
    out.push(caseOf('an extra leading 1 (a zero byte more)', (p) => encode(prefix + '1' + body(p)), LENGTH))
    // Valid base58 digits: must be rejected by length before the (quadratic) decode; a regression
    // would time the child out (see also the timing test below).
    if (withBig) out.push(caseOf("16 MiB (the prefix and 'z's)", () => encode(prefix + 'z'.repeat(BIG - prefix.length)), LENGTH))
    for (const c of BAD_BASE58) {
      out.push(caseOf(`invalid base58: ${JSON.stringify(c)} inserted`, (p) => encode(prefix + body(p).slice(0, 5) + c + body(p).slice(5)), throws('ERR_INVALID_BASE58')))
    }
    out.push(caseOf('invalid base58: last character replaced by "l"', (p) => encode(prefix + body(p).slice(0, -1) + 'l'), throws('ERR_INVALID_BASE58')))
    for (const o of spec.others) out.push(caseOf(`wrong prefix: ${o}`, (p) => encode(o + body(p)), throws('ERR_INVALID_PREFIX')))
    out.push(caseOf('wrong prefix: case changed', (p) => encode(prefix[0].toUpperCase() + prefix.slice(1) + body(p)), throws('ERR_INVALID_PREFIX')))
    out.push(caseOf("wrong prefix: '_Z'", (p) => encode(prefix.slice(0, -1) + 'Z' + body(p)), throws('ERR_INVALID_PREFIX')))
    out.push(caseOf('wrong prefix: missing', (p) => encode(body(p)), throws('ERR_INVALID_PREFIX')))
    out.push(caseOf('wrong prefix: a leading space', (p) => encode(' ' + text(p)), throws('ERR_INVALID_PREFIX')))
    if (isBytes) {
      for (const [label, make] of BAD_UTF8) out.push(caseOf(`invalid UTF-8: ${label}`, (p) => make(spec.valid(p), prefix), throws('ERR_INVALID_UTF8')))
    }
  }

  for (const extra of spec.extra || []) out.push(caseOf(extra.label, extra.make, extra.expect, extra.ref))
  return out
}

let bigBytesValue = null
function bigBytes() {
  if (!bigBytesValue) bigBytesValue = det(BIG, 14)
  return bigBytesValue
}
let bigStringValue = null
function bigString() {
  if (!bigStringValue) bigStringValue = 'x'.repeat(BIG)
  return bigStringValue
}

// Every case: [id, export, profile, argument index (-1: baseline), variant].
function buildCases() {
  const cases = []
  for (const exp of EXPORTS) {
    const profiles = exp.profiles || ['small']
    for (const [pi, profile] of profiles.entries()) {
      cases.push({ exp, profile, argIndex: -1, label: 'valid call (baseline)', make: null, expect: exp.baseline || ok })
      for (const [argIndex, spec] of exp.args.entries()) {
        for (const v of variantsFor(spec, pi === 0)) cases.push({ exp, profile, argIndex, label: v.label, make: v.make, ref: v.ref, expect: v.expect })
      }
    }
  }
  for (const [i, c] of cases.entries()) {
    c.id = i
    c.key = `${c.exp.name} [${c.profile}] ${c.argIndex < 0 ? '' : c.exp.args[c.argIndex].name + ': '}${c.label}`
  }
  return cases
}

// ---------------------------------------------------------------------------------------------
// The child: runs every case and reports facts, one JSON line per case.

function typeName(v) {
  if (v === null) return 'null'
  if (Array.isArray(v)) return 'array'
  if (v instanceof Uint8Array) return 'Uint8Array'
  return typeof v
}

function canonical(v) {
  if (v instanceof Uint8Array) return 'u8:' + hex(v)
  if (v === undefined) return 'undefined'
  if (typeof v === 'bigint') return 'bigint:' + v
  if (v && typeof v === 'object' && !Array.isArray(v)) {
    return '{' + Object.keys(v).map((k) => JSON.stringify(k) + ':' + canonical(v[k])).join(',') + '}'
  }
  return typeName(v) + ':' + JSON.stringify(v)
}

function summarize(observed) {
  const s = { type: typeName(observed) }
  if (observed instanceof Uint8Array) {
    s.length = observed.length
    if (observed.length <= 256) s.hex = hex(observed)
  } else if (typeof observed === 'string') {
    s.length = observed.length
    s.head = observed.slice(0, 64)
  } else if (typeof observed === 'boolean' || typeof observed === 'number' || observed === null) {
    s.value = observed
  }
  if (observed && typeof observed === 'object' && 'ret' in observed) {
    s.retType = typeName(observed.ret)
    if (typeof observed.ret === 'string') s.retHead = observed.ret.slice(0, 64)
    if (typeof observed.ret === 'string' && observed.ret.length <= 256) s.ret = observed.ret
  }
  s.digest = nodeCrypto.createHash('sha256').update(canonical(observed)).digest('hex')
  return s
}

function errorFacts(e) {
  const code = e === null || e === undefined ? undefined : e.code
  const facts = { isError: e instanceof Error, ctor: e && e.constructor ? e.constructor.name : typeof e, codeType: typeof code }
  if (typeof code === 'string') facts.code = code
  try {
    const message = String(e && e.message)
    facts.messageLength = message.length
    facts.message = message.slice(0, 300)
  } catch {
    facts.message = '<message not convertible>'
  }
  return facts
}

function argFacts(args) {
  return args.map((a) => (a instanceof Uint8Array || typeof a === 'string' ? a.length : null))
}

function run(exp, profile, args) {
  let state = null
  let before = null
  if (exp.target === 'map') {
    state = baseMap()
    before = mapState(state)
  } else if (exp.target === 'hasher') {
    state = new pkg.Blake3Hasher()
    state.update(HASHER_PREFIX)
    before = hex(state.finalize())
  }
  const stateNow = () => (exp.target === 'map' ? mapState(state) : exp.target === 'hasher' ? hex(state.finalize()) : undefined)
  const facts = { argLens: argFacts(args) }
  try {
    const result = exp.call(args, state)
    let observed
    if (exp.observe) observed = exp.observe(result, state, args)
    else if (exp.target === 'map') observed = { ret: result, state: stateNow() }
    else observed = result
    Object.assign(facts, { outcome: 'returned' }, summarize(observed))
    if (exp.observe && exp.target === 'function') facts.raw = summarize(result)
  } catch (e) {
    Object.assign(facts, { outcome: 'threw' }, errorFacts(e))
  }
  if (state) {
    facts.before = before
    facts.after = stateNow()
  }
  return facts
}

function validArgs(exp, profile) {
  return exp.args.map((spec) => spec.valid(profile))
}

function runChild() {
  const cases = buildCases()
  const write = (obj) => process.stdout.write(JSON.stringify(obj) + '\n')
  write({ start: cases.length })
  for (const c of cases) {
    const args = validArgs(c.exp, c.profile)
    if (c.argIndex >= 0) args[c.argIndex] = c.make(c.profile)
    const facts = run(c.exp, c.profile, args)
    if (c.ref) {
      const refArgs = validArgs(c.exp, c.profile)
      refArgs[c.argIndex] = c.ref(c.profile)
      facts.ref = run(c.exp, c.profile, refArgs)
    }
    write({ id: c.id, key: c.key, ...facts })
  }
  // Still working afterwards.
  const signature = pkg.sign(utf8('after'), utf8(SIGNER_SECRET))
  const verified = pkg.verify(utf8(signature), utf8('after'), utf8(SIGNER_ID))
  write({ done: cases.length, verifiedAfter: verified })
}

// ---------------------------------------------------------------------------------------------
// The parent: judges the facts.

function checkShape(shape, facts) {
  if (!shape) return null
  if (shape.type && facts.type !== shape.type) return `returned a ${facts.type}, expected a ${shape.type}`
  if (shape.len !== undefined && facts.length !== shape.len) return `returned ${facts.length} bytes, expected ${shape.len}`
  if (shape.lenOfArg !== undefined) {
    const expected = facts.argLens[shape.lenOfArg] + shape.delta
    if (facts.length !== expected) return `returned ${facts.length} bytes, expected ${expected} (argument ${shape.lenOfArg} has ${facts.argLens[shape.lenOfArg]})`
  }
  if (shape.prefix && !(facts.head || '').startsWith(shape.prefix)) return `returned ${JSON.stringify(facts.head)}, expected it to start with ${shape.prefix}`
  if (shape.retType && !shape.retType.includes(facts.retType)) return `returned a ${facts.retType}, expected ${shape.retType.join(' or ')}`
  if (shape.retPrefix && !(facts.retHead || '').startsWith(shape.retPrefix)) return `returned ${JSON.stringify(facts.retHead)}, expected it to start with ${shape.retPrefix}`
  return null
}

const describeOutcome = (f) => (f.outcome === 'threw' ? `threw ${f.ctor} ${f.code}: ${f.message}` : `returned ${f.type}${f.hex !== undefined ? ' ' + f.hex : f.value !== undefined ? ' ' + f.value : f.head !== undefined ? ' ' + JSON.stringify(f.head) : ''}`)

// The problems with one case ([] if it behaved per contract).
function judge(c, f) {
  const problems = []
  const { expect, exp } = c
  if (f.outcome === 'threw') {
    if (!f.isError) problems.push(`threw a non-Error (${f.ctor})`)
    if (f.codeType !== 'string') problems.push(`threw an error without a string code (${f.codeType}): ${f.message}`)
    if (!expect.throws) problems.push(`expected to return (${expect.returns}), but ${describeOutcome(f)}`)
    else if (!expect.throws.includes(f.code)) problems.push(`expected ${expect.throws.join(' or ')}, got ${f.code}: ${f.message}`)
    if (f.before !== undefined && f.before !== f.after) problems.push(`the ${exp.target === 'hasher' ? 'hasher' : 'SessionMap'} changed although the call was rejected`)
    return problems
  }
  if (f.outcome !== 'returned') return [`no outcome reported`]
  if (expect.throws) return [`expected ${expect.throws.join(' or ')}, but it ${describeOutcome(f)}`]
  if (expect.returns !== 'false') {
    const shapeProblem = checkShape(exp.observedShape || exp.shape, f)
    if (shapeProblem) problems.push(shapeProblem)
    if (f.raw) {
      const rawProblem = checkShape(exp.shape, { ...f.raw, argLens: f.argLens })
      if (rawProblem) problems.push('raw result: ' + rawProblem)
    }
  }
  switch (expect.returns) {
    case 'ok':
      break
    case 'false':
      if (!(f.type === 'boolean' && f.value === false)) problems.push(`expected false, but it ${describeOutcome(f)}`)
      break
    case 'true':
      if (!(f.type === 'boolean' && f.value === true)) problems.push(`expected true, but it ${describeOutcome(f)}`)
      break
    case 'hex':
      if (f.hex !== expect.hex(c.profile)) problems.push(`expected ${expect.hex(c.profile)}, got ${f.hex}`)
      break
    case 'value':
      if (f.head !== expect.value(c.profile).slice(0, 64) || f.length !== expect.value(c.profile).length) problems.push(`expected ${expect.value(c.profile)}, got ${f.head}…`)
      break
    case 'ret':
      if (f.ret !== expect.value(c.profile)) problems.push(`expected ${JSON.stringify(expect.value(c.profile))}, got ${JSON.stringify(f.ret)}`)
      break
    case 'same-as-ref':
      if (!f.ref || f.ref.outcome !== 'returned') problems.push(`the reference call did not return: ${f.ref && describeOutcome(f.ref)}`)
      else if (f.digest !== f.ref.digest) problems.push(`result differs from the reference call's (${describeOutcome(f)} vs ${describeOutcome(f.ref)})`)
      break
    case 'same-outcome-as-ref':
      if (!f.ref) problems.push('no reference call')
      else if (f.ref.outcome !== 'returned') problems.push(`returned, but the reference call (ToUint32 of the value) ${describeOutcome(f.ref)}`)
      else if (f.digest !== f.ref.digest) problems.push(`result differs from the reference call's (${describeOutcome(f)} vs ${describeOutcome(f.ref)})`)
      break
    case 'xor': {
      if (!f.ref || f.ref.outcome !== 'returned' || f.hex === undefined || f.ref.hex === undefined) {
        problems.push('no reference result to compare with')
        break
      }
      const a = Buffer.from(f.hex, 'hex')
      const b = Buffer.from(f.ref.hex, 'hex')
      const mask = xorMask(a.length, expect.at, expect.bit)
      const diff = a.map((x, i) => x ^ b[i])
      if (a.length !== b.length || hex(diff) !== hex(mask)) problems.push(`the output differs from the untampered output by ${hex(diff)}, expected exactly the flipped bit ${hex(mask)}`)
      break
    }
    default:
      problems.push(`unknown expectation ${JSON.stringify(expect)}`)
  }
  return problems
}

// A thrown reference call is judged like the case itself: same-outcome comparisons with a
// throwing reference need the same code, and the map must be unchanged.
function judgeWithRef(c, f) {
  if (c.expect.returns === 'same-outcome-as-ref' && f.ref) {
    if (f.outcome === 'threw' || f.ref.outcome === 'threw') {
      const problems = []
      for (const x of [f, f.ref]) {
        if (x.outcome !== 'threw') continue
        if (!x.isError) problems.push(`threw a non-Error (${x.ctor})`)
        if (x.codeType !== 'string') problems.push(`threw an error without a string code: ${x.message}`)
        if (x.before !== undefined && x.before !== x.after) problems.push('the SessionMap changed although the call was rejected')
      }
      if (f.outcome !== f.ref.outcome || f.code !== f.ref.code) problems.push(`${describeOutcome(f)}, but with ToUint32 of the value the call ${describeOutcome(f.ref)}`)
      return problems
    }
  }
  return judge(c, f)
}

let childResult = null
function runMatrixChild() {
  if (childResult) return childResult
  const env = { ...process.env, BAD_INPUT_MATRIX_CHILD: '1' }
  delete env.NODE_TEST_CONTEXT
  const started = Date.now()
  const child = spawnSync(process.execPath, [fileURLToPath(import.meta.url)], { env, encoding: 'utf8', timeout: 120_000, maxBuffer: 512 * MiB })
  const lines = (child.stdout || '').split('\n').filter(Boolean)
  const results = new Map()
  let start = null
  let done = null
  for (const line of lines) {
    let obj
    try {
      obj = JSON.parse(line)
    } catch {
      continue
    }
    if ('start' in obj) start = obj
    else if ('done' in obj) done = obj
    else results.set(obj.id, obj)
  }
  childResult = { child, results, start, done, ms: Date.now() - started }
  return childResult
}

if (IS_CHILD) {
  runChild()
} else {
  const cases = buildCases()

  test('the table covers every export of the package and every SessionMap method that takes arguments', () => {
    // The 28 functions of 0.20.19 (binaryInfo, ours only, takes no arguments).
    const functionNames = Object.keys(pkg).filter((k) => typeof pkg[k] === 'function' && !['NapiCrypto', 'Blake3Hasher', 'SessionMap', 'binaryInfo'].includes(k))
    assert.equal(functionNames.length, 28)
    assert.deepEqual(FUNCTION_EXPORTS.map((e) => e.name).sort(), functionNames.sort())
    // Argument names and order as index.d.ts declares them.
    const dts = readFileSync(fileURLToPath(new URL('../index.d.ts', import.meta.url)), 'utf8')
    const params = (list) => (list.trim() ? list.split(',').map((a) => a.trim().split(/[?:]/)[0]) : [])
    const declared = new Map([...dts.matchAll(/^export declare function (\w+)\(([^)]*)\)/gm)].map((m) => [m[1], params(m[2])]))
    assert.equal(declared.size, 28)
    for (const e of FUNCTION_EXPORTS) assert.deepEqual(e.args.map((a) => a.name), declared.get(e.name), `${e.name}: arguments`)
    const classBody = (name) => dts.slice(dts.indexOf(`export declare class ${name} {`)).split('\n}')[0]
    const methods = (name) => new Map([...classBody(name).matchAll(/^  (\w+)\(([^)]*)\)/gm)].map((m) => [m[1], params(m[2])]))
    const mapDeclared = methods('SessionMap')
    for (const e of MAP_EXPORTS) {
      const method = e.name === 'new SessionMap' ? 'constructor' : e.name.replace(/^SessionMap#/, '')
      assert.deepEqual(e.args.map((a) => a.name), mapDeclared.get(method), `SessionMap ${method}: arguments`)
    }
    assert.deepEqual(HASHER_EXPORTS.find((e) => e.name === 'Blake3Hasher#update').args.map((a) => a.name), methods('Blake3Hasher').get('update'))
    const mapMethods = Object.getOwnPropertyNames(pkg.SessionMap.prototype).filter((k) => k !== 'constructor')
    const withArgs = ['addTransactions', 'makeNewPrivateTransaction', 'makeNewTrustingTransaction', 'getTransactionCount', 'getTransaction', 'getSessionTransactions', 'getLastSignature', 'getSignatureAfter', 'getLastSignatureCheckpoint', 'setStreamingKnownState', 'decryptTransaction', 'decryptTransactionMeta']
    for (const m of withArgs) assert.ok(mapMethods.includes(m), `SessionMap has ${m}`)
    const noArgs = mapMethods.filter((m) => !withArgs.includes(m)).sort()
    assert.deepEqual(noArgs, ['getHeader', 'getKnownState', 'getKnownStateWithStreaming', 'getSessionIds', 'isDeleted', 'isStreaming', 'markAsDeleted'])
    assert.deepEqual(MAP_EXPORTS.map((e) => e.name.replace(/^SessionMap#/, '')).sort(), ['new SessionMap', ...withArgs].sort())
    const hasherMethods = Object.getOwnPropertyNames(pkg.Blake3Hasher.prototype).filter((k) => k !== 'constructor')
    assert.deepEqual(hasherMethods.sort(), ['clone', 'finalize', 'update'])
    assert.ok(cases.length > 2000, `only ${cases.length} cases`)
  })

  test('the constructor workload tells maxTxSize values apart (so default and coercion checks can fail)', () => {
    const state = (maxTxSize) => mapState(constructorWorkload(new pkg.SessionMap(EX_ID, EX_HEADER, maxTxSize, false)))
    // 0 (what NaN, -0.5 and 2^32 coerce to), 100, 1000, the default, and 2^32 - 1 (what -1 coerces to).
    const states = [0, 100, 1000, 102400, 4294967295].map(state)
    assert.equal(new Set(states).size, states.length, 'every maxTxSize gives a different map')
    assert.equal(state(undefined), state(102400))
  })

  test('bad-input matrix: the child process runs every case and exits normally', (t) => {
    const { child, results, start, done, ms } = runMatrixChild()
    assert.equal(child.error, undefined, `spawn error: ${child.error}`)
    const missing = cases.find((c) => !results.has(c.id))
    const context = missing ? `; the first case without a result (the one that crashed?) is #${missing.id} ${missing.key}` : ''
    assert.equal(child.signal, null, `child killed by ${child.signal}${context}; stderr: ${(child.stderr || '').slice(-3000)}`)
    assert.equal(child.status, 0, `child exited with status ${child.status}${context}; stderr: ${(child.stderr || '').slice(-3000)}`)
    assert.ok(start && start.start === cases.length, `the child built ${start && start.start} cases, the parent ${cases.length}`)
    assert.ok(done, `the child did not finish${context}`)
    assert.equal(results.size, cases.length)
    for (const c of cases) assert.equal(results.get(c.id).key, c.key, `case #${c.id}`)
    assert.equal(done.verifiedAfter, true, 'sign/verify still work after the matrix')
    t.diagnostic(`child ran ${cases.length} cases in ${ms} ms`)
  })

  // One test per export, so that a failure names the export; each lists every failing case.
  const byExport = new Map()
  for (const c of cases) {
    if (!byExport.has(c.exp.name)) byExport.set(c.exp.name, [])
    byExport.get(c.exp.name).push(c)
  }
  for (const [name, list] of byExport) {
    test(`bad-input matrix: ${name} (${list.length} cases)`, () => {
      const { results } = runMatrixChild()
      const failures = []
      for (const c of list) {
        const f = results.get(c.id)
        if (!f) {
          failures.push(`${c.key}: no result (the child did not get here)`)
          continue
        }
        for (const p of judgeWithRef(c, f)) failures.push(`${c.key}: ${p}`)
      }
      assert.deepEqual(failures, [], `${failures.length} of ${list.length} cases broke the contract:\n${failures.slice(0, 60).join('\n')}`)
    })
  }

  test('bad-input matrix: summary', (t) => {
    const { results } = runMatrixChild()
    let threwWithCode = 0
    let returned = 0
    let other = 0
    for (const c of cases) {
      const f = results.get(c.id)
      if (!f) other++
      else if (f.outcome === 'threw' && f.isError && f.codeType === 'string') threwWithCode++
      else if (f.outcome === 'returned') returned++
      else other++
    }
    const line = `bad-input matrix: ${cases.length} cases, ${threwWithCode} threw with a code, ${returned} returned per contract${other ? `, ${other} other` : ''}`
    console.log(line)
    t.diagnostic(line)
    assert.equal(threwWithCode + returned, cases.length)
    // Sanity: most cases are rejections, and every kind of expectation occurred.
    assert.ok(threwWithCode > cases.length * 0.7, line)
    const kinds = new Set(cases.map((c) => (c.expect.throws ? 'throws' : c.expect.returns)))
    for (const k of ['throws', 'ok', 'false', 'true', 'hex', 'same-as-ref', 'same-outcome-as-ref', 'xor', 'ret', 'value']) assert.ok(kinds.has(k), `no case expects ${k}`)
  })

  // Base58 decoding of long strings. A fixed-length value (32 or 64 bytes) has at most 44 / 88
  // base58 characters, so any longer string can be rejected at once; decoding it instead is
  // quadratic in its length (before commit eef155c: 32 Ki characters ≈ 230 ms, 100 Ki ≈ 2 s, so
  // 16 MiB would block the event loop for ~17 h). A peer controls the signature string given to
  // addTransactions.
  test('base58 strings longer than any encoding of the value are rejected before decoding', (t) => {
    const N = 32 * 1024
    const long = (prefix) => prefix + 'z'.repeat(N)
    const m = baseMap()
    const batch = peerBatch('D', 6).batch
    const calls = [
      ['encrypt(keySecret)', () => pkg.encrypt(message('small'), long('keySecret_z'), nm())],
      ['verify(signature)', () => pkg.verify(utf8(long('signature_z')), message('small'), utf8(SIGNER_ID))],
      ['SessionMap#addTransactions(signature)', () => m.addTransactions(S_D, writerId('D'), batch, long('signature_z'), false)],
    ]
    // Rejected before decoding: the error counts the characters (a decoded value would be given
    // as a byte length), as src/encoding.rs's unit test checks on the Rust side. No time limit
    // (a timed assertion fails on a loaded machine); the time is printed.
    for (const [name, call] of calls) {
      const started = process.hrtime.bigint()
      let error = null
      try {
        call()
      } catch (e) {
        error = e
      }
      const ms = Number(process.hrtime.bigint() - started) / 1e6
      t.diagnostic(`${name} with ${N} base58 characters: ${error?.code}, ${ms.toFixed(1)} ms`)
      assert.equal(error?.code, 'ERR_INVALID_LENGTH', name)
      assert.match(error.message, new RegExp(`its base58 is ${N} characters long: at most (44|88) characters encode (32|64) bytes`), name)
    }
  })
}
