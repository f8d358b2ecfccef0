// Behaviour tests of SessionMap: the deliberate differences from cojson-core-napi@0.20.19 (with
// upstream's contrasting behaviour shown where calling upstream is safe), the worked example of
// the spec (4.12a), the error catalogue (code and exact message), index coercion, in-between
// signatures, decryption and the nonce material.
//
// Expected values come from the spec, from upstream at test time, or from independent
// computation: canonical transactions are built here with JSON.stringify, hashes, signatures and
// encryption come from cojson-core-wasm (the WASM build of upstream's Rust core), Ed25519
// signatures are also checked with node:crypto, base58/base64url from @scure/base. Error messages
// were read from the Rust sources (src/error.rs, src/encoding.rs, src/ed25519.rs,
// src/session_map/*.rs, src/binding/args.rs).

import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { createRequire } from 'node:module'
import { spawnSync } from 'node:child_process'
import { createPublicKey, verify as nodeVerify } from 'node:crypto'

const require = createRequire(import.meta.url)
const ours = require('../napi-crypto.js')
const { base58, base64url } = require('@scure/base')
const wasm = await import('cojson-core-wasm')
await wasm.initialize()

let up = null
let noUpstream = false
if (process.platform !== 'linux' || process.arch !== 'x64') {
  noUpstream = `upstream's binary is only installed for linux-x64 (this is ${process.platform}-${process.arch})`
} else {
  try {
    up = require('cojson-core-napi-upstream')
  } catch (error) {
    noUpstream = `cojson-core-napi-upstream cannot be loaded: ${String(error && error.message).split('\n')[0]}`
  }
}

// ---------------------------------------------------------------------------------------------
// Independent helpers

const utf8 = (s) => new TextEncoder().encode(s)
const fromUtf8 = (b) => new TextDecoder('utf-8', { fatal: true }).decode(b)

// A deterministic 32-byte value.
function bytes32(tag) {
  return wasm.blake3HashOnce(utf8(`session-map.test ${tag}`))
}

function signerSecret(tag) {
  return 'signerSecret_z' + base58.encode(bytes32(`signer ${tag}`))
}

function signerIdOf(secret) {
  return wasm.getSignerId(utf8(secret))
}

function keySecret(tag) {
  return 'keySecret_z' + base58.encode(bytes32(`key ${tag}`))
}

// `hash_z…` of the concatenated canonical transactions (spec 4.3).
function hashOf(txs) {
  return 'hash_z' + base58.encode(wasm.blake3HashOnce(utf8(txs.join(''))))
}

// A session signature over the transactions so far: Ed25519 over `"hash_z…"`, quotes included.
function signTxs(secret, txs) {
  return wasm.sign(utf8(JSON.stringify(hashOf(txs))), utf8(secret))
}

// Canonical transaction JSON (spec 4.2), built with JSON.stringify.
function trustingTx(changes, madeAt, meta) {
  const m = meta === undefined || meta === null ? '' : `,"meta":${JSON.stringify(meta)}`
  return `{"changes":${JSON.stringify(changes)},"madeAt":${madeAt}${m},"privacy":"trusting"}`
}

function privateTx(encryptedChanges, keyUsed, madeAt, meta) {
  const m = meta === undefined || meta === null ? '' : `,"meta":${JSON.stringify(meta)}`
  return `{"encryptedChanges":${JSON.stringify(encryptedChanges)},"keyUsed":${JSON.stringify(keyUsed)},"madeAt":${madeAt}${m},"privacy":"private"}`
}

function nonceMaterial(coId, sessionId, txIndex) {
  return `{"in":${JSON.stringify(coId)},"tx":{"sessionID":${JSON.stringify(sessionId)},"txIndex":${txIndex}}}`
}

function encryptField(text, secret, coId, sessionId, txIndex) {
  return 'encrypted_U' + base64url.encode(wasm.encrypt(utf8(text), secret, utf8(nonceMaterial(coId, sessionId, txIndex))))
}

// cojson's stableStringify (sorted keys by UTF-16 units, undefined skipped, JS number formatting).
function stableStringify(value) {
  if (value === null || typeof value !== 'object') return JSON.stringify(value)
  if (Array.isArray(value)) return '[' + value.map((v) => (v === undefined ? 'null' : stableStringify(v))).join(',') + ']'
  const parts = []
  for (const k of Object.keys(value).sort()) if (value[k] !== undefined) parts.push(JSON.stringify(k) + ':' + stableStringify(value[k]))
  return '{' + parts.join(',') + '}'
}

// cojson's idforHeader: co_z + shortHash(stableStringify(header)) without `shortHash_z`.
function idFor(header) {
  const h = wasm.shortHash(stableStringify(header))
  assert.ok(h.startsWith('shortHash_z'))
  return 'co_z' + h.slice('shortHash_z'.length)
}

function ed25519Verify(signerId, message, signature) {
  const pub = base58.decode(signerId.slice('signer_z'.length))
  const key = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(pub).toString('base64url') }, format: 'jwk' })
  return nodeVerify(null, Buffer.from(message), key, Buffer.from(base58.decode(signature.slice('signature_z'.length))))
}

function throwsWith(fn, code, message, what) {
  let error = null
  try {
    fn()
  } catch (e) {
    error = e
  }
  assert.ok(error, `${what || 'call'}: expected to throw ${code}: ${message}`)
  assert.ok(error instanceof Error, `${what || 'call'}: not an Error`)
  assert.equal(error.code, code, `${what || 'call'}: code (message: ${error.message})`)
  if (message instanceof RegExp) assert.match(error.message, message, `${what || 'call'}: message`)
  else assert.equal(error.message, message, `${what || 'call'}: message`)
  return error
}

// Everything observable about a map, for "nothing changed" checks.
function snapshot(m, extraSessions = []) {
  const ids = m.getSessionIds()
  const sessions = {}
  for (const id of new Set([...ids, ...extraSessions])) {
    const n = m.getTransactionCount(id)
    sessions[id] = {
      count: n,
      txs: m.getSessionTransactions(id, 0),
      last: m.getLastSignature(id),
      checkpoint: m.getLastSignatureCheckpoint(id),
      after: Array.from({ length: Math.max(n, 0) + 1 }, (_, i) => m.getSignatureAfter(id, i)),
    }
  }
  const ks = m.getKnownState()
  const kss = m.getKnownStateWithStreaming()
  return {
    ids,
    sessions,
    known: { id: ks.id, header: ks.header, sessions: Object.entries(ks.sessions) },
    streaming: kss && { id: kss.id, header: kss.header, sessions: Object.entries(kss.sessions) },
    isStreaming: m.isStreaming(),
    isDeleted: m.isDeleted(),
  }
}

// The CoValue of the worked example (spec 4.12a).
const EX_HEADER = '{"createdAt":"2024-01-01T00:00:00.000Z","meta":null,"ruleset":{"type":"unsafeAllowAll"},"type":"comap","uniqueness":"zUnique123"}'
const EX_ID = 'co_zZo6gaxUzJk7pNhaa5XHy4d43Z2'
const EX_SECRET = 'signerSecret_z4wBqpZM9xaSheZzJSMawUKKwhdpChKbZ5eu5ky4Vigw'
const EX_SIGNER = 'signer_z9C6hybhQ6Aycep9jaUnP6uL9ZYvDjUp1aSkFWPUFJtpj'
const EX_SESSION = 'co_zZo6gaxUzJk7pNhaa5XHy4d43Z2_session_zTest1'
const EX_CHANGES = '[{"op":"set","key":"a","value":1}]'
const EX_TX = '{"changes":"[{\\"op\\":\\"set\\",\\"key\\":\\"a\\",\\"value\\":1}]","madeAt":1700000000000,"privacy":"trusting"}'
const EX_HASH = 'hash_z8gLNdTbUbSNU2gDXbU7EFoXmd4QyEATfjTMHksTcvJcV'
const EX_SIGNATURE = 'signature_z4EZ2Dcoa5ibq8VgCgQcqsXXUMWrrqb538vKG56yWYpYxpRT4wmXRM1VmxhK7VbH4VRXZ46sC5bQm5hiLLoaMkyt5'

const newMap = (maxTxSize, skipVerify) => new ours.SessionMap(EX_ID, EX_HEADER, maxTxSize, skipVerify)
const newUpMap = (maxTxSize, skipVerify) => new up.SessionMap(EX_ID, EX_HEADER, maxTxSize, skipVerify)

const session = (tag) => `co_zAccount${tag}_session_z${base58.encode(bytes32(`session ${tag}`).subarray(0, 8))}`
const deleteSession = (tag) => `co_zAccount${tag}_session_d${base58.encode(bytes32(`delete ${tag}`).subarray(0, 7))}$`

// A writer of one session, independent of any SessionMap: canonical transactions and signatures.
class Writer {
  constructor(tag) {
    this.secret = signerSecret(tag)
    this.id = signerIdOf(this.secret)
    this.session = session(tag)
    this.txs = []
  }
  trusting(changes, madeAt = 1700000000000 + this.txs.length, meta) {
    this.txs.push(trustingTx(changes, madeAt, meta))
    return this.txs.length - 1
  }
  sig(n = this.txs.length) {
    return signTxs(this.secret, this.txs.slice(0, n))
  }
  batch(from, to = this.txs.length) {
    return '[' + this.txs.slice(from, to).join(',') + ']'
  }
}

// ---------------------------------------------------------------------------------------------

describe('worked example (spec 4.12a)', () => {
  test('signer id, CoValue id, stored transaction, hash and signature', () => {
    assert.equal(ours.getSignerId(utf8(EX_SECRET)), EX_SIGNER)
    const m = newMap()
    assert.equal(m.getHeader(), EX_HEADER)
    const result = m.makeNewTrustingTransaction(EX_SESSION, EX_SECRET, EX_CHANGES, null, 1700000000000)
    assert.equal(result, `{"signature":"${EX_SIGNATURE}","transaction":${EX_TX}}`)
    assert.equal(m.getTransaction(EX_SESSION, 0), EX_TX)
    assert.equal(trustingTx(EX_CHANGES, 1700000000000), EX_TX, 'the spec transaction is JSON.stringify-canonical')
    assert.equal(hashOf([EX_TX]), EX_HASH)
    assert.equal(JSON.stringify(EX_HASH).length, 52)
    assert.ok(ed25519Verify(EX_SIGNER, utf8(JSON.stringify(EX_HASH)), EX_SIGNATURE), 'node:crypto verifies the signature')
    assert.equal(m.getLastSignature(EX_SESSION), EX_SIGNATURE)
    assert.equal(m.getTransactionCount(EX_SESSION), 1)
    assert.deepStrictEqual(m.getSessionTransactions(EX_SESSION, 0), [EX_TX])
    assert.deepStrictEqual(m.getKnownState(), { id: EX_ID, header: true, sessions: { [EX_SESSION]: 1 } })
    assert.equal(m.decryptTransaction(EX_SESSION, 0, keySecret('any')), EX_CHANGES)
    assert.equal(m.decryptTransactionMeta(EX_SESSION, 0, keySecret('any')), null)
    // A peer accepts it.
    const peer = newMap()
    peer.addTransactions(EX_SESSION, EX_SIGNER, `[${EX_TX}]`, EX_SIGNATURE, false)
    assert.equal(peer.getTransaction(EX_SESSION, 0), EX_TX)
    assert.equal(peer.getLastSignature(EX_SESSION), EX_SIGNATURE)
  })

  test('getHeader returns the canonical header for a reordered, spaced header', () => {
    const spaced = '{ "uniqueness": "zUnique123", "type": "comap",\n "ruleset": {"type": "unsafeAllowAll"}, "meta": null, "createdAt": "2024-01-01T00:00:00.000Z" }'
    assert.equal(new ours.SessionMap(EX_ID, spaced).getHeader(), EX_HEADER)
    assert.equal(new ours.SessionMap(EX_ID, spaced, null, true).getHeader(), EX_HEADER)
  })

  test('upstream agrees on the worked example', { skip: noUpstream }, () => {
    const m = newUpMap()
    assert.equal(m.makeNewTrustingTransaction(EX_SESSION, EX_SECRET, EX_CHANGES, null, 1700000000000), `{"signature":"${EX_SIGNATURE}","transaction":${EX_TX}}`)
  })
})

