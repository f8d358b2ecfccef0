//! Adapters for every primitive export of cojson-core-napi 0.20.19 (all but `SessionMap`).
//!
//! Each byte-returning operation is written once (`*_to`) and exposed twice: as the public export,
//! which returns a fresh `Uint8Array`, and as a hidden `__<name>Into` that writes into the JS
//! layer's scratch buffer (see `napi-crypto.js`). Hidden exports are left out of `index.d.ts`.

use super::args::{IntoJs, JsArg, JsBytes, JsRaw, Out, Result};
use crate::encoding::utf8;
use crate::{blake3, ed25519, secretbox, x25519};
use napi::Env;
use napi_derive::napi;
use zeroize::Zeroizing;

/// Secret bytes on their way to JS: the Rust copy is wiped once it has been copied out.
pub struct SecretBytes<const N: usize>(Zeroizing<[u8; N]>);

impl<const N: usize> AsRef<[u8]> for SecretBytes<N> {
  fn as_ref(&self) -> &[u8] {
    &self.0[..]
  }
}

fn copy<const N: usize>(value: [u8; N]) -> impl FnOnce(&mut [u8]) -> crate::Result<()> {
  move |out| {
    out.copy_from_slice(&value);
    Ok(())
  }
}

/// Declares the public export and its hidden scratch twin for one byte-returning operation.
macro_rules! byte_export {
  ($(#[$doc:meta])* $name:ident, $into:ident, $into_js:literal, $ts_args:literal, $imp:ident($($arg:ident),*)) => {
    $(#[$doc])*
    #[napi(catch_unwind, ts_args_type = $ts_args, ts_return_type = "Uint8Array")]
    pub fn $name(env: Env, $($arg: JsArg),*) -> Result<JsRaw> {
      $imp(Out::New(&env), $($arg),*)
    }

    #[doc(hidden)]
    #[napi(catch_unwind, skip_typescript, js_name = $into_js)]
    pub fn $into($($arg: JsArg,)* scratch: JsArg) -> Result<JsRaw> {
      $imp(Out::Scratch(scratch), $($arg),*)
    }
  };
}

// ---------------------------------------------------------------------------------------------
// BLAKE3

fn blake3_hash_once_to(out: Out, data: JsArg) -> Result<JsRaw> {
  out.write(32, copy(blake3::hash(data.bytes("data")?)))
}

byte_export!(
  /// BLAKE3-256 of `data` (32 bytes).
  blake3_hash_once, blake3_hash_once_into, "__blake3HashOnceInto", "data: Uint8Array", blake3_hash_once_to(data)
);

fn blake3_hash_once_with_context_to(out: Out, data: JsArg, context: JsArg) -> Result<JsRaw> {
  out.write(
    32,
    copy(blake3::hash_with_context(
      data.bytes("data")?,
      context.bytes("context")?,
    )),
  )
}

byte_export!(
  /// BLAKE3-256 of `context ‖ data` (plain concatenation, not BLAKE3's keyed or derive-key mode).
  blake3_hash_once_with_context,
  blake3_hash_once_with_context_into,
  "__blake3HashOnceWithContextInto",
  "data: Uint8Array, context: Uint8Array",
  blake3_hash_once_with_context_to(data, context)
);

fn generate_nonce_to(out: Out, nonce_material: JsArg) -> Result<JsRaw> {
  out.write(24, copy(blake3::nonce(nonce_material.bytes("nonceMaterial")?)))
}

byte_export!(
  /// The 24-byte nonce for some nonce material: the first 24 bytes of its BLAKE3 digest.
  generate_nonce, generate_nonce_into, "__generateNonceInto", "nonceMaterial: Uint8Array", generate_nonce_to(nonce_material)
);

/// `shortHash_z` + base58 of the first 19 bytes of BLAKE3(UTF-8 of `value`).
#[napi(catch_unwind, ts_args_type = "value: string")]
pub fn short_hash(value: JsArg) -> Result<String> {
  value.with_str("value", blake3::short_hash)
}

/// An incremental BLAKE3 hasher; `finalize()` does not consume or reset it.
#[napi]
pub struct Blake3Hasher {
  inner: blake3::Hasher,
}

impl Default for Blake3Hasher {
  fn default() -> Self {
    Self::new()
  }
}

#[napi]
impl Blake3Hasher {
  #[napi(catch_unwind, constructor)]
  pub fn new() -> Self {
    Blake3Hasher {
      inner: blake3::Hasher::new(),
    }
  }

  /// Adds `data` to the hash.
  #[napi(catch_unwind, ts_args_type = "data: Uint8Array")]
  pub fn update(&mut self, data: JsArg) -> Result<()> {
    self.inner.update(data.bytes("data")?);
    Ok(())
  }

  /// The 32-byte digest of everything so far; the hasher keeps its state.
  #[napi(catch_unwind, ts_return_type = "Uint8Array")]
  pub fn finalize(&self) -> JsBytes<[u8; 32]> {
    JsBytes(self.inner.finalize())
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
#[napi(catch_unwind, ts_return_type = "Uint8Array")]
pub fn new_ed25519_signing_key() -> Result<JsBytes<SecretBytes<32>>> {
  Ok(JsBytes(SecretBytes(ed25519::new_signing_key().js()?)))
}

fn ed25519_verifying_key_to(out: Out, signing_key: JsArg) -> Result<JsRaw> {
  out.write(32, copy(ed25519::verifying_key(signing_key.bytes("signingKey")?).js()?))
}

byte_export!(
  /// The 32-byte public key of a 32-byte signing key.
  ed25519_verifying_key,
  ed25519_verifying_key_into,
  "__ed25519VerifyingKeyInto",
  "signingKey: Uint8Array",
  ed25519_verifying_key_to(signing_key)
);

/// The 32-byte public key of a 32-byte signing key (same as `ed25519VerifyingKey`).
#[napi(catch_unwind, ts_args_type = "signingKey: Uint8Array", ts_return_type = "Uint8Array")]
pub fn ed25519_signing_key_to_public(env: Env, signing_key: JsArg) -> Result<JsRaw> {
  ed25519_verifying_key_to(Out::New(&env), signing_key)
}

fn ed25519_sign_to(out: Out, signing_key: JsArg, message: JsArg) -> Result<JsRaw> {
  out.write(
    64,
    copy(ed25519::sign(signing_key.bytes("signingKey")?, message.bytes("message")?).js()?),
  )
}

byte_export!(
  /// A deterministic 64-byte Ed25519 signature.
  ed25519_sign,
  ed25519_sign_into,
  "__ed25519SignInto",
  "signingKey: Uint8Array, message: Uint8Array",
  ed25519_sign_to(signing_key, message)
);

/// A deterministic 64-byte Ed25519 signature (same as `ed25519Sign`).
#[napi(
  catch_unwind,
  ts_args_type = "signingKey: Uint8Array, message: Uint8Array",
  ts_return_type = "Uint8Array"
)]
pub fn ed25519_signing_key_sign(env: Env, signing_key: JsArg, message: JsArg) -> Result<JsRaw> {
  ed25519_sign_to(Out::New(&env), signing_key, message)
}

/// Strict Ed25519 verification: `false` for a signature that does not verify (including any
/// signature under a small-order key, or with a non-canonical `S`); throws for malformed input.
#[napi(
  catch_unwind,
  ts_args_type = "verifyingKey: Uint8Array, message: Uint8Array, signature: Uint8Array"
)]
pub fn ed25519_verify(verifying_key: JsArg, message: JsArg, signature: JsArg) -> Result<bool> {
  ed25519::verify(
    verifying_key.bytes("verifyingKey")?,
    message.bytes("message")?,
    signature.bytes("signature")?,
  )
  .js()
}

