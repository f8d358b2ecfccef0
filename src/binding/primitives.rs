//! The primitive exports of cojson-core-napi 0.20.19 (all but `SessionMap`), one adapter each.
//!
//! Byte-returning exports take an optional last argument `out`: a `Uint8Array` of exactly the
//! result's length that the result is copied into (and returned), instead of a fresh array. The
//! package entry uses it to return small results through a reused buffer (see `napi-crypto.js`).

use super::convert::{self, bytes, secret_text, text, utf8_bytes, write, write_value, IntoJs, Result};
use super::raw::{Arg, JsValue, Secrecy};
use crate::encoding::{prefix, utf8};
use crate::{blake3, ed25519, secretbox, x25519};
use napi::Env;
use napi_derive::napi;

// ---------------------------------------------------------------------------------------------
// BLAKE3

/// BLAKE3-256 of `data` (32 bytes).
#[napi(
  catch_unwind,
  ts_args_type = "data: Uint8Array, out?: Uint8Array | undefined | null",
  ts_return_type = "Uint8Array"
)]
pub fn blake3_hash_once<'c>(env: Env, data: Arg<'c>, out: Arg<'c>) -> Result<JsValue> {
  let out = convert::out(&env, out)?;
  write_value(out, Ok(blake3::hash(&bytes(data, "data")?)))
}

/// BLAKE3-256 of `context ‖ data` (plain concatenation, not BLAKE3's keyed or derive-key mode).
#[napi(
  catch_unwind,
  ts_args_type = "data: Uint8Array, context: Uint8Array, out?: Uint8Array | undefined | null",
  ts_return_type = "Uint8Array"
)]
pub fn blake3_hash_once_with_context<'c>(env: Env, data: Arg<'c>, context: Arg<'c>, out: Arg<'c>) -> Result<JsValue> {
  let out = convert::out(&env, out)?;
  let (data, context) = (bytes(data, "data")?, bytes(context, "context")?);
  write_value(out, Ok(blake3::hash_with_context(&data, &context)))
}

/// The 24-byte nonce for some nonce material: the first 24 bytes of its BLAKE3 digest.
#[napi(
  catch_unwind,
  ts_args_type = "nonceMaterial: Uint8Array, out?: Uint8Array | undefined | null",
  ts_return_type = "Uint8Array"
)]
pub fn generate_nonce<'c>(env: Env, nonce_material: Arg<'c>, out: Arg<'c>) -> Result<JsValue> {
  let out = convert::out(&env, out)?;
  write_value(out, Ok(blake3::nonce(&bytes(nonce_material, "nonceMaterial")?)))
}

/// `shortHash_z` + base58 of the first 19 bytes of BLAKE3(UTF-8 of `value`).
#[napi(catch_unwind, ts_args_type = "value: string")]
pub fn short_hash(value: Arg<'_>) -> Result<String> {
  Ok(blake3::short_hash(&text(value, "value")?))
}

/// An incremental BLAKE3 hasher; `finalize()` does not consume or reset it.
#[napi]
pub struct Blake3Hasher {
  inner: blake3::Hasher,
}

#[napi]
impl Blake3Hasher {
  #[napi(catch_unwind, constructor)]
  #[allow(clippy::new_without_default)] // a JS constructor
  pub fn new() -> Self {
    Blake3Hasher {
      inner: blake3::Hasher::new(),
    }
  }

  /// Adds `data` to the hash.
  #[napi(catch_unwind, ts_args_type = "data: Uint8Array")]
  pub fn update(&mut self, data: Arg<'_>) -> Result<()> {
    self.inner.update(&bytes(data, "data")?);
    Ok(())
  }

  /// The 32-byte digest of everything so far; the hasher keeps its state.
  #[napi(
    catch_unwind,
    ts_args_type = "out?: Uint8Array | undefined | null",
    ts_return_type = "Uint8Array"
  )]
  pub fn finalize<'c>(&self, env: Env, out: Arg<'c>) -> Result<JsValue> {
    write_value(convert::out(&env, out)?, Ok(self.inner.finalize()))
  }

  /// An independent copy of this hasher.
  #[napi(catch_unwind, js_name = "clone")]
  pub fn clone_hasher(&self) -> Blake3Hasher {
    Blake3Hasher {
      inner: self.inner.clone(),
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Ed25519, raw bytes

/// 32 random bytes from the OS: a new Ed25519 signing key (RFC 8032 seed).
#[napi(
  catch_unwind,
  ts_args_type = "out?: Uint8Array | undefined | null",
  ts_return_type = "Uint8Array"
)]
pub fn new_ed25519_signing_key<'c>(env: Env, out: Arg<'c>) -> Result<JsValue> {
  let out = convert::out(&env, out)?;
  write_value(out, ed25519::new_signing_key())
}