// ---------------------------------------------------------------------------------------------

describe('difference 1: an invalid signerId for a new session throws and creates nothing', () => {
  const w = new Writer('d1')
  w.trusting('[1]')
  const pub = base58.decode(w.id.slice('signer_z'.length))
  const b58 = base58.encode(pub)
  const identity = new Uint8Array(32)
  identity[0] = 1
  const undecodable = new Uint8Array(32)
  undecodable[0] = 2
  const cases = [
    ['wrong prefix (sealer_z)', 'sealer_z' + b58, 'ERR_INVALID_PREFIX', "signer id must start with 'signer_z'"],
    ['wrong prefix (anything_z)', 'xsigner_z' + b58, 'ERR_INVALID_PREFIX', "signer id must start with 'signer_z'"],
    ['no prefix', b58, 'ERR_INVALID_PREFIX', "signer id must start with 'signer_z'"],
    ['bad base58', 'signer_z' + b58.slice(0, 5) + '0' + b58.slice(6), 'ERR_INVALID_BASE58', "signer id is not valid base58: invalid character '0' at byte 5 after 'signer_z'"],
    ['bad base58 (non-ASCII)', 'signer_zé' + b58.slice(1), 'ERR_INVALID_BASE58', "signer id is not valid base58: invalid character 'é' at byte 0 after 'signer_z'"],
    ['31 bytes', 'signer_z' + base58.encode(pub.subarray(0, 31)), 'ERR_INVALID_LENGTH', 'signer id must be 32 bytes, but its base58 decodes to 31 bytes'],
    ['33 bytes', 'signer_z' + base58.encode(Uint8Array.of(...pub, 7)), 'ERR_INVALID_LENGTH', 'signer id must be 32 bytes, but its base58 decodes to 33 bytes'],
    ['empty', 'signer_z', 'ERR_INVALID_LENGTH', 'signer id must be 32 bytes, but its base58 decodes to 0 bytes'],
    ['undecodable point', 'signer_z' + base58.encode(undecodable), 'ERR_INVALID_KEY', 'signer id is not a valid Ed25519 public key (cannot decompress the point)'],
    ['small-order key (identity)', 'signer_z' + base58.encode(identity), 'ERR_INVALID_KEY', 'signer id is a small-order Ed25519 public key, which cannot sign'],
    ['small-order key (order 4, all zero)', 'signer_z' + base58.encode(new Uint8Array(32)), 'ERR_INVALID_KEY', 'signer id is a small-order Ed25519 public key, which cannot sign'],
  ]
  for (const [name, signerId, code, message] of cases) {
    test(name, () => {
      for (const skipVerify of [false, true]) {
        const m = newMap()
        m.makeNewTrustingTransaction(session('other'), signerSecret('other'), 'x', null, 1)
        const before = snapshot(m, [w.session])
        throwsWith(() => m.addTransactions(w.session, signerId, w.batch(0), w.sig(), skipVerify), code, message, `skipVerify ${skipVerify}`)
        assert.deepStrictEqual(snapshot(m, [w.session]), before, 'nothing changed')
        assert.equal(m.getTransactionCount(w.session), -1)
        assert.equal(m.getSessionIds().includes(w.session), false)
        // The same batch with the right signer id is accepted.
        m.addTransactions(w.session, w.id, w.batch(0), w.sig(), skipVerify)
        assert.equal(m.getTransaction(w.session, 0), w.txs[0])
        assert.deepStrictEqual(m.getSessionIds(), [session('other'), w.session])
      }
    })
  }

  test('the secret-free signer id in an error never echoes a secret-looking value', () => {
    const e = throwsWith(() => newMap().addTransactions(w.session, 'signer_z' + b58 + '0', w.batch(0), w.sig(), false), 'ERR_INVALID_BASE58', `signer id is not valid base58: invalid character '0' at byte ${b58.length} after 'signer_z'`)
    assert.ok(!e.message.includes(b58))
  })

  test('upstream aborts the process on an invalid signerId (child process)', { skip: noUpstream }, () => {
    const upstreamPath = require.resolve('cojson-core-napi-upstream')
    const script = `
      const up = require(${JSON.stringify(upstreamPath)})
      const m = new up.SessionMap(${JSON.stringify(EX_ID)}, ${JSON.stringify(EX_HEADER)})
      try { m.addTransactions('s_session_zX', ${JSON.stringify('signer_z' + base58.encode(pub.subarray(0, 31)))}, '[]', 'x', true) } catch (e) { console.log('threw', e.message) }
      console.log('survived')
    `
    const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 30000 })
    assert.equal(r.stdout.includes('survived'), false, `upstream survived: ${r.stdout}`)
    assert.equal(r.signal, 'SIGABRT', `exit status ${r.status}, signal ${r.signal}, stderr ${r.stderr.slice(0, 300)}`)
  })
})

// ---------------------------------------------------------------------------------------------

describe('difference 2: addTransactions is atomic', () => {
  // maxTxSize 100, 40-byte changes: [t0, t1] (80 bytes, no checkpoint), [t2] (120 → checkpoint 2).
  function setup(make) {
    const w = new Writer('d2')
    const other = new Writer('d2 other')
    for (let i = 0; i < 7; i++) w.trusting(`${'x'.repeat(38)}${i}"`)
    other.trusting('other')
    const m = make(100)
    m.addTransactions(other.session, other.id, other.batch(0), other.sig(), false)
    m.addTransactions(w.session, w.id, w.batch(0, 2), w.sig(2), false)
    m.addTransactions(w.session, w.id, w.batch(2, 3), w.sig(3), false)
    m.setStreamingKnownState(JSON.stringify({ [w.session]: 10 }))
    return { w, m }
  }

  function failures(w) {
    const good = w.txs.slice(3, 6)
    const obj = good.map((t) => JSON.parse(t))
    const withTx = (i, tx) => JSON.stringify(obj.map((t, j) => (j === i ? tx : t)))
    const other = signerSecret('someone else')
    return [
      ['truncated JSON', w.batch(3, 6).slice(0, -1), w.sig(6), 'ERR_INVALID_TRANSACTION', /^Invalid transactions JSON: EOF while parsing a list at line 1 column \d+$/],
      ['a field of the 2nd transaction', withTx(1, { ...obj[1], changes: 5 }), w.sig(6), 'ERR_INVALID_TRANSACTION', 'Invalid transaction at index 1: needs string `encryptedChanges` and `keyUsed` (private) or string `changes` (trusting)'],
      ['madeAt 1.5 in the 2nd transaction', withTx(1, { ...obj[1], madeAt: 1.5 }), w.sig(6), 'ERR_INVALID_TRANSACTION', 'Invalid transaction at index 1: madeAt must be an integer from 0 to 18446744073709551615'],
      ['madeAt -1 in the 3rd transaction', withTx(2, { ...obj[2], madeAt: -1 }), w.sig(6), 'ERR_INVALID_TRANSACTION', 'Invalid transaction at index 2: madeAt must be an integer from 0 to 18446744073709551615'],
      ['a signature over fewer transactions', w.batch(3, 6), w.sig(5), 'ERR_SIGNATURE_VERIFICATION_FAILED', `Signature verification failed: (hash: ${hashOf(w.txs.slice(0, 6))})`],
      ['a signature by someone else', w.batch(3, 6), signTxs(other, w.txs.slice(0, 6)), 'ERR_SIGNATURE_VERIFICATION_FAILED', `Signature verification failed: (hash: ${hashOf(w.txs.slice(0, 6))})`],
      ['a malformed signature (63 bytes)', w.batch(3, 6), 'signature_z' + base58.encode(new Uint8Array(63).fill(9)), 'ERR_INVALID_LENGTH', 'signature must be 64 bytes, but its base58 decodes to 63 bytes'],
    ]
  }

  test('every failing batch leaves the session exactly as before; a correct retry then succeeds', () => {
    const { w, m } = setup((n) => newMap(n))
    assert.equal(m.getLastSignatureCheckpoint(w.session), 2, 'setup: a checkpoint exists')
    assert.equal(m.isStreaming(), true, 'setup: streaming')
    const before = snapshot(m)
    for (const [name, json, sig, code, message] of failures(w)) {
      for (let repeat = 0; repeat < 2; repeat++) {
        throwsWith(() => m.addTransactions(w.session, w.id, json, sig, false), code, message, name)
        assert.deepStrictEqual(snapshot(m), before, `${name}: nothing changed`)
      }
    }
    // The correct retry of the same batch: three more transactions, a checkpoint after index 5.
    m.addTransactions(w.session, w.id, w.batch(3, 6), w.sig(6), false)
    assert.equal(m.getTransactionCount(w.session), 6)
    assert.deepStrictEqual(m.getSessionTransactions(w.session, 0), w.txs.slice(0, 6))
    assert.equal(m.getLastSignature(w.session), w.sig(6))
    assert.equal(m.getSignatureAfter(w.session, 5), w.sig(6))
    assert.equal(m.getSignatureAfter(w.session, 2), w.sig(3))
    assert.equal(m.getLastSignatureCheckpoint(w.session), 5)
    // No staged leftovers: the next transaction verifies against the writer's own hash chain.
    m.addTransactions(w.session, null, w.batch(6), w.sig(7), false)
    assert.equal(m.getTransactionCount(w.session), 7)
    assert.equal(m.isStreaming(), true)
    assert.deepStrictEqual(m.getKnownStateWithStreaming().sessions[w.session], 10)
  })

  test('a failing batch for a new session creates no session', () => {
    const w = new Writer('d2 new')
    for (let i = 0; i < 3; i++) w.trusting(`c${i}`)
    const obj = w.txs.map((t) => JSON.parse(t))
    const m = newMap()
    const before = snapshot(m, [w.session])
    const bad = [
      [JSON.stringify([obj[0], { ...obj[1], madeAt: 1e3 }]), w.sig(2)],
      [JSON.stringify([obj[0], { ...obj[1], meta: 7 }]), w.sig(2)],
      [w.batch(0), w.sig(2)],
      ['[', w.sig(3)],
    ]
    for (const [json, sig] of bad) {
      assert.throws(() => m.addTransactions(w.session, w.id, json, sig, false))
      assert.deepStrictEqual(snapshot(m, [w.session]), before)
      assert.deepStrictEqual(m.getSessionIds(), [])
    }
    m.addTransactions(w.session, w.id, w.batch(0), w.sig(), false)
    assert.deepStrictEqual(m.getSessionTransactions(w.session, 0), w.txs)
  })

  test('upstream: a rejected batch poisons the session (a correct retry fails forever)', { skip: noUpstream }, () => {
    const { w, m } = setup((n) => newUpMap(n))
    assert.throws(() => m.addTransactions(w.session, w.id, w.batch(3, 6), w.sig(5), false), /Signature verification failed/)
    for (let i = 0; i < 2; i++) {
      assert.throws(() => m.addTransactions(w.session, w.id, w.batch(3, 6), w.sig(6), false), /Signature verification failed/, 'the correct retry fails')
    }
    assert.equal(m.getTransactionCount(w.session), 3)
    // And a madeAt failure on a new session leaves an empty session behind.
    const n = new Writer('d2 upstream new')
    n.trusting('a')
    const u = newUpMap()
    assert.throws(() => u.addTransactions(n.session, n.id, JSON.stringify([{ ...JSON.parse(n.txs[0]), madeAt: 1.5 }]), n.sig(), false))
    assert.deepStrictEqual(u.getSessionIds(), [n.session])
    assert.equal(u.getTransactionCount(n.session), 0)
  })
})

