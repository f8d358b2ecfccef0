use super::private::nonce_material;
use super::*;
use crate::{blake3, encoding, json};

const HEADER: &str = r#"{"createdAt":"2024-01-01T00:00:00.000Z","meta":null,"ruleset":{"type":"unsafeAllowAll"},"type":"comap","uniqueness":"zUnique123"}"#;
const CO_ID: &str = "co_zZo6gaxUzJk7pNhaa5XHy4d43Z2";
const SESSION: &str = "co_zZo6gaxUzJk7pNhaa5XHy4d43Z2_session_zTest1";
const CHANGES: &str = r#"[{"op":"set","key":"a","value":1}]"#;

fn signer_secret(seed: u8) -> String {
  let bytes: Vec<u8> = if seed == 1 { (1..=32).collect() } else { vec![seed; 32] };
  prefixed_base58(prefix::SIGNER_SECRET, &bytes)
}

fn signer_id(seed: u8) -> String {
  ed25519::signer_id(signer_secret(seed).as_bytes()).unwrap()
}

fn key_secret() -> String {
  prefixed_base58(prefix::KEY_SECRET, &[5u8; 32])
}

fn map() -> SessionMap {
  SessionMap::new(CO_ID, HEADER, None, false).unwrap()
}

/// Signs, with `seed`'s key, the hash chain of `txs` (canonical JSON strings) after `prefix`.
fn sign_chain(seed: u8, txs: &[&str]) -> String {
  let mut hasher = blake3::Hasher::new();
  for tx in txs {
    hasher.update(tx.as_bytes());
  }
  ed25519::sign_with_secret(
    signed_hash_message(&hasher.finalize()).as_bytes(),
    signer_secret(seed).as_bytes(),
  )
  .unwrap()
}

fn trusting(changes: &str, made_at: u64) -> String {
  let mut out = String::from("{\"changes\":");
  json::push_string(&mut out, changes);
  out.push_str(&format!(",\"madeAt\":{made_at},\"privacy\":\"trusting\"}}"));
  out
}

#[test]
fn worked_example_from_the_spec() {
  let mut m = map();
  let out = m
    .make_new_trusting_transaction(SESSION, &signer_secret(1), CHANGES, None, 1700000000000.0)
    .unwrap();
  let stored =
    r#"{"changes":"[{\"op\":\"set\",\"key\":\"a\",\"value\":1}]","madeAt":1700000000000,"privacy":"trusting"}"#;
  assert_eq!(
    out,
    format!(
      "{{\"signature\":\"signature_z4EZ2Dcoa5ibq8VgCgQcqsXXUMWrrqb538vKG56yWYpYxpRT4wmXRM1VmxhK7VbH4VRXZ46sC5bQm5hiLLoaMkyt5\",\"transaction\":{stored}}}"
    )
  );
  assert_eq!(
    prefixed_base58(prefix::HASH, &blake3::hash(stored.as_bytes())),
    "hash_z8gLNdTbUbSNU2gDXbU7EFoXmd4QyEATfjTMHksTcvJcV"
  );
  assert_eq!(m.transaction(SESSION, 0).unwrap().json(), stored);
  assert_eq!(m.known_state().sessions, vec![(SESSION, 1)]);
}

#[test]
fn peers_accept_local_writes_and_vice_versa() {
  let mut local = map();
  let mut signatures = Vec::new();
  for i in 0..3 {
    let out = local
      .make_new_trusting_transaction(SESSION, &signer_secret(2), &format!("[{i}]"), Some("m"), i as f64)
      .unwrap();
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    signatures.push(v["signature"].as_str().unwrap().to_owned());
  }
  let txs: Vec<String> = (0..3)
    .map(|i| local.transaction(SESSION, i).unwrap().json().to_owned())
    .collect();
  let mut peer = map();
  let id = signer_id(2);
  peer
    .add_transactions(
      SESSION,
      Some(&id),
      &format!("[{},{}]", txs[0], txs[1]),
      &signatures[1],
      false,
    )
    .unwrap();
  peer
    .add_transactions(SESSION, None, &format!("[{}]", txs[2]), &signatures[2], false)
    .unwrap();
  assert_eq!(peer.transaction_count(SESSION), Some(3));
  assert_eq!(peer.last_signature(SESSION), Some(signatures[2].as_str()));
  // Wrong signature for the batch: rejected.
  let err = peer
    .add_transactions(SESSION, None, &format!("[{}]", txs[0]), &signatures[2], false)
    .unwrap_err();
  assert_eq!(err.code, Code::SignatureVerificationFailed);
}

