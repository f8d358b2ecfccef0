// Differential tests of SessionMap: ours against the published cojson-core-napi@0.20.19 binary
// (installed as `cojson-core-napi-upstream`), on seeded random workloads.
//
// Each workload is a CoValue held by three "peers" A, B and D. Every peer is a pair of maps, one
// ours and one upstream's, that receive exactly the same calls; after every step every query of
// every map the step touched is compared between the two. Peers write locally (private and
// trusting transactions with awkward unicode), sync to each other with verified addTransactions
// (the batch sent to upstream's map is built from *our* map's transactions and signatures, the
// batch sent to our map from *upstream's*, encoded as plain JSON.stringify in cojson's key
// order, with shuffled keys, or with unusual-but-valid escapes, whitespace and unknown fields),
// receive skip-verified batches, announce streaming known states and get deleted (D writes the
// delete sessions `<account>_session_d<7 bytes>$` that A and B still accept once deleted).
//
// The workload stays inside the behaviour both implement identically; the deliberate differences
// (README / src/session_map/mod.rs) are tested in session-map.test.mjs:
// * no invalid signer ids, no failing batches except whole-document JSON errors (which upstream
//   rejects before touching any session), no failing local writes except on deleted CoValues;
// * a session is either only ever verified-added / locally written, or only ever skip-verified
//   (upstream's hash chain skips skip-verified transactions);
// * streaming announcements never name the announcing peer's own sessions and never give an
//   unknown session a count of 0 (upstream lowers streaming counts on local writes and treats an
//   empty streaming state as streaming);
// * known-state `sessions` are compared as sorted entries (upstream's key order is random).
//
// The seed is printed; rerun with `SM_SEED=<seed> node --test __test__/session-map.differential.test.mjs`.
// `SM_OPS` sets the number of operations per workload (default 400; there are 2 workloads).

import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { createRequire } from 'node:module'
import { Rng as BaseRng, saltedSeed, seedFrom } from './helpers/rng.mjs'

const require = createRequire(import.meta.url)
const ours = require('../napi-crypto.js')
const { base58, base64url } = require('@scure/base')

let up = null
let skip = false
if (process.platform !== 'linux' || process.arch !== 'x64') {
  skip = `the SessionMap differential tests run only on linux-x64 (this is ${process.platform}-${process.arch})`
} else {
  try {
    up = require('cojson-core-napi-upstream')
    if (typeof up.SessionMap !== 'function') throw new Error('no SessionMap export')
  } catch (error) {
    skip = `cojson-core-napi-upstream cannot be loaded: ${String(error && error.message).split('\n')[0]}`
  }
}

const SEED = seedFrom('SM_SEED', 'session-map differential')
const OPS = Math.max(50, Number(process.env.SM_OPS) || 400)
console.log(`# session-map differential: ${OPS} operations per workload (SM_OPS)`)

// ---------------------------------------------------------------------------------------------
// PRNG



class Rng extends BaseRng {
  constructor(salt) {
    super(saltedSeed(SEED, salt))
  }
}

// ---------------------------------------------------------------------------------------------
// Random content

const ASCII = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 .,:;{}[]<>!?#$%&*+-=_|~`\''
const SPECIAL = ['"', '\\', '/', '\\"', '\\\\', '\u0000', '\u0001', '\u0008', '\t', '\n', '\u000b', '\f', '\r', '\u001f', '\u007f']
const UNICODE = ['é', 'ß', 'Ω', 'ж', '漢', '字', '\u00a0', '\u2028', '\u2029', '\ufeff', '\ufffd', '\uffff', '😀', '👩‍💻', '𝄞', '🇩🇪', 'e\u0301']

function randomText(rng, { maxLen = 40, loneSurrogates = false } = {}) {
  const len = rng.bool(0.05) ? rng.range(100, 600) : rng.int(maxLen + 1)
  let s = ''
  for (let i = 0; i < len; i++) {
    const r = rng.next()
    if (r < 0.55) s += ASCII[rng.int(ASCII.length)]
    else if (r < 0.78) s += rng.pick(SPECIAL)
    else if (r < 0.99 || !loneSurrogates) s += rng.pick(UNICODE)
    else s += rng.pick(['\ud800', '\udfff', '\udbff'])
  }
  return s
}

// Something cojson would send as changes/meta: JSON text with random strings inside, or any text.
function randomChanges(rng, opts) {
  if (rng.bool(0.5)) {
    const ops = []
    for (let i = rng.int(3); i >= 0; i--) {
      ops.push(rng.bool() ? { op: 'set', key: randomText(rng, { maxLen: 8 }), value: randomText(rng, opts) } : { op: 'del', key: randomText(rng, { maxLen: 6 }), n: rng.int(1000) })
    }
    return JSON.stringify(ops)
  }
  return randomText(rng, opts)
}

const utf8 = (s) => new TextEncoder().encode(s)

function newSigner(rng) {
  const secret = 'signerSecret_z' + base58.encode(rng.bytes(32))
  const id = up.getSignerId(utf8(secret))
  return { secret, id }
}

function newKey(rng) {
  return { secret: 'keySecret_z' + base58.encode(rng.bytes(32)), id: 'key_z' + base58.encode(rng.bytes(12)) }
}

