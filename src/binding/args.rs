//! Argument and return-value conversion for the `#[napi]` adapters.
//!
//! napi-rs's own conversions report `Get TypedArray info failed` or `Failed to convert napi value …`
//! without naming the argument. Here every argument arrives as a raw [`JsArg`] and is converted
//! with its name, so a bad call gets `ERR_INVALID_ARG_TYPE` and e.g.
//! `data must be a Uint8Array, got string`. The happy path costs the same single Node-API call.
//! Byte results are copied into a fresh `ArrayBuffer` (cheaper than napi-rs's external buffers for
//! the small results that dominate here) and returned as plain `Uint8Array`s.

use crate::error::{Code, Error};
use napi::bindgen_prelude::{FromNapiValue, ToNapiValue, TypeName, ValidateNapiValue, ValueType};
use napi::sys;
use std::ptr;

/// The `code` of a thrown JS error.
#[derive(Clone, Copy, Debug)]
pub struct ErrorCode(pub &'static str);

impl AsRef<str> for ErrorCode {
  fn as_ref(&self) -> &str {
    self.0
  }
}

pub type JsError = napi::Error<ErrorCode>;
/// Named `Result` because napi-derive recognises fallible exports by that name.
pub type Result<T> = std::result::Result<T, JsError>;
pub type JsResult<T> = Result<T>;

/// Converts a core error into the JS error thrown for it.
pub fn js_error(e: Error) -> JsError {
  napi::Error::new(ErrorCode(e.code.as_str()), e.message)
}

/// `?`-friendly conversion of core results.
pub trait IntoJs<T> {
  fn js(self) -> JsResult<T>;
}

impl<T> IntoJs<T> for crate::error::Result<T> {
  fn js(self) -> JsResult<T> {
    self.map_err(js_error)
  }
}

fn type_error(name: &str, expected: &str, got: &str) -> JsError {
  js_error(Error::new(
    Code::InvalidArgType,
    format!("{name} must be {expected}, got {got}"),
  ))
}

/// An argument as JS passed it, converted on use with its name.
#[derive(Clone, Copy)]
pub struct JsArg {
  env: sys::napi_env,
  value: sys::napi_value,
}

impl TypeName for JsArg {
  fn type_name() -> &'static str {
    "unknown"
  }

  fn value_type() -> ValueType {
    ValueType::Unknown
  }
}

impl ValidateNapiValue for JsArg {}

impl FromNapiValue for JsArg {
  unsafe fn from_napi_value(env: sys::napi_env, value: sys::napi_value) -> napi::Result<Self> {
    Ok(JsArg { env, value })
  }
}

const TYPED_ARRAY_NAMES: [&str; 12] = [
  "Int8Array",
  "Uint8Array",
  "Uint8ClampedArray",
  "Int16Array",
  "Uint16Array",
  "Int32Array",
  "Uint32Array",
  "Float32Array",
  "Float64Array",
  "BigInt64Array",
  "BigUint64Array",
  "Float16Array",
];

/// Above this many UTF-8 bytes a string argument goes to the heap instead of the stack buffer.
const STACK_STRING: usize = 512;

impl JsArg {
  fn type_of(&self) -> sys::napi_valuetype {
    let mut kind = 0;
    // SAFETY: env and value come from the current callback.
    unsafe { sys::napi_typeof(self.env, self.value, &mut kind) };
    kind
  }

  fn is(&self, check: unsafe fn(sys::napi_env, sys::napi_value, *mut bool) -> sys::napi_status) -> bool {
    let mut result = false;
    // SAFETY: env and value come from the current callback.
    let status = unsafe { check(self.env, self.value, &mut result) };
    status == sys::Status::napi_ok && result
  }

