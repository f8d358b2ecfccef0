// `npm run bench:worker`: worker CPU time per inbox message for the balance scenario.
//
// One embedded sync server and the clients (cojson WasmCrypto) run in this process; the worker runs
// in a child process (examples/balance/worker-process.mjs) so that `process.cpuUsage()` there counts
// the worker alone. For each CryptoProvider the worker gets a fresh account, two clients open
// accounts, send a few warm-up purchases, then MESSAGES purchases (half each, both clients at once);
// the worker's user+system CPU time over those purchases, divided by MESSAGES, is the result.
// Providers:
//   ours         this package's NapiCrypto (napi-crypto.js, our binary)
//   cojson-napi  cojson's NapiCrypto over upstream's binary (node_modules/cojson-core-napi)
//   wasm         cojson's WasmCrypto
// Rounds alternate the order of the providers; the table shows the median and the best round.
//
// Options: --messages N (default 100), --rounds R (default 5), --warmup W per client (default 10),
// --server: instead, the sync server's CPU per purchase on each provider (see serverMain),
// --crypto-time: also time the calls into the worker's CryptoProvider (and its session maps) and
// show how much of the worker's CPU they are (adds a little overhead to every run).
import { fork } from 'node:child_process'
import { availableParallelism, cpus } from 'node:os'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { logger, LogLevel } from 'cojson'
import { WasmCrypto } from 'cojson/crypto/WasmCrypto'
import { createWorkerCredentials } from '../examples/balance/accounts.mjs'
import { startBalanceClient } from '../examples/balance/client.mjs'
import { startSyncServer } from '../examples/balance/sync-server.mjs'
import { withTimeout } from '../examples/balance/util.mjs'

const { values: opts } = parseArgs({
  options: {
    messages: { type: 'string', default: '100' },
    rounds: { type: 'string', default: '5' },
    warmup: { type: 'string', default: '10' },
    'crypto-time': { type: 'boolean', default: false },
    clients: { type: 'string', default: '2' },
    memory: { type: 'boolean', default: false },
    server: { type: 'boolean', default: false },
  },
})
const CLIENTS = Math.max(1, Number(opts.clients))
const MEMORY = opts.memory
const MESSAGES = Math.max(CLIENTS, Math.floor(Number(opts.messages) / CLIENTS) * CLIENTS)
const ROUNDS = Math.max(1, Number(opts.rounds))
const WARMUP = Math.max(0, Number(opts.warmup))
const CRYPTO_TIME = opts['crypto-time']
const SERVER = opts.server
const KINDS = ['ours', 'cojson-napi', 'wasm']
const LABELS = {
  ours: 'ours: NapiCrypto (napi-crypto.js)',
  'cojson-napi': 'cojson NapiCrypto + upstream binary',
  wasm: 'cojson WasmCrypto',
}
const ROOT = fileURLToPath(new URL('..', import.meta.url))
const WORKER_SCRIPT = `${ROOT}examples/balance/worker-process.mjs`
const SERVER_SCRIPT = `${ROOT}examples/balance/sync-server-process.mjs`

// Bounded: the whole benchmark must finish in time, or it says what hung and exits non-zero.
const GLOBAL_TIMEOUT_MS = Number(process.env.BENCH_TIMEOUT_MS ?? 10 * 60_000)
let phase = 'starting'
const watchdog = setTimeout(() => {
  console.error(`worker-bench: TIMEOUT after ${GLOBAL_TIMEOUT_MS / 1000} s (during: ${phase}); exiting.`)
  for (const child of children) child.kill('SIGKILL')
  process.exit(2)
}, GLOBAL_TIMEOUT_MS)
watchdog.unref()
const children = new Set()

logger.setLevel(LogLevel.ERROR)

/**
 * Forks `script` with `env`; resolves once it reports ready, with a small IPC client
 * (`ask(type)` sends `{ type, id }` and resolves with the child's answer carrying that id).
 */
