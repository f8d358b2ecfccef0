'use strict'
// Smoke test for one build of the addon, on whatever runtime runs this file (host Node, a musl Node,
// Node under qemu-user, Node on a CI runner). No dependencies beyond Node's own modules.
//
//   node scripts/smoke.cjs [WHAT] [--expect-platform P] [--expect-same-as FILE] [--expect-backend NAME=VALUE]...
//
// WHAT is a `.node` file (loaded directly: the raw binding), or a package name or directory
// (loaded with require(): the package entry, napi-crypto.js, and through it the generated loader,
// which picks the platform package). Default: the package in this repository.
// --expect-platform linux-x64-musl  fail unless the loaded binary is <binaryName>.<P>.node
// --expect-same-as FILE              fail unless the loaded binary is byte-identical to FILE
// --expect-backend ed25519=avx2      fail unless binaryInfo().backends.ed25519 is avx2 (the code path
//                                    the binary chose for this CPU; repeatable)
//
// Known answers come from the specs (BLAKE3, RFC 8032, RFC 7748) and, for the cojson formats
// (seal, SessionMap), from the reference package cojson-core-napi@0.20.19, so a build for
// another architecture must agree with both bit for bit.
// Prints `SMOKE OK <platform> <runtime> (…; backends ed25519 X, blake3 Y)` and exits 0, or prints
// the failures and exits 1.

const fs = require('node:fs')
const path = require('node:path')

const args = process.argv.slice(2)
let what = path.join(__dirname, '..')
let expectPlatform = null
let expectSameAs = null
const expectBackends = []
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--expect-platform') expectPlatform = args[++i]
  else if (args[i] === '--expect-same-as') expectSameAs = args[++i]
  else if (args[i] === '--expect-backend') expectBackends.push(args[++i].split('='))
  else what = args[i]
}

const enc = new TextEncoder()
const hex = (b) => Buffer.from(b).toString('hex')
const unhex = (s) => new Uint8Array(Buffer.from(s, 'hex'))
const failures = []
let checks = 0
function check(name, ok, detail) {
  checks++
  if (!ok) failures.push(`${name}${detail === undefined ? '' : `: ${detail}`}`)
}
function attempt(name, fn) {
  try {
    fn()
  } catch (e) {
    failures.push(`${name}: threw ${e && e.code ? `${e.code} ` : ''}${e && e.message}`)
  }
}

function runtime() {
  const report = process.report && typeof process.report.getReport === 'function' ? process.report.getReport() : null
  const glibc = report && report.header && report.header.glibcVersionRuntime
  const libc = process.platform !== 'linux' ? '' : glibc ? `-glibc${glibc}` : '-musl'
  const engine = process.versions.bun ? `bun${process.versions.bun}` : `node${process.versions.node}`
  return `${engine}-${process.platform}-${process.arch}${libc}`
}

// --- load
let lib
const isNodeFile = what.endsWith('.node')
try {
  lib = require(isNodeFile || what.startsWith('.') || path.isAbsolute(what) ? path.resolve(what) : what)
} catch (e) {
  console.error(`SMOKE FAIL load ${what} on ${runtime()}`)
  for (let err = e; err; err = err.cause) console.error(`  ${err.code || ''} ${String(err.message).split('\n').join('\n  ')}`)
  process.exit(1)
}
const loaded = Object.keys(require.cache).filter((f) => f.endsWith('.node'))
const binary = loaded.length === 1 ? loaded[0] : null
check('exactly one native binary loaded', binary !== null, JSON.stringify(loaded))
const platform = binary ? path.basename(binary).replace(/\.node$/, '').split('.').pop() : 'unknown'
if (expectPlatform) check('loader picked the expected platform binary', platform === expectPlatform, `${platform} (${binary})`)
if (expectSameAs && binary) {
  check('loaded binary is the expected file', fs.readFileSync(binary).equals(fs.readFileSync(expectSameAs)), `${binary} vs ${expectSameAs}`)
}

// --- what the binary chose for this CPU (curve25519-dalek and BLAKE3 pick their code at run time)
let backends = {}
attempt('binaryInfo', () => {
  backends = lib.binaryInfo().backends
  check('binaryInfo().backends', typeof backends.ed25519 === 'string' && typeof backends.blake3 === 'string', JSON.stringify(backends))
  for (const [name, want] of expectBackends) check(`backends.${name}`, backends[name] === want, `${backends[name]}, expected ${want}`)
})

// --- BLAKE3 (official vector for "abc"), a 2 MiB input (SIMD / parallel paths) and the hasher
attempt('blake3', () => {
  check('BLAKE3("abc")', hex(lib.blake3HashOnce(enc.encode('abc'))) === '6437b3ac38465133ffb63b75273a8db548c558465d79db03fd359c6cd5bd9d85')
  const big = new Uint8Array(2 << 20)
  for (let i = 0; i < big.length; i++) big[i] = (i * 31 + 7) & 255
  const expected = '11de9a913a94a73b12849720120628327c46d4e47e14c83c7a9e50767e149c2a'
  check('BLAKE3(2 MiB)', hex(lib.blake3HashOnce(big)) === expected)
  const h = new lib.Blake3Hasher()
  for (let off = 0; off < big.length; off += 100003) h.update(big.subarray(off, off + 100003))
  check('Blake3Hasher(2 MiB in pieces)', hex(h.finalize()) === expected)
})