// cojson's stableStringify, for the header (no encrypted_U strings in headers).
function stableStringify(value) {
  if (value === null || typeof value !== 'object') return JSON.stringify(value)
  if (Array.isArray(value)) return '[' + value.map((v) => (v === undefined ? 'null' : stableStringify(v))).join(',') + ']'
  const keys = Object.keys(value).sort()
  const parts = []
  for (const k of keys) if (value[k] !== undefined) parts.push(JSON.stringify(k) + ':' + stableStringify(value[k]))
  return '{' + parts.join(',') + '}'
}

function randomJsonValue(rng, depth = 0) {
  const r = rng.int(depth > 1 ? 4 : 6)
  switch (r) {
    case 0:
      return randomText(rng, { maxLen: 12 })
    case 1:
      return rng.int(2 ** 31) - 2 ** 30
    case 2:
      return rng.bool()
    case 3:
      return null
    case 4: {
      const out = {}
      for (let i = rng.int(4); i > 0; i--) out['k' + rng.int(100) + rng.pick(['', '_x', 'A'])] = randomJsonValue(rng, depth + 1)
      return out
    }
    default:
      return Array.from({ length: rng.int(4) }, () => randomJsonValue(rng, depth + 1))
  }
}

// A header both implementations hash the same way (meta present, no unknown fields, ASCII meta keys,
// integers only).
function randomHeader(rng) {
  const header = {
    type: rng.pick(['comap', 'colist', 'costream', 'coplaintext', 'BinaryCoStream', 'x"\\\u2028']),
    ruleset: rng.pick([
      () => ({ type: 'unsafeAllowAll' }),
      () => ({ type: 'group', initialAdmin: 'sealer_z' + base58.encode(rng.bytes(32)) + '/signer_z' + base58.encode(rng.bytes(32)) }),
      () => ({ type: 'ownedByGroup', group: 'co_z' + base58.encode(rng.bytes(19)) }),
      () => ({ type: 'ownedByGroup', group: 'co_z' + base58.encode(rng.bytes(19)), restrictDeletion: rng.bool() }),
    ])(),
    meta: rng.bool(0.4) ? null : randomJsonValue(rng),
    uniqueness: rng.pick([
      () => 'z' + base58.encode(rng.bytes(12)),
      () => rng.bool(),
      () => null,
      () => rng.int(2 ** 31) - 2 ** 30,
      () => ({ a: 'z' + base58.encode(rng.bytes(4)), [randomText(rng, { maxLen: 5 }) || 'k']: randomText(rng, { maxLen: 5 }) }),
    ])(),
  }
  if (rng.bool(0.8)) header.createdAt = rng.bool(0.9) ? new Date(1.7e12 + rng.int(1e10)).toISOString() : null
  if (typeof header.uniqueness === 'object' && header.uniqueness !== null) {
    // Rust sorts map keys by bytes, JS by UTF-16 units: keep them in the range where both agree.
    for (const k of Object.keys(header.uniqueness)) if (/[\u{10000}-\u{10FFFF}\ue000-\uffff]/u.test(k) || k === '') delete header.uniqueness[k]
  }
  return header
}

function idForHeader(header) {
  const h = up.shortHash(stableStringify(header))
  assert.ok(h.startsWith('shortHash_z'))
  return 'co_z' + h.slice('shortHash_z'.length)
}

// ---------------------------------------------------------------------------------------------
// Transaction batches in the encodings a peer may send

const MADE_AT_MARK = '\ufdd0madeAt\ufdd0'

// A stored transaction (canonical JSON) as an object; madeAt as a BigInt (it can exceed 2^53).
function parseTx(json) {
  const obj = JSON.parse(json)
  const m = /,"madeAt":(\d+)[,}]/.exec(json)
  assert.ok(m, `no madeAt in ${json}`)
  obj.madeAt = BigInt(m[1])
  return obj
}

function jsonStringifyWithBigInt(value) {
  const text = JSON.stringify(value, (k, v) => (typeof v === 'bigint' ? MADE_AT_MARK + v.toString() : v))
  return text.replace(new RegExp(`"${MADE_AT_MARK}(\\d+)"`, 'g'), '$1')
}

const WS = [' ', '\t', '\n', '\r']

function ws(rng) {
  if (!rng.bool(0.3)) return ''
  let s = ''
  for (let i = rng.range(1, 3); i > 0; i--) s += rng.pick(WS)
  return s
}

const SHORT_ESCAPES = { '"': '\\"', '\\': '\\\\', '\b': '\\b', '\f': '\\f', '\n': '\\n', '\r': '\\r', '\t': '\\t' }

function hex4(code, rng) {
  const h = code.toString(16).padStart(4, '0')
  return '\\u' + (rng.bool() ? h.toUpperCase() : h)
}

