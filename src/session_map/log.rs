//! One session's log: the canonical JSON of its committed transactions, the hash chain over it,
//! the last signature and the in-between signatures, with all-or-nothing appends.

use super::transaction::{Entry, Transaction};
use crate::blake3;
use crate::ed25519::SignerId;
use crate::encoding::{prefix, prefixed_base58};
use crate::error::Result;
use std::collections::BTreeMap;

/// One session's log.
#[derive(Clone)]
pub(super) struct Session {
  pub(super) signer: Option<SignerId>,
  /// BLAKE3 over `log`.
  pub(super) hasher: blake3::Hasher,
  /// The canonical JSON of every committed transaction, concatenated: what the hash chain covers.
  pub(super) log: String,
  pub(super) entries: Vec<Entry>,
  pub(super) last_signature: Option<Box<str>>,
  /// In-between signatures: transaction index → the signature that covered it.
  pub(super) checkpoints: BTreeMap<u32, Box<str>>,
  bytes_since_checkpoint: u64,
}

impl Session {
  pub(super) fn new(signer: Option<SignerId>) -> Self {
    Session {
      signer,
      hasher: blake3::Hasher::new(),
      log: String::new(),
      entries: Vec::new(),
      last_signature: None,
      checkpoints: BTreeMap::new(),
      bytes_since_checkpoint: 0,
    }
  }

  pub(super) fn count(&self) -> u32 {
    self.entries.len() as u32
  }

  pub(super) fn transaction(&self, index: usize) -> Option<Transaction<'_>> {
    self.entries.get(index).map(|e| Transaction::new(&self.log, *e))
  }

  /// Appends transactions with `write`, then lets `seal` check the new hash and produce the
  /// signature to record. On any error the log is cut back: the session is exactly as before.
  pub(super) fn append(
    &mut self,
    write: impl FnOnce(&mut String, &mut Vec<Entry>) -> Result<u64>,
    seal: impl FnOnce(&[u8; 32]) -> Result<String>,
    max_tx_size: u32,
  ) -> Result<String> {
    let (old_len, old_count) = (self.log.len(), self.entries.len());
    let mut hasher = self.hasher.clone();
    let result = write(&mut self.log, &mut self.entries).and_then(|size| {
      // One update over the whole appended run lets BLAKE3 hash many chunks at once.
      hasher.update(self.log.as_bytes().get(old_len..).unwrap_or_default());
      Ok((size, seal(&hasher.finalize())?))
    });
    match result {
      Ok((size, signature)) => {
        self.hasher = hasher;
        self.record_write(size, &signature, max_tx_size);
        Ok(signature)
      }
      Err(e) => {
        self.log.truncate(old_len);
        self.entries.truncate(old_count);
        Err(e)
      }
    }
  }

  /// Records that a write/batch of `size` bytes, signed by `signature`, was appended.
  fn record_write(&mut self, size: u64, signature: &str, max_tx_size: u32) {
    self.last_signature = Some(signature.into());
    self.bytes_since_checkpoint += size;
    if self.bytes_since_checkpoint > u64::from(max_tx_size) && !self.entries.is_empty() {
      self.checkpoints.insert(self.count() - 1, signature.into());
      self.bytes_since_checkpoint = 0;
    }
  }
}

/// The hash string a session signature covers: `"hash_z<base58>"`, quotes included.
pub(super) fn signed_hash_message(hash: &[u8; 32]) -> String {
  let mut message = String::with_capacity(54);
  message.push('"');
  message.push_str(&prefixed_base58(prefix::HASH, hash));
  message.push('"');
  message
}
