// The balance scenario shared by the demo, the end-to-end test and (in part) the benchmark.
import { createJazzContextFromExistingCredentials, MockSessionProvider } from 'jazz-tools'
import { WebSocket } from 'ws'
import { createWebSocketPeer } from 'cojson-transport-ws'
import { startBalanceClient } from './client.mjs'
import { UserBalance } from './schema.mjs'
import { short, withTimeout } from './util.mjs'

export const TAMPERED_BALANCE = 1_000_000

/**
 * Two clients open accounts, buy items (one purchase is over budget and must be rejected), watch
 * their balance by subscription; then one client tries to write its own balance and the other
 * tries to read it.
 *
 * @param {object} options
 * @param {string} options.syncServer
 * @param {string} options.workerID
 * @param {(userId: string) => number | undefined} options.workerBalanceOf the worker's own view
 * @param {import('cojson').CryptoProvider} options.clientCrypto
 * @param {(line: string) => void} [options.log]
 */
export async function runBalanceScenario({ syncServer, workerID, workerBalanceOf, clientCrypto, log = () => {} }) {
  const clients = []
  try {
    const [alice, bob] = await Promise.all(
      ['Alice', 'Bob'].map((name) => startBalanceClient({ syncServer, crypto: clientCrypto, name, workerID, log })),
    )
    clients.push(alice, bob)
    log(`clients: Alice is ${short(alice.accountID)}, Bob is ${short(bob.accountID)}`)

    // Both clients work at the same time.
    const [aliceRun, bobRun] = await Promise.all([
      (async () => {
        const initial = await alice.openAccount(100)
        const purchases = []
        purchases.push(await alice.buy('coffee', 30))
        purchases.push(await alice.buy('book', 45))
        return { initial, purchases: purchases.map(plainRecord) }
      })(),
      (async () => {
        const initial = await bob.openAccount(50)
        const purchases = [await bob.buy('sandwich', 20)]
        let rejection = null
        log('(expected next: the worker rejects Bob\'s laptop, and jazz-tools logs that rejection as an error)')
        try {
          await bob.buy('laptop', 999)
        } catch (error) {
          rejection = error.message
        }
        return { initial, purchases: purchases.map(plainRecord), rejection }
      })(),
    ])

    // The subscriptions deliver the balances the worker wrote.
    await Promise.all([alice.waitForBalance(25), bob.waitForBalance(30)])
    log(`subscriptions: Alice sees ${alice.seen.at(-1)}, Bob sees ${bob.seen.at(-1)}`)

    // Alice tries to give herself money: she can read her balance but not write it.
    const tamper = await tamperWithOwnBalance({ client: alice, syncServer, clientCrypto, workerBalanceOf, log })

    // The worker still charges from its own value.
    const afterTamper = plainRecord(await alice.buy('sticker', 5))
    await alice.waitForBalance(20)

    // Bob cannot read Alice's balance.
    log('(expected next: Bob may not read Alice\'s balance, and jazz-tools logs an authorization error)')
    const crossRead = await UserBalance.load(alice.balanceID, { loadAs: bob.account })
    const crossReadResult = { isLoaded: crossRead.$isLoaded, loadingState: crossRead.$jazz.loadingState }
    log(`Bob loading Alice's balance: ${crossReadResult.isLoaded ? 'LOADED (wrong!)' : crossReadResult.loadingState}`)

    return {
      workerID,
      alice: {
        id: alice.accountID,
        balanceID: alice.balanceID,
        ...aliceRun,
        afterTamper,
        seen: [...alice.seen],
        workerView: workerBalanceOf(alice.accountID),
      },
      bob: {
        id: bob.accountID,
        balanceID: bob.balanceID,
        ...bobRun,
        seen: [...bob.seen],
        workerView: workerBalanceOf(bob.accountID),
      },
      tamper,
      crossRead: crossReadResult,
    }
  } finally {
    await Promise.all(clients.map((client) => client.shutdown().catch(() => {})))
  }
}

async function tamperWithOwnBalance({ client, syncServer, clientCrypto, workerBalanceOf, log }) {
  const mine = await UserBalance.load(client.balanceID, { loadAs: client.account })
  const before = mine.balance
  let localError = null
  try {
    mine.$jazz.set('balance', TAMPERED_BALANCE)
  } catch (error) {
    localError = error.message
  }
  const clientView = mine.balance
  // Let the (invalid) transaction travel to the sync server and on to the worker.
  await withTimeout(client.account.$jazz.waitForAllCoValuesSync(), 5000, 'client sync').catch(() => {})
  await new Promise((resolve) => setTimeout(resolve, 300))
  const workerView = workerBalanceOf(client.accountID)

  // A fresh node (new session of the same account) sees only what the sync server holds.
  const fresh = await withTimeout(
    createJazzContextFromExistingCredentials({
      credentials: { accountID: client.accountID, secret: client.accountSecret },
      peers: [createWebSocketPeer({ id: 'fresh', websocket: new WebSocket(syncServer), role: 'server' })],
      crypto: clientCrypto,
      sessionProvider: new MockSessionProvider(),
      asActiveAccount: false,
    }),
    10_000,
    `${client.name}: loading her account on a fresh node`,
  )
  try {
    const freshBalance = await UserBalance.load(client.balanceID, { loadAs: fresh.account })
    const freshView = freshBalance.$isLoaded ? freshBalance.balance : `not loaded: ${freshBalance.$jazz.loadingState}`
    // Did the write reach the server? Then the client's session appears in the CoMap's known state.
    const sessions = freshBalance.$isLoaded ? Object.keys(freshBalance.$jazz.raw.core.knownState().sessions) : []
    const writeReachedServer = sessions.some((session) => session.startsWith(`${client.accountID}_session`))
    log(
      `${client.name} set her balance from ${before} to ${TAMPERED_BALANCE}: ` +
        `${localError ? `refused locally (${localError})` : `her own view says ${clientView}`}, ` +
        `the worker sees ${workerView}, a fresh load sees ${freshView}` +
        (writeReachedServer ? ' (the write reached the server and was ignored)' : ''),
    )
    return { before, attempted: TAMPERED_BALANCE, localError, clientView, workerView, freshView, writeReachedServer }
  } finally {
    await fresh.node.gracefulShutdown().catch(() => {})
  }
}

function plainRecord(record) {
  return {
    userId: record.userId,
    itemId: record.itemId,
    amount: record.amount,
    balanceAfter: record.balanceAfter,
    timestamp: record.timestamp.toISOString(),
  }
}