// A JSON string literal of `s` with randomly chosen (valid) escapes.
function oddString(s, rng) {
  let out = '"'
  for (const ch of s) {
    const code = ch.codePointAt(0)
    if (ch === '"' || ch === '\\' || code < 0x20) {
      out += SHORT_ESCAPES[ch] && rng.bool(0.6) ? SHORT_ESCAPES[ch] : hex4(code, rng)
    } else if (ch === '/' && rng.bool(0.5)) {
      out += '\\/'
    } else if (rng.bool(0.1)) {
      if (code > 0xffff) {
        const v = code - 0x10000
        out += hex4(0xd800 + (v >> 10), rng) + hex4(0xdc00 + (v & 0x3ff), rng)
      } else {
        out += hex4(code, rng)
      }
    } else {
      out += ch
    }
  }
  return out + '"'
}

function oddValue(value, rng) {
  if (typeof value === 'bigint') return value.toString()
  if (typeof value === 'string') return oddString(value, rng)
  if (value === null || typeof value !== 'object') return JSON.stringify(value)
  if (Array.isArray(value)) return '[' + ws(rng) + value.map((v) => oddValue(v, rng)).join(ws(rng) + ',' + ws(rng)) + ws(rng) + ']'
  return (
    '{' +
    ws(rng) +
    rng
      .shuffle(Object.keys(value))
      .map((k) => oddString(k, rng) + ws(rng) + ':' + ws(rng) + oddValue(value[k], rng))
      .join(ws(rng) + ',' + ws(rng)) +
    ws(rng) +
    '}'
  )
}

const EXTRA_FIELDS = [
  () => ['extra', 1.5],
  () => ['Changes', 'not the changes'],
  () => ['madeat', -1],
  () => ['x', [1, { y: 'z\u2028' }, null, true]],
  () => ['nested', { madeAt: 'x', changes: 5 }],
  () => ['big', 123456789012345678901234567890],
]

// One batch (array of transaction objects) as a JSON string, in a random style.
function encodeBatch(txs, rng, style = rng.weighted([[3, 'cojson'], [3, 'shuffled'], [4, 'odd']])) {
  if (style === 'cojson') {
    // What cojson sends: JSON.stringify of the parsed transactions (keys as the SessionMap wrote them).
    return { style, json: jsonStringifyWithBigInt(txs) }
  }
  if (style === 'shuffled') {
    const shuffled = txs.map((tx) => {
      const out = {}
      for (const k of rng.shuffle(Object.keys(tx))) out[k] = tx[k]
      return out
    })
    return { style, json: jsonStringifyWithBigInt(shuffled) }
  }
  const parts = txs.map((tx) => {
    const obj = { ...tx }
    if (obj.meta === undefined && rng.bool(0.3)) obj.meta = null
    if (rng.bool(0.2)) {
      const [k, v] = rng.pick(EXTRA_FIELDS)()
      obj[k] = v
    }
    if (obj.privacy === 'trusting' && rng.bool(0.05)) obj.encryptedChanges = 7 // not a string: still trusting
    if (rng.bool(0.05)) obj.privacy = rng.pick(['', 'whatever', 'private', 'trusting'])
    return oddValue(obj, rng)
  })
  return { style, json: ws(rng) + '[' + ws(rng) + parts.join(ws(rng) + ',' + ws(rng)) + ws(rng) + ']' + ws(rng) }
}

// ---------------------------------------------------------------------------------------------
// Comparison helpers

function outcome(f) {
  try {
    return { ok: true, value: f() }
  } catch (error) {
    return { ok: false, error }
  }
}

const show = (o) => (o.ok ? `returned ${JSON.stringify(o.value)?.slice(0, 300)}` : `threw ${o.error && o.error.message}`)

// Both return the same value, or both throw. Returns ours' outcome (upstream's as `o.upstream`).
function agree(fo, fu, what) {
  const o = outcome(fo)
  const u = outcome(fu)
  if (o.ok !== u.ok) assert.fail(`${what}: ours ${show(o)}, upstream ${show(u)}`)
  if (o.ok) assert.deepStrictEqual(o.value, u.value, `${what}: ours and upstream differ`)
  o.upstream = u
  return o
}

function sortedSessions(ks) {
  return Object.entries(ks.sessions).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
}

function sameKnownState(o, u, what) {
  if (o === null || u === null) {
    assert.equal(o, u, `${what}: ours ${JSON.stringify(o)}, upstream ${JSON.stringify(u)}`)
    return
  }
  assert.equal(o.id, u.id, `${what}.id`)
  assert.equal(o.header, u.header, `${what}.header`)
  assert.deepStrictEqual(Object.keys(o).sort(), Object.keys(u).sort(), `${what} keys`)
  assert.deepStrictEqual(sortedSessions(o), sortedSessions(u), `${what}.sessions`)
}

// ---------------------------------------------------------------------------------------------
// The workload

class Workload {
  constructor(name) {
    this.name = name
    this.rng = new Rng(name)
    const rng = this.rng
    this.header = randomHeader(rng)
    this.headerJson = rng.bool(0.5) ? JSON.stringify(this.header) : stableStringify(this.header)
    this.coId = idForHeader(this.header)
    this.keys = Array.from({ length: 3 }, () => newKey(rng))
    this.keyById = new Map(this.keys.map((k) => [k.id, k]))
    this.account = 'co_z' + base58.encode(rng.bytes(19))
    // Verified sessions: id → { signer, sigs: signature after index i (from the local writes) }.
    this.sessions = new Map()
    this.peers = ['A', 'B', 'D'].map((p) => this.newPeer(p))
    this.stats = { ops: 0, local: 0, private: 0, sync: 0, synced: 0, cojson: 0, shuffled: 0, odd: 0, skipAdds: 0, streaming: 0, deleted: 0, deleteSessionAdds: 0, rejected: 0, queries: 0 }
    this.log = []
  }