async function forkChild(script, env, label) {
  const child = fork(script, [], {
    cwd: ROOT,
    // The children's own lifetime limits (a guard for the demo) follow this benchmark's bound.
    env: { ...process.env, BALANCE_WORKER_LIFETIME_MS: String(GLOBAL_TIMEOUT_MS), BALANCE_SERVER_LIFETIME_MS: String(GLOBAL_TIMEOUT_MS), ...env },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    // gc() for the memory measurement.
    execArgv: [...process.execArgv, '--expose-gc'],
  })
  children.add(child)
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })))
  exited.then(() => children.delete(child))
  let nextId = 0
  const pending = new Map()
  let ready
  const readyPromise = new Promise((resolve, reject) => {
    ready = resolve
    exited.then(({ code, signal }) => reject(new Error(`${label} exited early: ${code ?? signal}`)))
  })
  child.on('message', (message) => {
    if (message?.type === 'ready') ready(message)
    else if (message?.id !== undefined) pending.get(message.id)?.(message)
  })
  const ask = (type) => {
    const id = ++nextId
    const answer = new Promise((resolve) => pending.set(id, resolve))
    child.send({ type, id })
    return withTimeout(answer, 10_000, `${label} ${type} sample`).finally(() => pending.delete(id))
  }
  const info = await withTimeout(readyPromise, 30_000, `${label} start`)
  return {
    info,
    ask,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.send({ type: 'shutdown' })
        const result = await Promise.race([exited, new Promise((r) => setTimeout(() => r(null), 5000))])
        if (!result) {
          child.kill('SIGKILL')
          await exited
        }
      }
    },
  }
}

/** The worker on `kind`, in its own process. */
async function startWorkerProcess(kind, syncServer, credentials) {
  const worker = await forkChild(
    WORKER_SCRIPT,
    {
      BALANCE_SYNC_SERVER: syncServer,
      BALANCE_WORKER_ACCOUNT: credentials.accountID,
      BALANCE_WORKER_SECRET: credentials.accountSecret,
      BALANCE_WORKER_CRYPTO: kind,
      BALANCE_WORKER_TIME_CRYPTO: CRYPTO_TIME ? '1' : '0',
    },
    `worker (${kind})`,
  )
  return { ...worker, cpu: () => worker.ask('cpu'), memory: () => worker.ask('memory') }
}

/** The sync server on `kind`, in its own process (--server). */
async function startServerProcess(kind) {
  const server = await forkChild(SERVER_SCRIPT, { BALANCE_SERVER_CRYPTO: kind }, `sync server (${kind})`)
  checkAddons(kind, server.info.addons, `sync server (${kind})`)
  return { ...server, url: server.info.url, cpu: () => server.ask('cpu') }
}

function checkAddons(kind, addons, label = `worker (${kind})`) {
  const ours = addons.filter((f) => !f.includes('/node_modules/') && /cojson-core-napi\.[^/]+\.node$/.test(f))
  const upstream = addons.filter((f) => /node_modules\/cojson-core-napi-[^/]+\/cojson-core-napi\.[^/]+\.node$/.test(f))
  const ok = { ours: ours.length === 1 && upstream.length === 0, 'cojson-napi': upstream.length === 1 && ours.length === 0, wasm: ours.length + upstream.length === 0 }[kind]
  if (!ok) throw new Error(`${label} loaded the wrong native addons: ${JSON.stringify(addons)}`)
}

/**
 * One run: the worker on `kind`, CLIENTS clients, WARMUP + MESSAGES purchases through `syncServer`.
 * With `serverProcess` (the sync server in its own process), its CPU over the purchases too.
 */
