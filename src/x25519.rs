//! X25519 (RFC 7748) and the `sealerSecret_z…` / `sealer_z…` strings of the Jazz protocol.
//!
//! Exchanges reject a non-contributory result: a low-order peer key gives the all-zero shared
//! secret, which upstream 0.20.19 silently used as an encryption key.

use crate::cache::{self, BoundedCache};
use crate::encoding::{decode_prefixed, fixed, prefix, prefixed_base58, Secrecy};
use crate::error::{Code, Error, Result};
use crate::random;
use std::cell::RefCell;
use x25519_dalek::{PublicKey, StaticSecret};
use zeroize::Zeroizing;

thread_local! {
  static SHARED_KEYS: RefCell<BoundedCache<Zeroizing<[u8; 32]>>> = RefCell::new(BoundedCache::new(cache::CAPACITY));
}

/// 32 random bytes (unclamped; clamping happens at use, as in upstream).
pub fn new_private_key() -> Result<Zeroizing<[u8; 32]>> {
  random::bytes::<32>()
}

fn public_of(secret: &[u8; 32]) -> [u8; 32] {
  PublicKey::from(&StaticSecret::from(*secret)).to_bytes()
}

/// The RFC 7748 public key of a 32-byte private key.
pub fn public_key(private_key: &[u8]) -> Result<[u8; 32]> {
  Ok(public_of(fixed::<32>("private key", private_key)?))
}

/// The exchange itself, rejecting the all-zero (non-contributory) result.
pub(crate) fn exchange(secret: &[u8; 32], public: &[u8; 32]) -> Result<Zeroizing<[u8; 32]>> {
  let shared = StaticSecret::from(*secret).diffie_hellman(&PublicKey::from(*public));
  if !shared.was_contributory() {
    return Err(Error::new(
      Code::WeakSharedSecret,
      "public key is a low-order X25519 point: the exchange gives the all-zero shared secret",
    ));
  }
  Ok(Zeroizing::new(shared.to_bytes()))
}

/// The raw 32-byte X25519 shared secret.
pub fn diffie_hellman(private_key: &[u8], public_key: &[u8]) -> Result<Zeroizing<[u8; 32]>> {
  let secret = fixed::<32>("private key", private_key)?;
  let public = fixed::<32>("public key", public_key)?;
  exchange(secret, public)
}

/// Decodes a `sealerSecret_z…` string.
pub fn parse_sealer_secret(what: &str, secret: &str) -> Result<Zeroizing<[u8; 32]>> {
  decode_prefixed::<32>(what, secret, prefix::SEALER_SECRET, Secrecy::Secret)
}

/// Decodes a `sealer_z…` string.
pub fn parse_sealer_id(what: &str, id: &str) -> Result<[u8; 32]> {
  Ok(*decode_prefixed::<32>(what, id, prefix::SEALER_ID, Secrecy::Public)?)
}

/// `sealer_z…` of a `sealerSecret_z…` string.
pub fn sealer_id(secret: &str) -> Result<String> {
  let secret = parse_sealer_secret("sealer secret", secret)?;
  Ok(prefixed_base58(prefix::SEALER_ID, &public_of(&secret)))
}

/// The shared key of a `sealerSecret_z…` and a `sealer_z…`, cached per (secret, id) pair.
/// `secret_what` / `id_what` name the arguments in errors.
pub(crate) fn shared_key<R>(
  secret_what: &str,
  secret: &str,
  id_what: &str,
  id: &str,
  f: impl FnOnce(&[u8; 32]) -> R,
) -> Result<R> {
  let tag = cache::tag(b"x25519 shared", &[secret.as_bytes(), id.as_bytes()]);
  SHARED_KEYS.with(|cell| {
    let mut keys = cell.borrow_mut();
    let key = keys.get_or_try_insert(tag, || {
      let secret = parse_sealer_secret(secret_what, secret)?;
      let public = parse_sealer_id(id_what, id)?;
      exchange(&secret, &public)
    })?;
    Ok(f(key))
  })
}

#[cfg(test)]
mod tests {
  use super::*;
  use crate::test_support::unhex_array;

  fn unhex(s: &str) -> [u8; 32] {
    unhex_array(s)
  }

  #[test]
  fn rfc7748_section_6_1() {
    let alice = unhex("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a");
    let alice_pub = unhex("8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a");
    let bob = unhex("5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb");
    let bob_pub = unhex("de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f");
    let shared = unhex("4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742");
    assert_eq!(public_key(&alice).unwrap(), alice_pub);
    assert_eq!(public_key(&bob).unwrap(), bob_pub);
    assert_eq!(*diffie_hellman(&alice, &bob_pub).unwrap(), shared);
    assert_eq!(*diffie_hellman(&bob, &alice_pub).unwrap(), shared);
  }

  #[test]
  fn rfc7748_section_5_2_scalar_mult() {
    let k = unhex("a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4");
    let u = unhex("e6db6867583030db3594c1a424b15f7c726624ec26b3353b10a903a6d0ab1c4c");
    let out = unhex("c3da55379de9c6908e94ea4df28d084f32eccf03491c71f754b4075577a28552");
    assert_eq!(*diffie_hellman(&k, &u).unwrap(), out);
  }

  #[test]
  fn low_order_public_key_is_rejected() {
    let err = diffie_hellman(&[1u8; 32], &[0u8; 32]).unwrap_err();
    assert_eq!(err.code, Code::WeakSharedSecret);
    assert_eq!(
      diffie_hellman(&[1u8; 31], &[0u8; 32]).unwrap_err().message,
      "private key must be 32 bytes, got 31"
    );
    assert_eq!(
      diffie_hellman(&[1u8; 32], &[0u8; 33]).unwrap_err().message,
      "public key must be 32 bytes, got 33"
    );
  }

  #[test]
  fn sealer_id_of_worked_example() {
    let secret = prefixed_base58(prefix::SEALER_SECRET, &(1..=32).collect::<Vec<u8>>());
    assert_eq!(
      sealer_id(&secret).unwrap(),
      "sealer_zWpSggvhoqoVW4XJvfjsB52dvVunYSQWrz6XiuMQVsCf"
    );
  }
}
