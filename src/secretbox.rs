//! Symmetric encryption and sealing as the Jazz protocol does them.
//!
//! * `encrypt`/`decrypt`: unauthenticated XSalsa20 (keystream XOR) with a key from a
//!   `keySecret_z…` string and a nonce derived from nonce material. Wrong keys are *not* detected:
//!   that is the wire format (integrity comes from session signatures).
//! * `seal`/`unseal`: XSalsa20-Poly1305 (`crypto_secretbox`, output `tag ‖ ciphertext`) keyed with
//!   the raw X25519 shared secret of a sealer secret and a peer's sealer id.
//! * `sealForGroup`/`unsealForGroup`: the same with a fresh ephemeral sender key, whose public key is
//!   prepended (`ephemeral public (32) ‖ tag (16) ‖ ciphertext`).

use crate::blake3;
use crate::encoding::{decode_prefixed, fixed, prefix, Secrecy};
use crate::error::{Code, Error, Result};
use crate::x25519;
use crypto_secretbox::aead::{AeadInPlace, KeyInit};
use crypto_secretbox::XSalsa20Poly1305;
use salsa20::cipher::{KeyIvInit, StreamCipher};
use salsa20::XSalsa20;
use zeroize::Zeroizing;

/// Poly1305 tag length.
pub const TAG_LENGTH: usize = 16;

/// XORs `data` with the XSalsa20 keystream for `key` and `nonce`.
pub fn xsalsa20_apply(key: &[u8; 32], nonce: &[u8; 24], data: &mut [u8]) {
  let mut cipher = XSalsa20::new(key.into(), nonce.into());
  cipher.apply_keystream(data);
}

/// Decodes a `keySecret_z…` string.
pub fn parse_key_secret(secret: &str) -> Result<Zeroizing<[u8; 32]>> {
  decode_prefixed::<32>("key secret", secret, prefix::KEY_SECRET, Secrecy::Secret)
}

fn check_output(what: &str, out: &[u8], expected: usize) -> Result<()> {
  if out.len() == expected {
    Ok(())
  } else {
    Err(Error::length(what, expected, out.len()))
  }
}

/// XSalsa20 of `data` into `out` (same length) with a `keySecret_z…` key; encryption and
/// decryption are the same operation.
pub fn encrypt_into(data: &[u8], key_secret: &str, nonce_material: &[u8], out: &mut [u8]) -> Result<()> {
  let key = parse_key_secret(key_secret)?;
  check_output("output buffer", out, data.len())?;
  out.copy_from_slice(data);
  xsalsa20_apply(&key, &blake3::nonce(nonce_material), out);
  Ok(())
}

/// XSalsa20 of `data` with a `keySecret_z…` key.
pub fn encrypt(data: &[u8], key_secret: &str, nonce_material: &[u8]) -> Result<Vec<u8>> {
  let mut out = vec![0u8; data.len()];
  encrypt_into(data, key_secret, nonce_material, &mut out)?;
  Ok(out)
}

/// What a cojson `CryptoProvider.encrypt` returns: `encrypted_U` + padded base64url of the XSalsa20
/// of `value` (the stableStringify'd value), keyed by `key_secret`, with the nonce of
/// `nonce_material` (the stableStringify'd nonce material).
pub fn encrypt_text(value: &str, key_secret: &str, nonce_material: &str) -> Result<String> {
  let key = parse_key_secret(key_secret)?;
  let mut bytes = value.as_bytes().to_vec();
  xsalsa20_apply(&key, &blake3::nonce(nonce_material.as_bytes()), &mut bytes);
  let mut out = String::with_capacity(prefix::ENCRYPTED.len() + bytes.len().div_ceil(3) * 4);
  out.push_str(prefix::ENCRYPTED);
  crate::encoding::push_base64url(&mut out, &bytes);
  Ok(out)
}

/// The inverse of [`encrypt_text`] for canonical input, decoded as `TextDecoder` does (invalid
/// UTF-8 becomes U+FFFD, which is what a wrong key gives). `Ok(None)` if `encrypted` is not
/// `encrypted_U` + canonical padded base64url: then the caller decodes it as cojson does, since
/// base64 decoders differ on malformed input and cojson's decides what such input means.
pub fn decrypt_text(encrypted: &str, key_secret: &str, nonce_material: &str) -> Result<Option<Zeroizing<String>>> {
  let Some(encoded) = encrypted.strip_prefix(prefix::ENCRYPTED) else {
    return Ok(None);
  };
  let Ok(bytes) = crate::encoding::base64url_decode("encrypted value", encoded) else {
    return Ok(None);
  };
  let mut bytes = Zeroizing::new(bytes);
  let key = parse_key_secret(key_secret)?;
  xsalsa20_apply(&key, &blake3::nonce(nonce_material.as_bytes()), &mut bytes);
  Ok(Some(Zeroizing::new(String::from_utf8_lossy(&bytes).into_owned())))
}

