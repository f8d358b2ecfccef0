// The secrets test (issue "Reliability and security, proven"): every export and method that takes
// a secret gets malformed variants of a random secret (a bad character inserted or replacing one,
// truncated, extended, a wrong prefix, invalid UTF-8 for byte arguments, the wrong JS type, raw
// keys of the wrong length), and no error may reveal the secret: neither `error.message`, nor
// `String(error)`, nor the first line of `error.stack`, nor any other own string property may
// contain the secret string, its base58 part, any 8-character substring of the base58 part, the
// hex of the raw secret bytes (or any 16-hex-digit = 8-byte substring of it), or the raw bytes
// decoded as latin1 (or any 8-character substring of that).
//
// Secrets are drawn from a seeded generator; the seed is printed (SECRETS_TEST_SEED=<n> repeats a
// run).

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createRequire } from 'node:module'
import { Rng, seedFrom } from './helpers/rng.mjs'
import { utf8, hex, latin1, concat, det } from './helpers/bytes.mjs'

const require = createRequire(import.meta.url)
const pkg = require('../napi-crypto.js')
const { base58 } = require('@scure/base')

const SEED = seedFrom('SECRETS_TEST_SEED', 'secrets')
const rng = new Rng(SEED)
const ROUNDS = 3


// ---------------------------------------------------------------------------------------------
// Fixtures (public values the calls need besides the secret)

const fixedSealerSecretA = 'sealerSecret_z' + base58.encode(det(32, 2))
const fixedSealerSecretB = 'sealerSecret_z' + base58.encode(det(32, 3))
const sealerIdA = pkg.getSealerId(utf8(fixedSealerSecretA))
const sealerIdB = pkg.getSealerId(utf8(fixedSealerSecretB))
const keySecretFixed = 'keySecret_z' + base58.encode(det(32, 4))
const msg = (big) => det(big ? 100 : 10, 5)
const nm = () => utf8('nonce material')
const sealedFromA = (big) => pkg.seal(msg(big), fixedSealerSecretA, sealerIdB, nm())
const groupSealedToB = (big) => pkg.sealForGroup(msg(big), sealerIdB, nm())

const EX_HEADER = '{"createdAt":"2024-01-01T00:00:00.000Z","meta":null,"ruleset":{"type":"unsafeAllowAll"},"type":"comap","uniqueness":"zUnique123"}'
const EX_ID = 'co_zZo6gaxUzJk7pNhaa5XHy4d43Z2'
const SESSION = 'co_zAccount_session_zSecrets1'
const signerSecretFixed = 'signerSecret_z' + base58.encode(det(32, 1))
const KEY_ID = 'key_zSecretsTest'

// A map with one private transaction in SESSION, for decryptTransaction(Meta).
function mapWithPrivateTx(make = () => new pkg.SessionMap(EX_ID, EX_HEADER)) {
  const m = make()
  m.makeNewPrivateTransaction(SESSION, signerSecretFixed, '[{"op":"set"}]', KEY_ID, keySecretFixed, '{"meta":1}', 1700000000000)
  return m
}

const napi = await pkg.NapiCrypto.create()
const napiSealed = napi.seal({ message: { a: 1 }, from: fixedSealerSecretA, to: sealerIdB, nOnceMaterial: { n: 1 } })
const napiGroupSealed = napi.sealForGroup({ message: { a: 1 }, to: sealerIdB, nOnceMaterial: { n: 1 } })
const napiEncrypted = napi.encrypt({ a: 1 }, keySecretFixed, { n: 1 })
const payloadKey = { id: 'key_zPayload', secret: 'keySecret_z' + base58.encode(det(32, 9)) }

// ---------------------------------------------------------------------------------------------
// Targets: [name, kind, prefix, call(secret)]. kind: 'string' (a secret string), 'bytes' (its
// UTF-8 bytes), 'raw' (32 raw key bytes). `swallows`: the method returns undefined instead of
// throwing (NapiCrypto's decrypt family). `napi`: cojson's CryptoProvider API (string variants only;
// its errors need not carry a code).

const SIGNER = 'signerSecret_z'
const SEALER = 'sealerSecret_z'
const KEY = 'keySecret_z'