/// The 32-byte public key of a 32-byte signing key.
#[napi(
  catch_unwind,
  ts_args_type = "signingKey: Uint8Array, out?: Uint8Array | undefined | null",
  ts_return_type = "Uint8Array"
)]
pub fn ed25519_verifying_key<'c>(env: Env, signing_key: Arg<'c>, out: Arg<'c>) -> Result<JsValue> {
  let out = convert::out(&env, out)?;
  write_value(out, ed25519::verifying_key(&bytes(signing_key, "signingKey")?))
}

/// The 32-byte public key of a 32-byte signing key (same as `ed25519VerifyingKey`).
#[napi(
  catch_unwind,
  ts_args_type = "signingKey: Uint8Array, out?: Uint8Array | undefined | null",
  ts_return_type = "Uint8Array"
)]
pub fn ed25519_signing_key_to_public<'c>(env: Env, signing_key: Arg<'c>, out: Arg<'c>) -> Result<JsValue> {
  ed25519_verifying_key(env, signing_key, out)
}

/// A deterministic 64-byte Ed25519 signature.
#[napi(
  catch_unwind,
  ts_args_type = "signingKey: Uint8Array, message: Uint8Array, out?: Uint8Array | undefined | null",
  ts_return_type = "Uint8Array"
)]
pub fn ed25519_sign<'c>(env: Env, signing_key: Arg<'c>, message: Arg<'c>, out: Arg<'c>) -> Result<JsValue> {
  let out = convert::out(&env, out)?;
  let (signing_key, message) = (bytes(signing_key, "signingKey")?, bytes(message, "message")?);
  write_value(out, ed25519::sign(&signing_key, &message))
}

/// A deterministic 64-byte Ed25519 signature (same as `ed25519Sign`).
#[napi(
  catch_unwind,
  ts_args_type = "signingKey: Uint8Array, message: Uint8Array, out?: Uint8Array | undefined | null",
  ts_return_type = "Uint8Array"
)]
pub fn ed25519_signing_key_sign<'c>(env: Env, signing_key: Arg<'c>, message: Arg<'c>, out: Arg<'c>) -> Result<JsValue> {
  ed25519_sign(env, signing_key, message, out)
}

/// Strict Ed25519 verification: `false` for a signature that does not verify (including any
/// signature under a small-order key, or with a non-canonical `S`); throws for malformed input.
#[napi(
  catch_unwind,
  ts_args_type = "verifyingKey: Uint8Array, message: Uint8Array, signature: Uint8Array"
)]
pub fn ed25519_verify(verifying_key: Arg<'_>, message: Arg<'_>, signature: Arg<'_>) -> Result<bool> {
  ed25519::verify(
    &bytes(verifying_key, "verifyingKey")?,
    &bytes(message, "message")?,
    &bytes(signature, "signature")?,
  )
  .js()
}

/// Checks that `bytes` is a 32-byte signing key and returns a copy.
#[napi(
  catch_unwind,
  ts_args_type = "bytes: Uint8Array, out?: Uint8Array | undefined | null",
  ts_return_type = "Uint8Array"
)]
pub fn ed25519_signing_key_from_bytes<'c>(env: Env, key: Arg<'c>, out: Arg<'c>) -> Result<JsValue> {
  let out = convert::out(&env, out)?;
  write_value(out, ed25519::signing_key_from_bytes(&bytes(key, "bytes")?))
}

/// Checks that `bytes` is a 32-byte verifying key and returns a copy (the point is not checked).
#[napi(
  catch_unwind,
  ts_args_type = "bytes: Uint8Array, out?: Uint8Array | undefined | null",
  ts_return_type = "Uint8Array"
)]
pub fn ed25519_verifying_key_from_bytes<'c>(env: Env, key: Arg<'c>, out: Arg<'c>) -> Result<JsValue> {
  let out = convert::out(&env, out)?;
  write_value(out, ed25519::verifying_key_from_bytes(&bytes(key, "bytes")?))
}

