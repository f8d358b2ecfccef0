//! Ed25519 (RFC 8032): raw-byte keys and signatures, and the `signerSecret_z…` / `signer_z…` /
//! `signature_z…` strings of the Jazz protocol.
//!
//! Verification is *strict*: public keys of small order and signatures with a small-order `R` or a
//! non-canonical `S` never verify (ed25519-dalek's `verify_strict`). Upstream 0.20.19 used the
//! lenient check, under which the identity key and a trivial signature verify every message.

use crate::cache::{self, BoundedCache};
use crate::encoding::{decode_prefixed, fixed, prefix, prefixed_base58, utf8, Secrecy};
use crate::error::{Code, Error, Result};
use crate::random;
use curve25519_dalek::edwards::{CompressedEdwardsY, EdwardsPoint};
use curve25519_dalek::scalar::Scalar;
use curve25519_dalek::traits::Identity;
use ed25519_dalek::{Signer, SigningKey, VerifyingKey};
use sha2::{Digest, Sha512};
use std::cell::RefCell;
use std::sync::OnceLock;
use zeroize::Zeroizing;

pub const SECRET_KEY_LENGTH: usize = 32;
pub const PUBLIC_KEY_LENGTH: usize = 32;
pub const SIGNATURE_LENGTH: usize = 64;

/// A decoded public key ready for repeated verification: its bytes, the negated point `-A`
/// (decompression is ~15% of a verification), and whether `A` is of small order (then it never
/// verifies anything).
#[derive(Clone)]
struct Verifier {
  bytes: [u8; 32],
  minus_a: EdwardsPoint,
  weak: bool,
}

impl Verifier {
  fn from_bytes(what: &str, bytes: &[u8; 32]) -> Result<Verifier> {
    let key = VerifyingKey::from_bytes(bytes).map_err(|_| {
      Error::new(
        Code::InvalidKey,
        format!("{what} is not a valid Ed25519 public key (cannot decompress the point)"),
      )
    })?;
    Ok(Verifier {
      bytes: *bytes,
      minus_a: -key.to_edwards(),
      weak: key.is_weak(),
    })
  }

  /// RFC 8032 verification with ed25519-dalek's `verify_strict` semantics, built from
  /// curve25519-dalek's primitives so that the key is decompressed once, not per call.
  ///
  /// The equation is dalek's (and libsodium's): reject a non-canonical `S`;
  /// `k = SHA-512(R ‖ A ‖ M) mod ℓ`; accept iff `[k](-A) + [S]B`, compressed (always
  /// canonically), equals the signature's `R` bytes, so an accepted `R` is canonical. The order of
  /// operations matters for keys with a torsion component (`A = aB + T`): `[k](-A)` and
  /// `[-k mod ℓ]A` differ by `[ℓ]T = [5]T` there, so only this form gives every peer's verdict.
  /// Strictness adds two checks: `A` is not of small order (known when the key was decoded) and
  /// `R` is not one of the eight canonical encodings of the small-order points. Tests below and the
  /// `ed25519_verify` fuzz target check it against `verify_strict` on random, tampered, forged and
  /// torsion-carrying inputs.
  fn verify(&self, message: &[u8], signature: &[u8; 64]) -> bool {
    let (r, s) = signature.split_at(32);
    if self.weak || is_small_order_encoding(r) {
      return false;
    }
    let s: [u8; 32] = match s.try_into() {
      Ok(s) => s,
      Err(_) => return false,
    };
    let s = match Option::<Scalar>::from(Scalar::from_canonical_bytes(s)) {
      Some(s) => s,
      None => return false,
    };
    let k = Scalar::from_hash(
      Sha512::new()
        .chain_update(r)
        .chain_update(self.bytes)
        .chain_update(message),
    );
    let expected_r = EdwardsPoint::vartime_double_scalar_mul_basepoint(&k, &self.minus_a, &s);
    expected_r.compress().as_bytes()[..] == *r
  }
}

