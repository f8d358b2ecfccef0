// An embedded Jazz sync server for local runs: cojson's LocalNode behind a `ws` WebSocketServer,
// bound to 127.0.0.1 on an ephemeral port, with no storage (everything stays in memory, nothing is
// written to disk). Modelled on jazz-run's startSyncServer (which binds every interface and pins an
// older cojson), reduced to what the balance demo needs.
import { createServer } from 'node:http'
import { LocalNode } from 'cojson'
import { createWebSocketPeer } from 'cojson-transport-ws'
import { WasmCrypto } from 'cojson/crypto/WasmCrypto'
import { WebSocketServer } from 'ws'

const HOST = '127.0.0.1'

/**
 * @param {{ crypto?: import('cojson').CryptoProvider, pingIntervalMs?: number }} [options]
 * @returns {Promise<{ url: string, port: number, localNode: LocalNode, close: () => Promise<void> }>}
 */
export async function startSyncServer(options = {}) {
  const crypto = options.crypto ?? (await WasmCrypto.create())
  const pingIntervalMs = options.pingIntervalMs ?? 1500

  const agentSecret = crypto.newRandomAgentSecret()
  const localNode = new LocalNode(agentSecret, crypto.newRandomSessionID(crypto.getAgentID(agentSecret)), crypto)

  const server = createServer((req, res) => {
    res.writeHead(req.url === '/health' ? 200 : 404)
    res.end(req.url === '/health' ? 'ok' : '')
  })
  const wss = new WebSocketServer({ noServer: true })
  const sockets = new Set()
  let connectionCount = 0

  wss.on('connection', (ws, req) => {
    sockets.add(ws)
    // The clients (WebSocketPeerWithReconnection) expect pings to judge liveness.
    const pinging = setInterval(() => {
      if (ws.readyState === ws.OPEN) ws.send(JSON.stringify({ type: 'ping', time: Date.now(), dc: 'local' }))
    }, pingIntervalMs)
    ws.on('close', () => {
      clearInterval(pinging)
      sockets.delete(ws)
    })
    ws.on('error', (error) => console.error('sync server: connection error:', error.message))
    const id = `${req.socket.remoteAddress}:${req.socket.remotePort}#${++connectionCount}`
    localNode.syncManager.addPeer(
      createWebSocketPeer({
        id,
        role: 'client',
        websocket: ws,
        expectPings: false,
        batchingByDefault: false,
        deletePeerStateOnClose: true,
      }),
    )
  })

  server.on('upgrade', (req, socket, head) => {
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req))
  })

  await new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, HOST, () => {
      server.off('error', reject)
      resolve()
    })
  })
  const { port } = server.address()

  let closed = null
  async function close() {
    if (closed) return closed
    closed = (async () => {
      for (const ws of sockets) ws.terminate()
      wss.close()
      await Promise.race([localNode.gracefulShutdown(), new Promise((r) => setTimeout(r, 1000).unref())])
      server.closeAllConnections?.()
      await new Promise((resolve) => server.close(() => resolve()))
    })()
    return closed
  }

  return { url: `ws://${HOST}:${port}`, port, localNode, close }
}