  /// Kind, length and data pointer of a typed array (any view's data already at its offset).
  fn typed_array_info(&self) -> Option<(sys::napi_typedarray_type, usize, *mut std::ffi::c_void)> {
    let mut kind = 0;
    let mut len = 0;
    let mut data = ptr::null_mut();
    let mut buffer = ptr::null_mut();
    let mut offset = 0;
    // SAFETY: env and value come from the current callback; out-pointers are valid.
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
    (status == sys::Status::napi_ok).then_some((kind, len, data))
  }

  /// A short description of the value for error messages (its type, never its contents).
  fn describe(&self) -> String {
    match self.type_of() {
      sys::ValueType::napi_undefined => "undefined".into(),
      sys::ValueType::napi_null => "null".into(),
      sys::ValueType::napi_boolean => "boolean".into(),
      sys::ValueType::napi_number => "number".into(),
      sys::ValueType::napi_string => "string".into(),
      sys::ValueType::napi_symbol => "symbol".into(),
      sys::ValueType::napi_function => "function".into(),
      sys::ValueType::napi_bigint => "bigint".into(),
      sys::ValueType::napi_object => {
        if let Some((kind, _, _)) = self.typed_array_info() {
          TYPED_ARRAY_NAMES
            .get(kind as usize)
            .copied()
            .unwrap_or("a typed array")
            .into()
        } else if self.is(sys::napi_is_arraybuffer) {
          "ArrayBuffer".into()
        } else if self.is(sys::napi_is_dataview) {
          "DataView".into()
        } else if self.is(sys::napi_is_array) {
          "Array".into()
        } else {
          "object".into()
        }
      }
      _ => "an unknown value".into(),
    }
  }

  /// The bytes of a `Uint8Array` (a `Buffer` or any view; only the view's bytes).
  ///
  /// The slice borrows JS memory and is valid for the duration of the current call only.
  pub fn bytes<'a>(&self, name: &str) -> JsResult<&'a [u8]> {
    let (len, data) = match self.typed_array_info() {
      Some((sys::TypedarrayType::uint8_array, len, data)) => (len, data),
      _ => return Err(type_error(name, "a Uint8Array", &self.describe())),
    };
    if len == 0 || data.is_null() {
      return Ok(&[]);
    }
    // SAFETY: Node-API reports `len` bytes at `data` (already adjusted by the view's offset); the
    // backing store stays alive while the argument is on the JS stack, i.e. during this call.
    Ok(unsafe { std::slice::from_raw_parts(data as *const u8, len) })
  }

  /// The bytes of a `Uint8Array`, writable (for the JS layer's scratch buffer).
  ///
  /// The caller guarantees the JS side holds no other Rust borrow of the same memory.
  pub fn bytes_mut<'a>(&self, name: &str) -> JsResult<&'a mut [u8]> {
    let bytes = self.bytes(name)?;
    // SAFETY: same memory as `bytes` (JS-owned, alive for the call); only the scratch buffer,
    // which no other argument aliases by the JS layer's construction, is accessed this way.
    Ok(unsafe { std::slice::from_raw_parts_mut(bytes.as_ptr() as *mut u8, bytes.len()) })
  }

  /// Like [`JsArg::with_str`] for a secret: every Rust-side copy is wiped afterwards.
  pub fn with_secret_str<R>(&self, name: &str, f: impl FnOnce(&str) -> R) -> JsResult<R> {
    self.with_str_impl(name, true, f)
  }

  /// Calls `f` with the argument as a `&str` (lone surrogates become U+FFFD, as in napi-rs).
  pub fn with_str<R>(&self, name: &str, f: impl FnOnce(&str) -> R) -> JsResult<R> {
    self.with_str_impl(name, false, f)
  }