/// Canonical encodings of the eight points of small order (the torsion subgroup), computed once
/// from a point of order 8.
fn small_order_encodings() -> &'static [[u8; 32]; 8] {
  static ENCODINGS: OnceLock<[[u8; 32]; 8]> = OnceLock::new();
  ENCODINGS.get_or_init(|| {
    // The y-coordinate of a point of order 8 (an element of the torsion subgroup E[8]).
    const ORDER_8_Y: [u8; 32] = [
      0x26, 0xe8, 0x95, 0x8f, 0xc2, 0xb2, 0x27, 0xb0, 0x45, 0xc3, 0xf4, 0x89, 0xf2, 0xef, 0x98, 0xf0, 0xd5, 0xdf, 0xac,
      0x05, 0xd3, 0xc6, 0x33, 0x39, 0xb1, 0x38, 0x02, 0x88, 0x6d, 0x53, 0xfc, 0x05,
    ];
    let mut out = [[0u8; 32]; 8];
    if let Some(t) = CompressedEdwardsY(ORDER_8_Y).decompress() {
      let mut p = EdwardsPoint::identity();
      for slot in out.iter_mut() {
        *slot = p.compress().to_bytes();
        p += t;
      }
    }
    out
  })
}

fn is_small_order_encoding(r: &[u8]) -> bool {
  small_order_encodings().iter().any(|e| e[..] == *r)
}

thread_local! {
  static SIGNING_KEYS: RefCell<BoundedCache<SigningKey>> = RefCell::new(BoundedCache::new(cache::CAPACITY));
  static VERIFIERS: RefCell<BoundedCache<Verifier>> = RefCell::new(BoundedCache::new(cache::CAPACITY));
}

/// Runs `f` with the signing key for a cache tag, deriving it with `seed` on a miss.
fn with_signing_key<R>(
  tag: cache::Tag,
  seed: impl FnOnce() -> Result<Zeroizing<[u8; 32]>>,
  f: impl FnOnce(&SigningKey) -> R,
) -> Result<R> {
  SIGNING_KEYS.with(|cell| {
    let mut keys = cell.borrow_mut();
    let key = keys.get_or_try_insert(tag, || seed().map(|s| SigningKey::from_bytes(&s)))?;
    Ok(f(key))
  })
}

fn with_verifier<R>(
  tag: cache::Tag,
  make: impl FnOnce() -> Result<Verifier>,
  f: impl FnOnce(&Verifier) -> R,
) -> Result<R> {
  VERIFIERS.with(|cell| {
    let mut verifiers = cell.borrow_mut();
    Ok(f(verifiers.get_or_try_insert(tag, make)?))
  })
}

fn seed_key(signing_key: &[u8]) -> Result<(cache::Tag, &[u8; 32])> {
  let seed = fixed::<32>("signing key", signing_key)?;
  Ok((cache::tag(b"ed25519 seed", &[seed]), seed))
}

/// The curve arithmetic curve25519-dalek uses on this CPU (it chooses at run time): `avx512ifma`
/// where the build has that backend (x86_64 builds do) and the CPU has IFMA, else `avx2` on
/// x86_64 CPUs with AVX2, else `serial`.
pub fn backend() -> &'static str {
  #[cfg(target_arch = "x86_64")]
  {
    if cfg!(curve25519_dalek_backend = "avx512")
      && std::arch::is_x86_feature_detected!("avx512ifma")
      && std::arch::is_x86_feature_detected!("avx512vl")
    {
      return "avx512ifma";
    }
    if std::arch::is_x86_feature_detected!("avx2") {
      return "avx2";
    }
  }
  "serial"
}

/// 32 random bytes: a new Ed25519 signing key (RFC 8032 seed).
pub fn new_signing_key() -> Result<Zeroizing<[u8; 32]>> {
  random::bytes::<32>()
}

/// The public key of a 32-byte signing key.
pub fn verifying_key(signing_key: &[u8]) -> Result<[u8; 32]> {
  let (tag, seed) = seed_key(signing_key)?;
  with_signing_key(tag, || Ok(Zeroizing::new(*seed)), |k| k.verifying_key().to_bytes())
}

