//! `SessionMap`: one CoValue's header and its per-session, hash-chained, signed transaction logs.
//!
//! Wire-compatible with cojson-core-napi 0.20.19 (same canonical transactions, hash chain,
//! signatures, encryption and in-between signatures), with these differences (see README):
//! every call is atomic (a failed call changes nothing and creates no session), skip-verified
//! batches still advance the hash chain, prefixes are exact, known-state sessions keep insertion
//! order, local writes never lower the streaming state, an empty streaming state is not streaming,
//! and the header's canonical form is cojson's own.

mod batch;
mod header;
mod log;
mod private;
mod scan;
mod streaming;
mod transaction;

#[cfg(feature = "fuzzing")]
pub use batch::paths_agree as batch_paths_agree;
use header::canonical_header;
pub use header::id_for_header;
#[cfg(feature = "fuzzing")]
pub use header::{canonical_header as fuzz_canonical_header, CanonicalHeader};
use log::{signed_hash_message, Session};
use transaction::Entry;
pub use transaction::{Privacy, Transaction};

use crate::ed25519::{self, SignerId};
use crate::encoding::{prefix, prefixed_base58};
use crate::error::{Code, Error, Result};
use crate::secretbox;
use ed25519_dalek::Signer as _;
use indexmap::IndexMap;
use streaming::Streaming;
use transaction::Fields;
use zeroize::Zeroizing;

/// Default threshold for in-between signatures (cojson's `MAX_RECOMMENDED_TX_SIZE`).
pub const DEFAULT_MAX_TX_SIZE: u32 = 100 * 1024;

/// Largest `changesJson` a local write accepts.
pub const MAX_CHANGES_BYTES: usize = 1024 * 1024;

/// `text`, cut to 100 characters for an error message (ids come from peers and can be huge).
fn clip(text: &str) -> std::borrow::Cow<'_, str> {
  match text.char_indices().nth(100) {
    Some((end, _)) => format!("{}… ({} bytes)", &text[..end], text.len()).into(),
    None => text.into(),
  }
}

/// Whether `session_id` names a delete session (`…_session_d…$`).
fn is_delete_session(session_id: &str) -> bool {
  session_id.contains("_session_d") && session_id.ends_with('$')
}

/// A known state: the CoValue id and a count per session, in insertion order.
pub struct KnownState<'a> {
  pub id: &'a str,
  pub sessions: Vec<(&'a str, u32)>,
}

pub struct SessionMap {
  co_id: String,
  header: String,
  sessions: IndexMap<String, Session>,
  /// Counts that peers announced and that have not all arrived yet.
  streaming: Option<Streaming>,
  deleted: bool,
  max_tx_size: u32,
}

impl SessionMap {
  /// Validates the header and, unless `skip_verify`, checks that `co_id` is its hash.
  pub fn new(co_id: &str, header_json: &str, max_tx_size: Option<u32>, skip_verify: bool) -> Result<Self> {
    let header = canonical_header(header_json, skip_verify)?;
    if !skip_verify {
      let expected = id_for_header(&header.hashed);
      if expected != co_id {
        return Err(Error::new(
          Code::IdMismatch,
          format!("CoValue ID mismatch: expected {expected}, got {}", clip(co_id)),
        ));
      }
    }
    Ok(SessionMap {
      co_id: co_id.to_owned(),
      header: header.json,
      sessions: IndexMap::new(),
      streaming: None,
      deleted: false,
      max_tx_size: max_tx_size.unwrap_or(DEFAULT_MAX_TX_SIZE),
    })
  }

  pub fn co_id(&self) -> &str {
    &self.co_id
  }

  /// The canonical header JSON.
  pub fn header(&self) -> &str {
    &self.header
  }

  fn deleted_error(&self) -> Error {
    Error::new(
      Code::Deleted,
      format!("Cannot add to deleted CoValue: {}", clip(&self.co_id)),
    )
  }

