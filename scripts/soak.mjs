// Soak test: many mixed primitive operations and SessionMap transactions, with RSS printed at
// intervals for ours and upstream side by side. Each implementation runs in its own child
// process so that their memory does not mix. After warm-up, RSS growth must stay under the limit.
//
//   node scripts/soak.mjs [primitiveOps=1000000] [transactions=100000]
//   SOAK_LIMIT_MB (default 20)
import { fork } from 'node:child_process'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'

const require = createRequire(import.meta.url)
const OPS = Number(process.argv[2] || 1_000_000)
const TXS = Number(process.argv[3] || 100_000)
const LIMIT_MB = Number(process.env.SOAK_LIMIT_MB || 20)
const SAMPLES = 10

async function child(which) {
  const lib = which === 'ours' ? require('../napi-crypto.js') : require('cojson-core-napi-upstream')
  const { base58 } = require('@scure/base')
  const enc = new TextEncoder()
  const signerSecret = 'signerSecret_z' + base58.encode(new Uint8Array(32).fill(3))
  const signerSecretBytes = enc.encode(signerSecret)
  const signerId = enc.encode(lib.getSignerId(signerSecretBytes))
  const sealerA = 'sealerSecret_z' + base58.encode(new Uint8Array(32).fill(5))
  const sealerB = 'sealerSecret_z' + base58.encode(new Uint8Array(32).fill(6))
  const sealerBId = lib.getSealerId(enc.encode(sealerB))
  const sealerAId = lib.getSealerId(enc.encode(sealerA))
  const keySecret = 'keySecret_z' + base58.encode(new Uint8Array(32).fill(9))
  const header = JSON.stringify({ meta: null, ruleset: { type: 'unsafeAllowAll' }, type: 'comap', uniqueness: 'zSoak' })
  const coId = 'co_z' + lib.shortHash(header).slice('shortHash_z'.length)
  const rss = () => process.memoryUsage().rss / 2 ** 20
  // Node runs the finalizers of native objects from the event loop, so a server that never yields
  // never frees them: yield every 1,000 operations, as a worker does between messages.
  const tick = () => new Promise((resolve) => setImmediate(resolve))
  // Collect garbage (and let finalizers run) first, so RSS shows what is retained.
  const report = async (phase, i) => {
    globalThis.gc()
    await tick()
    process.send({ phase, i, rss: rss() })
  }

  // Mixed primitives: hashing, signing, verifying, encrypting, sealing, with fresh inputs.
  const message = new Uint8Array(100)
  for (let i = 0; i < OPS; i++) {
    message[0] = i & 255
    message[1] = (i >> 8) & 255
    switch (i % 8) {
      case 0: lib.blake3HashOnce(message); break
      case 1: lib.blake3HashOnceWithContext(message, message.subarray(0, 8)); break
      case 2: lib.encrypt(message, keySecret, message.subarray(0, 16)); break
      case 3: lib.decrypt(message, keySecret, message.subarray(0, 16)); break
      case 4: if (i % 64 === 4) lib.verify(enc.encode(lib.sign(message, signerSecretBytes)), message, signerId); break
      case 5: lib.unseal(lib.seal(message, sealerA, sealerBId, message.subarray(0, 4)), sealerB, sealerAId, message.subarray(0, 4)); break
      case 6: { const h = new lib.Blake3Hasher(); h.update(message); h.finalize(); break }
      case 7: lib.shortHash(`{"i":${i}}`); break
    }
    if (i % 1000 === 999) await tick()
    if (i % Math.floor(OPS / SAMPLES) === 0) await report('primitives', i)
  }
  await report('primitives', OPS)

  // SessionMaps: 100 transactions each, half private; a peer map verifies each batch.
  let made = 0
  const perMap = 100
  while (made < TXS) {
    const local = new lib.SessionMap(coId, header)
    const peer = new lib.SessionMap(coId, header)
    const session = `${coId}_session_zSoak${made}`
    const batch = []
    let signature
    for (let t = 0; t < perMap; t++, made++) {
      const out = JSON.parse(
        t % 2
          ? local.makeNewPrivateTransaction(session, signerSecret, `[{"op":"set","key":"k","value":${made}}]`, 'key_zSoak', keySecret, null, made)
          : local.makeNewTrustingTransaction(session, signerSecret, `[{"op":"set","key":"k","value":${made}}]`, null, made),
      )
      batch.push(out.transaction)
      signature = out.signature
      if (made % Math.floor(TXS / SAMPLES) === 0) await report('transactions', made)
    }
    peer.addTransactions(session, lib.getSignerId(signerSecretBytes), JSON.stringify(batch), signature, false)
    peer.decryptTransaction(session, 1, keySecret)
    await tick()
  }
  await report('transactions', made)
  process.exit(0)
}

function run(which) {
  return new Promise((resolve, reject) => {
    const samples = []
    const proc = fork(fileURLToPath(import.meta.url), [String(OPS), String(TXS)], {
      env: { ...process.env, SOAK_CHILD: which },
      execArgv: ['--expose-gc'],
    })
    proc.on('message', (m) => samples.push(m))
    proc.on('exit', (code) => (code === 0 ? resolve(samples) : reject(new Error(`${which} soak child exited with ${code}`))))
  })
}

if (process.env.SOAK_CHILD) {
  await child(process.env.SOAK_CHILD)
} else {
  console.log(`soak: ${OPS.toLocaleString('en')} primitive operations, then ${TXS.toLocaleString('en')} SessionMap transactions; RSS limit +${LIMIT_MB} MB after warm-up`)
  const [ours, upstream] = [await run('ours'), await run('upstream')]
  console.log('| phase | progress | ours RSS (MB) | upstream RSS (MB) |')
  console.log('| --- | --: | --: | --: |')
  for (let k = 0; k < ours.length; k++) {
    const u = upstream[k]
    console.log(`| ${ours[k].phase} | ${ours[k].i.toLocaleString('en')} | ${ours[k].rss.toFixed(1)} | ${u ? u.rss.toFixed(1) : '–'} |`)
  }
  // Growth after warm-up: from the third sample of each phase (20% done) to its last sample.
  let failed = false
  for (const phase of ['primitives', 'transactions']) {
    for (const [name, samples] of [['ours', ours], ['upstream', upstream]]) {
      const s = samples.filter((x) => x.phase === phase)
      const growth = s.at(-1).rss - s[Math.min(2, s.length - 1)].rss
      const verdict = growth < LIMIT_MB ? 'ok' : 'TOO MUCH'
      console.log(`${name} ${phase}: RSS growth after warm-up ${growth.toFixed(1)} MB (${verdict})`)
      if (name === 'ours' && growth >= LIMIT_MB) failed = true
    }
  }
  if (failed) {
    console.error(`soak: our RSS grew by ${LIMIT_MB} MB or more after warm-up`)
    process.exit(1)
  }
  console.log('soak: ok')
}
