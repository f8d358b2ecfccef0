// SessionMap benchmark cases: the transaction log is where a Jazz worker spends its crypto time.
import { base58 } from '@scure/base'

const enc = new TextEncoder()
const header = JSON.stringify({
  createdAt: '2026-01-01T00:00:00.000Z',
  meta: null,
  ruleset: { type: 'unsafeAllowAll' },
  type: 'comap',
  uniqueness: 'zBenchUniqueness1',
})
const signerSecret = 'signerSecret_z' + base58.encode(Uint8Array.from({ length: 32 }, (_, i) => i * 7 + 1))
const keySecret = 'keySecret_z' + base58.encode(Uint8Array.from({ length: 32 }, (_, i) => i * 5 + 3))
const changes = (i) => JSON.stringify([{ op: 'set', key: `key${i % 17}`, value: { n: i, text: 'lorem ipsum dolor sit amet' } }])

export function sessionMapCases({ ours, upstream, wasm, oursWasm }) {
  const coId = 'co_z' + upstream.shortHash(header).slice('shortHash_z'.length)
  const sessionId = `co_zBenchAccount_session_z${base58.encode(Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8]))}`
  const signerId = upstream.getSignerId(enc.encode(signerSecret))
  const libs = { ours, upstream, ...(oursWasm && { 'ours-wasm': oursWasm }), wasm }

  // A batch of 1,000 trusting transactions as a peer sends it (plain JSON.stringify of the objects,
  // as cojson 0.20.19 does), with the signature over the whole batch.
  const source = new upstream.SessionMap(coId, header)
  const made = []
  for (let i = 0; i < 1000; i++) made.push(JSON.parse(source.makeNewTrustingTransaction(sessionId, signerSecret, changes(i), null, 1767225600000 + i)))
  const batchJson = JSON.stringify(made.map((m) => ({ privacy: 'trusting', madeAt: m.transaction.madeAt, changes: m.transaction.changes })))
  const batchSignature = made[made.length - 1].signature

  // 1,000 private transactions to decrypt.
  const privateMaps = {}
  for (const [name, lib] of Object.entries(libs)) {
    const m = new lib.SessionMap(coId, header)
    for (let i = 0; i < 1000; i++) m.makeNewPrivateTransaction(sessionId, signerSecret, changes(i), 'key_zBench', keySecret, null, 1767225600000 + i)
    privateMaps[name] = m
  }

  // Small verified batches, as a worker receives them: 1 and 5 transactions (the first 1 or 5 of
  // the source session, with the signature that covers exactly them).
  const smallBatches = [1, 5].map((n) => ({
    n,
    json: JSON.stringify(made.slice(0, n).map((m) => ({ privacy: 'trusting', madeAt: m.transaction.madeAt, changes: m.transaction.changes }))),
    signature: made[n - 1].signature,
  }))

  const impls = (fn) => Object.fromEntries(Object.entries(libs).map(([name, lib]) => [name, () => fn(lib, name)]))
  const add = (lib) => {
    const m = new lib.SessionMap(coId, header)
    m.addTransactions(sessionId, signerId, batchJson, batchSignature, false)
    return m
  }
  const writeTrusting = (lib) => {
    const m = new lib.SessionMap(coId, header)
    let last
    for (let i = 0; i < 1000; i++) last = m.makeNewTrustingTransaction(sessionId, signerSecret, changes(i), null, 1767225600000 + i)
    return last
  }
  const writePrivate = (lib) => {
    const m = new lib.SessionMap(coId, header)
    let last
    for (let i = 0; i < 1000; i++) last = m.makeNewPrivateTransaction(sessionId, signerSecret, changes(i), 'key_zBench', keySecret, null, 1767225600000 + i)
    return last
  }
  const decryptAll = (lib, name) => {
    const m = privateMaps[name]
    let last
    for (let i = 0; i < 1000; i++) last = m.decryptTransaction(sessionId, i, keySecret)
    return last
  }

  const same = (what, fn) => () => {
    const expected = JSON.stringify(fn(upstream, 'upstream'))
    for (const name of ['ours', ...(oursWasm ? ['ours-wasm'] : []), 'wasm']) {
      const got = JSON.stringify(fn(libs[name], name))
      if (got !== expected) throw new Error(`${what}: ${name} differs from upstream`)
    }
  }

  // Maps with many sessions (a popular CoValue, or a peer announcing many): every query must cost
  // time linear in the sessions, as upstream's do.
  const scaling = []
  for (const [label, n] of [
    ['10k', 10_000],
    ['100k', 100_000],
  ]) {
    const ids = Array.from({ length: n }, (_, i) => `co_zAccount${i}_session_z${base58.encode(enc.encode(String(i)))}`)
    const announced = JSON.stringify(Object.fromEntries(ids.map((id) => [id, 5])))
    const streaming = (lib) => {
      const m = new lib.SessionMap(coId, header)
      m.setStreamingKnownState(announced)
      return m.getKnownStateWithStreaming()
    }
    const big = {}
    for (const [name, lib] of Object.entries(libs)) {
      if (name === 'wasm' || name === 'ours-wasm') continue
      const m = new lib.SessionMap(coId, header)
      for (const id of ids) m.addTransactions(id, null, '[]', 'signature_z1', true)
      big[name] = m
    }
    const two = (fn) => ({ ours: () => fn(ours, 'ours'), upstream: () => fn(upstream, 'upstream') })
    const sorted = (state) => JSON.stringify(Object.entries(state.sessions).sort())
    const sameAsUpstream = (what, fn) => () => {
      if (fn(ours, 'ours') !== fn(upstream, 'upstream')) throw new Error(`${what}: ours differs from upstream`)
    }
    scaling.push(
      {
        spec: { name: `SessionMap streaming, ${label} sessions: set + getKnownStateWithStreaming`, baseline: 'upstream', impls: two(streaming) },
        check: sameAsUpstream('streaming', (lib) => sorted(streaming(lib))),
      },
      {
        spec: { name: `SessionMap.getKnownState, ${label} sessions`, baseline: 'upstream', impls: two((lib, name) => big[name].getKnownState()) },
        check: sameAsUpstream('getKnownState', (lib, name) => sorted(big[name].getKnownState())),
      },
      {
        spec: { name: `SessionMap.getSessionIds, ${label} sessions`, baseline: 'upstream', impls: two((lib, name) => big[name].getSessionIds()) },
        check: sameAsUpstream('getSessionIds', (lib, name) => JSON.stringify(big[name].getSessionIds())),
      },
    )
  }

  const addSmall = ({ json, signature }) => (lib) => {
    const m = new lib.SessionMap(coId, header)
    m.addTransactions(sessionId, signerId, json, signature, false)
    return m
  }

  return [
    ...scaling,
    ...smallBatches.map((b) => ({
      spec: { name: `SessionMap.addTransactions ${b.n} tx (verified, new map)`, baseline: 'upstream', impls: impls(addSmall(b)) },
      check: same(`addTransactions ${b.n}`, (lib) => {
        const m = addSmall(b)(lib)
        return [m.getTransactionCount(sessionId), m.getLastSignature(sessionId)]
      }),
    })),
    {
      spec: { name: 'SessionMap.addTransactions 1,000 tx (verified)', baseline: 'upstream', impls: impls(add) },
      check: same('addTransactions', (lib) => {
        const m = add(lib)
        return [m.getTransactionCount(sessionId), m.getLastSignature(sessionId), m.getSessionTransactions(sessionId, 990)]
      }),
    },
    {
      spec: { name: 'SessionMap.makeNewTrustingTransaction × 1,000', baseline: 'upstream', impls: impls(writeTrusting) },
      check: same('makeNewTrustingTransaction', writeTrusting),
    },
    {
      spec: { name: 'SessionMap.makeNewPrivateTransaction × 1,000', baseline: 'upstream', impls: impls(writePrivate) },
      check: same('makeNewPrivateTransaction', writePrivate),
    },
    {
      spec: { name: 'SessionMap.decryptTransaction × 1,000', baseline: 'upstream', impls: impls(decryptAll) },
      check: same('decryptTransaction', decryptAll),
    },
  ]
}