#[test]
fn failed_batches_change_nothing_and_retry_succeeds() {
  let mut m = map();
  let id = signer_id(3);
  let (a, b) = (trusting("a", 1), trusting("b", 2));
  let good = sign_chain(3, &[&a, &b]);
  let wrong = sign_chain(3, &[&a]);
  for (json, sig) in [
    (format!("[{a},{b}]"), wrong.as_str()),
    (
      format!("[{a},{{\"changes\":\"b\",\"madeAt\":1.5,\"privacy\":\"trusting\"}}]"),
      good.as_str(),
    ),
    ("[nope".to_owned(), good.as_str()),
    (format!("[{a},{b}]"), "signature_zNotBase58!"),
    (format!("[{a},{b}]"), "sig_z1111"),
  ] {
    assert!(
      m.add_transactions(SESSION, Some(&id), &json, sig, false).is_err(),
      "{json} {sig}"
    );
    assert_eq!(m.transaction_count(SESSION), None);
    assert_eq!(m.session_ids().count(), 0);
    assert!(m.known_state().sessions.is_empty());
  }
  m.add_transactions(SESSION, Some(&id), &format!("[{a},{b}]"), &good, false)
    .unwrap();
  assert_eq!(m.transaction_count(SESSION), Some(2));
  // A later failure leaves the committed state exactly as it was.
  let before = (
    m.last_signature(SESSION).map(str::to_owned),
    m.sessions[SESSION].hasher.finalize(),
  );
  let c = trusting("c", 3);
  assert!(m
    .add_transactions(SESSION, None, &format!("[{c}]"), &wrong, false)
    .is_err());
  assert_eq!(
    (
      m.last_signature(SESSION).map(str::to_owned),
      m.sessions[SESSION].hasher.finalize()
    ),
    before
  );
  let good_c = sign_chain(3, &[&a, &b, &c]);
  m.add_transactions(SESSION, None, &format!("[{c}]"), &good_c, false)
    .unwrap();
  assert_eq!(m.transaction_count(SESSION), Some(3));
}

#[test]
fn invalid_signer_ids_are_errors_not_aborts() {
  let mut m = map();
  let a = trusting("a", 1);
  let sig = sign_chain(4, &[&a]);
  for bad in [
    "nope",
    "signer_z0OIl",
    "signer_z1111",
    "sealer_zWpSggvhoqoVW4XJvfjsB52dvVunYSQWrz6XiuMQVsCf",
    "anything_z9C6hybhQ6Aycep9jaUnP6uL9ZYvDjUp1aSkFWPUFJtpj",
  ] {
    for skip in [false, true] {
      assert!(
        m.add_transactions(SESSION, Some(bad), &format!("[{a}]"), &sig, skip)
          .is_err(),
        "{bad}"
      );
      assert_eq!(m.session_ids().count(), 0);
    }
  }
  // An undecodable point.
  let mut undecodable = [0u8; 32];
  undecodable[0] = 2;
  let id = prefixed_base58(prefix::SIGNER_ID, &undecodable);
  assert_eq!(
    m.add_transactions(SESSION, Some(&id), &format!("[{a}]"), &sig, true)
      .unwrap_err()
      .code,
    Code::InvalidKey
  );
}

#[test]
fn skip_verified_batches_advance_the_hash_chain() {
  let mut storage = map();
  let (a, b) = (trusting("a", 1), trusting("b", 2));
  storage
    .add_transactions(SESSION, None, &format!("[{a},{b}]"), "whatever", true)
    .unwrap();
  assert_eq!(storage.last_signature(SESSION), Some("whatever"));
  let out = storage
    .make_new_trusting_transaction(SESSION, &signer_secret(5), "c", None, 3.0)
    .unwrap();
  let v: serde_json::Value = serde_json::from_str(&out).unwrap();
  let c = storage.transaction(SESSION, 2).unwrap().json().to_owned();
  // A verifying peer holding the same three transactions accepts the local signature.
  let mut peer = map();
  let id = signer_id(5);
  peer
    .add_transactions(
      SESSION,
      Some(&id),
      &format!("[{a},{b},{c}]"),
      v["signature"].as_str().unwrap(),
      false,
    )
    .unwrap();
}

