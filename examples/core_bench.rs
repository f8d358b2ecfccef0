//! Rust-side cost of the core operations, without the JS boundary:
//! `cargo run --release --no-default-features --example core_bench`.
use cojson_core_napi::{blake3, ed25519, encoding, secretbox};
use std::hint::black_box;
use std::time::Instant;

fn time(name: &str, iterations: u32, mut f: impl FnMut()) {
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
}
