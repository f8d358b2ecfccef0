'use strict'
// The package's API over a binding: the Node-API addon (index.js) or the WebAssembly build
// (lib/wasm-binding.js), which have the same interface (index.d.ts). Two things are better done
// here, in JavaScript:
//
// * Small byte results (at most 64 bytes: hashes, nonces, keys, signatures, short boxes) come back
//   through a reused buffer: the binding copies the result into a view of it (its optional `out`
//   argument) and `view.slice()` copies it into a fresh Uint8Array, which V8 makes on its own heap
//   up to 64 bytes (~50 ns, against ~600 ns for an ArrayBuffer made through Node-API or larger than
//   that). The view is wiped right after, so the buffer never holds a result once a call returns.
//   Larger results are made by the binding. Any argument that is not a Uint8Array takes the
//   binding's own path, which reports it, so errors are the same either way.
// * `Blake3Hasher` batches small updates and hands them to the binding in 16 KiB blocks, which
//   saves a boundary crossing per update and lets BLAKE3 hash many chunks at once.
//
// No Node built-ins here: this file also runs on edge runtimes (built into wasm/esm/ as ESM).

/**
 * The API (the 30 exports of cojson-core-napi 0.20.19 and binaryInfo) over `binding`.
 * `describe()` returns what binaryInfo() adds to the binding's own info (`kind`, `path`).
 * `smallResultViews`: whether small results go through the reused views, and `batchHasherUpdates`:
 * whether Blake3Hasher batches small updates. Both are wins for the Node-API addon, whose calls cost
 * about a microsecond each; a WebAssembly call costs tens of nanoseconds, its binding makes small
 * arrays on V8's heap by itself (`slice()` of its memory), and batching would copy every byte twice.
 */
