// `npm run bench:cost`: SessionMap cost with large state. Every method must cost time linear in its input and in the map's
// state. A peer controls both (it announces sessions with `expectContentUntil`, sends batches and
// headers), so a method whose cost grows faster would let one message block a worker's event loop:
// getKnownStateWithStreaming took 10 s at 100,000 announced sessions when it searched linearly
// per session (0.20.19: 0.1 s).
//
// Each operation runs at size n and 10n (best of 5 each) and the ratio of the times is printed:
// linear cost gives about 10×, quadratic 100×; a ratio of 40× or more is flagged and the script exits
// 1. A benchmark, not a test: on a loaded machine one ratio can go far past 40× (68× was seen with
// other work running; 10–12× on a quiet machine), so nothing in `npm test` depends on it.

import { createRequire } from 'node:module'
import v8 from 'node:v8'
import vm from 'node:vm'

const require = createRequire(import.meta.url)
const { SessionMap, shortHash } = require('../napi-crypto.js')
const flagged = []
const { base58 } = require('@scure/base')

const header = JSON.stringify({ createdAt: null, meta: null, ruleset: { type: 'unsafeAllowAll' }, type: 'comap', uniqueness: 'zCost' })
const coId = 'co_z' + shortHash(header).slice('shortHash_z'.length)
const sessionIds = (n) => Array.from({ length: n }, (_, i) => `co_zAccount${i}_session_z${base58.encode(new TextEncoder().encode(String(i)))}`)

// A collection before each timed run, so that a pause for the setup's garbage is not timed.
v8.setFlagsFromString('--expose-gc')
const gc = vm.runInNewContext('gc')

// After a collection the event loop turns once, so that the finalizers of collected SessionMaps
// run and free their Rust memory, as they would in a worker.
const settle = () => new Promise((resolve) => setImmediate(resolve))

/** Best of 5 timed runs on one input, after an untimed warm-up run. */
async function best(input, run) {
  run(input)
  let fastest = Infinity
  for (let i = 0; i < 5; i++) {
    gc()
    await settle()
    const start = process.hrtime.bigint()
    run(input)
    fastest = Math.min(fastest, Number(process.hrtime.bigint() - start))
  }
  return fastest
}

/** `setup(n)` makes the input of size n; `run(input)` must be repeatable on it. */
async function assertLinear(what, n, setup, run) {
  const small = await best(setup(n), run)
  const large = await best(setup(10 * n), run)
  const ratio = large / small
  const flag = ratio < 40 ? '' : '  <- 40× or more: superlinear, or a loaded machine (rerun)'
  const ms = (ns) => `${(ns / 1e6).toFixed(2)} ms`
  console.log(`${what.padEnd(20)} ${String(n).padStart(7)} → ${String(10 * n).padEnd(7)} ${ms(small).padStart(10)} → ${ms(large).padStart(10)} ${ratio.toFixed(1).padStart(6)}×${flag}`)
  if (flag) flagged.push(what)
}

function mapWithSessions(n) {
  const map = new SessionMap(coId, header)
  for (const id of sessionIds(n)) map.addTransactions(id, null, '[]', 'signature_z1', true)
  return map
}

console.log('SessionMap cost at n and 10n: best of 5 times, their ratio (linear ≈ 10×, quadratic ≈ 100×)')
{
  // setStreamingKnownState + getKnownStateWithStreaming with many announced sessions
  {
    await assertLinear(
      'streaming',
      10_000,
      (n) => JSON.stringify(Object.fromEntries(sessionIds(n).map((id) => [id, 3]))),
      (json) => {
        const map = new SessionMap(coId, header)
        map.setStreamingKnownState(json)
        if (!map.isStreaming()) throw new Error('setStreamingKnownState: the map is not streaming')
        map.getKnownStateWithStreaming()
      },
    )
  }

  // streaming announced for known sessions, then covered one add at a time
  {
    const tx = JSON.stringify([{ changes: '[]', madeAt: 1, privacy: 'trusting' }])
    await assertLinear(
      'streaming coverage',
      5_000,
      sessionIds,
      (ids) => {
        const map = new SessionMap(coId, header)
        for (const id of ids) map.addTransactions(id, null, '[]', 'signature_z1', true)
        map.setStreamingKnownState(JSON.stringify(Object.fromEntries(ids.map((id) => [id, 1]))))
        for (const id of ids) map.addTransactions(id, null, tx, 'signature_z1', true)
        if (map.isStreaming()) throw new Error('streaming coverage: the map is still streaming')
      },
    )
  }

  // getKnownState and getSessionIds with many sessions
  {
    await assertLinear('getKnownState', 10_000, mapWithSessions, (map) => map.getKnownState())
    await assertLinear('getSessionIds', 10_000, mapWithSessions, (map) => map.getSessionIds())
  }

  // addTransactions of a large batch
  {
    const signerSecret = 'signerSecret_z' + base58.encode(new Uint8Array(32).fill(7))
    await assertLinear(
      'addTransactions',
      1_000,
      (n) => {
        const source = new SessionMap(coId, header)
        const id = sessionIds(1)[0]
        let last
        const txs = []
        for (let i = 0; i < n; i++) {
          last = JSON.parse(source.makeNewTrustingTransaction(id, signerSecret, `[{"op":"set","key":"k","value":${i}}]`, null, i))
          txs.push(last.transaction)
        }
        return { id, json: JSON.stringify(txs), signature: last.signature }
      },
      ({ id, json, signature }) => new SessionMap(coId, header).addTransactions(id, null, json, signature, true),
    )
  }

  // a header with many meta fields
  {
    await assertLinear(
      'header',
      5_000,
      (n) => {
        const meta = Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, `v\ud800${i}`]))
        return JSON.stringify({ meta, ruleset: { type: 'unsafeAllowAll' }, type: 'comap', uniqueness: null })
      },
      (json) => new SessionMap('co_zUnchecked', json, null, true).getHeader(),
    )
  }
}
if (flagged.length) {
  console.log(`flagged: ${flagged.join(', ')}`)
  process.exit(1)
}