  /// Verifies and appends a batch of transactions a peer sent, all or nothing.
  pub fn add_transactions(
    &mut self,
    session_id: &str,
    signer_id: Option<&str>,
    transactions_json: &str,
    signature: &str,
    skip_verify: bool,
  ) -> Result<()> {
    if self.deleted && !is_delete_session(session_id) {
      return Err(self.deleted_error());
    }
    let batch = batch::parse_batch(transactions_json)?;
    let signer = match self.sessions.get(session_id).and_then(|s| s.signer.clone()) {
      Some(signer) => Some(signer),
      None => signer_id.map(SignerId::parse).transpose()?,
    };
    let mut created = None;
    let session = match self.sessions.get_mut(session_id) {
      Some(session) => session,
      None => created.insert(Session::new(None)),
    };
    let before = session.count();
    let write = |log: &mut String, entries: &mut Vec<Entry>| {
      // The canonical form is never longer than what cojson sends: reserve once, no regrowth.
      log
        .try_reserve(transactions_json.len())
        .map_err(|_| Error::out_of_memory("the session log"))?;
      entries
        .try_reserve(batch.len())
        .map_err(|_| Error::out_of_memory("the session log"))?;
      let mut size = 0u64;
      for fields in &batch {
        size += fields.size() as u64;
        entries.push(fields.append_to(log)?);
      }
      Ok(size)
    };
    let verify = |hash: &[u8; 32]| {
      if !skip_verify {
        let message = signed_hash_message(hash);
        let verified = match &signer {
          Some(signer) => signer.verify(message.as_bytes(), &*ed25519::parse_signature(signature)?),
          None => false,
        };
        if !verified {
          let reason = if signer.is_some() {
            ""
          } else {
            "no signer id for a new session; "
          };
          return Err(Error::new(
            Code::SignatureVerificationFailed,
            format!(
              "Signature verification failed: {reason}(hash: {})",
              &message[1..message.len() - 1]
            ),
          ));
        }
      }
      Ok(signature.to_owned())
    };
    session.append(write, verify, self.max_tx_size)?;
    if session.signer.is_none() {
      session.signer = signer;
    }
    let after = session.count();
    if let Some(session) = created {
      self.sessions.insert(session_id.to_owned(), session);
    }
    self.advance_streaming(session_id, before, after);
    Ok(())
  }

  fn check_local_write(&self, changes_json: &str) -> Result<()> {
    if self.deleted {
      return Err(self.deleted_error());
    }
    if changes_json.len() > MAX_CHANGES_BYTES {
      return Err(Error::new(
        Code::TransactionTooLarge,
        format!(
          "Transaction too large to be synced: {} bytes > {MAX_CHANGES_BYTES} bytes limit",
          changes_json.len()
        ),
      ));
    }
    Ok(())
  }

  /// Appends one local transaction signed with `signer_secret` and returns
  /// `{"signature":…,"transaction":…}`. Nothing is changed unless everything succeeds.
  fn append_local(&mut self, session_id: &str, signer_secret: &str, fields: &Fields) -> Result<String> {
    let mut created = None;
    let session = match self.sessions.get_mut(session_id) {
      Some(session) => session,
      None => created.insert(Session::new(None)),
    };
    let mut public = None;
    let sign = |hash: &[u8; 32]| {
      let message = signed_hash_message(hash);
      ed25519::with_signer_secret(signer_secret.as_bytes(), |key| {
        public = Some(key.verifying_key().to_bytes());
        prefixed_base58(prefix::SIGNATURE, &key.sign(message.as_bytes()).to_bytes())
      })
    };
    let first = session.entries.len();
    let before = session.count();
    let signature = session.append(
      |log, entries| {
        entries.push(fields.append_to(log)?);
        Ok(fields.size() as u64)
      },
      sign,
      self.max_tx_size,
    )?;
    if session.signer.is_none() {
      session.signer = public.and_then(|p| SignerId::parse(&prefixed_base58(prefix::SIGNER_ID, &p)).ok());
    }
    let json = session.transaction(first).map(|t| t.json()).unwrap_or_default();
    let mut out = String::with_capacity(json.len() + signature.len() + 32);
    out.push_str("{\"signature\":\"");
    out.push_str(&signature);
    out.push_str("\",\"transaction\":");
    out.push_str(json);
    out.push('}');
    if let Some(session) = created {
      self.sessions.insert(session_id.to_owned(), session);
    }
    self.advance_streaming(session_id, before, before + 1);
    Ok(out)
  }