/// Checks that `bytes` is a 32-byte signing key and returns a copy.
#[napi(catch_unwind, ts_args_type = "bytes: Uint8Array", ts_return_type = "Uint8Array")]
pub fn ed25519_signing_key_from_bytes(bytes: JsArg) -> Result<JsBytes<SecretBytes<32>>> {
  Ok(JsBytes(SecretBytes(Zeroizing::new(
    ed25519::signing_key_from_bytes(bytes.bytes("bytes")?).js()?,
  ))))
}

/// Checks that `bytes` is a 32-byte verifying key and returns a copy (the point is not checked).
#[napi(catch_unwind, ts_args_type = "bytes: Uint8Array", ts_return_type = "Uint8Array")]
pub fn ed25519_verifying_key_from_bytes(bytes: JsArg) -> Result<JsBytes<[u8; 32]>> {
  Ok(JsBytes(ed25519::verifying_key_from_bytes(bytes.bytes("bytes")?).js()?))
}

/// Checks that `bytes` is a 64-byte signature and returns a copy.
#[napi(catch_unwind, ts_args_type = "bytes: Uint8Array", ts_return_type = "Uint8Array")]
pub fn ed25519_signature_from_bytes(bytes: JsArg) -> Result<JsBytes<[u8; 64]>> {
  Ok(JsBytes(ed25519::signature_from_bytes(bytes.bytes("bytes")?).js()?))
}