  newPeer(name) {
    const rng = this.rng
    const maxTxSize = rng.pick([0, 1, 40, 100, 250, 1000, undefined, null])
    const ctorSkip = rng.pick([undefined, null, false, true])
    const o = new ours.SessionMap(this.coId, this.headerJson, maxTxSize, ctorSkip)
    const u = new up.SessionMap(this.coId, this.headerJson, maxTxSize, ctorSkip)
    return { name, o, u, maxTxSize, own: [], skipOnly: [], mode: new Map(), deleted: false }
  }

  step(what) {
    this.log.push(what)
    if (this.log.length > 8) this.log.shift()
  }

  context() {
    return `workload ${this.name}, seed ${SEED}, op ${this.stats.ops}; last steps:\n  ${this.log.join('\n  ')}`
  }

  sessionId(deleteSession) {
    const rng = this.rng
    const account = rng.bool(0.7) ? this.account : 'co_z' + base58.encode(rng.bytes(19))
    return deleteSession ? `${account}_session_d${base58.encode(rng.bytes(7))}$` : `${account}_session_z${base58.encode(rng.bytes(8))}`
  }

  count(peer, sessionId) {
    return peer.o.getTransactionCount(sessionId)
  }

  // --- operations -----------------------------------------------------------------------------

  localWrite(peer) {
    const rng = this.rng
    let session
    if (peer.own.length === 0 || (peer.own.length < (peer.name === 'D' ? 2 : 3) && rng.bool(0.15))) {
      session = { id: this.sessionId(peer.name === 'D'), signer: newSigner(rng), sigs: [], owner: peer.name }
      if (rng.bool(0.3) && peer.own.length > 0) session.signer = peer.own[0].signer // same agent, another session
      this.sessions.set(session.id, session)
      peer.own.push(session)
      peer.mode.set(session.id, 'verified')
    } else {
      session = rng.pick(peer.own)
    }
    const changes = randomChanges(rng, { loneSurrogates: true })
    const meta = rng.weighted([[5, undefined], [2, null], [1, ''], [4, 'meta']])
    const metaJson = meta === 'meta' ? randomChanges(rng, { maxLen: 20 }) : meta
    const madeAt = rng.weighted([
      [10, 1.7e12 + rng.int(1e9)],
      [1, 0],
      [1, rng.next() * 1000],
      [1, -rng.int(1000)],
      [1, 2 ** 53 + rng.int(1000) * 2],
      [1, 1e20],
      [1, NaN],
      [1, Infinity],
    ])
    const priv = rng.bool(0.5)
    const key = rng.pick(this.keys)
    const args = priv ? [session.id, session.signer.secret, changes, key.id, key.secret, metaJson, madeAt] : [session.id, session.signer.secret, changes, metaJson, madeAt]
    const method = priv ? 'makeNewPrivateTransaction' : 'makeNewTrustingTransaction'
    this.step(`${peer.name}.${method}(${session.id.slice(-6)}, changes ${JSON.stringify(changes).slice(0, 40)}…, meta ${JSON.stringify(metaJson)?.slice(0, 20)}, madeAt ${madeAt})`)
    const o = agree(() => peer.o[method](...args), () => peer.u[method](...args), `${peer.name}.${method}`)
    if (peer.deleted) {
      assert.equal(o.ok, false, 'a deleted CoValue accepted a local write')
      assert.equal(o.error.message, `Cannot add to deleted CoValue: ${this.coId}`)
      assert.equal(o.upstream.error.message, o.error.message)
      this.stats.rejected++
      return
    }
    assert.ok(o.ok, `local write failed: ${show(o)}`)
    const result = JSON.parse(o.value)
    assert.deepStrictEqual(Object.keys(result), ['signature', 'transaction'])
    const index = session.sigs.length
    session.sigs.push(result.signature)
    assert.equal(peer.o.getTransactionCount(session.id), index + 1)
    // The returned transaction is the stored one, verbatim.
    assert.equal(o.value, `{"signature":"${result.signature}","transaction":${peer.o.getTransaction(session.id, index)}}`)
    if (priv) {
      // Lone surrogates reach both addons as U+FFFD.
      const expected = changes.toWellFormed()
      assert.equal(peer.o.decryptTransaction(session.id, index, key.secret), expected, 'private round trip (ours)')
      assert.equal(peer.o.decryptTransactionMeta(session.id, index, key.secret), metaJson == null ? null : metaJson.toWellFormed())
    }
    this.stats.local++
    if (priv) this.stats.private++
  }