  /// A local trusting write (see [`SessionMap::append_local`]). `made_at` is a JS number
  /// (truncated to an integer; negative or NaN → 0).
  pub fn make_new_trusting_transaction(
    &mut self,
    session_id: &str,
    signer_secret: &str,
    changes_json: &str,
    meta_json: Option<&str>,
    made_at: f64,
  ) -> Result<String> {
    self.check_local_write(changes_json)?;
    let fields = Fields {
      privacy: Privacy::Trusting,
      changes: changes_json.into(),
      key_used: "".into(),
      made_at: made_at as u64,
      meta: meta_json.map(Into::into),
    };
    self.append_local(session_id, signer_secret, &fields)
  }

  /// A local private write: changes (and meta) encrypted with `key_secret` under the
  /// transaction's nonce material.
  #[allow(clippy::too_many_arguments)] // mirrors the JS API of 0.20.19
  pub fn make_new_private_transaction(
    &mut self,
    session_id: &str,
    signer_secret: &str,
    changes_json: &str,
    key_id: &str,
    key_secret: &str,
    meta_json: Option<&str>,
    made_at: f64,
  ) -> Result<String> {
    self.check_local_write(changes_json)?;
    let key = secretbox::parse_key_secret(key_secret)?;
    let tx_index = self.sessions.get(session_id).map_or(0, Session::count);
    let nonce = private::nonce(&self.co_id, session_id, tx_index);
    let encrypted_changes = private::encrypt_field(&key, &nonce, changes_json);
    let encrypted_meta = meta_json.map(|m| private::encrypt_field(&key, &nonce, m));
    let fields = Fields {
      privacy: Privacy::Private,
      changes: encrypted_changes.as_str().into(),
      key_used: key_id.into(),
      made_at: made_at as u64,
      meta: encrypted_meta.as_deref().map(Into::into),
    };
    self.append_local(session_id, signer_secret, &fields)
  }

  /// Session ids in insertion order.
  pub fn session_ids(&self) -> impl ExactSizeIterator<Item = &str> {
    self.sessions.keys().map(String::as_str)
  }

  pub fn transaction_count(&self, session_id: &str) -> Option<u32> {
    self.sessions.get(session_id).map(Session::count)
  }