// ---------------------------------------------------------------------------------------------
// Ed25519, Jazz strings

/// `signature_z…` of `message` under `secret` (UTF-8 bytes of `signerSecret_z…`).
#[napi(catch_unwind, ts_args_type = "message: Uint8Array, secret: Uint8Array")]
pub fn sign(message: JsArg, secret: JsArg) -> Result<String> {
  ed25519::sign_with_secret(message.bytes("message")?, secret.bytes("secret")?).js()
}

/// Strictly verifies `signature` (UTF-8 of `signature_z…`) of `message` against `id` (UTF-8 of
/// `signer_z…`): `false` if it does not verify, throws if either string is malformed.
#[napi(
  catch_unwind,
  ts_args_type = "signature: Uint8Array, message: Uint8Array, id: Uint8Array"
)]
pub fn verify(signature: JsArg, message: JsArg, id: JsArg) -> Result<bool> {
  ed25519::verify_with_id(
    signature.bytes("signature")?,
    message.bytes("message")?,
    id.bytes("id")?,
  )
  .js()
}

/// `signer_z…` of `secret` (UTF-8 bytes of `signerSecret_z…`).
#[napi(catch_unwind, ts_args_type = "secret: Uint8Array")]
pub fn get_signer_id(secret: JsArg) -> Result<String> {
  ed25519::signer_id(secret.bytes("secret")?).js()
}

// ---------------------------------------------------------------------------------------------
// X25519

/// 32 random bytes from the OS: a new X25519 private key (clamped at use).
#[napi(catch_unwind, ts_return_type = "Uint8Array")]
pub fn new_x25519_private_key() -> Result<JsBytes<SecretBytes<32>>> {
  Ok(JsBytes(SecretBytes(x25519::new_private_key().js()?)))
}

fn x25519_public_key_to(out: Out, private_key: JsArg) -> Result<JsRaw> {
  out.write(32, copy(x25519::public_key(private_key.bytes("privateKey")?).js()?))
}

byte_export!(
  /// The RFC 7748 public key of a 32-byte private key.
  x25519_public_key, x25519_public_key_into, "__x25519PublicKeyInto", "privateKey: Uint8Array", x25519_public_key_to(private_key)
);

/// The raw 32-byte X25519 shared secret; throws `ERR_WEAK_SHARED_SECRET` for a low-order public key.
#[napi(
  catch_unwind,
  ts_args_type = "privateKey: Uint8Array, publicKey: Uint8Array",
  ts_return_type = "Uint8Array"
)]
pub fn x25519_diffie_hellman(private_key: JsArg, public_key: JsArg) -> Result<JsBytes<SecretBytes<32>>> {
  let shared = x25519::diffie_hellman(private_key.bytes("privateKey")?, public_key.bytes("publicKey")?).js()?;
  Ok(JsBytes(SecretBytes(shared)))
}

