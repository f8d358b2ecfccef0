//! The crate's error type: a stable machine-readable code plus a human message.
//!
//! Messages name the argument and the problem and never contain secret material: callers pass
//! the *argument name*, never its value, and base58 errors on secret arguments omit the character.

use std::fmt;

/// Stable error codes, surfaced to JavaScript as `error.code`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Code {
  /// A JS argument has the wrong type (e.g. a string where a `Uint8Array` is expected).
  InvalidArgType,
  /// A byte array or decoded value has the wrong length.
  InvalidLength,
  /// A string does not start with the required prefix.
  InvalidPrefix,
  /// A base58 string contains a character outside the Bitcoin alphabet.
  InvalidBase58,
  /// A base64url string is malformed (alphabet or padding).
  InvalidBase64,
  /// Bytes that must be UTF-8 are not.
  InvalidUtf8,
  /// A public key is not a usable curve point (undecodable or of small order).
  InvalidKey,
  /// An X25519 exchange produced the all-zero shared secret (low-order peer key).
  WeakSharedSecret,
  /// Authenticated decryption failed: wrong key, wrong nonce material or tampered data.
  DecryptionFailed,
  /// A CoValue header could not be parsed.
  InvalidHeader,
  /// A CoValue header's uniqueness is invalid.
  InvalidUniqueness,
  /// The CoValue id does not match the hash of its header.
  IdMismatch,
  /// The CoValue was deleted and does not accept this write.
  Deleted,
  /// A transaction (or a batch of them) is malformed JSON or has invalid fields.
  InvalidTransaction,
  /// A known-state JSON document is malformed.
  InvalidKnownState,
  /// A session signature does not verify.
  SignatureVerificationFailed,
  /// A transaction is larger than the sync limit.
  TransactionTooLarge,
  /// No transaction at the requested index.
  TransactionNotFound,
  /// A private transaction's plaintext is not valid UTF-8 (usually: wrong key).
  DecryptedNotUtf8,
  /// A private transaction's encrypted field is malformed.
  InvalidEncryptedField,
  /// The operating system's random number generator failed.
  RandomUnavailable,
  /// Memory for an argument or a result could not be allocated.
  OutOfMemory,
  /// A Node-API call failed (an internal error of the binding).
  Napi,
}

impl Code {
  pub const fn as_str(self) -> &'static str {
    match self {
      Code::InvalidArgType => "ERR_INVALID_ARG_TYPE",
      Code::InvalidLength => "ERR_INVALID_LENGTH",
      Code::InvalidPrefix => "ERR_INVALID_PREFIX",
      Code::InvalidBase58 => "ERR_INVALID_BASE58",
      Code::InvalidBase64 => "ERR_INVALID_BASE64",
      Code::InvalidUtf8 => "ERR_INVALID_UTF8",
      Code::InvalidKey => "ERR_INVALID_KEY",
      Code::WeakSharedSecret => "ERR_WEAK_SHARED_SECRET",
      Code::DecryptionFailed => "ERR_DECRYPTION_FAILED",
      Code::InvalidHeader => "ERR_INVALID_HEADER",
      Code::InvalidUniqueness => "ERR_INVALID_UNIQUENESS",
      Code::IdMismatch => "ERR_ID_MISMATCH",
      Code::Deleted => "ERR_DELETED",
      Code::InvalidTransaction => "ERR_INVALID_TRANSACTION",
      Code::InvalidKnownState => "ERR_INVALID_KNOWN_STATE",
      Code::SignatureVerificationFailed => "ERR_SIGNATURE_VERIFICATION_FAILED",
      Code::TransactionTooLarge => "ERR_TRANSACTION_TOO_LARGE",
      Code::TransactionNotFound => "ERR_TRANSACTION_NOT_FOUND",
      Code::DecryptedNotUtf8 => "ERR_DECRYPTED_NOT_UTF8",
      Code::InvalidEncryptedField => "ERR_INVALID_ENCRYPTED_FIELD",
      Code::RandomUnavailable => "ERR_RANDOM_UNAVAILABLE",
      Code::OutOfMemory => "ERR_OUT_OF_MEMORY",
      Code::Napi => "ERR_NAPI",
    }
  }
}

/// An error from the core: a [`Code`] and a message fit to show a user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
  pub code: Code,
  pub message: String,
}

impl Error {
  pub fn new(code: Code, message: impl Into<String>) -> Self {
    Error {
      code,
      message: message.into(),
    }
  }

  /// `<what> must be <expected> bytes, got <got>`.
  pub fn length(what: &str, expected: usize, got: usize) -> Self {
    Error::new(
      Code::InvalidLength,
      format!("{what} must be {expected} bytes, got {got}"),
    )
  }
}

impl Error {
  /// `out of memory: could not allocate <what>`.
  pub fn out_of_memory(what: &str) -> Self {
    Error::new(Code::OutOfMemory, format!("out of memory: could not allocate {what}"))
  }
}

impl fmt::Display for Error {
  fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    f.write_str(&self.message)
  }
}

impl std::error::Error for Error {}

pub type Result<T> = std::result::Result<T, Error>;
