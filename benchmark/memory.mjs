// Memory of live SessionMaps: 1,000 maps × 100 transactions each, kept alive, measured as RSS
// growth over a baseline in a child process per implementation (so they do not share a heap).
import { fork } from 'node:child_process'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'

const MAPS = 1000
const PER_MAP = 100

async function child(which) {
  const require = createRequire(import.meta.url)
  const lib = which === 'ours' ? require('../napi-crypto.js') : require('cojson-core-napi-upstream')
  const { base58 } = require('@scure/base')
  const signerSecret = 'signerSecret_z' + base58.encode(new Uint8Array(32).fill(4))
  const signerId = lib.getSignerId(new TextEncoder().encode(signerSecret))
  const header = JSON.stringify({ meta: null, ruleset: { type: 'unsafeAllowAll' }, type: 'comap', uniqueness: 'zMemory' })
  const coId = 'co_z' + lib.shortHash(header).slice('shortHash_z'.length)
  // One signed batch of 100 transactions, added (verified) to every map as a peer would.
  const source = new lib.SessionMap(coId, header)
  const session = `${coId}_session_zMemory`
  const txs = []
  let signature
  for (let i = 0; i < PER_MAP; i++) {
    const out = JSON.parse(source.makeNewTrustingTransaction(session, signerSecret, JSON.stringify([{ op: 'set', key: `k${i}`, value: 'v'.repeat(40) }]), null, 1767225600000 + i))
    txs.push(out.transaction)
    signature = out.signature
  }
  const batch = JSON.stringify(txs)
  const settle = async () => {
    globalThis.gc()
    await new Promise((resolve) => setImmediate(resolve))
    globalThis.gc()
    return process.memoryUsage().rss
  }
  const before = await settle()
  const maps = []
  for (let m = 0; m < MAPS; m++) {
    const map = new lib.SessionMap(coId, header)
    map.addTransactions(session, signerId, batch, signature, false)
    maps.push(map)
  }
  const after = await settle()
  if (maps.length !== MAPS || maps[MAPS - 1].getTransactionCount(session) !== PER_MAP) throw new Error('maps not filled')
  process.send({ mb: (after - before) / 2 ** 20 })
}

function measure(which) {
  return new Promise((resolve, reject) => {
    const proc = fork(fileURLToPath(import.meta.url), [], { env: { ...process.env, MEMORY_CHILD: which }, execArgv: ['--expose-gc'] })
    let result
    proc.on('message', (m) => (result = m))
    proc.on('exit', (code) => (code === 0 && result ? resolve(result.mb) : reject(new Error(`${which} memory child exited with ${code}`))))
  })
}

export async function memoryComparison() {
  return { ours: await measure('ours'), upstream: await measure('upstream') }
}

if (process.env.MEMORY_CHILD) {
  await child(process.env.MEMORY_CHILD)
} else if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { ours, upstream } = await memoryComparison()
  console.log(`RSS of ${MAPS} SessionMaps × ${PER_MAP} transactions: ours ${ours.toFixed(1)} MB, upstream ${upstream.toFixed(1)} MB`)
}