const TARGETS = [
  { name: 'sign(message, secret)', kind: 'bytes', prefix: SIGNER, call: (s) => pkg.sign(msg(), s) },
  { name: 'getSignerId(secret)', kind: 'bytes', prefix: SIGNER, call: (s) => pkg.getSignerId(s) },
  { name: 'getSealerId(secret)', kind: 'bytes', prefix: SEALER, call: (s) => pkg.getSealerId(s) },
  ...[false, true].flatMap((big) => {
    const size = big ? ' [>64 bytes]' : ''
    return [
      { name: `encrypt(…, keySecret, …)${size}`, kind: 'string', prefix: KEY, call: (s) => pkg.encrypt(msg(big), s, nm()) },
      { name: `decrypt(…, keySecret, …)${size}`, kind: 'string', prefix: KEY, call: (s) => pkg.decrypt(msg(big), s, nm()) },
      { name: `seal(…, senderSecret, …)${size}`, kind: 'string', prefix: SEALER, call: (s) => pkg.seal(msg(big), s, sealerIdB, nm()) },
      // The right secret for these boxes is fixedSealerSecretB; a random one fails authentication,
      // which is also an error that must not echo it.
      { name: `unseal(…, recipientSecret, …)${size}`, kind: 'string', prefix: SEALER, call: (s) => pkg.unseal(sealedFromA(big), s, sealerIdA, nm()), validThrows: 'ERR_DECRYPTION_FAILED' },
      { name: `unsealForGroup(…, recipientSecret, …)${size}`, kind: 'string', prefix: SEALER, call: (s) => pkg.unsealForGroup(groupSealedToB(big), s, nm()), validThrows: 'ERR_DECRYPTION_FAILED' },
      { name: `encryptXsalsa20(key, …)${size}`, kind: 'raw', call: (k) => pkg.encryptXsalsa20(k, nm(), msg(big)) },
      { name: `decryptXsalsa20(key, …)${size}`, kind: 'raw', call: (k) => pkg.decryptXsalsa20(k, nm(), msg(big)) },
    ]
  }),
  { name: 'ed25519Sign(signingKey, …)', kind: 'raw', call: (k) => pkg.ed25519Sign(k, msg()) },
  { name: 'ed25519SigningKeySign(signingKey, …)', kind: 'raw', call: (k) => pkg.ed25519SigningKeySign(k, msg()) },
  { name: 'ed25519VerifyingKey(signingKey)', kind: 'raw', call: (k) => pkg.ed25519VerifyingKey(k) },
  { name: 'ed25519SigningKeyToPublic(signingKey)', kind: 'raw', call: (k) => pkg.ed25519SigningKeyToPublic(k) },
  { name: 'ed25519SigningKeyFromBytes(bytes)', kind: 'raw', call: (k) => pkg.ed25519SigningKeyFromBytes(k) },
  { name: 'x25519PublicKey(privateKey)', kind: 'raw', call: (k) => pkg.x25519PublicKey(k) },
  { name: 'x25519DiffieHellman(privateKey, …)', kind: 'raw', call: (k) => pkg.x25519DiffieHellman(k, pkg.x25519PublicKey(det(32, 3))) },
  {
    name: 'SessionMap#makeNewPrivateTransaction(…, signerSecret, …)',
    kind: 'string',
    prefix: SIGNER,
    call: (s) => new pkg.SessionMap(EX_ID, EX_HEADER).makeNewPrivateTransaction(SESSION, s, '[1]', KEY_ID, keySecretFixed, null, 1),
  },
  {
    name: 'SessionMap#makeNewPrivateTransaction(…, keySecret, …)',
    kind: 'string',
    prefix: KEY,
    call: (s) => new pkg.SessionMap(EX_ID, EX_HEADER).makeNewPrivateTransaction(SESSION, signerSecretFixed, '[1]', KEY_ID, s, '{"m":1}', 1),
  },
  {
    name: 'SessionMap#makeNewTrustingTransaction(…, signerSecret, …)',
    kind: 'string',
    prefix: SIGNER,
    call: (s) => new pkg.SessionMap(EX_ID, EX_HEADER).makeNewTrustingTransaction(SESSION, s, '[1]', null, 1),
  },
  // Unauthenticated: a wrong but well-formed key gives garbage (here usually not UTF-8: an error).
  { name: 'SessionMap#decryptTransaction(…, keySecret)', kind: 'string', prefix: KEY, call: (s) => mapWithPrivateTx().decryptTransaction(SESSION, 0, s), validMayThrow: true },
  { name: 'SessionMap#decryptTransactionMeta(…, keySecret)', kind: 'string', prefix: KEY, call: (s) => mapWithPrivateTx().decryptTransactionMeta(SESSION, 0, s), validMayThrow: true },

  // NapiCrypto (cojson's CryptoProvider), the methods that take secrets.
  { name: 'NapiCrypto#getSignerID(secret)', napi: true, kind: 'string', prefix: SIGNER, call: (s) => napi.getSignerID(s) },
  { name: 'NapiCrypto#getSealerID(secret)', napi: true, kind: 'string', prefix: SEALER, call: (s) => napi.getSealerID(s) },
  // getAgentID splits the agent secret on '/' (as cojson): a variant with a '/' is another split.
  { name: 'NapiCrypto#getAgentID(sealer half)', napi: true, noSlash: true, kind: 'string', prefix: SEALER, call: (s) => new pkg.NapiCrypto().getAgentID(`${s}/${signerSecretFixed}`) },
  { name: 'NapiCrypto#getAgentID(signer half)', napi: true, noSlash: true, kind: 'string', prefix: SIGNER, call: (s) => new pkg.NapiCrypto().getAgentID(`${fixedSealerSecretA}/${s}`) },
  { name: 'NapiCrypto#sign(secret, message)', napi: true, kind: 'string', prefix: SIGNER, call: (s) => napi.sign(s, { a: 1 }) },
  { name: 'NapiCrypto#encrypt(value, keySecret, …)', napi: true, kind: 'string', prefix: KEY, call: (s) => napi.encrypt({ a: 1 }, s, { n: 1 }) },
  { name: 'NapiCrypto#decryptRaw(encrypted, keySecret, …)', napi: true, kind: 'string', prefix: KEY, call: (s) => napi.decryptRaw(napiEncrypted, s, { n: 1 }) },
  {
    name: 'NapiCrypto#encryptKeySecret({ encrypting.secret })',
    napi: true,
    kind: 'string',
    prefix: KEY,
    call: (s) => napi.encryptKeySecret({ toEncrypt: payloadKey, encrypting: { id: 'key_zEncrypting', secret: s } }),
    alsoSecret: [payloadKey.secret],
  },
  { name: 'NapiCrypto#seal({ from })', napi: true, kind: 'string', prefix: SEALER, call: (s) => napi.seal({ message: { a: 1 }, from: s, to: sealerIdB, nOnceMaterial: { n: 1 } }) },
  { name: 'NapiCrypto#unseal(sealed, sealer, …)', napi: true, kind: 'string', prefix: SEALER, call: (s) => napi.unseal(napiSealed, s, sealerIdA, { n: 1 }), validThrows: 'ERR_DECRYPTION_FAILED' },
  {
    name: 'NapiCrypto#createSessionMap().makeNewPrivateTransaction(…, signerSecret, …)',
    napi: true,
    kind: 'string',
    prefix: SIGNER,
    call: (s) => napi.createSessionMap(EX_ID, EX_HEADER).makeNewPrivateTransaction(SESSION, s, '[1]', KEY_ID, keySecretFixed, undefined, 1),
  },
  {
    name: 'NapiCrypto#createSessionMap().makeNewPrivateTransaction(…, keySecret, …)',
    napi: true,
    kind: 'string',
    prefix: KEY,
    call: (s) => napi.createSessionMap(EX_ID, EX_HEADER).makeNewPrivateTransaction(SESSION, signerSecretFixed, '[1]', KEY_ID, s, undefined, 1),
  },
  {
    name: 'NapiCrypto#createSessionMap().makeNewTrustingTransaction(…, signerSecret, …)',
    napi: true,
    kind: 'string',
    prefix: SIGNER,
    call: (s) => napi.createSessionMap(EX_ID, EX_HEADER).makeNewTrustingTransaction(SESSION, s, '[1]', undefined, 1),
  },
  {
    name: 'NapiCrypto#createSessionMap().decryptTransaction(…, keySecret)',
    napi: true,
    kind: 'string',
    prefix: KEY,
    call: (s) => mapWithPrivateTx(() => napi.createSessionMap(EX_ID, EX_HEADER)).decryptTransaction(SESSION, 0, s),
    validMayThrow: true,
  },
  // These catch every error and return undefined (as cojson's): nothing can leak, check that.
  { name: 'NapiCrypto#decrypt(encrypted, keySecret, …)', napi: true, swallows: true, kind: 'string', prefix: KEY, call: (s) => napi.decrypt(napiEncrypted, s, { n: 1 }) },
  { name: 'NapiCrypto#unsealForGroup(sealed, groupSealerSecret, …)', napi: true, swallows: true, kind: 'string', prefix: SEALER, call: (s) => napi.unsealForGroup(napiGroupSealed, s, { n: 1 }) },
  {
    name: 'NapiCrypto#decryptKeySecret(info, sealingSecret)',
    napi: true,
    swallows: true,
    kind: 'string',
    prefix: KEY,
    call: (s) => napi.decryptKeySecret({ encryptedID: 'key_zA', encryptingID: 'key_zB', encrypted: napiEncrypted }, s),
  },
  { name: 'NapiCrypto#agentSecretFromSecretSeed(secretSeed)', napi: true, kind: 'raw', call: (k) => napi.agentSecretFromSecretSeed(k) },
]