  pub fn transaction(&self, session_id: &str, tx_index: u32) -> Option<Transaction<'_>> {
    self.sessions.get(session_id)?.transaction(tx_index as usize)
  }

  /// The canonical JSON of the transactions from `from_index` on (none past the end); `None` for
  /// an unknown session.
  pub fn session_transactions(&self, session_id: &str, from_index: u32) -> Option<impl ExactSizeIterator<Item = &str>> {
    let session = self.sessions.get(session_id)?;
    let entries = session.entries.get(from_index as usize..).unwrap_or(&[]);
    Some(entries.iter().map(|e| Transaction::new(&session.log, *e).json()))
  }

  pub fn last_signature(&self, session_id: &str) -> Option<&str> {
    self.sessions.get(session_id)?.last_signature.as_deref()
  }

  pub fn signature_after(&self, session_id: &str, tx_index: u32) -> Option<&str> {
    self.sessions.get(session_id)?.checkpoints.get(&tx_index).map(|s| &**s)
  }

  /// The highest in-between signature index, -1 if none; `None` for an unknown session.
  pub fn last_signature_checkpoint(&self, session_id: &str) -> Option<i64> {
    let session = self.sessions.get(session_id)?;
    Some(session.checkpoints.keys().next_back().map_or(-1, |&i| i64::from(i)))
  }

  /// The known state; once deleted, only delete sessions are listed.
  pub fn known_state(&self) -> KnownState<'_> {
    let sessions = self
      .sessions
      .iter()
      .filter(|(id, _)| !self.deleted || is_delete_session(id))
      .map(|(id, s)| (id.as_str(), s.count()))
      .collect();
    KnownState {
      id: &self.co_id,
      sessions,
    }
  }

  /// The known state raised to the announced streaming counts, while streaming: the known
  /// sessions in insertion order, then the announced ones not known yet.
  pub fn known_state_with_streaming(&self) -> Option<KnownState<'_>> {
    let streaming = self.streaming.as_ref()?;
    let mut state = self.known_state();
    for entry in &mut state.sessions {
      if let Some(target) = streaming.target(entry.0) {
        entry.1 = entry.1.max(target);
      }
    }
    let unknown = streaming.targets().filter(|(id, _)| !self.sessions.contains_key(*id));
    state.sessions.extend(unknown);
    Some(state)
  }

  /// Whether announced transactions are still missing.
  pub fn is_streaming(&self) -> bool {
    self.streaming.is_some()
  }

  /// Merges announced counts (`{"sessionId": count, …}`) that are above what is known.
  pub fn set_streaming_known_state(&mut self, streaming_json: &str) -> Result<()> {
    if self.deleted {
      return Ok(());
    }
    let announced: IndexMap<String, u32> = serde_json::from_str(streaming_json)
      .map_err(|e| Error::new(Code::InvalidKnownState, format!("Invalid streaming known state: {e}")))?;
    let sessions = &self.sessions;
    let known = |id: &str| sessions.get(id).map_or(0, Session::count);
    self.streaming = Streaming::merge(self.streaming.take(), announced, known);
    Ok(())
  }

  /// Records that a session grew from `before` to `after` transactions, and drops the streaming
  /// state once everything announced has arrived.
  fn advance_streaming(&mut self, session_id: &str, before: u32, after: u32) {
    if let Some(streaming) = &mut self.streaming {
      if !streaming.advance(session_id, before, after) {
        self.streaming = None;
      }
    }
  }

  pub fn mark_as_deleted(&mut self) {
    self.deleted = true;
    self.streaming = None;
  }

  pub fn is_deleted(&self) -> bool {
    self.deleted
  }

  /// The session and transaction for a decryption; `Ok(None)` for an unknown session.
  fn transaction_for_decryption(&self, session_id: &str, tx_index: u32) -> Result<Option<Transaction<'_>>> {
    let Some(session) = self.sessions.get(session_id) else {
      return Ok(None);
    };
    session.transaction(tx_index as usize).map(Some).ok_or_else(|| {
      Error::new(
        Code::TransactionNotFound,
        format!("Transaction not found at index {tx_index}"),
      )
    })
  }

  /// The decrypted `changes` of a private transaction, or the `changes` of a trusting one (wiped
  /// when dropped).
  pub fn decrypt_transaction(
    &self,
    session_id: &str,
    tx_index: u32,
    key_secret: &str,
  ) -> Result<Option<Zeroizing<String>>> {
    let Some(tx) = self.transaction_for_decryption(session_id, tx_index)? else {
      return Ok(None);
    };
    match tx.privacy() {
      Privacy::Trusting => Ok(Some(Zeroizing::new(tx.changes().into_owned()))),
      Privacy::Private => {
        private::decrypt_field(&self.co_id, session_id, tx_index, key_secret, &tx.changes()).map(Some)
      }
    }
  }

  /// The decrypted `meta` of a private transaction (`None` without meta), or a trusting one's
  /// (wiped when dropped).
  pub fn decrypt_transaction_meta(
    &self,
    session_id: &str,
    tx_index: u32,
    key_secret: &str,
  ) -> Result<Option<Zeroizing<String>>> {
    let Some(tx) = self.transaction_for_decryption(session_id, tx_index)? else {
      return Ok(None);
    };
    let Some(meta) = tx.meta() else {
      return Ok(None);
    };
    match tx.privacy() {
      Privacy::Trusting => Ok(Some(Zeroizing::new(meta.into_owned()))),
      Privacy::Private => private::decrypt_field(&self.co_id, session_id, tx_index, key_secret, &meta).map(Some),
    }
  }
}

#[cfg(test)]
mod tests;
