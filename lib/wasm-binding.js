'use strict'
// The WebAssembly binding: the exports of wasm/src/lib.rs (through wasm-bindgen's glue, either the
// CommonJS one for Node or the ESM one for edge runtimes) with exactly the JS interface of the
// Node-API binding (index.d.ts, src/binding/): the same functions with the same arguments and
// optional `out`, the classes SessionMap and Blake3Hasher, binaryInfo() and the provider* helpers,
// and the same errors: arguments are checked here, in the order and with the words of
// src/binding/convert.rs; the core's errors come back from the module with their code.
//
// Arguments are copied into an arena (a buffer of the module's memory reused across calls) and
// passed as (offset, length) pairs; results are read from the module's result buffer. The arena
// is wiped after every call that staged a secret, and the result buffer after a secret result.
//
// A Rust panic traps in WebAssembly. The call that trapped throws ERR_WASM_TRAP and the instance is
// replaced by a fresh one (wasm-bindgen's reset-state function): the module stays usable, but the
// SessionMap and Blake3Hasher objects of the old instance are gone (using one throws
// ERR_WASM_INSTANCE_REPLACED). Objects are freed when garbage-collected (FinalizationRegistry).
//
// No Node built-ins here: this file also runs on edge runtimes (built into wasm/esm/ as ESM).

const OK = 0
const NULL = 1
// IO cells (u32) shared with the module: see wasm/src/lib.rs.
const PTR = 0
const LEN = 1
const SCALAR = 2
const LIST_PTR = 3
const LIST_LEN = 4
const PANIC_PTR = 5
const PANIC_LEN = 6
// Arguments up to this many UTF-16 units are staged with room for 3 bytes each; longer strings
// (transaction batches) optimistically with 1, growing only if they are not ASCII.
const SHORT_TEXT = 16 * 1024
const ARENA_MIN = 64 * 1024
const KEEP = 8 << 20
// The module's per-hasher buffer of small updates (wasm/src/lib.rs HASHER_BUFFER).
const HASHER_BUFFER = 4096
const MAX_ARENA = 0xffff0000

const TypedArrayPrototype = Object.getPrototypeOf(Uint8Array.prototype)
const typedArrayTag = Object.getOwnPropertyDescriptor(TypedArrayPrototype, Symbol.toStringTag).get
const typedArrayLength = Object.getOwnPropertyDescriptor(TypedArrayPrototype, 'length').get
const typedArrayBuffer = Object.getOwnPropertyDescriptor(TypedArrayPrototype, 'buffer').get
const arrayBufferByteLength = Object.getOwnPropertyDescriptor(ArrayBuffer.prototype, 'byteLength').get
const dataViewBuffer = Object.getOwnPropertyDescriptor(DataView.prototype, 'buffer').get

/** Whether `value` is a real (not shared) ArrayBuffer: its internal slot, not its prototype. */
function isArrayBuffer(value) {
  try {
    arrayBufferByteLength.call(value)
    return true
  } catch {
    return false
  }
}

function isDataView(value) {
  try {
    dataViewBuffer.call(value)
    return true
  } catch {
    return false
  }
}

/**
 * Whether a value is a Proxy: Node-API sees a Proxy of an array as an object, not an array.
 * JavaScript itself cannot tell; the Node loader passes node:util's `types.isProxy`.
 */
let isProxy = () => false

/** A value's type for messages, never its contents (convert.rs `describe`). */
function describe(value) {
  if (value === null) return 'null'
  const type = typeof value
  if (type !== 'object') return type
  const tag = typedArrayTag.call(value)
  if (tag !== undefined) return tag
  if (isArrayBuffer(value)) return 'ArrayBuffer'
  if (isDataView(value)) return 'DataView'
  if (isProxy(value)) return 'object'
  try {
    if (Array.isArray(value)) return 'Array'
  } catch {
    // A revoked Proxy.
  }
  return 'object'
}

const isUint8Array = (value) => typedArrayTag.call(value) === 'Uint8Array'
function isShared(view) {
  const buffer = typedArrayBuffer.call(view)
  // Fast path: a plain ArrayBuffer (its prototype can lie, so the slot decides otherwise).
  if (Object.getPrototypeOf(buffer) === ArrayBuffer.prototype && isArrayBuffer(buffer)) return false
  return !isArrayBuffer(buffer)
}

function asNativeFunction(name, f) {
  const g = function (a, b, c, d, e) {
    return f(a, b, c, d, e)
  }
  Object.defineProperty(g, 'length', { value: 0 })
  Object.defineProperty(g, 'name', { value: name })
  return g
}

function coded(code, message) {
  const error = new Error(message)
  error.code = code
  return error
}