const OTHER_PREFIXES = ['signerSecret_z', 'signer_z', 'sealerSecret_z', 'sealer_z', 'keySecret_z', 'key_z', 'signature_z', 'hash_z']

// ---------------------------------------------------------------------------------------------
// Malformed variants: [label, value]

function stringVariants(prefix, b58) {
  const text = prefix + b58
  const out = []
  const at = [0, 10, 20, b58.length - 1, b58.length]
  for (const c of ['0', 'O', 'I', 'l', 'é', '+', ' ', '_', '\u0000', '😀', '\ud800']) {
    for (const i of at) out.push([`${JSON.stringify(c)} inserted at ${i}`, prefix + b58.slice(0, i) + c + b58.slice(i)])
    out.push([`${JSON.stringify(c)} replacing character 7`, prefix + b58.slice(0, 7) + c + b58.slice(8)])
  }
  for (const k of [1, 2, 3, 5, 10, 20, 35]) out.push([`truncated by ${k}`, text.slice(0, -k)])
  out.push(['the first 8 characters only', prefix + b58.slice(0, 8)])
  for (const tail of ['z', '1', 'zz', b58.slice(0, 5), b58]) out.push([`extended by ${JSON.stringify(tail.length > 5 ? '<itself>' : tail)}`, text + tail])
  out.push(['a leading 1', prefix + '1' + b58])
  out.push(['twice', text + text])
  for (const p of OTHER_PREFIXES) if (p !== prefix) out.push([`prefix ${p}`, p + b58])
  out.push(['prefix case changed', prefix[0].toUpperCase() + prefix.slice(1) + b58])
  out.push(['prefix all upper case', prefix.toUpperCase() + b58])
  out.push(["prefix with '_Z'", prefix.slice(0, -1) + 'Z' + b58])
  out.push(['prefix missing', b58])
  out.push(['prefix without its z', prefix.slice(0, -1) + b58])
  out.push(['a leading space', ' ' + text])
  out.push(['a trailing newline', text + '\n'])
  out.push(['quoted', JSON.stringify(text)])
  out.push(['an agent secret (two secrets joined by /)', `${text}/${text}`])
  return out
}

