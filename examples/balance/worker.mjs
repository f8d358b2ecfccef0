// The balance service: a Jazz server worker that keeps each user's balance in a CoMap the user
// can read but not write, and processes `createAccount` / `buy` requests from its inbox.
import { Account, Group } from 'jazz-tools'
import { startWorker } from 'jazz-tools/worker'
import { WebSocket } from 'ws'
import { BalanceMessage, PurchaseRecord, UserBalance } from './schema.mjs'
import { short, withTimeout } from './util.mjs'

export const INSUFFICIENT_BALANCE = 'Insufficient balance'

/**
 * Starts the worker and subscribes its inbox.
 *
 * @param {object} options
 * @param {string} options.syncServer ws:// URL of the sync server
 * @param {string} options.accountID the worker's account
 * @param {string} options.accountSecret the worker's agent secret
 * @param {import('cojson').CryptoProvider} options.crypto
 * @param {(line: string) => void} [options.log]
 * @param {boolean} [options.asActiveAccount] passed to startWorker (default true)
 */
export async function startBalanceWorker({ syncServer, accountID, accountSecret, crypto, log = () => {}, asActiveAccount }) {
  const { worker, experimental, shutdownWorker, waitForConnection } = await startWorker({
    syncServer,
    accountID,
    accountSecret,
    crypto,
    // Node 20 has no global WebSocket (Node 22 has); the `ws` package works on both.
    WebSocket,
    ...(asActiveAccount === undefined ? {} : { asActiveAccount }),
  })
  await withTimeout(waitForConnection(), 10_000, 'worker: connecting to the sync server')

  /** userId → the UserBalance CoMap (as loaded by the worker). */
  const balances = new Map()
  let processed = 0
  let rejected = 0

  async function openAccount(userId, initialBalance) {
    if (!Number.isFinite(initialBalance) || initialBalance < 0) throw new Error('Invalid initial balance')
    const existing = balances.get(userId)
    if (existing) return existing
    const user = await Account.load(userId, { loadAs: worker })
    if (!user?.$isLoaded) throw new Error(`Cannot load the account ${userId}`)
    const group = Group.create({ owner: worker })
    group.addMember(user, 'reader')
    const balance = UserBalance.create({ userId, balance: initialBalance, lastUpdated: new Date() }, { owner: group })
    balances.set(userId, balance)
    await withTimeout(balance.$jazz.waitForSync(), 10_000, 'worker: syncing the new balance')
    log(`worker: opened an account for ${short(userId)} with balance ${initialBalance}`)
    return balance
  }

  async function buy(userId, itemId, amount) {
    const balance = balances.get(userId)
    if (!balance) throw new Error('No balance account for this user, send createAccount first')
    if (!Number.isFinite(amount) || amount <= 0) throw new Error('Invalid amount')
    if (balance.balance < amount) {
      log(`worker: rejected ${short(userId)} buying ${itemId} for ${amount}: balance is ${balance.balance}`)
      throw rejection(INSUFFICIENT_BALANCE)
    }
    const now = new Date()
    const balanceAfter = balance.balance - amount
    balance.$jazz.set('balance', balanceAfter)
    balance.$jazz.set('lastUpdated', now)
    const record = PurchaseRecord.create(
      { userId, itemId, amount, timestamp: now, balanceAfter },
      { owner: balance.$jazz.owner },
    )
    await withTimeout(Promise.all([balance.$jazz.waitForSync(), record.$jazz.waitForSync()]), 10_000, 'worker: syncing the purchase')
    log(`worker: ${short(userId)} bought ${itemId} for ${amount}, balance ${balanceAfter}`)
    return record
  }

  const unsubscribe = experimental.inbox.subscribe(
    BalanceMessage,
    async (message, senderID) => {
      try {
        if (message.type === 'createAccount') return await openAccount(senderID, message.initialBalance)
        if (message.type === 'buy') return await buy(senderID, message.itemId, message.amount)
        throw new Error(`Unknown message type ${message.type}`)
      } catch (error) {
        rejected++
        throw error
      } finally {
        processed++
      }
    },
    // One message at a time: a user's purchases are applied in order against the current balance.
    { concurrencyLimit: 1 },
  )

  return {
    worker,
    workerID: worker.$jazz.id,
    /** The worker's own view of a user's balance (undefined if the user has no account). */
    balanceOf(userId) {
      return balances.get(userId)?.balance
    },
    stats() {
      return { processed, rejected }
    },
    async shutdown() {
      unsubscribe()
      await withTimeout(shutdownWorker(), 5000, 'worker: shutdown')
    },
  }
}

// A business rejection: the inbox logs every handler error with console.error and sends
// String(error) back to the sender; a stack trace would only add noise to the worker's log.
function rejection(message) {
  const error = new Error(message)
  error.stack = `Error: ${message} (rejected by the balance worker)`
  return error
}
