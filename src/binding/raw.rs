//! The binding's direct Node-API calls: every `unsafe` block of the crate is in this module.
//!
//! Each block relies on two invariants that the code here enforces, not its callers:
//!
//! * **Call scope.** An [`Arg<'call>`] is an argument of the JS call that is running; whatever it
//!   lends out (byte slices, strings) carries the lifetime `'call`, and every export is generic over
//!   that lifetime, so nothing borrowed from JS memory can be returned or kept after the call.
//!   Within a call no JavaScript runs (the adapters call none), so the memory behind an argument can
//!   be neither written by JS on this thread nor detached, resized or collected while it is borrowed.
//! * **No shared writers.** Memory another thread can write (a view on a `SharedArrayBuffer`) is
//!   never borrowed: [`View::read`] copies it, once, with atomic loads, and it is refused as an output.
//! * **No reference to an output.** A caller-supplied output ([`Out`]) is never borrowed at all: the
//!   result is computed into memory the call owns and then copied into it, so an output that is
//!   also an input (the same buffer twice) is read as input, then overwritten, like `memmove`.

use napi::bindgen_prelude::{FromNapiValue, ToNapiValue, TypeName, ValidateNapiValue, ValueType};
use napi::sys;
use std::marker::PhantomData;
use std::ptr;
use std::sync::atomic::{AtomicU8, Ordering};

/// A failed Node-API call, by status (the caller turns it into an `ERR_NAPI` error).
#[derive(Debug, Clone, Copy)]
pub struct NapiFailure(pub sys::napi_status);

type Raw<T> = std::result::Result<T, NapiFailure>;

fn check(status: sys::napi_status) -> Raw<()> {
  if status == sys::Status::napi_ok {
    Ok(())
  } else {
    Err(NapiFailure(status))
  }
}

/// An argument of the JS call that is running (see the module docs for `'call`).
#[derive(Clone, Copy)]
pub struct Arg<'call> {
  env: sys::napi_env,
  value: sys::napi_value,
  _call: PhantomData<&'call ()>,
}

impl TypeName for Arg<'_> {
  fn type_name() -> &'static str {
    "unknown"
  }

  fn value_type() -> ValueType {
    ValueType::Unknown
  }
}

impl ValidateNapiValue for Arg<'_> {}

impl FromNapiValue for Arg<'_> {
  unsafe fn from_napi_value(env: sys::napi_env, value: sys::napi_value) -> napi::Result<Self> {
    Ok(Arg {
      env,
      value,
      _call: PhantomData,
    })
  }
}

/// The JS type of a value (`typeof`, with `null` on its own).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Kind {
  Undefined,
  Null,
  Boolean,
  Number,
  String,
  Symbol,
  Object,
  Function,
  External,
  BigInt,
}

/// A typed array argument: its element type, byte length, data and backing buffer.
pub struct View<'call> {
  /// Node-API's `napi_typedarray_type` (Int8Array 0, Uint8Array 1, …).
  pub kind: sys::napi_typedarray_type,
  len: usize,
  data: *const u8,
  shared: bool,
  _call: PhantomData<&'call ()>,
}

/// Bytes of an argument: borrowed for the call, or a copy the call owns.
pub enum Bytes<'call> {
  Borrowed(&'call [u8]),
  Owned(zeroize::Zeroizing<Vec<u8>>),
}

impl std::ops::Deref for Bytes<'_> {
  type Target = [u8];

  fn deref(&self) -> &[u8] {
    match self {
      Bytes::Borrowed(bytes) => bytes,
      Bytes::Owned(bytes) => bytes,
    }
  }
}

impl<'call> View<'call> {
  pub fn is_uint8(&self) -> bool {
    self.kind == sys::TypedarrayType::uint8_array
  }

  /// Whether the view is on a `SharedArrayBuffer` (memory other threads can write).
  pub fn is_shared(&self) -> bool {
    self.shared
  }

