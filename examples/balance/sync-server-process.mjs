// The embedded sync server as a child process (for `npm run bench:worker -- --server`: its CPU time
// is the server's alone). Started with child_process.fork(); BALANCE_SERVER_CRYPTO names the
// CryptoProvider (see worker-crypto.mjs).
// IPC: sends { type: 'ready', url, crypto, addons }; answers { type: 'cpu', id } with
// { type: 'cpu', id, usage: process.cpuUsage() }; { type: 'shutdown' } closes the server and exits.
import { startSyncServer } from './sync-server.mjs'
import { createWorkerCrypto, loadedNativeAddons } from './worker-crypto.mjs'

if (!process.send) {
  console.error('sync-server-process.mjs must be started with child_process.fork()')
  process.exit(2)
}

// Bounded: the parent is expected to shut us down long before this.
const lifetime = setTimeout(() => {
  console.error('sync-server-process: lifetime limit reached, exiting')
  process.exit(3)
}, Number(process.env.BALANCE_SERVER_LIFETIME_MS ?? 300_000))
lifetime.unref()
process.on('disconnect', () => process.exit(0))

const kind = process.env.BALANCE_SERVER_CRYPTO ?? 'wasm'
const server = await startSyncServer({ crypto: await createWorkerCrypto(kind) })

process.on('message', async (message) => {
  if (message?.type === 'cpu') {
    process.send({ type: 'cpu', id: message.id, usage: process.cpuUsage() })
  } else if (message?.type === 'shutdown') {
    await Promise.race([server.close().catch(() => {}), new Promise((r) => setTimeout(r, 2000))])
    process.exit(0)
  }
})

process.send({ type: 'ready', url: server.url, crypto: kind, addons: loadedNativeAddons() })
