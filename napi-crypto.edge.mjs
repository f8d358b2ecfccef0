// The package entry on edge runtimes (package.json `exports` conditions `workerd`, `edge-light`):
// the WebAssembly build, with the same exports as the Node entry (napi-crypto.js). Cloudflare
// Workers and Vercel Edge refuse to compile WebAssembly from bytes at run time, so the .wasm is
// imported as a module (`?module`: Vercel's and Next.js's form, which wrangler also accepts) and
// instantiated synchronously. Nothing random is drawn at import time (Workers forbid it at global
// scope): keys are made when a request asks for them. No Node built-ins.
//
// The files under wasm/ are built by `npm run build:wasm` (scripts/build-wasm.mjs); wasm/esm/ holds
// ES module copies of lib/api.js, lib/wasm-binding.js and lib/provider.js.

import wasmModule from './wasm/pkg-web/cojson_core_wasm_binding_bg.wasm?module'
import * as glue from './wasm/pkg-web/cojson_core_wasm_binding.mjs'
import { createApi } from './wasm/esm/api.mjs'
import { createWasmBinding } from './wasm/esm/wasm-binding.mjs'
import { createNapiCrypto } from './wasm/esm/provider.mjs'

/**
 * Next.js runs edge routes in a sandbox (a separate JavaScript realm) and hands them a
 * WebAssembly.Module compiled outside it: a real module, which WebAssembly.Instance accepts, but
 * not an `instanceof` this realm's WebAssembly.Module, so wasm-bindgen's initSync would try to
 * compile it again as bytes and throw. Such a module gets this realm's prototype; anything else
 * is passed on unchanged (initSync reports what it is).
 */
function sameRealm(module) {
  if (module instanceof WebAssembly.Module || Object.prototype.toString.call(module) !== '[object WebAssembly.Module]') return module
  return Object.setPrototypeOf(module, WebAssembly.Module.prototype)
}

glue.initSync({ module: sameRealm(wasmModule) })
const binding = createWasmBinding(glue)
const api = createApi(binding, () => ({ kind: 'wasm', path: null }), { smallResultViews: false, batchHasherUpdates: false })

export const NapiCrypto = createNapiCrypto(api, binding)
export const {
  binaryInfo,
  Blake3Hasher,
  SessionMap,
  blake3HashOnce,
  blake3HashOnceWithContext,
  decrypt,
  decryptXsalsa20,
  ed25519Sign,
  ed25519SignatureFromBytes,
  ed25519SigningKeyFromBytes,
  ed25519SigningKeySign,
  ed25519SigningKeyToPublic,
  ed25519Verify,
  ed25519VerifyingKey,
  ed25519VerifyingKeyFromBytes,
  encrypt,
  encryptXsalsa20,
  generateNonce,
  getSealerId,
  getSignerId,
  newEd25519SigningKey,
  newX25519PrivateKey,
  seal,
  sealForGroup,
  shortHash,
  sign,
  unseal,
  unsealForGroup,
  verify,
  x25519DiffieHellman,
  x25519PublicKey,
} = api
