// SessionMap cost with large state: every method costs time linear in its input and in the map's
// state. A peer controls both (it announces sessions with `expectContentUntil`, sends batches and
// headers), so a method whose cost grows faster would let one message block a worker's event loop:
// getKnownStateWithStreaming took 10 s at 100,000 announced sessions when it searched linearly
// per session (0.20.19: 0.1 s).
//
// The check is a ratio, not a time: each operation runs at size n and 10n (best of 3 each), and
// the larger must take less than 40× the smaller. Linear cost gives about 10×; quadratic 100×.

import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { createRequire } from 'node:module'
import v8 from 'node:v8'
import vm from 'node:vm'

const require = createRequire(import.meta.url)
const { SessionMap, shortHash } = require('../napi-crypto.js')
const { base58 } = require('@scure/base')

const header = JSON.stringify({ createdAt: null, meta: null, ruleset: { type: 'unsafeAllowAll' }, type: 'comap', uniqueness: 'zCost' })
const coId = 'co_z' + shortHash(header).slice('shortHash_z'.length)
const sessionIds = (n) => Array.from({ length: n }, (_, i) => `co_zAccount${i}_session_z${base58.encode(new TextEncoder().encode(String(i)))}`)

// A collection before each timed run, so that a pause for the setup's garbage is not timed.
v8.setFlagsFromString('--expose-gc')
const gc = vm.runInNewContext('gc')

/** Best of 5 timed runs on one input, after an untimed warm-up run. */
function best(input, run) {
  run(input)
  let fastest = Infinity
  for (let i = 0; i < 5; i++) {
    gc()
    const start = process.hrtime.bigint()
    run(input)
    fastest = Math.min(fastest, Number(process.hrtime.bigint() - start))
  }
  return fastest
}

/** `setup(n)` makes the input of size n; `run(input)` must be repeatable on it. */
function assertLinear(what, n, setup, run) {
  const small = best(setup(n), run)
  const large = best(setup(10 * n), run)
  const ratio = large / small
  console.log(`${what}: ${n} → ${10 * n}: ${ratio.toFixed(1)}×`)
  assert.ok(ratio < 40, `${what}: ${10 * n} took ${ratio.toFixed(1)}× as long as ${n} (linear ≈ 10×, quadratic ≈ 100×)`)
}

function mapWithSessions(n) {
  const map = new SessionMap(coId, header)
  for (const id of sessionIds(n)) map.addTransactions(id, null, '[]', 'signature_z1', true)
  return map
}

describe('SessionMap: cost linear in input and state', () => {
  test('setStreamingKnownState + getKnownStateWithStreaming with many announced sessions', () => {
    assertLinear(
      'streaming',
      10_000,
      (n) => JSON.stringify(Object.fromEntries(sessionIds(n).map((id) => [id, 3]))),
      (json) => {
        const map = new SessionMap(coId, header)
        map.setStreamingKnownState(json)
        assert.ok(map.isStreaming())
        map.getKnownStateWithStreaming()
      },
    )
  })

  test('streaming announced for known sessions, then covered one add at a time', () => {
    const tx = JSON.stringify([{ changes: '[]', madeAt: 1, privacy: 'trusting' }])
    assertLinear(
      'streaming coverage',
      5_000,
      sessionIds,
      (ids) => {
        const map = new SessionMap(coId, header)
        for (const id of ids) map.addTransactions(id, null, '[]', 'signature_z1', true)
        map.setStreamingKnownState(JSON.stringify(Object.fromEntries(ids.map((id) => [id, 1]))))
        for (const id of ids) map.addTransactions(id, null, tx, 'signature_z1', true)
        assert.equal(map.isStreaming(), false)
      },
    )
  })

  test('getKnownState and getSessionIds with many sessions', () => {
    assertLinear('getKnownState', 10_000, mapWithSessions, (map) => map.getKnownState())
    assertLinear('getSessionIds', 10_000, mapWithSessions, (map) => map.getSessionIds())
  })

  test('addTransactions of a large batch', () => {
    const signerSecret = 'signerSecret_z' + base58.encode(new Uint8Array(32).fill(7))
    assertLinear(
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
  })

  test('a header with many meta fields', () => {
    assertLinear(
      'header',
      5_000,
      (n) => {
        const meta = Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, `v\ud800${i}`]))
        return JSON.stringify({ meta, ruleset: { type: 'unsafeAllowAll' }, type: 'comap', uniqueness: null })
      },
      (json) => new SessionMap('co_zUnchecked', json, null, true).getHeader(),
    )
  })
})