/// XSalsa20 of `data` into `out` (same length) with a raw 32-byte key.
pub fn encrypt_xsalsa20_into(key: &[u8], nonce_material: &[u8], data: &[u8], out: &mut [u8]) -> Result<()> {
  let key = fixed::<32>("key", key)?;
  check_output("output buffer", out, data.len())?;
  out.copy_from_slice(data);
  xsalsa20_apply(key, &blake3::nonce(nonce_material), out);
  Ok(())
}

/// XSalsa20 of `data` with a raw 32-byte key.
pub fn encrypt_xsalsa20(key: &[u8], nonce_material: &[u8], data: &[u8]) -> Result<Vec<u8>> {
  let mut out = vec![0u8; data.len()];
  encrypt_xsalsa20_into(key, nonce_material, data, &mut out)?;
  Ok(out)
}

/// Writes `tag ‖ ciphertext` of `message` into `out` (`message.len() + 16` bytes).
fn box_seal(key: &[u8; 32], nonce: &[u8; 24], message: &[u8], out: &mut [u8]) -> Result<()> {
  check_output("output buffer", out, message.len() + TAG_LENGTH)?;
  let (tag_out, body) = out.split_at_mut(TAG_LENGTH);
  body.copy_from_slice(message);
  let cipher = XSalsa20Poly1305::new(key.into());
  let tag = cipher
    .encrypt_in_place_detached(nonce.into(), b"", body)
    .map_err(|_| Error::new(Code::InvalidLength, "message is too long for XSalsa20-Poly1305"))?;
  tag_out.copy_from_slice(&tag);
  Ok(())
}

fn wrong_tag() -> Error {
  Error::new(
    Code::DecryptionFailed,
    // "Wrong tag" first, as 0.20.19 words it: cojson's own tests look for those words.
    "Wrong tag: the sealed message does not authenticate (wrong key, wrong nonce material or tampered data)",
  )
}

/// Opens `tag ‖ ciphertext` into `out` (`sealed.len() - 16` bytes). On failure `out` holds no
/// plaintext: the tag is checked before anything is decrypted.
fn box_open(key: &[u8; 32], nonce: &[u8; 24], sealed: &[u8], out: &mut [u8]) -> Result<()> {
  if sealed.len() < TAG_LENGTH {
    return Err(wrong_tag());
  }
  let (tag, ciphertext) = sealed.split_at(TAG_LENGTH);
  check_output("output buffer", out, ciphertext.len())?;
  out.copy_from_slice(ciphertext);
  let cipher = XSalsa20Poly1305::new(key.into());
  cipher
    .decrypt_in_place_detached(nonce.into(), b"", out, tag.into())
    .map_err(|_| wrong_tag())
}

/// Length of `seal`'s output for a message of `len` bytes.
pub const fn sealed_len(len: usize) -> usize {
  len + TAG_LENGTH
}

/// Length of `unseal`'s output for `len` sealed bytes (`None` if too short to be a box).
pub const fn unsealed_len(len: usize) -> Option<usize> {
  len.checked_sub(TAG_LENGTH)
}

/// Length of `sealForGroup`'s output for a message of `len` bytes.
pub const fn group_sealed_len(len: usize) -> usize {
  len + 32 + TAG_LENGTH
}

/// Length of `unsealForGroup`'s output for `len` sealed bytes (`None` if too short).
pub const fn group_unsealed_len(len: usize) -> Option<usize> {
  len.checked_sub(32 + TAG_LENGTH)
}

/// Seals `message` from `sender_secret` (`sealerSecret_z…`) to `recipient_id` (`sealer_z…`)
/// into `out` ([`sealed_len`] bytes).
pub fn seal_into(
  message: &[u8],
  sender_secret: &str,
  recipient_id: &str,
  nonce_material: &[u8],
  out: &mut [u8],
) -> Result<()> {
  let nonce = blake3::nonce(nonce_material);
  x25519::shared_key("sender secret", sender_secret, "recipient id", recipient_id, |key| {
    box_seal(key, &nonce, message, out)
  })?
}

