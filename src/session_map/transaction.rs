//! Transactions: parsing what peers send, the canonical JSON that is stored, hashed and signed,
//! and access to the fields of a stored transaction.
//!
//! Canonical form (keys in this order, compact, strings escaped as `JSON.stringify` does):
//! * private: `{"encryptedChanges":…,"keyUsed":…,"madeAt":…,"meta"?:…,"privacy":"private"}`
//! * trusting: `{"changes":…,"madeAt":…,"meta"?:…,"privacy":"trusting"}`

use crate::error::{Code, Error, Result};
use crate::json;
use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use std::borrow::Cow;
use std::fmt;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Privacy {
  Private,
  Trusting,
}

/// A transaction as stored: its canonical JSON and where its string fields are inside it.
#[derive(Debug, Clone)]
pub struct Transaction {
  json: Box<str>,
  privacy: Privacy,
  /// Byte range of the raw (still escaped) contents of `encryptedChanges` / `changes`.
  changes: (u32, u32),
  /// Byte range of the raw contents of `meta`, if present.
  meta: Option<(u32, u32)>,
}

/// The field values of a transaction, before it is written out.
pub struct Fields<'a> {
  pub privacy: Privacy,
  /// `encryptedChanges` for private transactions, `changes` for trusting ones.
  pub changes: &'a str,
  /// `keyUsed`, for private transactions.
  pub key_used: &'a str,
  pub made_at: u64,
  pub meta: Option<&'a str>,
}

impl Fields<'_> {
  /// The size that counts towards in-between signatures: the byte length of `encryptedChanges`
  /// (private) or `changes` (trusting).
  pub fn size(&self) -> usize {
    self.changes.len()
  }

  /// Writes the canonical JSON.
  pub fn to_transaction(&self) -> Result<Transaction> {
    let mut out = String::with_capacity(self.changes.len() + self.meta.map_or(0, str::len) + self.key_used.len() + 96);
    let changes;
    match self.privacy {
      Privacy::Private => {
        out.push_str("{\"encryptedChanges\":");
        changes = push_field(&mut out, self.changes);
        out.push_str(",\"keyUsed\":");
        push_field(&mut out, self.key_used);
      }
      Privacy::Trusting => {
        out.push_str("{\"changes\":");
        changes = push_field(&mut out, self.changes);
      }
    }
    out.push_str(",\"madeAt\":");
    out.push_str(&self.made_at.to_string());
    let meta = self.meta.map(|m| {
      out.push_str(",\"meta\":");
      push_field(&mut out, m)
    });
    out.push_str(match self.privacy {
      Privacy::Private => ",\"privacy\":\"private\"}",
      Privacy::Trusting => ",\"privacy\":\"trusting\"}",
    });
    let range = |r: (usize, usize)| -> Result<(u32, u32)> {
      Ok((
        u32::try_from(r.0).map_err(|_| too_large())?,
        u32::try_from(r.1).map_err(|_| too_large())?,
      ))
    };
    Ok(Transaction {
      changes: range(changes)?,
      meta: meta.map(range).transpose()?,
      json: out.into_boxed_str(),
      privacy: self.privacy,
    })
  }
}

fn too_large() -> Error {
  Error::new(
    Code::TransactionTooLarge,
    "a transaction larger than 4 GiB cannot be stored",
  )
}

/// Writes a JSON string and returns the byte range of its contents (between the quotes).
fn push_field(out: &mut String, s: &str) -> (usize, usize) {
  let start = out.len() + 1;
  json::push_string(out, s);
  (start, out.len() - 1)
}

impl Transaction {
  /// The canonical JSON.
  pub fn json(&self) -> &str {
    &self.json
  }

  pub fn privacy(&self) -> Privacy {
    self.privacy
  }

  fn field(&self, range: (u32, u32)) -> Cow<'_, str> {
    let (start, end) = (range.0 as usize, range.1 as usize);
    let raw = self.json.get(start..end).unwrap_or("");
    if !raw.contains('\\') {
      return Cow::Borrowed(raw);
    }
    // Escaped content: let serde_json undo the escapes of the quoted literal.
    let quoted = self.json.get(start.saturating_sub(1)..end + 1).unwrap_or("\"\"");
    Cow::Owned(serde_json::from_str::<String>(quoted).unwrap_or_default())
  }

  /// `encryptedChanges` (private) or `changes` (trusting), unescaped.
  pub fn changes(&self) -> Cow<'_, str> {
    self.field(self.changes)
  }

  /// `meta`, unescaped, if present.
  pub fn meta(&self) -> Option<Cow<'_, str>> {
    self.meta.map(|r| self.field(r))
  }
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

/// A transaction parsed from a peer's batch, ready to be written in canonical form.
pub struct Parsed<'a> {
  privacy: Privacy,
  changes: Cow<'a, str>,
  key_used: Cow<'a, str>,
  made_at: u64,
  meta: Option<Cow<'a, str>>,
}

impl Parsed<'_> {
  pub fn fields(&self) -> Fields<'_> {
    Fields {
      privacy: self.privacy,
      changes: &self.changes,
      key_used: &self.key_used,
      made_at: self.made_at,
      meta: self.meta.as_deref(),
    }
  }
}

/// Parses a JSON array of transactions; any problem anywhere rejects the whole batch.
pub fn parse_batch(transactions_json: &str) -> Result<Vec<Parsed<'_>>> {
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
        Some(Loose::Str(s)) => Some(s),
        Some(Loose::Other) => return Err(invalid(i, "`meta` must be a string")),
      };
      match (tx.encrypted_changes, tx.key_used, tx.changes) {
        (Some(Loose::Str(changes)), Some(Loose::Str(key_used)), _) => Ok(Parsed {
          privacy: Privacy::Private,
          changes,
          key_used,
          made_at,
          meta,
        }),
        (_, _, Some(Loose::Str(changes))) => Ok(Parsed {
          privacy: Privacy::Trusting,
          changes,
          key_used: Cow::Borrowed(""),
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

  fn canonical(json: &str) -> Vec<String> {
    parse_batch(json)
      .unwrap()
      .iter()
      .map(|p| p.fields().to_transaction().unwrap().json().to_owned())
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

  #[test]
  fn field_ranges_unescape() {
    let tx = Fields {
      privacy: Privacy::Trusting,
      changes: "a\"b",
      key_used: "",
      made_at: 1,
      meta: Some("m\n"),
    }
    .to_transaction()
    .unwrap();
    assert_eq!(tx.changes(), "a\"b");
    assert_eq!(tx.meta().unwrap(), "m\n");
    let tx = Fields {
      privacy: Privacy::Private,
      changes: "encrypted_Uxy",
      key_used: "key_z",
      made_at: 1,
      meta: None,
    }
    .to_transaction()
    .unwrap();
    assert_eq!(tx.changes(), "encrypted_Uxy");
    assert!(tx.meta().is_none());
  }
}
