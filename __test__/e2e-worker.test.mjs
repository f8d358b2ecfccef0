// End to end: real Jazz workers (jazz-tools 0.20.19 `startWorker`) on this package, against clients
// on cojson's WasmCrypto, over an embedded sync server on 127.0.0.1 (examples/balance/).
//
// (a) the balance scenario with the worker on our `NapiCrypto` (napi-crypto.js);
// (b) the same with cojson's own `NapiCrypto` (`cojson/crypto/NapiCrypto`) running over OUR binary:
//     a child process whose `cojson-core-napi` imports are redirected to this package by a resolve
//     hook (__test__/helpers/use-our-cojson-core-napi.mjs); the child reports what it loaded;
// (c) provider-level equality between our `NapiCrypto` and cojson's `NapiCrypto` (over upstream's
//     binary, node_modules/cojson-core-napi) on seeded random inputs, for every method of spec §5.
//     Rerun a failure with `E2E_SEED=<seed>`.

import { describe, test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'
import { base58 } from '@scure/base'
import { logger, LogLevel } from 'cojson'
import { safeParseJSON, stableStringify } from 'cojson/dist/jsonStringify.js'
import { runBalanceService } from '../examples/balance/run.mjs'
import { TAMPERED_BALANCE } from '../examples/balance/scenario.mjs'
import { loadedNativeAddons } from '../examples/balance/worker-crypto.mjs'
import { Rng as BaseRng, seedFrom } from './helpers/rng.mjs'

const require = createRequire(import.meta.url)
const { NapiCrypto } = require('../napi-crypto.js')
const ROOT = fileURLToPath(new URL('..', import.meta.url))
// Bounded: if something keeps the event loop alive after a failure or a test timeout (a socket,
// a worker), exit instead of hanging the runner. Unref'd, so a clean run is not held up by it.
setTimeout(() => {
  console.error('e2e-worker.test.mjs: still running after 120 s, something hangs; exiting')
  process.exit(1)
}, 120_000).unref()

// Our binary: a cojson-core-napi.<platform>.node of this package (not one under node_modules).
// With COJSON_CORE_FORCE_WASM=1 our package runs its WebAssembly build: no .node file of ours.
const OURS_WASM = require('../napi-crypto.js').binaryInfo().kind === 'wasm'
const isOurBinary = (file) => file.startsWith(ROOT) && !/node_modules[\\/]/.test(file.slice(ROOT.length)) && /cojson-core-napi\.[^\\/]+\.node$/.test(file)
const isUpstreamBinary = (file) => /node_modules[\\/]cojson-core-napi-[^\\/]+[\\/]cojson-core-napi\.[^\\/]+\.node$/.test(file)

// cojson's NapiCrypto over upstream's binary, the reference for (c) (a prebuilt exists for this
// platform only if upstream publishes one).
let CojsonNapiCrypto = null
let skipC = false
try {
  ;({ NapiCrypto: CojsonNapiCrypto } = await import('cojson/crypto/NapiCrypto'))
} catch (error) {
  skipC = `cojson/crypto/NapiCrypto cannot load upstream's binary here: ${String(error?.message).split('\n')[0]}`
}

// ---------------------------------------------------------------------------------------------
// The balance scenario's expected outcome (see examples/balance/scenario.mjs)

function assertBalanceScenario(r) {
  // Accounts created with the requested balances.
  assert.equal(r.alice.initial, 100)
  assert.equal(r.bob.initial, 50)
  // Purchases applied, in order, and recorded for the right user.
  assert.deepEqual(
    r.alice.purchases.map((p) => [p.itemId, p.amount, p.balanceAfter]),
    [
      ['coffee', 30, 70],
      ['book', 45, 25],
    ],
  )
  assert.deepEqual(r.bob.purchases.map((p) => [p.itemId, p.amount, p.balanceAfter]), [['sandwich', 20, 30]])
  for (const p of r.alice.purchases) assert.equal(p.userId, r.alice.id)
  for (const p of r.bob.purchases) assert.equal(p.userId, r.bob.id)
  // The over-budget purchase is rejected, with the worker's message reaching the sender.
  assert.match(r.bob.rejection ?? '<not rejected>', /Insufficient balance/)
  // Subscriptions see the balances the worker wrote.
  assert.ok(r.alice.seen.includes(25), `Alice's subscription saw ${r.alice.seen}`)
  assert.equal(r.alice.seen.at(-1), 20, `Alice's subscription saw ${r.alice.seen}`)
  assert.equal(r.bob.seen.at(-1), 30, `Bob's subscription saw ${r.bob.seen}`)
  assert.equal(r.alice.workerView, 20)
  assert.equal(r.bob.workerView, 30)
  // Alice's own write to her balance has no effect: it reached the sync server, and the worker,
  // a fresh load and her own node all ignore it (she is only a reader of the balance's group).
  const t = r.tamper
  assert.equal(t.before, 25)
  assert.equal(t.attempted, TAMPERED_BALANCE)
  assert.ok(t.localError !== null || t.clientView === 25, `Alice's own view after her write: ${t.clientView}`)
  assert.equal(t.workerView, 25, 'the worker sees the tampered balance')
  assert.equal(t.freshView, 25, 'a fresh load sees the tampered balance')
  assert.equal(t.writeReachedServer, true, "Alice's write never reached the sync server (the check would prove nothing)")
  // ...and the worker keeps charging from its own value.
  assert.equal(r.alice.afterTamper.balanceAfter, 20)
  // Bob cannot read Alice's balance.
  assert.equal(r.crossRead.isLoaded, false)
  assert.equal(r.crossRead.loadingState, 'unauthorized')
  // 2 createAccount + 5 buy, one of them rejected.
  assert.deepEqual(r.workerStats, { processed: 7, rejected: 1 })
}

// Runs the scenario in a child process: `node [--import hook] scenario-child.mjs <kind>`.
function runScenarioChild(kind, { redirect }) {
  const args = [
    // --import takes a URL (a Windows path like C:\… would be read as a URL scheme).
    ...(redirect ? ['--import', new URL('./helpers/use-our-cojson-core-napi.mjs', import.meta.url).href] : []),
    `${ROOT}__test__/helpers/scenario-child.mjs`,
    kind,
    ...(redirect ? ['--expect-our-binary'] : []),
  ]
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => (stdout += d))
    child.stderr.on('data', (d) => (stderr += d))
    const timer = setTimeout(() => child.kill('SIGKILL'), 45_000)
    child.on('error', reject)
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      const line = stdout
        .trim()
        .split('\n')
        .reverse()
        .find((l) => l.startsWith('{'))
      if (!line) return reject(new Error(`scenario child exited ${code ?? signal} without a result\n${stderr}`))
      const report = JSON.parse(line)
      if (report.error || code !== 0) return reject(new Error(`scenario child failed (${code ?? signal}): ${report.error}\n${stderr}`))
      resolve(report)
    })
  })
}