// ---------------------------------------------------------------------------------------------

describe('difference 3: the hash chain covers skip-verified transactions', () => {
  test('a verified batch after a skip-verified one verifies against the whole chain', () => {
    const w = new Writer('d3 a')
    w.trusting('first')
    w.trusting('second')
    const m = newMap()
    m.addTransactions(w.session, w.id, w.batch(0, 1), 'not a signature at all', true)
    assert.equal(m.getLastSignature(w.session), 'not a signature at all')
    m.addTransactions(w.session, null, w.batch(1, 2), w.sig(2), false)
    assert.deepStrictEqual(m.getSessionTransactions(w.session, 0), w.txs)
    assert.equal(m.getLastSignature(w.session), w.sig(2))
  })

  test('a local signature made after skip-verified adds verifies at a peer holding the same transactions', () => {
    const w = new Writer('d3 b')
    w.trusting('one')
    w.trusting('two', 1700000000001, 'meta')
    const shard = newMap(null, true)
    shard.addTransactions(w.session, w.id, w.batch(0), 'whatever', true)
    const result = JSON.parse(shard.makeNewTrustingTransaction(w.session, w.secret, 'three', null, 1700000000002))
    w.trusting('three', 1700000000002)
    assert.equal(JSON.stringify(result.transaction), w.txs[2])
    assert.equal(result.signature, w.sig(3), 'the signature covers all three transactions')
    assert.ok(ed25519Verify(w.id, utf8(JSON.stringify(hashOf(w.txs))), result.signature))
    const peer = newMap()
    peer.addTransactions(w.session, w.id, w.batch(0, 2), w.sig(2), false)
    peer.addTransactions(w.session, w.id, w.batch(2), result.signature, false)
    assert.equal(peer.getTransactionCount(w.session), 3)
  })

  test('upstream: the signature made by ours is accepted by an upstream peer', { skip: noUpstream }, () => {
    const w = new Writer('d3 c')
    w.trusting('one')
    const shard = newMap()
    shard.addTransactions(w.session, w.id, w.batch(0), 'x', true)
    const result = JSON.parse(shard.makeNewTrustingTransaction(w.session, w.secret, 'two', null, 5))
    const peer = newUpMap()
    peer.addTransactions(w.session, w.id, w.batch(0), w.sig(1), false)
    peer.addTransactions(w.session, w.id, `[${JSON.stringify(result.transaction)}]`, result.signature, false)
    assert.equal(peer.getTransactionCount(w.session), 2)
  })

  test('upstream: skip-verified transactions are not in its hash chain', { skip: noUpstream }, () => {
    const w = new Writer('d3 d')
    w.trusting('first')
    w.trusting('second')
    const m = newUpMap()
    m.addTransactions(w.session, w.id, w.batch(0, 1), 'x', true)
    assert.throws(() => m.addTransactions(w.session, null, w.batch(1, 2), w.sig(2), false), /Signature verification failed/)
    // Its local signature after skip-verified adds covers only the later transaction.
    const shard = newUpMap()
    shard.addTransactions(w.session, w.id, w.batch(0), 'x', true)
    const result = JSON.parse(shard.makeNewTrustingTransaction(w.session, w.secret, 'three', null, 7))
    w.trusting('three', 7)
    assert.notEqual(result.signature, w.sig(3))
    assert.equal(result.signature, signTxs(w.secret, [w.txs[2]]))
    const peer = newUpMap()
    peer.addTransactions(w.session, w.id, w.batch(0, 2), w.sig(2), false)
    assert.throws(() => peer.addTransactions(w.session, w.id, w.batch(2), result.signature, false), /Signature verification failed/)
  })
})

// ---------------------------------------------------------------------------------------------

describe('difference 4: makeNew* validate the secrets before appending anything', () => {
  const key = keySecret('d4')
  const good = signerSecret('d4')
  const b58of31 = base58.encode(bytes32('31').subarray(0, 31))
  const badSigner = [
    ['no prefix', 'nope', 'ERR_INVALID_PREFIX', "signer secret must start with 'signerSecret_z'"],
    ['sealer secret prefix', 'sealerSecret_z' + good.slice('signerSecret_z'.length), 'ERR_INVALID_PREFIX', "signer secret must start with 'signerSecret_z'"],
    ['bad base58', 'signerSecret_z1110OO', 'ERR_INVALID_BASE58', "signer secret is not valid base58: invalid character at byte 3 after 'signerSecret_z'"],
    ['31 bytes', 'signerSecret_z' + b58of31, 'ERR_INVALID_LENGTH', 'signer secret must be 32 bytes, but its base58 decodes to 31 bytes'],
  ]
  const badKey = [
    ['no prefix', 'nope', 'ERR_INVALID_PREFIX', "key secret must start with 'keySecret_z'"],
    ['bad base58', 'keySecret_z1I', 'ERR_INVALID_BASE58', "key secret is not valid base58: invalid character at byte 1 after 'keySecret_z'"],
    ['31 bytes', 'keySecret_z' + b58of31, 'ERR_INVALID_LENGTH', 'key secret must be 32 bytes, but its base58 decodes to 31 bytes'],
  ]
  const calls = []
  for (const [name, secret, code, message] of badSigner) {
    calls.push([`trusting, signer secret: ${name}`, (m, s) => m.makeNewTrustingTransaction(s, secret, 'c', null, 1), code, message, secret])
    calls.push([`private, signer secret: ${name}`, (m, s) => m.makeNewPrivateTransaction(s, secret, 'c', 'key_z1', key, 'm', 1), code, message, secret])
  }
  for (const [name, secret, code, message] of badKey) {
    calls.push([`private, key secret: ${name}`, (m, s) => m.makeNewPrivateTransaction(s, good, 'c', 'key_z1', secret, null, 1), code, message, secret])
  }

  for (const [name, call, code, message, secret] of calls) {
    test(name, () => {
      const m = newMap(1)
      const fresh = session('d4 fresh')
      const existing = session('d4 existing')
      m.makeNewTrustingTransaction(existing, good, 'first', null, 1)
      const before = snapshot(m, [fresh])
      const e1 = throwsWith(() => call(m, fresh), code, message, 'new session')
      const e2 = throwsWith(() => call(m, existing), code, message, 'existing session')
      for (const e of [e1, e2]) if (secret.length > 20) assert.ok(!e.message.includes(secret.slice(-20)), 'the secret is not echoed')
      assert.deepStrictEqual(snapshot(m, [fresh]), before, 'nothing changed')
      assert.deepStrictEqual(m.getSessionIds(), [existing])
      // The chain continues as if the failed call never happened.
      const result = JSON.parse(m.makeNewTrustingTransaction(existing, good, 'second', null, 2))
      assert.equal(result.signature, signTxs(good, [trustingTx('first', 1), trustingTx('second', 2)]))
    })
  }

  test('upstream: a bad signer secret leaves an orphan transaction; a bad key secret an empty session', { skip: noUpstream }, () => {
    const m = newUpMap()
    const s1 = session('d4 up 1')
    const s2 = session('d4 up 2')
    assert.throws(() => m.makeNewTrustingTransaction(s1, 'nope', 'orphan', null, 1), /Invalid decoding prefix/)
    assert.deepStrictEqual(m.getSessionIds(), [s1])
    assert.equal(m.getTransactionCount(s1), 1, 'the orphan is counted')
    assert.deepStrictEqual(m.getKnownState().sessions, {})
    assert.throws(() => m.makeNewPrivateTransaction(s2, good, 'c', 'key_z1', 'nope', null, 1), /Invalid decoding prefix/)
    assert.deepStrictEqual(m.getSessionIds(), [s1, s2])
    assert.equal(m.getTransactionCount(s2), 0)
  })
})

// ---------------------------------------------------------------------------------------------

describe('difference 5: known-state sessions in insertion order', () => {
  const ids = Array.from({ length: 30 }, (_, i) => session(`d5 ${(i * 17) % 30}`))

  test('getKnownState and getKnownStateWithStreaming list sessions in insertion order on every call', () => {
    const m = newMap()
    for (const [i, id] of ids.entries()) {
      if (i % 2) m.makeNewTrustingTransaction(id, signerSecret('d5'), `c${i}`, null, i)
      else m.addTransactions(id, null, `[${trustingTx(`c${i}`, i)}]`, 'x', true)
    }
    assert.deepStrictEqual(m.getSessionIds(), ids)
    for (let call = 0; call < 5; call++) assert.deepStrictEqual(Object.keys(m.getKnownState().sessions), ids, `call ${call}`)
    const extra = session('d5 streaming only')
    m.setStreamingKnownState(JSON.stringify({ [extra]: 3, [ids[4]]: 9 }))
    for (let call = 0; call < 3; call++) {
      const kss = m.getKnownStateWithStreaming()
      assert.deepStrictEqual(Object.keys(kss.sessions), [...ids, extra])
      assert.equal(kss.sessions[ids[4]], 9)
      assert.equal(kss.sessions[extra], 3)
    }
  })

  test('upstream: the key order is not the insertion order', { skip: noUpstream }, () => {
    const m = newUpMap()
    for (const [i, id] of ids.entries()) m.addTransactions(id, null, `[${trustingTx(`c${i}`, i)}]`, 'x', true)
    const orders = Array.from({ length: 10 }, () => Object.keys(m.getKnownState().sessions).join('\n'))
    assert.ok(orders.some((o) => o !== ids.join('\n')))
  })
})

