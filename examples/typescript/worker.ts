// A Jazz server worker in TypeScript on this package's NapiCrypto: `npm run typecheck` checks it
// against the package's types (index.d.ts and napi-crypto.d.ts) and jazz-tools' own.
import { startWorker } from 'jazz-tools/worker'
import type { CryptoProvider } from 'cojson'
import { NapiCrypto, SessionMap, blake3HashOnce, type KnownState } from 'cojson-core-napi'

export async function startBalanceWorker(syncServer: string, accountID: string, accountSecret: string) {
  const crypto = await NapiCrypto.create()
  // NapiCrypto is a cojson CryptoProvider: startWorker takes it as it is.
  const provider: CryptoProvider = crypto
  const { worker, shutdownWorker } = await startWorker({ syncServer, accountID, accountSecret, crypto })
  return { worker, shutdownWorker, provider }
}

export function rawExports(coId: string, headerJson: string): [Uint8Array, KnownState, number] {
  const digest: Uint8Array = blake3HashOnce(new TextEncoder().encode('abc'))
  const reused: Uint8Array = blake3HashOnce(new TextEncoder().encode('abc'), new Uint8Array(32))
  const map = new SessionMap(coId, headerJson, null, true)
  const count: number = map.getTransactionCount('co_zAccount_session_zA')
  return [digest.length === reused.length ? digest : reused, map.getKnownState(), count]
}
