//! The WebAssembly binding of the cojson-core-napi core: the same core as the Node-API addon,
//! exported to JavaScript through wasm-bindgen as plain numbers.
//!
//! The JS side (`lib/wasm-binding.js`) gives these exports the interface of the Node-API binding
//! (index.d.ts): it checks and names the arguments exactly as `src/binding/convert.rs` does, copies
//! them into an *arena* (a buffer of this module's memory that it reuses across calls), calls one
//! export with `(offset, length)` pairs into the arena, and reads the result back from [`IO`] and
//! the *result* buffer. One boundary crossing per call, no allocation per argument, and the JS side
//! can wipe the arena and the result where they held secrets.
//!
//! Every export returns a status: [`OK`], [`NULL`] (a JS `null` result) or [`ERR`] (the error's
//! code and message are in the result buffer: `IO[SCALAR]` bytes of code, then the message). Byte
//! and string results are in the result buffer (`IO[PTR]`, `IO[LEN]`); a bool, count or handle is in
//! `IO[SCALAR]`; a list of strings is the strings' UTF-8 one after the other, with their UTF-16
//! lengths (and for a known state, counts) in the list buffer (`IO[LIST_PTR]`, `IO[LIST_LEN]` u32s).
//!
//! Nothing here runs at instantiation, and nothing draws randomness until a call asks for it
//! (Cloudflare Workers forbid random values at global scope).

#![deny(clippy::all)]
#![deny(clippy::unwrap_used, clippy::expect_used)]

use cojson_core_napi::encoding::utf8;
use cojson_core_napi::{blake3, ed25519, secretbox, session_map, x25519, Code, Error};
use std::cell::RefCell;
use std::sync::atomic::{AtomicU32, Ordering};
use wasm_bindgen::prelude::*;

const OK: i32 = 0;
const NULL: i32 = 1;
const ERR: i32 = -1;

/// Result buffer pointer and byte length.
const PTR: usize = 0;
const LEN: usize = 1;
/// A bool, count, handle, or the byte length of an error's code.
const SCALAR: usize = 2;
/// The u32 list of a list result: pointer and number of u32s.
const LIST_PTR: usize = 3;
const LIST_LEN: usize = 4;
/// The message of the last panic (read from the old instance's memory after a trap).
const PANIC_PTR: usize = 5;
const PANIC_LEN: usize = 6;

/// Shared with JS (address from [`io`]): plain u32 cells (wasm32 without threads: plain loads).
static IO: [AtomicU32; 8] = [const { AtomicU32::new(0) }; 8];

fn set(slot: usize, value: u32) {
  if let Some(cell) = IO.get(slot) {
    cell.store(value, Ordering::Relaxed);
  }
}

/// Buffers above this size are released after use rather than kept for the next call.
const KEEP: usize = 8 << 20;

thread_local! {
  static ARENA: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
  static RESULT: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
  static LIST: RefCell<Vec<u32>> = const { RefCell::new(Vec::new()) };
  static PANIC: RefCell<String> = const { RefCell::new(String::new()) };
  static MAPS: RefCell<Slab<session_map::SessionMap>> = const { RefCell::new(Slab::new()) };
  static HASHERS: RefCell<Slab<BufferedHasher>> = const { RefCell::new(Slab::new()) };
}

// ---------------------------------------------------------------------------------------------
// Memory shared with JS

/// This instance's memory (for the JS side's views).
#[wasm_bindgen]
pub fn linear_memory() -> JsValue {
  wasm_bindgen::memory()
}

/// The address of [`IO`]. Also installs the panic hook (first call of the JS side, per instance).
#[wasm_bindgen]
pub fn io() -> u32 {
  std::panic::set_hook(Box::new(|info| {
    // A panic traps (panic=abort); its message is left where the JS side can read it from the
    // trapped instance's memory before it replaces the instance.
    let message = info.to_string();
    PANIC.with(|cell| {
      if let Ok(mut panic) = cell.try_borrow_mut() {
        *panic = message;
        set(PANIC_PTR, panic.as_ptr() as u32);
        set(PANIC_LEN, panic.len() as u32);
      }
    });
  }));
  IO.as_ptr() as u32
}

/// Makes the arena at least `len` bytes long and returns its address (0 if memory ran out).
#[wasm_bindgen]
pub fn reserve(len: u32) -> u32 {
  ARENA.with(|cell| {
    let Ok(mut arena) = cell.try_borrow_mut() else { return 0 };
    let len = len as usize;
    if arena.len() < len {
      // A new buffer, the old contents copied and then wiped (a reallocation would leave a copy
      // of any secret argument already staged in freed memory).
      let mut grown = Vec::new();
      if grown.try_reserve_exact(len).is_err() {
        return 0;
      }
      grown.extend_from_slice(&arena);
      grown.resize(len, 0);
      arena.fill(0);
      *arena = grown;
    }
    arena.as_mut_ptr() as u32
  })
}

