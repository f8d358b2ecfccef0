//! Decryption with arbitrary keys, nonce material and stored transactions: no panic; encryption
//! round-trips.
#![no_main]
use cojson_core_napi::encoding::{prefix, prefixed_base58};
use cojson_core_napi::secretbox;
use cojson_core_napi::session_map::{id_for_header, SessionMap};
use libfuzzer_sys::fuzz_target;

const HEADER: &str = r#"{"meta":null,"ruleset":{"type":"unsafeAllowAll"},"type":"comap","uniqueness":"zFuzz"}"#;

fuzz_target!(|data: &[u8]| {
  let text = String::from_utf8_lossy(data);
  let mut parts = text.splitn(3, '\u{1}');
  let key = parts.next().unwrap_or_default();
  let encrypted = parts.next().unwrap_or_default();
  let rest = parts.next().unwrap_or_default();
  let good_key = prefixed_base58(prefix::KEY_SECRET, &[7u8; 32]);
  if let Ok(ct) = secretbox::encrypt(rest.as_bytes(), &good_key, key.as_bytes()) {
    assert_eq!(secretbox::encrypt(&ct, &good_key, key.as_bytes()).unwrap(), rest.as_bytes());
  }
  let _ = secretbox::encrypt(data, key, data);
  let co_id = id_for_header(HEADER);
  let session = format!("{co_id}_session_zFuzz");
  let mut map = SessionMap::new(&co_id, HEADER, None, false).unwrap();
  let mut tx = String::from("[{\"encryptedChanges\":");
  cojson_core_napi::json::push_string(&mut tx, encrypted);
  tx.push_str(",\"keyUsed\":\"key_z1\",\"madeAt\":1,\"meta\":");
  cojson_core_napi::json::push_string(&mut tx, rest);
  tx.push_str(",\"privacy\":\"private\"}]");
  map.add_transactions(&session, None, &tx, "signature_zSkip", true).unwrap();
  for k in [key, good_key.as_str()] {
    let _ = map.decrypt_transaction(&session, 0, k);
    let _ = map.decrypt_transaction_meta(&session, 0, k);
    let _ = map.decrypt_transaction(&session, 1, k);
  }
  if let Ok(Some(plain)) = map.decrypt_transaction(&session, 0, &good_key) {
    assert!(!plain.is_empty() || encrypted == "encrypted_U");
  }
});