  /// The view's bytes: borrowed if only this thread can write them, else copied (each byte read
  /// exactly once).
  pub fn read(&self) -> Bytes<'call> {
    if self.len == 0 || self.data.is_null() {
      return Bytes::Borrowed(&[]);
    }
    if self.shared {
      // SAFETY: Node-API reports `len` bytes at `data` (already at the view's offset), alive for
      // the call (call scope). Other threads may write them concurrently, so they are read as
      // atomics (`AtomicU8` has the layout of `u8`), never as a `&[u8]`.
      let atomics = unsafe { std::slice::from_raw_parts(self.data.cast::<AtomicU8>(), self.len) };
      return Bytes::Owned(zeroize::Zeroizing::new(
        atomics.iter().map(|b| b.load(Ordering::Relaxed)).collect(),
      ));
    }
    // SAFETY: as above, and the buffer is not shared: only this thread can write it, and it runs
    // no JavaScript until the call returns (call scope). Outputs are never referenced (they are
    // written by copying, after the result is complete), so nothing writes these bytes while the
    // slice is used.
    Bytes::Borrowed(unsafe { std::slice::from_raw_parts(self.data, self.len) })
  }
}

impl<'call> Arg<'call> {
  pub fn kind(&self) -> Kind {
    let mut kind = sys::ValueType::napi_undefined;
    // SAFETY: env and value are the running call's (call scope); `kind` is a valid out-pointer.
    let status = unsafe { sys::napi_typeof(self.env, self.value, &mut kind) };
    if status != sys::Status::napi_ok {
      return Kind::Undefined;
    }
    match kind {
      sys::ValueType::napi_null => Kind::Null,
      sys::ValueType::napi_boolean => Kind::Boolean,
      sys::ValueType::napi_number => Kind::Number,
      sys::ValueType::napi_string => Kind::String,
      sys::ValueType::napi_symbol => Kind::Symbol,
      sys::ValueType::napi_object => Kind::Object,
      sys::ValueType::napi_function => Kind::Function,
      sys::ValueType::napi_external => Kind::External,
      sys::ValueType::napi_bigint => Kind::BigInt,
      _ => Kind::Undefined,
    }
  }

  fn is(&self, check: unsafe fn(sys::napi_env, sys::napi_value, *mut bool) -> sys::napi_status) -> bool {
    let mut result = false;
    // SAFETY: env and value are the running call's; `check` is one of Node-API's `napi_is_*`.
    let status = unsafe { check(self.env, self.value, &mut result) };
    status == sys::Status::napi_ok && result
  }

  pub fn is_array_buffer(&self) -> bool {
    self.is(sys::napi_is_arraybuffer)
  }

  pub fn is_data_view(&self) -> bool {
    self.is(sys::napi_is_dataview)
  }

  pub fn is_array(&self) -> bool {
    self.is(sys::napi_is_array)
  }