/// Releases the arena, result and list buffers if a large call grew them (the JS side wiped any
/// secret in them). Returns whether the arena was released (its address is then stale).
#[wasm_bindgen]
pub fn release() -> bool {
  RESULT.with(|cell| {
    if let Ok(mut result) = cell.try_borrow_mut() {
      if result.capacity() > KEEP {
        *result = Vec::new();
      }
    }
  });
  LIST.with(|cell| {
    if let Ok(mut list) = cell.try_borrow_mut() {
      if list.capacity() > KEEP / 4 {
        *list = Vec::new();
      }
    }
  });
  ARENA.with(|cell| match cell.try_borrow_mut() {
    Ok(mut arena) if arena.len() > KEEP => {
      *arena = Vec::new();
      true
    }
    _ => false,
  })
}

/// What a call produced besides its status.
enum Fail {
  Core(Error),
  /// A wrong offset or handle from the JS side: a bug of the binding, reported, never UB.
  Internal(&'static str),
}

impl From<Error> for Fail {
  fn from(e: Error) -> Self {
    Fail::Core(e)
  }
}

type Done = Result<i32, Fail>;

/// The arguments of a call: slices of the arena.
struct Args<'a>(&'a [u8]);

impl Args<'_> {
  fn bytes(&self, off: u32, len: u32) -> Result<&[u8], Fail> {
    let (off, len) = (off as usize, len as usize);
    self
      .0
      .get(off..off.saturating_add(len))
      .ok_or(Fail::Internal("argument outside the arena"))
  }

  /// A string the JS side encoded (TextEncoder: always valid UTF-8).
  fn text(&self, off: u32, len: u32) -> Result<&str, Fail> {
    std::str::from_utf8(self.bytes(off, len)?).map_err(|_| Fail::Internal("argument is not UTF-8"))
  }

  /// `None` when `present` is false.
  fn optional_text(&self, present: bool, off: u32, len: u32) -> Result<Option<&str>, Fail> {
    if present {
      self.text(off, len).map(Some)
    } else {
      Ok(None)
    }
  }
}

/// Where results go.
struct Out<'a>(&'a mut Vec<u8>);

impl Out<'_> {
  /// Room for `len` result bytes, filled by `fill` (which writes all of them, as the core's `*_into`
  /// functions do; what they replace is the previous result, which the JS side has read and, if
  /// it was secret, wiped).
  fn fill(&mut self, len: usize, fill: impl FnOnce(&mut [u8]) -> cojson_core_napi::Result<()>) -> Done {
    self
      .0
      .try_reserve_exact(len.saturating_sub(self.0.len()))
      .map_err(|_| Error::out_of_memory("the result"))?;
    self.0.resize(len, 0);
    fill(&mut self.0[..])?;
    set(PTR, self.0.as_ptr() as u32);
    set(LEN, len as u32);
    Ok(OK)
  }

  fn bytes(&mut self, value: &[u8]) -> Done {
    self.fill(value.len(), |buf| {
      buf.copy_from_slice(value);
      Ok(())
    })
  }

  fn string(&mut self, value: &str) -> Done {
    self.bytes(value.as_bytes())
  }

  fn optional_string(&mut self, value: Option<&str>) -> Done {
    match value {
      Some(value) => self.string(value),
      None => Ok(NULL),
    }
  }

  /// Strings one after the other; the list holds each one's UTF-16 length, followed by `extra`'s
  /// value for it if given.
  fn strings<'s>(&mut self, items: impl Iterator<Item = (&'s str, Option<u32>)>) -> Done {
    LIST.with(|cell| {
      let mut list = cell
        .try_borrow_mut()
        .map_err(|_| Fail::Internal("list buffer in use"))?;
      list.clear();
      self.0.clear();
      for (item, extra) in items {
        self
          .0
          .try_reserve(item.len())
          .map_err(|_| Error::out_of_memory("the result"))?;
        self.0.extend_from_slice(item.as_bytes());
        let units = if item.is_ascii() {
          item.len()
        } else {
          item.encode_utf16().count()
        };
        list.push(units as u32);
        if let Some(extra) = extra {
          list.push(extra);
        }
      }
      set(PTR, self.0.as_ptr() as u32);
      set(LEN, self.0.len() as u32);
      set(LIST_PTR, list.as_ptr() as u32);
      set(LIST_LEN, list.len() as u32);
      Ok(OK)
    })
  }

  fn known_state(&mut self, state: session_map::KnownState<'_>) -> Done {
    let id = std::iter::once((state.id, None));
    let sessions = state.sessions.iter().map(|(id, count)| (*id, Some(*count)));
    self.strings(id.chain(sessions))
  }
}