// ---------------------------------------------------------------------------------------------

describe('difference 6: streaming known state', () => {
  const secret = signerSecret('d6')

  test('a local write never lowers a streaming count', () => {
    const m = newMap()
    const s = session('d6 local')
    m.makeNewTrustingTransaction(s, secret, 'a', null, 1)
    m.setStreamingKnownState(JSON.stringify({ [s]: 5 }))
    assert.equal(m.isStreaming(), true)
    m.makeNewTrustingTransaction(s, secret, 'b', null, 2)
    assert.equal(m.isStreaming(), true)
    assert.deepStrictEqual(m.getKnownStateWithStreaming(), { id: EX_ID, header: true, sessions: { [s]: 5 } })
    assert.deepStrictEqual(m.getKnownState().sessions, { [s]: 2 })
    // Once local writes reach the announced count nothing is missing any more.
    for (let i = 3; i <= 5; i++) m.makeNewTrustingTransaction(s, secret, `c${i}`, null, i)
    assert.equal(m.getTransactionCount(s), 5)
    assert.equal(m.isStreaming(), false)
    assert.equal(m.getKnownStateWithStreaming(), null)
  })

  test('an empty streaming state is not streaming', () => {
    const m = newMap()
    const s = session('d6 empty')
    m.makeNewTrustingTransaction(s, secret, 'a', null, 1)
    for (const json of ['{}', JSON.stringify({ [session('unknown')]: 0 }), JSON.stringify({ [s]: 1 }), JSON.stringify({ [s]: 0, [session('u2')]: 0 })]) {
      m.setStreamingKnownState(json)
      assert.equal(m.isStreaming(), false, json)
      assert.equal(m.getKnownStateWithStreaming(), null, json)
    }
  })

  test('streaming ends when added transactions cover it, and on markAsDeleted', () => {
    const w = new Writer('d6 peer')
    w.trusting('a')
    w.trusting('b')
    const m = newMap()
    m.setStreamingKnownState(JSON.stringify({ [w.session]: 2 }))
    assert.deepStrictEqual(m.getKnownStateWithStreaming(), { id: EX_ID, header: true, sessions: { [w.session]: 2 } })
    m.addTransactions(w.session, w.id, w.batch(0, 1), w.sig(1), false)
    assert.equal(m.isStreaming(), true)
    m.addTransactions(w.session, w.id, w.batch(1, 2), w.sig(2), false)
    assert.equal(m.isStreaming(), false)
    assert.equal(m.getKnownStateWithStreaming(), null)
    m.setStreamingKnownState(JSON.stringify({ [w.session]: 4 }))
    assert.equal(m.isStreaming(), true)
    m.markAsDeleted()
    assert.equal(m.isStreaming(), false)
    assert.equal(m.getKnownStateWithStreaming(), null)
    m.setStreamingKnownState(JSON.stringify({ [w.session]: 9 }))
    m.setStreamingKnownState('not even JSON')
    assert.equal(m.isStreaming(), false)
  })

  test('upstream: local writes lower the count; an empty streaming state is streaming', { skip: noUpstream }, () => {
    const m = newUpMap()
    const s = session('d6 local')
    m.makeNewTrustingTransaction(s, secret, 'a', null, 1)
    m.setStreamingKnownState(JSON.stringify({ [s]: 5 }))
    m.makeNewTrustingTransaction(s, secret, 'b', null, 2)
    assert.equal(m.getKnownStateWithStreaming().sessions[s], 2)
    const e = newUpMap()
    e.setStreamingKnownState(JSON.stringify({ [session('unknown')]: 0 }))
    assert.equal(e.isStreaming(), true)
  })
})

// ---------------------------------------------------------------------------------------------

describe('difference 7: exact prefixes', () => {
  const good = signerSecret('d7')
  const goodKey = keySecret('d7')
  const seedB58 = good.slice('signerSecret_z'.length)
  const keyB58 = goodKey.slice('keySecret_z'.length)
  const w = new Writer('d7 peer')
  w.trusting('x')
  const sigB58 = w.sig().slice('signature_z'.length)
  const idB58 = w.id.slice('signer_z'.length)
  const lenientSigner = ['signerSecreX_z' + seedB58, 'SignerSecret_z' + seedB58, 'x_z' + seedB58, '_z' + seedB58]
  const lenientKey = ['sealerSecret_z' + keyB58, 'KeySecret_z' + keyB58, 'k_z' + keyB58]

  test('signer secrets', () => {
    for (const secret of lenientSigner) {
      const m = newMap()
      throwsWith(() => m.makeNewTrustingTransaction(session('d7'), secret, 'c', null, 1), 'ERR_INVALID_PREFIX', "signer secret must start with 'signerSecret_z'", secret)
      throwsWith(() => m.makeNewPrivateTransaction(session('d7'), secret, 'c', 'key_z1', goodKey, null, 1), 'ERR_INVALID_PREFIX', "signer secret must start with 'signerSecret_z'", secret)
      assert.deepStrictEqual(m.getSessionIds(), [])
    }
  })

  test('key secrets (local writes and decryption)', () => {
    const m = newMap()
    const s = session('d7 key')
    m.makeNewPrivateTransaction(s, good, 'secret changes', 'key_z1', goodKey, 'secret meta', 1)
    assert.equal(m.decryptTransaction(s, 0, goodKey), 'secret changes')
    for (const key of lenientKey) {
      throwsWith(() => m.makeNewPrivateTransaction(s, good, 'c', 'key_z1', key, null, 1), 'ERR_INVALID_PREFIX', "key secret must start with 'keySecret_z'", key)
      throwsWith(() => m.decryptTransaction(s, 0, key), 'ERR_INVALID_PREFIX', "key secret must start with 'keySecret_z'", key)
      throwsWith(() => m.decryptTransactionMeta(s, 0, key), 'ERR_INVALID_PREFIX', "key secret must start with 'keySecret_z'", key)
    }
    assert.equal(m.getTransactionCount(s), 1)
  })

  test('signatures and signer ids in addTransactions', () => {
    const m = newMap()
    for (const sig of ['sig_z' + sigB58, 'Signature_z' + sigB58, '_z' + sigB58]) {
      throwsWith(() => m.addTransactions(w.session, w.id, w.batch(0), sig, false), 'ERR_INVALID_PREFIX', "signature must start with 'signature_z'", sig)
    }
    for (const id of ['foo_z' + idB58, 'Signer_z' + idB58]) {
      throwsWith(() => m.addTransactions(w.session, id, w.batch(0), w.sig(), false), 'ERR_INVALID_PREFIX', "signer id must start with 'signer_z'", id)
    }
    assert.deepStrictEqual(m.getSessionIds(), [])
    m.addTransactions(w.session, w.id, w.batch(0), w.sig(), false)
    assert.equal(m.getTransactionCount(w.session), 1)
  })

  test('upstream accepts anything up to the first _z', { skip: noUpstream }, () => {
    const reference = newUpMap().makeNewTrustingTransaction(session('d7'), good, 'c', null, 1)
    for (const secret of lenientSigner) assert.equal(newUpMap().makeNewTrustingTransaction(session('d7'), secret, 'c', null, 1), reference)
    const m = newUpMap()
    m.addTransactions(w.session, 'foo_z' + idB58, w.batch(0), 'sig_z' + sigB58, false)
    assert.equal(m.getTransactionCount(w.session), 1)
    const p = newUpMap()
    const s = session('d7 key')
    p.makeNewPrivateTransaction(s, good, 'secret changes', 'key_z1', 'sealerSecret_z' + keyB58, null, 1)
    for (const key of lenientKey) assert.equal(p.decryptTransaction(s, 0, key), 'secret changes')
  })
})

// ---------------------------------------------------------------------------------------------

describe("difference 8: the header's canonical form is cojson's stableStringify", () => {
  const base = { createdAt: '2024-05-06T07:08:09.000Z', uniqueness: 'zAbc', type: 'comap' }
  const group = 'co_z' + base58.encode(bytes32('group').subarray(0, 19))
  // [name, header JSON text, does upstream reject it (per spec 4.1)?]
  const cases = [
    ['a normal cojson header', JSON.stringify({ ...base, ruleset: { type: 'ownedByGroup', group }, meta: null }), false],
    ['a normal group header', JSON.stringify({ ...base, ruleset: { type: 'group', initialAdmin: 'sealer_zA/signer_zB' }, meta: { type: 'account' } }), false],
    ['an unknown top-level field', JSON.stringify({ ...base, ruleset: { type: 'unsafeAllowAll' }, meta: null, extra: { b: [1, 'x'], a: true } }), true],
    ['an unknown ruleset field', JSON.stringify({ ...base, ruleset: { type: 'ownedByGroup', group, zzz: 1 }, meta: null }), true],
    ['absent meta', JSON.stringify({ ...base, ruleset: { type: 'unsafeAllowAll' } }), true],
    ['restrictDeletion: null', JSON.stringify({ ...base, ruleset: { type: 'ownedByGroup', group, restrictDeletion: null }, meta: null }), true],
    ['restrictDeletion: true', JSON.stringify({ ...base, ruleset: { type: 'ownedByGroup', group, restrictDeletion: true }, meta: null }), false],
    ['1e21 in meta', `{"type":"comap","ruleset":{"type":"unsafeAllowAll"},"uniqueness":null,"meta":{"n":1e21}}`, true],
    ['1e20 in meta', `{"type":"comap","ruleset":{"type":"unsafeAllowAll"},"uniqueness":null,"meta":{"n":1e20}}`, true],
    ['1.2345678901234567e20 in meta', `{"type":"comap","ruleset":{"type":"unsafeAllowAll"},"uniqueness":null,"meta":[1.2345678901234567e20]}`, true],
    ['a big integer literal in meta', `{"type":"comap","ruleset":{"type":"unsafeAllowAll"},"uniqueness":null,"meta":{"n":123456789012345678901234567890}}`, null],
    ['1.0, -0, 0.1, 1e-7, 5e-324 in meta', `{"type":"comap","ruleset":{"type":"unsafeAllowAll"},"uniqueness":null,"meta":[1.0,-0,0.1,1e-7,5e-324,1.5E+3]}`, null],
    ['escapes and unicode in meta', '{"type":"comap","ruleset":{"type":"unsafeAllowAll"},"uniqueness":"z\\u00e9","meta":{"s":"\\/\\u2028\\u0001\\ud83d\\ude00"}}', false],
    ['meta keys ordered differently by UTF-16 and UTF-8', `{"type":"comap","ruleset":{"type":"unsafeAllowAll"},"uniqueness":null,"meta":{"\uff61":1,"😀":2,"a":3}}`, true],
    ['uniqueness object, reordered', `{"type":"comap","ruleset":{"type":"unsafeAllowAll"},"uniqueness":{"b":"2","a":"1"},"meta":null}`, false],
    ['whitespace and key order', ` {\n "uniqueness" : 5 , "meta" : null, "type":"x", "ruleset":{"initialAdmin":"a","type":"group"} } `, false],
  ]
  for (const [name, text, upstreamRejects] of cases) {
    test(name, (t) => {
      const header = JSON.parse(text)
      const id = idFor(header)
      const m = new ours.SessionMap(id, text)
      assert.equal(m.getHeader(), stableStringify(header))
      assert.equal(new ours.SessionMap(id, text, null, true).getHeader(), stableStringify(header))
      const wrong = 'co_z' + base58.encode(bytes32('wrong').subarray(0, 19))
      throwsWith(() => new ours.SessionMap(wrong, text), 'ERR_ID_MISMATCH', `CoValue ID mismatch: expected ${id}, got ${wrong}`)
      if (up) {
        const u = (() => {
          try {
            new up.SessionMap(id, text)
            return null
          } catch (e) {
            return e
          }
        })()
        t.diagnostic(`upstream ${u ? `rejects: ${u.message}` : 'accepts the cojson id'}`)
        if (upstreamRejects === true) assert.match(u?.message ?? 'accepted', /^CoValue ID mismatch: expected co_z\w+, got /)
        if (upstreamRejects === false) assert.equal(u, null)
      }
    })
  }
})