  // Send transactions of a verified session from src to dst (ours-made → upstream, upstream-made → ours).
  sync(src, dst, forcedSession) {
    const rng = this.rng
    const candidates = []
    for (const s of this.sessions.values()) {
      const have = this.count(src, s.id)
      const mode = src.mode.get(s.id)
      if (have < 0 || mode === undefined) continue
      if (s.owner === dst.name) continue
      const dstHave = Math.max(0, this.count(dst, s.id))
      if (have > dstHave || (have === dstHave && rng.bool(0.05))) candidates.push(s)
    }
    const session = forcedSession || (candidates.length ? rng.pick(candidates) : null)
    if (!session) return false
    const srcCount = this.count(src, session.id)
    const from = Math.max(0, this.count(dst, session.id))
    if (from > srcCount) return false
    const fresh = this.count(dst, session.id) < 0
    const to = from === srcCount || (fresh && rng.bool(0.04)) ? from : rng.range(from + 1, Math.min(srcCount, from + rng.pick([1, 2, 3, 8, 40])))
    let signature
    if (to === 0) {
      // An empty batch for a new session: a signature over the hash of nothing.
      const emptyHash = 'hash_z' + base58.encode(up.blake3HashOnce(new Uint8Array(0)))
      signature = up.sign(utf8(JSON.stringify(emptyHash)), utf8(session.signer.secret))
    } else {
      signature = session.sigs[to - 1]
    }
    const txsFromOurs = []
    const txsFromUp = []
    for (let i = from; i < to; i++) {
      txsFromOurs.push(parseTx(src.o.getTransaction(session.id, i)))
      txsFromUp.push(parseTx(src.u.getTransaction(session.id, i)))
    }
    const forUp = encodeBatch(txsFromOurs, rng)
    const forOurs = encodeBatch(txsFromUp, rng)
    let mode = dst.mode.get(session.id)
    if (mode === undefined) mode = rng.bool(0.15) ? 'skip' : 'verified'
    const skipVerify = mode === 'skip'
    const isNew = this.count(dst, session.id) < 0
    const signerId = isNew ? session.signer.id : rng.pick([session.signer.id, null, undefined])
    this.step(`sync ${src.name}→${dst.name} ${session.id.slice(-8)} [${from}, ${to}) ${skipVerify ? 'skipVerify' : 'verified'}; to upstream: ${forUp.style} ${forUp.json.slice(0, 80)}…; to ours: ${forOurs.style}`)
    const o = outcome(() => dst.o.addTransactions(session.id, signerId, forOurs.json, signature, skipVerify))
    const u = outcome(() => dst.u.addTransactions(session.id, signerId, forUp.json, signature, skipVerify))
    const deleteSession = session.id.includes('_session_d') && session.id.endsWith('$')
    if (dst.deleted && !deleteSession) {
      assert.equal(o.ok, false, `ours accepted a batch for a deleted CoValue (${this.context()})`)
      assert.equal(u.ok, false, 'upstream accepted a batch for a deleted CoValue')
      assert.equal(o.error.message, `Cannot add to deleted CoValue: ${this.coId}`)
      assert.equal(u.error.message, o.error.message)
      this.stats.rejected++
      return true
    }
    assert.ok(u.ok, `upstream rejected a batch made by ours (${forUp.style}): ${show(u)}\n  batch: ${forUp.json.slice(0, 500)}\n  ${this.context()}`)
    assert.ok(o.ok, `ours rejected a batch made by upstream (${forOurs.style}): ${show(o)}\n  batch: ${forOurs.json.slice(0, 500)}\n  ${this.context()}`)
    dst.mode.set(session.id, mode)
    assert.equal(this.count(dst, session.id), to)
    if (!skipVerify && to > from) {
      this.stats[forUp.style]++
      this.stats[forOurs.style]++
    }
    this.stats.sync++
    this.stats.synced += to - from
    if (dst.deleted) this.stats.deleteSessionAdds++
    return true
  }

  // Skip-verified batches of arbitrary transactions into a session that never gets anything else.
  skipAdd(peer) {
    const rng = this.rng
    let s
    if (peer.skipOnly.length === 0 || (peer.skipOnly.length < 2 && rng.bool(0.2))) {
      s = { id: this.sessionId(rng.bool(0.2)), signerId: rng.bool(0.5) ? newSigner(rng).id : rng.pick([null, undefined]) }
      peer.skipOnly.push(s)
      peer.mode.set(s.id, 'skip')
    } else {
      s = rng.pick(peer.skipOnly)
    }
    const txs = []
    for (let n = rng.weighted([[1, 0], [4, 1], [3, 2], [2, 5]]); n > 0; n--) txs.push(this.randomTx(rng))
    const a = encodeBatch(txs, rng)
    const b = rng.bool(0.5) ? a : encodeBatch(txs, rng)
    const signature = rng.pick([() => 'signature_z' + base58.encode(rng.bytes(64)), () => randomText(rng, { maxLen: 10 }), () => ''])()
    const signerId = this.count(peer, s.id) < 0 ? s.signerId : rng.pick([s.signerId, null])
    this.step(`${peer.name}.addTransactions(${s.id.slice(-8)}, skipVerify) ${a.style}: ${a.json.slice(0, 100)}`)
    const o = agree(
      () => peer.o.addTransactions(s.id, signerId, a.json, signature, true),
      () => peer.u.addTransactions(s.id, signerId, b.json, signature, true),
      `${peer.name}.addTransactions(skipVerify)`,
    )
    if (!o.ok) {
      const deleteSession = s.id.includes('_session_d') && s.id.endsWith('$')
      assert.ok(peer.deleted && !deleteSession, `skip-verified add failed: ${show(o)}`)
      this.stats.rejected++
    } else {
      this.stats.skipAdds++
    }
  }