function utf8Variants(prefix, b58) {
  const good = utf8(prefix + b58)
  const out = []
  for (const [label, seq] of [
    ['0xff', [0xff]],
    ['0x80', [0x80]],
    ['a truncated 2-byte sequence', [0xc3]],
    ['an overlong NUL', [0xc0, 0x80]],
    ['an encoded surrogate', [0xed, 0xa0, 0x80]],
    ['a code point above U+10FFFF', [0xf4, 0x90, 0x80, 0x80]],
  ]) {
    for (const i of [0, prefix.length, prefix.length + 10, good.length]) out.push([`${label} inserted at byte ${i}`, concat(good.subarray(0, i), Uint8Array.from(seq), good.subarray(i))])
    const replaced = Uint8Array.from(good)
    replaced[prefix.length + 5] = seq[0]
    out.push([`${label} replacing byte ${prefix.length + 5}`, replaced])
  }
  return out
}

// The secret in the wrong JS type.
function wrongTypeVariants(kind, text, raw) {
  if (kind === 'string') {
    return [
      ['as UTF-8 bytes', utf8(text)],
      ['as a Buffer', Buffer.from(text)],
      ['as a String object', new String(text)],
      ['in an array', [text]],
      ['in an object', { secret: text, toString: () => text }],
      ['as raw bytes', raw.slice()],
    ]
  }
  if (kind === 'bytes') {
    return [
      ['as a string', text],
      ['as an array of bytes', Array.from(utf8(text))],
      ['as a Uint16Array', Uint16Array.from(utf8(text))],
      ['as an Int8Array', new Int8Array(utf8(text).buffer)],
      ['as an ArrayBuffer', utf8(text).buffer],
      ['as a DataView', new DataView(utf8(text).buffer)],
      ['as a String object', new String(text)],
    ]
  }
  const padded = new Uint8Array(32)
  padded.set(raw)
  return [
    ['as an array of bytes', Array.from(raw)],
    ['as an Int8Array', new Int8Array(padded.buffer)],
    ['as a Uint8ClampedArray', new Uint8ClampedArray(padded.buffer)],
    ['as a Uint16Array', new Uint16Array(padded.buffer)],
    ['as a Float64Array', new Float64Array(padded.buffer)],
    ['as a DataView', new DataView(padded.buffer)],
    ['as an ArrayBuffer', padded.buffer],
    ['as a latin1 string', latin1(raw)],
    ['as a hex string', hex(raw)],
    ['as a base58 string', base58.encode(raw)],
  ]
}