// --- Ed25519: RFC 8032 section 7.1, TEST 1 (empty message)
attempt('ed25519', () => {
  const sk = unhex('9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60')
  const pk = 'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a'
  const sig =
    'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b'
  check('RFC 8032 test 1 public key', hex(lib.ed25519VerifyingKey(sk)) === pk)
  const s = lib.ed25519Sign(sk, new Uint8Array(0))
  check('RFC 8032 test 1 signature', hex(s) === sig)
  check('RFC 8032 test 1 verify', lib.ed25519Verify(unhex(pk), new Uint8Array(0), s) === true)
  const bad = unhex(sig)
  bad[0] ^= 1
  check('RFC 8032 test 1 verify (tampered) is false', lib.ed25519Verify(unhex(pk), new Uint8Array(0), bad) === false)
})

// --- X25519: RFC 7748 section 6.1
attempt('x25519', () => {
  const a = unhex('77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a')
  const b = unhex('5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb')
  const A = '8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a'
  const B = 'de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f'
  const K = '4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742'
  check('RFC 7748 Alice public', hex(lib.x25519PublicKey(a)) === A)
  check('RFC 7748 Bob public', hex(lib.x25519PublicKey(b)) === B)
  check('RFC 7748 shared (Alice)', hex(lib.x25519DiffieHellman(a, unhex(B))) === K)
  check('RFC 7748 shared (Bob)', hex(lib.x25519DiffieHellman(b, unhex(A))) === K)
})

// --- seal / unseal (cojson's sealer format), round trip and tamper
attempt('seal', () => {
  const senderSecret = 'sealerSecret_z4wBqpZM9xaSheZzJSMawUKKwhdpChKbZ5eu5ky4Vigw'
  const recipientSecret = 'sealerSecret_zBv5oWqJtTrQ3aRz2G1dpm6XCLZcfQkGjKVSLHmhwgdnA'
  const senderId = lib.getSealerId(enc.encode(senderSecret))
  const recipientId = lib.getSealerId(enc.encode(recipientSecret))
  check('sealer id', senderId === 'sealer_zWpSggvhoqoVW4XJvfjsB52dvVunYSQWrz6XiuMQVsCf', senderId)
  const nonce = enc.encode('nonce-material')
  const sealed = lib.seal(enc.encode('hello smoke'), senderSecret, recipientId, nonce)
  check('seal (same bytes as cojson-core-napi 0.20.19)', hex(sealed) === '9718b338d9b95a4d7f4385f2952304c6a0be26c8c7053b8d0dde78', hex(sealed))
  const opened = lib.unseal(sealed, recipientSecret, senderId, nonce)
  check('unseal round trip', Buffer.from(opened).toString() === 'hello smoke')
  const tampered = new Uint8Array(sealed)
  tampered[20] ^= 1
  let code = 'no error'
  try {
    lib.unseal(tampered, recipientSecret, senderId, nonce)
  } catch (e) {
    code = e.code
  }
  check('unseal of a tampered box throws ERR_DECRYPTION_FAILED', code === 'ERR_DECRYPTION_FAILED', code)
})

// --- SessionMap: a signed trusting transaction, then a second map that verifies and adds it
attempt('SessionMap', () => {
  const header =
    '{"createdAt":"2024-01-01T00:00:00.000Z","meta":null,"ruleset":{"type":"unsafeAllowAll"},"type":"comap","uniqueness":"zUnique123"}'
  const coId = 'co_zZo6gaxUzJk7pNhaa5XHy4d43Z2'
  const session = `${coId}_session_zSmoke1`
  const signerSecret = 'signerSecret_z4wBqpZM9xaSheZzJSMawUKKwhdpChKbZ5eu5ky4Vigw'
  const signerId = lib.getSignerId(enc.encode(signerSecret))
  check('signer id', signerId === 'signer_z9C6hybhQ6Aycep9jaUnP6uL9ZYvDjUp1aSkFWPUFJtpj', signerId)
  const writer = new lib.SessionMap(coId, header)
  const made = JSON.parse(writer.makeNewTrustingTransaction(session, signerSecret, '[{"op":"set","key":"k","value":1}]', null, 1700000000000))
  const expectedSig =
    'signature_z4MpJw8nhnhbz46ehMG8n5ER4va7afGDCn6wzexHn7foWcgZ17mntBERce9zHoZ97hMfCDhrGR6MVshmHtNGwgTDJ'
  check('transaction signature (same as cojson-core-napi 0.20.19)', made.signature === expectedSig, made.signature)
  const reader = new lib.SessionMap(coId, header)
  reader.addTransactions(session, signerId, JSON.stringify([made.transaction]), made.signature, false)
  check('reader transaction count', reader.getTransactionCount(session) === 1)
  check('reader known state', reader.getKnownState().sessions[session] === 1)
  check('reader last signature', reader.getLastSignature(session) === made.signature)
  check('reader transaction', JSON.stringify(JSON.parse(reader.getTransaction(session, 0))) === JSON.stringify(made.transaction))
  const other = new lib.SessionMap(coId, header)
  let threw = false
  try {
    const forged = { ...made.transaction, changes: '[{"op":"set","key":"k","value":2}]' }
    other.addTransactions(session, signerId, JSON.stringify([forged]), made.signature, false)
  } catch {
    threw = true
  }
  check('addTransactions rejects a forged transaction', threw && other.getTransactionCount(session) === -1)
})

if (failures.length) {
  console.error(`SMOKE FAIL ${platform} ${runtime()} (${failures.length} of ${checks} checks)`)
  for (const f of failures) console.error(`  - ${f}`)
  process.exit(1)
}
const chose = Object.entries(backends).map(([k, v]) => `${k} ${v}`).join(', ')
console.log(`SMOKE OK ${platform} ${runtime()} (${checks} checks, ${isNodeFile ? 'direct .node' : 'via package loader'}: ${binary}; backends ${chose})`)
