//! Ed25519 verification against ed25519-dalek's `verify_strict`, the verdict every other peer
//! (libsodium, WasmCrypto, the published binary on keys that are not of small order) gives.
//!
//! Half the inputs are structured: a key `A = aB + T` whose torsion component `T` is one of the 8
//! small-order points, with an honest signature made with `a` (`R = rB`, `S = r + k·a`), then
//! optionally tampered with. Such signatures verify only for some residues of `k mod 8`, which is
//! where a verification equation other than dalek's gives another verdict. The other half are raw
//! (key, signature, message) triples.
#![no_main]
use cojson_core_napi::ed25519;
use curve25519_dalek::edwards::{CompressedEdwardsY, EdwardsPoint};
use curve25519_dalek::scalar::Scalar;
use curve25519_dalek::traits::Identity;
use ed25519_dalek::{Signature, VerifyingKey};
use libfuzzer_sys::fuzz_target;
use sha2::{Digest, Sha512};
use std::sync::OnceLock;

/// `[i]T8` for a point `T8` of order 8.
fn torsion() -> &'static [EdwardsPoint; 8] {
  static POINTS: OnceLock<[EdwardsPoint; 8]> = OnceLock::new();
  POINTS.get_or_init(|| {
    const ORDER_8_Y: [u8; 32] = [
      0x26, 0xe8, 0x95, 0x8f, 0xc2, 0xb2, 0x27, 0xb0, 0x45, 0xc3, 0xf4, 0x89, 0xf2, 0xef, 0x98, 0xf0, 0xd5, 0xdf, 0xac,
      0x05, 0xd3, 0xc6, 0x33, 0x39, 0xb1, 0x38, 0x02, 0x88, 0x6d, 0x53, 0xfc, 0x05,
    ];
    let t8 = CompressedEdwardsY(ORDER_8_Y).decompress().unwrap();
    let mut points = [EdwardsPoint::identity(); 8];
    for i in 1..8 {
      points[i] = points[i - 1] + t8;
    }
    points
  })
}

fn scalar(bytes: &[u8]) -> Scalar {
  let mut wide = [0u8; 64];
  wide[..bytes.len().min(64)].copy_from_slice(&bytes[..bytes.len().min(64)]);
  Scalar::from_bytes_mod_order_wide(&wide)
}

fn check(public: &[u8; 32], signature: &[u8; 64], message: &[u8]) {
  let ours = ed25519::verify(public, message, signature);
  match VerifyingKey::from_bytes(public) {
    Err(_) => assert!(ours.is_err(), "an undecodable key must be an error"),
    Ok(key) => {
      let strict = key.verify_strict(message, &Signature::from_bytes(signature)).is_ok();
      assert_eq!(ours.ok(), Some(strict), "verdict differs from verify_strict");
    }
  }
}

fuzz_target!(|data: &[u8]| {
  let Some((&mode, rest)) = data.split_first() else { return };
  if mode & 1 == 0 {
    let (Some(a), Some(r)) = (rest.get(..32), rest.get(32..64)) else { return };
    let message = rest.get(64..).unwrap_or_default();
    let (a, r) = (scalar(a), scalar(r));
    let t = &torsion()[usize::from(mode >> 1) % 8];
    let public = (EdwardsPoint::mul_base(&a) + t).compress().to_bytes();
    let r_point = EdwardsPoint::mul_base(&r).compress().to_bytes();
    let k = Scalar::from_hash(Sha512::new().chain_update(r_point).chain_update(public).chain_update(message));
    let mut signature = [0u8; 64];
    signature[..32].copy_from_slice(&r_point);
    signature[32..].copy_from_slice((r + k * a).as_bytes());
    // mode >> 4: 0–7 honest, else flip one bit of the signature.
    if mode >> 4 >= 8 {
      let bit = usize::from(rest[0]) % 512;
      signature[bit / 8] ^= 1 << (bit % 8);
    }
    check(&public, &signature, message);
  } else {
    let (Some(public), Some(signature)) = (rest.get(..32), rest.get(32..96)) else { return };
    let public: [u8; 32] = public.try_into().unwrap();
    let signature: [u8; 64] = signature.try_into().unwrap();
    check(&public, &signature, rest.get(96..).unwrap_or_default());
  }
});
