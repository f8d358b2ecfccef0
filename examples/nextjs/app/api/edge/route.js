import { NapiCrypto, SessionMap, binaryInfo } from 'cojson-core-napi'

// The Edge runtime (Vercel Edge, `next start` alike) has no Node-API: package.json `exports` sends
// the `edge-light` condition to the package's WebAssembly build, with the same API. No next.config
// entry is needed for it (serverExternalPackages concerns the Node.js runtime only).
export const runtime = 'edge'
export const dynamic = 'force-dynamic'

export async function GET() {
  try {
    const crypto = await NapiCrypto.create()
    const alice = crypto.newRandomAgentSecret()
    const aliceId = crypto.getAgentID(alice)
    const message = { hello: 'from the edge', at: 1 }
    const signature = crypto.sign(crypto.getAgentSignerSecret(alice), message)
    const verified = crypto.verify(signature, message, crypto.getAgentSignerID(aliceId))
    const verifiedTampered = crypto.verify(signature, { ...message, at: 2 }, crypto.getAgentSignerID(aliceId))
    const keySecret = crypto.newRandomKeySecret()
    const nOnceMaterial = { in: 'co_zEdge', tx: 0 }
    const encrypted = crypto.encrypt({ a: 1 }, keySecret.secret, nOnceMaterial)
    const decrypted = crypto.decrypt(encrypted, keySecret.secret, nOnceMaterial)

    const header = { type: 'comap', ruleset: { type: 'unsafeAllowAll' }, meta: null, ...crypto.createdNowUnique() }
    const headerJson = JSON.stringify(header)
    const coId = `co_z${crypto.shortHash(header).slice('shortHash_z'.length)}`
    const sessionId = crypto.newRandomSessionID('co_zEdgeAccount')
    const local = crypto.createSessionMap(coId, headerJson)
    const tx = JSON.parse(
      local.makeNewTrustingTransaction(sessionId, crypto.getAgentSignerSecret(alice), JSON.stringify([{ op: 'set', key: 'k', value: 'v' }]), null, Date.now()),
    )
    const remote = new SessionMap(coId, headerJson)
    remote.addTransactions(sessionId, crypto.getAgentSignerID(aliceId), JSON.stringify([tx.transaction]), tx.signature, false)

    return Response.json({
      ok: verified === true && verifiedTampered === false && decrypted?.a === 1,
      kind: binaryInfo().kind,
      verified,
      verifiedTampered,
      decrypted,
      coId,
      knownState: remote.getKnownState(),
    })
  } catch (error) {
    return Response.json({ ok: false, error: String(error?.stack ?? error), code: error?.code ?? null }, { status: 500 })
  }
}