/// A deterministic 64-byte signature of `message`.
pub fn sign(signing_key: &[u8], message: &[u8]) -> Result<[u8; 64]> {
  let (tag, seed) = seed_key(signing_key)?;
  with_signing_key(tag, || Ok(Zeroizing::new(*seed)), |k| k.sign(message).to_bytes())
}

/// Strict verification. Errors for malformed inputs, `false` for a signature that does not verify.
pub fn verify(verifying_key: &[u8], message: &[u8], signature: &[u8]) -> Result<bool> {
  let key = fixed::<32>("verifying key", verifying_key)?;
  let signature = fixed::<64>("signature", signature)?;
  with_verifier(
    cache::tag(b"ed25519 public", &[key]),
    || Verifier::from_bytes("verifying key", key),
    |v| v.verify(message, signature),
  )
}

/// Checks the length of a signing key and copies it.
pub fn signing_key_from_bytes(bytes: &[u8]) -> Result<[u8; 32]> {
  Ok(*fixed::<32>("signing key", bytes)?)
}

/// Checks the length of a verifying key and copies it (the point is not validated, as upstream).
pub fn verifying_key_from_bytes(bytes: &[u8]) -> Result<[u8; 32]> {
  Ok(*fixed::<32>("verifying key", bytes)?)
}

/// Checks the length of a signature and copies it.
pub fn signature_from_bytes(bytes: &[u8]) -> Result<[u8; 64]> {
  Ok(*fixed::<64>("signature", bytes)?)
}

fn signer_secret_seed(secret: &str) -> Result<Zeroizing<[u8; 32]>> {
  decode_prefixed::<32>("signer secret", secret, prefix::SIGNER_SECRET, Secrecy::Secret)
}

/// Runs `f` with the signing key of a `signerSecret_z…` string given as UTF-8 bytes.
pub(crate) fn with_signer_secret<R>(secret: &[u8], f: impl FnOnce(&SigningKey) -> R) -> Result<R> {
  let tag = cache::tag(b"signer secret", &[secret]);
  with_signing_key(tag, || signer_secret_seed(utf8("signer secret", secret)?), f)
}

/// `signer_z…` of a `signerSecret_z…` string (given as UTF-8 bytes).
pub fn signer_id(secret: &[u8]) -> Result<String> {
  with_signer_secret(secret, |k| {
    prefixed_base58(prefix::SIGNER_ID, k.verifying_key().as_bytes())
  })
}

/// `signature_z…` over `message` with a `signerSecret_z…` secret (given as UTF-8 bytes).
pub fn sign_with_secret(message: &[u8], secret: &[u8]) -> Result<String> {
  with_signer_secret(secret, |k| {
    prefixed_base58(prefix::SIGNATURE, &k.sign(message).to_bytes())
  })
}

/// Parses a `signature_z…` string.
pub fn parse_signature(signature: &str) -> Result<Zeroizing<[u8; 64]>> {
  decode_prefixed::<64>("signature", signature, prefix::SIGNATURE, Secrecy::Public)
}

/// Strictly verifies `signature` (a `signature_z…` string) against `signer_z…` `id`, both as
/// UTF-8 bytes. Malformed strings are errors; a signature that does not verify is `false`.
pub fn verify_with_id(signature: &[u8], message: &[u8], id: &[u8]) -> Result<bool> {
  let signature = parse_signature(utf8("signature", signature)?)?;
  with_signer_id(id, |v| v.verify(message, &signature))
}

fn with_signer_id<R>(id: &[u8], f: impl FnOnce(&Verifier) -> R) -> Result<R> {
  let make = || {
    let key = decode_prefixed::<32>("signer id", utf8("signer id", id)?, prefix::SIGNER_ID, Secrecy::Public)?;
    Verifier::from_bytes("signer id", &key)
  };
  with_verifier(cache::tag(b"signer id", &[id]), make, f)
}

