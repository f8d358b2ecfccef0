// Runtime-agnostic smoke test of the installed `cojson-core-napi` package, as a user gets it:
// ESM named imports and createRequire() of the package name, resolved from a consumer project's
// node_modules (the generated loader picks the platform package, cojson-core-napi-<platform>).
//
//   node runtime-smoke.mjs
//   deno run --allow-env --allow-read --allow-ffi runtime-smoke.mjs
//   bun runtime-smoke.mjs
//
// Run it from a copy placed in the app (scripts/registry.mjs does this); in this
// repository's own directory 'cojson-core-napi' does not resolve.
// Env RUNTIME_SMOKE_EXPECT_NATIVE=<file.node>: also fail unless the loaded binary is byte-identical.
// Prints `RUNTIME OK <runtime> <version>` and exits 0, or the failures and exits 1.

import {
  NapiCrypto,
  SessionMap,
  blake3HashOnce,
  ed25519Sign,
  ed25519Verify,
  ed25519VerifyingKey,
  getSealerId,
  getSignerId,
  newEd25519SigningKey,
  seal,
  shortHash,
  sign,
  unseal,
  verify,
} from 'cojson-core-napi'
import * as namespace from 'cojson-core-napi'
import { createRequire } from 'node:module'
import { readFileSync } from 'node:fs'

const require = createRequire(import.meta.url)
const cjs = require('cojson-core-napi')

const [runtime, version] =
  typeof Deno !== 'undefined'
    ? ['deno', Deno.version.deno]
    : typeof Bun !== 'undefined'
      ? ['bun', `${Bun.version}+${String(Bun.revision).slice(0, 9)}`]
      : ['node', process.versions.node]

const t0 = performance.now()
const enc = new TextEncoder()
const dec = new TextDecoder()
const failures = []
let checks = 0
function check(name, ok, detail) {
  checks++
  if (!ok) failures.push(detail === undefined ? name : `${name}: ${detail}`)
}
// The API of cojson-core-napi 0.20.19 (30 names) and NapiCrypto; the package may export more.
const API = ['NapiCrypto', 'Blake3Hasher', 'SessionMap', 'blake3HashOnce', 'blake3HashOnceWithContext', 'decrypt', 'decryptXsalsa20',
  'ed25519Sign', 'ed25519SignatureFromBytes', 'ed25519SigningKeyFromBytes', 'ed25519SigningKeySign', 'ed25519SigningKeyToPublic',
  'ed25519Verify', 'ed25519VerifyingKey', 'ed25519VerifyingKeyFromBytes', 'encrypt', 'encryptXsalsa20', 'generateNonce', 'getSealerId',
  'getSignerId', 'newEd25519SigningKey', 'newX25519PrivateKey', 'seal', 'sealForGroup', 'shortHash', 'sign', 'unseal', 'unsealForGroup',
  'verify', 'x25519DiffieHellman', 'x25519PublicKey']
let binary = null
// NapiCrypto extends the cojson CryptoProvider it loads in create().
const provider = await NapiCrypto.create()

function section(name, fn) {
  try {
    fn()
  } catch (e) {
    failures.push(`${name}: threw ${e && e.code ? `${e.code} ` : ''}${e && e.stack ? e.stack : e}`)
  }
}
async function sectionAsync(name, fn) {
  try {
    await fn()
  } catch (e) {
    failures.push(`${name}: threw ${e && e.code ? `${e.code} ` : ''}${e && e.stack ? e.stack : e}`)
  }
}
// Calls fn and returns the error it throws, or null.
function thrown(fn) {
  try {
    fn()
  } catch (e) {
    return e
  }
  return null
}
// Sorted keys, as cojson's stableStringify (enough for plain JSON values).
const stableStringify = (v) =>
  v === null || typeof v !== 'object'
    ? JSON.stringify(v)
    : Array.isArray(v)
      ? `[${v.map(stableStringify).join(',')}]`
      : `{${Object.keys(v)
          .sort()
          .filter((k) => v[k] !== undefined)
          .map((k) => `${JSON.stringify(k)}:${stableStringify(v[k])}`)
          .join(',')}}`