  /// The argument as a typed array, or `None` if it is not one.
  pub fn view(&self) -> Option<View<'call>> {
    let mut kind = 0;
    let mut len = 0;
    let mut data = ptr::null_mut();
    let mut buffer = ptr::null_mut();
    let mut offset = 0;
    // SAFETY: env and value are the running call's; every out-pointer is valid.
    let status = unsafe {
      sys::napi_get_typedarray_info(
        self.env,
        self.value,
        &mut kind,
        &mut len,
        &mut data,
        &mut buffer,
        &mut offset,
      )
    };
    if status != sys::Status::napi_ok {
      return None;
    }
    // A `SharedArrayBuffer` is not an `ArrayBuffer` for Node-API (`IsArrayBuffer()` is false).
    let buffer = Arg {
      env: self.env,
      value: buffer,
      _call: PhantomData,
    };
    let shared = !buffer.is_array_buffer();
    let element = match kind {
      sys::TypedarrayType::int8_array | sys::TypedarrayType::uint8_array | sys::TypedarrayType::uint8_clamped_array => {
        1
      }
      sys::TypedarrayType::int16_array | sys::TypedarrayType::uint16_array => 2,
      sys::TypedarrayType::int32_array | sys::TypedarrayType::uint32_array | sys::TypedarrayType::float32_array => 4,
      _ => 8,
    };
    Some(View {
      kind,
      len: len.saturating_mul(element),
      data: data.cast_const().cast(),
      shared,
      _call: PhantomData,
    })
  }

  /// Writes the string as UTF-8 into `buf` (at most `buf.len() - 1` bytes and a NUL; V8 never
  /// splits a character) and returns how many bytes it wrote, or `None` if it is not a string.
  /// Lone UTF-16 surrogates become U+FFFD.
  pub fn read_utf8(&self, buf: &mut [u8]) -> Option<usize> {
    let mut written = 0;
    // SAFETY: pointer and length describe `buf`, which Node-API writes at most `buf.len()` bytes of.
    let status = unsafe {
      sys::napi_get_value_string_utf8(self.env, self.value, buf.as_mut_ptr().cast(), buf.len(), &mut written)
    };
    (status == sys::Status::napi_ok).then_some(written.min(buf.len()))
  }

  /// Converts the string into `buf`'s spare capacity (which must hold `capacity` bytes) and sets
  /// its length; `None` if it is not a string.
  pub fn read_utf8_into_vec(&self, buf: &mut Vec<u8>, capacity: usize) -> Option<()> {
    buf.clear();
    if buf.capacity() < capacity {
      return None;
    }
    let mut written = 0;
    // SAFETY: `buf` has at least `capacity` bytes of spare capacity; Node-API writes at most
    // `capacity` bytes (NUL included) and reports the bytes before the NUL.
    let status =
      unsafe { sys::napi_get_value_string_utf8(self.env, self.value, buf.as_mut_ptr().cast(), capacity, &mut written) };
    if status != sys::Status::napi_ok {
      return None;
    }
    // SAFETY: Node-API initialised the first `written` (< capacity) bytes.
    unsafe { buf.set_len(written.min(capacity)) };
    Some(())
  }

  /// The string's length in UTF-16 code units (constant time in V8), or `None` if not a string.
  pub fn utf16_len(&self) -> Option<usize> {
    let mut units = 0;
    // SAFETY: a null buffer asks for the length only.
    let status = unsafe { sys::napi_get_value_string_utf16(self.env, self.value, ptr::null_mut(), 0, &mut units) };
    (status == sys::Status::napi_ok).then_some(units)
  }

  /// A number as JS `ToUint32` converts it, or `None` if it is not a number.
  pub fn to_u32(self) -> Option<u32> {
    let mut out = 0;
    // SAFETY: env and value are the running call's; `out` is a valid out-pointer.
    let status = unsafe { sys::napi_get_value_uint32(self.env, self.value, &mut out) };
    (status == sys::Status::napi_ok).then_some(out)
  }

  pub fn to_f64(self) -> Option<f64> {
    let mut out = 0.0;
    // SAFETY: as above.
    let status = unsafe { sys::napi_get_value_double(self.env, self.value, &mut out) };
    (status == sys::Status::napi_ok).then_some(out)
  }

  pub fn to_bool(self) -> Option<bool> {
    let mut out = false;
    // SAFETY: as above.
    let status = unsafe { sys::napi_get_value_bool(self.env, self.value, &mut out) };
    (status == sys::Status::napi_ok).then_some(out)
  }
}

/// Where a byte result goes: a caller-supplied `Uint8Array` of exactly the result's length, or a
/// fresh one.
pub struct Out<'call> {
  env: sys::napi_env,
  given: Option<(sys::napi_value, *mut u8, usize)>,
  _call: PhantomData<&'call ()>,
}

/// Why an output argument cannot be used.
pub enum OutProblem {
  NotUint8Array,
  Shared,
}

/// Results up to this size are computed on the stack before being copied into a given output.
const SMALL: usize = 64;

