// `node --import ./__test__/helpers/use-our-cojson-core-napi.mjs …`: registers a resolve hook
// that makes every `import 'cojson-core-napi'` (cojson's NapiCrypto imports it) load this
// package (napi-crypto.js and our binary) instead of node_modules/cojson-core-napi (upstream).
import { register } from 'node:module'

register('./cojson-core-napi-hooks.mjs', import.meta.url)