describe('difference 8: numbers and strings in headers print as JavaScript prints them', () => {
  test('seeded random doubles in every JSON spelling', () => {
    let state = 0x2545f491
    const next = () => {
      state ^= state << 13
      state ^= state >>> 17
      state ^= state << 5
      return (state >>> 0) / 4294967296
    }
    const view = new DataView(new ArrayBuffer(8))
    let checked = 0
    for (let round = 0; round < 120; round++) {
      const texts = []
      while (texts.length < 40) {
        for (let j = 0; j < 8; j++) view.setUint8(j, Math.floor(next() * 256))
        let x = view.getFloat64(0)
        const kind = texts.length % 4
        if (kind === 1) x = Math.trunc(next() * 2 ** (next() * 80))
        if (kind === 2) x = (next() - 0.5) * 10 ** Math.floor(next() * 50 - 25)
        if (kind === 3) x = Math.round(next() * 1e6) / 10 ** Math.floor(next() * 9)
        if (!Number.isFinite(x)) continue
        texts.push([String(x), x.toExponential(), x.toPrecision(21), x.toExponential().toUpperCase()][Math.floor(next() * 4)])
      }
      const text = `{"type":"comap","ruleset":{"type":"unsafeAllowAll"},"uniqueness":null,"meta":{"n":[${texts.join(',')}]}}`
      const header = JSON.parse(text)
      const m = new ours.SessionMap(idFor(header), text)
      assert.equal(m.getHeader(), stableStringify(header), text)
      checked += texts.length
    }
    assert.equal(checked, 4800)
  })

  test('a lone surrogate in meta, escaped as JSON.stringify writes it', () => {
    // cojson computes the id over stableStringify(header), which escapes lone surrogates (\ud800)
    // and so is plain ASCII; the header JSON it hands over is JSON.stringify(header).
    const header = { type: 'comap', ruleset: { type: 'unsafeAllowAll' }, uniqueness: 'zX', meta: { name: 'broken \ud800 name', other: '\udfff' } }
    const text = JSON.stringify(header)
    assert.ok(text.includes('\\ud800'))
    const m = new ours.SessionMap(idFor(header), text)
    assert.equal(m.getHeader(), stableStringify(header))
  })
})

// ---------------------------------------------------------------------------------------------

