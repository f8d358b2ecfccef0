//! The `SessionMap` class of cojson-core-napi 0.20.19, over `crate::session_map`.

use super::convert::{
  bool, f64, long_text, optional_bool, optional_text, optional_u32, secret_text, text, u32, IntoJs, Result,
};
use super::raw::{Arg, JsValue, Values};
use crate::session_map;
use napi::Env;
use napi_derive::napi;

/// One CoValue's header and its per-session, hash-chained, signed transaction logs.
///
/// Every method is atomic: a call that throws leaves the map exactly as it was.
#[napi]
pub struct SessionMap {
  inner: session_map::SessionMap,
}

#[napi]
impl SessionMap {
  /// Validates the header and, unless `skipVerify`, checks that `coId` is its hash.
  /// `maxTxSize` (default 102400) is the byte count after which an in-between signature is kept.
  #[napi(
    constructor,
    catch_unwind,
    ts_args_type = "coId: string, headerJson: string, maxTxSize?: number | undefined | null, skipVerify?: boolean | undefined | null"
  )]
  pub fn new(co_id: Arg<'_>, header_json: Arg<'_>, max_tx_size: Arg<'_>, skip_verify: Arg<'_>) -> Result<Self> {
    let co_id = text(co_id, "coId")?;
    let header_json = text(header_json, "headerJson")?;
    let max_tx_size = optional_u32(max_tx_size, "maxTxSize")?;
    let skip_verify = optional_bool(skip_verify, "skipVerify")?;
    let inner = session_map::SessionMap::new(&co_id, &header_json, max_tx_size, skip_verify).js()?;
    Ok(SessionMap { inner })
  }

  /// The canonical header JSON (cojson's `stableStringify` of the header).
  #[napi(catch_unwind)]
  pub fn get_header(&self) -> &str {
    self.inner.header()
  }

  /// Verifies (unless `skipVerify`) and appends a batch of transactions from a peer, all or nothing.
  /// `signerId` is used when the session is new.
  #[napi(
    catch_unwind,
    ts_args_type = "sessionId: string, signerId: string | undefined | null, transactionsJson: string, signature: string, skipVerify: boolean"
  )]
  pub fn add_transactions(
    &mut self,
    session_id: Arg<'_>,
    signer_id: Arg<'_>,
    transactions_json: Arg<'_>,
    signature: Arg<'_>,
    skip_verify: Arg<'_>,
  ) -> Result<()> {
    let session_id = text(session_id, "sessionId")?;
    let signer_id = optional_text(signer_id, "signerId")?;
    let transactions_json = long_text(transactions_json, "transactionsJson")?;
    let signature = text(signature, "signature")?;
    let skip_verify = bool(skip_verify, "skipVerify")?;
    self
      .inner
      .add_transactions(
        &session_id,
        signer_id.as_deref(),
        &transactions_json,
        &signature,
        skip_verify,
      )
      .js()
  }

  /// Appends a private (encrypted) local transaction; returns `{"signature":…,"transaction":…}`.
  #[napi(
    catch_unwind,
    ts_args_type = "sessionId: string, signerSecret: string, changesJson: string, keyId: string, keySecret: string, metaJson: string | undefined | null, madeAt: number"
  )]
  #[allow(clippy::too_many_arguments)] // mirrors the JS API of 0.20.19
  pub fn make_new_private_transaction(
    &mut self,
    session_id: Arg<'_>,
    signer_secret: Arg<'_>,
    changes_json: Arg<'_>,
    key_id: Arg<'_>,
    key_secret: Arg<'_>,
    meta_json: Arg<'_>,
    made_at: Arg<'_>,
  ) -> Result<String> {
    let session_id = text(session_id, "sessionId")?;
    let signer_secret = secret_text(signer_secret, "signerSecret")?;
    let changes_json = text(changes_json, "changesJson")?;
    let key_id = text(key_id, "keyId")?;
    let key_secret = secret_text(key_secret, "keySecret")?;
    let meta_json = optional_text(meta_json, "metaJson")?;
    let made_at = f64(made_at, "madeAt")?;
    self
      .inner
      .make_new_private_transaction(
        &session_id,
        &signer_secret,
        &changes_json,
        &key_id,
        &key_secret,
        meta_json.as_deref(),
        made_at,
      )
      .js()
  }

  /// Appends a trusting (plain) local transaction; returns `{"signature":…,"transaction":…}`.
  #[napi(
    catch_unwind,
    ts_args_type = "sessionId: string, signerSecret: string, changesJson: string, metaJson: string | undefined | null, madeAt: number"
  )]
  pub fn make_new_trusting_transaction(
    &mut self,
    session_id: Arg<'_>,
    signer_secret: Arg<'_>,
    changes_json: Arg<'_>,
    meta_json: Arg<'_>,
    made_at: Arg<'_>,
  ) -> Result<String> {
    let session_id = text(session_id, "sessionId")?;
    let signer_secret = secret_text(signer_secret, "signerSecret")?;
    let changes_json = text(changes_json, "changesJson")?;
    let meta_json = optional_text(meta_json, "metaJson")?;
    let made_at = f64(made_at, "madeAt")?;
    self
      .inner
      .make_new_trusting_transaction(
        &session_id,
        &signer_secret,
        &changes_json,
        meta_json.as_deref(),
        made_at,
      )
      .js()
  }

  /// Session ids in the order they were first written.
  #[napi(catch_unwind, ts_return_type = "Array<string>")]
  pub fn get_session_ids(&self, env: Env) -> Result<JsValue> {
    Values::new(&env).strings(self.inner.session_ids()).js()
  }

  /// The number of transactions of a session, -1 if the session is unknown.
  #[napi(catch_unwind, ts_args_type = "sessionId: string")]
  pub fn get_transaction_count(&self, session_id: Arg<'_>) -> Result<i64> {
    let session_id = text(session_id, "sessionId")?;
    Ok(self.inner.transaction_count(&session_id).map_or(-1, i64::from))
  }

  /// A transaction's canonical JSON, or null.
  #[napi(catch_unwind, ts_args_type = "sessionId: string, txIndex: number")]
  pub fn get_transaction(&self, session_id: Arg<'_>, tx_index: Arg<'_>) -> Result<Option<&str>> {
    let session_id = text(session_id, "sessionId")?;
    let tx_index = u32(tx_index, "txIndex")?;
    Ok(self.inner.transaction(&session_id, tx_index).map(|t| t.json()))
  }

  /// The canonical JSON of a session's transactions from `fromIndex` on, or null for an unknown session.
  #[napi(
    catch_unwind,
    ts_args_type = "sessionId: string, fromIndex: number",
    ts_return_type = "Array<string> | null"
  )]
  pub fn get_session_transactions(&self, env: Env, session_id: Arg<'_>, from_index: Arg<'_>) -> Result<JsValue> {
    let session_id = text(session_id, "sessionId")?;
    let from_index = u32(from_index, "fromIndex")?;
    let values = Values::new(&env);
    match self.inner.session_transactions(&session_id, from_index) {
      Some(transactions) => values.strings(transactions),
      None => values.null(),
    }
    .js()
  }

  /// The last signature of a session, or null.
  #[napi(catch_unwind, ts_args_type = "sessionId: string")]
  pub fn get_last_signature(&self, session_id: Arg<'_>) -> Result<Option<&str>> {
    let session_id = text(session_id, "sessionId")?;
    Ok(self.inner.last_signature(&session_id))
  }

  /// The in-between signature recorded after transaction `txIndex`, or null.
  #[napi(catch_unwind, ts_args_type = "sessionId: string, txIndex: number")]
  pub fn get_signature_after(&self, session_id: Arg<'_>, tx_index: Arg<'_>) -> Result<Option<&str>> {
    let session_id = text(session_id, "sessionId")?;
    let tx_index = u32(tx_index, "txIndex")?;
    Ok(self.inner.signature_after(&session_id, tx_index))
  }

  /// The index of the last in-between signature: -1 if none, null for an unknown session.
  #[napi(catch_unwind, ts_args_type = "sessionId: string")]
  pub fn get_last_signature_checkpoint(&self, session_id: Arg<'_>) -> Result<Option<i64>> {
    let session_id = text(session_id, "sessionId")?;
    Ok(self.inner.last_signature_checkpoint(&session_id))
  }

  /// The known state (a fresh object each call; sessions in insertion order).
  #[napi(catch_unwind, ts_return_type = "KnownState")]
  pub fn get_known_state(&self, env: Env) -> Result<JsValue> {
    let state = self.inner.known_state();
    Values::new(&env).known_state(state.id, state.sessions.into_iter()).js()
  }

  /// The known state raised to the streaming counts peers announced, or null when not streaming.
  #[napi(catch_unwind, ts_return_type = "KnownState | null")]
  pub fn get_known_state_with_streaming(&self, env: Env) -> Result<JsValue> {
    let values = Values::new(&env);
    match self.inner.known_state_with_streaming() {
      Some(state) => values.known_state(state.id, state.sessions.into_iter()),
      None => values.null(),
    }
    .js()
  }

  /// Whether announced transactions are still missing.
  #[napi(catch_unwind)]
  pub fn is_streaming(&self) -> bool {
    self.inner.is_streaming()
  }

  /// Merges announced counts (`{"sessionId": count}`) above what is known (ignored once deleted).
  #[napi(catch_unwind, ts_args_type = "streamingJson: string")]
  pub fn set_streaming_known_state(&mut self, streaming_json: Arg<'_>) -> Result<()> {
    let streaming_json = long_text(streaming_json, "streamingJson")?;
    self.inner.set_streaming_known_state(&streaming_json).js()
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
  pub fn decrypt_transaction(
    &self,
    env: Env,
    session_id: Arg<'_>,
    tx_index: Arg<'_>,
    key_secret: Arg<'_>,
  ) -> Result<JsValue> {
    let session_id = text(session_id, "sessionId")?;
    let tx_index = u32(tx_index, "txIndex")?;
    let key_secret = secret_text(key_secret, "keySecret")?;
    let plain = self
      .inner
      .decrypt_transaction(&session_id, tx_index, &key_secret)
      .js()?;
    optional_string(&env, plain.as_deref().map(String::as_str))
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
    session_id: Arg<'_>,
    tx_index: Arg<'_>,
    key_secret: Arg<'_>,
  ) -> Result<JsValue> {
    let session_id = text(session_id, "sessionId")?;
    let tx_index = u32(tx_index, "txIndex")?;
    let key_secret = secret_text(key_secret, "keySecret")?;
    let plain = self
      .inner
      .decrypt_transaction_meta(&session_id, tx_index, &key_secret)
      .js()?;
    optional_string(&env, plain.as_deref().map(String::as_str))
  }
}

fn optional_string(env: &Env, s: Option<&str>) -> Result<JsValue> {
  let values = Values::new(env);
  match s {
    Some(s) => values.string(s),
    None => values.null(),
  }
  .js()
}
