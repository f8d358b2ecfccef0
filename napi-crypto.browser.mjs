// The package entry for browsers and web workers (package.json `exports` conditions `browser`,
// `worker`): the WebAssembly build, with the same exports as the Node entry (napi-crypto.js). The
// .wasm is fetched next to this file (`new URL(…, import.meta.url)`, which bundlers such as Vite
// and webpack turn into an asset) and instantiated before the module finishes loading (top-level
// await), so every export is synchronous as elsewhere. No Node built-ins.
//
// The files under wasm/ are built by `npm run build:wasm` (scripts/build-wasm.mjs).

import * as glue from './wasm/pkg-web/cojson_core_wasm_binding.mjs'
import { createApi } from './wasm/esm/api.mjs'
import { createWasmBinding } from './wasm/esm/wasm-binding.mjs'
import { createNapiCrypto } from './wasm/esm/provider.mjs'

await glue.default({ module_or_path: new URL('./wasm/pkg-web/cojson_core_wasm_binding_bg.wasm', import.meta.url) })
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