describe('error catalogue', () => {
  const H = (o) => JSON.stringify(o)
  const rs = { type: 'unsafeAllowAll' }

  test('invalid header JSON', () => {
    const valid = H({ type: 'comap', ruleset: rs, uniqueness: null })
    const cases = [
      ['x', 'Invalid header JSON: expected value at line 1 column 1'],
      ['', 'Invalid header JSON: EOF while parsing a value at line 1 column 0'],
      [valid + ' x', `Invalid header JSON: trailing characters at line 1 column ${valid.length + 2}`],
      ['[]', 'Invalid header JSON: the header must be a JSON object'],
      ['"header"', 'Invalid header JSON: the header must be a JSON object'],
      [H({ ruleset: rs, uniqueness: null }), 'Invalid header JSON: missing field `type`'],
      [H({ type: 5, ruleset: rs, uniqueness: null }), 'Invalid header JSON: `type` must be a string'],
      [H({ type: 'comap', uniqueness: null }), 'Invalid header JSON: missing field `ruleset`'],
      [H({ type: 'comap', ruleset: 'x', uniqueness: null }), 'Invalid header JSON: `ruleset` must be an object'],
      [H({ type: 'comap', ruleset: { type: 'nope' }, uniqueness: null }), 'Invalid header JSON: `ruleset.type` must be "group", "ownedByGroup" or "unsafeAllowAll"'],
      [H({ type: 'comap', ruleset: {}, uniqueness: null }), 'Invalid header JSON: `ruleset.type` must be "group", "ownedByGroup" or "unsafeAllowAll"'],
      [H({ type: 'comap', ruleset: { type: 'group' }, uniqueness: null }), 'Invalid header JSON: missing field `ruleset.initialAdmin`'],
      [H({ type: 'comap', ruleset: { type: 'group', initialAdmin: 1 }, uniqueness: null }), 'Invalid header JSON: `ruleset.initialAdmin` must be a string'],
      [H({ type: 'comap', ruleset: { type: 'ownedByGroup', group: 5 }, uniqueness: null }), 'Invalid header JSON: `ruleset.group` must be a string'],
      [H({ type: 'comap', ruleset: { type: 'ownedByGroup', group: 'g', restrictDeletion: 'yes' }, uniqueness: null }), 'Invalid header JSON: `ruleset.restrictDeletion` must be a boolean'],
      [H({ type: 'comap', ruleset: rs }), 'Invalid header JSON: missing field `uniqueness`'],
      [H({ type: 'comap', ruleset: rs, uniqueness: 1.5 }), 'Invalid header JSON: `uniqueness` must be a string, a boolean, null, an integer or an object of strings'],
      ['{"type":"comap","ruleset":{"type":"unsafeAllowAll"},"uniqueness":9223372036854775808}', 'Invalid header JSON: `uniqueness` must be a string, a boolean, null, an integer or an object of strings'],
      [H({ type: 'comap', ruleset: rs, uniqueness: [] }), 'Invalid header JSON: `uniqueness` must be a string, a boolean, null, an integer or an object of strings'],
      [H({ type: 'comap', ruleset: rs, uniqueness: { a: 1 } }), 'Invalid header JSON: `uniqueness` object values must be strings'],
      [H({ type: 'comap', ruleset: rs, uniqueness: null, createdAt: 5 }), 'Invalid header JSON: `createdAt` must be a string or null'],
    ]
    for (const [text, message] of cases) {
      for (const skipVerify of [false, true]) throwsWith(() => new ours.SessionMap(EX_ID, text, null, skipVerify), 'ERR_INVALID_HEADER', message, `${text} (skipVerify ${skipVerify})`)
    }
    // Integers in i64 range are fine (checked with the id cojson computes).
    for (const uniqueness of [-9223372036854775808n, 9223372036854775807n]) {
      const text = `{"type":"comap","ruleset":{"type":"unsafeAllowAll"},"uniqueness":${uniqueness},"meta":null}`
      assert.equal(new ours.SessionMap(idFor(JSON.parse(text)), text).getHeader(), stableStringify(JSON.parse(text)))
    }
  })

  test('serde parse errors carry the same serde text as upstream', { skip: noUpstream }, () => {
    for (const text of ['x', '', '{"type":', '{"a" 1}', '{"type" "x"}']) {
      const u = (() => {
        try {
          new up.SessionMap(EX_ID, text)
        } catch (e) {
          return e.message
        }
      })()
      throwsWith(() => new ours.SessionMap(EX_ID, text), 'ERR_INVALID_HEADER', u, text)
    }
  })

  test('a repeated field of the header or its ruleset is rejected, as by 0.20.19; other repeated keys keep the last value', () => {
    const base = '"ruleset":{"type":"unsafeAllowAll"},"uniqueness":"z"'
    // Reported at the repeated key (the column just after it), as serde's derived structs do.
    const at = (text, field, from = 0) => text.indexOf(`"${field}"`, text.indexOf(`"${field}"`, from) + 1) + field.length + 2
    const rejected = [
      [`{"type":"comap","type":"colist",${base}}`, 'type'],
      [`{"createdAt":"x","createdAt":"y","type":"comap",${base}}`, 'createdAt'],
      [`{"type":"comap","meta":null,"meta":1,${base}}`, 'meta'],
      [`{"type":"comap",${base},"uniqueness":null}`, 'uniqueness'],
      [`{"type":"comap",${base},"ruleset":{"type":"unsafeAllowAll"}}`, 'ruleset'],
    ]
    for (const [text, field] of rejected) {
      const message = `Invalid header JSON: duplicate field \`${field}\` at line 1 column ${at(text, field)}`
      throwsWith(() => new ours.SessionMap(EX_ID, text, null, true), 'ERR_INVALID_HEADER', message, text)
      if (up) assert.throws(() => new up.SessionMap(EX_ID, text, null, true), { message }, `0.20.19: ${text}`)
    }
    // In the ruleset 0.20.19 says only that no ruleset variant matched.
    for (const [text, field] of [
      ['{"type":"comap","ruleset":{"type":"unsafeAllowAll","type":"group"},"uniqueness":"z"}', 'type'],
      ['{"type":"comap","ruleset":{"type":"ownedByGroup","group":"co_zA","group":"co_zB"},"uniqueness":"z"}', 'group'],
    ]) {
      const column = at(text, field, text.indexOf('"ruleset"'))
      throwsWith(() => new ours.SessionMap(EX_ID, text, null, true), 'ERR_INVALID_HEADER', `Invalid header JSON: duplicate field \`${field}\` at line 1 column ${column}`, text)
      if (up) assert.throws(() => new up.SessionMap(EX_ID, text, null, true), /^Error: Invalid header JSON: data did not match any variant of untagged enum RulesetDef/, `0.20.19: ${text}`)
    }
    for (const [text, canonical] of [
      [`{"type":"comap",${base},"meta":{"a":1,"a":2}}`, '{"meta":{"a":2},"ruleset":{"type":"unsafeAllowAll"},"type":"comap","uniqueness":"z"}'],
      [`{"type":"comap","ruleset":{"type":"unsafeAllowAll"},"uniqueness":{"k":"1","k":"2"}}`, '{"ruleset":{"type":"unsafeAllowAll"},"type":"comap","uniqueness":{"k":"2"}}'],
    ]) {
      assert.equal(new ours.SessionMap(idFor(JSON.parse(text)), text).getHeader(), canonical)
      // 0.20.19 accepts them too (its header form differs: it adds "meta":null, difference 8).
      const kept = canonical.match(/"(meta|uniqueness)":\{[^}]*\}/)[0]
      if (up) assert.ok(new up.SessionMap('co_zX', text, null, true).getHeader().includes(kept), `0.20.19 keeps ${kept}`)
    }
  })

  test('invalid uniqueness', () => {
    const text = H({ type: 'comap', ruleset: rs, uniqueness: { '': 'x' }, meta: null })
    throwsWith(() => new ours.SessionMap(idFor(JSON.parse(text)), text), 'ERR_INVALID_UNIQUENESS', 'Invalid uniqueness: Object keys cannot be empty')
    assert.equal(new ours.SessionMap('co_zAnything', text, null, true).getHeader(), stableStringify(JSON.parse(text)))
  })

  test('CoValue ID mismatch (and skipVerify keeps the given id)', () => {
    throwsWith(() => new ours.SessionMap('co_zWrong', EX_HEADER), 'ERR_ID_MISMATCH', `CoValue ID mismatch: expected ${EX_ID}, got co_zWrong`)
    const m = new ours.SessionMap('co_zWrong', EX_HEADER, undefined, true)
    assert.equal(m.getKnownState().id, 'co_zWrong')
    // The given id is what the nonce material uses.
    const key = keySecret('mismatch')
    const s = session('mismatch')
    m.makeNewPrivateTransaction(s, signerSecret('m'), 'hello', 'key_z1', key, null, 1)
    assert.equal(m.getTransaction(s, 0), privateTx(encryptField('hello', key, 'co_zWrong', s, 0), 'key_z1', 1))
  })

  test('deleted CoValue', () => {
    const w = new Writer('deleted')
    w.trusting('before')
    const m = newMap()
    m.addTransactions(w.session, w.id, w.batch(0), w.sig(), false)
    const del = new Writer('deleter')
    del.session = deleteSession('deleter')
    del.trusting('[{"op":"set","key":"deleted","value":true}]')
    m.markAsDeleted()
    assert.equal(m.isDeleted(), true)
    const message = `Cannot add to deleted CoValue: ${EX_ID}`
    const before = snapshot(m)
    w.trusting('after')
    throwsWith(() => m.makeNewTrustingTransaction(w.session, w.secret, 'c', null, 1), 'ERR_DELETED', message)
    throwsWith(() => m.makeNewPrivateTransaction(w.session, w.secret, 'c', 'key_z1', keySecret('k'), null, 1), 'ERR_DELETED', message)
    throwsWith(() => m.makeNewTrustingTransaction(del.session, del.secret, 'c', null, 1), 'ERR_DELETED', message, 'local writes to a delete session')
    throwsWith(() => m.makeNewTrustingTransaction(session('new'), 'bad secret', 'c', null, 1), 'ERR_DELETED', message, 'checked before the secret')
    throwsWith(() => m.addTransactions(w.session, null, w.batch(1), w.sig(), false), 'ERR_DELETED', message)
    throwsWith(() => m.addTransactions(session('new'), null, '[]', 'x', true), 'ERR_DELETED', message, 'skipVerify too')
    throwsWith(() => m.addTransactions(w.session, null, 'not json', 'x', false), 'ERR_DELETED', message, 'checked before the JSON')
    throwsWith(() => m.addTransactions(del.session.slice(0, -1), del.id, del.batch(0), del.sig(), false), 'ERR_DELETED', message, 'no trailing $')
    assert.deepStrictEqual(snapshot(m), before)
    // Delete sessions are still accepted, and are all the known state lists.
    m.addTransactions(del.session, del.id, del.batch(0), del.sig(), false)
    assert.deepStrictEqual(m.getKnownState(), { id: EX_ID, header: true, sessions: { [del.session]: 1 } })
    assert.deepStrictEqual(m.getSessionIds(), [w.session, del.session])
    assert.equal(m.getTransaction(w.session, 0), w.txs[0], 'queries still see every session')
    m.markAsDeleted()
    assert.deepStrictEqual(m.getKnownState().sessions, { [del.session]: 1 })
  })

  test('invalid transactions JSON', () => {
    const m = newMap()
    const s = session('json')
    const cases = [
      ['{}', 'Invalid transactions JSON: invalid type: map, expected a sequence at line 1 column 0'],
      ['', 'Invalid transactions JSON: EOF while parsing a value at line 1 column 0'],
      ['[', 'Invalid transactions JSON: EOF while parsing a list at line 1 column 1'],
    ]
    for (const [json, message] of cases) {
      for (const skipVerify of [false, true]) throwsWith(() => m.addTransactions(s, null, json, 'x', skipVerify), 'ERR_INVALID_TRANSACTION', message, json)
    }
    assert.deepStrictEqual(m.getSessionIds(), [])
  })

  test('invalid transactions JSON: the serde text matches upstream', { skip: noUpstream }, () => {
    for (const json of ['{}', '[t]', '[{"changes":"\\ud800","madeAt":1,"privacy":"t"}]', 'nul', '[{"changes":"x"']) {
      const u = newUpMap()
      const message = (() => {
        try {
          u.addTransactions(session('x'), null, json, 'x', true)
        } catch (e) {
          return e.message
        }
      })()
      assert.ok(message.startsWith('Serialization error: '), message)
      throwsWith(() => newMap().addTransactions(session('x'), null, json, 'x', true), 'ERR_INVALID_TRANSACTION', 'Invalid transactions JSON: ' + message.slice('Serialization error: '.length), json)
    }
  })

  test('invalid transaction fields and madeAt', () => {
    const m = newMap()
    const s = session('fields')
    const ok = '{"changes":"x","madeAt":1,"privacy":"trusting"}'
    const madeAtMessage = (i) => `Invalid transaction at index ${i}: madeAt must be an integer from 0 to 18446744073709551615`
    const cases = [
      ['[{"changes":"x","madeAt":1}]', 'Invalid transaction at index 0: missing string field `privacy`'],
      ['[{"changes":"x","madeAt":1,"privacy":5}]', 'Invalid transaction at index 0: missing string field `privacy`'],
      [`[${ok},{"changes":"x","privacy":"trusting"}]`, 'Invalid transaction at index 1: missing numeric field `madeAt`'],
      ['[{"madeAt":1,"privacy":"trusting"}]', 'Invalid transaction at index 0: needs string `encryptedChanges` and `keyUsed` (private) or string `changes` (trusting)'],
      ['[{"encryptedChanges":"encrypted_U","madeAt":1,"privacy":"private"}]', 'Invalid transaction at index 0: needs string `encryptedChanges` and `keyUsed` (private) or string `changes` (trusting)'],
      ['[{"changes":"x","madeAt":1,"privacy":"trusting","meta":5}]', 'Invalid transaction at index 0: `meta` must be a string'],
      ...['1.0', '1e3', '-1', '1.5', '18446744073709551616', '1E3'].map((v) => [`[${ok},${ok},{"changes":"x","madeAt":${v},"privacy":"trusting"}]`, madeAtMessage(2)]),
    ]
    for (const [json, message] of cases) {
      for (const skipVerify of [false, true]) throwsWith(() => m.addTransactions(s, null, json, 'x', skipVerify), 'ERR_INVALID_TRANSACTION', message, json)
    }
    assert.deepStrictEqual(m.getSessionIds(), [])
    // The extremes of the range are accepted and stored exactly; null meta is dropped.
    m.addTransactions(s, null, '[{"changes":"x","madeAt":18446744073709551615,"privacy":"t"},{"changes":"y","madeAt":0,"privacy":"t","meta":null}]', 'x', true)
    assert.deepStrictEqual(m.getSessionTransactions(s, 0), [trustingTx('x', '18446744073709551615'), trustingTx('y', 0)])
  })

  test('signature verification failed', () => {
    const w = new Writer('verify')
    w.trusting('a')
    w.trusting('b')
    const m = newMap()
    throwsWith(() => m.addTransactions(w.session, w.id, w.batch(0), w.sig(1), false), 'ERR_SIGNATURE_VERIFICATION_FAILED', `Signature verification failed: (hash: ${hashOf(w.txs)})`)
    throwsWith(() => m.addTransactions(w.session, null, w.batch(0), w.sig(), false), 'ERR_SIGNATURE_VERIFICATION_FAILED', `Signature verification failed: no signer id for a new session; (hash: ${hashOf(w.txs)})`)
    const tampered = base58.decode(w.sig().slice('signature_z'.length))
    tampered[5] ^= 1
    throwsWith(() => m.addTransactions(w.session, w.id, w.batch(0), 'signature_z' + base58.encode(tampered), false), 'ERR_SIGNATURE_VERIFICATION_FAILED', `Signature verification failed: (hash: ${hashOf(w.txs)})`)
    throwsWith(() => m.addTransactions(w.session, w.id, w.batch(0), 'signature_z' + base58.encode(tampered.subarray(1)), false), 'ERR_INVALID_LENGTH', 'signature must be 64 bytes, but its base58 decodes to 63 bytes')
    throwsWith(() => m.addTransactions(w.session, w.id, w.batch(0), 'signature_z0', false), 'ERR_INVALID_BASE58', "signature is not valid base58: invalid character '0' at byte 0 after 'signature_z'")
    // An empty batch for a new session needs a signature over the hash of nothing.
    throwsWith(() => m.addTransactions(w.session, w.id, '[]', w.sig(), false), 'ERR_SIGNATURE_VERIFICATION_FAILED', `Signature verification failed: (hash: ${hashOf([])})`)
    assert.deepStrictEqual(m.getSessionIds(), [])
    m.addTransactions(w.session, w.id, '[]', signTxs(w.secret, []), false)
    assert.deepStrictEqual(m.getKnownState().sessions, { [w.session]: 0 })
    assert.equal(m.getLastSignature(w.session), signTxs(w.secret, []))
  })

  test('transaction too large (1 MiB of changesJson is the limit, counted in UTF-8 bytes)', () => {
    const m = newMap()
    const s = session('large')
    const secret = signerSecret('large')
    const key = keySecret('large')
    const exact = 'é'.repeat(512 * 1024) // 1,048,576 UTF-8 bytes, 524,288 UTF-16 units
    const over = exact + 'a'
    const message = 'Transaction too large to be synced: 1048577 bytes > 1048576 bytes limit'
    throwsWith(() => m.makeNewTrustingTransaction(s, secret, over, null, 1), 'ERR_TRANSACTION_TOO_LARGE', message)
    throwsWith(() => m.makeNewPrivateTransaction(s, secret, over, 'key_z1', key, null, 1), 'ERR_TRANSACTION_TOO_LARGE', message)
    throwsWith(() => m.makeNewTrustingTransaction(s, secret, 'x'.repeat(3 * 1024 * 1024), null, 1), 'ERR_TRANSACTION_TOO_LARGE', 'Transaction too large to be synced: 3145728 bytes > 1048576 bytes limit')
    assert.deepStrictEqual(m.getSessionIds(), [])
    const r1 = JSON.parse(m.makeNewTrustingTransaction(s, secret, exact, null, 1))
    assert.equal(r1.transaction.changes, exact)
    const r2 = JSON.parse(m.makeNewPrivateTransaction(s, secret, exact, 'key_z1', key, null, 2))
    assert.equal(r2.transaction.encryptedChanges, encryptField(exact, key, EX_ID, s, 1))
    assert.equal(m.decryptTransaction(s, 1, key), exact)
    // metaJson is not limited.
    const bigMeta = 'm'.repeat(2 * 1024 * 1024)
    JSON.parse(m.makeNewTrustingTransaction(s, secret, 'c', bigMeta, 3))
    assert.equal(m.decryptTransactionMeta(s, 2, key), bigMeta)
    assert.equal(m.getLastSignature(s), signTxs(secret, [trustingTx(exact, 1), privateTx(encryptField(exact, key, EX_ID, s, 1), 'key_z1', 2), trustingTx('c', 3, bigMeta)]))
  })

  test('transaction not found', () => {
    const m = newMap()
    const s = session('nf')
    m.makeNewTrustingTransaction(s, signerSecret('nf'), 'c', 'm', 1)
    const key = keySecret('nf')
    throwsWith(() => m.decryptTransaction(s, 1, key), 'ERR_TRANSACTION_NOT_FOUND', 'Transaction not found at index 1')
    throwsWith(() => m.decryptTransactionMeta(s, 7, key), 'ERR_TRANSACTION_NOT_FOUND', 'Transaction not found at index 7')
    throwsWith(() => m.decryptTransaction(s, -1, key), 'ERR_TRANSACTION_NOT_FOUND', 'Transaction not found at index 4294967295')
    assert.equal(m.decryptTransaction(session('unknown'), 0, key), null)
    assert.equal(m.decryptTransactionMeta(session('unknown'), 5, key), null)
  })

  test('invalid encrypted fields and undecodable plaintext', () => {
    const m = newMap()
    const s = session('enc')
    const key = keySecret('enc')
    const txs = [
      privateTx('plain text', 'key_z1', 1, 'encrypted_U'),
      privateTx('encrypted_Uabc', 'key_z1', 2),
      privateTx('encrypted_U+/8=', 'key_z1', 3),
      privateTx('encrypted_U', 'key_z1', 4, 'not encrypted'),
    ]
    m.addTransactions(s, null, `[${txs.join(',')}]`, 'x', true)
    assert.deepStrictEqual(m.getSessionTransactions(s, 0), txs)
    throwsWith(() => m.decryptTransaction(s, 0, key), 'ERR_INVALID_ENCRYPTED_FIELD', "Invalid encrypted prefix in transaction: expected 'encrypted_U'")
    assert.equal(m.decryptTransactionMeta(s, 0, key), '', 'empty ciphertext decrypts to an empty string')
    throwsWith(() => m.decryptTransaction(s, 1, key), 'ERR_INVALID_BASE64', 'encrypted transaction field is not valid padded base64url', 'unpadded')
    throwsWith(() => m.decryptTransaction(s, 2, key), 'ERR_INVALID_BASE64', 'encrypted transaction field is not valid padded base64url', 'standard alphabet')
    throwsWith(() => m.decryptTransaction(s, 1, 'bad key'), 'ERR_INVALID_BASE64', 'encrypted transaction field is not valid padded base64url', 'the field is checked before the key')
    assert.equal(m.decryptTransaction(s, 3, key), '')
    throwsWith(() => m.decryptTransactionMeta(s, 3, key), 'ERR_INVALID_ENCRYPTED_FIELD', "Invalid encrypted prefix in transaction: expected 'encrypted_U'")
    assert.equal(m.decryptTransactionMeta(s, 1, 'bad key'), null, 'no meta: the key is not parsed')
  })

  test('a wrong key that yields invalid UTF-8', () => {
    const m = newMap()
    const s = session('utf8')
    const right = keySecret('utf8')
    const changes = JSON.stringify([{ op: 'set', key: 'k', value: 'a fairly long value so that garbage is not UTF-8' }])
    m.makeNewPrivateTransaction(s, signerSecret('utf8'), changes, 'key_z1', right, 'meta', 1)
    const encrypted = base64url.decode(JSON.parse(m.getTransaction(s, 0)).encryptedChanges.slice('encrypted_U'.length))
    let wrong = null
    for (let i = 0; i < 200 && wrong === null; i++) {
      const candidate = keySecret(`wrong ${i}`)
      const plain = wasm.decrypt(encrypted, candidate, utf8(nonceMaterial(EX_ID, s, 0)))
      try {
        fromUtf8(plain)
      } catch {
        wrong = candidate
      }
    }
    assert.ok(wrong, 'a key that yields invalid UTF-8 was found')
    throwsWith(() => m.decryptTransaction(s, 0, wrong), 'ERR_DECRYPTED_NOT_UTF8', 'UTF-8 conversion failed: the decrypted data is not text (wrong key?)')
    assert.equal(m.decryptTransaction(s, 0, right), changes)
  })

  test('invalid streaming known state', () => {
    const m = newMap()
    for (const json of ['[]', '{"a":-1}', '{"a":1.5}', 'x', JSON.stringify({ id: EX_ID, header: true, sessions: {} })]) {
      throwsWith(() => m.setStreamingKnownState(json), 'ERR_INVALID_KNOWN_STATE', /^Invalid streaming known state: .+ at line \d+ column \d+$/, json)
    }
    assert.equal(m.isStreaming(), false)
  })

  test('argument types', () => {
    const m = newMap()
    const s = session('args')
    const secret = signerSecret('args')
    const key = keySecret('args')
    m.makeNewTrustingTransaction(s, secret, 'c', null, 1)
    const before = snapshot(m)
    const cases = [
      [() => new ours.SessionMap(undefined, EX_HEADER), 'coId must be a string, got undefined'],
      [() => new ours.SessionMap(EX_ID, 5), 'headerJson must be a string, got number'],
      [() => new ours.SessionMap(EX_ID, {}), 'headerJson must be a string, got object'],
      [() => new ours.SessionMap(EX_ID, EX_HEADER, '100'), 'maxTxSize must be a number, got string'],
      [() => new ours.SessionMap(EX_ID, EX_HEADER, 100, 1), 'skipVerify must be a boolean, got number'],
      [() => new ours.SessionMap(EX_ID, EX_HEADER, 100, 'true'), 'skipVerify must be a boolean, got string'],
      [() => m.addTransactions(s, null, '[]', 'x'), 'skipVerify must be a boolean, got undefined'],
      [() => m.addTransactions(s, null, '[]', 'x', 0), 'skipVerify must be a boolean, got number'],
      [() => m.addTransactions(5, null, '[]', 'x', true), 'sessionId must be a string, got number'],
      [() => m.addTransactions(s, 5, '[]', 'x', true), 'signerId must be a string, got number'],
      [() => m.addTransactions(s, null, [], 'x', true), 'transactionsJson must be a string, got Array'],
      [() => m.addTransactions(s, null, '[]', null, true), 'signature must be a string, got null'],
      [() => m.makeNewTrustingTransaction(s, secret, 'c', null, 'a'), 'madeAt must be a number, got string'],
      [() => m.makeNewTrustingTransaction(s, secret, 'c', null), 'madeAt must be a number, got undefined'],
      [() => m.makeNewTrustingTransaction(s, secret, 'c', null, 1n), 'madeAt must be a number, got bigint'],
      [() => m.makeNewTrustingTransaction(s, Buffer.from(secret), 'c', null, 1), 'signerSecret must be a string, got Uint8Array'],
      [() => m.makeNewTrustingTransaction(s, secret, 'c', 5, 1), 'metaJson must be a string, got number'],
      [() => m.makeNewTrustingTransaction(s, secret, {}, null, 1), 'changesJson must be a string, got object'],
      [() => m.makeNewTrustingTransaction(Symbol('s'), secret, 'c', null, 1), 'sessionId must be a string, got symbol'],
      [() => m.makeNewPrivateTransaction(s, secret, 'c', null, key, null, 1), 'keyId must be a string, got null'],
      [() => m.makeNewPrivateTransaction(s, secret, 'c', 'key_z1', 5, null, 1), 'keySecret must be a string, got number'],
      [() => m.makeNewPrivateTransaction(s, secret, 'c', 'key_z1', key, null, '1'), 'madeAt must be a number, got string'],
      [() => m.getTransactionCount(5), 'sessionId must be a string, got number'],
      [() => m.getTransaction(s, '0'), 'txIndex must be a number, got string'],
      [() => m.getTransaction(s, 0n), 'txIndex must be a number, got bigint'],
      [() => m.getTransaction(null, 0), 'sessionId must be a string, got null'],
      [() => m.getSessionTransactions(s, undefined), 'fromIndex must be a number, got undefined'],
      [() => m.getLastSignature(true), 'sessionId must be a string, got boolean'],
      [() => m.getSignatureAfter(s, null), 'txIndex must be a number, got null'],
      [() => m.getLastSignatureCheckpoint(() => 1), 'sessionId must be a string, got function'],
      [() => m.setStreamingKnownState({}), 'streamingJson must be a string, got object'],
      [() => m.decryptTransaction(s, 'x', key), 'txIndex must be a number, got string'],
      [() => m.decryptTransaction(s, 0, undefined), 'keySecret must be a string, got undefined'],
      [() => m.decryptTransactionMeta(s, 0, new Uint8Array(3)), 'keySecret must be a string, got Uint8Array'],
    ]
    for (const [call, message] of cases) throwsWith(call, 'ERR_INVALID_ARG_TYPE', message, message)
    assert.deepStrictEqual(snapshot(m), before)
  })

  test('upstream: the same calls fail with napi-rs conversion errors', { skip: noUpstream }, () => {
    const m = newUpMap()
    throwsWith(() => m.getTransaction(1, 0), 'StringExpected', 'Failed to convert JavaScript value `Number 1 ` into rust type `String`')
    throwsWith(() => m.addTransactions('s', null, '[]', 'x'), 'BooleanExpected', 'Failed to convert napi value into rust type `bool`')
    throwsWith(() => m.makeNewTrustingTransaction('s', 'x', 'c', null, 'a'), 'NumberExpected', 'Failed to convert napi value String into rust type `f64`')
  })
})