fn scalar(value: u32) -> Done {
  set(SCALAR, value);
  Ok(OK)
}

fn boolean(value: bool) -> Done {
  scalar(u32::from(value))
}

/// Runs an export: borrows the arena and the result buffer, and reports an error's code and
/// message in the result buffer.
fn call(f: impl FnOnce(&Args<'_>, &mut Out<'_>) -> Done) -> i32 {
  ARENA.with(|arena| {
    RESULT.with(|result| {
      let (Ok(arena), Ok(mut result)) = (arena.try_borrow(), result.try_borrow_mut()) else {
        return report(&mut Vec::new(), Fail::Internal("re-entrant call"));
      };
      match f(&Args(&arena), &mut Out(&mut result)) {
        Ok(status) => status,
        Err(fail) => report(&mut result, fail),
      }
    })
  })
}

fn report(result: &mut Vec<u8>, fail: Fail) -> i32 {
  let (code, message) = match &fail {
    Fail::Core(e) => (e.code.as_str(), e.message.as_str()),
    Fail::Internal(message) => ("ERR_WASM_BINDING", *message),
  };
  result.clear();
  if result.try_reserve(code.len() + message.len()).is_ok() {
    result.extend_from_slice(code.as_bytes());
    result.extend_from_slice(message.as_bytes());
  }
  set(PTR, result.as_ptr() as u32);
  set(LEN, result.len() as u32);
  set(SCALAR, if result.is_empty() { 0 } else { code.len() as u32 });
  ERR
}

// ---------------------------------------------------------------------------------------------
// What is loaded

/// `{"version","target","backends":{"ed25519","blake3"},"cpuFeatures":[]}` as JSON.
#[wasm_bindgen]
pub fn binary_info() -> i32 {
  call(|_, out| {
    let json = format!(
      r#"{{"version":"{}","target":"{}","backends":{{"ed25519":"{}","blake3":"{}"}},"cpuFeatures":[]}}"#,
      env!("COJSON_CORE_PACKAGE_VERSION"),
      env!("COJSON_CORE_TARGET"),
      ed25519::backend(),
      blake3::backend(),
    );
    out.string(&json)
  })
}

/// Test hook: panics inside a call (with the arena and a SessionMap's cell borrowed when `kind`
/// is 1), as a bug of the core would; the JS side must replace the trapped instance.
#[wasm_bindgen]
pub fn trap_for_tests(kind: u32) -> i32 {
  call(|_, _| {
    if kind == 1 {
      MAPS.with(|maps| {
        let _held = maps.borrow_mut();
        #[allow(clippy::panic)]
        {
          panic!("trap_for_tests: a panic while a SessionMap is borrowed")
        }
      })
    } else {
      #[allow(clippy::panic)]
      {
        panic!("trap_for_tests: a panic inside a call")
      }
    }
  })
}

// ---------------------------------------------------------------------------------------------
// BLAKE3

#[wasm_bindgen]
pub fn blake3_hash_once(d: u32, dl: u32) -> i32 {
  call(|a, out| out.bytes(&blake3::hash(a.bytes(d, dl)?)))
}

#[wasm_bindgen]
pub fn blake3_hash_once_with_context(d: u32, dl: u32, c: u32, cl: u32) -> i32 {
  call(|a, out| out.bytes(&blake3::hash_with_context(a.bytes(d, dl)?, a.bytes(c, cl)?)))
}

#[wasm_bindgen]
pub fn generate_nonce(d: u32, dl: u32) -> i32 {
  call(|a, out| out.bytes(&blake3::nonce(a.bytes(d, dl)?)))
}

#[wasm_bindgen]
pub fn short_hash(v: u32, vl: u32) -> i32 {
  call(|a, out| out.string(&blake3::short_hash(a.text(v, vl)?)))
}

/// Bytes of small updates a hasher collects in its own buffer, which the JS side writes directly
/// (no call per update), before they are hashed.
const HASHER_BUFFER: usize = 4096;

/// A hasher and the buffer of small updates not hashed yet (their length is the JS side's).
struct BufferedHasher {
  inner: blake3::Hasher,
  buffer: Box<[u8]>,
}

