//! BLAKE3 as the Jazz protocol uses it: plain 32-byte digests, "context" hashing by concatenation,
//! 24-byte nonces derived from nonce material, and 19-byte short hashes.

use crate::encoding::{prefix, prefixed_base58};

/// Inputs at least this long are hashed on the rayon pool (BLAKE3's tree splits across cores).
/// Below it, waking the pool costs more than the second core saves (measured: a 150 KB session
/// log append was slower on the pool than on one core with AVX-512).
pub const PARALLEL_THRESHOLD: usize = 512 * 1024;

/// Length of a short hash / CoValue id digest.
pub const SHORT_HASH_LENGTH: usize = 19;

/// The SIMD implementation the blake3 crate picks on this CPU (it chooses at run time, as here).
pub fn backend() -> &'static str {
  #[cfg(target_arch = "x86_64")]
  {
    if std::arch::is_x86_feature_detected!("avx512f") && std::arch::is_x86_feature_detected!("avx512vl") {
      return "avx512";
    }
    if std::arch::is_x86_feature_detected!("avx2") {
      return "avx2";
    }
    if std::arch::is_x86_feature_detected!("sse4.1") {
      return "sse41";
    }
    "sse2"
  }
  #[cfg(target_arch = "aarch64")]
  {
    "neon"
  }
  #[cfg(not(any(target_arch = "x86_64", target_arch = "aarch64")))]
  {
    "portable"
  }
}

/// Hashes a large input on the rayon pool. WebAssembly builds have no threads (and no rayon):
/// there it is the plain single-threaded update.
fn update_parallel(hasher: &mut ::blake3::Hasher, data: &[u8]) {
  #[cfg(not(target_family = "wasm"))]
  hasher.update_rayon(data);
  #[cfg(target_family = "wasm")]
  hasher.update(data);
}

/// BLAKE3-256 of `data`.
pub fn hash(data: &[u8]) -> [u8; 32] {
  if data.len() >= PARALLEL_THRESHOLD {
    let mut hasher = ::blake3::Hasher::new();
    update_parallel(&mut hasher, data);
    *hasher.finalize().as_bytes()
  } else {
    *::blake3::hash(data).as_bytes()
  }
}

/// BLAKE3-256 of `context ‖ data` (plain concatenation: not BLAKE3's keyed or derive-key modes).
pub fn hash_with_context(data: &[u8], context: &[u8]) -> [u8; 32] {
  let mut hasher = ::blake3::Hasher::new();
  hasher.update(context);
  if data.len() >= PARALLEL_THRESHOLD {
    update_parallel(&mut hasher, data);
  } else {
    hasher.update(data);
  }
  *hasher.finalize().as_bytes()
}

/// The 24-byte XSalsa20 nonce for some nonce material: the first 24 bytes of its BLAKE3 digest.
pub fn nonce(nonce_material: &[u8]) -> [u8; 24] {
  let digest = hash(nonce_material);
  let mut out = [0u8; 24];
  out.copy_from_slice(&digest[..24]);
  out
}

/// The first 19 bytes of BLAKE3 of `value`, the digest behind short hashes and CoValue ids.
pub fn short_digest(value: &[u8]) -> [u8; SHORT_HASH_LENGTH] {
  let digest = hash(value);
  let mut out = [0u8; SHORT_HASH_LENGTH];
  out.copy_from_slice(&digest[..SHORT_HASH_LENGTH]);
  out
}

/// `shortHash_z<base58 of the first 19 bytes of BLAKE3(utf8(value))>`.
pub fn short_hash(value: &str) -> String {
  prefixed_base58(prefix::SHORT_HASH, &short_digest(value.as_bytes()))
}

/// What a cojson `CryptoProvider.secureHash` returns for a stableStringify'd value:
/// `hash_z<base58 of BLAKE3(utf8(value))>`.
pub fn secure_hash(value: &str) -> String {
  prefixed_base58(prefix::HASH, &hash(value.as_bytes()))
}

/// An incremental hasher whose `finalize` does not consume it.
#[derive(Clone, Default)]
pub struct Hasher {
  inner: ::blake3::Hasher,
}

impl Hasher {
  pub fn new() -> Self {
    Self::default()
  }

  pub fn update(&mut self, data: &[u8]) {
    if data.len() >= PARALLEL_THRESHOLD {
      update_parallel(&mut self.inner, data);
    } else {
      self.inner.update(data);
    }
  }

  /// The digest of everything so far; the hasher can keep updating afterwards.
  pub fn finalize(&self) -> [u8; 32] {
    *self.inner.finalize().as_bytes()
  }
}

#[cfg(test)]
mod tests {
  use super::*;

  fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
  }

  #[test]
  fn known_digests() {
    assert_eq!(
      hex(&hash(b"abc")),
      "6437b3ac38465133ffb63b75273a8db548c558465d79db03fd359c6cd5bd9d85"
    );
    assert_eq!(hash_with_context(b"data", b"ctx"), hash(b"ctxdata"));
    assert_eq!(nonce(b"abc")[..], hash(b"abc")[..24]);
  }

  #[test]
  fn hasher_finalize_does_not_consume() {
    let mut h = Hasher::new();
    h.update(&[1, 2, 3, 4, 5]);
    assert_eq!(
      hex(&h.finalize()),
      "024f67c0425a3dc02fbaf58cb93de5132e3d75c519faa0bada21491d88c97057"
    );
    let snapshot = h.clone();
    h.update(&[6, 7, 8, 9, 10]);
    assert_eq!(
      hex(&h.finalize()),
      "a5838d45024527ecc4f4b4d5937cde2744df36b0f261c865cc4f15e9383301c7"
    );
    assert_eq!(
      hex(&snapshot.finalize()),
      "024f67c0425a3dc02fbaf58cb93de5132e3d75c519faa0bada21491d88c97057"
    );
  }

  #[test]
  fn parallel_and_serial_paths_agree() {
    let data: Vec<u8> = (0..(PARALLEL_THRESHOLD * 3 + 17)).map(|i| (i % 251) as u8).collect();
    assert_eq!(hash(&data), *::blake3::hash(&data).as_bytes());
    let mut h = Hasher::new();
    h.update(&data[..100]);
    h.update(&data[100..]);
    assert_eq!(h.finalize(), hash(&data));
  }

  #[test]
  fn short_hash_format() {
    let s = short_hash("{}");
    assert!(s.starts_with("shortHash_z"));
    let decoded = bs58::decode(&s["shortHash_z".len()..]).into_vec().unwrap();
    assert_eq!(decoded, hash(b"{}")[..19]);
  }
}
