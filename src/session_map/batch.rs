//! Parsing the transaction batches peers send (`addTransactions`): the fast path for what cojson
//! sends (`scan`), and serde for everything else, which also produces every error message.
//! Transactions are classified by shape, unknown fields are ignored.

use super::scan;
use super::transaction::{Fields, Privacy, Text};
use crate::error::{Code, Error, Result};
use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use std::borrow::Cow;
use std::fmt;

/// Whether the fast batch scanner declines or agrees exactly with serde on `json`: the canonical
/// log both give, and the sizes counted towards in-between signatures.
#[cfg(feature = "fuzzing")]
pub fn paths_agree(json: &str) -> bool {
  let Some(fast) = scan::scan_batch(json) else {
    return true;
  };
  let Ok(slow) = parse_batch_serde(json) else {
    return false;
  };
  render(&fast) == render(&slow)
}

/// The canonical log of parsed transactions, their sizes, and whether every one could be written.
#[cfg(any(test, feature = "fuzzing"))]
pub(super) fn render(parsed: &[Fields]) -> (String, Vec<usize>, bool) {
  let mut log = String::new();
  let sizes = parsed.iter().map(Fields::size).collect();
  let ok = parsed.iter().all(|p| p.append_to(&mut log).is_ok());
  (log, sizes, ok)
}

/// A field value that may or may not be a string (transactions are classified by shape: a
/// non-string `encryptedChanges` does not make a transaction invalid if `changes` is a string).
enum Loose<'a> {
  Str(Cow<'a, str>),
  Null,
  Other,
}

impl<'de: 'a, 'a> Deserialize<'de> for Loose<'a> {
  fn deserialize<D: Deserializer<'de>>(deserializer: D) -> std::result::Result<Self, D::Error> {
    struct LooseVisitor;
    impl<'de> Visitor<'de> for LooseVisitor {
      type Value = Loose<'de>;
      fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
      }
      fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> std::result::Result<Self::Value, E> {
        Ok(Loose::Str(Cow::Borrowed(v)))
      }
      fn visit_str<E: de::Error>(self, v: &str) -> std::result::Result<Self::Value, E> {
        Ok(Loose::Str(Cow::Owned(v.to_owned())))
      }
      fn visit_string<E: de::Error>(self, v: String) -> std::result::Result<Self::Value, E> {
        Ok(Loose::Str(Cow::Owned(v)))
      }
      fn visit_unit<E: de::Error>(self) -> std::result::Result<Self::Value, E> {
        Ok(Loose::Null)
      }
      fn visit_bool<E: de::Error>(self, _: bool) -> std::result::Result<Self::Value, E> {
        Ok(Loose::Other)
      }
      fn visit_i64<E: de::Error>(self, _: i64) -> std::result::Result<Self::Value, E> {
        Ok(Loose::Other)
      }
      fn visit_u64<E: de::Error>(self, _: u64) -> std::result::Result<Self::Value, E> {
        Ok(Loose::Other)
      }
      fn visit_f64<E: de::Error>(self, _: f64) -> std::result::Result<Self::Value, E> {
        Ok(Loose::Other)
      }
      fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> std::result::Result<Self::Value, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Loose::Other)
      }
      fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> std::result::Result<Self::Value, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(Loose::Other)
      }
    }
    deserializer.deserialize_any(LooseVisitor)
  }
}

/// One transaction as a peer sent it (unknown fields are ignored).
#[derive(Deserialize)]
struct Incoming<'a> {
  #[serde(rename = "encryptedChanges", borrow, default)]
  encrypted_changes: Option<Loose<'a>>,
  #[serde(rename = "keyUsed", borrow, default)]
  key_used: Option<Loose<'a>>,
  #[serde(borrow, default)]
  changes: Option<Loose<'a>>,
  #[serde(rename = "madeAt", default)]
  made_at: Option<serde_json::Number>,
  #[serde(borrow, default)]
  meta: Option<Loose<'a>>,
  #[serde(borrow, default)]
  privacy: Option<Loose<'a>>,
}

fn invalid(index: usize, problem: &str) -> Error {
  Error::new(
    Code::InvalidTransaction,
    format!("Invalid transaction at index {index}: {problem}"),
  )
}

/// Parses a JSON array of transactions; any problem anywhere rejects the whole batch.
pub fn parse_batch(transactions_json: &str) -> Result<Vec<Fields<'_>>> {
  if let Some(parsed) = scan::scan_batch(transactions_json) {
    return Ok(parsed);
  }
  parse_batch_serde(transactions_json)
}

