// Creating and connecting Jazz accounts against a sync server, without jazz-run or the cloud.
import { createWebSocketPeer } from 'cojson-transport-ws'
import { Account } from 'jazz-tools'
import { WebSocket } from 'ws'

let peerCount = 0

function connect(syncServer) {
  return createWebSocketPeer({
    id: `sync-server#${++peerCount}`,
    websocket: new WebSocket(syncServer),
    role: 'server',
  })
}

/**
 * Creates a new account (with the public profile and inbox that jazz-tools sets up) on a node
 * connected to `syncServer`, and waits until everything it created has reached the server.
 * Nothing here touches the global active account: callers pass `owner`/`loadAs` explicitly.
 *
 * @returns {Promise<{ account: Account, accountID: string, accountSecret: string, shutdown: () => Promise<void> }>}
 */
export async function createConnectedAccount({ syncServer, crypto, name, syncTimeoutMs = 10_000 }) {
  const account = await Account.create({ creationProps: { name }, peers: [connect(syncServer)], crypto })
  await account.$jazz.waitForAllCoValuesSync({ timeout: syncTimeoutMs })
  const node = account.$jazz.localNode
  return {
    account,
    accountID: account.$jazz.id,
    accountSecret: node.getCurrentAgent().agentSecret,
    async shutdown() {
      await node.gracefulShutdown()
    },
  }
}

/**
 * Worker credentials made locally (what `npx jazz-run account create` does against the cloud):
 * a fresh account on the sync server, returned as the id and secret `startWorker` takes.
 */
export async function createWorkerCredentials({ syncServer, crypto, name = 'Balance worker' }) {
  const { accountID, accountSecret, shutdown } = await createConnectedAccount({ syncServer, crypto, name })
  await shutdown()
  return { accountID, accountSecret }
}