impl<'call> Out<'call> {
  /// A fresh result array.
  pub fn fresh(env: &napi::Env) -> Out<'call> {
    Out {
      env: env.raw(),
      given: None,
      _call: PhantomData,
    }
  }

  /// A caller-supplied output, which must be a `Uint8Array` on a non-shared buffer.
  pub fn given(env: &napi::Env, arg: Arg<'call>) -> std::result::Result<Out<'call>, OutProblem> {
    let view = arg.view().ok_or(OutProblem::NotUint8Array)?;
    if !view.is_uint8() {
      return Err(OutProblem::NotUint8Array);
    }
    if view.shared {
      return Err(OutProblem::Shared);
    }
    Ok(Out {
      env: env.raw(),
      given: Some((arg.value, view.data.cast_mut(), view.len)),
      _call: PhantomData,
    })
  }

  /// The length of a caller-supplied output.
  pub fn given_len(&self) -> Option<usize> {
    self.given.map(|(_, _, len)| len)
  }

  /// Writes a result that is already computed (a given output must be exactly as long) and
  /// returns the JS value to return.
  pub fn write_bytes(self, value: &[u8]) -> Raw<JsValue> {
    match self.given {
      Some((out, data, given)) => {
        if given != value.len() {
          // The adapters check the length first and report it; this is a guard, not a path.
          return Err(NapiFailure(sys::Status::napi_invalid_arg));
        }
        if !value.is_empty() && !data.is_null() {
          // SAFETY: `data` has `value.len()` writable bytes of a non-shared buffer alive for the
          // call; `value` is memory this call owns, so the ranges are distinct, and the inputs it
          // was computed from are no longer read.
          unsafe { ptr::copy_nonoverlapping(value.as_ptr(), data, value.len()) };
        }
        Ok(JsValue(out))
      }
      None => self
        .write(value.len(), Secrecy::Public, |buf| {
          buf.copy_from_slice(value);
          Ok::<(), ()>(())
        })
        .map_err(|e| e.err().unwrap_or(NapiFailure(sys::Status::napi_generic_failure))),
    }
  }

  /// Lets `fill` write the result (`len` bytes; a given output must be exactly that long) and
  /// returns the JS value to return. `Err(Ok(e))` is `fill`'s error, `Err(Err(_))` a Node-API
  /// failure. A given output is untouched unless `fill` succeeds; the call's own copy of a secret
  /// result is wiped.
  pub fn write<E>(
    self,
    len: usize,
    secrecy: Secrecy,
    fill: impl FnOnce(&mut [u8]) -> std::result::Result<(), E>,
  ) -> std::result::Result<JsValue, std::result::Result<E, NapiFailure>> {
    match self.given {
      Some((value, data, given)) => {
        if given != len {
          return Err(Err(NapiFailure(sys::Status::napi_invalid_arg)));
        }
        let mut small = [0u8; SMALL];
        let mut large = Vec::new();
        let result: &mut [u8] = match small.get_mut(..len) {
          Some(result) => result,
          None => {
            large
              .try_reserve_exact(len)
              .map_err(|_| Err(NapiFailure(sys::Status::napi_generic_failure)))?;
            large.resize(len, 0);
            &mut large[..]
          }
        };
        let filled = fill(result);
        if filled.is_ok() && len > 0 && !data.is_null() {
          // SAFETY: `data` has `len` writable bytes of a non-shared buffer alive for the call, and
          // `result` is memory this call owns, so the ranges are distinct. Inputs are only read
          // while `fill` runs, which is over, so nothing reads them while they are overwritten.
          unsafe { ptr::copy_nonoverlapping(result.as_ptr(), data, len) };
        }
        if secrecy == Secrecy::Secret {
          zeroize::Zeroize::zeroize(result);
        }
        filled.map_err(Ok)?;
        Ok(JsValue(value))
      }
      None => {
        let mut data = ptr::null_mut();
        let mut array_buffer = ptr::null_mut();
        // SAFETY: out-pointers are valid; Node-API allocates `len` writable bytes.
        check(unsafe { sys::napi_create_arraybuffer(self.env, len, &mut data, &mut array_buffer) }).map_err(Err)?;
        if len > 0 && !data.is_null() {
          // SAFETY: `data` points to `len` fresh bytes that nothing else references yet.
          fill(unsafe { std::slice::from_raw_parts_mut(data.cast::<u8>(), len) }).map_err(Ok)?;
        } else {
          fill(&mut []).map_err(Ok)?;
        }
        let mut array = ptr::null_mut();
        // SAFETY: `array_buffer` was just created with exactly `len` bytes.
        check(unsafe {
          sys::napi_create_typedarray(
            self.env,
            sys::TypedarrayType::uint8_array,
            len,
            array_buffer,
            0,
            &mut array,
          )
        })
        .map_err(Err)?;
        Ok(JsValue(array))
      }
    }
  }
}

/// Whether a result is secret (its temporary copy is wiped).
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Secrecy {
  Public,
  Secret,
}