async function measure(kind, syncServer, clientCrypto, serverProcess = null) {
  phase = `${kind}: worker credentials`
  const credentials = await createWorkerCredentials({ syncServer, crypto: clientCrypto, name: `bench worker (${kind})` })
  phase = `${kind}: starting the worker process`
  const worker = await startWorkerProcess(kind, syncServer, credentials)
  const clients = []
  try {
    checkAddons(kind, worker.info.addons)
    phase = `${kind}: clients`
    for (let i = 0; i < CLIENTS; i++) {
      clients.push(await startBalanceClient({ syncServer, crypto: clientCrypto, name: `Client ${i + 1}`, workerID: worker.info.workerID }))
    }
    await Promise.all(clients.map((c) => withTimeout(c.openAccount(1e9), 20_000, `${c.name} openAccount`)))
    phase = `${kind}: warm-up`
    for (let i = 0; i < WARMUP; i++) {
      await Promise.all(clients.map((c) => withTimeout(c.buyFast(`warmup-${i}`, 1), 20_000, 'warm-up purchase')))
    }
    phase = `${kind}: ${MESSAGES} purchases`
    const before = await worker.cpu()
    const serverBefore = serverProcess ? await serverProcess.cpu() : null
    const t0 = performance.now()
    await Promise.all(
      clients.map(async (c) => {
        for (let i = 0; i < MESSAGES / CLIENTS; i++) await withTimeout(c.buyFast(`item-${i}`, 1 + (i % 7)), 20_000, 'purchase')
      }),
    )
    const wallMs = performance.now() - t0
    const after = await worker.cpu()
    const serverAfter = serverProcess ? await serverProcess.cpu() : null
    const serverUs = serverProcess
      ? (serverAfter.usage.user - serverBefore.usage.user + serverAfter.usage.system - serverBefore.usage.system) / MESSAGES
      : NaN
    const processed = after.stats.processed - before.stats.processed
    if (processed !== MESSAGES || after.stats.rejected !== 0) {
      throw new Error(`worker (${kind}) processed ${processed} messages (${after.stats.rejected} rejected), expected ${MESSAGES}`)
    }
    const user = after.usage.user - before.usage.user
    const system = after.usage.system - before.usage.system
    const cryptoUs = CRYPTO_TIME ? (after.cryptoNs - before.cryptoNs) / 1000 / MESSAGES : NaN
    // Per method: calls and µs per message over the measured purchases.
    const methods = {}
    for (const [name, [calls, ns]] of Object.entries(after.cryptoMethods ?? {})) {
      const [calls0, ns0] = before.cryptoMethods?.[name] ?? [0, 0]
      if (calls > calls0) methods[name] = { calls: (calls - calls0) / MESSAGES, us: (ns - ns0) / 1000 / MESSAGES }
    }
    const memory = MEMORY ? (await worker.memory()).memory : null
    return { serverUs, cpuUs: (user + system) / MESSAGES, userUs: user / MESSAGES, systemUs: system / MESSAGES, wallMs: wallMs / MESSAGES, cryptoUs, methods, memory, overheadNs: after.overheadNs }
  } finally {
    phase = `${kind}: shutdown`
    await Promise.all(clients.map((c) => withTimeout(c.shutdown(), 5000, 'client shutdown').catch(() => {})))
    await worker.stop()
  }
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b)
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2
}

