//! The prefixed-string, base58, base64url and UTF-8 decoders on arbitrary input: no panic, and
//! whatever decodes re-encodes to the same text (base58 and padded base64url are canonical).
#![no_main]
use cojson_core_napi::encoding::{self, prefix, Secrecy};
use cojson_core_napi::{ed25519, secretbox, x25519};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
  let _ = ed25519::signer_id(data);
  let _ = ed25519::verify_with_id(data, b"message", data);
  if let Ok(text) = std::str::from_utf8(data) {
    if let Ok(bytes) = encoding::base58_decode("x", text, Secrecy::Public) {
      assert_eq!(encoding::base58_encode(&bytes), text);
    }
    if let Ok(bytes) = encoding::base64url_decode("x", text) {
      assert_eq!(encoding::base64url_encode(&bytes), text);
    }
    for p in [prefix::SIGNER_SECRET, prefix::SIGNER_ID, prefix::SEALER_SECRET, prefix::SEALER_ID, prefix::KEY_SECRET] {
      if let Ok(bytes) = encoding::decode_prefixed::<32>("x", text, p, Secrecy::Secret) {
        assert_eq!(encoding::prefixed_base58(p, &bytes[..]), text);
      }
    }
    let _ = ed25519::parse_signature(text);
    let _ = x25519::sealer_id(text);
    let _ = secretbox::parse_key_secret(text);
    let _ = ed25519::SignerId::parse(text);
  } else {
    assert!(encoding::utf8("x", data).is_err());
  }
});