/// Seals `message` from `sender_secret` (`sealerSecret_z…`) to `recipient_id` (`sealer_z…`).
pub fn seal(message: &[u8], sender_secret: &str, recipient_id: &str, nonce_material: &[u8]) -> Result<Vec<u8>> {
  let mut out = vec![0u8; sealed_len(message.len())];
  seal_into(message, sender_secret, recipient_id, nonce_material, &mut out)?;
  Ok(out)
}

/// Opens what `seal` made, with the recipient's secret and the sender's id, into `out`
/// ([`unsealed_len`] bytes).
pub fn unseal_into(
  sealed: &[u8],
  recipient_secret: &str,
  sender_id: &str,
  nonce_material: &[u8],
  out: &mut [u8],
) -> Result<()> {
  let nonce = blake3::nonce(nonce_material);
  x25519::shared_key("recipient secret", recipient_secret, "sender id", sender_id, |key| {
    box_open(key, &nonce, sealed, out)
  })?
}

/// Opens what `seal` made, with the recipient's secret and the sender's id.
pub fn unseal(sealed: &[u8], recipient_secret: &str, sender_id: &str, nonce_material: &[u8]) -> Result<Vec<u8>> {
  let mut out = vec![0u8; unsealed_len(sealed.len()).ok_or_else(wrong_tag)?];
  unseal_into(sealed, recipient_secret, sender_id, nonce_material, &mut out)?;
  Ok(out)
}

/// Seals `message` to `recipient_id` with a fresh ephemeral key into `out`
/// ([`group_sealed_len`] bytes): `ephemeral public ‖ tag ‖ ciphertext`.
pub fn seal_for_group_into(message: &[u8], recipient_id: &str, nonce_material: &[u8], out: &mut [u8]) -> Result<()> {
  let recipient = x25519::parse_sealer_id("recipient id", recipient_id)?;
  check_output("output buffer", out, group_sealed_len(message.len()))?;
  let ephemeral = x25519::new_private_key()?;
  let key = x25519::exchange(&ephemeral, &recipient)?;
  let (public_out, body) = out.split_at_mut(32);
  public_out.copy_from_slice(&x25519::public_key(&ephemeral[..])?);
  box_seal(&key, &blake3::nonce(nonce_material), message, body)
}

/// Seals `message` to `recipient_id` with a fresh ephemeral key: `ephemeral public ‖ sealed box`.
pub fn seal_for_group(message: &[u8], recipient_id: &str, nonce_material: &[u8]) -> Result<Vec<u8>> {
  let mut out = vec![0u8; group_sealed_len(message.len())];
  seal_for_group_into(message, recipient_id, nonce_material, &mut out)?;
  Ok(out)
}

fn too_short_for_group(len: usize) -> Error {
  Error::new(
    Code::DecryptionFailed,
    format!(
      "sealed message is too short: {len} bytes, need at least {} (ephemeral key and tag)",
      32 + TAG_LENGTH
    ),
  )
}

/// Opens what `seal_for_group` made, with the recipient's `sealerSecret_z…`, into `out`
/// ([`group_unsealed_len`] bytes).
pub fn unseal_for_group_into(
  sealed: &[u8],
  recipient_secret: &str,
  nonce_material: &[u8],
  out: &mut [u8],
) -> Result<()> {
  let secret = x25519::parse_sealer_secret("recipient secret", recipient_secret)?;
  if group_unsealed_len(sealed.len()).is_none() {
    return Err(too_short_for_group(sealed.len()));
  }
  let (ephemeral, body) = sealed.split_at(32);
  let ephemeral = fixed::<32>("ephemeral public key", ephemeral)?;
  let key = x25519::exchange(&secret, ephemeral)?;
  box_open(&key, &blake3::nonce(nonce_material), body, out)
}

/// Opens what `seal_for_group` made, with the recipient's `sealerSecret_z…`.
pub fn unseal_for_group(sealed: &[u8], recipient_secret: &str, nonce_material: &[u8]) -> Result<Vec<u8>> {
  let len = group_unsealed_len(sealed.len()).ok_or_else(|| too_short_for_group(sealed.len()))?;
  let mut out = vec![0u8; len];
  unseal_for_group_into(sealed, recipient_secret, nonce_material, &mut out)?;
  Ok(out)
}

#[cfg(test)]
mod tests {
  use super::*;
  use crate::encoding::prefixed_base58;

  use crate::test_support::unhex;

