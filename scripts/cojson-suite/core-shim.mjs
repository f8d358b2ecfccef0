// What the bare `cojson-core-napi` import resolves to inside the suite (see plugin.mjs): the
// native module of the mode under test, with every call into it counted.
//   cojson-napi, ours: this repository's package (its package.json "main", napi-crypto.js)
//   upstream:          the published cojson-core-napi@0.20.19 (the repo's `cojson-core-napi-upstream` alias)
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { repoRoot, upstreamDir } from './paths.mjs'

const MODE = process.env.COJSON_SUITE_MODE
const target = MODE === 'upstream' ? upstreamDir : repoRoot
const req = createRequire(join(target, 'package.json'))
const resolvedPath = req.resolve(target)
const native = req(target)

// Prove which package this is: ours exports NapiCrypto (napi-crypto.js) and refuses to load a
// binary without its helpers; the published one exports neither NapiCrypto nor the helpers.
const isOurs = typeof native.NapiCrypto === 'function'
if (MODE === 'upstream' ? isOurs : !isOurs) {
  throw new Error(`cojson-suite: cojson-core-napi resolved to ${resolvedPath}, which is not the ${MODE === 'upstream' ? 'published' : "repository's"} package`)
}

function counts() {
  return (globalThis.__cojsonSuite ??= { core: {}, provider: {}, methods: {}, providers: [] })
}
counts().coreModule = { path: resolvedPath, package: isOurs ? 'this repository' : 'published cojson-core-napi@0.20.19' }
const bump = (name) => {
  const c = counts().core
  c[name] = (c[name] || 0) + 1
}

function wrapFunction(name) {
  const fn = native[name]
  if (typeof fn !== 'function') return fn
  return function (...args) {
    bump(name)
    return fn.apply(this, args)
  }
}

// Classes (SessionMap, Blake3Hasher): the constructor and every method call on instances are counted.
function wrapClass(name) {
  const Cls = native[name]
  if (typeof Cls !== 'function') return Cls
  const wrapInstance = (instance) => {
    const cache = new Map()
    return new Proxy(instance, {
      get(target, prop) {
        const value = Reflect.get(target, prop, target)
        if (typeof value !== 'function' || typeof prop !== 'string') return value
        let wrapped = cache.get(prop)
        if (!wrapped) {
          wrapped = (...args) => {
            bump(`${name}.${prop}`)
            const result = value.apply(target, args)
            // Blake3Hasher.clone() returns another hasher: count its calls too.
            return result instanceof Cls ? wrapInstance(result) : result
          }
          cache.set(prop, wrapped)
        }
        return wrapped
      },
    })
  }
  return new Proxy(Cls, {
    construct(target, args) {
      bump(`new ${name}`)
      return wrapInstance(Reflect.construct(target, args))
    },
  })
}

// The 30 exports of cojson-core-napi 0.20.19.
export const Blake3Hasher = wrapClass('Blake3Hasher')
export const SessionMap = wrapClass('SessionMap')
export const blake3HashOnce = wrapFunction('blake3HashOnce')
export const blake3HashOnceWithContext = wrapFunction('blake3HashOnceWithContext')
export const decrypt = wrapFunction('decrypt')
export const decryptXsalsa20 = wrapFunction('decryptXsalsa20')
export const ed25519Sign = wrapFunction('ed25519Sign')
export const ed25519SignatureFromBytes = wrapFunction('ed25519SignatureFromBytes')
export const ed25519SigningKeyFromBytes = wrapFunction('ed25519SigningKeyFromBytes')
export const ed25519SigningKeySign = wrapFunction('ed25519SigningKeySign')
export const ed25519SigningKeyToPublic = wrapFunction('ed25519SigningKeyToPublic')
export const ed25519Verify = wrapFunction('ed25519Verify')
export const ed25519VerifyingKey = wrapFunction('ed25519VerifyingKey')
export const ed25519VerifyingKeyFromBytes = wrapFunction('ed25519VerifyingKeyFromBytes')
export const encrypt = wrapFunction('encrypt')
export const encryptXsalsa20 = wrapFunction('encryptXsalsa20')
export const generateNonce = wrapFunction('generateNonce')
export const getSealerId = wrapFunction('getSealerId')
export const getSignerId = wrapFunction('getSignerId')
export const newEd25519SigningKey = wrapFunction('newEd25519SigningKey')
export const newX25519PrivateKey = wrapFunction('newX25519PrivateKey')
export const seal = wrapFunction('seal')
export const sealForGroup = wrapFunction('sealForGroup')
export const shortHash = wrapFunction('shortHash')
export const sign = wrapFunction('sign')
export const unseal = wrapFunction('unseal')
export const unsealForGroup = wrapFunction('unsealForGroup')
export const verify = wrapFunction('verify')
export const x25519DiffieHellman = wrapFunction('x25519DiffieHellman')
export const x25519PublicKey = wrapFunction('x25519PublicKey')