/// A parsed, validated `signer_z…` id, ready to verify session signatures.
#[derive(Clone)]
pub struct SignerId(Verifier);

impl SignerId {
  /// Parses a `signer_z…` string; errors if it is malformed or not a usable public key.
  pub fn parse(id: &str) -> Result<SignerId> {
    with_signer_id(id.as_bytes(), |v| v.clone()).and_then(|v| {
      if v.weak {
        Err(Error::new(
          Code::InvalidKey,
          "signer id is a small-order Ed25519 public key, which cannot sign",
        ))
      } else {
        Ok(SignerId(v))
      }
    })
  }

  /// Strict verification of a 64-byte signature.
  pub fn verify(&self, message: &[u8], signature: &[u8; 64]) -> bool {
    self.0.verify(message, signature)
  }
}

#[cfg(test)]
mod tests {
  use super::*;
  use curve25519_dalek::traits::IsIdentity;

  use crate::test_support::{rng, unhex};

  // RFC 8032 §7.1, tests 1–3.
  const RFC8032: [(&str, &str, &str, &str); 3] = [
    (
      "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
      "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a",
      "",
      "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b",
    ),
    (
      "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
      "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c",
      "72",
      "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00",
    ),
    (
      "c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7",
      "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025",
      "af82",
      "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a",
    ),
  ];

  #[test]
  fn rfc8032_vectors() {
    for (sk, pk, msg, sig) in RFC8032 {
      let (sk, pk, msg, sig) = (unhex(sk), unhex(pk), unhex(msg), unhex(sig));
      assert_eq!(verifying_key(&sk).unwrap().to_vec(), pk);
      assert_eq!(sign(&sk, &msg).unwrap().to_vec(), sig);
      assert!(verify(&pk, &msg, &sig).unwrap());
      assert!(!verify(&pk, b"other", &sig).unwrap());
    }
  }

  #[test]
  fn strict_verification_rejects_identity_key_and_trivial_signature() {
    let mut identity = [0u8; 32];
    identity[0] = 1;
    let mut trivial = [0u8; 64];
    trivial[0] = 1;
    assert!(!verify(&identity, b"any message", &trivial).unwrap());
    let id = prefixed_base58(prefix::SIGNER_ID, &identity);
    assert_eq!(SignerId::parse(&id).err().map(|e| e.code), Some(Code::InvalidKey));
  }

  #[test]
  fn non_canonical_s_is_rejected() {
    let sk = [9u8; 32];
    let pk = verifying_key(&sk).unwrap();
    let mut sig = sign(&sk, b"m").unwrap();
    // s + ℓ (ℓ = 2^252 + 27742317777372353535851937790883648493) is the same scalar, non-canonical.
    let l: [u8; 32] = unhex("edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010")
      .try_into()
      .unwrap();
    let mut carry = 0u16;
    for i in 0..32 {
      let v = sig[32 + i] as u16 + l[i] as u16 + carry;
      sig[32 + i] = v as u8;
      carry = v >> 8;
    }
    assert!(!verify(&pk, b"m", &sig).unwrap());
  }

  #[test]
  fn small_order_encodings_are_the_torsion_subgroup() {
    let encodings = small_order_encodings();
    let distinct: std::collections::HashSet<_> = encodings.iter().collect();
    assert_eq!(distinct.len(), 8);
    for e in encodings {
      let p = CompressedEdwardsY(*e).decompress().unwrap();
      assert!(p.is_small_order());
    }
    let mut identity = [0u8; 32];
    identity[0] = 1;
    assert!(is_small_order_encoding(&identity));
  }