describe('balance worker end to end (jazz-tools 0.20.19, embedded sync server)', () => {
  test('(a) worker on our NapiCrypto, clients on cojson WasmCrypto', { timeout: 30_000 }, async () => {
    const workerCrypto = await NapiCrypto.create()
    const result = await runBalanceService({ workerCrypto })
    assertBalanceScenario(result)
    // Our addon is loaded in this process (cojson's NapiCrypto for (c) loads upstream's too).
    if (OURS_WASM) assert.ok(!loadedNativeAddons().some(isOurBinary), `our WebAssembly build is forced, yet our binary is loaded`)
    else assert.ok(loadedNativeAddons().some(isOurBinary), `our binary is not loaded: ${loadedNativeAddons()}`)
  })

  test('(b) worker on cojson NapiCrypto over our binary (cojson-core-napi redirected)', { timeout: 50_000 }, async () => {
    const report = await runScenarioChild('cojson-napi', { redirect: true })
    assertBalanceScenario(report.result)
    // The worker's provider is cojson's NapiCrypto (a CryptoProvider subclass)...
    assert.deepEqual(report.provider, { constructor: 'NapiCrypto', base: 'CryptoProvider' })
    // ...whose `import 'cojson-core-napi'` resolved to this package (only ours exports NapiCrypto),
    assert.equal(report.coreModule.url, new URL('../napi-crypto.js', import.meta.url).href)
    assert.equal(report.coreModule.hasNapiCryptoExport, true)
    // although plain resolution would give upstream's package (so the redirect did the work),
    assert.match(report.coreModule.requireResolves, /node_modules[\\/]cojson-core-napi[\\/]index\.js$/)
    // and the only native addon in that process is our binary: upstream's was never loaded.
    if (OURS_WASM) {
      // (our WebAssembly build: no native addon at all in that process)
      assert.equal(report.addons.length, 0, `native addons in the child: ${report.addons}`)
    } else {
      assert.equal(report.addons.length, 1, `native addons in the child: ${report.addons}`)
      assert.ok(isOurBinary(report.addons[0]), `native addon in the child: ${report.addons[0]}`)
    }
  })
})

