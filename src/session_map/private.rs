//! Private transactions: the nonce material and the encryption of `changes` and `meta`
//! (unauthenticated XSalsa20, as the wire format is; integrity comes from the session signature).

use crate::blake3;
use crate::encoding::{self, prefix};
use crate::error::{Code, Error, Result};
use crate::json;
use crate::secretbox;
use zeroize::Zeroizing;

/// The nonce material of a private transaction: `{"in":coId,"tx":{"sessionID":…,"txIndex":i}}`.
pub(super) fn nonce_material(co_id: &str, session_id: &str, tx_index: u32) -> String {
  let mut out = String::with_capacity(co_id.len() + session_id.len() + 48);
  out.push_str("{\"in\":");
  json::push_string(&mut out, co_id);
  out.push_str(",\"tx\":{\"sessionID\":");
  json::push_string(&mut out, session_id);
  out.push_str(",\"txIndex\":");
  out.push_str(&tx_index.to_string());
  out.push_str("}}");
  out
}

/// `encrypted_U` + base64url(XSalsa20(key, nonce, plaintext)).
pub(super) fn encrypt_field(key: &[u8; 32], nonce: &[u8; 24], plaintext: &str) -> String {
  let mut bytes = plaintext.as_bytes().to_vec();
  secretbox::xsalsa20_apply(key, nonce, &mut bytes);
  let mut out = String::with_capacity(prefix::ENCRYPTED.len() + bytes.len().div_ceil(3) * 4);
  out.push_str(prefix::ENCRYPTED);
  encoding::push_base64url(&mut out, &bytes);
  out
}

/// The nonce of transaction `tx_index` of a session: BLAKE3 of its nonce material, first 24 bytes.
pub(super) fn nonce(co_id: &str, session_id: &str, tx_index: u32) -> [u8; 24] {
  blake3::nonce(nonce_material(co_id, session_id, tx_index).as_bytes())
}

/// Decrypts an `encrypted_U…` field of transaction `tx_index` (wiped when dropped).
pub(super) fn decrypt_field(
  co_id: &str,
  session_id: &str,
  tx_index: u32,
  key_secret: &str,
  value: &str,
) -> Result<Zeroizing<String>> {
  let encoded = value.strip_prefix(prefix::ENCRYPTED).ok_or_else(|| {
    Error::new(
      Code::InvalidEncryptedField,
      "Invalid encrypted prefix in transaction: expected 'encrypted_U'",
    )
  })?;
  let mut bytes = Zeroizing::new(encoding::base64url_decode("encrypted transaction field", encoded)?);
  let key = secretbox::parse_key_secret(key_secret)?;
  let nonce = nonce(co_id, session_id, tx_index);
  secretbox::xsalsa20_apply(&key, &nonce, &mut bytes);
  let not_utf8 = || {
    Error::new(
      Code::DecryptedNotUtf8,
      "UTF-8 conversion failed: the decrypted data is not text (wrong key?)",
    )
  };
  // Checked before the conversion takes the bytes, so a failure leaves them in `bytes`, wiped.
  std::str::from_utf8(&bytes).map_err(|_| not_utf8())?;
  String::from_utf8(std::mem::take(&mut *bytes))
    .map(Zeroizing::new)
    .map_err(|_| not_utf8())
}