/// Checks that `bytes` is a 64-byte signature and returns a copy.
#[napi(
  catch_unwind,
  ts_args_type = "bytes: Uint8Array, out?: Uint8Array | undefined | null",
  ts_return_type = "Uint8Array"
)]
pub fn ed25519_signature_from_bytes<'c>(env: Env, signature: Arg<'c>, out: Arg<'c>) -> Result<JsValue> {
  let out = convert::out(&env, out)?;
  write_value(out, ed25519::signature_from_bytes(&bytes(signature, "bytes")?))
}

// ---------------------------------------------------------------------------------------------
// Ed25519, Jazz strings

/// `signature_z…` of `message` under `secret` (UTF-8 bytes of `signerSecret_z…`).
#[napi(catch_unwind, ts_args_type = "message: Uint8Array, secret: Uint8Array")]
pub fn sign(message: Arg<'_>, secret: Arg<'_>) -> Result<String> {
  let message = bytes(message, "message")?;
  ed25519::sign_with_secret(&message, &utf8_bytes(secret, "secret", prefix::SIGNER_SECRET)?).js()
}

/// Strictly verifies `signature` (UTF-8 of `signature_z…`) of `message` against `id` (UTF-8 of
/// `signer_z…`): `false` if it does not verify, throws if either string is malformed.
#[napi(
  catch_unwind,
  ts_args_type = "signature: Uint8Array, message: Uint8Array, id: Uint8Array"
)]
pub fn verify(signature: Arg<'_>, message: Arg<'_>, id: Arg<'_>) -> Result<bool> {
  ed25519::verify_with_id(
    &utf8_bytes(signature, "signature", prefix::SIGNATURE)?,
    &bytes(message, "message")?,
    &utf8_bytes(id, "id", prefix::SIGNER_ID)?,
  )
  .js()
}

/// `signer_z…` of `secret` (UTF-8 bytes of `signerSecret_z…`).
#[napi(catch_unwind, ts_args_type = "secret: Uint8Array")]
pub fn get_signer_id(secret: Arg<'_>) -> Result<String> {
  ed25519::signer_id(&utf8_bytes(secret, "secret", prefix::SIGNER_SECRET)?).js()
}

// ---------------------------------------------------------------------------------------------
// X25519

/// 32 random bytes from the OS: a new X25519 private key (clamped at use).
#[napi(
  catch_unwind,
  ts_args_type = "out?: Uint8Array | undefined | null",
  ts_return_type = "Uint8Array"
)]
pub fn new_x25519_private_key<'c>(env: Env, out: Arg<'c>) -> Result<JsValue> {
  let out = convert::out(&env, out)?;
  write_value(out, x25519::new_private_key())
}

/// The RFC 7748 public key of a 32-byte private key.
#[napi(
  catch_unwind,
  ts_args_type = "privateKey: Uint8Array, out?: Uint8Array | undefined | null",
  ts_return_type = "Uint8Array"
)]
pub fn x25519_public_key<'c>(env: Env, private_key: Arg<'c>, out: Arg<'c>) -> Result<JsValue> {
  let out = convert::out(&env, out)?;
  write_value(out, x25519::public_key(&bytes(private_key, "privateKey")?))
}

/// The raw 32-byte X25519 shared secret; throws `ERR_WEAK_SHARED_SECRET` for a low-order public key.
#[napi(
  catch_unwind,
  ts_args_type = "privateKey: Uint8Array, publicKey: Uint8Array, out?: Uint8Array | undefined | null",
  ts_return_type = "Uint8Array"
)]
pub fn x25519_diffie_hellman<'c>(env: Env, private_key: Arg<'c>, public_key: Arg<'c>, out: Arg<'c>) -> Result<JsValue> {
  let out = convert::out(&env, out)?;
  let (private_key, public_key) = (bytes(private_key, "privateKey")?, bytes(public_key, "publicKey")?);
  write_value(out, x25519::diffie_hellman(&private_key, &public_key))
}

/// `sealer_z…` of `secret` (UTF-8 bytes of `sealerSecret_z…`).
#[napi(catch_unwind, ts_args_type = "secret: Uint8Array")]
pub fn get_sealer_id(secret: Arg<'_>) -> Result<String> {
  x25519::sealer_id(utf8("sealer secret", &utf8_bytes(secret, "secret", prefix::SEALER_SECRET)?).js()?).js()
}

// ---------------------------------------------------------------------------------------------
// XSalsa20 and sealing

/// What a box too short to open reports if the core has nothing more specific to say.
fn too_short() -> crate::Error {
  crate::Error::new(crate::Code::DecryptionFailed, "sealed message is too short to be a box")
}