function createApi(binding, describe, { smallResultViews = true, batchHasherUpdates = true } = {}) {
  /**
   * What is loaded: the package version, the build (`kind`: native or wasm), its file and Rust
   * target, and the code paths this CPU gets (curve25519-dalek's and BLAKE3's SIMD backends, the
   * CPU features they choose from).
   */
  function binaryInfo() {
    const { version, target, backends, cpuFeatures } = binding.binaryInfo()
    return { ...describe(), version, target, backends: { ...backends }, cpuFeatures: [...cpuFeatures] }
  }

  // ---------------------------------------------------------------------------------------------
  // Small results through views of one reused buffer

  // V8's limit for typed arrays allocated on its heap (v8_typed_array_max_size_in_heap).
  const SMALL = 64
  const VIEWS = (() => {
    const buffer = new Uint8Array(SMALL)
    return Array.from({ length: SMALL + 1 }, (_, length) => buffer.subarray(0, length))
  })()

  // Type and length read through the built-in TypedArray getters: unlike `instanceof` and
  // `.length`, they run no user code (Proxy traps, overridden properties) and see a detached
  // buffer as empty, exactly as the addon does.
  const TypedArrayPrototype = Object.getPrototypeOf(Uint8Array.prototype)
  const typedArrayTag = Object.getOwnPropertyDescriptor(TypedArrayPrototype, Symbol.toStringTag).get
  const typedArrayLength = Object.getOwnPropertyDescriptor(TypedArrayPrototype, 'length').get

  /** The byte length of a real Uint8Array (Buffer included), or -1 for anything else. */
  function uint8Length(value) {
    return typedArrayTag.call(value) === 'Uint8Array' ? typedArrayLength.call(value) : -1
  }

  /**
   * The result of `call(out)`, an addon call whose result is `length` bytes: through a view of the
   * reused buffer when it is small and the caller gave no `out`, else as the addon returns it.
   */
  function result(length, out, call) {
    if (!smallResultViews || out != null || length < 0 || length > SMALL) return call(out)
    const view = VIEWS[length]
    call(view)
    const copy = view.slice()
    view.fill(0)
    return copy
  }

  const blake3HashOnce = (data, out) => result(32, out, (o) => binding.blake3HashOnce(data, o))
  const blake3HashOnceWithContext = (data, context, out) =>
    result(32, out, (o) => binding.blake3HashOnceWithContext(data, context, o))
  const generateNonce = (nonceMaterial, out) => result(24, out, (o) => binding.generateNonce(nonceMaterial, o))
  const newEd25519SigningKey = (out) => result(32, out, (o) => binding.newEd25519SigningKey(o))
  const ed25519VerifyingKey = (signingKey, out) => result(32, out, (o) => binding.ed25519VerifyingKey(signingKey, o))
  const ed25519SigningKeyToPublic = (signingKey, out) =>
    result(32, out, (o) => binding.ed25519SigningKeyToPublic(signingKey, o))
  const ed25519Sign = (signingKey, message, out) => result(64, out, (o) => binding.ed25519Sign(signingKey, message, o))
  const ed25519SigningKeySign = (signingKey, message, out) =>
    result(64, out, (o) => binding.ed25519SigningKeySign(signingKey, message, o))
  const ed25519SigningKeyFromBytes = (bytes, out) => result(32, out, (o) => binding.ed25519SigningKeyFromBytes(bytes, o))
  const ed25519VerifyingKeyFromBytes = (bytes, out) =>
    result(32, out, (o) => binding.ed25519VerifyingKeyFromBytes(bytes, o))
  const ed25519SignatureFromBytes = (bytes, out) => result(64, out, (o) => binding.ed25519SignatureFromBytes(bytes, o))
  const newX25519PrivateKey = (out) => result(32, out, (o) => binding.newX25519PrivateKey(o))
  const x25519PublicKey = (privateKey, out) => result(32, out, (o) => binding.x25519PublicKey(privateKey, o))
  const x25519DiffieHellman = (privateKey, publicKey, out) =>
    result(32, out, (o) => binding.x25519DiffieHellman(privateKey, publicKey, o))
  const encrypt = (value, keySecret, nonceMaterial, out) =>
    result(uint8Length(value), out, (o) => binding.encrypt(value, keySecret, nonceMaterial, o))
  const decrypt = (ciphertext, keySecret, nonceMaterial, out) =>
    result(uint8Length(ciphertext), out, (o) => binding.decrypt(ciphertext, keySecret, nonceMaterial, o))
  const encryptXsalsa20 = (key, nonceMaterial, plaintext, out) =>
    result(uint8Length(plaintext), out, (o) => binding.encryptXsalsa20(key, nonceMaterial, plaintext, o))
  const decryptXsalsa20 = (key, nonceMaterial, ciphertext, out) =>
    result(uint8Length(ciphertext), out, (o) => binding.decryptXsalsa20(key, nonceMaterial, ciphertext, o))
  const seal = (message, senderSecret, recipientId, nonceMaterial, out) =>
    result(lengthPlus(message, 16), out, (o) => binding.seal(message, senderSecret, recipientId, nonceMaterial, o))
  const unseal = (sealedMessage, recipientSecret, senderId, nonceMaterial, out) =>
    result(lengthPlus(sealedMessage, -16), out, (o) =>
      binding.unseal(sealedMessage, recipientSecret, senderId, nonceMaterial, o),
    )
  const sealForGroup = (message, recipientId, nonceMaterial, out) =>
    result(lengthPlus(message, 48), out, (o) => binding.sealForGroup(message, recipientId, nonceMaterial, o))
  const unsealForGroup = (sealedMessage, recipientSecret, nonceMaterial, out) =>
    result(lengthPlus(sealedMessage, -48), out, (o) => binding.unsealForGroup(sealedMessage, recipientSecret, nonceMaterial, o))

  /** The length of a Uint8Array plus `delta`, or -1 if it is not one or the sum is negative. */
  function lengthPlus(value, delta) {
    const length = uint8Length(value)
    return length < 0 || length + delta < 0 ? -1 : length + delta
  }

  // ---------------------------------------------------------------------------------------------
  // Blake3Hasher with batched updates

  const HASHER_BLOCK = 16 * 1024
  // Updates at least this long go to the binding as they are (all of them when not batching).
  const straightThrough = batchHasherUpdates ? HASHER_BLOCK / 4 : 0
  const BindingHasher = binding.Blake3Hasher
  const fromBinding = Symbol('fromBinding')

  class Blake3Hasher {
    #hasher
    #pending = null
    #pendingLength = 0

    constructor(...args) {
      this.#hasher = args[0] === fromBinding ? args[1] : new BindingHasher()
    }

    update(data) {
      const length = uint8Length(data)
      if (length < 0 || length >= straightThrough) {
        // Large (or invalid, for the addon to reject) input goes straight through, in order.
        this.#flush()
        this.#hasher.update(data)
        return
      }
      if (length === 0) return
      if (this.#pendingLength + length > HASHER_BLOCK) this.#flush()
      this.#reserve(this.#pendingLength + length)
      this.#pending.set(data, this.#pendingLength)
      this.#pendingLength += length
    }

    // Grows the pending buffer by doubling (from 1 KiB up to HASHER_BLOCK), so that a hasher fed
    // once or twice, the common case, does not hold a 16 KiB buffer.
    #reserve(needed) {
      const capacity = this.#pending === null ? 0 : this.#pending.length
      if (needed <= capacity) return
      let size = Math.max(1024, capacity)
      while (size < needed) size *= 2
      const grown = new Uint8Array(Math.min(size, HASHER_BLOCK))
      if (this.#pendingLength > 0) grown.set(this.#pending.subarray(0, this.#pendingLength))
      this.#pending = grown
    }

    finalize(out) {
      this.#flush()
      return result(32, out, (o) => this.#hasher.finalize(o))
    }

    clone() {
      this.#flush()
      return new Blake3Hasher(fromBinding, this.#hasher.clone())
    }

    #flush() {
      if (this.#pendingLength > 0) {
        this.#hasher.update(this.#pending.subarray(0, this.#pendingLength))
        this.#pendingLength = 0
      }
    }
  }

  return {
    binaryInfo,
    // Without batching there is nothing to add: the binding's own class.
    Blake3Hasher: batchHasherUpdates ? Blake3Hasher : BindingHasher,
    SessionMap: binding.SessionMap,
    blake3HashOnce,
    blake3HashOnceWithContext,
    decrypt,
    decryptXsalsa20,
    ed25519Sign,
    ed25519SignatureFromBytes,
    ed25519SigningKeyFromBytes,
    ed25519SigningKeySign,
    ed25519SigningKeyToPublic,
    ed25519Verify: binding.ed25519Verify,
    ed25519VerifyingKey,
    ed25519VerifyingKeyFromBytes,
    encrypt,
    encryptXsalsa20,
    generateNonce,
    getSealerId: binding.getSealerId,
    getSignerId: binding.getSignerId,
    newEd25519SigningKey,
    newX25519PrivateKey,
    seal,
    sealForGroup,
    shortHash: binding.shortHash,
    sign: binding.sign,
    unseal,
    unsealForGroup,
    verify: binding.verify,
    x25519DiffieHellman,
    x25519PublicKey,
  }
}

module.exports = { createApi }