#[test]
fn local_write_failures_change_nothing() {
  let mut m = map();
  let bad_signers = [
    "signer_z1234",
    "xsignerSecret_z4wBqpZM9xaSheZzJSMawUKKwhdpChKbZ5eu5ky4Vigw",
    "signerSecret_z0",
    "signerSecret_z111",
  ];
  for bad in bad_signers {
    assert!(
      m.make_new_trusting_transaction(SESSION, bad, "c", None, 1.0).is_err(),
      "{bad}"
    );
    assert!(m
      .make_new_private_transaction(SESSION, bad, "c", "key_z1", &key_secret(), None, 1.0)
      .is_err());
  }
  for bad_key in [
    "key_z1",
    "keySecret_z0",
    "keySecret_z111",
    "anything_z4wBqpZM9xaSheZzJSMawUKKwhdpChKbZ5eu5ky4Vigw",
  ] {
    assert!(m
      .make_new_private_transaction(SESSION, &signer_secret(1), "c", "key_z1", bad_key, None, 1.0)
      .is_err());
  }
  assert_eq!(m.session_ids().count(), 0);
  let too_big = "x".repeat(MAX_CHANGES_BYTES + 1);
  assert_eq!(
    m.make_new_trusting_transaction(SESSION, &signer_secret(1), &too_big, None, 1.0)
      .unwrap_err()
      .code,
    Code::TransactionTooLarge
  );
  assert_eq!(m.session_ids().count(), 0);
  let exactly = "x".repeat(MAX_CHANGES_BYTES);
  m.make_new_trusting_transaction(SESSION, &signer_secret(1), &exactly, None, 1.0)
    .unwrap();
  assert_eq!(m.transaction_count(SESSION), Some(1));
}

#[test]
fn private_transactions_decrypt() {
  let mut m = map();
  for i in 0..3 {
    m.make_new_private_transaction(
      SESSION,
      &signer_secret(1),
      &format!("[\"secret {i}\"]"),
      "key_z1",
      &key_secret(),
      Some("{\"m\":1}"),
      1.0,
    )
    .unwrap();
  }
  m.make_new_trusting_transaction(SESSION, &signer_secret(1), "plain", Some("meta"), 2.0)
    .unwrap();
  assert_eq!(
    m.decrypt_transaction(SESSION, 1, &key_secret())
      .unwrap()
      .unwrap()
      .as_str(),
    "[\"secret 1\"]"
  );
  assert_eq!(
    m.decrypt_transaction_meta(SESSION, 2, &key_secret())
      .unwrap()
      .unwrap()
      .as_str(),
    "{\"m\":1}"
  );
  assert_eq!(
    m.decrypt_transaction(SESSION, 3, "not even a key")
      .unwrap()
      .unwrap()
      .as_str(),
    "plain"
  );
  assert_eq!(
    m.decrypt_transaction_meta(SESSION, 3, "x").unwrap().unwrap().as_str(),
    "meta"
  );
  assert!(m.decrypt_transaction("unknown", 0, &key_secret()).unwrap().is_none());
  let err = m.decrypt_transaction(SESSION, 9, &key_secret()).unwrap_err();
  assert_eq!(
    (err.code, err.message.as_str()),
    (Code::TransactionNotFound, "Transaction not found at index 9")
  );
  assert_eq!(
    m.decrypt_transaction(SESSION, 0, "key_zabc").unwrap_err().code,
    Code::InvalidPrefix
  );
  // The ciphertext is what `encrypt` gives for the transaction's nonce material.
  let tx = m.transaction(SESSION, 0).unwrap();
  let nm = nonce_material(CO_ID, SESSION, 0);
  assert_eq!(
    nm,
    format!("{{\"in\":\"{CO_ID}\",\"tx\":{{\"sessionID\":\"{SESSION}\",\"txIndex\":0}}}}")
  );
  let expected = secretbox::encrypt(b"[\"secret 0\"]", &key_secret(), nm.as_bytes()).unwrap();
  assert_eq!(
    &*tx.changes(),
    format!("encrypted_U{}", encoding::base64url_encode(&expected))
  );
}

#[test]
fn checkpoints_after_max_tx_size() {
  let mut m = SessionMap::new(CO_ID, HEADER, Some(100), false).unwrap();
  let change = "x".repeat(30);
  for i in 0..9 {
    m.make_new_trusting_transaction(SESSION, &signer_secret(1), &change, None, i as f64)
      .unwrap();
  }
  assert!(m.signature_after(SESSION, 3).is_some());
  assert!(m.signature_after(SESSION, 7).is_some());
  assert_eq!(m.signature_after(SESSION, 2), None);
  assert_eq!(m.last_signature_checkpoint(SESSION), Some(7));
  assert_eq!(m.last_signature_checkpoint("unknown"), None);
  let mut zero = SessionMap::new(CO_ID, HEADER, Some(0), false).unwrap();
  zero
    .make_new_trusting_transaction(SESSION, &signer_secret(1), "", None, 1.0)
    .unwrap();
  assert_eq!(zero.last_signature_checkpoint(SESSION), Some(-1));
  zero
    .make_new_trusting_transaction(SESSION, &signer_secret(1), "y", None, 1.0)
    .unwrap();
  assert_eq!(zero.last_signature_checkpoint(SESSION), Some(1));
}

