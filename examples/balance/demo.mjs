// `npm run demo`: the balance service from the Jazz docs, on a local embedded sync server.
// The worker runs on this package's NapiCrypto; the two clients use cojson's WasmCrypto.
import { NapiCrypto } from '../../napi-crypto.js'
import { runBalanceService } from './run.mjs'

const TIMEOUT_MS = Number(process.env.DEMO_TIMEOUT_MS ?? 60_000)
const started = performance.now()
const elapsed = () => `${((performance.now() - started) / 1000).toFixed(2)}s`

const watchdog = setTimeout(() => {
  console.error(`demo: TIMEOUT after ${TIMEOUT_MS / 1000} s, something hangs (sync server, worker or a client); exiting.`)
  process.exit(2)
}, TIMEOUT_MS)
watchdog.unref()

function log(line) {
  console.log(`[${elapsed().padStart(6)}] ${line}`)
}

try {
  const result = await runBalanceService({ workerCrypto: await NapiCrypto.create(), log })
  const problems = check(result)
  console.log('')
  console.log(`Alice: balance ${result.alice.initial} → ${result.alice.seen.at(-1)} (${result.alice.purchases.length + 1} purchases)`)
  console.log(`Bob:   balance ${result.bob.initial} → ${result.bob.seen.at(-1)}; rejected: "${result.bob.rejection}"`)
  console.log(`Worker processed ${result.workerStats.processed} inbox messages (${result.workerStats.rejected} rejected).`)
  if (problems.length) {
    console.error(`demo: FAILED:\n  ${problems.join('\n  ')}`)
    process.exit(1)
  }
  console.log(`demo: OK in ${elapsed()}`)
  process.exit(0)
} catch (error) {
  console.error('demo: FAILED:', error)
  process.exit(1)
}

function check(result) {
  const problems = []
  const expect = (ok, what) => ok || problems.push(what)
  expect(result.alice.seen.at(-1) === 20, `Alice should end at 20, saw ${result.alice.seen.at(-1)}`)
  expect(result.bob.seen.at(-1) === 30, `Bob should end at 30, saw ${result.bob.seen.at(-1)}`)
  expect(/Insufficient balance/.test(result.bob.rejection ?? ''), `Bob's laptop should be rejected, got ${result.bob.rejection}`)
  expect(result.tamper.workerView === 25 && result.tamper.freshView === 25, 'Alice must not be able to write her balance')
  expect(!result.crossRead.isLoaded, 'Bob must not be able to read Alice\'s balance')
  return problems
}
