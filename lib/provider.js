'use strict'
// NapiCrypto: a cojson CryptoProvider on this package's core, over either build (the Node-API
// addon or the WebAssembly module: see lib/api.js).
//
// It extends the CryptoProvider of the cojson the app runs, loaded when `NapiCrypto.create()` is
// first awaited: every format and behaviour that cojson defines (stableStringify, key and session
// ids, key secret encryption, agent ids, logging) comes from that cojson, and this class overrides
// only the methods CryptoProvider leaves abstract. cojson is an optional peer dependency: the raw
// exports of the package load without it.
//
// No Node built-ins here: this file also runs on edge runtimes (built into wasm/esm/ as ESM).

const textEncoder = new TextEncoder()
const textDecoder = new TextDecoder()
const utf8 = (text) => textEncoder.encode(text)

/**
 * The NapiCrypto class over `api` (lib/api.js) and its `native` binding (for the provider* one-call
 * paths of src/binding/provider.rs, which both builds have).
 */
function createNapiCrypto(api, native) {
  /** What this module takes from cojson, once loaded. */
  let cojson = null

  async function loadCojson() {
    if (cojson === null) {
      const { CryptoProvider, cojsonInternals, logger, base64URLtoBytes, bytesToBase64url } = await import('cojson')
      if (cojson === null) {
        cojson = { CryptoProvider, stableStringify: cojsonInternals.stableStringify, logger, base64URLtoBytes, bytesToBase64url }
        // From now on NapiCrypto extends this CryptoProvider: `super()` and method lookup follow the
        // prototypes at the time they are used.
        Object.setPrototypeOf(NapiCrypto, CryptoProvider)
        Object.setPrototypeOf(NapiCrypto.prototype, CryptoProvider.prototype)
      }
    }
    return cojson
  }

  /** The base class until cojson is loaded: constructing a NapiCrypto needs it. */
  function CojsonNotLoaded() {
    const error = new Error('NapiCrypto: create it with `await NapiCrypto.create()`, which loads cojson (an optional peer dependency)')
    error.code = 'ERR_COJSON_NOT_LOADED'
    throw error
  }

  class NapiCrypto extends CojsonNotLoaded {
    /** A ready provider; loads cojson the first time. */
    static async create() {
      await loadCojson()
      return new NapiCrypto()
    }

    // --- keys and agents
    newEd25519SigningKey() {
      return api.newEd25519SigningKey()
    }
    newX25519StaticSecret() {
      return api.newX25519PrivateKey()
    }
    getSignerID(secret) {
      return api.getSignerId(utf8(secret))
    }
    getSealerID(secret) {
      return api.getSealerId(utf8(secret))
    }

    // --- hashing
    blake3HashOnce(data) {
      return api.blake3HashOnce(data)
    }
    blake3HashOnceWithContext(data, { context }) {
      return api.blake3HashOnceWithContext(data, context)
    }
    shortHash(value) {
      return api.shortHash(cojson.stableStringify(value))
    }
    // Not abstract: overridden because one native call (hash, base58) is measurably faster than
    // CryptoProvider's blake3HashOnce + base58 in JavaScript.
    secureHash(value) {
      const json = cojson.stableStringify(value)
      return typeof json === 'string' ? native.providerSecureHash(json) : super.secureHash(value)
    }

    // --- signatures
    // The strings go to the addon as they are (no UTF-8 byte arrays in between).
    sign(secret, message) {
      const json = cojson.stableStringify(message)
      if (typeof secret === 'string' && typeof json === 'string') return native.providerSign(secret, json)
      return api.sign(utf8(json), utf8(secret))
    }
    verify(signature, message, id) {
      const json = cojson.stableStringify(message)
      if (typeof signature === 'string' && typeof json === 'string' && typeof id === 'string') return native.providerVerify(signature, json, id)
      return api.verify(utf8(signature), utf8(json), utf8(id))
    }

    // --- symmetric encryption (unauthenticated XSalsa20, as the Jazz wire format)
    // One native call each way: the text cojson stableStringify'd in, the text cojson wants out.
    encrypt(value, keySecret, nOnceMaterial) {
      const { stableStringify, bytesToBase64url } = cojson
      const json = stableStringify(value)
      const nonce = stableStringify(nOnceMaterial)
      if (typeof json === 'string' && typeof nonce === 'string') return native.providerEncrypt(json, keySecret, nonce)
      return `encrypted_U${bytesToBase64url(api.encrypt(utf8(json), keySecret, utf8(nonce)))}`
    }
    decryptRaw(encrypted, keySecret, nOnceMaterial) {
      const { stableStringify, base64URLtoBytes } = cojson
      const nonce = stableStringify(nOnceMaterial)
      if (typeof encrypted === 'string' && typeof nonce === 'string') {
        const text = native.providerDecrypt(encrypted, keySecret, nonce)
        if (text !== null) return text
      }
      // Not canonical base64url: decoded as cojson decodes it.
      const ciphertext = base64URLtoBytes(encrypted.substring('encrypted_U'.length))
      return textDecoder.decode(api.decrypt(ciphertext, keySecret, utf8(nonce)))
    }

    // --- sealing
    seal({ message, from, to, nOnceMaterial }) {
      const { stableStringify, bytesToBase64url } = cojson
      return `sealed_U${bytesToBase64url(api.seal(utf8(stableStringify(message)), from, to, utf8(stableStringify(nOnceMaterial))))}`
    }
    unseal(sealed, sealer, from, nOnceMaterial) {
      const { stableStringify, base64URLtoBytes, logger } = cojson
      // Authentication failures propagate; a plaintext that is not JSON is logged and undefined.
      const bytes = base64URLtoBytes(sealed.substring('sealed_U'.length))
      const plaintext = textDecoder.decode(api.unseal(bytes, sealer, from, utf8(stableStringify(nOnceMaterial))))
      try {
        return JSON.parse(plaintext)
      } catch (e) {
        logger.error('Failed to decrypt/parse sealed message', { err: e })
        return undefined
      }
    }
    sealForGroup({ message, to, nOnceMaterial }) {
      const { stableStringify, bytesToBase64url } = cojson
      return `sealedForGroup_U${bytesToBase64url(api.sealForGroup(utf8(stableStringify(message)), to, utf8(stableStringify(nOnceMaterial))))}`
    }
    unsealForGroup(sealed, groupSealerSecret, nOnceMaterial) {
      const { stableStringify, base64URLtoBytes, logger } = cojson
      // Every failure is logged and undefined.
      try {
        const bytes = base64URLtoBytes(sealed.substring('sealedForGroup_U'.length))
        return JSON.parse(textDecoder.decode(api.unsealForGroup(bytes, groupSealerSecret, utf8(stableStringify(nOnceMaterial)))))
      } catch (e) {
        logger.error('Failed to decrypt/parse sealed for group message', { err: e })
        return undefined
      }
    }

    // --- transaction logs
    createSessionMap(coID, headerJson, maxTxSize, skipVerify) {
      return new SessionMapAdapter(new api.SessionMap(coID, headerJson, maxTxSize, skipVerify))
    }
  }

  return NapiCrypto
}