/// Unauthenticated XSalsa20 with a `keySecret_z…` key and a nonce from `nonceMaterial`.
#[napi(
  catch_unwind,
  ts_args_type = "value: Uint8Array, keySecret: string, nonceMaterial: Uint8Array, out?: Uint8Array | undefined | null",
  ts_return_type = "Uint8Array"
)]
pub fn encrypt<'c>(
  env: Env,
  value: Arg<'c>,
  key_secret: Arg<'c>,
  nonce_material: Arg<'c>,
  out: Arg<'c>,
) -> Result<JsValue> {
  keystream_xor(env, value, "value", key_secret, nonce_material, out, Secrecy::Public)
}

/// The inverse of `encrypt` (the same keystream XOR). Wrong keys are not detected.
#[napi(
  catch_unwind,
  ts_args_type = "ciphertext: Uint8Array, keySecret: string, nonceMaterial: Uint8Array, out?: Uint8Array | undefined | null",
  ts_return_type = "Uint8Array"
)]
pub fn decrypt<'c>(
  env: Env,
  ciphertext: Arg<'c>,
  key_secret: Arg<'c>,
  nonce_material: Arg<'c>,
  out: Arg<'c>,
) -> Result<JsValue> {
  keystream_xor(
    env,
    ciphertext,
    "ciphertext",
    key_secret,
    nonce_material,
    out,
    Secrecy::Secret,
  )
}

fn keystream_xor<'c>(
  env: Env,
  data: Arg<'c>,
  data_name: &str,
  key_secret: Arg<'c>,
  nonce_material: Arg<'c>,
  out: Arg<'c>,
  secrecy: Secrecy,
) -> Result<JsValue> {
  let out = convert::out(&env, out)?;
  let data = bytes(data, data_name)?;
  let key_secret = secret_text(key_secret, "keySecret")?;
  let nonce_material = bytes(nonce_material, "nonceMaterial")?;
  write(out, data.len(), secrecy, |buf| {
    secretbox::encrypt_into(&data, &key_secret, &nonce_material, buf)
  })
}

/// Unauthenticated XSalsa20 with a raw 32-byte key (note the argument order: key first).
#[napi(
  catch_unwind,
  ts_args_type = "key: Uint8Array, nonceMaterial: Uint8Array, plaintext: Uint8Array, out?: Uint8Array | undefined | null",
  ts_return_type = "Uint8Array"
)]
pub fn encrypt_xsalsa20<'c>(
  env: Env,
  key: Arg<'c>,
  nonce_material: Arg<'c>,
  plaintext: Arg<'c>,
  out: Arg<'c>,
) -> Result<JsValue> {
  raw_keystream_xor(env, key, nonce_material, plaintext, "plaintext", out, Secrecy::Public)
}

/// The inverse of `encryptXsalsa20`.
#[napi(
  catch_unwind,
  ts_args_type = "key: Uint8Array, nonceMaterial: Uint8Array, ciphertext: Uint8Array, out?: Uint8Array | undefined | null",
  ts_return_type = "Uint8Array"
)]
pub fn decrypt_xsalsa20<'c>(
  env: Env,
  key: Arg<'c>,
  nonce_material: Arg<'c>,
  ciphertext: Arg<'c>,
  out: Arg<'c>,
) -> Result<JsValue> {
  raw_keystream_xor(env, key, nonce_material, ciphertext, "ciphertext", out, Secrecy::Secret)
}

fn raw_keystream_xor<'c>(
  env: Env,
  key: Arg<'c>,
  nonce_material: Arg<'c>,
  data: Arg<'c>,
  data_name: &str,
  out: Arg<'c>,
  secrecy: Secrecy,
) -> Result<JsValue> {
  let out = convert::out(&env, out)?;
  let key = bytes(key, "key")?;
  let nonce_material = bytes(nonce_material, "nonceMaterial")?;
  let data = bytes(data, data_name)?;
  write(out, data.len(), secrecy, |buf| {
    secretbox::encrypt_xsalsa20_into(&key, &nonce_material, &data, buf)
  })
}