const typeError = (name, expected, value) => coded('ERR_INVALID_ARG_TYPE', `${name} must be ${expected}, got ${describe(value)}`)
const lengthError = (expected, got) => coded('ERR_INVALID_LENGTH', `out must be ${expected} bytes, got ${got}`)

// Argument checks (convert.rs): each returns the value to stage or throws the addon's error.
function bytes(value, name) {
  if (!isUint8Array(value)) throw typeError(name, 'a Uint8Array', value)
  return value
}
function utf8Bytes(value, name, prefix) {
  if (isUint8Array(value)) return value
  if (typeof value === 'string') {
    throw coded('ERR_INVALID_ARG_TYPE', `${name} must be a Uint8Array: the UTF-8 bytes of the ${prefix}… string, new TextEncoder().encode(${name}), got string`)
  }
  throw typeError(name, 'a Uint8Array', value)
}
function text(value, name) {
  if (typeof value !== 'string') throw typeError(name, 'a string', value)
  return value
}
const optionalText = (value, name) => (value == null ? null : text(value, name))
function u32(value, name) {
  if (typeof value !== 'number') throw typeError(name, 'a number', value)
  return value >>> 0
}
const optionalU32 = (value, name) => (value == null ? null : u32(value, name))
function f64(value, name) {
  if (typeof value !== 'number') throw typeError(name, 'a number', value)
  return value
}
function bool(value, name) {
  if (typeof value !== 'boolean') throw typeError(name, 'a boolean', value)
  return value
}
const optionalBool = (value, name) => (value == null ? false : bool(value, name))
/** The optional output: null for a fresh result, else a Uint8Array on an ArrayBuffer. */
function outArg(out) {
  if (out == null) return null
  if (!isUint8Array(out)) throw typeError('out', 'a Uint8Array', out)
  if (isShared(out)) throw coded('ERR_INVALID_ARG_TYPE', 'out must be a Uint8Array on an ArrayBuffer, got a SharedArrayBuffer view')
  return out
}
/** For exports that size their result before computing it (convert.rs `write`). */
function checkOut(out, length) {
  if (out !== null && typedArrayLength.call(out) !== length) throw lengthError(length, typedArrayLength.call(out))
}

/**
 * The binding over one wasm-bindgen glue module (`glue`: its exports; the instance is created by
 * the glue, or by `initSync` before this is called).
 */
function createWasmBinding(glue, options = {}) {
  if (typeof options.isProxy === 'function') isProxy = options.isProxy
  // One binding per glue module (they would share the module's arena and result buffer).
  let binding = bindings.get(glue)
  if (binding === undefined) bindings.set(glue, (binding = makeBinding(glue)))
  return binding
}
const bindings = new WeakMap()