// ---------------------------------------------------------------------------------------------
// (c) Provider-level equality

const SEED = seedFrom('E2E_SEED', 'e2e-worker provider equality')
const CASES = Math.max(50, Number(process.env.E2E_CASES) || 300)
console.log(`# e2e-worker: ${CASES} cases per method (E2E_CASES)`)


class Rng extends BaseRng {
  size() {
    return this.bool(0.3) ? this.pick([0, 1, 31, 32, 33, 63, 64, 65, 1024]) : this.int(this.bool(0.9) ? 200 : 5000)
  }
  string() {
    const alphabet = ['a', 'Z', '0', ' ', '"', '\\', '\n', '\u0000', 'é', '€', '😀', '\ud800', '/', '_', '$']
    let s = ''
    for (let i = this.int(12); i > 0; i--) s += this.pick(alphabet)
    return s
  }
  // JSON-ish values that exercise stableStringify: key order, undefined, non-finite numbers,
  // toJSON (Dates), and the unescaped `encrypted_U` / `binary_U` strings.
  value(depth = 0) {
    switch (this.int(depth > 2 ? 6 : 9)) {
      case 0:
        return this.pick([0, -0, 1, -1.5, 1e21, 2 ** 53, NaN, Infinity, -Infinity, this.next() * 1e6])
      case 1:
        return this.string()
      case 2:
        return this.pick(['encrypted_U', 'binary_U']) + this.string()
      case 3:
        return this.pick([true, false, null])
      case 4:
        return this.pick([undefined, new Date(this.int(2 ** 41))])
      case 5:
        return `co_z${base58.encode(this.bytes(16))}`
      case 6:
      case 7: {
        const obj = {}
        for (let i = this.int(6); i > 0; i--) obj[this.bool(0.3) ? String(this.int(20)) : this.string()] = this.value(depth + 1)
        return obj
      }
      default:
        return Array.from({ length: this.int(5) }, () => this.value(depth + 1))
    }
  }
  // A value stableStringify can serialise (not undefined at the top level).
  message() {
    let v
    do v = this.value()
    while (v === undefined)
    return v
  }
}

const enc = new TextEncoder()
const hex = (b) => Buffer.from(b).toString('hex')

// Both outcomes: equal values, or both threw.
function outcome(f) {
  try {
    return { ok: true, value: f() }
  } catch (error) {
    return { ok: false, error: String(error && error.message) }
  }
}
function sameOutcome(a, b, what) {
  const x = outcome(a)
  const y = outcome(b)
  assert.equal(x.ok, y.ok, `${what}: ours ${x.ok ? 'returned' : `threw ${x.error}`}, cojson ${y.ok ? 'returned' : `threw ${y.error}`} (seed ${SEED})`)
  if (x.ok) assert.deepEqual(normalise(x.value), normalise(y.value), `${what} (seed ${SEED})`)
  return x
}
function normalise(v) {
  if (v instanceof Uint8Array) return `bytes:${hex(v)}`
  return v
}