async function main() {
  console.log(`worker-bench: ${MESSAGES} purchases per run (after ${WARMUP} warm-up purchases per client), ${ROUNDS} rounds`)
  console.log(`node ${process.version}, ${process.platform}-${process.arch}, ${availableParallelism()} cores (${cpus()[0]?.model ?? 'unknown CPU'})`)
  const clientCrypto = await WasmCrypto.create()
  const server = await startSyncServer()
  const results = Object.fromEntries(KINDS.map((k) => [k, []]))
  try {
    for (let round = 0; round < ROUNDS; round++) {
      const order = KINDS.map((_, i) => KINDS[(i + round) % KINDS.length])
      const line = []
      for (const kind of order) {
        const r = await measure(kind, server.url, clientCrypto)
        results[kind].push(r)
        line.push(`${kind} ${r.cpuUs.toFixed(0)} µs`)
      }
      console.log(`  round ${round + 1}/${ROUNDS}: ${line.join(', ')}`)
    }
  } finally {
    phase = 'sync server shutdown'
    await server.close()
  }

  const rows = KINDS.map((kind) => {
    const rs = results[kind]
    return {
      kind,
      median: median(rs.map((r) => r.cpuUs)),
      best: Math.min(...rs.map((r) => r.cpuUs)),
      user: median(rs.map((r) => r.userUs)),
      system: median(rs.map((r) => r.systemUs)),
      wall: median(rs.map((r) => r.wallMs)),
      crypto: median(rs.map((r) => r.cryptoUs)),
      memory: MEMORY ? ['rss', 'heapUsed', 'external', 'arrayBuffers'].reduce((m, k) => ({ ...m, [k]: median(rs.map((r) => r.memory[k])) }), {}) : null,
    }
  })
  const up = rows.find((r) => r.kind === 'cojson-napi')
  const pad = (s, n) => String(s).padStart(n)
  console.log('')
  console.log(`Worker CPU per inbox message (user+system in the worker process; median of ${ROUNDS} rounds)`)
  console.log(`${'worker CryptoProvider'.padEnd(38)}${pad('µs/msg', 9)}${pad('best', 8)}${pad('user', 8)}${pad('sys', 7)}${pad('wall ms/msg', 13)}${pad('vs upstream', 13)}`)
  for (const r of rows) {
    console.log(
      `${LABELS[r.kind].padEnd(38)}${pad(r.median.toFixed(0), 9)}${pad(r.best.toFixed(0), 8)}${pad(r.user.toFixed(0), 8)}${pad(r.system.toFixed(0), 7)}${pad(r.wall.toFixed(2), 13)}${pad(`${(r.median / up.median).toFixed(3)}×`, 13)}`,
    )
  }
  const ours = rows.find((r) => r.kind === 'ours')
  if (MEMORY) {
    const mb = (n) => (n / 1e6).toFixed(1)
    console.log('')
    console.log(`Worker memory after ${MESSAGES} messages (${CLIENTS} clients) and a full GC, MB, median of ${ROUNDS} rounds`)
    console.log(`${'worker CryptoProvider'.padEnd(38)}${pad('RSS', 8)}${pad('V8 heap', 9)}${pad('external', 10)}${pad('buffers', 9)}${pad('RSS vs upstream', 17)}`)
    for (const r of rows) {
      const m = r.memory
      console.log(`${LABELS[r.kind].padEnd(38)}${pad(mb(m.rss), 8)}${pad(mb(m.heapUsed), 9)}${pad(mb(m.external), 10)}${pad(mb(m.arrayBuffers), 9)}${pad(`${m.rss >= up.memory.rss ? '+' : ''}${mb(m.rss - up.memory.rss)}`, 17)}`)
    }
  }
  if (CRYPTO_TIME) {
    console.log('')
    const overhead = KINDS.map((k) => `${k} ${results[k].at(-1).overheadNs.toFixed(0)}`).join(', ')
    console.log(`Time inside the CryptoProvider (incl. its session maps) per message, median, net of the timing's own cost per call (measured: ${overhead} ns); the rest is jazz-tools/cojson/ws`)
    console.log(`${'worker CryptoProvider'.padEnd(38)}${pad('crypto µs', 11)}${pad('share', 8)}${pad('rest µs', 10)}`)
    for (const r of rows) {
      console.log(`${LABELS[r.kind].padEnd(38)}${pad(r.crypto.toFixed(0), 11)}${pad(`${((100 * r.crypto) / r.median).toFixed(1)}%`, 8)}${pad((r.median - r.crypto).toFixed(0), 10)}`)
    }
    // Per method, from the last round: calls per message and µs per message, ours vs upstream.
    const last = Object.fromEntries(KINDS.map((k) => [k, results[k].at(-1).methods]))
    const names = Object.keys(last['cojson-napi']).sort((a, b) => last['cojson-napi'][b].us - last['cojson-napi'][a].us)
    console.log('')
    console.log(`Per method (last round): calls/msg, µs/msg`)
    console.log(`${'method'.padEnd(40)}${pad('calls', 7)}${pad('ours', 9)}${pad('upstream', 10)}${pad('wasm', 9)}`)
    for (const name of names.slice(0, 16)) {
      const cell = (k) => (last[k][name] ? last[k][name].us.toFixed(1) : '-')
      console.log(`${name.padEnd(40)}${pad(last['cojson-napi'][name].calls.toFixed(1), 7)}${pad(cell('ours'), 9)}${pad(cell('cojson-napi'), 10)}${pad(cell('wasm'), 9)}`)
    }
    console.log('')
    console.log(
      `Bound: with a zero-cost provider the worker would still use ${(up.median - up.crypto).toFixed(0)} µs/msg, ` +
        `${((up.median - up.crypto) / up.median).toFixed(3)}× upstream; ours spends ${(ours.crypto / up.crypto).toFixed(3)}× upstream's crypto time.`,
    )
  }
  const ratio = ours.median / up.median
  const bestRatio = ours.best / up.best
  console.log('')
  console.log(`ours/upstream: ${ratio.toFixed(3)}× (median), ${bestRatio.toFixed(3)}× (best rounds)`)
}