  // NaCl's crypto_secretbox test vector (the "firstkey"/"nonce" box from the NaCl test suite),
  // first 32 bytes of the message; our layout is tag ‖ ciphertext.
  #[test]
  fn secretbox_nacl_vector() {
    let key: [u8; 32] = unhex("1b27556473e985d462cd51197a9a46c76009549eac6474f206c4ee0844f68389")
      .try_into()
      .unwrap();
    let nonce: [u8; 24] = unhex("69696ee955b62b73cd62bda875fc73d68219e0036b7a0b37")
      .try_into()
      .unwrap();
    let message = unhex("be075fc53c81f2d5cf141316ebeb0c7b5228c52a4c62cbd44b66849b64244ffce5ecbaaf33bd751a1ac728d45e6c61296cdc3c01233561f41db66cce314adb310e3be8250c46f06dceea3a7fa1348057e2f6556ad6b1318a024a838f21af1fde048977eb48f59ffd4924ca1c60902e52f0a089bc76897040e082f937763848645e0705");
    let mut out = vec![0u8; sealed_len(message.len())];
    box_seal(&key, &nonce, &message, &mut out).unwrap();
    assert_eq!(
      out[..48].to_vec(),
      unhex("f3ffc7703f9400e52a7dfb4b3d3305d98e993b9f48681273c29650ba32fc76ce48332ea7164d96a4476fb8c531a1186a")
    );
    let mut opened = vec![0u8; message.len()];
    box_open(&key, &nonce, &out, &mut opened).unwrap();
    assert_eq!(opened, message);
    out[20] ^= 1;
    assert_eq!(
      box_open(&key, &nonce, &out, &mut opened).unwrap_err().code,
      Code::DecryptionFailed
    );
  }

  #[test]
  fn seal_round_trip_both_directions() {
    let a = prefixed_base58(prefix::SEALER_SECRET, &[1u8; 32]);
    let b = prefixed_base58(prefix::SEALER_SECRET, &[2u8; 32]);
    let a_id = x25519::sealer_id(&a).unwrap();
    let b_id = x25519::sealer_id(&b).unwrap();
    let sealed = seal(b"hi", &a, &b_id, b"nonce").unwrap();
    assert_eq!(sealed.len(), 18);
    assert_eq!(unseal(&sealed, &b, &a_id, b"nonce").unwrap(), b"hi");
    assert_eq!(unseal(&sealed, &a, &b_id, b"nonce").unwrap(), b"hi");
    assert_eq!(
      unseal(&sealed, &b, &a_id, b"other").unwrap_err().code,
      Code::DecryptionFailed
    );
    assert_eq!(
      unseal(&[], &b, &a_id, b"nonce").unwrap_err().code,
      Code::DecryptionFailed
    );
    let group = seal_for_group(b"hello", &b_id, b"n").unwrap();
    assert_eq!(group.len(), 48 + 5);
    assert_eq!(unseal_for_group(&group, &b, b"n").unwrap(), b"hello");
    assert_eq!(
      unseal_for_group(&group[..40], &b, b"n").unwrap_err().code,
      Code::DecryptionFailed
    );
  }

  #[test]
  fn encrypt_is_an_involution_and_validates_the_key() {
    let key = prefixed_base58(prefix::KEY_SECRET, &[3u8; 32]);
    let ct = encrypt(b"hello", &key, b"m").unwrap();
    assert_eq!(ct.len(), 5);
    assert_eq!(encrypt(&ct, &key, b"m").unwrap(), b"hello");
    assert_eq!(encrypt_xsalsa20(&[3u8; 32], b"m", b"hello").unwrap(), ct);
    let err = encrypt(b"", "keySecret_z", b"").unwrap_err();
    assert_eq!(
      (err.code, err.message.as_str()),
      (
        Code::InvalidLength,
        "key secret must be 32 bytes, but its base58 decodes to 0 bytes"
      )
    );
    assert_eq!(encrypt(b"", "key_zabc", b"").unwrap_err().code, Code::InvalidPrefix);
  }

  #[test]
  fn low_order_recipient_is_rejected() {
    let a = prefixed_base58(prefix::SEALER_SECRET, &[1u8; 32]);
    let zero = prefixed_base58(prefix::SEALER_ID, &[0u8; 32]);
    assert_eq!(seal(b"x", &a, &zero, b"n").unwrap_err().code, Code::WeakSharedSecret);
    assert_eq!(
      seal_for_group(b"x", &zero, b"n").unwrap_err().code,
      Code::WeakSharedSecret
    );
  }
}
