//! Text encodings of the Jazz wire format: base58 (Bitcoin alphabet, no checksum), base64url with
//! padding, and the `<prefix><base58>` key strings (`signerSecret_z…`, `sealer_z…`, …).

use crate::error::{Code, Error, Result};
use base64::Engine as _;
use zeroize::Zeroizing;

/// Prefixes of the key strings, exactly as cojson writes them.
pub mod prefix {
  pub const SIGNER_SECRET: &str = "signerSecret_z";
  pub const SIGNER_ID: &str = "signer_z";
  pub const SIGNATURE: &str = "signature_z";
  pub const SEALER_SECRET: &str = "sealerSecret_z";
  pub const SEALER_ID: &str = "sealer_z";
  pub const KEY_SECRET: &str = "keySecret_z";
  pub const HASH: &str = "hash_z";
  pub const SHORT_HASH: &str = "shortHash_z";
  pub const CO_ID: &str = "co_z";
  pub const ENCRYPTED: &str = "encrypted_U";
}

/// Whether a decoded value is secret: secret values never have their characters echoed in errors.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Secrecy {
  Public,
  Secret,
}

/// Base58 of arbitrary bytes (32- and 64-byte values take `five8`'s fast path).
pub fn base58_encode(bytes: &[u8]) -> String {
  if let Ok(b) = <&[u8; 32]>::try_from(bytes) {
    let mut out = [0u8; five8::BASE58_ENCODED_32_MAX_LEN];
    let len = five8::encode_32(b, &mut out) as usize;
    return ascii_to_string(&out[..len]);
  }
  if let Ok(b) = <&[u8; 64]>::try_from(bytes) {
    let mut out = [0u8; five8::BASE58_ENCODED_64_MAX_LEN];
    let len = five8::encode_64(b, &mut out) as usize;
    return ascii_to_string(&out[..len]);
  }
  if bytes.len() <= SMALL_BASE58_MAX {
    return base58_encode_small(bytes);
  }
  bs58::encode(bytes).into_string()
}

/// Longest input `base58_encode_small` takes: 24 bytes, six 32-bit limbs.
const SMALL_BASE58_MAX: usize = 24;

/// 58^5, the largest power of 58 below 2^32: one division step yields five digits.
const BASE58_POW5: u64 = 58u64.pow(5);

/// Base58 of up to 24 bytes (the 19-byte digests of CoValue ids and `shortHash`). `bs58` works a
/// byte and a digit at a time (0.28 µs for 19 bytes here); dividing 32-bit limbs by 58^5 takes a
/// small fraction of that. Checked equal to `bs58` for every length up to 24 in the tests.
fn base58_encode_small(bytes: &[u8]) -> String {
  let zeros = bytes.iter().take_while(|&&b| b == 0).count();
  // The number as big-endian 32-bit limbs (the first limb takes the bytes left over).
  let mut limbs = [0u32; SMALL_BASE58_MAX / 4];
  let count = bytes.len().div_ceil(4);
  let first = bytes.len() - 4 * (count.saturating_sub(1));
  for (i, limb) in limbs[..count].iter_mut().enumerate() {
    let chunk = if i == 0 {
      &bytes[..first]
    } else {
      &bytes[first + 4 * (i - 1)..first + 4 * i]
    };
    *limb = chunk.iter().fold(0u32, |acc, &b| (acc << 8) | u32::from(b));
  }
  // Digits, least significant first: 24 bytes need at most 33 of them.
  let mut digits = [0u8; 35];
  let mut len = 0;
  let mut top = 0; // the limbs before `top` are zero
  while top < count {
    let mut remainder = 0u64;
    for limb in &mut limbs[top..count] {
      let current = (remainder << 32) | u64::from(*limb);
      *limb = (current / BASE58_POW5) as u32;
      remainder = current % BASE58_POW5;
    }
    while top < count && limbs[top] == 0 {
      top += 1;
    }
    for _ in 0..5 {
      digits[len] = (remainder % 58) as u8;
      remainder /= 58;
      len += 1;
    }
  }
  // The last step's digits end in zeros that are not part of the number.
  while len > 0 && digits[len - 1] == 0 {
    len -= 1;
  }
  let mut out = String::with_capacity(zeros + len);
  out.extend(std::iter::repeat_n('1', zeros));
  out.extend(digits[..len].iter().rev().map(|&d| BASE58_ALPHABET[d as usize] as char));
  out
}