  fn with_str_impl<R>(&self, name: &str, secret: bool, f: impl FnOnce(&str) -> R) -> JsResult<R> {
    let mut stack = [0u8; STACK_STRING];
    let mut written = 0;
    // SAFETY: the buffer pointer and length describe `stack`.
    let status = unsafe {
      sys::napi_get_value_string_utf8(
        self.env,
        self.value,
        stack.as_mut_ptr().cast(),
        STACK_STRING,
        &mut written,
      )
    };
    if status != sys::Status::napi_ok {
      return Err(type_error(name, "a string", &self.describe()));
    }
    // V8 never splits a character and leaves room for the NUL: a result this far from the end
    // is the whole string.
    if written + 4 < STACK_STRING {
      let result = std::str::from_utf8(&stack[..written]).map(f);
      if secret {
        zeroize::Zeroize::zeroize(&mut stack[..written]);
      }
      return result.map_err(|_| type_error(name, "a string", "invalid UTF-8"));
    }
    if secret {
      let owned = zeroize::Zeroizing::new(self.string(name)?);
      Ok(f(&owned))
    } else {
      let owned = self.string(name)?;
      Ok(f(&owned))
    }
  }

  /// Calls `f` with a long string argument, converted into a per-thread buffer that is reused
  /// across calls (a transaction batch can be megabytes: this avoids a fresh allocation, its page
  /// faults and its release on every call). Not for secrets.
  pub fn with_long_str<R>(&self, name: &str, f: impl FnOnce(&str) -> R) -> JsResult<R> {
    thread_local! {
      static BUFFER: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
    }
    /// Capacity kept between calls; a larger one is released after use.
    const KEEP: usize = 8 << 20;
    let mut units = 0;
    // SAFETY: a null buffer asks for the length only.
    let status = unsafe { sys::napi_get_value_string_utf16(self.env, self.value, ptr::null_mut(), 0, &mut units) };
    if status != sys::Status::napi_ok {
      return Err(type_error(name, "a string", &self.describe()));
    }
    let capacity = units.saturating_mul(3).saturating_add(1);
    BUFFER.with(|cell| {
      // A re-entrant call (not possible from JS today) would find the buffer borrowed: use a
      // fresh one then.
      let Ok(mut buf) = cell.try_borrow_mut() else {
        return self.string(name).map(|s| f(&s));
      };
      buf.clear();
      buf.reserve(capacity);
      let mut written = 0;
      // SAFETY: `buf` has at least `capacity` writable bytes; Node-API writes at most that many.
      let status = unsafe {
        sys::napi_get_value_string_utf8(self.env, self.value, buf.as_mut_ptr().cast(), capacity, &mut written)
      };
      if status != sys::Status::napi_ok {
        return Err(type_error(name, "a string", &self.describe()));
      }
      // SAFETY: the first `written` bytes were initialised by Node-API.
      unsafe { buf.set_len(written.min(capacity)) };
      let result = std::str::from_utf8(&buf)
        .map(f)
        .map_err(|_| type_error(name, "a string", "invalid UTF-8"));
      if buf.capacity() > KEEP {
        *buf = Vec::new();
      }
      result
    })
  }

  /// The argument as an owned `String`, converted in one pass: the UTF-16 length (O(1) in V8)
  /// bounds the UTF-8 length by 3 bytes per unit, so no separate length-counting pass is needed.
  pub fn string(&self, name: &str) -> JsResult<String> {
    let mut units = 0;
    // SAFETY: a null buffer asks for the length only.
    let status = unsafe { sys::napi_get_value_string_utf16(self.env, self.value, ptr::null_mut(), 0, &mut units) };
    if status != sys::Status::napi_ok {
      return Err(type_error(name, "a string", &self.describe()));
    }
    let capacity = units.saturating_mul(3).saturating_add(1);
    let mut buf: Vec<u8> = Vec::with_capacity(capacity);
    let mut written = 0;
    // SAFETY: `buf` has `capacity` writable bytes; Node-API writes at most `capacity` (NUL
    // included) and reports how many it wrote before the NUL.
    let status =
      unsafe { sys::napi_get_value_string_utf8(self.env, self.value, buf.as_mut_ptr().cast(), capacity, &mut written) };
    if status != sys::Status::napi_ok {
      return Err(type_error(name, "a string", &self.describe()));
    }
    // SAFETY: the first `written` bytes were initialised by Node-API.
    unsafe { buf.set_len(written.min(capacity)) };
    String::from_utf8(buf).map_err(|_| type_error(name, "a string", "invalid UTF-8"))
  }