// ---------------------------------------------------------------------------------------------

describe('indices are coerced to u32 as in upstream', () => {
  function build(make) {
    const m = make()
    const s = session('u32')
    for (let i = 0; i < 3; i++) m.makeNewTrustingTransaction(s, signerSecret('u32'), `c${i}`, null, i)
    return { m, s }
  }
  const tx = (i) => trustingTx(`c${i}`, i)

  test('ours', () => {
    const { m, s } = build(() => newMap())
    assert.equal(m.getTransaction(s, -1), null)
    assert.equal(m.getTransaction(s, 2 ** 32), tx(0), '2^32 → 0')
    assert.equal(m.getTransaction(s, 2 ** 32 + 2), tx(2))
    assert.equal(m.getTransaction(s, 1.7), tx(1))
    assert.equal(m.getTransaction(s, -0.5), tx(0))
    assert.equal(m.getTransaction(s, NaN), tx(0))
    assert.equal(m.getTransaction(s, Infinity), tx(0))
    assert.equal(m.getTransaction(s, 3), null)
    assert.deepStrictEqual(m.getSessionTransactions(s, -1), [])
    assert.deepStrictEqual(m.getSessionTransactions(s, 1.9), [tx(1), tx(2)])
    assert.deepStrictEqual(m.getSessionTransactions(s, 3), [])
    assert.deepStrictEqual(m.getSessionTransactions(s, 10), [])
    assert.equal(m.getSessionTransactions(session('unknown'), 0), null)
    assert.equal(m.getSignatureAfter(s, -1), null)
    assert.equal(m.decryptTransaction(s, 2 ** 32 + 1, keySecret('u32')), 'c1')
  })

  test('upstream gives the same results', { skip: noUpstream }, () => {
    const a = build(() => newMap())
    const b = build(() => newUpMap())
    for (const i of [-1, 2 ** 32, 2 ** 32 + 2, 1.7, -0.5, NaN, Infinity, 3, -(2 ** 31), 2 ** 31]) {
      assert.equal(a.m.getTransaction(a.s, i), b.m.getTransaction(b.s, i), `getTransaction(${i})`)
      assert.deepStrictEqual(a.m.getSessionTransactions(a.s, i), b.m.getSessionTransactions(b.s, i), `getSessionTransactions(${i})`)
    }
  })
})