/// `prefix` followed by the base58 of `bytes`.
pub fn prefixed_base58(prefix: &str, bytes: &[u8]) -> String {
  let encoded = base58_encode(bytes);
  let mut out = String::with_capacity(prefix.len() + encoded.len());
  out.push_str(prefix);
  out.push_str(&encoded);
  out
}

fn ascii_to_string(ascii: &[u8]) -> String {
  // The base58 alphabet is ASCII, so this never takes the lossy path.
  String::from_utf8_lossy(ascii).into_owned()
}

const BASE58_ALPHABET: &[u8; 58] = b"123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

fn is_base58_char(c: u8) -> bool {
  BASE58_ALPHABET.contains(&c)
}

/// `where_` says where the byte index counts from (after which prefix).
fn base58_char_error(what: &str, where_: &str, text: &str, secrecy: Secrecy) -> Option<Error> {
  let (index, ch) = text
    .char_indices()
    .find(|&(_, c)| !(c.is_ascii() && is_base58_char(c as u8)))?;
  Some(match secrecy {
    Secrecy::Public => Error::new(
      Code::InvalidBase58,
      format!("{what} is not valid base58: invalid character {ch:?} at byte {index}{where_}"),
    ),
    Secrecy::Secret => Error::new(
      Code::InvalidBase58,
      format!("{what} is not valid base58: invalid character at byte {index}{where_}"),
    ),
  })
}

/// Where a byte index in the base58 part of `<prefix><base58>` counts from.
fn after(prefix: &str) -> String {
  if prefix.is_empty() {
    String::new()
  } else {
    format!(" after '{prefix}'")
  }
}

/// Longest base58 text decoded just to report its length in an error.
const MAX_DECODED_CHARS: usize = 1024;

/// Decodes base58 that must be exactly `N` bytes long (N = 32 or 64 take the fast path); `prefix`
/// is what came before `text` (for error messages).
fn base58_decode_fixed<const N: usize>(
  what: &str,
  prefix: &str,
  text: &str,
  secrecy: Secrecy,
) -> Result<Zeroizing<[u8; N]>> {
  let mut out = Zeroizing::new([0u8; N]);
  let fast = match N {
    32 => {
      let buf: &mut [u8; 32] = (&mut out[..]).try_into().map_err(|_| Error::length(what, N, 0))?;
      five8::decode_32(text, buf).is_ok()
    }
    64 => {
      let buf: &mut [u8; 64] = (&mut out[..]).try_into().map_err(|_| Error::length(what, N, 0))?;
      five8::decode_64(text, buf).is_ok()
    }
    _ => false,
  };
  if fast {
    return Ok(out);
  }
  if let Some(err) = base58_char_error(what, &after(prefix), text, secrecy) {
    return Err(err);
  }
  // Base58 decoding is quadratic in the length: a string far longer than N bytes can need is
  // rejected without decoding, so a long string from a peer costs microseconds, not seconds.
  // (Up to MAX_DECODED_CHARS the error still gives the exact decoded length; that costs < 1 ms.)
  let max_chars = N * 1366 / 1000 + 1;
  if text.len() > MAX_DECODED_CHARS.max(max_chars) {
    return Err(Error::new(
      Code::InvalidLength,
      format!(
        "{what} must be {N} bytes, but its base58 is {} characters long: at most {max_chars} characters encode {N} bytes",
        text.len()
      ),
    ));
  }
  let decoded = Zeroizing::new(bs58::decode(text).into_vec().map_err(|_| {
    // Every character was checked above; bs58 has no other failure for Vec output.
    Error::new(Code::InvalidBase58, format!("{what} is not valid base58"))
  })?);
  if decoded.len() != N {
    return Err(Error::new(
      Code::InvalidLength,
      format!(
        "{what} must be {N} bytes, but its base58 decodes to {} bytes",
        decoded.len()
      ),
    ));
  }
  out.copy_from_slice(&decoded);
  Ok(out)
}