impl BufferedHasher {
  fn new(inner: blake3::Hasher) -> Option<Self> {
    let mut buffer = Vec::new();
    buffer.try_reserve_exact(HASHER_BUFFER).ok()?;
    buffer.resize(HASHER_BUFFER, 0);
    Some(BufferedHasher {
      inner,
      buffer: buffer.into_boxed_slice(),
    })
  }

  /// Hashes the first `pending` bytes of the buffer.
  fn absorb(&mut self, pending: u32) -> Result<(), Fail> {
    let pending = self
      .buffer
      .get(..pending as usize)
      .ok_or(Fail::Internal("pending length outside the hasher's buffer"))?;
    self.inner.update(pending);
    Ok(())
  }
}

/// A new hasher: its handle in `IO[SCALAR]`, its buffer's address in `IO[PTR]`.
fn insert_hasher(inner: blake3::Hasher) -> Done {
  let hasher = BufferedHasher::new(inner).ok_or(Fail::Core(Error::out_of_memory(HASHER_TABLE.object)))?;
  let address = hasher.buffer.as_ptr() as u32;
  let handle = HASHER_TABLE.insert(hasher)?;
  set(PTR, address);
  scalar(handle)
}

#[wasm_bindgen]
pub fn hasher_new() -> i32 {
  call(|_, _| insert_hasher(blake3::Hasher::new()))
}

fn with_hasher<R>(handle: u32, f: impl FnOnce(&mut BufferedHasher) -> R) -> Result<R, Fail> {
  HASHER_TABLE.with(handle, f)
}

/// Hashes the `pending` buffered bytes, then `data` from the arena.
#[wasm_bindgen]
pub fn hasher_update(handle: u32, pending: u32, d: u32, dl: u32) -> i32 {
  call(|a, _| {
    let data = a.bytes(d, dl)?;
    with_hasher(handle, |h| {
      h.absorb(pending)?;
      h.inner.update(data);
      Ok(OK)
    })?
  })
}

#[wasm_bindgen]
pub fn hasher_finalize(handle: u32, pending: u32) -> i32 {
  call(|_, out| {
    let digest = with_hasher(handle, |h| h.absorb(pending).map(|()| h.inner.finalize()))??;
    out.bytes(&digest)
  })
}

/// A copy (after hashing the `pending` bytes): handle and buffer address as for [`hasher_new`].
#[wasm_bindgen]
pub fn hasher_clone(handle: u32, pending: u32) -> i32 {
  call(|_, _| {
    let copy = with_hasher(handle, |h| h.absorb(pending).map(|()| h.inner.clone()))??;
    insert_hasher(copy)
  })
}

#[wasm_bindgen]
pub fn hasher_free(handle: u32) {
  HASHER_TABLE.free(handle)
}

// ---------------------------------------------------------------------------------------------
// Ed25519

#[wasm_bindgen]
pub fn new_ed25519_signing_key() -> i32 {
  call(|_, out| out.bytes(&ed25519::new_signing_key()?[..]))
}

#[wasm_bindgen]
pub fn ed25519_verifying_key(k: u32, kl: u32) -> i32 {
  call(|a, out| out.bytes(&ed25519::verifying_key(a.bytes(k, kl)?)?))
}

#[wasm_bindgen]
pub fn ed25519_sign(k: u32, kl: u32, m: u32, ml: u32) -> i32 {
  call(|a, out| out.bytes(&ed25519::sign(a.bytes(k, kl)?, a.bytes(m, ml)?)?))
}

#[wasm_bindgen]
pub fn ed25519_verify(k: u32, kl: u32, m: u32, ml: u32, s: u32, sl: u32) -> i32 {
  call(|a, _| boolean(ed25519::verify(a.bytes(k, kl)?, a.bytes(m, ml)?, a.bytes(s, sl)?)?))
}

#[wasm_bindgen]
pub fn ed25519_signing_key_from_bytes(k: u32, kl: u32) -> i32 {
  call(|a, out| out.bytes(&ed25519::signing_key_from_bytes(a.bytes(k, kl)?)?))
}

#[wasm_bindgen]
pub fn ed25519_verifying_key_from_bytes(k: u32, kl: u32) -> i32 {
  call(|a, out| out.bytes(&ed25519::verifying_key_from_bytes(a.bytes(k, kl)?)?))
}

#[wasm_bindgen]
pub fn ed25519_signature_from_bytes(s: u32, sl: u32) -> i32 {
  call(|a, out| out.bytes(&ed25519::signature_from_bytes(a.bytes(s, sl)?)?))
}

#[wasm_bindgen]
pub fn sign(m: u32, ml: u32, s: u32, sl: u32) -> i32 {
  call(|a, out| out.string(&ed25519::sign_with_secret(a.bytes(m, ml)?, a.bytes(s, sl)?)?))
}

