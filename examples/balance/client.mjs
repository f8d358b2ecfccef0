// A client of the balance service: its own account on its own node, talking to the worker through
// the worker's inbox and watching its balance by subscription.
import { Group, InboxSender } from 'jazz-tools'
import { createConnectedAccount } from './accounts.mjs'
import { BuyMessage, CreateAccountMessage, PurchaseRecord, UserBalance } from './schema.mjs'
import { withTimeout } from './util.mjs'

/**
 * @param {{ syncServer: string, crypto: import('cojson').CryptoProvider, name: string, workerID: string,
 *           log?: (line: string) => void }} options
 */
export async function startBalanceClient({ syncServer, crypto, name, workerID, log = () => {} }) {
  const { account, accountID, accountSecret, shutdown } = await createConnectedAccount({ syncServer, crypto, name })
  const sender = await withTimeout(InboxSender.load(workerID, account), 10_000, `${name}: loading the worker's inbox`)
  let balanceID = null
  let unsubscribe = () => {}
  /** Every balance value the subscription delivered, in order. */
  const seen = []
  const waiters = new Set()

  // Inbox payloads must be owned by a Group (the worker is added to it as a writer on send).
  async function send(Schema, init) {
    const group = Group.create({ owner: account })
    const message = Schema.create(init, { owner: group })
    // sendMessage waits for the worker's answer (the result id, or its error) with no time limit.
    return withTimeout(sender.sendMessage(message), 15_000, `${name}: waiting for the worker's answer to ${init.type}`)
  }

  function onBalance(value) {
    if (seen.at(-1) !== value.balance) log(`${name}: subscription update: balance is now ${value.balance}`)
    seen.push(value.balance)
    for (const waiter of waiters) waiter(value.balance)
  }

  return {
    name,
    account,
    accountID,
    accountSecret,
    seen,
    get balanceID() {
      return balanceID
    },

    /** Asks the worker to open an account; subscribes to the resulting balance. */
    async openAccount(initialBalance) {
      balanceID = await send(CreateAccountMessage, { type: 'createAccount', initialBalance })
      const balance = await UserBalance.load(balanceID, { loadAs: account })
      if (!balance.$isLoaded) throw new Error(`${name}: cannot load the balance ${balanceID}: ${balance.$jazz.loadingState}`)
      unsubscribe = UserBalance.subscribe(balanceID, { loadAs: account }, onBalance)
      log(`${name}: account opened, balance ${balance.balance} (CoMap ${balanceID})`)
      return balance.balance
    },

    /** Buys an item; resolves with the PurchaseRecord, rejects with the worker's error. */
    async buy(itemId, amount) {
      try {
        const recordID = await send(BuyMessage, { type: 'buy', itemId, amount })
        const record = await PurchaseRecord.load(recordID, { loadAs: account })
        if (!record.$isLoaded) throw new Error(`${name}: cannot load the purchase record: ${record.$jazz.loadingState}`)
        log(`${name}: bought ${itemId} for ${amount}, balance after: ${record.balanceAfter}`)
        return record
      } catch (error) {
        log(`${name}: buying ${itemId} for ${amount} was rejected: ${error.message}`)
        throw error
      }
    },

    /** Sends a purchase without waiting for anything but the worker's answer (for benchmarks). */
    async buyFast(itemId, amount) {
      return send(BuyMessage, { type: 'buy', itemId, amount })
    },

    /** Resolves once the balance subscription has delivered `expected`. */
    waitForBalance(expected, timeoutMs = 10_000) {
      if (seen.at(-1) === expected) return Promise.resolve(expected)
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.delete(check)
          reject(new Error(`${name}: balance subscription did not reach ${expected} in ${timeoutMs} ms (saw ${seen.join(', ')})`))
        }, timeoutMs)
        function check(value) {
          if (value !== expected) return
          clearTimeout(timer)
          waiters.delete(check)
          resolve(value)
        }
        waiters.add(check)
      })
    },

    async shutdown() {
      unsubscribe()
      await withTimeout(shutdown(), 5000, `${name}: shutdown`)
    },
  }
}