function rawVariants(raw) {
  return [
    ['empty', new Uint8Array(0)],
    ['1 byte', raw.subarray(0, 1)],
    ['16 bytes', raw.subarray(0, 16)],
    ['31 bytes (one short)', raw.subarray(0, 31)],
    ['33 bytes (one long)', concat(raw, Uint8Array.of(0))],
    ['33 bytes (a byte before)', concat(Uint8Array.of(0), raw)],
    ['64 bytes (twice)', concat(raw, raw)],
    ['1000 bytes', concat(...Array.from({ length: 32 }, () => raw), raw.subarray(0, 8))],
  ]
}

// ---------------------------------------------------------------------------------------------
// Checks

const totals = { checks: 0, calls: 0, threw: 0, swallowed: 0, accidentallyValid: 0 }

// The strings no error may contain, for a secret with these raw bytes (and text, if encoded).
function forbiddenFor(raw, text, also = []) {
  const list = []
  const add = (label, s) => list.push([label, s])
  const windows = (label, s, n) => {
    for (let i = 0; i + n <= s.length; i++) add(`${label}[${i}..${i + n}]`, s.slice(i, i + n))
  }
  const b58 = base58.encode(raw)
  if (text !== undefined) add('the secret string', text)
  add('the base58 part', b58)
  windows('8 characters of the base58 part', b58, 8)
  const h = hex(raw)
  add('the hex of the raw bytes', h)
  add('the hex of the raw bytes (upper case)', h.toUpperCase())
  windows('8 bytes of the hex', h, 16)
  const l = latin1(raw)
  add('the raw bytes as latin1', l)
  windows('8 characters of the latin1', l, 8)
  for (const s of also) {
    add('another secret in the call', s)
    windows('8 characters of another secret', s.slice(s.indexOf('_z') + 2), 8)
  }
  return list
}

// The texts of an error that a log could show.
function errorTexts(error) {
  const texts = []
  try {
    texts.push(['message', String(error.message)])
  } catch {}
  try {
    texts.push(['String(error)', String(error)])
  } catch {}
  try {
    texts.push(['stack first line', String(error.stack).split('\n')[0]])
  } catch {}
  for (const key of Object.getOwnPropertyNames(error)) {
    if (key === 'message' || key === 'stack') continue
    const v = error[key]
    if (typeof v === 'string') texts.push([`own property ${key}`, v])
  }
  if (error.cause !== undefined) texts.push(['cause', String(error.cause && error.cause.message)])
  return texts
}

function wellFormed(value, prefix) {
  let text = value
  if (value instanceof Uint8Array) {
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(value)
    } catch {
      return false
    }
  }
  if (typeof text !== 'string' || !text.startsWith(prefix)) return false
  try {
    return base58.decode(text.slice(prefix.length)).length === 32
  } catch {
    return false
  }
}

