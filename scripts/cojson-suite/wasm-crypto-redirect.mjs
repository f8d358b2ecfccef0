// Stands in for `../crypto/WasmCrypto.js` when imported from cojson's dist/tests/ (see plugin.mjs):
// `WasmCrypto.create()` returns the provider under test, tagged with the importing file's name.
import { createProvider } from './provider.mjs'

// The importing file's name: plugin.mjs's load hook writes it in place of the placeholder.
const from = '__IMPORTER__'

export const WasmCrypto = {
  async create() {
    return createProvider(`redirect:${from}`)
  },
}
