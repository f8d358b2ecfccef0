// The CryptoProviders a worker can run on, by name (for the test and the benchmark).
import { createRequire } from 'node:module'

const require = createRequire(import.meta.url)

export const CRYPTO_KINDS = {
  /** This package's NapiCrypto (napi-crypto.js over our binary). */
  ours: 'cojson-core-napi (this package) NapiCrypto',
  /** cojson's NapiCrypto over whatever `cojson-core-napi` resolves to from cojson (upstream's binary, unless redirected). */
  'cojson-napi': 'cojson/crypto/NapiCrypto',
  /** cojson's WasmCrypto (cojson-core-wasm). */
  wasm: 'cojson/crypto/WasmCrypto',
}

export async function createWorkerCrypto(kind) {
  switch (kind) {
    case 'ours':
      return require('../../napi-crypto.js').NapiCrypto.create()
    case 'cojson-napi':
      return (await import('cojson/crypto/NapiCrypto')).NapiCrypto.create()
    case 'wasm':
      return (await import('cojson/crypto/WasmCrypto')).WasmCrypto.create()
    default:
      throw new Error(`unknown crypto kind ${kind} (one of ${Object.keys(CRYPTO_KINDS).join(', ')})`)
  }
}

/** The native addons (.node files) loaded in this process so far. */
export function loadedNativeAddons() {
  return process.report
    .getReport()
    .sharedObjects.filter((file) => file.endsWith('.node'))
}