function runTarget(target) {
  const problems = []
  for (let round = 0; round < ROUNDS; round++) {
    const raw = rng.bytes(32)
    if (raw[0] === 0) raw[0] = 1 // no leading '1' in base58
    const b58 = base58.encode(raw)
    const text = target.kind === 'raw' ? undefined : target.prefix + b58
    const forbidden = forbiddenFor(raw, text, target.alsoSecret)
    const encode = target.kind === 'bytes' ? utf8 : (s) => s

    // The well-formed secret works (so every variant below differs from a working call by the
    // malformation only).
    const valid = target.kind === 'raw' ? raw.slice() : encode(text)
    try {
      target.call(valid)
    } catch (error) {
      if (!(target.validThrows && error.code === target.validThrows) && !target.validMayThrow) problems.push(`round ${round}: the well-formed secret fails: ${error && error.code} ${error && error.message}`)
      checkError(target, 'well-formed secret', error, forbidden, problems)
    }

    let variants
    if (target.kind === 'raw') variants = [...rawVariants(raw), ...wrongTypeVariants('raw', text, raw)]
    else {
      variants = stringVariants(target.prefix, b58)
        .filter(([, s]) => !(target.noSlash && s.includes('/')))
        .map(([label, s]) => [label, encode(s)])
      if (target.kind === 'bytes') variants.push(...utf8Variants(target.prefix, b58))
      if (!target.napi) variants.push(...wrongTypeVariants(target.kind, text, raw))
    }
    if (target.napi && target.kind === 'raw') variants = rawVariants(raw)

    for (const [label, value] of variants) {
      totals.calls++
      let result
      let threw = false
      try {
        result = target.call(value)
      } catch (error) {
        threw = true
        totals.threw++
        checkError(target, label, error, forbidden, problems)
      }
      if (threw) continue
      if (target.swallows) {
        totals.swallowed++
        if (result !== undefined) problems.push(`${label}: returned ${String(result).slice(0, 60)} instead of undefined`)
      } else if (target.kind !== 'raw' && wellFormed(value, target.prefix)) {
        totals.accidentallyValid++ // e.g. truncated by one character and still 32 bytes
      } else {
        problems.push(`${label}: returned instead of rejecting the malformed secret`)
      }
    }
  }
  return problems
}

function checkError(target, label, error, forbidden, problems) {
  if (!(error instanceof Error)) {
    problems.push(`${label}: threw a non-Error: ${typeof error}`)
    return
  }
  if (!target.napi && typeof error.code !== 'string') problems.push(`${label}: error without a string code: ${error.message}`)
  for (const [where, text] of errorTexts(error)) {
    for (const [what, secret] of forbidden) {
      totals.checks++
      if (text.includes(secret)) problems.push(`${label}: ${where} contains ${what} (${JSON.stringify(secret)}): ${JSON.stringify(text.slice(0, 300))}`)
    }
  }
}

// ---------------------------------------------------------------------------------------------

test(`secrets test setup (seed ${SEED}; SECRETS_TEST_SEED=${SEED} repeats this run)`, () => {
  // The forbidden list does catch a leak: a message quoting one 8-character piece of the base58
  // part, or the hex, is reported.
  const raw = rng.bytes(32)
  raw[0] |= 1
  const b58 = base58.encode(raw)
  const forbidden = forbiddenFor(raw, 'keySecret_z' + b58)
  for (const leak of [`bad key ${b58.slice(9, 17)}!`, `key ${hex(raw).slice(2, 18)}`, `got ${latin1(raw).slice(3, 11)}`]) {
    const problems = []
    checkError({ napi: true }, 'self-check', new Error(leak), forbidden, problems)
    assert.ok(problems.length > 0, `a message ${JSON.stringify(leak)} is caught`)
  }
  totals.checks = 0
})

for (const target of TARGETS) {
  test(`no secret in errors: ${target.name}`, () => {
    const problems = runTarget(target)
    assert.deepEqual(problems, [], `${problems.length} problems:\n${problems.slice(0, 40).join('\n')}`)
  })
}

test('secrets test: summary', (t) => {
  const line = `secrets test: ${totals.checks} checks on ${totals.threw} errors from ${totals.calls} calls with malformed secrets (${TARGETS.length} targets: every secret argument of the exports, SessionMap and NapiCrypto, on both result paths where the JS layer has two; ${ROUNDS} random secrets each; ${totals.swallowed} swallowed by NapiCrypto, ${totals.accidentallyValid} still well-formed after truncation; seed ${SEED})`
  console.log(line)
  t.diagnostic(line)
  assert.ok(totals.threw > totals.calls * 0.9, line)
  assert.ok(totals.checks > 100000, line)
})
