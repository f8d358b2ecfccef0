// Everything in one process: embedded sync server, worker credentials, the worker, two clients.
import { WasmCrypto } from 'cojson/crypto/WasmCrypto'
import { createWorkerCredentials } from './accounts.mjs'
import { runBalanceScenario } from './scenario.mjs'
import { startSyncServer } from './sync-server.mjs'
import { startBalanceWorker } from './worker.mjs'

/**
 * @param {object} options
 * @param {import('cojson').CryptoProvider} options.workerCrypto the worker's CryptoProvider
 * @param {import('cojson').CryptoProvider} [options.clientCrypto] defaults to cojson's WasmCrypto
 * @param {(line: string) => void} [options.log]
 */
export async function runBalanceService({ workerCrypto, clientCrypto, log = () => {} }) {
  clientCrypto ??= await WasmCrypto.create()
  const server = await startSyncServer()
  let worker = null
  try {
    log(`sync server: listening on ${server.url} (in memory)`)
    const { accountID, accountSecret } = await createWorkerCredentials({ syncServer: server.url, crypto: workerCrypto })
    log(`worker credentials: created locally, account ${accountID}`)
    worker = await startBalanceWorker({
      syncServer: server.url,
      accountID,
      accountSecret,
      crypto: workerCrypto,
      log,
    })
    log(`worker: started with ${workerCrypto.constructor.name}, inbox subscribed`)
    const result = await runBalanceScenario({
      syncServer: server.url,
      workerID: worker.workerID,
      workerBalanceOf: worker.balanceOf,
      clientCrypto,
      log,
    })
    result.workerStats = worker.stats()
    return result
  } finally {
    if (worker) await worker.shutdown().catch((error) => log(`worker shutdown: ${error.message}`))
    await server.close()
  }
}
