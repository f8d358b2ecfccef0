// A Jazz server worker app as a user writes one: jazz-tools 0.20.19, with cojson's own dependency
// `cojson-core-napi` pointed at this package's release by npm `overrides` (package.json). It runs
// the balance service of the Jazz docs (the modules of examples/balance, copied in beside this
// file) with the worker on one CryptoProvider:
//
//   node main.mjs cojson-core-napi    this package's NapiCrypto
//   node main.mjs jazz-tools/napi     cojson's NapiCrypto (jazz-tools/napi), which loads cojson-core-napi
//
// Env EXPECT_NATIVE=<file.node>: fail unless the one cojson-core-napi binary that loaded is
// byte-identical to that file. Prints `APP OK <provider> ...` and exits 0, or `APP FAIL ...`, 1.
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { runBalanceService } from './run.mjs'

const provider = process.argv[2] ?? 'cojson-core-napi'
const TIMEOUT_MS = Number(process.env.APP_TIMEOUT_MS ?? 120_000)
const watchdog = setTimeout(() => {
  console.error(`APP FAIL ${provider}: no result within ${TIMEOUT_MS / 1000} s (sync server, worker or a client hangs)`)
  process.exit(2)
}, TIMEOUT_MS)
watchdog.unref()

const problems = []
const expect = (ok, what) => ok || problems.push(what)
const t0 = performance.now()
let result
try {
  const { NapiCrypto } = provider === 'jazz-tools/napi' ? await import('jazz-tools/napi') : await import('cojson-core-napi')
  result = await runBalanceService({ workerCrypto: await NapiCrypto.create() })
} catch (error) {
  console.error(`APP FAIL ${provider}:`, error)
  process.exit(1)
}
expect(result.alice.seen.at(-1) === 20, `Alice should end at 20, saw ${result.alice.seen.at(-1)}`)
expect(result.bob.seen.at(-1) === 30, `Bob should end at 30, saw ${result.bob.seen.at(-1)}`)
expect(/Insufficient balance/.test(result.bob.rejection ?? ''), `Bob's purchase should be rejected, got ${result.bob.rejection}`)
expect(result.tamper.workerView === 25 && result.tamper.freshView === 25, 'Alice must not be able to write her balance')
expect(!result.crossRead.isLoaded, "Bob must not be able to read Alice's balance")

// Which binary served the worker, and which cojson-core-napi cojson itself resolves.
const natives = process.report.getReport().sharedObjects.filter((file) => /cojson-core-napi[^/]*\.node$/.test(file))
expect(natives.length === 1, `exactly one cojson-core-napi binary should be loaded, got ${JSON.stringify(natives)}`)
if (process.env.EXPECT_NATIVE && natives.length === 1) {
  expect(readFileSync(natives[0]).equals(readFileSync(process.env.EXPECT_NATIVE)), `${natives[0]} is not byte-identical to ${process.env.EXPECT_NATIVE}`)
}
const fromCojson = createRequire(import.meta.resolve('cojson'))('cojson-core-napi/package.json').version
const ours = createRequire(import.meta.url)('cojson-core-napi/package.json').version
expect(fromCojson === ours, `cojson resolves cojson-core-napi ${fromCojson}, the app ${ours}`)

// The code paths the binary chose on this CPU (binaryInfo(), where the package has it).
const { binaryInfo } = await import('cojson-core-napi')
const info = typeof binaryInfo === 'function' ? binaryInfo() : null
if (info?.cpuFeatures?.includes('avx512ifma')) expect(info.backends?.ed25519 === 'avx512ifma', `this CPU has AVX-512 IFMA, the binary uses ${info.backends?.ed25519}`)

const line = `${provider} node ${process.version} ${process.platform}-${process.arch}: native ${natives[0]}; cojson's cojson-core-napi ${fromCojson}; backends ${JSON.stringify(info?.backends ?? null)}; worker processed ${result.workerStats.processed} messages (${result.workerStats.rejected} rejected) in ${((performance.now() - t0) / 1000).toFixed(1)} s`
if (problems.length) {
  console.error(`APP FAIL ${line}\n  ${problems.join('\n  ')}`)
  process.exit(1)
}
console.log(`APP OK ${line}`)
process.exit(0)
