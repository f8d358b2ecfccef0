//! Rust-side cost of the core operations, without the JS boundary:
//! `cargo run --release --no-default-features --example core_bench [filter]` (only the rows whose
//! name contains `filter`). For instruction-level profiles build it with `--profile profiling` and
//! run it under `valgrind --tool=callgrind`.
use cojson_core_napi::session_map::SessionMap;
use cojson_core_napi::{blake3, ed25519, encoding, secretbox};
use std::hint::black_box;
use std::time::Instant;

fn time(name: &str, iterations: u32, mut f: impl FnMut()) {
  if let Some(filter) = std::env::args().nth(1) {
    if !name.contains(&filter) {
      return;
    }
  }
  for _ in 0..iterations / 10 + 1 {
    f();
  }
  let mut best = f64::MAX;
  for _ in 0..5 {
    let start = Instant::now();
    for _ in 0..iterations {
      f();
    }
    best = best.min(start.elapsed().as_secs_f64() / iterations as f64);
  }
  println!("{name:<40} {:>10.3} µs  {:>12.0} ops/s", best * 1e6, 1.0 / best);
}

fn main() {
  let small = vec![7u8; 32];
  let kib = vec![7u8; 1024];
  let mib = vec![7u8; 1 << 20];
  let chunk = vec![7u8; 200];
  time("blake3 32 B", 200_000, || {
    black_box(blake3::hash(black_box(&small)));
  });
  time("blake3 1 KiB", 100_000, || {
    black_box(blake3::hash(black_box(&kib)));
  });
  time("blake3 1 MiB (rayon)", 300, || {
    black_box(blake3::hash(black_box(&mib)));
  });
  time("blake3 1 MiB (one thread)", 300, || {
    black_box(::blake3::hash(black_box(&mib)));
  });
  time("hasher 1000 x 200 B", 1_000, || {
    let mut h = blake3::Hasher::new();
    for _ in 0..1000 {
      h.update(black_box(&chunk));
    }
    black_box(h.finalize());
  });
  let key = encoding::prefixed_base58("keySecret_z", &[9u8; 32]);
  let msg = vec![1u8; 100];
  let msg10k = vec![1u8; 10 * 1024];
  time("encrypt 100 B", 200_000, || {
    black_box(secretbox::encrypt(black_box(&msg), &key, b"nonce material").ok());
  });
  time("encrypt 10 KiB", 20_000, || {
    black_box(secretbox::encrypt(black_box(&msg10k), &key, b"nonce material").ok());
  });
  time("parse key secret", 200_000, || {
    black_box(secretbox::parse_key_secret(black_box(&key)).ok());
  });
  let secret = encoding::prefixed_base58("signerSecret_z", &[3u8; 32]);
  let id = ed25519::signer_id(secret.as_bytes()).unwrap_or_default();
  let sig = ed25519::sign_with_secret(&msg, secret.as_bytes()).unwrap_or_default();
  time("sign (cached key)", 20_000, || {
    black_box(ed25519::sign_with_secret(black_box(&msg), secret.as_bytes()).ok());
  });
  time("verify (cached key)", 10_000, || {
    black_box(ed25519::verify_with_id(sig.as_bytes(), black_box(&msg), id.as_bytes()).ok());
  });
  // The raw check against dalek's verify_strict on a decoded key kept across calls: what our own
  // equation (key decoded once, no R decompression) has to beat.
  let public = ed25519::verifying_key(&[3u8; 32]).unwrap_or_default();
  let raw_sig = ed25519::sign(&[3u8; 32], &msg).unwrap_or([0; 64]);
  time("verify raw (ours, cached)", 10_000, || {
    black_box(ed25519::verify(&public, black_box(&msg), &raw_sig).ok());
  });
  if let Ok(key) = ed25519_dalek::VerifyingKey::from_bytes(&public) {
    let signature = ed25519_dalek::Signature::from_bytes(&raw_sig);
    time("verify raw (dalek verify_strict, cached key)", 10_000, || {
      black_box(key.verify_strict(black_box(&msg), &signature).is_ok());
    });
    time("verify raw (dalek verify, cached key)", 10_000, || {
      black_box(ed25519_dalek::Verifier::verify(&key, black_box(&msg), &signature).is_ok());
    });
  }

  // X25519: the Montgomery ladder, and the same exchange through Edwards arithmetic (which has
  // AVX2/IFMA backends).
  {
    use curve25519_dalek::montgomery::MontgomeryPoint;
    let secret = [5u8; 32];
    let peer = MontgomeryPoint::mul_base_clamped([6u8; 32]);
    time("x25519 ladder (MontgomeryPoint::mul_clamped)", 10_000, || {
      black_box(black_box(peer).mul_clamped(secret));
    });
    time("x25519 via Edwards (to_edwards, mul_clamped)", 10_000, || {
      black_box(
        black_box(peer)
          .to_edwards(0)
          .map(|p| p.mul_clamped(secret).to_montgomery()),
      );
    });
    time("ed25519 mul_base (signing's R)", 10_000, || {
      black_box(curve25519_dalek::EdwardsPoint::mul_base_clamped(black_box(secret)));
    });
    {
      use curve25519_dalek::edwards::{
        EdwardsBasepointTableRadix128, EdwardsBasepointTableRadix256, EdwardsBasepointTableRadix64,
      };
      use curve25519_dalek::traits::BasepointTable;
      let s = curve25519_dalek::Scalar::from_bytes_mod_order(secret);
      let b = curve25519_dalek::constants::ED25519_BASEPOINT_POINT;
      let t64 = EdwardsBasepointTableRadix64::create(&b);
      let t128 = EdwardsBasepointTableRadix128::create(&b);
      let t256 = EdwardsBasepointTableRadix256::create(&b);
      time("mul_base radix 64", 10_000, || {
        black_box(t64.mul_base(black_box(&s)));
      });
      time("mul_base radix 128", 10_000, || {
        black_box(t128.mul_base(black_box(&s)));
      });
      time("mul_base radix 256", 10_000, || {
        black_box(t256.mul_base(black_box(&s)));
      });
    }
  }

  // SessionMap: 1,000 trusting transactions made locally, then added to a fresh map by a peer.
  let header = r#"{"createdAt":"2026-01-01T00:00:00.000Z","meta":null,"ruleset":{"type":"unsafeAllowAll"},"type":"comap","uniqueness":"zBench"}"#;
  let co_id = cojson_core_napi::session_map::id_for_header(header);
  let session = format!("{co_id}_session_zBench");
  let mut source = SessionMap::new(&co_id, header, None, false).unwrap();
  let mut last = String::new();
  let changes = r#"[{"op":"set","key":"key3","value":{"n":3,"text":"lorem ipsum dolor sit amet"}}]"#;
  time("makeNewTrustingTransaction x 1000", 5, || {
    let mut m = SessionMap::new(&co_id, header, None, false).unwrap();
    for i in 0..1000 {
      black_box(
        m.make_new_trusting_transaction(&session, &secret, changes, None, i as f64)
          .ok(),
      );
    }
  });
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
      .unwrap()
      .collect::<Vec<_>>()
      .join(",")
  );
  time("addTransactions 1000 (verified)", 200, || {
    let mut m = SessionMap::new(&co_id, header, None, false).unwrap();
    m.add_transactions(&session, Some(&id), &batch, &signature, false)
      .unwrap();
    black_box(m);
  });
  time("addTransactions 1000 (skipVerify)", 200, || {
    let mut m = SessionMap::new(&co_id, header, None, false).unwrap();
    m.add_transactions(&session, Some(&id), &batch, &signature, true)
      .unwrap();
    black_box(m);
  });
  time("serde parse only (Vec<Value>)", 200, || {
    black_box(serde_json::from_str::<Vec<serde_json::Value>>(&batch).ok());
  });
  time("header id: base58 of 19 bytes", 200000, || {
    black_box(encoding::base58_encode(black_box(&small[..19])));
  });
  time("header id: blake3 of the header", 200000, || {
    black_box(blake3::hash(black_box(header.as_bytes())));
  });
  time("header id: id_for_header", 20000, || {
    black_box(cojson_core_napi::session_map::id_for_header(black_box(header)));
  });
  time("SessionMap::new", 20000, || {
    black_box(SessionMap::new(&co_id, header, None, false).ok());
  });
}
