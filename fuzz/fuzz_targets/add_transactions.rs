//! `addTransactions` with arbitrary transaction JSON, signatures and signer ids: no panic; a
//! rejected call changes nothing; the fast batch scanner agrees with serde.
#![no_main]
use cojson_core_napi::encoding::{prefix, prefixed_base58};
use cojson_core_napi::session_map::{self, id_for_header, SessionMap};
use cojson_core_napi::ed25519;
use libfuzzer_sys::fuzz_target;

const HEADER: &str = r#"{"meta":null,"ruleset":{"type":"unsafeAllowAll"},"type":"comap","uniqueness":"zFuzz"}"#;

fn snapshot(map: &SessionMap, session: &str) -> (Option<u32>, Option<String>, Option<i64>, Vec<(String, u32)>) {
  (
    map.transaction_count(session),
    map.last_signature(session).map(str::to_owned),
    map.last_signature_checkpoint(session),
    map.known_state().sessions.iter().map(|(s, n)| ((*s).to_owned(), *n)).collect(),
  )
}

fuzz_target!(|data: &[u8]| {
  let Ok(text) = std::str::from_utf8(data) else { return };
  assert!(session_map::batch_paths_agree(text));
  let mut parts = text.splitn(3, '\u{1}');
  let json = parts.next().unwrap_or_default();
  let signature = parts.next().unwrap_or_default();
  let signer = parts.next();
  let co_id = id_for_header(HEADER);
  let session = format!("{co_id}_session_zFuzz");
  let mut map = SessionMap::new(&co_id, HEADER, Some(64), false).unwrap();
  // A committed transaction first, so failures have state to preserve.
  let secret = prefixed_base58(prefix::SIGNER_SECRET, &[9u8; 32]);
  map.make_new_trusting_transaction(&session, &secret, "[1]", None, 1.0).unwrap();
  let signer_id = ed25519::signer_id(secret.as_bytes()).unwrap();
  for skip in [false, true] {
    let before = snapshot(&map, &session);
    if map.add_transactions(&session, signer.or(Some(&signer_id)), json, signature, skip).is_err() {
      assert_eq!(snapshot(&map, &session), before);
    }
    let other = format!("{co_id}_session_zOther{}", u8::from(skip));
    let before = snapshot(&map, &other);
    if map.add_transactions(&other, signer, json, signature, skip).is_err() {
      assert_eq!(snapshot(&map, &other), before);
      assert!(map.session_ids().all(|s| s != other));
    }
  }
});
