// The balance worker as a child process (for the benchmark: its CPU time is the worker's alone).
// Started with child_process.fork(); configuration in the environment:
//   BALANCE_SYNC_SERVER, BALANCE_WORKER_ACCOUNT, BALANCE_WORKER_SECRET, BALANCE_WORKER_CRYPTO,
//   BALANCE_WORKER_TIME_CRYPTO=1 to also measure the time spent inside the CryptoProvider
// IPC: sends { type: 'ready', workerID, crypto, addons }; answers { type: 'cpu' } with
// { type: 'cpu', usage: process.cpuUsage(), cryptoNs, stats }, { type: 'memory' } with
// { type: 'memory', memory: process.memoryUsage() } after a full GC; { type: 'shutdown' } shuts down and exits.
import { createWorkerCrypto, loadedNativeAddons } from './worker-crypto.mjs'
import { startBalanceWorker } from './worker.mjs'

if (!process.send) {
  console.error('worker-process.mjs must be started with child_process.fork()')
  process.exit(2)
}

// Bounded: the parent is expected to shut us down long before this.
const lifetime = setTimeout(() => {
  console.error('worker-process: lifetime limit reached, exiting')
  process.exit(3)
}, Number(process.env.BALANCE_WORKER_LIFETIME_MS ?? 120_000))
lifetime.unref()
process.on('disconnect', () => process.exit(0))

const kind = process.env.BALANCE_WORKER_CRYPTO ?? 'ours'
const timing = process.env.BALANCE_WORKER_TIME_CRYPTO === '1' ? timeCalls() : null
const crypto = timing ? timing.wrap(await createWorkerCrypto(kind)) : await createWorkerCrypto(kind)
const worker = await startBalanceWorker({
  syncServer: process.env.BALANCE_SYNC_SERVER,
  accountID: process.env.BALANCE_WORKER_ACCOUNT,
  accountSecret: process.env.BALANCE_WORKER_SECRET,
  crypto,
})

process.on('message', async (message) => {
  if (message?.type === 'cpu') {
    process.send({ type: 'cpu', id: message.id, usage: process.cpuUsage(), cryptoNs: timing?.total() ?? null, cryptoMethods: timing?.methods() ?? null, overheadNs: timing?.overheadNs() ?? null, stats: worker.stats() })
  } else if (message?.type === 'memory') {
    // After full collections (the parent starts this process with --expose-gc), so that what is
    // left is what the worker holds.
    for (let i = 0; i < 3; i++) globalThis.gc?.()
    process.send({ type: 'memory', id: message.id, memory: process.memoryUsage() })
  } else if (message?.type === 'shutdown') {
    await Promise.race([worker.shutdown().catch(() => {}), new Promise((r) => setTimeout(r, 2000))])
    process.exit(0)
  }
})

process.send({ type: 'ready', workerID: worker.workerID, crypto: kind, addons: loadedNativeAddons() })

// Wall time spent inside the provider's methods and the session maps it creates (outermost calls
// only, so a method calling another is counted once). The worker's main thread does nothing else
// meanwhile, so this is the CPU time the provider costs. The timing itself costs a little per call:
// that overhead is measured at start (a timed no-op against an untimed one) and subtracted, per
// call, from every total (`overheadNs` says how much).
function timeCalls() {
  let total = 0
  let calls = 0
  let depth = 0
  /** method name → [calls, ms] */
  const methods = new Map()
  const now = () => performance.now()
  const timed = (fn, name) => {
    const entry = methods.get(name) ?? methods.set(name, [0, 0]).get(name)
    return function (...args) {
      if (depth > 0) return fn.apply(this, args)
      depth++
      const t0 = now()
      try {
        return fn.apply(this, args)
      } finally {
        const dt = now() - t0
        depth--
        total += dt
        calls++
        entry[0]++
        entry[1] += dt
      }
    }
  }
  // Wrapped methods are made once per object and name, not per property access.
  const wrapObject = (target, prefix, wrapResult) => {
    const cache = new Map()
    return new Proxy(target, {
      get(obj, key) {
        const value = Reflect.get(obj, key, obj)
        if (typeof value !== 'function') return value
        let wrapped = cache.get(key)
        if (wrapped === undefined || wrapped.original !== value) {
          const fn = timed(value, prefix + String(key))
          const bound = wrapResult?.[key] ? (...args) => wrapResult[key](fn.apply(obj, args)) : (...args) => fn.apply(obj, args)
          wrapped = { original: value, bound }
          cache.set(key, wrapped)
        }
        return wrapped.bound
      },
    })
  }
  // The per-call cost of the timing: a timed empty method against an untimed one.
  const overheadMs = (() => {
    const probe = { noop() {} }
    const timedProbe = wrapObject(probe, '(calibration).')
    const rounds = 200_000
    const measure = (object) => {
      const t0 = now()
      for (let i = 0; i < rounds; i++) object.noop()
      return (now() - t0) / rounds
    }
    let best = Infinity
    for (let i = 0; i < 5; i++) best = Math.min(best, measure(timedProbe) - measure(probe))
    methods.delete('(calibration).noop')
    total = 0
    calls = 0
    return Math.max(0, best)
  })()
  const ns = (ms, n) => Math.max(0, Math.round((ms - n * overheadMs) * 1e6))
  return {
    wrap: (provider) => wrapObject(provider, '', { createSessionMap: (map) => wrapObject(map, 'SessionMap.') }),
    total: () => ns(total, calls),
    overheadNs: () => overheadMs * 1e6,
    methods: () => Object.fromEntries([...methods].map(([name, [n, ms]]) => [name, [n, ns(ms, n)]])),
  }
}