/// XSalsa20-Poly1305 box from `senderSecret` (`sealerSecret_z…`) to `recipientId` (`sealer_z…`):
/// `tag (16) ‖ ciphertext`.
#[napi(
  catch_unwind,
  ts_args_type = "message: Uint8Array, senderSecret: string, recipientId: string, nonceMaterial: Uint8Array, out?: Uint8Array | undefined | null",
  ts_return_type = "Uint8Array"
)]
pub fn seal<'c>(
  env: Env,
  message: Arg<'c>,
  sender_secret: Arg<'c>,
  recipient_id: Arg<'c>,
  nonce_material: Arg<'c>,
  out: Arg<'c>,
) -> Result<JsValue> {
  let out = convert::out(&env, out)?;
  let message = bytes(message, "message")?;
  let sender = secret_text(sender_secret, "senderSecret")?;
  let recipient = text(recipient_id, "recipientId")?;
  let nonce_material = bytes(nonce_material, "nonceMaterial")?;
  write(out, secretbox::sealed_len(message.len()), Secrecy::Public, |buf| {
    secretbox::seal_into(&message, &sender, &recipient, &nonce_material, buf)
  })
}

/// Opens a `seal` box; throws `ERR_DECRYPTION_FAILED` if it does not authenticate.
#[napi(
  catch_unwind,
  ts_args_type = "sealedMessage: Uint8Array, recipientSecret: string, senderId: string, nonceMaterial: Uint8Array, out?: Uint8Array | undefined | null",
  ts_return_type = "Uint8Array"
)]
pub fn unseal<'c>(
  env: Env,
  sealed_message: Arg<'c>,
  recipient_secret: Arg<'c>,
  sender_id: Arg<'c>,
  nonce_material: Arg<'c>,
  out: Arg<'c>,
) -> Result<JsValue> {
  let out = convert::out(&env, out)?;
  let sealed = bytes(sealed_message, "sealedMessage")?;
  let recipient = secret_text(recipient_secret, "recipientSecret")?;
  let sender = text(sender_id, "senderId")?;
  let nonce_material = bytes(nonce_material, "nonceMaterial")?;
  let open = |buf: &mut [u8]| secretbox::unseal_into(&sealed, &recipient, &sender, &nonce_material, buf);
  match secretbox::unsealed_len(sealed.len()) {
    Some(len) => write(out, len, Secrecy::Secret, open),
    // Too short to hold a tag: the core reports why (after any problem with the keys).
    None => Err(convert::js_error(open(&mut []).err().unwrap_or_else(too_short))),
  }
}

/// Anonymous box to `recipientId` with a fresh ephemeral key:
/// `ephemeral public (32) ‖ tag (16) ‖ ciphertext`.
#[napi(
  catch_unwind,
  ts_args_type = "message: Uint8Array, recipientId: string, nonceMaterial: Uint8Array, out?: Uint8Array | undefined | null",
  ts_return_type = "Uint8Array"
)]
pub fn seal_for_group<'c>(
  env: Env,
  message: Arg<'c>,
  recipient_id: Arg<'c>,
  nonce_material: Arg<'c>,
  out: Arg<'c>,
) -> Result<JsValue> {
  let out = convert::out(&env, out)?;
  let message = bytes(message, "message")?;
  let recipient = text(recipient_id, "recipientId")?;
  let nonce_material = bytes(nonce_material, "nonceMaterial")?;
  write(
    out,
    secretbox::group_sealed_len(message.len()),
    Secrecy::Public,
    |buf| secretbox::seal_for_group_into(&message, &recipient, &nonce_material, buf),
  )
}

/// Opens a `sealForGroup` box; throws `ERR_DECRYPTION_FAILED` if it does not authenticate.
#[napi(
  catch_unwind,
  ts_args_type = "sealedMessage: Uint8Array, recipientSecret: string, nonceMaterial: Uint8Array, out?: Uint8Array | undefined | null",
  ts_return_type = "Uint8Array"
)]
pub fn unseal_for_group<'c>(
  env: Env,
  sealed_message: Arg<'c>,
  recipient_secret: Arg<'c>,
  nonce_material: Arg<'c>,
  out: Arg<'c>,
) -> Result<JsValue> {
  let out = convert::out(&env, out)?;
  let sealed = bytes(sealed_message, "sealedMessage")?;
  let recipient = secret_text(recipient_secret, "recipientSecret")?;
  let nonce_material = bytes(nonce_material, "nonceMaterial")?;
  let open = |buf: &mut [u8]| secretbox::unseal_for_group_into(&sealed, &recipient, &nonce_material, buf);
  match secretbox::group_unsealed_len(sealed.len()) {
    Some(len) => write(out, len, Secrecy::Secret, open),
    None => Err(convert::js_error(open(&mut []).err().unwrap_or_else(too_short))),
  }
}