#[wasm_bindgen]
pub fn verify(s: u32, sl: u32, m: u32, ml: u32, i: u32, il: u32) -> i32 {
  call(|a, _| {
    boolean(ed25519::verify_with_id(
      a.bytes(s, sl)?,
      a.bytes(m, ml)?,
      a.bytes(i, il)?,
    )?)
  })
}

#[wasm_bindgen]
pub fn get_signer_id(s: u32, sl: u32) -> i32 {
  call(|a, out| out.string(&ed25519::signer_id(a.bytes(s, sl)?)?))
}

// ---------------------------------------------------------------------------------------------
// X25519

#[wasm_bindgen]
pub fn new_x25519_private_key() -> i32 {
  call(|_, out| out.bytes(&x25519::new_private_key()?[..]))
}

#[wasm_bindgen]
pub fn x25519_public_key(k: u32, kl: u32) -> i32 {
  call(|a, out| out.bytes(&x25519::public_key(a.bytes(k, kl)?)?))
}

#[wasm_bindgen]
pub fn x25519_diffie_hellman(k: u32, kl: u32, p: u32, pl: u32) -> i32 {
  call(|a, out| out.bytes(&x25519::diffie_hellman(a.bytes(k, kl)?, a.bytes(p, pl)?)?[..]))
}

#[wasm_bindgen]
pub fn get_sealer_id(s: u32, sl: u32) -> i32 {
  call(|a, out| out.string(&x25519::sealer_id(utf8("sealer secret", a.bytes(s, sl)?)?)?))
}

// ---------------------------------------------------------------------------------------------
// XSalsa20 and sealing (the JS side checks a given output's length first, as the addon does)

#[wasm_bindgen]
pub fn encrypt(d: u32, dl: u32, k: u32, kl: u32, n: u32, nl: u32) -> i32 {
  call(|a, out| {
    let (data, key, nonce) = (a.bytes(d, dl)?, a.text(k, kl)?, a.bytes(n, nl)?);
    out.fill(data.len(), |buf| secretbox::encrypt_into(data, key, nonce, buf))
  })
}

#[wasm_bindgen]
pub fn encrypt_xsalsa20(k: u32, kl: u32, n: u32, nl: u32, d: u32, dl: u32) -> i32 {
  call(|a, out| {
    let (key, nonce, data) = (a.bytes(k, kl)?, a.bytes(n, nl)?, a.bytes(d, dl)?);
    out.fill(data.len(), |buf| {
      secretbox::encrypt_xsalsa20_into(key, nonce, data, buf)
    })
  })
}

#[wasm_bindgen]
#[allow(clippy::too_many_arguments)] // four (offset, length) pairs
pub fn seal(m: u32, ml: u32, s: u32, sl: u32, r: u32, rl: u32, n: u32, nl: u32) -> i32 {
  call(|a, out| {
    let (message, sender, recipient, nonce) = (a.bytes(m, ml)?, a.text(s, sl)?, a.text(r, rl)?, a.bytes(n, nl)?);
    out.fill(secretbox::sealed_len(message.len()), |buf| {
      secretbox::seal_into(message, sender, recipient, nonce, buf)
    })
  })
}

/// What a box too short to open reports if the core has nothing more specific to say.
fn too_short() -> Error {
  Error::new(Code::DecryptionFailed, "sealed message is too short to be a box")
}

#[wasm_bindgen]
#[allow(clippy::too_many_arguments)] // four (offset, length) pairs
pub fn unseal(m: u32, ml: u32, s: u32, sl: u32, r: u32, rl: u32, n: u32, nl: u32) -> i32 {
  call(|a, out| {
    let (sealed, recipient, sender, nonce) = (a.bytes(m, ml)?, a.text(s, sl)?, a.text(r, rl)?, a.bytes(n, nl)?);
    let open = |buf: &mut [u8]| secretbox::unseal_into(sealed, recipient, sender, nonce, buf);
    match secretbox::unsealed_len(sealed.len()) {
      Some(len) => out.fill(len, open),
      None => Err(open(&mut []).err().unwrap_or_else(too_short).into()),
    }
  })
}

#[wasm_bindgen]
pub fn seal_for_group(m: u32, ml: u32, r: u32, rl: u32, n: u32, nl: u32) -> i32 {
  call(|a, out| {
    let (message, recipient, nonce) = (a.bytes(m, ml)?, a.text(r, rl)?, a.bytes(n, nl)?);
    out.fill(secretbox::group_sealed_len(message.len()), |buf| {
      secretbox::seal_for_group_into(message, recipient, nonce, buf)
    })
  })
}

