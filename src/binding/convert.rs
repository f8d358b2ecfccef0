//! Argument conversion with names, and errors for JavaScript.
//!
//! Node-API and napi-rs report a wrong argument as `Get TypedArray info failed` or `Failed to
//! convert napi value …` without naming it. Here every argument is converted with its name, so a
//! bad call gets `ERR_INVALID_ARG_TYPE` and e.g. `data must be a Uint8Array, got string`. The happy
//! path costs the Node-API calls the conversion needs and no more.

use super::raw::{Arg, Bytes, JsValue, Kind, LongText, NapiFailure, Out, OutProblem, Secrecy, Text, TextProblem};
use crate::error::{Code, Error};

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

/// The JS error thrown for a core error.
pub fn js_error(e: Error) -> JsError {
  napi::Error::new(ErrorCode(e.code.as_str()), e.message)
}

/// `?`-friendly conversion of core results.
pub trait IntoJs<T> {
  fn js(self) -> Result<T>;
}

impl<T> IntoJs<T> for crate::error::Result<T> {
  fn js(self) -> Result<T> {
    self.map_err(js_error)
  }
}

impl<T> IntoJs<T> for std::result::Result<T, NapiFailure> {
  fn js(self) -> Result<T> {
    self.map_err(|NapiFailure(status)| {
      js_error(Error::new(
        Code::Napi,
        format!("a Node-API call failed with status {status}"),
      ))
    })
  }
}

fn type_error(name: &str, expected: &str, got: &str) -> JsError {
  js_error(Error::new(
    Code::InvalidArgType,
    format!("{name} must be {expected}, got {got}"),
  ))
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

/// A short description of a value for error messages: its type, never its contents.
fn describe(arg: Arg<'_>) -> &'static str {
  match arg.kind() {
    Kind::Undefined => "undefined",
    Kind::Null => "null",
    Kind::Boolean => "boolean",
    Kind::Number => "number",
    Kind::String => "string",
    Kind::Symbol => "symbol",
    Kind::Function => "function",
    Kind::BigInt => "bigint",
    Kind::External => "an external value",
    Kind::Object => match arg.view() {
      Some(view) => TYPED_ARRAY_NAMES
        .get(view.kind as usize)
        .copied()
        .unwrap_or("a typed array"),
      None if arg.is_array_buffer() => "ArrayBuffer",
      None if arg.is_data_view() => "DataView",
      None if arg.is_array() => "Array",
      // A SharedArrayBuffer is neither an ArrayBuffer nor a view for Node-API.
      None => "object",
    },
  }
}

fn is_nullish(arg: Arg<'_>) -> bool {
  matches!(arg.kind(), Kind::Undefined | Kind::Null)
}

/// The bytes of a `Uint8Array` (a `Buffer` or any view; only the view's bytes), borrowed for the
/// call, or copied once if other threads can write them (a `SharedArrayBuffer` view).
pub fn bytes<'c>(arg: Arg<'c>, name: &str) -> Result<Bytes<'c>> {
  match arg.view() {
    Some(view) if view.is_uint8() => Ok(view.read()),
    _ => Err(type_error(name, "a Uint8Array", describe(arg))),
  }
}

/// The UTF-8 bytes of one of the Jazz strings that 0.20.19 takes as bytes (`sign`'s secret,
/// `verify`'s signature and id, …): like [`bytes`], but a string is told how to pass its bytes.
pub fn utf8_bytes<'c>(arg: Arg<'c>, name: &str, prefix: &str) -> Result<Bytes<'c>> {
  match arg.view() {
    Some(view) if view.is_uint8() => Ok(view.read()),
    _ if arg.kind() == Kind::String => Err(type_error(
      name,
      &format!("a Uint8Array: the UTF-8 bytes of the {prefix}… string, new TextEncoder().encode({name})"),
      "string",
    )),
    _ => Err(type_error(name, "a Uint8Array", describe(arg))),
  }
}