  fn is_nullish(&self) -> bool {
    matches!(
      self.type_of(),
      sys::ValueType::napi_undefined | sys::ValueType::napi_null
    )
  }

  /// Calls `f` with `None` for `undefined`/`null`, else with the string.
  pub fn with_optional_str<R>(&self, name: &str, f: impl FnOnce(Option<&str>) -> R) -> JsResult<R> {
    if self.is_nullish() {
      Ok(f(None))
    } else {
      self.with_str(name, |s| f(Some(s)))
    }
  }

  /// A number converted as JS `ToUint32` does (`-1` → 4294967295, `1.7` → 1, `NaN` → 0), like
  /// napi-rs's `u32` arguments in 0.20.19.
  pub fn u32(&self, name: &str) -> JsResult<u32> {
    let mut out = 0;
    // SAFETY: env and value come from the current callback.
    let status = unsafe { sys::napi_get_value_uint32(self.env, self.value, &mut out) };
    if status != sys::Status::napi_ok {
      return Err(type_error(name, "a number", &self.describe()));
    }
    Ok(out)
  }

  /// `None` for `undefined`/`null`, else [`JsArg::u32`].
  pub fn optional_u32(&self, name: &str) -> JsResult<Option<u32>> {
    if self.is_nullish() {
      Ok(None)
    } else {
      self.u32(name).map(Some)
    }
  }

  pub fn f64(&self, name: &str) -> JsResult<f64> {
    let mut out = 0.0;
    // SAFETY: env and value come from the current callback.
    let status = unsafe { sys::napi_get_value_double(self.env, self.value, &mut out) };
    if status != sys::Status::napi_ok {
      return Err(type_error(name, "a number", &self.describe()));
    }
    Ok(out)
  }

  pub fn bool(&self, name: &str) -> JsResult<bool> {
    let mut out = false;
    // SAFETY: env and value come from the current callback.
    let status = unsafe { sys::napi_get_value_bool(self.env, self.value, &mut out) };
    if status != sys::Status::napi_ok {
      return Err(type_error(name, "a boolean", &self.describe()));
    }
    Ok(out)
  }

  /// `false` for `undefined`/`null`, else [`JsArg::bool`].
  pub fn optional_bool(&self, name: &str) -> JsResult<bool> {
    if self.is_nullish() {
      Ok(false)
    } else {
      self.bool(name)
    }
  }

  /// `undefined` and `null` are `None`; anything else must be a string.
  pub fn optional_string(&self, name: &str) -> JsResult<Option<String>> {
    match self.type_of() {
      sys::ValueType::napi_undefined | sys::ValueType::napi_null => Ok(None),
      _ => self.string(name).map(Some),
    }
  }
}

/// A JS value created by the adapter itself, returned as is.
pub struct JsRaw(sys::napi_value);

impl TypeName for JsRaw {
  fn type_name() -> &'static str {
    "Uint8Array"
  }

  fn value_type() -> ValueType {
    ValueType::Object
  }
}

impl ToNapiValue for JsRaw {
  unsafe fn to_napi_value(_env: sys::napi_env, val: Self) -> napi::Result<sys::napi_value> {
    Ok(val.0)
  }
}

impl JsRaw {
  pub fn null(env: &napi::Env) -> JsResult<JsRaw> {
    let mut value = ptr::null_mut();
    // SAFETY: the env belongs to the current callback.
    check(unsafe { sys::napi_get_null(env.raw(), &mut value) })?;
    Ok(JsRaw(value))
  }

  pub fn string(env: &napi::Env, s: &str) -> JsResult<JsRaw> {
    let mut value = ptr::null_mut();
    // SAFETY: pointer and length describe `s`, valid UTF-8.
    check(unsafe { sys::napi_create_string_utf8(env.raw(), s.as_ptr().cast(), s.len() as isize, &mut value) })?;
    Ok(JsRaw(value))
  }