#[wasm_bindgen]
pub fn unseal_for_group(m: u32, ml: u32, s: u32, sl: u32, n: u32, nl: u32) -> i32 {
  call(|a, out| {
    let (sealed, recipient, nonce) = (a.bytes(m, ml)?, a.text(s, sl)?, a.bytes(n, nl)?);
    let open = |buf: &mut [u8]| secretbox::unseal_for_group_into(sealed, recipient, nonce, buf);
    match secretbox::group_unsealed_len(sealed.len()) {
      Some(len) => out.fill(len, open),
      None => Err(open(&mut []).err().unwrap_or_else(too_short).into()),
    }
  })
}

// ---------------------------------------------------------------------------------------------
// NapiCrypto's one-call paths (src/binding/provider.rs)

#[wasm_bindgen]
pub fn provider_encrypt(v: u32, vl: u32, k: u32, kl: u32, n: u32, nl: u32) -> i32 {
  call(|a, out| {
    out.string(&secretbox::encrypt_text(
      a.text(v, vl)?,
      a.text(k, kl)?,
      a.text(n, nl)?,
    )?)
  })
}

#[wasm_bindgen]
pub fn provider_decrypt(e: u32, el: u32, k: u32, kl: u32, n: u32, nl: u32) -> i32 {
  call(|a, out| {
    let plain = secretbox::decrypt_text(a.text(e, el)?, a.text(k, kl)?, a.text(n, nl)?)?;
    out.optional_string(plain.as_deref().map(String::as_str))
  })
}

#[wasm_bindgen]
pub fn provider_secure_hash(v: u32, vl: u32) -> i32 {
  call(|a, out| out.string(&blake3::secure_hash(a.text(v, vl)?)))
}

#[wasm_bindgen]
pub fn provider_sign(s: u32, sl: u32, m: u32, ml: u32) -> i32 {
  call(|a, out| {
    let (secret, message) = (a.text(s, sl)?, a.text(m, ml)?);
    out.string(&ed25519::sign_with_secret(message.as_bytes(), secret.as_bytes())?)
  })
}

#[wasm_bindgen]
pub fn provider_verify(s: u32, sl: u32, m: u32, ml: u32, i: u32, il: u32) -> i32 {
  call(|a, _| {
    let (signature, message, id) = (a.text(s, sl)?, a.text(m, ml)?, a.text(i, il)?);
    boolean(ed25519::verify_with_id(
      signature.as_bytes(),
      message.as_bytes(),
      id.as_bytes(),
    )?)
  })
}

// ---------------------------------------------------------------------------------------------
// SessionMap

fn with_map<R>(handle: u32, f: impl FnOnce(&mut session_map::SessionMap) -> R) -> Result<R, Fail> {
  MAP_TABLE.with(handle, f)
}

#[wasm_bindgen]
pub fn map_new(c: u32, cl: u32, h: u32, hl: u32, has_max: bool, max_tx_size: u32, skip_verify: bool) -> i32 {
  call(|a, _| {
    let max = has_max.then_some(max_tx_size);
    let map = session_map::SessionMap::new(a.text(c, cl)?, a.text(h, hl)?, max, skip_verify)?;
    scalar(MAP_TABLE.insert(map)?)
  })
}

#[wasm_bindgen]
pub fn map_free(handle: u32) {
  MAP_TABLE.free(handle)
}

#[wasm_bindgen]
pub fn map_get_header(handle: u32) -> i32 {
  call(|_, out| with_map(handle, |m| out.string(m.header()))?)
}

#[wasm_bindgen]
#[allow(clippy::too_many_arguments)]
pub fn map_add_transactions(
  handle: u32,
  s: u32,
  sl: u32,
  has_signer: bool,
  i: u32,
  il: u32,
  t: u32,
  tl: u32,
  g: u32,
  gl: u32,
  skip_verify: bool,
) -> i32 {
  call(|a, _| {
    let (session, signer) = (a.text(s, sl)?, a.optional_text(has_signer, i, il)?);
    let (transactions, signature) = (a.text(t, tl)?, a.text(g, gl)?);
    with_map(handle, |m| {
      m.add_transactions(session, signer, transactions, signature, skip_verify)
    })??;
    Ok(OK)
  })
}

