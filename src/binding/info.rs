//! What the loaded binary is: for the package entry's version check and for `binaryInfo()`.

use napi::bindgen_prelude::Object;
use napi::Env;
use napi_derive::napi;

/// `{ version, target, backends: { ed25519, blake3 }, cpuFeatures }`: the npm package version this
/// binary was built for, its Rust target, and the code paths this CPU gets.
#[napi(catch_unwind, skip_typescript)]
pub fn binary_info(env: &Env) -> napi::Result<Object<'_>> {
  let mut info = Object::new(env)?;
  info.set("version", env!("COJSON_CORE_NAPI_PACKAGE_VERSION"))?;
  info.set("target", env!("COJSON_CORE_NAPI_TARGET"))?;
  let mut backends = Object::new(env)?;
  backends.set("ed25519", crate::ed25519::backend())?;
  backends.set("blake3", crate::blake3::backend())?;
  info.set("backends", backends)?;
  info.set("cpuFeatures", cpu_features())?;
  Ok(info)
}

/// The CPU features the crypto code chooses between at run time, as this CPU has them.
fn cpu_features() -> Vec<&'static str> {
  #[allow(unused_mut)]
  let mut features = Vec::new();
  #[cfg(target_arch = "x86_64")]
  {
    for (name, present) in [
      ("sse4.1", std::arch::is_x86_feature_detected!("sse4.1")),
      ("avx2", std::arch::is_x86_feature_detected!("avx2")),
      ("avx512f", std::arch::is_x86_feature_detected!("avx512f")),
      ("avx512vl", std::arch::is_x86_feature_detected!("avx512vl")),
      ("avx512ifma", std::arch::is_x86_feature_detected!("avx512ifma")),
    ] {
      if present {
        features.push(name);
      }
    }
  }
  #[cfg(target_arch = "aarch64")]
  features.push("neon");
  features
}