  pub fn optional_string(env: &napi::Env, s: Option<&str>) -> JsResult<JsRaw> {
    match s {
      Some(s) => JsRaw::string(env, s),
      None => JsRaw::null(env),
    }
  }

  /// An array of strings.
  pub fn strings<'a>(env: &napi::Env, items: impl ExactSizeIterator<Item = &'a str>) -> JsResult<JsRaw> {
    let mut array = ptr::null_mut();
    // SAFETY: the env belongs to the current callback.
    check(unsafe { sys::napi_create_array_with_length(env.raw(), items.len(), &mut array) })?;
    for (i, item) in items.enumerate() {
      let value = JsRaw::string(env, item)?;
      // SAFETY: `array` and `value` were created in this callback.
      check(unsafe { sys::napi_set_element(env.raw(), array, i as u32, value.0) })?;
    }
    Ok(JsRaw(array))
  }

  /// `{ id, header: true, sessions: { [sessionId]: count } }`, sessions in the given order.
  pub fn known_state(env: &napi::Env, id: &str, sessions: &[(&str, u32)]) -> JsResult<JsRaw> {
    let env_raw = env.raw();
    let mut object = ptr::null_mut();
    let mut sessions_object = ptr::null_mut();
    // SAFETY: the env belongs to the current callback; every value is created here.
    unsafe {
      check(sys::napi_create_object(env_raw, &mut object))?;
      check(sys::napi_create_object(env_raw, &mut sessions_object))?;
      for (session, count) in sessions {
        let mut n = ptr::null_mut();
        check(sys::napi_create_uint32(env_raw, *count, &mut n))?;
        let key = JsRaw::string(env, session)?;
        check(sys::napi_set_property(env_raw, sessions_object, key.0, n))?;
      }
      let mut header = ptr::null_mut();
      check(sys::napi_get_boolean(env_raw, true, &mut header))?;
      check(sys::napi_set_named_property(
        env_raw,
        object,
        c"id".as_ptr(),
        JsRaw::string(env, id)?.0,
      ))?;
      check(sys::napi_set_named_property(
        env_raw,
        object,
        c"header".as_ptr(),
        header,
      ))?;
      check(sys::napi_set_named_property(
        env_raw,
        object,
        c"sessions".as_ptr(),
        sessions_object,
      ))?;
    }
    Ok(JsRaw(object))
  }
}

fn check(status: sys::napi_status) -> JsResult<()> {
  if status == sys::Status::napi_ok {
    Ok(())
  } else {
    Err(napi::Error::new(
      ErrorCode("ERR_NAPI"),
      format!("Node-API call failed with status {status}"),
    ))
  }
}

fn allocation_error() -> JsError {
  napi::Error::new(
    ErrorCode("ERR_OUT_OF_MEMORY"),
    "could not allocate a Uint8Array for the result",
  )
}

/// Creates a plain `Uint8Array` of `len` bytes over a fresh `ArrayBuffer` and lets `fill` write
/// it in place. `Err(None)` means Node-API could not allocate; `Err(Some(e))` is `fill`'s error.
///
/// # Safety
/// `env` must be the environment of the current callback.
unsafe fn uint8array_in<E>(
  env: sys::napi_env,
  len: usize,
  fill: impl FnOnce(&mut [u8]) -> std::result::Result<(), E>,
) -> std::result::Result<sys::napi_value, Option<E>> {
  let mut data = ptr::null_mut();
  let mut array_buffer = ptr::null_mut();
  // SAFETY: out-pointers are valid; Node-API allocates `len` writable bytes.
  let status = unsafe { sys::napi_create_arraybuffer(env, len, &mut data, &mut array_buffer) };
  if status != sys::Status::napi_ok || (len > 0 && data.is_null()) {
    return Err(None);
  }
  if len > 0 {
    // SAFETY: `data` points to `len` fresh bytes that nothing else aliases yet.
    fill(unsafe { std::slice::from_raw_parts_mut(data.cast::<u8>(), len) }).map_err(Some)?;
  } else {
    fill(&mut []).map_err(Some)?;
  }
  let mut array = ptr::null_mut();
  // SAFETY: `array_buffer` was just created with exactly this length.
  let status =
    unsafe { sys::napi_create_typedarray(env, sys::TypedarrayType::uint8_array, len, array_buffer, 0, &mut array) };
  if status != sys::Status::napi_ok {
    return Err(None);
  }
  Ok(array)
}

