// Vite plugin that swaps the crypto provider under cojson's shipped tests.
//
// 1. `../crypto/WasmCrypto[.js]` imported from dist/tests/ (testUtils.js and 18 test files) goes to
//    wasm-crypto-redirect.mjs, whose `WasmCrypto.create()` returns the provider under test. The
//    importer's file name rides along as `?from=`, so the calls are counted per importing file.
// 2. The bare `cojson-core-napi` (imported by cojson's dist/crypto/NapiCrypto.js, which the config
//    inlines) goes to core-shim.mjs, which loads this repository's package or the published binary
//    (mode `upstream`) and counts the calls into it. Nothing else imports it through vite.
// 3. Bare imports from dist/tests/ that cojson's location cannot resolve (vitest, libsql,
//    @opentelemetry/sdk-metrics, @noble/ciphers, @noble/curves: cojson's devDependencies) are
//    resolved from this folder, where package.json installs them.
import { readFileSync } from 'node:fs'
import { basename } from 'node:path'
import { files, testsDir, suiteDir } from './paths.mjs'

const WASM_CRYPTO = /^\.\.\/crypto\/WasmCrypto(\.js)?$/
const isBare = (s) => !s.startsWith('.') && !s.startsWith('/') && !s.startsWith('\0') && !/^[a-z]+:/.test(s)
const cleanUrl = (id) => id.replace(/[?#].*$/, '')

export function cojsonSuitePlugin() {
  const tests = testsDir() + '/'
  return {
    name: 'cojson-suite',
    enforce: 'pre',
    async resolveId(source, importer, options) {
      if (source === 'cojson-core-napi') return files.coreShim
      if (!importer) return null
      const from = cleanUrl(importer)
      if (!from.startsWith(tests)) return null
      if (WASM_CRYPTO.test(source)) return `${files.wasmRedirect}?from=${basename(from)}`
      if (isBare(source)) {
        const found = await this.resolve(source, importer, { ...options, skipSelf: true })
        if (found) return found
        return this.resolve(source, `${suiteDir}/package.json`, { ...options, skipSelf: true })
      }
      return null
    },
    // import.meta.url carries no query in vitest's module runner: write the importer's name into
    // the redirect module's code instead.
    load(id) {
      if (cleanUrl(id) !== files.wasmRedirect) return null
      const from = new URLSearchParams(id.slice(id.indexOf('?') + 1)).get('from') || 'unknown'
      return readFileSync(files.wasmRedirect, 'utf8').replace("'__IMPORTER__'", JSON.stringify(from))
    },
  }
}
