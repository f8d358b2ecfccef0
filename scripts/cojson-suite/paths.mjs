// Paths shared by the runner (plain Node), the vitest config and the in-worker modules.
// Everything is derived from this file's location, so a fresh clone works wherever it is.
import { createRequire } from 'node:module'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

export const suiteDir = dirname(fileURLToPath(import.meta.url))
export const repoRoot = resolve(suiteDir, '../..')
export const repoRequire = createRequire(join(repoRoot, 'package.json'))

// The ONE cojson used by the tests and by every provider: the repo root's devDependency
// (node_modules/cojson). This package's NapiCrypto loads cojson with `import('cojson')` from the
// repo root, which resolves to exactly this copy, so tests and provider share its CryptoProvider.
export function cojsonDir() {
  return resolve(dirname(repoRequire.resolve('cojson')), '..')
}
export const testsDir = () => join(cojsonDir(), 'dist', 'tests')

export const upstreamDir = join(repoRoot, 'node_modules', 'cojson-core-napi-upstream')

export const files = {
  setupEnv: join(suiteDir, 'setup-env.mjs'),
  setupProvider: join(suiteDir, 'setup-provider.mjs'),
  provider: join(suiteDir, 'provider.mjs'),
  coreShim: join(suiteDir, 'core-shim.mjs'),
  wasmRedirect: join(suiteDir, 'wasm-crypto-redirect.mjs'),
  allowlist: join(suiteDir, 'allowlist.json'),
}

export const MODES = ['cojson-napi', 'ours', 'upstream']