#[wasm_bindgen]
#[allow(clippy::too_many_arguments)]
pub fn map_make_new_private_transaction(
  handle: u32,
  s: u32,
  sl: u32,
  g: u32,
  gl: u32,
  c: u32,
  cl: u32,
  k: u32,
  kl: u32,
  x: u32,
  xl: u32,
  has_meta: bool,
  mt: u32,
  mtl: u32,
  made_at: f64,
) -> i32 {
  call(|a, out| {
    let (session, signer_secret, changes) = (a.text(s, sl)?, a.text(g, gl)?, a.text(c, cl)?);
    let (key_id, key_secret, meta) = (a.text(k, kl)?, a.text(x, xl)?, a.optional_text(has_meta, mt, mtl)?);
    let json = with_map(handle, |m| {
      m.make_new_private_transaction(session, signer_secret, changes, key_id, key_secret, meta, made_at)
    })??;
    out.string(&json)
  })
}

#[wasm_bindgen]
#[allow(clippy::too_many_arguments)]
pub fn map_make_new_trusting_transaction(
  handle: u32,
  s: u32,
  sl: u32,
  g: u32,
  gl: u32,
  c: u32,
  cl: u32,
  has_meta: bool,
  mt: u32,
  mtl: u32,
  made_at: f64,
) -> i32 {
  call(|a, out| {
    let (session, signer_secret, changes) = (a.text(s, sl)?, a.text(g, gl)?, a.text(c, cl)?);
    let meta = a.optional_text(has_meta, mt, mtl)?;
    let json = with_map(handle, |m| {
      m.make_new_trusting_transaction(session, signer_secret, changes, meta, made_at)
    })??;
    out.string(&json)
  })
}

#[wasm_bindgen]
pub fn map_get_session_ids(handle: u32) -> i32 {
  call(|_, out| with_map(handle, |m| out.strings(m.session_ids().map(|id| (id, None))))?)
}

#[wasm_bindgen]
pub fn map_get_transaction_count(handle: u32, s: u32, sl: u32) -> i32 {
  call(|a, _| {
    let session = a.text(s, sl)?;
    match with_map(handle, |m| m.transaction_count(session))? {
      Some(count) => scalar(count),
      None => Ok(NULL),
    }
  })
}

#[wasm_bindgen]
pub fn map_get_transaction(handle: u32, s: u32, sl: u32, index: u32) -> i32 {
  call(|a, out| {
    let session = a.text(s, sl)?;
    with_map(handle, |m| {
      out.optional_string(m.transaction(session, index).map(|t| t.json()))
    })?
  })
}

#[wasm_bindgen]
pub fn map_get_session_transactions(handle: u32, s: u32, sl: u32, from: u32) -> i32 {
  call(|a, out| {
    let session = a.text(s, sl)?;
    with_map(handle, |m| match m.session_transactions(session, from) {
      Some(transactions) => out.strings(transactions.map(|t| (t, None))),
      None => Ok(NULL),
    })?
  })
}

#[wasm_bindgen]
pub fn map_get_last_signature(handle: u32, s: u32, sl: u32) -> i32 {
  call(|a, out| {
    let session = a.text(s, sl)?;
    with_map(handle, |m| out.optional_string(m.last_signature(session)))?
  })
}

#[wasm_bindgen]
pub fn map_get_signature_after(handle: u32, s: u32, sl: u32, index: u32) -> i32 {
  call(|a, out| {
    let session = a.text(s, sl)?;
    with_map(handle, |m| out.optional_string(m.signature_after(session, index)))?
  })
}

/// `IO[SCALAR]` is the checkpoint as an i32 bit pattern (-1: none).
#[wasm_bindgen]
pub fn map_get_last_signature_checkpoint(handle: u32, s: u32, sl: u32) -> i32 {
  call(|a, _| {
    let session = a.text(s, sl)?;
    match with_map(handle, |m| m.last_signature_checkpoint(session))? {
      Some(index) => scalar(index as i32 as u32),
      None => Ok(NULL),
    }
  })
}

#[wasm_bindgen]
pub fn map_get_known_state(handle: u32) -> i32 {
  call(|_, out| with_map(handle, |m| out.known_state(m.known_state()))?)
}

#[wasm_bindgen]
pub fn map_get_known_state_with_streaming(handle: u32) -> i32 {
  call(|_, out| {
    with_map(handle, |m| match m.known_state_with_streaming() {
      Some(state) => out.known_state(state),
      None => Ok(NULL),
    })?
  })
}

#[wasm_bindgen]
pub fn map_is_streaming(handle: u32) -> i32 {
  call(|_, _| boolean(with_map(handle, |m| m.is_streaming())?))
}

#[wasm_bindgen]
pub fn map_set_streaming_known_state(handle: u32, j: u32, jl: u32) -> i32 {
  call(|a, _| {
    let json = a.text(j, jl)?;
    with_map(handle, |m| m.set_streaming_known_state(json))??;
    Ok(OK)
  })
}