/// A JS value created during the call, returned as it is. Its TypeScript type is given on each
/// export (`ts_return_type`).
pub struct JsValue(sys::napi_value);

impl TypeName for JsValue {
  fn type_name() -> &'static str {
    "unknown"
  }

  fn value_type() -> ValueType {
    ValueType::Unknown
  }
}

impl ToNapiValue for JsValue {
  unsafe fn to_napi_value(_env: sys::napi_env, val: Self) -> napi::Result<sys::napi_value> {
    Ok(val.0)
  }
}

/// Builds JS values for results.
pub struct Values {
  env: sys::napi_env,
}

impl Values {
  pub fn new(env: &napi::Env) -> Values {
    Values { env: env.raw() }
  }

  pub fn null(&self) -> Raw<JsValue> {
    let mut value = ptr::null_mut();
    // SAFETY: the env is the running call's; `value` is a valid out-pointer.
    check(unsafe { sys::napi_get_null(self.env, &mut value) })?;
    Ok(JsValue(value))
  }

  pub fn string(&self, s: &str) -> Raw<JsValue> {
    let mut value = ptr::null_mut();
    let len = isize::try_from(s.len()).map_err(|_| NapiFailure(sys::Status::napi_invalid_arg))?;
    // SAFETY: pointer and length describe `s`, valid UTF-8.
    check(unsafe { sys::napi_create_string_utf8(self.env, s.as_ptr().cast(), len, &mut value) })?;
    Ok(JsValue(value))
  }

  /// An array of strings.
  pub fn strings<'a>(&self, items: impl ExactSizeIterator<Item = &'a str>) -> Raw<JsValue> {
    let mut array = ptr::null_mut();
    // SAFETY: the env is the running call's; `array` is a valid out-pointer.
    check(unsafe { sys::napi_create_array_with_length(self.env, items.len(), &mut array) })?;
    for (i, item) in items.enumerate() {
      let value = self.string(item)?;
      let index = u32::try_from(i).map_err(|_| NapiFailure(sys::Status::napi_invalid_arg))?;
      // SAFETY: `array` and `value` were created in this call.
      check(unsafe { sys::napi_set_element(self.env, array, index, value.0) })?;
    }
    Ok(JsValue(array))
  }

  /// `{ id, header: true, sessions: { [sessionId]: count } }`, sessions in the given order.
  pub fn known_state<'a>(&self, id: &str, sessions: impl Iterator<Item = (&'a str, u32)>) -> Raw<JsValue> {
    let mut object = ptr::null_mut();
    let mut sessions_object = ptr::null_mut();
    let mut header = ptr::null_mut();
    // SAFETY: the env is the running call's; every value is created in this call and every
    // out-pointer is valid.
    unsafe {
      check(sys::napi_create_object(self.env, &mut object))?;
      check(sys::napi_create_object(self.env, &mut sessions_object))?;
      for (session, count) in sessions {
        let mut n = ptr::null_mut();
        check(sys::napi_create_uint32(self.env, count, &mut n))?;
        check(sys::napi_set_property(
          self.env,
          sessions_object,
          self.string(session)?.0,
          n,
        ))?;
      }
      check(sys::napi_get_boolean(self.env, true, &mut header))?;
      check(sys::napi_set_named_property(
        self.env,
        object,
        c"id".as_ptr(),
        self.string(id)?.0,
      ))?;
      check(sys::napi_set_named_property(
        self.env,
        object,
        c"header".as_ptr(),
        header,
      ))?;
      check(sys::napi_set_named_property(
        self.env,
        object,
        c"sessions".as_ptr(),
        sessions_object,
      ))?;
    }
    Ok(JsValue(object))
  }
}

/// Above this many UTF-8 bytes a string argument is converted into heap memory.
const STACK_STRING: usize = 512;

/// Why a string argument cannot be read.
pub enum TextProblem {
  NotString,
  OutOfMemory,
}

/// A string argument converted to UTF-8: on the stack when short, else on the heap. A secret one
/// is wiped when dropped (the stack buffer included, also when the string did not fit it).
pub struct Text {
  stack: [u8; STACK_STRING],
  /// Bytes of `stack` written (validated UTF-8 when `heap` is `None`).
  len: usize,
  heap: Option<String>,
  secret: bool,
}