// ---------------------------------------------------------------------------------------------

describe('in-between signatures (checkpoints)', () => {
  const secret = signerSecret('cp')

  function thirtyBytes(i) {
    return `${String(i).padStart(2, '0')}${'-'.repeat(28)}`
  }

  for (const impl of ['ours', 'upstream']) {
    test(`${impl}: maxTxSize 100, 30-byte changes → after indices 3 and 7`, { skip: impl === 'upstream' && noUpstream }, () => {
      const m = impl === 'ours' ? newMap(100) : newUpMap(100)
      const s = session('cp')
      assert.equal(m.getLastSignatureCheckpoint(s), null)
      const sigs = []
      for (let i = 0; i < 11; i++) {
        assert.equal(utf8(thirtyBytes(i)).length, 30)
        sigs.push(JSON.parse(m.makeNewTrustingTransaction(s, secret, thirtyBytes(i), null, i)).signature)
        if (i === 0) assert.equal(m.getLastSignatureCheckpoint(s), -1)
      }
      for (let i = 0; i < 12; i++) assert.equal(m.getSignatureAfter(s, i), i === 3 || i === 7 ? sigs[i] : null, `index ${i}`)
      assert.equal(m.getLastSignatureCheckpoint(s), 7)
      m.makeNewTrustingTransaction(s, secret, thirtyBytes(11), null, 11)
      assert.equal(m.getLastSignatureCheckpoint(s), 11)
    })
  }

  test('maxTxSize 0: an empty change never triggers, a 1-byte change does', () => {
    const m = newMap(0)
    const s = session('cp0')
    m.makeNewTrustingTransaction(s, secret, '', null, 1)
    m.makeNewTrustingTransaction(s, secret, '', null, 2)
    assert.equal(m.getLastSignatureCheckpoint(s), -1)
    const sig = JSON.parse(m.makeNewTrustingTransaction(s, secret, 'x', null, 3)).signature
    assert.equal(m.getLastSignatureCheckpoint(s), 2)
    assert.equal(m.getSignatureAfter(s, 2), sig)
    // A skip-verified empty batch for a new session never records one either.
    m.addTransactions(session('cp0 empty'), null, '[]', 'sig', true)
    assert.equal(m.getLastSignatureCheckpoint(session('cp0 empty')), -1)
    assert.equal(m.getLastSignature(session('cp0 empty')), 'sig')
  })

  test('maxTxSize is coerced to u32: 1.5 → 1, -1 → 4294967295; null/undefined → 102400', () => {
    const a = newMap(1.5)
    const s = session('cp coerce')
    a.makeNewTrustingTransaction(s, secret, 'x', null, 1)
    assert.equal(a.getLastSignatureCheckpoint(s), -1, '1 byte is not more than 1')
    a.makeNewTrustingTransaction(s, secret, 'y', null, 2)
    assert.equal(a.getLastSignatureCheckpoint(s), 1)
    for (const [max, limit] of [[-1, null], [undefined, 102400], [null, 102400]]) {
      const m = newMap(max)
      m.makeNewTrustingTransaction(s, secret, 'z'.repeat(102400), null, 1)
      assert.equal(m.getLastSignatureCheckpoint(s), -1, `${max}: exactly 102400 bytes`)
      m.makeNewTrustingTransaction(s, secret, 'z', null, 2)
      assert.equal(m.getLastSignatureCheckpoint(s), limit === null ? -1 : 1, `${max}: one more byte`)
    }
  })

  test('a batch counts its summed sizes and records the batch signature', () => {
    const w = new Writer('cp batch')
    for (let i = 0; i < 6; i++) w.trusting(thirtyBytes(i))
    const m = newMap(100)
    m.addTransactions(w.session, w.id, w.batch(0, 4), w.sig(4), false)
    assert.equal(m.getLastSignatureCheckpoint(w.session), 3)
    assert.equal(m.getSignatureAfter(w.session, 3), w.sig(4))
    m.addTransactions(w.session, w.id, w.batch(4, 6), w.sig(6), false)
    assert.equal(m.getLastSignatureCheckpoint(w.session), 3)
    assert.equal(m.getSignatureAfter(w.session, 5), null)
  })

  test('private transactions count the length of the whole encryptedChanges string', () => {
    const m = newMap(100)
    const s = session('cp private')
    const key = keySecret('cp')
    // 30 bytes of changes → 'encrypted_U' + 40 base64 characters = 51 bytes each: 51, 102 > 100.
    const sigs = []
    for (let i = 0; i < 4; i++) {
      const r = JSON.parse(m.makeNewPrivateTransaction(s, secret, thirtyBytes(i), 'key_z1', key, null, i))
      assert.equal(r.transaction.encryptedChanges.length, 51)
      sigs.push(r.signature)
    }
    assert.deepStrictEqual([0, 1, 2, 3].map((i) => m.getSignatureAfter(s, i)), [null, sigs[1], null, sigs[3]])
  })
})

// ---------------------------------------------------------------------------------------------

describe('private transactions', () => {
  const secret = signerSecret('priv')
  const key = keySecret('priv')
  const keyId = 'key_z' + base58.encode(bytes32('key id').subarray(0, 12))

  test('round trip, the stored form and the signature, computed independently', () => {
    const m = newMap()
    const s = session('priv')
    const items = [
      ['[{"op":"set","key":"a","value":"\\"quoted\\" \u2028 😀"}]', '{"meta":true}'],
      ['', null],
      ['\u0000\u001f\\', ''],
      ['plain', undefined],
    ]
    const stored = []
    for (const [i, [changes, meta]] of items.entries()) {
      const result = m.makeNewPrivateTransaction(s, secret, changes, keyId, key, meta, 1700000000000 + i)
      const tx = privateTx(encryptField(changes, key, EX_ID, s, i), keyId, 1700000000000 + i, meta == null ? undefined : encryptField(meta, key, EX_ID, s, i))
      stored.push(tx)
      assert.equal(result, `{"signature":"${signTxs(secret, stored)}","transaction":${tx}}`)
      assert.equal(m.getTransaction(s, i), tx)
      assert.equal(m.decryptTransaction(s, i, key), changes)
      assert.equal(m.decryptTransactionMeta(s, i, key), meta ?? null)
    }
    assert.ok(ed25519Verify(signerIdOf(secret), utf8(JSON.stringify(hashOf(stored))), m.getLastSignature(s)))
    // A peer receives them as cojson sends them and decrypts the same.
    const peer = newMap()
    peer.addTransactions(s, signerIdOf(secret), JSON.stringify(stored.map((t) => JSON.parse(t))), m.getLastSignature(s), false)
    for (const [i, [changes, meta]] of items.entries()) {
      assert.equal(peer.decryptTransaction(s, i, key), changes)
      assert.equal(peer.decryptTransactionMeta(s, i, key), meta ?? null)
    }
  })

  test('trusting transactions decrypt to their changes and meta, whatever the key', () => {
    const m = newMap()
    const s = session('trusting')
    m.makeNewTrustingTransaction(s, secret, 'changes', 'meta', 1)
    m.makeNewTrustingTransaction(s, secret, 'changes 2', null, 2)
    assert.equal(m.decryptTransaction(s, 0, 'not a key'), 'changes')
    assert.equal(m.decryptTransactionMeta(s, 0, 'not a key'), 'meta')
    assert.equal(m.decryptTransactionMeta(s, 1, key), null)
  })

  test('nonce material: decrypt by hand with the package decrypt', () => {
    const m = newMap()
    const s = session('nonce')
    const texts = ['first change', '{"x":"second é"}', 'third 😀']
    for (const [i, t] of texts.entries()) m.makeNewPrivateTransaction(s, secret, t, keyId, key, `meta ${i}`, i)
    for (const [i, t] of texts.entries()) {
      const tx = JSON.parse(m.getTransaction(s, i))
      const material = utf8(`{"in":"${EX_ID}","tx":{"sessionID":"${s}","txIndex":${i}}}`)
      for (const [field, expected] of [['encryptedChanges', t], ['meta', `meta ${i}`]]) {
        assert.ok(tx[field].startsWith('encrypted_U'))
        const bytes = base64url.decode(tx[field].slice('encrypted_U'.length))
        assert.equal(fromUtf8(ours.decrypt(bytes, key, material)), expected, `${field} ${i} (package decrypt)`)
        assert.equal(fromUtf8(wasm.decrypt(bytes, key, material)), expected, `${field} ${i} (cojson-core-wasm)`)
        const otherIndex = utf8(`{"in":"${EX_ID}","tx":{"sessionID":"${s}","txIndex":${i + 1}}}`)
        assert.notDeepStrictEqual(ours.decrypt(bytes, key, otherIndex), utf8(expected))
      }
    }
  })
})