const same = (a, b) => a.length === b.length && a.every((x, i) => x === b[i])

// --- module shape: ESM and CommonJS views of the same single module instance
section('exports', () => {
  const cjsNames = Object.keys(cjs).sort()
  const missingApi = API.filter((name) => typeof cjs[name] !== 'function')
  check('CommonJS exports NapiCrypto and the 30 functions/classes of 0.20.19', missingApi.length === 0, `missing: ${missingApi.join()}`)
  const missing = cjsNames.filter((name) => !(name in namespace))
  check('every CommonJS export is an ESM named export (cjs-module-lexer)', missing.length === 0, `missing: ${missing.join()}`)
  check('ESM and require() give the same instance', NapiCrypto === cjs.NapiCrypto && SessionMap === cjs.SessionMap && sign === cjs.sign)
  check('ESM default export is module.exports', namespace.default === cjs)
  if (typeof cjs.binaryInfo === 'function') {
    const info = cjs.binaryInfo()
    const version = require('cojson-core-napi/package.json').version
    check('binaryInfo().version is the package version', info && info.version === version, `${info && info.version} vs ${version}`)
    binary = `${info.target}${info.backends ? ` ${JSON.stringify(info.backends)}` : ''}`
  }
})

// --- which binary got loaded (require.cache lists .node files on Node and Bun)
let native = null
section('native binary', () => {
  const loaded = Object.keys(require.cache || {}).filter((file) => file.endsWith('.node'))
  native = loaded.length > 0 ? loaded.join(',') : null
  const expected = typeof process !== 'undefined' && process.env ? process.env.RUNTIME_SMOKE_EXPECT_NATIVE : undefined
  if (!expected) return
  let file = native && loaded.length === 1 ? loaded[0] : null
  if (!file) {
    // Not listed (Deno): the file the loader requires, the platform package's main.
    const pkgRequire = createRequire(require.resolve('cojson-core-napi'))
    const platform = `cojson-core-napi-${process.platform}-${process.arch}${process.platform === 'linux' ? '-gnu' : ''}`
    file = pkgRequire.resolve(platform)
    native = `${file} (resolved)`
  }
  check('loaded binary is the expected build', same(readFileSync(file), readFileSync(expected)), `${file} differs from ${expected}`)
})

// --- raw Ed25519 and cojson's string signatures
section('sign/verify', () => {
  const signingKey = newEd25519SigningKey()
  const verifyingKey = ed25519VerifyingKey(signingKey)
  const message = enc.encode('hello from cojson-core-napi')
  const signature = ed25519Sign(signingKey, message)
  check('ed25519Sign gives 64 bytes', signature instanceof Uint8Array && signature.length === 64)
  check('ed25519Verify accepts', ed25519Verify(verifyingKey, message, signature) === true)
  check('ed25519Verify rejects another message', ed25519Verify(verifyingKey, enc.encode('tampered'), signature) === false)
  const flipped = signature.slice()
  flipped[0] ^= 1
  check('ed25519Verify rejects a flipped signature', ed25519Verify(verifyingKey, message, flipped) === false)

  const signerSecret = provider.newRandomSigner()
  const signerId = getSignerId(enc.encode(signerSecret))
  check('getSignerId format', /^signer_z[1-9A-HJ-NP-Za-km-z]+$/.test(signerId), signerId)
  const stringSignature = sign(message, enc.encode(signerSecret))
  check('sign gives signature_z…', stringSignature.startsWith('signature_z'), stringSignature)
  check('verify accepts', verify(enc.encode(stringSignature), message, enc.encode(signerId)) === true)
  check('verify rejects another message', verify(enc.encode(stringSignature), enc.encode('tampered'), enc.encode(signerId)) === false)
  const otherSigner = getSignerId(enc.encode(provider.newRandomSigner()))
  check('verify rejects another signer', verify(enc.encode(stringSignature), message, enc.encode(otherSigner)) === false)
})

