// Creates the provider under test, instruments it (every method call counted, per provider tag),
// and checks that it shares cojson's one module instance with the tests.
//   cojson-napi, upstream: cojson's own NapiCrypto (dist/crypto/NapiCrypto.js, inlined by the
//                          config so that its `cojson-core-napi` import goes to core-shim.mjs)
//   ours:                  this repository's NapiCrypto: require(<repo>).NapiCrypto, await create()
import { join } from 'node:path'
import { cojsonDir, repoRequire, repoRoot } from './paths.mjs'

const MODE = process.env.COJSON_SUITE_MODE

function counts() {
  return (globalThis.__cojsonSuite ??= { core: {}, provider: {}, methods: {}, providers: [] })
}

async function providerClass() {
  if (MODE === 'ours') {
    const { NapiCrypto } = repoRequire(repoRoot)
    if (typeof NapiCrypto?.create !== 'function') throw new Error(`cojson-suite: ${repoRoot} exports no NapiCrypto.create()`)
    return NapiCrypto
  }
  if (MODE === 'cojson-napi' || MODE === 'upstream') {
    return (await import(join(cojsonDir(), 'dist', 'crypto', 'NapiCrypto.js'))).NapiCrypto
  }
  throw new Error(`cojson-suite: unknown COJSON_SUITE_MODE ${JSON.stringify(MODE)}`)
}

// The CryptoProvider class of the cojson instance the tests use (the externalized dist files,
// loaded by Node itself: the same module instance as `import('cojson')` from the repository).
async function testsCryptoProvider() {
  return (await import(join(cojsonDir(), 'dist', 'crypto', 'crypto.js'))).CryptoProvider
}

// Only outermost calls are counted (a provider method that calls another one through `this`
// counts once), so that the counts of different providers for the same tests are comparable.
let depth = 0
function bump(tag, name) {
  const c = counts()
  c.provider[tag] = (c.provider[tag] || 0) + 1
  c.methods[name] = (c.methods[name] || 0) + 1
}

function methodNames(object) {
  const names = new Map()
  for (const name of Object.getOwnPropertyNames(object)) {
    if (typeof Object.getOwnPropertyDescriptor(object, name).value === 'function') names.set(name, object)
  }
  for (let proto = Object.getPrototypeOf(object); proto && proto !== Object.prototype; proto = Object.getPrototypeOf(proto)) {
    for (const name of Object.getOwnPropertyNames(proto)) {
      if (name === 'constructor' || names.has(name)) continue
      if (typeof Object.getOwnPropertyDescriptor(proto, name).value === 'function') names.set(name, proto)
    }
  }
  return [...names.keys()]
}

// Own-property wrappers that count and forward to the method cojson would otherwise call; the
// object keeps its prototype (instanceof, private fields and `this` are untouched).
function instrument(object, tag, prefix) {
  for (const name of methodNames(object)) {
    const original = object[name]
    const key = prefix + name
    const wrapped = function (...args) {
      if (depth > 0) return original.apply(this, args)
      bump(tag, key)
      depth++
      try {
        const result = original.apply(this, args)
        return name === 'createSessionMap' ? instrument(result, tag, 'SessionMap.') : result
      } finally {
        depth--
      }
    }
    Object.defineProperty(object, name, { value: wrapped, writable: true, configurable: true, enumerable: false })
  }
  return object
}

export async function createProvider(tag) {
  const Provider = await providerClass()
  const provider = await Provider.create()
  const CryptoProvider = await testsCryptoProvider()
  const chain = []
  for (let p = Object.getPrototypeOf(provider); p && p !== Object.prototype; p = Object.getPrototypeOf(p)) chain.push(p.constructor)
  const foreign = chain.some((c) => c?.name === 'CryptoProvider' && c !== CryptoProvider)
  counts().providers.push({
    tag,
    class: provider.constructor?.name,
    chain: chain.map((c) => c?.name).join(' > '),
    extendsTestsCryptoProvider: provider instanceof CryptoProvider,
    foreignCryptoProvider: foreign,
  })
  return instrument(provider, tag, '')
}