describe('(c) our NapiCrypto equals cojson 0.20.19 NapiCrypto (upstream binary)', { skip: skipC }, () => {
  let ours
  let theirs
  const rng = new Rng(SEED)
  let savedLevel

  before(async () => {
    ours = await NapiCrypto.create()
    theirs = await CojsonNapiCrypto.create()
    // cojson logs every failed decrypt/unseal; those cases are expected here.
    savedLevel = logger.level
    logger.setLevel(LogLevel.NONE)
  })
  after(() => logger.setLevel(savedLevel))

  test('the reference really is upstream: cojson NapiCrypto loaded node_modules/cojson-core-napi', () => {
    const addons = loadedNativeAddons()
    assert.ok(addons.some(isUpstreamBinary), `upstream's binary is not loaded: ${addons}`)
    if (OURS_WASM) assert.equal(require('../napi-crypto.js').binaryInfo().kind, 'wasm')
    else assert.ok(addons.some(isOurBinary), `our binary is not loaded: ${addons}`)
    assert.equal(ours.constructor.name, 'NapiCrypto')
  })

  test('hashing: blake3HashOnce, blake3HashOnceWithContext, shortHash, secureHash', () => {
    for (let i = 0; i < CASES; i++) {
      const data = rng.bytes(rng.size())
      const context = { context: rng.bytes(rng.int(40)) }
      sameOutcome(() => ours.blake3HashOnce(data), () => theirs.blake3HashOnce(data), 'blake3HashOnce')
      sameOutcome(
        () => ours.blake3HashOnceWithContext(data, context),
        () => theirs.blake3HashOnceWithContext(data, context),
        'blake3HashOnceWithContext',
      )
      const value = rng.message()
      sameOutcome(() => ours.shortHash(value), () => theirs.shortHash(value), `shortHash(${String(value)})`)
      sameOutcome(() => ours.secureHash(value), () => theirs.secureHash(value), 'secureHash')
    }
  })

  test('agents: getSignerID, getSealerID, getAgentID and the agent part accessors, agentSecretFromSecretSeed', () => {
    for (let i = 0; i < CASES; i++) {
      const seed = rng.bytes(32)
      const agentSecret = sameOutcome(() => ours.agentSecretFromSecretSeed(seed), () => theirs.agentSecretFromSecretSeed(seed), 'agentSecretFromSecretSeed').value
      const shortSeed = rng.bytes(rng.pick([0, 16, 31, 33, 64]))
      const bad = sameOutcome(() => ours.agentSecretFromSecretSeed(shortSeed), () => theirs.agentSecretFromSecretSeed(shortSeed), 'agentSecretFromSecretSeed(bad)')
      assert.equal(bad.ok, false)
      const agentID = sameOutcome(() => ours.getAgentID(agentSecret), () => theirs.getAgentID(agentSecret), 'getAgentID').value
      for (const m of ['getAgentSignerID', 'getAgentSealerID']) sameOutcome(() => ours[m](agentID), () => theirs[m](agentID), m)
      for (const m of ['getAgentSignerSecret', 'getAgentSealerSecret']) sameOutcome(() => ours[m](agentSecret), () => theirs[m](agentSecret), m)
      const signer = ours.getAgentSignerSecret(agentSecret)
      const sealer = ours.getAgentSealerSecret(agentSecret)
      sameOutcome(() => ours.getSignerID(signer), () => theirs.getSignerID(signer), 'getSignerID')
      sameOutcome(() => ours.getSealerID(sealer), () => theirs.getSealerID(sealer), 'getSealerID')
      // Keys straight from random bytes, with leading zeros now and then.
      const key = rng.bytes(32)
      if (rng.bool(0.1)) key.fill(0, 0, 2)
      sameOutcome(() => ours.getSignerID(`signerSecret_z${base58.encode(key)}`), () => theirs.getSignerID(`signerSecret_z${base58.encode(key)}`), 'getSignerID(raw)')
      sameOutcome(() => ours.getSealerID(`sealerSecret_z${base58.encode(key)}`), () => theirs.getSealerID(`sealerSecret_z${base58.encode(key)}`), 'getSealerID(raw)')
    }
  })

  test('signatures: sign (deterministic), verify (valid, tampered, cross)', () => {
    for (let i = 0; i < CASES; i++) {
      const signer = `signerSecret_z${base58.encode(rng.bytes(32))}`
      const id = theirs.getSignerID(signer)
      const message = rng.message()
      const signature = sameOutcome(() => ours.sign(signer, message), () => theirs.sign(signer, message), 'sign').value
      assert.equal(ours.verify(signature, message, id), true, `verify(own) (seed ${SEED})`)
      sameOutcome(() => ours.verify(signature, message, id), () => theirs.verify(signature, message, id), 'verify')
      const other = rng.message()
      sameOutcome(() => ours.verify(signature, other, id), () => theirs.verify(signature, other, id), 'verify(other message)')
      const otherId = theirs.getSignerID(`signerSecret_z${base58.encode(rng.bytes(32))}`)
      sameOutcome(() => ours.verify(signature, message, otherId), () => theirs.verify(signature, message, otherId), 'verify(other signer)')
      // Malformed strings throw in both (messages may differ; errors.test.mjs covers those).
      const badSignature = rng.pick(['', 'signature_z', 'signature_z0OIl', `sig_${signature.slice(4)}`, signature.slice(0, -4), `signature_z${base58.encode(rng.bytes(63))}`])
      const badId = rng.pick(['', 'signer_z', 'signer_z0OIl', id.slice(0, -3), `signer_z${base58.encode(rng.bytes(31))}`])
      sameOutcome(() => ours.verify(badSignature, message, id), () => theirs.verify(badSignature, message, id), `verify(${JSON.stringify(badSignature)})`)
      sameOutcome(() => ours.verify(signature, message, badId), () => theirs.verify(signature, message, badId), `verify(id ${JSON.stringify(badId)})`)
    }
  })

  test('symmetric: encrypt, decryptRaw, decrypt, encryptKeySecret, decryptKeySecret', () => {
    for (let i = 0; i < CASES; i++) {
      const keySecret = `keySecret_z${base58.encode(rng.bytes(32))}`
      const wrongKey = `keySecret_z${base58.encode(rng.bytes(32))}`
      const value = rng.message()
      const nOnceMaterial = { in: rng.value(), tx: { sessionID: rng.string(), txIndex: rng.int(1000) } }
      const encrypted = sameOutcome(() => ours.encrypt(value, keySecret, nOnceMaterial), () => theirs.encrypt(value, keySecret, nOnceMaterial), 'encrypt').value
      assert.match(encrypted, /^encrypted_U[A-Za-z0-9_-]*=*$/)
      sameOutcome(() => ours.decryptRaw(encrypted, keySecret, nOnceMaterial), () => theirs.decryptRaw(encrypted, keySecret, nOnceMaterial), 'decryptRaw')
      sameOutcome(() => ours.decrypt(encrypted, keySecret, nOnceMaterial), () => theirs.decrypt(encrypted, keySecret, nOnceMaterial), 'decrypt')
      sameOutcome(() => ours.decryptRaw(encrypted, wrongKey, nOnceMaterial), () => theirs.decryptRaw(encrypted, wrongKey, nOnceMaterial), 'decryptRaw(wrong key)')
      sameOutcome(() => ours.decrypt(encrypted, wrongKey, nOnceMaterial), () => theirs.decrypt(encrypted, wrongKey, nOnceMaterial), 'decrypt(wrong key)')
      // Unpadded base64url is accepted too.
      const unpadded = encrypted.replace(/=+$/, '')
      sameOutcome(() => ours.decrypt(unpadded, keySecret, nOnceMaterial), () => theirs.decrypt(unpadded, keySecret, nOnceMaterial), 'decrypt(unpadded)')
      // Malformed base64url (decoded as cojson decodes it) and random text after the prefix.
      const body = encrypted.slice('encrypted_U'.length)
      const at = rng.int(Math.max(1, body.length))
      for (const broken of [
        `encrypted_U${body.slice(0, at)}${rng.pick(['+', '/', '!', ' ', '=', 'é'])}${body.slice(at)}`,
        `encrypted_U${body}${rng.pick(['=', 'A', 'A==', '=='])}`,
        `encrypted_U${rng.string()}`,
        rng.string(),
      ]) {
        sameOutcome(() => ours.decryptRaw(broken, keySecret, nOnceMaterial), () => theirs.decryptRaw(broken, keySecret, nOnceMaterial), `decryptRaw(${JSON.stringify(broken).slice(0, 40)})`)
      }
      const keys = { toEncrypt: { id: `key_z${base58.encode(rng.bytes(12))}`, secret: keySecret }, encrypting: { id: `key_z${base58.encode(rng.bytes(12))}`, secret: wrongKey } }
      const info = sameOutcome(() => ours.encryptKeySecret(keys), () => theirs.encryptKeySecret(keys), 'encryptKeySecret').value
      sameOutcome(() => ours.decryptKeySecret(info, wrongKey), () => theirs.decryptKeySecret(info, wrongKey), 'decryptKeySecret')
      assert.equal(ours.decryptKeySecret(info, wrongKey), keySecret)
      sameOutcome(() => ours.decryptKeySecret(info, keySecret), () => theirs.decryptKeySecret(info, keySecret), 'decryptKeySecret(wrong key)')
    }
  })

  test('sealing: seal, unseal (deterministic), sealForGroup / unsealForGroup (random, crossed), groupSealerFromReadKey', () => {
    for (let i = 0; i < CASES; i++) {
      const from = `sealerSecret_z${base58.encode(rng.bytes(32))}`
      const toSecret = `sealerSecret_z${base58.encode(rng.bytes(32))}`
      const fromID = theirs.getSealerID(from)
      const to = theirs.getSealerID(toSecret)
      const message = rng.message()
      const nOnceMaterial = { in: `co_z${base58.encode(rng.bytes(16))}`, tx: { sessionID: rng.string(), txIndex: rng.int(100) } }
      const sealed = sameOutcome(() => ours.seal({ message, from, to, nOnceMaterial }), () => theirs.seal({ message, from, to, nOnceMaterial }), 'seal').value
      assert.match(sealed, /^sealed_U[A-Za-z0-9_-]*=*$/)
      sameOutcome(() => ours.unseal(sealed, toSecret, fromID, nOnceMaterial), () => theirs.unseal(sealed, toSecret, fromID, nOnceMaterial), 'unseal')
      // Authentication failures propagate from both.
      const otherNonce = { ...nOnceMaterial, tx: { ...nOnceMaterial.tx, txIndex: nOnceMaterial.tx.txIndex + 1 } }
      const failed = sameOutcome(() => ours.unseal(sealed, toSecret, fromID, otherNonce), () => theirs.unseal(sealed, toSecret, fromID, otherNonce), 'unseal(wrong nonce)')
      assert.equal(failed.ok, false)

      // sealForGroup uses an ephemeral key: compare formats, lengths, and each side opening the other's.
      const readKey = `keySecret_z${base58.encode(rng.bytes(32))}`
      const groupSealer = sameOutcome(() => ours.groupSealerFromReadKey(readKey), () => theirs.groupSealerFromReadKey(readKey), 'groupSealerFromReadKey').value
      const a = ours.sealForGroup({ message, to: groupSealer.publicKey, nOnceMaterial })
      const b = theirs.sealForGroup({ message, to: groupSealer.publicKey, nOnceMaterial })
      assert.match(a, /^sealedForGroup_U[A-Za-z0-9_-]*=*$/)
      assert.equal(a.length, b.length, `sealForGroup length (seed ${SEED})`)
      // What a round trip gives: cojson's stableStringify, UTF-8 (lone surrogates become U+FFFD),
      // then JSON.parse (undefined when unescaped encrypted_U / binary_U strings break the JSON).
      const expected = safeParseJSON(new TextDecoder().decode(enc.encode(stableStringify(message))))
      for (const [what, s] of [['ours→cojson', a], ['cojson→ours', b]]) {
        sameOutcome(() => ours.unsealForGroup(s, groupSealer.secret, nOnceMaterial), () => theirs.unsealForGroup(s, groupSealer.secret, nOnceMaterial), `unsealForGroup ${what}`)
        assert.deepEqual(ours.unsealForGroup(s, groupSealer.secret, nOnceMaterial), expected, `unsealForGroup ${what} (seed ${SEED})`)
        // Every failure gives undefined on both sides.
        assert.equal(ours.unsealForGroup(s, toSecret, nOnceMaterial), undefined)
        assert.equal(theirs.unsealForGroup(s, toSecret, nOnceMaterial), undefined)
      }
    }
  })

  test('random outputs: keys, secrets, ids, uniqueness, session ids, randomBytes (formats and cross-derivation)', () => {
    const b58 = '[1-9A-HJ-NP-Za-km-z]'
    for (let i = 0; i < CASES; i++) {
      for (const [name, p] of [
        ['ours', ours],
        ['cojson', theirs],
      ]) {
        const n = rng.int(100)
        const bytes = p.randomBytes(n)
        assert.ok(bytes instanceof Uint8Array && bytes.length === n, `${name}.randomBytes`)
        const seed = p.newRandomSecretSeed()
        assert.ok(seed instanceof Uint8Array && seed.length === 32, `${name}.newRandomSecretSeed`)
        const signingKey = p.newEd25519SigningKey()
        assert.ok(signingKey instanceof Uint8Array && signingKey.length === 32, `${name}.newEd25519SigningKey`)
        const staticSecret = p.newX25519StaticSecret()
        assert.ok(staticSecret instanceof Uint8Array && staticSecret.length === 32, `${name}.newX25519StaticSecret`)
        // Keys made by one provider work with the other.
        const signer = `signerSecret_z${base58.encode(signingKey)}`
        assert.equal(ours.getSignerID(signer), theirs.getSignerID(signer))
        const sealer = `sealerSecret_z${base58.encode(staticSecret)}`
        assert.equal(ours.getSealerID(sealer), theirs.getSealerID(sealer))
        const agentSecret = p.newRandomAgentSecret()
        assert.match(agentSecret, new RegExp(`^sealerSecret_z${b58}+/signerSecret_z${b58}+$`))
        assert.equal(ours.getAgentID(agentSecret), theirs.getAgentID(agentSecret))
        assert.match(p.newRandomSigner(), new RegExp(`^signerSecret_z${b58}+$`))
        assert.match(p.newRandomSealer(), new RegExp(`^sealerSecret_z${b58}+$`))
        const keySecret = p.newRandomKeySecret()
        assert.deepEqual(Object.keys(keySecret).sort(), ['id', 'secret'])
        assert.equal(base58.decode(keySecret.secret.slice('keySecret_z'.length)).length, 32)
        assert.equal(base58.decode(keySecret.id.slice('key_z'.length)).length, 12)
        assert.ok(keySecret.secret.startsWith('keySecret_z') && keySecret.id.startsWith('key_z'))
        const nonce = { i }
        assert.equal(theirs.decrypt(ours.encrypt('x', keySecret.secret, nonce), keySecret.secret, nonce), 'x')
        const uniqueness = p.uniquenessForHeader()
        assert.match(uniqueness, new RegExp(`^z${b58}+$`))
        assert.equal(base58.decode(uniqueness.slice(1)).length, 12)
        const created = p.createdNowUnique()
        assert.deepEqual(Object.keys(created), ['createdAt', 'uniqueness'])
        assert.ok(Math.abs(Date.parse(created.createdAt) - Date.now()) < 5000 && created.createdAt === new Date(created.createdAt).toISOString())
        const accountID = `co_z${base58.encode(rng.bytes(16))}`
        const session = p.newRandomSessionID(accountID)
        assert.ok(session.startsWith(`${accountID}_session_z`))
        assert.equal(base58.decode(session.slice(`${accountID}_session_z`.length)).length, 8)
        const deleteSession = p.newDeleteSessionID(accountID)
        assert.ok(deleteSession.startsWith(`${accountID}_session_d`) && deleteSession.endsWith('$'))
        assert.equal(base58.decode(deleteSession.slice(`${accountID}_session_d`.length, -1)).length, 7)
      }
    }
  })

  test('createSessionMap: the adapter (parsed transactions, undefined for null) over both', () => {
    for (let i = 0; i < Math.ceil(CASES / 5); i++) {
      const header = { type: 'comap', ruleset: { type: 'unsafeAllowAll' }, meta: null, ...theirs.createdNowUnique() }
      const coID = `co_z${theirs.shortHash(header).slice('shortHash_z'.length)}`
      assert.equal(`co_z${ours.shortHash(header).slice('shortHash_z'.length)}`, coID)
      const headerJson = JSON.stringify(header)
      const maxTxSize = 100 * 1024
      const mo = ours.createSessionMap(coID, headerJson, maxTxSize, false)
      const mt = theirs.createSessionMap(coID, headerJson, maxTxSize, false)
      const both = (f, what) => sameOutcome(() => f(mo), () => f(mt), what)
      both((m) => m.getHeader(), 'getHeader')

      const agentSecret = theirs.newRandomAgentSecret()
      const signerSecret = theirs.getAgentSignerSecret(agentSecret)
      const signerID = theirs.getSignerID(signerSecret)
      const sessionID = theirs.newRandomSessionID(`co_z${base58.encode(rng.bytes(16))}`)
      const keySecret = `keySecret_z${base58.encode(rng.bytes(32))}`
      const keyID = `key_z${base58.encode(rng.bytes(12))}`
      const count = 1 + rng.int(8)
      const t0 = 1767225600000 + rng.int(1e9)
      for (let k = 0; k < count; k++) {
        const changes = JSON.stringify([{ op: 'set', key: rng.string(), value: rng.value() ?? null }])
        const meta = rng.bool(0.3) ? JSON.stringify({ note: rng.string() }) : undefined
        if (rng.bool()) {
          const r = both((m) => m.makeNewPrivateTransaction(sessionID, signerSecret, changes, keyID, keySecret, meta, t0 + k), 'makeNewPrivateTransaction')
          assert.equal(r.ok, true, 'makeNewPrivateTransaction')
        } else {
          const r = both((m) => m.makeNewTrustingTransaction(sessionID, signerSecret, changes, meta, t0 + k), 'makeNewTrustingTransaction')
          assert.equal(r.ok, true, 'makeNewTrustingTransaction')
        }
      }
      both((m) => m.getSessionIds(), 'getSessionIds')
      both((m) => m.getTransactionCount(sessionID), 'getTransactionCount')
      both((m) => m.getTransactionCount('co_zNobody_session_zNone'), 'getTransactionCount(unknown)')
      for (let k = -1; k <= count; k++) {
        both((m) => m.getTransaction(sessionID, k), `getTransaction(${k})`)
        both((m) => m.getSignatureAfter(sessionID, k), `getSignatureAfter(${k})`)
        both((m) => m.decryptTransaction(sessionID, k, keySecret), `decryptTransaction(${k})`)
        both((m) => m.decryptTransactionMeta(sessionID, k, keySecret), `decryptTransactionMeta(${k})`)
      }
      const from = rng.int(count + 1)
      const txs = both((m) => m.getSessionTransactions(sessionID, from), 'getSessionTransactions').value
      both((m) => m.getSessionTransactions('co_zNobody_session_zNone', 0), 'getSessionTransactions(unknown)')
      both((m) => m.getLastSignature(sessionID), 'getLastSignature')
      both((m) => m.getLastSignature('co_zNobody_session_zNone'), 'getLastSignature(unknown)')
      both((m) => m.getLastSignatureCheckpoint(sessionID), 'getLastSignatureCheckpoint')
      both((m) => m.getKnownState(), 'getKnownState')
      both((m) => m.getKnownStateWithStreaming(), 'getKnownStateWithStreaming')
      both((m) => m.isStreaming(), 'isStreaming')

      // What one side wrote, the other verifies and stores (as a peer sends it: the parsed
      // transactions, re-serialised, with the last signature).
      const all = mt.getSessionTransactions(sessionID, 0)
      const signature = mt.getLastSignature(sessionID)
      const ro = ours.createSessionMap(coID, headerJson, maxTxSize, false)
      const rt = theirs.createSessionMap(coID, headerJson, maxTxSize, false)
      const both2 = (f, what) => sameOutcome(() => f(ro), () => f(rt), what)
      assert.equal(both2((m) => m.addTransactions(sessionID, signerID, JSON.stringify(all), signature, false), 'addTransactions').ok, true)
      both2((m) => m.getSessionTransactions(sessionID, 0), 'getSessionTransactions after addTransactions')
      assert.deepEqual(ro.getSessionTransactions(sessionID, from), txs)
      both2((m) => m.getKnownState(), 'getKnownState after addTransactions')
      both2((m) => m.decryptTransaction(sessionID, 0, keySecret), 'decryptTransaction after addTransactions')
      // A wrong signature is rejected by both.
      const fresh = () => [ours.createSessionMap(coID, headerJson, maxTxSize, false), theirs.createSessionMap(coID, headerJson, maxTxSize, false)]
      const [fo, ft] = fresh()
      const wrongSig = theirs.sign(signerSecret, 'something else')
      const rejected = sameOutcome(
        () => fo.addTransactions(sessionID, signerID, JSON.stringify(all), wrongSig, false),
        () => ft.addTransactions(sessionID, signerID, JSON.stringify(all), wrongSig, false),
        'addTransactions(wrong signature)',
      )
      assert.equal(rejected.ok, false)

      // Streaming state and deletion.
      const streaming = JSON.stringify({ id: coID, header: true, sessions: { [sessionID]: count + 3 } })
      both2((m) => m.setStreamingKnownState(streaming), 'setStreamingKnownState')
      both2((m) => m.isStreaming(), 'isStreaming after setStreamingKnownState')
      both2((m) => m.getKnownStateWithStreaming(), 'getKnownStateWithStreaming after setStreamingKnownState')
      both2((m) => m.isDeleted(), 'isDeleted')
      both2((m) => m.markAsDeleted(), 'markAsDeleted')
      both2((m) => m.isDeleted(), 'isDeleted after markAsDeleted')
    }
  })
})