/// Decodes base58 of any length. Quadratic in the length: not for untrusted long input, so only
/// the tests and the fuzz targets have it (the exports decode fixed-size values with
/// [`base58_decode_fixed`]).
#[cfg(any(test, feature = "fuzzing"))]
pub fn base58_decode(what: &str, text: &str, secrecy: Secrecy) -> Result<Vec<u8>> {
  if let Some(err) = base58_char_error(what, "", text, secrecy) {
    return Err(err);
  }
  bs58::decode(text)
    .into_vec()
    .map_err(|_| Error::new(Code::InvalidBase58, format!("{what} is not valid base58")))
}

/// A byte slice as a fixed-size array: `<what> must be <N> bytes, got <len>` otherwise.
pub fn fixed<'a, const N: usize>(what: &str, bytes: &'a [u8]) -> Result<&'a [u8; N]> {
  <&[u8; N]>::try_from(bytes).map_err(|_| Error::length(what, N, bytes.len()))
}

/// Strips an exact, case-sensitive prefix: `<what> must start with '<prefix>'` otherwise.
pub fn strip_prefix<'a>(what: &str, text: &'a str, prefix: &str) -> Result<&'a str> {
  text
    .strip_prefix(prefix)
    .ok_or_else(|| Error::new(Code::InvalidPrefix, format!("{what} must start with '{prefix}'")))
}

/// Parses `<prefix><base58 of N bytes>`.
pub fn decode_prefixed<const N: usize>(
  what: &str,
  text: &str,
  prefix: &str,
  secrecy: Secrecy,
) -> Result<Zeroizing<[u8; N]>> {
  base58_decode_fixed::<N>(what, prefix, strip_prefix(what, text, prefix)?, secrecy)
}

/// Interprets bytes as UTF-8 (`<what> is not valid UTF-8 …` otherwise).
pub fn utf8<'a>(what: &str, bytes: &'a [u8]) -> Result<&'a str> {
  std::str::from_utf8(bytes).map_err(|e| {
    Error::new(
      Code::InvalidUtf8,
      format!("{what} is not valid UTF-8 (invalid byte at offset {})", e.valid_up_to()),
    )
  })
}

/// base64url (RFC 4648 §5) with `=` padding, as cojson writes it.
#[cfg(any(test, feature = "fuzzing"))]
pub fn base64url_encode(bytes: &[u8]) -> String {
  base64::engine::general_purpose::URL_SAFE.encode(bytes)
}

/// Appends base64url with padding to `out`.
pub fn push_base64url(out: &mut String, bytes: &[u8]) {
  base64::engine::general_purpose::URL_SAFE.encode_string(bytes, out)
}

/// Decodes canonical padded base64url.
pub fn base64url_decode(what: &str, text: &str) -> Result<Vec<u8>> {
  base64::engine::general_purpose::URL_SAFE
    .decode(text)
    .map_err(|_| Error::new(Code::InvalidBase64, format!("{what} is not valid padded base64url")))
}

#[cfg(test)]
mod tests {
  use super::*;

  #[test]
  fn base58_round_trips_and_keeps_leading_zeros() {
    for bytes in [
      vec![],
      vec![0],
      vec![0, 0, 1],
      vec![255; 19],
      vec![0; 32],
      (0..64).collect::<Vec<u8>>(),
    ] {
      let text = base58_encode(&bytes);
      assert_eq!(text, bs58::encode(&bytes).into_string());
      assert_eq!(base58_decode("x", &text, Secrecy::Public).unwrap(), bytes);
    }
    assert_eq!(base58_encode(&[0, 0, 1]), "112");
  }

  #[test]
  fn small_encoder_equals_bs58() {
    let mut next = crate::test_support::rng("small_encoder_equals_bs58", 58);
    for len in 0..=SMALL_BASE58_MAX {
      for leading_zeros in 0..=len.min(3) {
        for _ in 0..200 {
          let mut bytes: Vec<u8> = (0..len).map(|_| next() as u8).collect();
          bytes[..leading_zeros].fill(0);
          assert_eq!(
            base58_encode_small(&bytes),
            bs58::encode(&bytes).into_string(),
            "{bytes:?}"
          );
        }
      }
      for fill in [0u8, 1, 57, 58, 255] {
        let bytes = vec![fill; len];
        assert_eq!(
          base58_encode_small(&bytes),
          bs58::encode(&bytes).into_string(),
          "{bytes:?}"
        );
      }
    }
  }

