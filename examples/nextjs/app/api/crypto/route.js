import { NapiCrypto, SessionMap } from 'cojson-core-napi'

// Native addons need the Node.js runtime (not Edge), and the crypto must run per request.
export const runtime = 'nodejs'
export const dynamic = 'force-dynamic'

export async function GET() {
  try {
    const crypto = await NapiCrypto.create()

    // Two agents: sign and verify, seal and unseal.
    const alice = crypto.newRandomAgentSecret()
    const bob = crypto.newRandomAgentSecret()
    const aliceId = crypto.getAgentID(alice)
    const bobId = crypto.getAgentID(bob)
    const message = { hello: 'from next.js', at: 1 }
    const signature = crypto.sign(crypto.getAgentSignerSecret(alice), message)
    const verified = crypto.verify(signature, message, crypto.getAgentSignerID(aliceId))
    const verifiedTampered = crypto.verify(signature, { ...message, at: 2 }, crypto.getAgentSignerID(aliceId))
    const nOnceMaterial = { in: 'co_zNext', tx: 0 }
    const sealed = crypto.seal({
      message: { readKey: 'keySecret_zNext' },
      from: crypto.getAgentSealerSecret(alice),
      to: crypto.getAgentSealerID(bobId),
      nOnceMaterial,
    })
    const unsealed = crypto.unseal(sealed, crypto.getAgentSealerSecret(bob), crypto.getAgentSealerID(aliceId), nOnceMaterial)

    // A CoValue: a signed trusting transaction, then replayed with verification into a second map.
    const header = { type: 'comap', ruleset: { type: 'unsafeAllowAll' }, meta: null, ...crypto.createdNowUnique() }
    const headerJson = JSON.stringify(header)
    const coId = `co_z${crypto.shortHash(header).slice('shortHash_z'.length)}`
    const sessionId = crypto.newRandomSessionID('co_zNextAccount')
    const local = crypto.createSessionMap(coId, headerJson)
    const tx = JSON.parse(
      local.makeNewTrustingTransaction(
        sessionId,
        crypto.getAgentSignerSecret(alice),
        JSON.stringify([{ op: 'set', key: 'greeting', value: 'hi' }]),
        null,
        Date.now(),
      ),
    )
    const remote = new SessionMap(coId, headerJson)
    remote.addTransactions(sessionId, crypto.getAgentSignerID(aliceId), JSON.stringify([tx.transaction]), tx.signature, false)

    return Response.json({
      ok: verified === true && verifiedTampered === false && unsealed?.readKey === 'keySecret_zNext',
      node: process.version,
      agentId: aliceId,
      signature,
      verified,
      verifiedTampered,
      unsealed,
      coId,
      knownState: remote.getKnownState(),
      // The native addons this server process has loaded (the test checks it is the published binary).
      nativeAddons: process.report.getReport().sharedObjects.filter((file) => /cojson-core-napi[^/]*\.node$/.test(file)),
    })
  } catch (error) {
    return Response.json({ ok: false, error: String(error?.stack ?? error), code: error?.code ?? null }, { status: 500 })
  }
}