// --- seal / unseal (X25519 + XSalsa20-Poly1305, cojson's sealer format)
section('seal/unseal', () => {
  const crypto = provider
  const sender = crypto.newRandomSealer()
  const recipient = crypto.newRandomSealer()
  const senderId = getSealerId(enc.encode(sender))
  const recipientId = getSealerId(enc.encode(recipient))
  const nonceMaterial = enc.encode('{"in":"co_zTest","tx":1}')
  const message = enc.encode('{"secret":"keySecret_zABC"}')
  const sealed = seal(message, sender, recipientId, nonceMaterial)
  check('sealed length is message + 16', sealed.length === message.length + 16, String(sealed.length))
  const opened = unseal(sealed, recipient, senderId, nonceMaterial)
  check('unseal gives the message back', same(opened, message), dec.decode(opened))
  const tampered = sealed.slice()
  tampered[0] ^= 1
  const error = thrown(() => unseal(tampered, recipient, senderId, nonceMaterial))
  check('unseal of tampered data throws', error !== null && typeof error.code === 'string', String(error && error.code))
})

// --- SessionMap: a local trusting transaction, replayed with verification into a second map
section('SessionMap', () => {
  const crypto = provider
  const agentSecret = crypto.newRandomAgentSecret()
  const agentId = crypto.getAgentID(agentSecret)
  const header = { type: 'comap', ruleset: { type: 'unsafeAllowAll' }, meta: null, ...crypto.createdNowUnique() }
  const headerJson = stableStringify(header)
  const coId = `co_z${shortHash(headerJson).slice('shortHash_z'.length)}`
  const sessionId = crypto.newRandomSessionID('co_zAccount')

  const local = new SessionMap(coId, headerJson)
  const changes = JSON.stringify([{ op: 'set', key: 'greeting', value: 'hello' }])
  const out = JSON.parse(
    local.makeNewTrustingTransaction(sessionId, crypto.getAgentSignerSecret(agentSecret), changes, null, Date.now()),
  )
  check('makeNewTrustingTransaction returns a signature', String(out.signature).startsWith('signature_z'), JSON.stringify(out))
  check('transaction is trusting with our changes', out.transaction.privacy === 'trusting' && out.transaction.changes === changes)

  const remote = new SessionMap(coId, headerJson)
  const batch = JSON.stringify([out.transaction])
  const signerId = crypto.getAgentSignerID(agentId)
  // Wrong signature first: must throw and leave the map untouched.
  const forged = JSON.parse(local.makeNewTrustingTransaction(sessionId, crypto.newRandomSigner(), changes, null, Date.now()))
  const error = thrown(() => remote.addTransactions(sessionId, signerId, batch, forged.signature, false))
  check('addTransactions rejects a wrong signature', error !== null && typeof error.code === 'string', String(error && error.code))
  check('rejected batch left the map unchanged', remote.getTransactionCount(sessionId) === -1)
  remote.addTransactions(sessionId, signerId, batch, out.signature, false)
  check('addTransactions (verified) appended 1', remote.getTransactionCount(sessionId) === 1)
  check('same last signature', remote.getLastSignature(sessionId) === out.signature)
  const known = remote.getKnownState()
  check('getKnownState', known.id === coId && known.header === true && known.sessions[sessionId] === 1, JSON.stringify(known))
  check('local known state counts both local transactions', local.getKnownState().sessions[sessionId] === 2)
  const wrongId = thrown(() => new SessionMap('co_zWrong', headerJson))
  check('SessionMap rejects a wrong coId', wrongId !== null && /mismatch/i.test(wrongId.message), String(wrongId && wrongId.message))
})