function makeBinding(glue) {
  const encoder = new TextEncoder()
  const decoder = new TextDecoder('utf-8', { ignoreBOM: true })
  let memory = null
  let u8 = null
  let u32s = null
  let io = 0
  let arena = 0
  let arenaCapacity = 0
  let cursor = 0
  let stagedSecret = false
  let generation = 0
  let traps = 0

  function attach() {
    memory = glue.linear_memory()
    io = glue.io() >>> 2
    refresh()
    arena = 0
    arenaCapacity = 0
    grow(ARENA_MIN)
  }
  function refresh() {
    u8 = new Uint8Array(memory.buffer)
    u32s = new Uint32Array(memory.buffer)
  }
  /** Views again after the memory grew (the old buffer is detached: length 0). */
  function views() {
    if (u8.length === 0) refresh()
  }
  function grow(needed) {
    // Doubling, but never more than 16 MiB past what is needed, and within wasm32's 4 GiB.
    const capacity = Math.max(needed, Math.min(arenaCapacity * 2, needed + (16 << 20)), ARENA_MIN)
    const address = capacity > MAX_ARENA ? 0 : wasm(() => glue.reserve(capacity))
    if (address === 0) {
      unstage()
      throw coded('ERR_OUT_OF_MEMORY', 'out of memory: could not allocate a copy of the arguments')
    }
    arena = address
    arenaCapacity = capacity
    refresh()
  }

  // --- staging arguments: each returns its offset; `staged` is its byte length
  let staged = 0
  let releasePending = false
  /** Before the first argument of a call: fresh views, and buffers a large call grew released. */
  function begin() {
    if (releasePending) {
      releasePending = false
      if (wasm(() => glue.release())) {
        arenaCapacity = 0
        grow(ARENA_MIN)
      }
    }
    views()
  }
  function putBytes(view, secret = false) {
    if (cursor === 0) begin()
    const length = typedArrayLength.call(view)
    if (cursor + length > arenaCapacity) grow(cursor + length)
    const offset = cursor
    if (length > 0) u8.set(view, arena + offset)
    cursor += length
    staged = length
    if (secret) stagedSecret = true
    return offset
  }
  function putText(string, secret = false) {
    if (cursor === 0) begin()
    const units = string.length
    const offset = cursor
    if (secret) stagedSecret = true
    let room = units <= SHORT_TEXT ? units * 3 : units + 16
    if (cursor + room > arenaCapacity) grow(cursor + room)
    let { read, written } = encoder.encodeInto(string, u8.subarray(arena + cursor, arena + cursor + room))
    if (read < units) {
      // Not ASCII after all: room for the rest at 3 bytes a unit (the module copies what is staged).
      const rest = string.slice(read)
      room = rest.length * 3
      if (cursor + written + room > arenaCapacity) grow(cursor + written + room)
      written += encoder.encodeInto(rest, u8.subarray(arena + cursor + written, arena + cursor + written + room)).written
    }
    cursor += written
    staged = written
    return offset
  }
  /** Ends a call's staging: wipes what it staged if any of it was secret. */
  function unstage() {
    if (stagedSecret) {
      views()
      u8.fill(0, arena, arena + cursor)
      stagedSecret = false
    }
    // Released before the next call's arguments: the result of this one is still to be read.
    if (cursor > KEEP) releasePending = true
    cursor = 0
  }

  // --- calls and results
  /** Runs a module call; a trap replaces the instance and throws ERR_WASM_TRAP. */
  function wasm(call) {
    try {
      return call()
    } catch (error) {
      throw trapped(error)
    }
  }
  function trapped(error) {
    let panic = ''
    try {
      const old = new Uint32Array(memory.buffer)
      const ptr = old[io + PANIC_PTR]
      const len = old[io + PANIC_LEN]
      if (len > 0) panic = decoder.decode(new Uint8Array(memory.buffer, ptr, len))
    } catch {}
    traps++
    generation++
    cursor = 0
    stagedSecret = false
    let replaced = true
    try {
      glue.__wbg_reset_state()
      attach()
    } catch {
      replaced = false
    }
    const why = panic ? `a Rust panic: ${panic.replace(/\s*\n\s*/g, ' ')}` : String((error && error.message) || error)
    const result = coded(
      'ERR_WASM_TRAP',
      `cojson-core-napi: the WebAssembly module trapped (${why}). ` +
        (replaced
          ? 'It was replaced by a fresh instance: SessionMap and Blake3Hasher objects made before are gone.'
          : 'It could not be replaced.'),
    )
    result.cause = error
    return result
  }
  /** Calls `f` (staging done), then unstages; throws the module's error for an ERR status. */
  function run(f) {
    let status
    try {
      status = wasm(f)
    } finally {
      unstage()
    }
    if (status < 0) throw moduleError()
    return status
  }
  function moduleError() {
    views()
    const ptr = u32s[io + PTR]
    const len = u32s[io + LEN]
    const codeLength = u32s[io + SCALAR]
    if (len === 0) return coded('ERR_OUT_OF_MEMORY', 'out of memory: could not allocate the error')
    const all = decoder.decode(u8.subarray(ptr, ptr + len))
    return coded(all.slice(0, codeLength), all.slice(codeLength))
  }
  /** The byte result, into `out` (its length checked now, as convert.rs `write_value`) or fresh. */
  function byteResult(out, secret) {
    views()
    const ptr = u32s[io + PTR]
    const len = u32s[io + LEN]
    if (len > KEEP) releasePending = true
    let result
    if (out !== null) {
      const given = typedArrayLength.call(out)
      if (given !== len) {
        if (secret) u8.fill(0, ptr, ptr + len)
        throw lengthError(len, given)
      }
      out.set(u8.subarray(ptr, ptr + len))
      result = out
    } else {
      result = u8.slice(ptr, ptr + len)
    }
    if (secret) u8.fill(0, ptr, ptr + len)
    return result
  }
  function stringResult(secret = false) {
    views()
    const ptr = u32s[io + PTR]
    const len = u32s[io + LEN]
    if (len > KEEP) releasePending = true
    const string = decoder.decode(u8.subarray(ptr, ptr + len))
    if (secret) u8.fill(0, ptr, ptr + len)
    return string
  }
  function scalar() {
    views()
    return u32s[io + SCALAR]
  }
  /** A list result: the strings, or for a known state pairs with a count after each but the first. */
  function stringsResult() {
    views()
    const ptr = u32s[io + PTR]
    const len = u32s[io + LEN]
    const list = u32s[io + LIST_PTR] >>> 2
    const count = u32s[io + LIST_LEN]
    if (len > KEEP) releasePending = true
    const all = decoder.decode(u8.subarray(ptr, ptr + len))
    const out = new Array(count)
    for (let i = 0, at = 0; i < count; i++) {
      const units = u32s[list + i]
      out[i] = all.slice(at, at + units)
      at += units
    }
    return out
  }
  function knownStateResult() {
    views()
    const ptr = u32s[io + PTR]
    const len = u32s[io + LEN]
    const list = u32s[io + LIST_PTR] >>> 2
    const count = u32s[io + LIST_LEN]
    const all = decoder.decode(u8.subarray(ptr, ptr + len))
    const idUnits = u32s[list]
    const id = all.slice(0, idUnits)
    const sessions = {}
    // Property assignment, as the addon's napi_set_property.
    for (let i = 1, at = idUnits; i + 1 < count; i += 2) {
      const units = u32s[list + i]
      sessions[all.slice(at, at + units)] = u32s[list + i + 1]
      at += units
    }
    return { id, header: true, sessions }
  }

  attach()

  // ---------------------------------------------------------------------------------------------
  // Functions

  // Exports whose result the module computes before its length is checked (`write_value`).
  function valueExport(out, secret, stage) {
    out = outArg(out)
    run(stage)
    return byteResult(out, secret)
  }

  const binding = {}

  binding.blake3HashOnce = (data, out) => {
    out = outArg(out)
    const d = putBytes(bytes(data, 'data')), dl = staged
    run(() => glue.blake3_hash_once(d, dl))
    return byteResult(out, false)
  }
  binding.blake3HashOnceWithContext = (data, context, out) => {
    out = outArg(out)
    bytes(data, 'data')
    bytes(context, 'context')
    const d = putBytes(data), dl = staged
    const c = putBytes(context), cl = staged
    run(() => glue.blake3_hash_once_with_context(d, dl, c, cl))
    return byteResult(out, false)
  }
  binding.generateNonce = (nonceMaterial, out) => {
    out = outArg(out)
    const n = putBytes(bytes(nonceMaterial, 'nonceMaterial')), nl = staged
    run(() => glue.generate_nonce(n, nl))
    return byteResult(out, false)
  }
  binding.shortHash = (value) => {
    const v = putText(text(value, 'value')), vl = staged
    run(() => glue.short_hash(v, vl))
    return stringResult()
  }

  binding.newEd25519SigningKey = (out) => valueExport(out, true, () => glue.new_ed25519_signing_key())
  const verifyingKey = (signingKey, out) => {
    out = outArg(out)
    const k = putBytes(bytes(signingKey, 'signingKey'), true), kl = staged
    run(() => glue.ed25519_verifying_key(k, kl))
    return byteResult(out, false)
  }
  binding.ed25519VerifyingKey = verifyingKey
  binding.ed25519SigningKeyToPublic = verifyingKey
  const ed25519Sign = (signingKey, message, out) => {
    out = outArg(out)
    bytes(signingKey, 'signingKey')
    bytes(message, 'message')
    const k = putBytes(signingKey, true), kl = staged
    const m = putBytes(message), ml = staged
    run(() => glue.ed25519_sign(k, kl, m, ml))
    return byteResult(out, false)
  }
  binding.ed25519Sign = ed25519Sign
  binding.ed25519SigningKeySign = ed25519Sign
  binding.ed25519Verify = (verifyingKey, message, signature) => {
    bytes(verifyingKey, 'verifyingKey')
    bytes(message, 'message')
    bytes(signature, 'signature')
    const k = putBytes(verifyingKey), kl = staged
    const m = putBytes(message), ml = staged
    const s = putBytes(signature), sl = staged
    run(() => glue.ed25519_verify(k, kl, m, ml, s, sl))
    return scalar() === 1
  }
  binding.ed25519SigningKeyFromBytes = (key, out) => {
    out = outArg(out)
    const k = putBytes(bytes(key, 'bytes'), true), kl = staged
    run(() => glue.ed25519_signing_key_from_bytes(k, kl))
    return byteResult(out, true)
  }
  binding.ed25519VerifyingKeyFromBytes = (key, out) => {
    out = outArg(out)
    const k = putBytes(bytes(key, 'bytes')), kl = staged
    run(() => glue.ed25519_verifying_key_from_bytes(k, kl))
    return byteResult(out, false)
  }
  binding.ed25519SignatureFromBytes = (signature, out) => {
    out = outArg(out)
    const s = putBytes(bytes(signature, 'bytes')), sl = staged
    run(() => glue.ed25519_signature_from_bytes(s, sl))
    return byteResult(out, false)
  }

  binding.sign = (message, secret) => {
    bytes(message, 'message')
    utf8Bytes(secret, 'secret', 'signerSecret_z')
    const m = putBytes(message), ml = staged
    const s = putBytes(secret, true), sl = staged
    run(() => glue.sign(m, ml, s, sl))
    return stringResult()
  }
  binding.verify = (signature, message, id) => {
    utf8Bytes(signature, 'signature', 'signature_z')
    bytes(message, 'message')
    utf8Bytes(id, 'id', 'signer_z')
    const s = putBytes(signature), sl = staged
    const m = putBytes(message), ml = staged
    const i = putBytes(id), il = staged
    run(() => glue.verify(s, sl, m, ml, i, il))
    return scalar() === 1
  }
  binding.getSignerId = (secret) => {
    const s = putBytes(utf8Bytes(secret, 'secret', 'signerSecret_z'), true), sl = staged
    run(() => glue.get_signer_id(s, sl))
    return stringResult()
  }

  binding.newX25519PrivateKey = (out) => valueExport(out, true, () => glue.new_x25519_private_key())
  binding.x25519PublicKey = (privateKey, out) => {
    out = outArg(out)
    const k = putBytes(bytes(privateKey, 'privateKey'), true), kl = staged
    run(() => glue.x25519_public_key(k, kl))
    return byteResult(out, false)
  }
  binding.x25519DiffieHellman = (privateKey, publicKey, out) => {
    out = outArg(out)
    bytes(privateKey, 'privateKey')
    bytes(publicKey, 'publicKey')
    const k = putBytes(privateKey, true), kl = staged
    const p = putBytes(publicKey), pl = staged
    run(() => glue.x25519_diffie_hellman(k, kl, p, pl))
    return byteResult(out, true)
  }
  binding.getSealerId = (secret) => {
    const s = putBytes(utf8Bytes(secret, 'secret', 'sealerSecret_z'), true), sl = staged
    run(() => glue.get_sealer_id(s, sl))
    return stringResult()
  }

  // XSalsa20 and sealing: the result's length is known first and checked before the work
  // (convert.rs `write`).
  function keystream(data, dataName, keySecret, nonceMaterial, out, secret) {
    out = outArg(out)
    bytes(data, dataName)
    text(keySecret, 'keySecret')
    bytes(nonceMaterial, 'nonceMaterial')
    checkOut(out, typedArrayLength.call(data))
    const d = putBytes(data, secret), dl = staged
    const k = putText(keySecret, true), kl = staged
    const n = putBytes(nonceMaterial), nl = staged
    run(() => glue.encrypt(d, dl, k, kl, n, nl))
    return byteResult(out, secret)
  }
  binding.encrypt = (value, keySecret, nonceMaterial, out) => keystream(value, 'value', keySecret, nonceMaterial, out, false)
  binding.decrypt = (ciphertext, keySecret, nonceMaterial, out) => keystream(ciphertext, 'ciphertext', keySecret, nonceMaterial, out, true)
  function rawKeystream(key, nonceMaterial, data, dataName, out, secret) {
    out = outArg(out)
    bytes(key, 'key')
    bytes(nonceMaterial, 'nonceMaterial')
    bytes(data, dataName)
    checkOut(out, typedArrayLength.call(data))
    const k = putBytes(key, true), kl = staged
    const n = putBytes(nonceMaterial), nl = staged
    const d = putBytes(data, secret), dl = staged
    run(() => glue.encrypt_xsalsa20(k, kl, n, nl, d, dl))
    return byteResult(out, secret)
  }
  binding.encryptXsalsa20 = (key, nonceMaterial, plaintext, out) => rawKeystream(key, nonceMaterial, plaintext, 'plaintext', out, false)
  binding.decryptXsalsa20 = (key, nonceMaterial, ciphertext, out) => rawKeystream(key, nonceMaterial, ciphertext, 'ciphertext', out, true)

  binding.seal = (message, senderSecret, recipientId, nonceMaterial, out) => {
    out = outArg(out)
    bytes(message, 'message')
    text(senderSecret, 'senderSecret')
    text(recipientId, 'recipientId')
    bytes(nonceMaterial, 'nonceMaterial')
    checkOut(out, typedArrayLength.call(message) + 16)
    const m = putBytes(message), ml = staged
    const s = putText(senderSecret, true), sl = staged
    const r = putText(recipientId), rl = staged
    const n = putBytes(nonceMaterial), nl = staged
    run(() => glue.seal(m, ml, s, sl, r, rl, n, nl))
    return byteResult(out, false)
  }
  binding.unseal = (sealedMessage, recipientSecret, senderId, nonceMaterial, out) => {
    out = outArg(out)
    bytes(sealedMessage, 'sealedMessage')
    text(recipientSecret, 'recipientSecret')
    text(senderId, 'senderId')
    bytes(nonceMaterial, 'nonceMaterial')
    const length = typedArrayLength.call(sealedMessage)
    // Too short to hold a tag: the module reports why, whatever `out` is.
    if (length >= 16) checkOut(out, length - 16)
    const m = putBytes(sealedMessage), ml = staged
    const s = putText(recipientSecret, true), sl = staged
    const r = putText(senderId), rl = staged
    const n = putBytes(nonceMaterial), nl = staged
    run(() => glue.unseal(m, ml, s, sl, r, rl, n, nl))
    return byteResult(out, true)
  }
  binding.sealForGroup = (message, recipientId, nonceMaterial, out) => {
    out = outArg(out)
    bytes(message, 'message')
    text(recipientId, 'recipientId')
    bytes(nonceMaterial, 'nonceMaterial')
    checkOut(out, typedArrayLength.call(message) + 48)
    const m = putBytes(message), ml = staged
    const r = putText(recipientId), rl = staged
    const n = putBytes(nonceMaterial), nl = staged
    run(() => glue.seal_for_group(m, ml, r, rl, n, nl))
    return byteResult(out, false)
  }
  binding.unsealForGroup = (sealedMessage, recipientSecret, nonceMaterial, out) => {
    out = outArg(out)
    bytes(sealedMessage, 'sealedMessage')
    text(recipientSecret, 'recipientSecret')
    bytes(nonceMaterial, 'nonceMaterial')
    const length = typedArrayLength.call(sealedMessage)
    if (length >= 48) checkOut(out, length - 48)
    const m = putBytes(sealedMessage), ml = staged
    const s = putText(recipientSecret, true), sl = staged
    const n = putBytes(nonceMaterial), nl = staged
    run(() => glue.unseal_for_group(m, ml, s, sl, n, nl))
    return byteResult(out, true)
  }

  // --- NapiCrypto's one-call paths (src/binding/provider.rs)
  binding.providerEncrypt = (value, keySecret, nonceMaterial) => {
    text(value, 'value')
    text(keySecret, 'keySecret')
    text(nonceMaterial, 'nonceMaterial')
    const v = putText(value), vl = staged
    const k = putText(keySecret, true), kl = staged
    const n = putText(nonceMaterial), nl = staged
    run(() => glue.provider_encrypt(v, vl, k, kl, n, nl))
    return stringResult()
  }
  binding.providerDecrypt = (encrypted, keySecret, nonceMaterial) => {
    text(encrypted, 'encrypted')
    text(keySecret, 'keySecret')
    text(nonceMaterial, 'nonceMaterial')
    const e = putText(encrypted), el = staged
    const k = putText(keySecret, true), kl = staged
    const n = putText(nonceMaterial), nl = staged
    const status = run(() => glue.provider_decrypt(e, el, k, kl, n, nl))
    return status === NULL ? null : stringResult(true)
  }
  binding.providerSecureHash = (value) => {
    const v = putText(text(value, 'value')), vl = staged
    run(() => glue.provider_secure_hash(v, vl))
    return stringResult()
  }
  binding.providerSign = (secret, message) => {
    text(secret, 'secret')
    text(message, 'message')
    const s = putText(secret, true), sl = staged
    const m = putText(message), ml = staged
    run(() => glue.provider_sign(s, sl, m, ml))
    return stringResult()
  }
  binding.providerVerify = (signature, message, id) => {
    text(signature, 'signature')
    text(message, 'message')
    text(id, 'id')
    const s = putText(signature), sl = staged
    const m = putText(message), ml = staged
    const i = putText(id), il = staged
    run(() => glue.provider_verify(s, sl, m, ml, i, il))
    return scalar() === 1
  }

  binding.binaryInfo = () => {
    run(() => glue.binary_info())
    return JSON.parse(stringResult())
  }

  // ---------------------------------------------------------------------------------------------
  // Classes: a handle into the module's objects, valid for the instance (generation) it was made in

  const freeMaps = typeof FinalizationRegistry === 'function' ? new FinalizationRegistry(freeMap) : null
  const freeHashers = typeof FinalizationRegistry === 'function' ? new FinalizationRegistry(freeHasher) : null
  function freeMap(held) {
    if (held.generation === generation) glue.map_free(held.handle)
  }
  function freeHasher(held) {
    if (held.generation === generation) glue.hasher_free(held.handle)
  }
  const replaced = (what) =>
    coded('ERR_WASM_INSTANCE_REPLACED', `this ${what} belonged to a WebAssembly instance that trapped and was replaced: it is gone`)
  const make = Symbol('make')

  // Small updates are written straight into the hasher's own buffer in the module's memory (no
  // call); the module hashes them with the next call that needs them (update, finalize, clone).
  class Blake3Hasher {
    #handle
    #generation
    #buffer
    #pending = 0
    constructor(...args) {
      if (args[0] !== make) run(() => glue.hasher_new())
      this.#handle = scalar()
      this.#buffer = u32s[io + PTR]
      this.#generation = generation
      if (freeHashers) freeHashers.register(this, { handle: this.#handle, generation })
    }
    #live() {
      if (this.#generation !== generation) throw replaced('Blake3Hasher')
      return this.#handle
    }
    update(data) {
      const handle = this.#live()
      const length = typedArrayLength.call(bytes(data, 'data'))
      if (this.#pending + length <= HASHER_BUFFER) {
        if (length > 0) {
          views()
          u8.set(data, this.#buffer + this.#pending)
          this.#pending += length
        }
        return
      }
      const pending = this.#pending
      const d = putBytes(data), dl = staged
      run(() => glue.hasher_update(handle, pending, d, dl))
      this.#pending = 0
    }
    finalize(out) {
      const handle = this.#live()
      out = outArg(out)
      const pending = this.#pending
      run(() => glue.hasher_finalize(handle, pending))
      this.#pending = 0
      return byteResult(out, false)
    }
    clone() {
      const handle = this.#live()
      const pending = this.#pending
      run(() => glue.hasher_clone(handle, pending))
      this.#pending = 0
      return new Blake3Hasher(make)
    }
  }

  class SessionMap {
    #handle
    #generation
    constructor(coId, headerJson, maxTxSize, skipVerify) {
      text(coId, 'coId')
      text(headerJson, 'headerJson')
      const max = optionalU32(maxTxSize, 'maxTxSize')
      const skip = optionalBool(skipVerify, 'skipVerify')
      const c = putText(coId), cl = staged
      const h = putText(headerJson), hl = staged
      run(() => glue.map_new(c, cl, h, hl, max !== null, max ?? 0, skip))
      this.#handle = scalar()
      this.#generation = generation
      if (freeMaps) freeMaps.register(this, { handle: this.#handle, generation })
    }
    #live() {
      if (this.#generation !== generation) throw replaced('SessionMap')
      return this.#handle
    }
    getHeader() {
      const handle = this.#live()
      run(() => glue.map_get_header(handle))
      return stringResult()
    }
    addTransactions(sessionId, signerId, transactionsJson, signature, skipVerify) {
      const handle = this.#live()
      text(sessionId, 'sessionId')
      const signer = optionalText(signerId, 'signerId')
      text(transactionsJson, 'transactionsJson')
      text(signature, 'signature')
      bool(skipVerify, 'skipVerify')
      const s = putText(sessionId), sl = staged
      let i = 0, il = 0
      if (signer !== null) (i = putText(signer)), (il = staged)
      const t = putText(transactionsJson), tl = staged
      const g = putText(signature), gl = staged
      run(() => glue.map_add_transactions(handle, s, sl, signer !== null, i, il, t, tl, g, gl, skipVerify))
    }
    makeNewPrivateTransaction(sessionId, signerSecret, changesJson, keyId, keySecret, metaJson, madeAt) {
      const handle = this.#live()
      text(sessionId, 'sessionId')
      text(signerSecret, 'signerSecret')
      text(changesJson, 'changesJson')
      text(keyId, 'keyId')
      text(keySecret, 'keySecret')
      const meta = optionalText(metaJson, 'metaJson')
      f64(madeAt, 'madeAt')
      const s = putText(sessionId), sl = staged
      const g = putText(signerSecret, true), gl = staged
      const c = putText(changesJson), cl = staged
      const k = putText(keyId), kl = staged
      const x = putText(keySecret, true), xl = staged
      let mt = 0, mtl = 0
      if (meta !== null) (mt = putText(meta)), (mtl = staged)
      run(() => glue.map_make_new_private_transaction(handle, s, sl, g, gl, c, cl, k, kl, x, xl, meta !== null, mt, mtl, madeAt))
      return stringResult()
    }
    makeNewTrustingTransaction(sessionId, signerSecret, changesJson, metaJson, madeAt) {
      const handle = this.#live()
      text(sessionId, 'sessionId')
      text(signerSecret, 'signerSecret')
      text(changesJson, 'changesJson')
      const meta = optionalText(metaJson, 'metaJson')
      f64(madeAt, 'madeAt')
      const s = putText(sessionId), sl = staged
      const g = putText(signerSecret, true), gl = staged
      const c = putText(changesJson), cl = staged
      let mt = 0, mtl = 0
      if (meta !== null) (mt = putText(meta)), (mtl = staged)
      run(() => glue.map_make_new_trusting_transaction(handle, s, sl, g, gl, c, cl, meta !== null, mt, mtl, madeAt))
      return stringResult()
    }
    getSessionIds() {
      const handle = this.#live()
      run(() => glue.map_get_session_ids(handle))
      return stringsResult()
    }
    getTransactionCount(sessionId) {
      const handle = this.#live()
      const s = putText(text(sessionId, 'sessionId')), sl = staged
      return run(() => glue.map_get_transaction_count(handle, s, sl)) === NULL ? -1 : scalar()
    }
    getTransaction(sessionId, txIndex) {
      const handle = this.#live()
      text(sessionId, 'sessionId')
      const index = u32(txIndex, 'txIndex')
      const s = putText(sessionId), sl = staged
      return run(() => glue.map_get_transaction(handle, s, sl, index)) === NULL ? null : stringResult()
    }
    getSessionTransactions(sessionId, fromIndex) {
      const handle = this.#live()
      text(sessionId, 'sessionId')
      const from = u32(fromIndex, 'fromIndex')
      const s = putText(sessionId), sl = staged
      return run(() => glue.map_get_session_transactions(handle, s, sl, from)) === NULL ? null : stringsResult()
    }
    getLastSignature(sessionId) {
      const handle = this.#live()
      const s = putText(text(sessionId, 'sessionId')), sl = staged
      return run(() => glue.map_get_last_signature(handle, s, sl)) === NULL ? null : stringResult()
    }
    getSignatureAfter(sessionId, txIndex) {
      const handle = this.#live()
      text(sessionId, 'sessionId')
      const index = u32(txIndex, 'txIndex')
      const s = putText(sessionId), sl = staged
      return run(() => glue.map_get_signature_after(handle, s, sl, index)) === NULL ? null : stringResult()
    }
    getLastSignatureCheckpoint(sessionId) {
      const handle = this.#live()
      const s = putText(text(sessionId, 'sessionId')), sl = staged
      return run(() => glue.map_get_last_signature_checkpoint(handle, s, sl)) === NULL ? null : scalar() | 0
    }
    getKnownState() {
      const handle = this.#live()
      run(() => glue.map_get_known_state(handle))
      return knownStateResult()
    }
    getKnownStateWithStreaming() {
      const handle = this.#live()
      return run(() => glue.map_get_known_state_with_streaming(handle)) === NULL ? null : knownStateResult()
    }
    isStreaming() {
      const handle = this.#live()
      run(() => glue.map_is_streaming(handle))
      return scalar() === 1
    }
    setStreamingKnownState(streamingJson) {
      const handle = this.#live()
      const j = putText(text(streamingJson, 'streamingJson')), jl = staged
      run(() => glue.map_set_streaming_known_state(handle, j, jl))
    }
    markAsDeleted() {
      const handle = this.#live()
      run(() => glue.map_mark_as_deleted(handle))
    }
    isDeleted() {
      const handle = this.#live()
      run(() => glue.map_is_deleted(handle))
      return scalar() === 1
    }
    decryptTransaction(sessionId, txIndex, keySecret) {
      const handle = this.#live()
      text(sessionId, 'sessionId')
      const index = u32(txIndex, 'txIndex')
      text(keySecret, 'keySecret')
      const s = putText(sessionId), sl = staged
      const k = putText(keySecret, true), kl = staged
      return run(() => glue.map_decrypt_transaction(handle, s, sl, index, k, kl)) === NULL ? null : stringResult(true)
    }
    decryptTransactionMeta(sessionId, txIndex, keySecret) {
      const handle = this.#live()
      text(sessionId, 'sessionId')
      const index = u32(txIndex, 'txIndex')
      text(keySecret, 'keySecret')
      const s = putText(sessionId), sl = staged
      const k = putText(keySecret, true), kl = staged
      return run(() => glue.map_decrypt_transaction_meta(handle, s, sl, index, k, kl)) === NULL ? null : stringResult(true)
    }
  }

  // The shapes of the addon's exports: functions with `length` 0 and a prototype, as Node-API
  // makes them, and classes whose `length` is 0.
  for (const [name, f] of Object.entries(binding)) binding[name] = asNativeFunction(name, f)
  Object.defineProperty(SessionMap, 'length', { value: 0 })
  Object.defineProperty(Blake3Hasher, 'length', { value: 0 })
  binding.Blake3Hasher = Blake3Hasher
  binding.SessionMap = SessionMap

  // Internal, for tests: not part of the package's API.
  Object.defineProperty(binding, '__wasm', {
    value: {
      /** Traps inside a call (kind 1: with a SessionMap cell borrowed), as a panic would. */
      trap: (kind = 0) => run(() => glue.trap_for_tests(kind)),
      /** The module's linear memory size in bytes. */
      memoryBytes: () => memory.buffer.byteLength,
      /** The current memory (to look for secrets left in it). */
      memory: () => new Uint8Array(memory.buffer),
      traps: () => traps,
      generation: () => generation,
    },
  })
  return binding
}

module.exports = { createWasmBinding }
