//! `unseal` and `unsealForGroup` on arbitrary bytes: they fail cleanly (never panic, never
//! "succeed" on garbage), and a genuine box that is then flipped anywhere is rejected.
#![no_main]
use cojson_core_napi::encoding::{prefix, prefixed_base58};
use cojson_core_napi::{secretbox, x25519};
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

struct Keys {
  a: String,
  b: String,
  a_id: String,
  b_id: String,
}

fn keys() -> &'static Keys {
  static KEYS: OnceLock<Keys> = OnceLock::new();
  KEYS.get_or_init(|| {
    let a = prefixed_base58(prefix::SEALER_SECRET, &[1u8; 32]);
    let b = prefixed_base58(prefix::SEALER_SECRET, &[2u8; 32]);
    Keys { a_id: x25519::sealer_id(&a).unwrap(), b_id: x25519::sealer_id(&b).unwrap(), a, b }
  })
}

fuzz_target!(|data: &[u8]| {
  let k = keys();
  // Garbage never authenticates (a forgery would need the key).
  assert!(secretbox::unseal(data, &k.b, &k.a_id, b"nonce").is_err());
  assert!(secretbox::unseal_for_group(data, &k.b, b"nonce").is_err());
  // A real box with one byte flipped is rejected; untouched it opens.
  let message = data.get(1..).unwrap_or_default();
  let mut sealed = secretbox::seal(message, &k.a, &k.b_id, b"nonce").unwrap();
  assert_eq!(secretbox::unseal(&sealed, &k.b, &k.a_id, b"nonce").unwrap(), message);
  if let Some(&first) = data.first() {
    let i = first as usize % sealed.len();
    sealed[i] ^= 1 << (first % 8);
    assert!(secretbox::unseal(&sealed, &k.b, &k.a_id, b"nonce").is_err());
  }
});