#[wasm_bindgen]
pub fn map_mark_as_deleted(handle: u32) -> i32 {
  call(|_, _| {
    with_map(handle, |m| m.mark_as_deleted())?;
    Ok(OK)
  })
}

#[wasm_bindgen]
pub fn map_is_deleted(handle: u32) -> i32 {
  call(|_, _| boolean(with_map(handle, |m| m.is_deleted())?))
}

#[wasm_bindgen]
pub fn map_decrypt_transaction(handle: u32, s: u32, sl: u32, index: u32, k: u32, kl: u32) -> i32 {
  call(|a, out| {
    let (session, key) = (a.text(s, sl)?, a.text(k, kl)?);
    let plain = with_map(handle, |m| m.decrypt_transaction(session, index, key))??;
    out.optional_string(plain.as_deref().map(String::as_str))
  })
}

#[wasm_bindgen]
pub fn map_decrypt_transaction_meta(handle: u32, s: u32, sl: u32, index: u32, k: u32, kl: u32) -> i32 {
  call(|a, out| {
    let (session, key) = (a.text(s, sl)?, a.text(k, kl)?);
    let plain = with_map(handle, |m| m.decrypt_transaction_meta(session, index, key))??;
    out.optional_string(plain.as_deref().map(String::as_str))
  })
}

// ---------------------------------------------------------------------------------------------
// Handles

/// Objects owned by this module, by handle (index + 1); freed slots are reused.
/// One of this thread's object tables (SessionMaps, hashers) and the names its errors use.
struct Table<T: 'static> {
  slab: &'static std::thread::LocalKey<RefCell<Slab<T>>>,
  /// "session maps in use": the table is borrowed (a call re-entered it).
  in_use: &'static str,
  /// "no such SessionMap": a handle that was never issued or was freed.
  missing: &'static str,
  /// "a SessionMap": what ran out of memory.
  object: &'static str,
}

const MAP_TABLE: Table<session_map::SessionMap> = Table {
  slab: &MAPS,
  in_use: "session maps in use",
  missing: "no such SessionMap",
  object: "a SessionMap",
};
const HASHER_TABLE: Table<BufferedHasher> = Table {
  slab: &HASHERS,
  in_use: "hashers in use",
  missing: "no such Blake3Hasher",
  object: "a Blake3Hasher",
};

impl<T> Table<T> {
  /// The new object's handle.
  fn insert(&self, item: T) -> Result<u32, Fail> {
    self.slab.with(|cell| {
      let mut slab = cell.try_borrow_mut().map_err(|_| Fail::Internal(self.in_use))?;
      slab.insert(item).ok_or(Fail::Core(Error::out_of_memory(self.object)))
    })
  }

  fn with<R>(&self, handle: u32, f: impl FnOnce(&mut T) -> R) -> Result<R, Fail> {
    self.slab.with(|cell| {
      let mut slab = cell.try_borrow_mut().map_err(|_| Fail::Internal(self.in_use))?;
      let item = slab.get_mut(handle).ok_or(Fail::Internal(self.missing))?;
      Ok(f(item))
    })
  }

  /// Drops the object (a no-op for a handle not in the table, or while the table is borrowed).
  fn free(&self, handle: u32) {
    self.slab.with(|cell| {
      if let Ok(mut slab) = cell.try_borrow_mut() {
        slab.remove(handle);
      }
    })
  }
}

struct Slab<T> {
  items: Vec<Option<T>>,
  free: Vec<u32>,
}

impl<T> Slab<T> {
  const fn new() -> Self {
    Slab {
      items: Vec::new(),
      free: Vec::new(),
    }
  }

  /// The new object's handle, or `None` if memory ran out.
  fn insert(&mut self, item: T) -> Option<u32> {
    if let Some(handle) = self.free.pop() {
      if let Some(slot) = self.items.get_mut(handle as usize - 1) {
        *slot = Some(item);
        return Some(handle);
      }
    }
    self.items.try_reserve(1).ok()?;
    self.free.try_reserve(self.items.len() + 1 - self.free.len()).ok()?;
    self.items.push(Some(item));
    u32::try_from(self.items.len()).ok()
  }

  fn get_mut(&mut self, handle: u32) -> Option<&mut T> {
    self.items.get_mut((handle as usize).checked_sub(1)?)?.as_mut()
  }

  fn remove(&mut self, handle: u32) -> Option<T> {
    let item = self.items.get_mut((handle as usize).checked_sub(1)?)?.take()?;
    // Room was reserved at insertion: pushing never allocates here.
    self.free.push(handle);
    Some(item)
  }
}