// --- NapiCrypto, the CryptoProvider exported by the package entry
await sectionAsync('NapiCrypto', async () => {
  const crypto = await NapiCrypto.create()
  const alice = crypto.newRandomAgentSecret()
  const bob = crypto.newRandomAgentSecret()
  check('agent secret format', /^sealerSecret_z\w+\/signerSecret_z\w+$/.test(alice), alice.slice(0, 20))
  const aliceId = crypto.getAgentID(alice)
  const bobId = crypto.getAgentID(bob)
  check('agent id format', /^sealer_z\w+\/signer_z\w+$/.test(aliceId), aliceId)

  const message = { op: 'set', key: 'b', value: [1, 2, 3], nested: { z: 1, a: 'x' } }
  const signature = crypto.sign(crypto.getAgentSignerSecret(alice), message)
  check('NapiCrypto.verify accepts', crypto.verify(signature, message, crypto.getAgentSignerID(aliceId)) === true)
  check('NapiCrypto.verify rejects another signer', crypto.verify(signature, message, crypto.getAgentSignerID(bobId)) === false)
  check('NapiCrypto.verify rejects another message', crypto.verify(signature, { ...message, value: 4 }, crypto.getAgentSignerID(aliceId)) === false)

  const nOnceMaterial = { in: 'co_zSomething', tx: { sessionID: 'co_zA_session_zB', txIndex: 0 } }
  const sealed = crypto.seal({
    message: { readKey: 'keySecret_zXYZ' },
    from: crypto.getAgentSealerSecret(alice),
    to: crypto.getAgentSealerID(bobId),
    nOnceMaterial,
  })
  check('sealed_U format', sealed.startsWith('sealed_U'), sealed.slice(0, 12))
  const unsealed = crypto.unseal(sealed, crypto.getAgentSealerSecret(bob), crypto.getAgentSealerID(aliceId), nOnceMaterial)
  check('NapiCrypto.unseal round trip', unsealed && unsealed.readKey === 'keySecret_zXYZ', JSON.stringify(unsealed))

  const key = crypto.newRandomKeySecret()
  const encrypted = crypto.encrypt({ hello: 'world' }, key.secret, { in: 'co_zX', tx: 1 })
  check('encrypt/decrypt round trip', crypto.decrypt(encrypted, key.secret, { in: 'co_zX', tx: 1 })?.hello === 'world')

  const header = { type: 'comap', ruleset: { type: 'unsafeAllowAll' }, meta: null, ...crypto.createdNowUnique() }
  const coId = `co_z${crypto.shortHash(header).slice('shortHash_z'.length)}`
  const map = crypto.createSessionMap(coId, JSON.stringify(header))
  const sessionId = crypto.newRandomSessionID('co_zAlice')
  const out = JSON.parse(
    map.makeNewTrustingTransaction(sessionId, crypto.getAgentSignerSecret(alice), JSON.stringify([message]), null, Date.now()),
  )
  check('createSessionMap transaction signed', String(out.signature).startsWith('signature_z'), JSON.stringify(out))
  check('createSessionMap getTransaction parses', map.getTransaction(sessionId, 0)?.privacy === 'trusting')
  check('createSessionMap known state', map.getKnownState().sessions[sessionId] === 1)
})

// --- errors carry a code
section('error code', () => {
  const error = thrown(() => blake3HashOnce('x'))
  check('blake3HashOnce("x") throws', error instanceof Error, String(error))
  check('error.code is ERR_INVALID_ARG_TYPE', error && error.code === 'ERR_INVALID_ARG_TYPE', `${error && error.code}: ${error && error.message}`)
  const hex = Array.from(blake3HashOnce(enc.encode('abc')), (b) => b.toString(16).padStart(2, '0')).join('')
  check('BLAKE3("abc")', hex === '6437b3ac38465133ffb63b75273a8db548c558465d79db03fd359c6cd5bd9d85', hex)
})

const ms = (performance.now() - t0).toFixed(0)
if (failures.length > 0) {
  console.error(`RUNTIME FAIL ${runtime} ${version}: ${failures.length} of ${checks} checks failed`)
  for (const failure of failures) console.error(`  - ${failure}`)
  if (typeof Deno !== 'undefined') Deno.exit(1)
  process.exit(1)
}
console.log(`native: ${native ?? '(not listed in require.cache)'}`)
if (binary) console.log(`binary: ${binary}`)
console.log(`RUNTIME OK ${runtime} ${version} (${checks} checks, ${ms} ms)`)