impl Text {
  pub fn read(arg: Arg<'_>, secret: bool) -> std::result::Result<Text, TextProblem> {
    let mut text = Text {
      stack: [0; STACK_STRING],
      len: 0,
      heap: None,
      secret,
    };
    text.len = arg.read_utf8(&mut text.stack).ok_or(TextProblem::NotString)?;
    // V8 never splits a character and leaves room for the NUL: a result this far from the end is
    // the whole string.
    if text.len + 4 < STACK_STRING {
      std::str::from_utf8(&text.stack[..text.len]).map_err(|_| TextProblem::NotString)?;
      return Ok(text);
    }
    let units = arg.utf16_len().ok_or(TextProblem::NotString)?;
    // At most 3 UTF-8 bytes per UTF-16 unit, plus the NUL.
    let capacity = units.saturating_mul(3).saturating_add(1);
    let mut buf = Vec::new();
    buf.try_reserve_exact(capacity).map_err(|_| TextProblem::OutOfMemory)?;
    let read = arg.read_utf8_into_vec(&mut buf, capacity);
    // From here on the bytes are either in `heap` (wiped by Drop) or wiped here.
    let text_result = match read.map(|()| String::from_utf8(buf)) {
      Some(Ok(s)) => Ok(s),
      Some(Err(e)) => {
        let mut bytes = e.into_bytes();
        zeroize::Zeroize::zeroize(&mut bytes);
        Err(TextProblem::NotString)
      }
      None => Err(TextProblem::NotString),
    };
    text.heap = Some(text_result?);
    Ok(text)
  }
}

impl std::ops::Deref for Text {
  type Target = str;

  fn deref(&self) -> &str {
    match &self.heap {
      Some(s) => s,
      // SAFETY: `Text::read` validated `stack[..len]` as UTF-8 before returning a `Text` without
      // `heap`, and neither field changes afterwards (they are private to this module).
      None => unsafe { std::str::from_utf8_unchecked(self.stack.get(..self.len).unwrap_or_default()) },
    }
  }
}

impl Drop for Text {
  fn drop(&mut self) {
    if self.secret {
      zeroize::Zeroize::zeroize(&mut self.stack[..]);
      if let Some(heap) = &mut self.heap {
        zeroize::Zeroize::zeroize(heap);
      }
    }
  }
}

/// A long string argument (a transaction batch can be megabytes), converted into a buffer kept
/// per thread and reused across calls: no fresh allocation, page faults and release per call.
/// Not for secrets.
pub struct LongText {
  buf: Vec<u8>,
}

thread_local! {
  static LONG_TEXT_BUFFER: std::cell::Cell<Vec<u8>> = const { std::cell::Cell::new(Vec::new()) };
}

/// Capacity kept between calls; a larger buffer is released after use.
const LONG_TEXT_KEEP: usize = 8 << 20;

impl LongText {
  pub fn read(arg: Arg<'_>) -> std::result::Result<LongText, TextProblem> {
    let units = arg.utf16_len().ok_or(TextProblem::NotString)?;
    let capacity = units.saturating_mul(3).saturating_add(1);
    let mut buf = LONG_TEXT_BUFFER.with(std::cell::Cell::take);
    buf.clear();
    buf.try_reserve_exact(capacity).map_err(|_| TextProblem::OutOfMemory)?;
    let text = LongText { buf };
    let mut text = text;
    arg
      .read_utf8_into_vec(&mut text.buf, capacity)
      .ok_or(TextProblem::NotString)?;
    std::str::from_utf8(&text.buf).map_err(|_| TextProblem::NotString)?;
    Ok(text)
  }
}

impl std::ops::Deref for LongText {
  type Target = str;

  fn deref(&self) -> &str {
    // SAFETY: `LongText::read` validated `buf` as UTF-8 before returning, and `buf` is private to
    // this module and not changed afterwards.
    unsafe { std::str::from_utf8_unchecked(&self.buf) }
  }
}

impl Drop for LongText {
  fn drop(&mut self) {
    if self.buf.capacity() <= LONG_TEXT_KEEP {
      let buf = std::mem::take(&mut self.buf);
      LONG_TEXT_BUFFER.with(|cell| cell.set(buf));
    }
  }
}