/// Creates a plain `Uint8Array` of `len` bytes and lets `fill` write it in place (no intermediate
/// Rust buffer).
pub fn new_uint8array(
  env: &napi::Env,
  len: usize,
  fill: impl FnOnce(&mut [u8]) -> crate::error::Result<()>,
) -> JsResult<JsRaw> {
  // SAFETY: `env` is the current callback's.
  match unsafe { uint8array_in(env.raw(), len, fill) } {
    Ok(array) => Ok(JsRaw(array)),
    Err(None) => Err(allocation_error()),
    Err(Some(e)) => Err(js_error(e)),
  }
}

/// Where a byte-returning export puts its result.
pub enum Out<'a> {
  /// A fresh `Uint8Array`, returned to JS.
  New(&'a napi::Env),
  /// The JS layer's scratch buffer: the result's length is returned, and the JS layer copies it
  /// out with `scratch.slice(0, len)` (V8 makes small copies on its own heap, far cheaper than
  /// a Node-API allocation).
  Scratch(JsArg),
}

impl Out<'_> {
  /// Lets `fill` write a result of `len` bytes and returns what JS gets back.
  pub fn write(self, len: usize, fill: impl FnOnce(&mut [u8]) -> crate::error::Result<()>) -> JsResult<JsRaw> {
    match self {
      Out::New(env) => new_uint8array(env, len, fill),
      Out::Scratch(scratch) => {
        let buffer = scratch.bytes_mut("scratch")?;
        let available = buffer.len();
        let out = buffer.get_mut(..len).ok_or_else(|| {
          js_error(Error::new(
            Code::InvalidLength,
            format!("scratch buffer too small: need {len} bytes, have {available}"),
          ))
        })?;
        fill(out).map_err(js_error)?;
        let len = u32::try_from(len).map_err(|_| js_error(Error::new(Code::InvalidLength, "result too large")))?;
        let mut value = ptr::null_mut();
        // SAFETY: the env belongs to the current callback; `value` is a valid out-pointer.
        let status = unsafe { sys::napi_create_uint32(scratch.env, len, &mut value) };
        if status != sys::Status::napi_ok {
          return Err(allocation_error());
        }
        Ok(JsRaw(value))
      }
    }
  }
}

/// A byte result, returned to JS as a plain `Uint8Array` over its own fresh `ArrayBuffer`.
pub struct JsBytes<T: AsRef<[u8]>>(pub T);

impl<T: AsRef<[u8]>> TypeName for JsBytes<T> {
  fn type_name() -> &'static str {
    "Uint8Array"
  }

  fn value_type() -> ValueType {
    ValueType::Object
  }
}

impl<T: AsRef<[u8]>> ToNapiValue for JsBytes<T> {
  unsafe fn to_napi_value(env: sys::napi_env, val: Self) -> napi::Result<sys::napi_value> {
    let bytes = val.0.as_ref();
    let copy = |out: &mut [u8]| -> std::result::Result<(), std::convert::Infallible> {
      out.copy_from_slice(bytes);
      Ok(())
    };
    // SAFETY: napi-rs passes the current callback's env.
    unsafe { uint8array_in(env, bytes.len(), copy) }.map_err(|_| {
      napi::Error::new(
        napi::Status::GenericFailure,
        "could not allocate a Uint8Array for the result",
      )
    })
  }
}