  randomTx(rng) {
    const madeAt = rng.weighted([
      [6, BigInt(1.7e12 + rng.int(1e9))],
      [1, 0n],
      [1, 18446744073709551615n],
      [1, BigInt(rng.int(2 ** 31)) * BigInt(rng.int(2 ** 31)) + 2n ** 53n],
    ])
    const meta = rng.bool(0.4) ? undefined : null
    if (rng.bool(0.5)) {
      const tx = { changes: randomChanges(rng), madeAt, privacy: 'trusting' }
      if (meta === null) tx.meta = randomChanges(rng, { maxLen: 10 })
      return tx
    }
    const key = rng.pick(this.keys)
    const encrypted = () =>
      rng.weighted([
        [8, () => 'encrypted_U' + base64url.encode(rng.bytes(rng.int(30)))],
        [2, () => 'encrypted_U' + base64url.encode(ours.encrypt(utf8(randomChanges(rng)), key.secret, utf8('{"in":"x"}')))],
        [1, () => 'encrypted_U' + base64url.encode(rng.bytes(1 + rng.int(9))).replace(/=+$/, '')],
        [1, () => randomText(rng, { maxLen: 8 })],
      ])()
    const tx = { encryptedChanges: encrypted(), keyUsed: rng.bool(0.8) ? key.id : randomText(rng, { maxLen: 6 }), madeAt, privacy: 'private' }
    if (meta === null) tx.meta = encrypted()
    return tx
  }

  streaming(peer) {
    const rng = this.rng
    const entries = {}
    const candidates = [...this.sessions.values()].filter((s) => s.owner !== peer.name).map((s) => s.id)
    for (const other of this.peers) if (other !== peer) for (const s of other.skipOnly) candidates.push(s.id)
    for (const s of peer.skipOnly) candidates.push(s.id)
    for (let n = rng.int(4); n > 0 && candidates.length; n--) {
      const id = rng.pick(candidates)
      const have = this.count(peer, id)
      if (have < 0) entries[id] = rng.range(1, 6)
      else entries[id] = rng.range(0, have + 4)
    }
    const json = rng.bool(0.2) ? JSON.stringify(entries, null, 1) : JSON.stringify(entries)
    this.step(`${peer.name}.setStreamingKnownState(${json.replace(/\s+/g, '')})`)
    agree(() => peer.o.setStreamingKnownState(json), () => peer.u.setStreamingKnownState(json), `${peer.name}.setStreamingKnownState`)
    this.stats.streaming++
  }

  markAsDeleted(peer) {
    this.step(`${peer.name}.markAsDeleted()`)
    peer.o.markAsDeleted()
    peer.u.markAsDeleted()
    peer.deleted = true
    this.stats.deleted++
  }

  // Whole-document JSON errors: upstream rejects them before touching any session.
  invalidBatch(peer) {
    const rng = this.rng
    const json = rng.pick(['', '[', '{}', '[{"changes":"x","madeAt":1,"privacy":"trusting"}', 'null', '"[]"', '[1]', '[{}]', '[{"changes":5,"madeAt":1,"privacy":"trusting"}]', '[] []'])
    const id = rng.bool(0.5) && peer.own.length ? rng.pick(peer.own).id : this.sessionId(false)
    this.step(`${peer.name}.addTransactions(${id.slice(-8)}, ${JSON.stringify(json)}) (invalid)`)
    const o = agree(
      () => peer.o.addTransactions(id, newSigner(rng).id, json, 'signature_z1', rng.bool()),
      () => peer.u.addTransactions(id, null, json, 'signature_z1', true),
      `${peer.name}.addTransactions(invalid JSON)`,
    )
    assert.equal(o.ok, false)
    this.stats.rejected++
  }

  // --- comparison ------------------------------------------------------------------------------