  /// A signature whose R is the identity, made with the secret scalar: lenient verification
  /// accepts it, strict (and ours) must not.
  #[test]
  fn small_order_r_is_rejected_like_verify_strict() {
    use ed25519_dalek::hazmat::ExpandedSecretKey;
    use ed25519_dalek::{Signature, Verifier as _};
    let seed = [42u8; 32];
    let expanded = ExpandedSecretKey::from(&seed);
    let public = verifying_key(&seed).unwrap();
    let mut r = [0u8; 32];
    r[0] = 1;
    let message = b"forged with a small-order R";
    let k = Scalar::from_hash(Sha512::new().chain_update(r).chain_update(public).chain_update(message));
    let s = k * expanded.scalar;
    let mut sig = [0u8; 64];
    sig[..32].copy_from_slice(&r);
    sig[32..].copy_from_slice(s.as_bytes());
    let dalek_key = VerifyingKey::from_bytes(&public).unwrap();
    assert!(
      dalek_key.verify(message, &Signature::from_bytes(&sig)).is_ok(),
      "lenient accepts"
    );
    assert!(
      dalek_key.verify_strict(message, &Signature::from_bytes(&sig)).is_err(),
      "strict rejects"
    );
    assert!(!verify(&public, message, &sig).unwrap(), "ours rejects");
  }

  #[test]
  fn strict_check_matches_verify_strict() {
    use ed25519_dalek::Signature;
    let mut next = rng("strict_check_matches_verify_strict", 0x1234_5678_9abc_def0);
    for i in 0..200 {
      let seed: [u8; 32] = std::array::from_fn(|_| next() as u8);
      let message: Vec<u8> = (0..(i % 70)).map(|_| next() as u8).collect();
      let public = verifying_key(&seed).unwrap();
      let mut sig = sign(&seed, &message).unwrap();
      if i % 3 == 1 {
        let byte = (next() % 64) as usize;
        sig[byte] ^= 1 << (next() % 8);
      }
      let dalek_key = VerifyingKey::from_bytes(&public).unwrap();
      let expected = dalek_key.verify_strict(&message, &Signature::from_bytes(&sig)).is_ok();
      assert_eq!(verify(&public, &message, &sig).unwrap(), expected, "case {i}");
    }
  }

  /// The eight points of the torsion subgroup, `[i]T8` for a point `T8` of order 8.
  fn torsion_points() -> Vec<EdwardsPoint> {
    small_order_encodings()
      .iter()
      .map(|e| CompressedEdwardsY(*e).decompress().unwrap())
      .collect()
  }

  /// A key `A = aB + T` with a torsion component `T` and an honest signature made with the scalar
  /// `a` (`R = rB`, `S = r + k·a`); returns the key, the signature and `k`.
  fn mixed_order_signature(a: &Scalar, t: &EdwardsPoint, r: &Scalar, message: &[u8]) -> ([u8; 32], [u8; 64], Scalar) {
    let public = (EdwardsPoint::mul_base(a) + t).compress().to_bytes();
    let r_point = EdwardsPoint::mul_base(r).compress().to_bytes();
    let k = Scalar::from_hash(
      Sha512::new()
        .chain_update(r_point)
        .chain_update(public)
        .chain_update(message),
    );
    let s = r + k * a;
    let mut sig = [0u8; 64];
    sig[..32].copy_from_slice(&r_point);
    sig[32..].copy_from_slice(s.as_bytes());
    (public, sig, k)
  }