/// The general path of [`parse_batch`], which also produces every error message.
pub fn parse_batch_serde(transactions_json: &str) -> Result<Vec<Fields<'_>>> {
  let incoming: Vec<Incoming> = serde_json::from_str(transactions_json)
    .map_err(|e| Error::new(Code::InvalidTransaction, format!("Invalid transactions JSON: {e}")))?;
  incoming
    .into_iter()
    .enumerate()
    .map(|(i, tx)| {
      let made_at = match tx.made_at {
        Some(n) => n
          .as_u64()
          .ok_or_else(|| invalid(i, "madeAt must be an integer from 0 to 18446744073709551615"))?,
        None => return Err(invalid(i, "missing numeric field `madeAt`")),
      };
      if !matches!(tx.privacy, Some(Loose::Str(_))) {
        return Err(invalid(i, "missing string field `privacy`"));
      }
      let meta = match tx.meta {
        None | Some(Loose::Null) => None,
        Some(Loose::Str(s)) => Some(Text::Plain(s)),
        Some(Loose::Other) => return Err(invalid(i, "`meta` must be a string")),
      };
      match (tx.encrypted_changes, tx.key_used, tx.changes) {
        (Some(Loose::Str(changes)), Some(Loose::Str(key_used)), _) => Ok(Fields {
          privacy: Privacy::Private,
          changes: Text::Plain(changes),
          key_used: Text::Plain(key_used),
          made_at,
          meta,
        }),
        (_, _, Some(Loose::Str(changes))) => Ok(Fields {
          privacy: Privacy::Trusting,
          changes: Text::Plain(changes),
          key_used: Text::Plain(Cow::Borrowed("")),
          made_at,
          meta,
        }),
        _ => Err(invalid(
          i,
          "needs string `encryptedChanges` and `keyUsed` (private) or string `changes` (trusting)",
        )),
      }
    })
    .collect()
}

#[cfg(test)]
mod tests {
  use super::*;

  use super::super::transaction::{Entry, Transaction};

  fn canonical(json: &str) -> Vec<String> {
    let mut log = String::new();
    let entries: Vec<Entry> = parse_batch(json)
      .unwrap()
      .iter()
      .map(|p| p.append_to(&mut log).unwrap())
      .collect();
    entries
      .into_iter()
      .map(|e| Transaction::new(&log, e).json().to_owned())
      .collect()
  }

  #[test]
  fn canonicalises_like_upstream() {
    assert_eq!(
      canonical(
        r#"[{"privacy":"whatever","madeAt":1700000000000,"changes":"[{\"op\":\"set\",\"key\":\"a\",\"value\":1}]","extra":[1,{"x":2}]}]"#
      ),
      vec![r#"{"changes":"[{\"op\":\"set\",\"key\":\"a\",\"value\":1}]","madeAt":1700000000000,"privacy":"trusting"}"#]
    );
    assert_eq!(
      canonical(
        r#"[{"keyUsed":"key_z1","encryptedChanges":"encrypted_Uabc=","madeAt":0,"privacy":"private","meta":"encrypted_Um"}]"#
      ),
      vec![
        r#"{"encryptedChanges":"encrypted_Uabc=","keyUsed":"key_z1","madeAt":0,"meta":"encrypted_Um","privacy":"private"}"#
      ]
    );
    // Escapes are normalised as JSON.stringify writes them; null meta is dropped.
    assert_eq!(
      canonical(r#"[{"changes":"\/\u00e9\u0001\n\u2028","madeAt":1,"privacy":"trusting","meta":null}]"#),
      vec!["{\"changes\":\"/é\\u0001\\n\u{2028}\",\"madeAt\":1,\"privacy\":\"trusting\"}"]
    );
    // A non-string encryptedChanges beside a string changes is a trusting transaction.
    assert_eq!(
      canonical(r#"[{"encryptedChanges":5,"changes":"x","madeAt":1,"privacy":"p"}]"#).len(),
      1
    );
  }

  #[test]
  fn rejects_bad_batches() {
    for json in [
      "{}",
      "[",
      r#"[{"changes":"x","madeAt":1.0,"privacy":"trusting"}]"#,
      r#"[{"changes":"x","madeAt":1e3,"privacy":"trusting"}]"#,
      r#"[{"changes":"x","madeAt":-1,"privacy":"trusting"}]"#,
      r#"[{"changes":"x","madeAt":18446744073709551616,"privacy":"trusting"}]"#,
      r#"[{"changes":"x","madeAt":"1","privacy":"trusting"}]"#,
      r#"[{"changes":"x","madeAt":1}]"#,
      r#"[{"changes":5,"madeAt":1,"privacy":"trusting"}]"#,
      r#"[{"changes":"x","madeAt":1,"privacy":"trusting","meta":5}]"#,
      r#"[{"changes":"x","madeAt":1,"privacy":"trusting","changes":"y"}]"#,
      r#"[{"changes":"\ud800","madeAt":1,"privacy":"trusting"}]"#,
    ] {
      assert_eq!(
        parse_batch(json).err().map(|e| e.code),
        Some(Code::InvalidTransaction),
        "{json}"
      );
    }
    assert!(parse_batch(r#"[{"changes":"x","madeAt":18446744073709551615,"privacy":"t"}]"#).is_ok());
  }
}