  compare(peer) {
    const { o, u } = peer
    const rng = this.rng
    const what = (q) => `${peer.name}.${q} (${this.context()})`
    assert.equal(o.getHeader(), u.getHeader(), what('getHeader()'))
    assert.equal(o.isDeleted(), u.isDeleted(), what('isDeleted()'))
    assert.equal(o.isDeleted(), peer.deleted)
    assert.equal(o.isStreaming(), u.isStreaming(), what('isStreaming()'))
    sameKnownState(o.getKnownState(), u.getKnownState(), what('getKnownState()'))
    sameKnownState(o.getKnownStateWithStreaming(), u.getKnownStateWithStreaming(), what('getKnownStateWithStreaming()'))
    const ids = o.getSessionIds()
    assert.deepStrictEqual(ids, u.getSessionIds(), what('getSessionIds()'))
    const unknown = this.sessionId(false)
    const probes = [...ids, unknown]
    for (const id of probes) {
      const n = o.getTransactionCount(id)
      assert.equal(n, u.getTransactionCount(id), what(`getTransactionCount(${id})`))
      if (id === unknown) assert.equal(n, -1)
      for (let i = -1; i <= Math.max(n, 0); i++) {
        const idx = i === -1 ? -1 : i
        assert.equal(o.getTransaction(id, idx), u.getTransaction(id, idx), what(`getTransaction(${id}, ${idx})`))
        assert.equal(o.getSignatureAfter(id, idx), u.getSignatureAfter(id, idx), what(`getSignatureAfter(${id}, ${idx})`))
        if (i >= 0) {
          let keyFor = this.keys[0]
          const tx = i < n ? JSON.parse(o.getTransaction(id, i)) : null
          if (tx && this.keyById.has(tx.keyUsed)) keyFor = this.keyById.get(tx.keyUsed)
          const wrong = rng.pick(this.keys.filter((k) => k !== keyFor))
          for (const key of [keyFor, wrong]) {
            agree(() => o.decryptTransaction(id, i, key.secret), () => u.decryptTransaction(id, i, key.secret), what(`decryptTransaction(${id}, ${i})`))
            agree(() => o.decryptTransactionMeta(id, i, key.secret), () => u.decryptTransactionMeta(id, i, key.secret), what(`decryptTransactionMeta(${id}, ${i})`))
          }
          this.stats.queries += 4
        }
      }
      for (const from of new Set([0, 1, Math.max(0, n - 1), n, n + 1, rng.int(n + 2)])) {
        assert.deepStrictEqual(o.getSessionTransactions(id, from), u.getSessionTransactions(id, from), what(`getSessionTransactions(${id}, ${from})`))
      }
      assert.equal(o.getLastSignature(id), u.getLastSignature(id), what(`getLastSignature(${id})`))
      assert.equal(o.getLastSignatureCheckpoint(id), u.getLastSignatureCheckpoint(id), what(`getLastSignatureCheckpoint(${id})`))
      this.stats.queries += 3 * (n + 2) + 10
    }
  }

  // --- driver ----------------------------------------------------------------------------------

  run(ops) {
    const rng = this.rng
    const [A, B, D] = this.peers
    for (const p of this.peers) this.compare(p)
    for (let op = 0; op < ops; op++) {
      this.stats.ops = op
      let kind = rng.weighted([
        [30, 'local'],
        [30, 'sync'],
        [8, 'skip'],
        [8, 'streaming'],
        [2, 'invalid'],
        [op > ops * 0.5 ? 0.3 : 0, 'delete'],
      ])
      // One of A and B is always deleted at 70% of the run (the other maybe at random).
      if (op === Math.floor(ops * 0.7)) kind = 'scheduled delete'
      let touched
      switch (kind) {
        case 'local': {
          const peer = rng.weighted([[4, A], [4, B], [1.5, D]])
          // Upstream lowers streaming counts on local writes; only our own sessions are ever written
          // here and they are never announced as streaming, so this stays identical.
          this.localWrite(peer)
          touched = [peer]
          break
        }
        case 'sync': {
          const [src, dst] = rng.shuffle([A, B, D])
          if (!this.sync(src, dst)) continue
          touched = [dst]
          break
        }
        case 'skip': {
          const peer = rng.pick([A, B, D])
          this.skipAdd(peer)
          touched = [peer]
          break
        }
        case 'streaming': {
          const peer = rng.pick([A, B, D])
          this.streaming(peer)
          touched = [peer]
          break
        }
        case 'invalid': {
          const peer = rng.pick([A, B, D])
          this.invalidBatch(peer)
          touched = [peer]
          break
        }
        case 'scheduled delete':
        case 'delete': {
          const peer = kind === 'delete' ? rng.pick([A, B]) : this.name.endsWith('1') ? A : B
          this.markAsDeleted(peer)
          touched = [peer]
          break
        }
      }
      for (const p of touched) this.compare(p)
    }
    // Catch up: every peer gets every verified session it can still accept, then a full comparison.
    for (const dst of this.peers) {
      for (const s of this.sessions.values()) {
        const src = this.peers.find((p) => p.name === s.owner)
        if (src === dst) continue
        let guard = 0
        while (this.count(dst, s.id) < this.count(src, s.id) && guard++ < 100) {
          const before = this.count(dst, s.id)
          this.sync(src, dst, s)
          if (this.count(dst, s.id) === before) break
        }
      }
    }
    for (const p of this.peers) this.compare(p)
  }
}

// ---------------------------------------------------------------------------------------------