  /// Keys with each of the 8 torsion components, with enough messages to hit every residue of
  /// `k mod 8`: our verdict is `verify_strict`'s, which accepts exactly when `[k]T` is the identity.
  #[test]
  fn torsion_carrying_keys_get_verify_strict_verdicts() {
    use ed25519_dalek::Signature;
    let torsion = torsion_points();
    let mut seen = [[false; 8]; 8];
    let (mut accepted, mut rejected) = (0, 0);
    for (index, t) in torsion.iter().enumerate() {
      let a = Scalar::from_bytes_mod_order([index as u8 + 3; 32]);
      for m in 0..96u32 {
        let message = format!("message {m} for torsion component {index}");
        let r = Scalar::from_bytes_mod_order(*blake3::hash(message.as_bytes()).as_bytes());
        let (public, sig, k) = mixed_order_signature(&a, t, &r, message.as_bytes());
        let residue = (k.as_bytes()[0] & 7) as usize;
        seen[index][residue] = true;
        let dalek_key = VerifyingKey::from_bytes(&public).unwrap();
        let strict = dalek_key
          .verify_strict(message.as_bytes(), &Signature::from_bytes(&sig))
          .is_ok();
        let expected = (k * t).is_identity();
        assert_eq!(
          strict, expected,
          "verify_strict's equation, component {index}, k mod 8 = {residue}"
        );
        let ours = verify(&public, message.as_bytes(), &sig).unwrap();
        assert_eq!(ours, strict, "component {index}, k mod 8 = {residue}");
        let id = prefixed_base58(prefix::SIGNER_ID, &public);
        let signature = prefixed_base58(prefix::SIGNATURE, &sig);
        assert_eq!(
          verify_with_id(signature.as_bytes(), message.as_bytes(), id.as_bytes()).unwrap(),
          strict
        );
        assert_eq!(SignerId::parse(&id).unwrap().verify(message.as_bytes(), &sig), strict);
        if index > 0 {
          if strict {
            accepted += 1
          } else {
            rejected += 1
          }
        }
      }
    }
    assert!(seen.iter().all(|residues| residues.iter().all(|&r| r)), "{seen:?}");
    assert!(
      accepted > 50 && rejected > 300,
      "accepted {accepted}, rejected {rejected}"
    );
  }

  #[test]
  fn errors_name_the_argument() {
    assert_eq!(
      verifying_key(&[0; 31]).unwrap_err().message,
      "signing key must be 32 bytes, got 31"
    );
    assert_eq!(
      verify(&[0; 32], b"", &[0; 63]).unwrap_err().message,
      "signature must be 64 bytes, got 63"
    );
    let not_a_point = [0xffu8; 32];
    // ff…ff decodes in dalek (it reduces the y coordinate), and simply fails to verify.
    assert_eq!(verify(&not_a_point, b"", &[0; 64]), Ok(false));
    let mut undecodable = [0u8; 32];
    undecodable[0] = 2;
    let err = verify(&undecodable, b"", &[0; 64]).unwrap_err();
    assert_eq!(err.code, Code::InvalidKey);
  }

  #[test]
  fn signer_strings_round_trip() {
    let secret = prefixed_base58(prefix::SIGNER_SECRET, &(1..=32).collect::<Vec<u8>>());
    assert_eq!(secret, "signerSecret_z4wBqpZM9xaSheZzJSMawUKKwhdpChKbZ5eu5ky4Vigw");
    let id = signer_id(secret.as_bytes()).unwrap();
    assert_eq!(id, "signer_z9C6hybhQ6Aycep9jaUnP6uL9ZYvDjUp1aSkFWPUFJtpj");
    let sig = sign_with_secret(b"hello", secret.as_bytes()).unwrap();
    assert!(verify_with_id(sig.as_bytes(), b"hello", id.as_bytes()).unwrap());
    assert!(!verify_with_id(sig.as_bytes(), b"hellO", id.as_bytes()).unwrap());
    let err = sign_with_secret(b"x", b"sealerSecret_zabc").unwrap_err();
    assert_eq!(
      (err.code, err.message.as_str()),
      (Code::InvalidPrefix, "signer secret must start with 'signerSecret_z'")
    );
    let err = signer_id(&[0xff]).unwrap_err();
    assert_eq!(err.code, Code::InvalidUtf8);
  }

  #[test]
  fn errors_never_contain_the_secret() {
    let secret = "signerSecret_z4wBqpZM9xaSheZzJSMawUKKwhdpChKbZ5eu5ky4Vig0";
    let err = signer_id(secret.as_bytes()).unwrap_err();
    assert_eq!(err.code, Code::InvalidBase58);
    assert!(
      !err.message.contains("4wBq") && !err.message.contains('0'),
      "{}",
      err.message
    );
  }
}
