// Provider-level rows: what cojson calls, on cojson-shaped values (a transaction's changes, a key
// secret, nonce material, a header), through this package's NapiCrypto, cojson's NapiCrypto over
// the published 0.20.19 binary, and cojson's WasmCrypto. Outputs are checked equal before timing.
import { base58 } from '@scure/base'
import { createRequire } from 'node:module'

const require = createRequire(import.meta.url)

export async function providerCases(oursWasmBuild = null) {
  const { NapiCrypto: OursNapi } = await import('../napi-crypto.js')
  const { NapiCrypto: CojsonNapi } = await import('cojson/crypto/NapiCrypto')
  const { WasmCrypto } = await import('cojson/crypto/WasmCrypto')
  // Our NapiCrypto over our WebAssembly build, when it is built.
  const oursWasm = oursWasmBuild && (await require('../lib/provider.js').createNapiCrypto(oursWasmBuild.api, oursWasmBuild.binding).create())
  const providers = { ours: await OursNapi.create(), upstream: await CojsonNapi.create(), ...(oursWasm && { 'ours-wasm': oursWasm }), wasm: await WasmCrypto.create() }
  const p0 = providers.upstream
  const bytes = (n, seed) => Uint8Array.from({ length: n }, (_, i) => (i * 37 + seed * 11) & 255)

  const signer = `signerSecret_z${base58.encode(bytes(32, 1))}`
  const signerId = p0.getSignerID(signer)
  const sealerA = `sealerSecret_z${base58.encode(bytes(32, 2))}`
  const sealerB = `sealerSecret_z${base58.encode(bytes(32, 3))}`
  const sealerAId = p0.getSealerID(sealerA)
  const sealerBId = p0.getSealerID(sealerB)
  const keySecret = `keySecret_z${base58.encode(bytes(32, 4))}`
  const coId = 'co_zHe7Jw5nG3kH2Zq8Lm1Pq9Rs4Tu'
  const changes = [{ op: 'set', key: 'lastUpdated', value: '2026-12-01T21:31:53.290Z' }, { op: 'set', key: 'balance', value: 1250 }]
  const nOnceMaterial = { in: coId, tx: { sessionID: `${coId}_session_zAb12Cd34Ef5`, txIndex: 42 } }
  const header = { type: 'comap', ruleset: { type: 'ownedByGroup', group: 'co_z5JpKZZ1vF7ybq1E8hCuivU1NxE' }, meta: null, createdAt: '2026-12-01T21:31:53.040Z', uniqueness: 'zE4WidUAVEuMFLJC2' }
  const signature = p0.sign(signer, changes)
  const encrypted = p0.encrypt(changes, keySecret, nOnceMaterial)
  const sealed = p0.seal({ message: keySecret, from: sealerA, to: sealerBId, nOnceMaterial })

  const ops = {
    sign: (p) => p.sign(signer, changes),
    verify: (p) => p.verify(signature, changes, signerId),
    encrypt: (p) => p.encrypt(changes, keySecret, nOnceMaterial),
    decrypt: (p) => p.decrypt(encrypted, keySecret, nOnceMaterial),
    seal: (p) => p.seal({ message: keySecret, from: sealerA, to: sealerBId, nOnceMaterial }),
    unseal: (p) => p.unseal(sealed, sealerB, sealerAId, nOnceMaterial),
    secureHash: (p) => p.secureHash(changes),
    shortHash: (p) => p.shortHash(header),
  }
  return Object.entries(ops).map(([name, op]) => ({
    spec: {
      name: `NapiCrypto.${name}`,
      baseline: 'upstream',
      impls: Object.fromEntries(Object.entries(providers).map(([k, p]) => [k, () => op(p)])),
    },
    check: () => {
      const expected = JSON.stringify(op(p0))
      for (const [k, p] of Object.entries(providers)) {
        const got = JSON.stringify(op(p))
        if (got !== expected) throw new Error(`NapiCrypto.${name}: ${k} gives ${got.slice(0, 80)}, upstream ${expected.slice(0, 80)}`)
      }
    },
  }))
}