describe('SessionMap differential: ours vs cojson-core-napi@0.20.19', { skip }, () => {
  for (const name of ['workload 1', 'workload 2']) {
    test(`random ${name}`, (t) => {
      t.diagnostic(`seed ${SEED} (SM_SEED=${SEED} reproduces this run)`)
      const w = new Workload(name)
      w.run(OPS)
      t.diagnostic(`${name}: ${JSON.stringify(w.stats)}; header ${JSON.stringify(w.headerJson.slice(0, 120))}`)
      // The run must actually have exercised what it is meant to.
      assert.ok(w.stats.local >= OPS / 5, `only ${w.stats.local} local writes`)
      assert.ok(w.stats.sync >= OPS / 10, `only ${w.stats.sync} syncs`)
      assert.ok(w.stats.skipAdds > 0 && w.stats.streaming > 0)
      assert.ok(w.stats.private > 0 && w.stats.private < w.stats.local, 'both private and trusting writes')
      assert.ok(w.stats.cojson > 0 && w.stats.shuffled > 0 && w.stats.odd > 0, 'every batch encoding was verified')
      assert.ok(w.stats.deleted > 0 && w.stats.deleteSessionAdds > 0, 'a deleted CoValue received delete-session transactions')
      const checkpoints = w.peers.flatMap((p) => p.o.getSessionIds().map((id) => p.o.getLastSignatureCheckpoint(id))).filter((c) => c >= 0)
      t.diagnostic(`${name}: ${checkpoints.length} sessions with in-between signatures`)
    })
  }

  test('a fixed scenario: checkpoints, streaming, deletion and cross-verification', () => {
    // A deterministic companion to the random workloads, so the interesting paths always run.
    const rng = new Rng('fixed')
    const header = { type: 'comap', ruleset: { type: 'unsafeAllowAll' }, meta: null, uniqueness: 'zFixed', createdAt: '2024-01-01T00:00:00.000Z' }
    const coId = idForHeader(header)
    const headerJson = JSON.stringify(header)
    const mk = () => ({ o: new ours.SessionMap(coId, headerJson, 60), u: new up.SessionMap(coId, headerJson, 60) })
    const writer = mk()
    const reader = mk()
    const signer = newSigner(rng)
    const key = newKey(rng)
    const sid = `co_zAccount_session_z${base58.encode(rng.bytes(8))}`
    const sigs = []
    for (let i = 0; i < 12; i++) {
      const changes = JSON.stringify([{ op: 'set', key: 'k' + i, value: 'v"\\\u2028😀'.repeat(i % 4) }])
      const args = i % 2 ? [sid, signer.secret, changes, key.id, key.secret, i % 3 ? null : '{"m":1}', 1.7e12 + i] : [sid, signer.secret, changes, i % 3 ? undefined : 'meta\n', 1.7e12 + i]
      const method = i % 2 ? 'makeNewPrivateTransaction' : 'makeNewTrustingTransaction'
      const ro = writer.o[method](...args)
      assert.equal(ro, writer.u[method](...args), `${method} #${i}`)
      sigs.push(JSON.parse(ro).signature)
      assert.equal(writer.o.decryptTransaction(sid, i, key.secret), changes)
    }
    assert.ok(writer.o.getLastSignatureCheckpoint(sid) >= 0, 'the scenario must produce in-between signatures')
    reader.o.setStreamingKnownState(JSON.stringify({ [sid]: 12 }))
    reader.u.setStreamingKnownState(JSON.stringify({ [sid]: 12 }))
    let from = 0
    for (const to of [3, 4, 9, 12]) {
      const batch = (m) => jsonStringifyWithBigInt(Array.from({ length: to - from }, (_, j) => parseTx(m.getTransaction(sid, from + j))))
      reader.u.addTransactions(sid, signer.id, batch(writer.o), sigs[to - 1], false)
      reader.o.addTransactions(sid, signer.id, batch(writer.u), sigs[to - 1], false)
      assert.equal(reader.o.isStreaming(), reader.u.isStreaming())
      assert.equal(reader.o.isStreaming(), to < 12)
      sameKnownState(reader.o.getKnownStateWithStreaming(), reader.u.getKnownStateWithStreaming(), `streaming after ${to}`)
      from = to
    }
    for (let i = 0; i < 12; i++) {
      assert.equal(reader.o.getTransaction(sid, i), writer.u.getTransaction(sid, i))
      assert.equal(reader.o.getSignatureAfter(sid, i), reader.u.getSignatureAfter(sid, i))
      assert.equal(reader.o.decryptTransaction(sid, i, key.secret), writer.u.decryptTransaction(sid, i, key.secret))
      assert.equal(reader.o.decryptTransactionMeta(sid, i, key.secret), writer.u.decryptTransactionMeta(sid, i, key.secret))
    }
    assert.equal(reader.o.getLastSignatureCheckpoint(sid), reader.u.getLastSignatureCheckpoint(sid))
    assert.equal(reader.o.getLastSignature(sid), sigs[11])
    const del = `co_zAccount_session_d${base58.encode(rng.bytes(7))}$`
    const delSig = JSON.parse(writer.o.makeNewTrustingTransaction(del, signer.secret, '[{"op":"set","key":"deleted","value":true}]', null, 1.8e12)).signature
    writer.u.makeNewTrustingTransaction(del, signer.secret, '[{"op":"set","key":"deleted","value":true}]', null, 1.8e12)
    for (const m of [reader.o, reader.u]) m.markAsDeleted()
    reader.o.addTransactions(del, signer.id, `[${writer.u.getTransaction(del, 0)}]`, delSig, false)
    reader.u.addTransactions(del, signer.id, `[${writer.o.getTransaction(del, 0)}]`, delSig, false)
    sameKnownState(reader.o.getKnownState(), reader.u.getKnownState(), 'deleted known state')
    assert.deepStrictEqual(reader.o.getKnownState().sessions, { [del]: 1 })
    assert.deepStrictEqual(reader.o.getSessionIds(), reader.u.getSessionIds())
    assert.deepStrictEqual(reader.o.getSessionIds(), [sid, del])
  })
})
