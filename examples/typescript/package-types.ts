// The package's own declarations, checked strictly (skipLibCheck off, see tsconfig.package.json):
// every export of index.d.ts and napi-crypto.d.ts used with the types a caller relies on.
import type { CryptoProvider } from 'cojson'
import * as core from 'cojson-core-napi'
import { Blake3Hasher, NapiCrypto, SessionMap, type KnownState } from 'cojson-core-napi'

const bytes = new Uint8Array(32)
const out: Uint8Array[] = [
  core.blake3HashOnce(bytes),
  core.blake3HashOnceWithContext(bytes, bytes, new Uint8Array(32)),
  core.generateNonce(bytes),
  core.ed25519Sign(core.newEd25519SigningKey(), bytes),
  core.x25519DiffieHellman(core.newX25519PrivateKey(), core.x25519PublicKey(bytes)),
  core.encrypt(bytes, 'keySecret_z…', bytes),
  core.seal(bytes, 'sealerSecret_z…', 'sealer_z…', bytes),
  core.unsealForGroup(bytes, 'sealerSecret_z…', bytes),
  new Blake3Hasher().finalize(),
]
const verified: boolean = core.ed25519Verify(bytes, bytes, new Uint8Array(64)) && core.verify(bytes, bytes, bytes)
const ids: string[] = [core.getSignerId(bytes), core.getSealerId(bytes), core.sign(bytes, bytes), core.shortHash('{}')]
const map = new SessionMap('co_z…', '{}', undefined, true)
const state: KnownState | null = map.getKnownStateWithStreaming()
const count: number = map.getTransactionCount('s')

export async function provider(): Promise<CryptoProvider> {
  const crypto: NapiCrypto = await NapiCrypto.create()
  return crypto
}
export const used = { out, verified, ids, state, count }