/** What cojson expects from `createSessionMap`: parsed transactions, `undefined` for null. */
class SessionMapAdapter {
  #map
  constructor(map) {
    this.#map = map
  }
  getHeader() {
    return this.#map.getHeader()
  }
  addTransactions(sessionId, signerId, transactionsJson, signature, skipVerify) {
    this.#map.addTransactions(sessionId, signerId, transactionsJson, signature, skipVerify)
  }
  makeNewPrivateTransaction(sessionId, signerSecret, changesJson, keyId, keySecret, metaJson, madeAt) {
    return this.#map.makeNewPrivateTransaction(sessionId, signerSecret, changesJson, keyId, keySecret, metaJson, madeAt)
  }
  makeNewTrustingTransaction(sessionId, signerSecret, changesJson, metaJson, madeAt) {
    return this.#map.makeNewTrustingTransaction(sessionId, signerSecret, changesJson, metaJson, madeAt)
  }
  getSessionIds() {
    return this.#map.getSessionIds()
  }
  getTransactionCount(sessionId) {
    return this.#map.getTransactionCount(sessionId)
  }
  getTransaction(sessionId, txIndex) {
    const json = this.#map.getTransaction(sessionId, txIndex)
    return json ? JSON.parse(json) : undefined
  }
  getSessionTransactions(sessionId, fromIndex) {
    const list = this.#map.getSessionTransactions(sessionId, fromIndex)
    return list ? list.map((json) => JSON.parse(json)) : undefined
  }
  getLastSignature(sessionId) {
    return this.#map.getLastSignature(sessionId) ?? undefined
  }
  getSignatureAfter(sessionId, txIndex) {
    return this.#map.getSignatureAfter(sessionId, txIndex) ?? undefined
  }
  getLastSignatureCheckpoint(sessionId) {
    return this.#map.getLastSignatureCheckpoint(sessionId) ?? undefined
  }
  getKnownState() {
    return this.#map.getKnownState()
  }
  getKnownStateWithStreaming() {
    return this.#map.getKnownStateWithStreaming() ?? undefined
  }
  isStreaming() {
    return this.#map.isStreaming()
  }
  setStreamingKnownState(streamingJson) {
    this.#map.setStreamingKnownState(streamingJson)
  }
  markAsDeleted() {
    this.#map.markAsDeleted()
  }
  isDeleted() {
    return this.#map.isDeleted()
  }
  decryptTransaction(sessionId, txIndex, keySecret) {
    return this.#map.decryptTransaction(sessionId, txIndex, keySecret) ?? undefined
  }
  decryptTransactionMeta(sessionId, txIndex, keySecret) {
    return this.#map.decryptTransactionMeta(sessionId, txIndex, keySecret) ?? undefined
  }
}

module.exports = { createNapiCrypto }