#[test]
fn streaming_state() {
  let mut m = map();
  m.set_streaming_known_state("{}").unwrap();
  m.set_streaming_known_state(&format!("{{\"{SESSION}\":0}}")).unwrap();
  assert!(!m.is_streaming(), "nothing above the known state is not streaming");
  m.set_streaming_known_state(&format!("{{\"{SESSION}\":2,\"other\":1}}"))
    .unwrap();
  assert!(m.is_streaming());
  assert_eq!(
    m.known_state_with_streaming().unwrap().sessions,
    vec![(SESSION, 2), ("other", 1)]
  );
  // A local write never lowers the announced count.
  m.make_new_trusting_transaction(SESSION, &signer_secret(1), "a", None, 1.0)
    .unwrap();
  assert_eq!(
    m.known_state_with_streaming().unwrap().sessions,
    vec![(SESSION, 2), ("other", 1)]
  );
  m.make_new_trusting_transaction(SESSION, &signer_secret(1), "b", None, 1.0)
    .unwrap();
  assert!(m.is_streaming(), "`other` has not arrived");
  let o = trusting("o", 1);
  m.add_transactions("other", None, &format!("[{o}]"), "s", true).unwrap();
  assert!(!m.is_streaming());
  assert!(m.known_state_with_streaming().is_none());
  assert_eq!(
    m.set_streaming_known_state("[]").unwrap_err().code,
    Code::InvalidKnownState
  );
  assert_eq!(
    m.set_streaming_known_state("{\"s\":-1}").unwrap_err().code,
    Code::InvalidKnownState
  );
}

#[test]
fn deletion() {
  let mut m = map();
  m.make_new_trusting_transaction(SESSION, &signer_secret(1), "a", None, 1.0)
    .unwrap();
  m.set_streaming_known_state("{\"x\":3}").unwrap();
  m.mark_as_deleted();
  assert!(m.is_deleted() && !m.is_streaming());
  assert!(m.known_state().sessions.is_empty());
  assert_eq!(
    m.make_new_trusting_transaction(SESSION, &signer_secret(1), "b", None, 1.0)
      .unwrap_err()
      .code,
    Code::Deleted
  );
  let t = trusting("t", 1);
  assert_eq!(
    m.add_transactions(SESSION, None, &format!("[{t}]"), "s", true)
      .unwrap_err()
      .code,
    Code::Deleted
  );
  let delete_session = "co_zAccount_session_dAbCdEfG$";
  m.add_transactions(delete_session, None, &format!("[{t}]"), "s", true)
    .unwrap();
  assert_eq!(m.known_state().sessions, vec![(delete_session, 1)]);
  assert_eq!(m.transaction_count(SESSION), Some(1), "queries still see every session");
  m.set_streaming_known_state("not even json").unwrap();
  assert!(!m.is_streaming());
}

#[test]
fn constructor_checks_the_id() {
  let err = SessionMap::new("co_zWrong", HEADER, None, false).err().unwrap();
  assert_eq!(
    err.message,
    format!("CoValue ID mismatch: expected {CO_ID}, got co_zWrong")
  );
  assert!(SessionMap::new("co_zWrong", HEADER, None, true).is_ok());
  assert_eq!(
    SessionMap::new(CO_ID, "{", None, true).err().unwrap().code,
    Code::InvalidHeader
  );
}

#[test]
fn empty_batch_creates_a_session() {
  let mut m = map();
  m.add_transactions(SESSION, None, "[]", "sig", true).unwrap();
  assert_eq!(m.known_state().sessions, vec![(SESSION, 0)]);
}

#[test]
fn a_session_without_signer_takes_the_first_signer_id_offered() {
  // A storage load (skipVerify, no signer id) followed by a verified batch from a peer: 0.20.19
  // ignored the peer's signer id for the existing session and so could never verify it.
  let mut m = map();
  let (a, b) = (trusting("a", 1), trusting("b", 2));
  m.add_transactions(SESSION, None, &format!("[{a}]"), "stored", true)
    .unwrap();
  let id = signer_id(6);
  let sig = sign_chain(6, &[&a, &b]);
  assert_eq!(
    m.add_transactions(SESSION, Some("signer_zbad"), &format!("[{b}]"), &sig, false)
      .unwrap_err()
      .code,
    Code::InvalidLength
  );
  assert_eq!(m.transaction_count(SESSION), Some(1));
  m.add_transactions(SESSION, Some(&id), &format!("[{b}]"), &sig, false)
    .unwrap();
  assert_eq!(m.transaction_count(SESSION), Some(2));
  // From then on the session's signer is fixed: another id is ignored.
  let c = trusting("c", 3);
  let sig_c = sign_chain(6, &[&a, &b, &c]);
  m.add_transactions(SESSION, Some(&signer_id(7)), &format!("[{c}]"), &sig_c, false)
    .unwrap();
}
