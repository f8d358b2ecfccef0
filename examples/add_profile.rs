//! Profiling aid: `valgrind --tool=callgrind target/release/examples/add_profile`.
use cojson_core_napi::session_map::{id_for_header, SessionMap};
use std::hint::black_box;

fn main() {
  let header = r#"{"createdAt":"2026-01-01T00:00:00.000Z","meta":null,"ruleset":{"type":"unsafeAllowAll"},"type":"comap","uniqueness":"zBench"}"#;
  let co_id = id_for_header(header);
  let session = format!("{co_id}_session_zBench");
  let secret = cojson_core_napi::encoding::prefixed_base58("signerSecret_z", &[3u8; 32]);
  let id = cojson_core_napi::ed25519::signer_id(secret.as_bytes()).unwrap_or_default();
  let mut source = SessionMap::new(&co_id, header, None, false).expect("header");
  let changes = r#"[{"op":"set","key":"key3","value":{"n":3,"text":"lorem ipsum dolor sit amet"}}]"#;
  let mut last = String::new();
  for i in 0..1000 {
    last = source
      .make_new_trusting_transaction(&session, &secret, changes, None, i as f64)
      .unwrap_or_default();
  }
  let signature = last.split('"').nth(3).unwrap_or_default().to_owned();
  let batch = format!(
    "[{}]",
    source
      .session_transactions(&session, 0)
      .map(|t| t.collect::<Vec<_>>().join(","))
      .unwrap_or_default()
  );
  for _ in 0..50 {
    let mut m = SessionMap::new(&co_id, header, None, false).expect("header");
    m.add_transactions(&session, Some(&id), &batch, &signature, false)
      .expect("valid batch");
    black_box(m);
  }
}