// --server: the embedded sync server in its own process on each provider in turn (the worker on
// ours, the clients on WasmCrypto); its CPU per purchase. Reported, without a target.
async function serverMain() {
  console.log(`worker-bench --server: ${MESSAGES} purchases per run (after ${WARMUP} warm-up purchases per client), ${ROUNDS} rounds, ${CLIENTS} clients`)
  console.log(`node ${process.version}, ${process.platform}-${process.arch}, ${availableParallelism()} cores (${cpus()[0]?.model ?? 'unknown CPU'})`)
  const clientCrypto = await WasmCrypto.create()
  const results = Object.fromEntries(KINDS.map((k) => [k, []]))
  for (let round = 0; round < ROUNDS; round++) {
    const order = KINDS.map((_, i) => KINDS[(i + round) % KINDS.length])
    const line = []
    for (const kind of order) {
      phase = `sync server (${kind}): start`
      const serverProcess = await startServerProcess(kind)
      try {
        const r = await measure('ours', serverProcess.url, clientCrypto, serverProcess)
        results[kind].push(r)
        line.push(`${kind} ${r.serverUs.toFixed(0)} µs`)
      } finally {
        phase = `sync server (${kind}): shutdown`
        await serverProcess.stop()
      }
    }
    console.log(`  round ${round + 1}/${ROUNDS}: ${line.join(', ')}`)
  }
  const pad = (s, n) => String(s).padStart(n)
  const up = median(results['cojson-napi'].map((r) => r.serverUs))
  console.log('')
  console.log(`Sync server CPU per purchase (user+system in the server process; worker on ours; median of ${ROUNDS} rounds)`)
  console.log(`${'sync server CryptoProvider'.padEnd(38)}${pad('µs/msg', 9)}${pad('best', 8)}${pad('vs upstream', 13)}`)
  for (const kind of KINDS) {
    const xs = results[kind].map((r) => r.serverUs)
    console.log(`${LABELS[kind].padEnd(38)}${pad(median(xs).toFixed(0), 9)}${pad(Math.min(...xs).toFixed(0), 8)}${pad(`${(median(xs) / up).toFixed(3)}×`, 13)}`)
  }
}

try {
  await (SERVER ? serverMain() : main())
  process.exit(0)
} catch (error) {
  console.error(`worker-bench: FAILED during ${phase}:`, error)
  for (const child of children) child.kill('SIGKILL')
  process.exit(1)
}