  #[test]
  fn fixed_decode_reports_length_and_characters() {
    let ok = base58_encode(&[7u8; 32]);
    assert_eq!(
      *base58_decode_fixed::<32>("key", "", &ok, Secrecy::Public).unwrap(),
      [7u8; 32]
    );
    let short = base58_encode(&[7u8; 31]);
    let err = base58_decode_fixed::<32>("key", "", &short, Secrecy::Public).unwrap_err();
    assert_eq!(
      (err.code, err.message.as_str()),
      (
        Code::InvalidLength,
        "key must be 32 bytes, but its base58 decodes to 31 bytes"
      )
    );
    // A string longer than any encoding of 64 bytes is rejected before the (quadratic) decoding:
    // the error counts characters instead of giving the decoded length.
    let long = "z".repeat(1_000_000);
    let err = base58_decode_fixed::<64>("sig", "", &long, Secrecy::Public).unwrap_err();
    assert_eq!(
      (err.code, err.message.as_str()),
      (
        Code::InvalidLength,
        "sig must be 64 bytes, but its base58 is 1000000 characters long: at most 88 characters encode 64 bytes"
      )
    );
    // The longest encodings of 32 and 64 bytes (all 0xff), and 32 zero bytes, still decode.
    assert!(base58_decode_fixed::<32>("k", "", &base58_encode(&[0xff; 32]), Secrecy::Public).is_ok());
    assert!(base58_decode_fixed::<32>("k", "", &base58_encode(&[0; 32]), Secrecy::Public).is_ok());
    assert!(base58_decode_fixed::<64>("k", "", &base58_encode(&[0xff; 64]), Secrecy::Public).is_ok());
    let extra_one = format!("1{ok}");
    assert_eq!(
      base58_decode_fixed::<32>("key", "", &extra_one, Secrecy::Public)
        .unwrap_err()
        .code,
      Code::InvalidLength
    );
    let err = base58_decode_fixed::<32>("key", "", "ab0c", Secrecy::Public).unwrap_err();
    assert_eq!(err.message, "key is not valid base58: invalid character '0' at byte 2");
    let err = base58_decode_fixed::<32>("secret", "", "ab0c", Secrecy::Secret).unwrap_err();
    assert_eq!(err.message, "secret is not valid base58: invalid character at byte 2");
    let err = base58_decode_fixed::<64>("sig", "", "é", Secrecy::Public).unwrap_err();
    assert_eq!(err.code, Code::InvalidBase58);
  }

  #[test]
  fn errors_say_where_the_bad_character_is() {
    let err = decode_prefixed::<32>("signer id", "signer_zab0c", prefix::SIGNER_ID, Secrecy::Public).unwrap_err();
    assert_eq!(
      err.message,
      "signer id is not valid base58: invalid character '0' at byte 2 after 'signer_z'"
    );
    let short = format!("{}{}", prefix::KEY_SECRET, base58_encode(&[7u8; 30]));
    let err = decode_prefixed::<32>("key secret", &short, prefix::KEY_SECRET, Secrecy::Secret).unwrap_err();
    assert_eq!(
      err.message,
      "key secret must be 32 bytes, but its base58 decodes to 30 bytes"
    );
  }

  #[test]
  fn prefixes_are_exact() {
    assert!(strip_prefix("s", "signerSecret_zabc", prefix::SIGNER_SECRET).is_ok());
    let err = strip_prefix("signer secret", "xsignerSecret_zabc", prefix::SIGNER_SECRET).unwrap_err();
    assert_eq!(err.message, "signer secret must start with 'signerSecret_z'");
    assert!(strip_prefix("s", "SignerSecret_zabc", prefix::SIGNER_SECRET).is_err());
  }

  #[test]
  fn base64url_is_padded_and_strict() {
    assert_eq!(base64url_encode(&[0xfb, 0xff]), "-_8=");
    assert_eq!(base64url_decode("x", "-_8=").unwrap(), vec![0xfb, 0xff]);
    assert_eq!(base64url_decode("x", "-_8").unwrap_err().code, Code::InvalidBase64);
    assert_eq!(base64url_decode("x", "+/8=").unwrap_err().code, Code::InvalidBase64);
  }

  #[test]
  fn utf8_errors_name_the_argument() {
    let err = utf8("secret", &[0x61, 0xff]).unwrap_err();
    assert_eq!(err.message, "secret is not valid UTF-8 (invalid byte at offset 1)");
  }
}
