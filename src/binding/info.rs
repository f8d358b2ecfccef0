//! What the loaded binary is: for the package entry's version check and for users who ask.

use napi::bindgen_prelude::Object;
use napi::Env;
use napi_derive::napi;

/// `{ version, target }`: the npm package version this binary was built for and its Rust target.
#[napi(catch_unwind, skip_typescript)]
pub fn binary_info(env: &Env) -> napi::Result<Object<'_>> {
  let mut info = Object::new(env)?;
  info.set("version", env!("COJSON_CORE_NAPI_PACKAGE_VERSION"))?;
  info.set("target", env!("COJSON_CORE_NAPI_TARGET"))?;
  Ok(info)
}