/// The optional output argument of a byte-returning export: `undefined`/`null` for a fresh
/// result, else a `Uint8Array` (not on a `SharedArrayBuffer`) that the result is copied into.
pub fn out<'c>(env: &napi::Env, arg: Arg<'c>) -> Result<Out<'c>> {
  match Out::given(env, arg) {
    Ok(out) => Ok(out),
    Err(_) if is_nullish(arg) => Ok(Out::fresh(env)),
    Err(OutProblem::NotUint8Array) => Err(type_error("out", "a Uint8Array", describe(arg))),
    Err(OutProblem::Shared) => Err(type_error(
      "out",
      "a Uint8Array on an ArrayBuffer",
      "a SharedArrayBuffer view",
    )),
  }
}

fn check_len(out: &Out<'_>, len: usize) -> Result<()> {
  match out.given_len() {
    Some(given) if given != len => Err(js_error(Error::length("out", len, given))),
    _ => Ok(()),
  }
}

/// Lets `fill` write a result of `len` bytes into `out` and returns the JS value to return.
pub fn write(
  out: Out<'_>,
  len: usize,
  secrecy: Secrecy,
  fill: impl FnOnce(&mut [u8]) -> crate::Result<()>,
) -> Result<JsValue> {
  check_len(&out, len)?;
  out.write(len, secrecy, fill).map_err(|e| match e {
    Ok(e) => js_error(e),
    Err(_) => js_error(Error::out_of_memory("the result")),
  })
}

/// A result computed before it is written (a fixed-size array; `Zeroizing` when secret).
pub fn write_value(out: Out<'_>, value: crate::Result<impl AsRef<[u8]>>) -> Result<JsValue> {
  let value = value.js()?;
  check_len(&out, value.as_ref().len())?;
  out
    .write_bytes(value.as_ref())
    .map_err(|_| js_error(Error::out_of_memory("the result")))
}

fn text_error(problem: TextProblem, arg: Arg<'_>, name: &str) -> JsError {
  match problem {
    TextProblem::NotString if arg.kind() == Kind::String => type_error(name, "a string", "invalid UTF-8"),
    TextProblem::NotString => type_error(name, "a string", describe(arg)),
    TextProblem::OutOfMemory => js_error(Error::out_of_memory(&format!("a copy of {name}"))),
  }
}

/// A string argument (lone UTF-16 surrogates become U+FFFD, as with napi-rs).
pub fn text(arg: Arg<'_>, name: &str) -> Result<Text> {
  Text::read(arg, false).map_err(|p| text_error(p, arg, name))
}

/// A secret string argument: every copy the conversion makes is wiped when it is dropped.
pub fn secret_text(arg: Arg<'_>, name: &str) -> Result<Text> {
  Text::read(arg, true).map_err(|p| text_error(p, arg, name))
}

/// `None` for `undefined`/`null`, else a string.
pub fn optional_text(arg: Arg<'_>, name: &str) -> Result<Option<Text>> {
  if is_nullish(arg) {
    Ok(None)
  } else {
    text(arg, name).map(Some)
  }
}

/// A long string argument (transaction batches), converted into a reused per-thread buffer.
pub fn long_text(arg: Arg<'_>, name: &str) -> Result<LongText> {
  LongText::read(arg).map_err(|p| text_error(p, arg, name))
}

/// A number converted as JS `ToUint32` does (`-1` → 4294967295, `1.7` → 1, `NaN` → 0), like
/// napi-rs's `u32` arguments in 0.20.19.
pub fn u32(arg: Arg<'_>, name: &str) -> Result<u32> {
  arg.to_u32().ok_or_else(|| type_error(name, "a number", describe(arg)))
}

/// `None` for `undefined`/`null`, else [`u32`].
pub fn optional_u32(arg: Arg<'_>, name: &str) -> Result<Option<u32>> {
  if is_nullish(arg) {
    Ok(None)
  } else {
    u32(arg, name).map(Some)
  }
}

pub fn f64(arg: Arg<'_>, name: &str) -> Result<f64> {
  arg.to_f64().ok_or_else(|| type_error(name, "a number", describe(arg)))
}

pub fn bool(arg: Arg<'_>, name: &str) -> Result<bool> {
  arg
    .to_bool()
    .ok_or_else(|| type_error(name, "a boolean", describe(arg)))
}

/// `false` for `undefined`/`null`, else [`bool`].
pub fn optional_bool(arg: Arg<'_>, name: &str) -> Result<bool> {
  if is_nullish(arg) {
    Ok(false)
  } else {
    bool(arg, name)
  }
}