/// `sealer_z…` of `secret` (UTF-8 bytes of `sealerSecret_z…`).
#[napi(catch_unwind, ts_args_type = "secret: Uint8Array")]
pub fn get_sealer_id(secret: JsArg) -> Result<String> {
  x25519::sealer_id(utf8("sealer secret", secret.bytes("secret")?).js()?).js()
}

// ---------------------------------------------------------------------------------------------
// XSalsa20 and sealing

fn xsalsa20_to(out: Out, data: JsArg, data_name: &str, key_secret: JsArg, nonce_material: JsArg) -> Result<JsRaw> {
  let data = data.bytes(data_name)?;
  let nonce_material = nonce_material.bytes("nonceMaterial")?;
  key_secret.with_str("keySecret", |key| {
    out.write(data.len(), |buf| {
      secretbox::encrypt_into(data, key, nonce_material, buf)
    })
  })?
}

fn encrypt_to(out: Out, value: JsArg, key_secret: JsArg, nonce_material: JsArg) -> Result<JsRaw> {
  xsalsa20_to(out, value, "value", key_secret, nonce_material)
}

byte_export!(
  /// Unauthenticated XSalsa20 with a `keySecret_z…` key and a nonce from `nonceMaterial`.
  encrypt,
  encrypt_into,
  "__encryptInto",
  "value: Uint8Array, keySecret: string, nonceMaterial: Uint8Array",
  encrypt_to(value, key_secret, nonce_material)
);

fn decrypt_to(out: Out, ciphertext: JsArg, key_secret: JsArg, nonce_material: JsArg) -> Result<JsRaw> {
  xsalsa20_to(out, ciphertext, "ciphertext", key_secret, nonce_material)
}

byte_export!(
  /// The inverse of `encrypt` (the same keystream XOR). Wrong keys are not detected.
  decrypt,
  decrypt_into,
  "__decryptInto",
  "ciphertext: Uint8Array, keySecret: string, nonceMaterial: Uint8Array",
  decrypt_to(ciphertext, key_secret, nonce_material)
);

fn raw_xsalsa20_to(out: Out, key: JsArg, nonce_material: JsArg, data: JsArg, data_name: &str) -> Result<JsRaw> {
  let key = key.bytes("key")?;
  let nonce_material = nonce_material.bytes("nonceMaterial")?;
  let data = data.bytes(data_name)?;
  out.write(data.len(), |buf| {
    secretbox::encrypt_xsalsa20_into(key, nonce_material, data, buf)
  })
}

fn encrypt_xsalsa20_to(out: Out, key: JsArg, nonce_material: JsArg, plaintext: JsArg) -> Result<JsRaw> {
  raw_xsalsa20_to(out, key, nonce_material, plaintext, "plaintext")
}

byte_export!(
  /// Unauthenticated XSalsa20 with a raw 32-byte key (note the argument order: key first).
  encrypt_xsalsa20,
  encrypt_xsalsa20_into,
  "__encryptXsalsa20Into",
  "key: Uint8Array, nonceMaterial: Uint8Array, plaintext: Uint8Array",
  encrypt_xsalsa20_to(key, nonce_material, plaintext)
);

fn decrypt_xsalsa20_to(out: Out, key: JsArg, nonce_material: JsArg, ciphertext: JsArg) -> Result<JsRaw> {
  raw_xsalsa20_to(out, key, nonce_material, ciphertext, "ciphertext")
}

byte_export!(
  /// The inverse of `encryptXsalsa20`.
  decrypt_xsalsa20,
  decrypt_xsalsa20_into,
  "__decryptXsalsa20Into",
  "key: Uint8Array, nonceMaterial: Uint8Array, ciphertext: Uint8Array",
  decrypt_xsalsa20_to(key, nonce_material, ciphertext)
);

fn seal_to(
  out: Out,
  message: JsArg,
  sender_secret: JsArg,
  recipient_id: JsArg,
  nonce_material: JsArg,
) -> Result<JsRaw> {
  let message = message.bytes("message")?;
  let nonce_material = nonce_material.bytes("nonceMaterial")?;
  sender_secret.with_str("senderSecret", |sender| {
    recipient_id.with_str("recipientId", |recipient| {
      out.write(secretbox::sealed_len(message.len()), |buf| {
        secretbox::seal_into(message, sender, recipient, nonce_material, buf)
      })
    })
  })??
}

