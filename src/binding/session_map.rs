//! The `SessionMap` class of cojson-core-napi 0.20.19, over `crate::session_map`.

use super::args::{IntoJs, JsArg, JsRaw, Result};
use crate::session_map;
use napi::Env;
use napi_derive::napi;
use std::collections::HashMap;

/// The known state of a CoValue: how many transactions of each session are known.
#[napi(object)]
#[allow(dead_code)] // declares the `KnownState` type of index.d.ts; values are built in `JsRaw::known_state`
pub struct KnownState {
  pub id: String,
  pub header: bool,
  pub sessions: HashMap<String, u32>,
}

/// One CoValue's header and its per-session, hash-chained, signed transaction logs.
///
/// Every method is atomic: a call that throws leaves the map exactly as it was.
#[napi(js_name = "SessionMap")]
pub struct JsSessionMap {
  inner: session_map::SessionMap,
}

#[napi]
impl JsSessionMap {
  /// Validates the header and, unless `skipVerify`, checks that `coId` is its hash.
  /// `maxTxSize` (default 102400) is the byte count after which an in-between signature is kept.
  #[napi(
    constructor,
    catch_unwind,
    ts_args_type = "coId: string, headerJson: string, maxTxSize?: number | undefined | null, skipVerify?: boolean | undefined | null"
  )]
  pub fn new(co_id: JsArg, header_json: JsArg, max_tx_size: JsArg, skip_verify: JsArg) -> Result<Self> {
    let max_tx_size = max_tx_size.optional_u32("maxTxSize")?;
    let skip_verify = skip_verify.optional_bool("skipVerify")?;
    let header_json = header_json.string("headerJson")?;
    let inner = co_id.with_str("coId", |co_id| {
      session_map::SessionMap::new(co_id, &header_json, max_tx_size, skip_verify)
    })?;
    Ok(JsSessionMap { inner: inner.js()? })
  }

  /// The canonical header JSON (cojson's `stableStringify` of the header).
  #[napi(catch_unwind)]
  pub fn get_header(&self) -> String {
    self.inner.header().to_owned()
  }

  /// Verifies (unless `skipVerify`) and appends a batch of transactions from a peer, all or nothing.
  /// `signerId` is used when the session is new.
  #[napi(
    catch_unwind,
    ts_args_type = "sessionId: string, signerId: string | undefined | null, transactionsJson: string, signature: string, skipVerify: boolean"
  )]
  pub fn add_transactions(
    &mut self,
    session_id: JsArg,
    signer_id: JsArg,
    transactions_json: JsArg,
    signature: JsArg,
    skip_verify: JsArg,
  ) -> Result<()> {
    let skip_verify = skip_verify.bool("skipVerify")?;
    let inner = &mut self.inner;
    session_id.with_str("sessionId", |session_id| {
      signer_id.with_optional_str("signerId", |signer_id| {
        signature.with_str("signature", |signature| {
          transactions_json.with_long_str("transactionsJson", |json| {
            inner
              .add_transactions(session_id, signer_id, json, signature, skip_verify)
              .js()
          })
        })
      })
    })????
  }

  /// Appends a private (encrypted) local transaction; returns `{"signature":…,"transaction":…}`.
  #[napi(
    catch_unwind,
    ts_args_type = "sessionId: string, signerSecret: string, changesJson: string, keyId: string, keySecret: string, metaJson: string | undefined | null, madeAt: number"
  )]
  #[allow(clippy::too_many_arguments)] // mirrors the JS API of 0.20.19
  pub fn make_new_private_transaction(
    &mut self,
    session_id: JsArg,
    signer_secret: JsArg,
    changes_json: JsArg,
    key_id: JsArg,
    key_secret: JsArg,
    meta_json: JsArg,
    made_at: JsArg,
  ) -> Result<String> {
    let made_at = made_at.f64("madeAt")?;
    let inner = &mut self.inner;
    // Nested borrows of the JS strings: no copies beyond the stack buffers (wiped for secrets).
    session_id.with_str("sessionId", |session_id| {
      signer_secret.with_secret_str("signerSecret", |signer_secret| {
        key_secret.with_secret_str("keySecret", |key_secret| {
          key_id.with_str("keyId", |key_id| {
            meta_json.with_optional_str("metaJson", |meta| {
              changes_json.with_str("changesJson", |changes| {
                inner
                  .make_new_private_transaction(session_id, signer_secret, changes, key_id, key_secret, meta, made_at)
                  .js()
              })
            })
          })
        })
      })
    })??????
  }

  /// Appends a trusting (plain) local transaction; returns `{"signature":…,"transaction":…}`.
  #[napi(
    catch_unwind,
    ts_args_type = "sessionId: string, signerSecret: string, changesJson: string, metaJson: string | undefined | null, madeAt: number"
  )]
  pub fn make_new_trusting_transaction(
    &mut self,
    session_id: JsArg,
    signer_secret: JsArg,
    changes_json: JsArg,
    meta_json: JsArg,
    made_at: JsArg,
  ) -> Result<String> {
    let made_at = made_at.f64("madeAt")?;
    let inner = &mut self.inner;
    session_id.with_str("sessionId", |session_id| {
      signer_secret.with_secret_str("signerSecret", |signer_secret| {
        meta_json.with_optional_str("metaJson", |meta| {
          changes_json.with_str("changesJson", |changes| {
            inner
              .make_new_trusting_transaction(session_id, signer_secret, changes, meta, made_at)
              .js()
          })
        })
      })
    })????
  }

  /// Session ids in the order they were first written.
  #[napi(catch_unwind, ts_return_type = "Array<string>")]
  pub fn get_session_ids(&self, env: Env) -> Result<JsRaw> {
    let ids: Vec<&str> = self.inner.session_ids().collect();
    JsRaw::strings(&env, ids.into_iter())
  }

  /// The number of transactions of a session, -1 if the session is unknown.
  #[napi(catch_unwind, ts_args_type = "sessionId: string")]
  pub fn get_transaction_count(&self, session_id: JsArg) -> Result<i64> {
    session_id.with_str("sessionId", |id| self.inner.transaction_count(id).map_or(-1, i64::from))
  }

  /// A transaction's canonical JSON, or null.
  #[napi(
    catch_unwind,
    ts_args_type = "sessionId: string, txIndex: number",
    ts_return_type = "string | null"
  )]
  pub fn get_transaction(&self, env: Env, session_id: JsArg, tx_index: JsArg) -> Result<JsRaw> {
    let tx_index = tx_index.u32("txIndex")?;
    session_id.with_str("sessionId", |id| {
      JsRaw::optional_string(&env, self.inner.transaction(id, tx_index).map(|t| t.json()))
    })?
  }

  /// The canonical JSON of a session's transactions from `fromIndex` on, or null for an unknown session.
  #[napi(
    catch_unwind,
    ts_args_type = "sessionId: string, fromIndex: number",
    ts_return_type = "Array<string> | null"
  )]
  pub fn get_session_transactions(&self, env: Env, session_id: JsArg, from_index: JsArg) -> Result<JsRaw> {
    let from_index = from_index.u32("fromIndex")?;
    session_id.with_str("sessionId", |id| {
      match self.inner.session_transactions(id, from_index) {
        Some(txs) => JsRaw::strings(&env, txs),
        None => JsRaw::null(&env),
      }
    })?
  }

  /// The last signature of a session, or null.
  #[napi(catch_unwind, ts_args_type = "sessionId: string", ts_return_type = "string | null")]
  pub fn get_last_signature(&self, env: Env, session_id: JsArg) -> Result<JsRaw> {
    session_id.with_str("sessionId", |id| {
      JsRaw::optional_string(&env, self.inner.last_signature(id))
    })?
  }

  /// The in-between signature recorded after transaction `txIndex`, or null.
  #[napi(
    catch_unwind,
    ts_args_type = "sessionId: string, txIndex: number",
    ts_return_type = "string | null"
  )]
  pub fn get_signature_after(&self, env: Env, session_id: JsArg, tx_index: JsArg) -> Result<JsRaw> {
    let tx_index = tx_index.u32("txIndex")?;
    session_id.with_str("sessionId", |id| {
      JsRaw::optional_string(&env, self.inner.signature_after(id, tx_index))
    })?
  }

  /// The index of the last in-between signature: -1 if none, null for an unknown session.
  #[napi(catch_unwind, ts_args_type = "sessionId: string")]
  pub fn get_last_signature_checkpoint(&self, session_id: JsArg) -> Result<Option<i64>> {
    session_id.with_str("sessionId", |id| self.inner.last_signature_checkpoint(id))
  }

  /// The known state (a fresh object each call; sessions in insertion order).
  #[napi(catch_unwind, ts_return_type = "KnownState")]
  pub fn get_known_state(&self, env: Env) -> Result<JsRaw> {
    let state = self.inner.known_state();
    JsRaw::known_state(&env, state.id, &state.sessions)
  }

  /// The known state raised to the streaming counts peers announced, or null when not streaming.
  #[napi(catch_unwind, ts_return_type = "KnownState | null")]
  pub fn get_known_state_with_streaming(&self, env: Env) -> Result<JsRaw> {
    match self.inner.known_state_with_streaming() {
      Some(state) => JsRaw::known_state(&env, state.id, &state.sessions),
      None => JsRaw::null(&env),
    }
  }

  /// Whether announced transactions are still missing.
  #[napi(catch_unwind)]
  pub fn is_streaming(&self) -> bool {
    self.inner.is_streaming()
  }

  /// Merges announced counts (`{"sessionId": count}`) above what is known (ignored once deleted).
  #[napi(catch_unwind, ts_args_type = "streamingJson: string")]
  pub fn set_streaming_known_state(&mut self, streaming_json: JsArg) -> Result<()> {
    let inner = &mut self.inner;
    streaming_json.with_str("streamingJson", |json| inner.set_streaming_known_state(json).js())?
  }

  /// Marks the CoValue deleted: only delete sessions accept writes and appear in the known state.
  #[napi(catch_unwind)]
  pub fn mark_as_deleted(&mut self) {
    self.inner.mark_as_deleted()
  }

  /// Whether the CoValue was marked deleted.
  #[napi(catch_unwind)]
  pub fn is_deleted(&self) -> bool {
    self.inner.is_deleted()
  }

  /// The decrypted changes of a private transaction (a trusting one's as they are); null for an
  /// unknown session.
  #[napi(
    catch_unwind,
    ts_args_type = "sessionId: string, txIndex: number, keySecret: string",
    ts_return_type = "string | null"
  )]
  pub fn decrypt_transaction(&self, env: Env, session_id: JsArg, tx_index: JsArg, key_secret: JsArg) -> Result<JsRaw> {
    let tx_index = tx_index.u32("txIndex")?;
    session_id.with_str("sessionId", |id| {
      key_secret.with_str("keySecret", |key| {
        let plain = self.inner.decrypt_transaction(id, tx_index, key).js()?;
        JsRaw::optional_string(&env, plain.as_deref().map(String::as_str))
      })
    })??
  }

  /// The decrypted meta of a private transaction (a trusting one's as it is); null without meta.
  #[napi(
    catch_unwind,
    ts_args_type = "sessionId: string, txIndex: number, keySecret: string",
    ts_return_type = "string | null"
  )]
  pub fn decrypt_transaction_meta(
    &self,
    env: Env,
    session_id: JsArg,
    tx_index: JsArg,
    key_secret: JsArg,
  ) -> Result<JsRaw> {
    let tx_index = tx_index.u32("txIndex")?;
    session_id.with_str("sessionId", |id| {
      key_secret.with_str("keySecret", |key| {
        let plain = self.inner.decrypt_transaction_meta(id, tx_index, key).js()?;
        JsRaw::optional_string(&env, plain.as_deref().map(String::as_str))
      })
    })??
  }
}
