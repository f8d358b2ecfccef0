// Runs the whole balance scenario in this process with the worker on the CryptoProvider named by
// argv[2] (see examples/balance/worker-crypto.mjs) and writes one JSON line with the result and
// what this process really loaded: `{ result, provider, coreModule, addons }` or `{ error }`.
// With `--expect-our-binary` it also checks, here in the child, that `cojson-core-napi` is this
// package and that the only native addon loaded is our binary (and fails otherwise).
import { createRequire } from 'node:module'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { runBalanceService } from '../../examples/balance/run.mjs'
import { createWorkerCrypto, loadedNativeAddons } from '../../examples/balance/worker-crypto.mjs'

const kind = process.argv[2] ?? 'ours'
const timer = setTimeout(() => {
  process.stdout.write(JSON.stringify({ error: 'scenario-child: timeout' }) + '\n')
  process.exit(3)
}, 40_000)
timer.unref()

try {
  const workerCrypto = await createWorkerCrypto(kind)
  const result = await runBalanceService({ workerCrypto })
  // What `import 'cojson-core-napi'` gives in this process (cojson's NapiCrypto imports it this way).
  const core = await import('cojson-core-napi')
  const coreModule = {
    url: import.meta.resolve('cojson-core-napi'),
    hasNapiCryptoExport: typeof core.NapiCrypto === 'function',
    // The file that `require` (no hooks) would pick from cojson's NapiCrypto: upstream's package.
    requireResolves: createRequire(new URL('../../node_modules/cojson/dist/crypto/NapiCrypto.js', import.meta.url)).resolve('cojson-core-napi'),
  }
  const provider = {
    constructor: workerCrypto.constructor.name,
    base: Object.getPrototypeOf(workerCrypto.constructor.prototype)?.constructor?.name ?? null,
  }
  const addons = loadedNativeAddons()
  if (process.argv.includes('--expect-our-binary')) {
    const root = fileURLToPath(new URL('../../', import.meta.url))
    // This checkout's binary (Windows paths included), not one under node_modules.
    const ours = (file) => {
      const inside = path.relative(root, file)
      return !inside.startsWith('..') && !path.isAbsolute(inside) && !inside.split(/[\\/]/).includes('node_modules') && /cojson-core-napi\.[^\\/]+\.node$/.test(file)
    }
    if (!coreModule.hasNapiCryptoExport) throw new Error(`cojson-core-napi is not this package: ${coreModule.url}`)
    if (process.env.COJSON_CORE_FORCE_WASM === '1') {
      // Our WebAssembly build: no native addon at all (upstream's included) may be loaded.
      if (addons.length !== 0) throw new Error(`expected no native addon (our WebAssembly build), got ${JSON.stringify(addons)}`)
    } else if (addons.length !== 1 || !ours(addons[0])) {
      throw new Error(`expected only our binary to be loaded, got ${JSON.stringify(addons)}`)
    }
  }
  process.stdout.write(JSON.stringify({ result, provider, coreModule, addons }) + '\n')
  process.exit(0)
} catch (error) {
  process.stdout.write(JSON.stringify({ error: String(error?.stack ?? error) }) + '\n')
  process.exit(1)
}