byte_export!(
  /// XSalsa20-Poly1305 box from `senderSecret` (`sealerSecret_z…`) to `recipientId` (`sealer_z…`):
  /// `tag (16) ‖ ciphertext`.
  seal,
  seal_into,
  "__sealInto",
  "message: Uint8Array, senderSecret: string, recipientId: string, nonceMaterial: Uint8Array",
  seal_to(message, sender_secret, recipient_id, nonce_material)
);

fn unseal_to(
  out: Out,
  sealed_message: JsArg,
  recipient_secret: JsArg,
  sender_id: JsArg,
  nonce_material: JsArg,
) -> Result<JsRaw> {
  let sealed = sealed_message.bytes("sealedMessage")?;
  let nonce_material = nonce_material.bytes("nonceMaterial")?;
  recipient_secret.with_str("recipientSecret", |recipient| {
    sender_id.with_str("senderId", |sender| {
      // Too short to hold a tag: let the core report it (with a zero-length output).
      let len = secretbox::unsealed_len(sealed.len()).unwrap_or(0);
      out.write(len, |buf| {
        secretbox::unseal_into(sealed, recipient, sender, nonce_material, buf)
      })
    })
  })??
}

byte_export!(
  /// Opens a `seal` box; throws `ERR_DECRYPTION_FAILED` if it does not authenticate.
  unseal,
  unseal_into,
  "__unsealInto",
  "sealedMessage: Uint8Array, recipientSecret: string, senderId: string, nonceMaterial: Uint8Array",
  unseal_to(sealed_message, recipient_secret, sender_id, nonce_material)
);

fn seal_for_group_to(out: Out, message: JsArg, recipient_id: JsArg, nonce_material: JsArg) -> Result<JsRaw> {
  let message = message.bytes("message")?;
  let nonce_material = nonce_material.bytes("nonceMaterial")?;
  recipient_id.with_str("recipientId", |recipient| {
    out.write(secretbox::group_sealed_len(message.len()), |buf| {
      secretbox::seal_for_group_into(message, recipient, nonce_material, buf)
    })
  })?
}

byte_export!(
  /// Anonymous box to `recipientId` with a fresh ephemeral key:
  /// `ephemeral public (32) ‖ tag (16) ‖ ciphertext`.
  seal_for_group,
  seal_for_group_into,
  "__sealForGroupInto",
  "message: Uint8Array, recipientId: string, nonceMaterial: Uint8Array",
  seal_for_group_to(message, recipient_id, nonce_material)
);

fn unseal_for_group_to(
  out: Out,
  sealed_message: JsArg,
  recipient_secret: JsArg,
  nonce_material: JsArg,
) -> Result<JsRaw> {
  let sealed = sealed_message.bytes("sealedMessage")?;
  let nonce_material = nonce_material.bytes("nonceMaterial")?;
  recipient_secret.with_str("recipientSecret", |recipient| {
    let len = secretbox::group_unsealed_len(sealed.len()).unwrap_or(0);
    out.write(len, |buf| {
      secretbox::unseal_for_group_into(sealed, recipient, nonce_material, buf)
    })
  })?
}

byte_export!(
  /// Opens a `sealForGroup` box; throws `ERR_DECRYPTION_FAILED` if it does not authenticate.
  unseal_for_group,
  unseal_for_group_into,
  "__unsealForGroupInto",
  "sealedMessage: Uint8Array, recipientSecret: string, nonceMaterial: Uint8Array",
  unseal_for_group_to(sealed_message, recipient_secret, nonce_material)
);

// ---------------------------------------------------------------------------------------------
// Helpers for the JS layer (`NapiCrypto` in napi-crypto.js); not part of the public API.

#[doc(hidden)]
#[napi(catch_unwind, skip_typescript, js_name = "__base58")]
pub fn base58(bytes: JsArg) -> Result<String> {
  Ok(crate::encoding::base58_encode(bytes.bytes("bytes")?))
}
