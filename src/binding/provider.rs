//! Native paths of `NapiCrypto` (lib/provider.js) that do in one call what cojson's provider does
//! around a primitive: the text in (stableStringify'd by cojson in JS) and the text out that cojson
//! asks for, without the UTF-8 byte arrays and the base58/base64url in JavaScript between them.
//! Internal: not part of the package's API (no typings; the package entry does not export them).

use super::convert::{secret_text, text, IntoJs, Result};
use super::raw::{Arg, JsValue, Values};
use crate::{blake3, secretbox};
use napi::Env;
use napi_derive::napi;

/// `encrypted_U…` of the stableStringify'd `value` (cojson's `CryptoProvider.encrypt`).
#[napi(catch_unwind, skip_typescript, js_name = "providerEncrypt")]
pub fn provider_encrypt(value: Arg<'_>, key_secret: Arg<'_>, nonce_material: Arg<'_>) -> Result<String> {
  let value = text(value, "value")?;
  let key_secret = secret_text(key_secret, "keySecret")?;
  let nonce_material = text(nonce_material, "nonceMaterial")?;
  secretbox::encrypt_text(&value, &key_secret, &nonce_material).js()
}

/// The decrypted text of `encrypted_U…` (cojson's `decryptRaw`), or null when `encrypted` is not
/// canonical padded base64url after its prefix (the caller then decodes it as cojson does).
#[napi(catch_unwind, skip_typescript, js_name = "providerDecrypt")]
pub fn provider_decrypt(env: Env, encrypted: Arg<'_>, key_secret: Arg<'_>, nonce_material: Arg<'_>) -> Result<JsValue> {
  let encrypted = text(encrypted, "encrypted")?;
  let key_secret = secret_text(key_secret, "keySecret")?;
  let nonce_material = text(nonce_material, "nonceMaterial")?;
  let plain = secretbox::decrypt_text(&encrypted, &key_secret, &nonce_material).js()?;
  let values = Values::new(&env);
  match &plain {
    Some(plain) => values.string(plain),
    None => values.null(),
  }
  .js()
}

/// `hash_z…` of the stableStringify'd `value` (cojson's `CryptoProvider.secureHash`).
#[napi(catch_unwind, skip_typescript, js_name = "providerSecureHash")]
pub fn provider_secure_hash(value: Arg<'_>) -> Result<String> {
  Ok(blake3::secure_hash(&text(value, "value")?))
}

/// `signature_z…` of the stableStringify'd `message` under a `signerSecret_z…` (cojson's `sign`).
#[napi(catch_unwind, skip_typescript, js_name = "providerSign")]
pub fn provider_sign(secret: Arg<'_>, message: Arg<'_>) -> Result<String> {
  let secret = secret_text(secret, "secret")?;
  let message = text(message, "message")?;
  crate::ed25519::sign_with_secret(message.as_bytes(), secret.as_bytes()).js()
}

/// Whether `signature` (`signature_z…`) of the stableStringify'd `message` verifies for the
/// `signer_z…` `id` (cojson's `verify`); throws for malformed strings, as cojson's does.
#[napi(catch_unwind, skip_typescript, js_name = "providerVerify")]
pub fn provider_verify(signature: Arg<'_>, message: Arg<'_>, id: Arg<'_>) -> Result<bool> {
  let signature = text(signature, "signature")?;
  let message = text(message, "message")?;
  let id = text(id, "id")?;
  crate::ed25519::verify_with_id(signature.as_bytes(), message.as_bytes(), id.as_bytes()).js()
}
