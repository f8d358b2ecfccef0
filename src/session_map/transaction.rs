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

/// Where a stored transaction is inside its session's log (the concatenation of the canonical JSON
/// of every transaction, which is also exactly what the session's hash chain covers).
#[derive(Debug, Clone, Copy)]
pub struct Entry {
  start: u32,
  end: u32,
  privacy: Privacy,
  /// Byte range of the raw (still escaped) contents of `encryptedChanges` / `changes`.
  changes: (u32, u32),
  /// Byte range of the raw contents of `meta`, if present.
  meta: Option<(u32, u32)>,
}

/// A string field value: plain text to be escaped, or the contents of a JSON string literal that
/// is already escaped exactly as `JSON.stringify` would escape it (copied as is).
#[derive(Clone, Copy, Debug)]
pub enum Text<'a> {
  Plain(&'a str),
  Escaped { raw: &'a str, len: usize },
}

impl Text<'_> {
  /// Byte length of the (unescaped) text.
  pub fn len(&self) -> usize {
    match self {
      Text::Plain(s) => s.len(),
      Text::Escaped { len, .. } => *len,
    }
  }
}

impl<'a> From<&'a str> for Text<'a> {
  fn from(s: &'a str) -> Self {
    Text::Plain(s)
  }
}

/// The field values of a transaction, before it is written out.
pub struct Fields<'a> {
  pub privacy: Privacy,
  /// `encryptedChanges` for private transactions, `changes` for trusting ones.
  pub changes: Text<'a>,
  /// `keyUsed`, for private transactions.
  pub key_used: Text<'a>,
  pub made_at: u64,
  pub meta: Option<Text<'a>>,
}

fn offset(n: usize) -> Result<u32> {
  u32::try_from(n).map_err(|_| Error::new(Code::TransactionTooLarge, "a session log cannot grow beyond 4 GiB"))
}

/// Writes a JSON string and returns the byte range of its contents (between the quotes).
fn push_field(out: &mut String, text: Text) -> Result<(u32, u32)> {
  let start = out.len() + 1;
  match text {
    Text::Plain(s) => json::push_string(out, s),
    Text::Escaped { raw, .. } => {
      out.push('"');
      out.push_str(raw);
      out.push('"');
    }
  }
  Ok((offset(start)?, offset(out.len() - 1)?))
}

impl Fields<'_> {
  /// The size that counts towards in-between signatures: the byte length of `encryptedChanges`
  /// (private) or `changes` (trusting).
  pub fn size(&self) -> usize {
    self.changes.len()
  }

  /// Appends the canonical JSON to a session log and returns where it is.
  pub fn append_to(&self, log: &mut String) -> Result<Entry> {
    let start = offset(log.len())?;
    let changes = match self.privacy {
      Privacy::Private => {
        log.push_str("{\"encryptedChanges\":");
        let changes = push_field(log, self.changes)?;
        log.push_str(",\"keyUsed\":");
        push_field(log, self.key_used)?;
        changes
      }
      Privacy::Trusting => {
        log.push_str("{\"changes\":");
        push_field(log, self.changes)?
      }
    };
    log.push_str(",\"madeAt\":");
    log.push_str(itoa::Buffer::new().format(self.made_at));
    let meta = match self.meta {
      Some(m) => {
        log.push_str(",\"meta\":");
        Some(push_field(log, m)?)
      }
      None => None,
    };
    log.push_str(match self.privacy {
      Privacy::Private => ",\"privacy\":\"private\"}",
      Privacy::Trusting => ",\"privacy\":\"trusting\"}",
    });
    Ok(Entry {
      start,
      end: offset(log.len())?,
      privacy: self.privacy,
      changes,
      meta,
    })
  }
}

/// A stored transaction: its entry and the session log it points into.
#[derive(Clone, Copy)]
pub struct Transaction<'a> {
  log: &'a str,
  entry: Entry,
}

impl<'a> Transaction<'a> {
  pub fn new(log: &'a str, entry: Entry) -> Self {
    Transaction { log, entry }
  }

  /// The canonical JSON.
  pub fn json(&self) -> &'a str {
    self
      .log
      .get(self.entry.start as usize..self.entry.end as usize)
      .unwrap_or("")
  }

  pub fn privacy(&self) -> Privacy {
    self.entry.privacy
  }

  fn field(&self, range: (u32, u32)) -> Cow<'a, str> {
    let (start, end) = (range.0 as usize, range.1 as usize);
    let raw = self.log.get(start..end).unwrap_or("");
    if !raw.contains('\\') {
      return Cow::Borrowed(raw);
    }
    // Escaped content: let serde_json undo the escapes of the quoted literal.
    let quoted = self.log.get(start.saturating_sub(1)..end + 1).unwrap_or("\"\"");
    Cow::Owned(serde_json::from_str::<String>(quoted).unwrap_or_default())
  }

  /// `encryptedChanges` (private) or `changes` (trusting), unescaped.
  pub fn changes(&self) -> Cow<'a, str> {
    self.field(self.entry.changes)
  }

  /// `meta`, unescaped, if present.
  pub fn meta(&self) -> Option<Cow<'a, str>> {
    self.entry.meta.map(|r| self.field(r))
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

/// A string field of a parsed transaction.
pub enum Value<'a> {
  /// Unescaped by serde (the general path).
  Owned(Cow<'a, str>),
  /// Canonically escaped literal contents (the fast path, see `scan`).
  Escaped { raw: &'a str, len: usize },
}

impl Value<'_> {
  fn text(&self) -> Text<'_> {
    match self {
      Value::Owned(s) => Text::Plain(s),
      Value::Escaped { raw, len } => Text::Escaped { raw, len: *len },
    }
  }
}

/// A transaction parsed from a peer's batch, ready to be written in canonical form.
pub struct Parsed<'a> {
  pub(super) privacy: Privacy,
  pub(super) changes: Value<'a>,
  pub(super) key_used: Value<'a>,
  pub(super) made_at: u64,
  pub(super) meta: Option<Value<'a>>,
}

impl Parsed<'_> {
  pub fn fields(&self) -> Fields<'_> {
    Fields {
      privacy: self.privacy,
      changes: self.changes.text(),
      key_used: self.key_used.text(),
      made_at: self.made_at,
      meta: self.meta.as_ref().map(Value::text),
    }
  }
}

/// Parses a JSON array of transactions; any problem anywhere rejects the whole batch.
pub fn parse_batch(transactions_json: &str) -> Result<Vec<Parsed<'_>>> {
  if let Some(parsed) = super::scan::scan_batch(transactions_json) {
    return Ok(parsed);
  }
  parse_batch_serde(transactions_json)
}

/// The general path of [`parse_batch`], which also produces every error message.
pub fn parse_batch_serde(transactions_json: &str) -> Result<Vec<Parsed<'_>>> {
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
        Some(Loose::Str(s)) => Some(Value::Owned(s)),
        Some(Loose::Other) => return Err(invalid(i, "`meta` must be a string")),
      };
      match (tx.encrypted_changes, tx.key_used, tx.changes) {
        (Some(Loose::Str(changes)), Some(Loose::Str(key_used)), _) => Ok(Parsed {
          privacy: Privacy::Private,
          changes: Value::Owned(changes),
          key_used: Value::Owned(key_used),
          made_at,
          meta,
        }),
        (_, _, Some(Loose::Str(changes))) => Ok(Parsed {
          privacy: Privacy::Trusting,
          changes: Value::Owned(changes),
          key_used: Value::Owned(Cow::Borrowed("")),
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
    let mut log = String::new();
    let entries: Vec<Entry> = parse_batch(json)
      .unwrap()
      .iter()
      .map(|p| p.fields().append_to(&mut log).unwrap())
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

  #[test]
  fn field_ranges_unescape() {
    let mut log = String::from("{\"previous\":1}");
    let first = Fields {
      privacy: Privacy::Trusting,
      changes: "a\"b".into(),
      key_used: "".into(),
      made_at: 1,
      meta: Some("m\n".into()),
    }
    .append_to(&mut log)
    .unwrap();
    let second = Fields {
      privacy: Privacy::Private,
      changes: "encrypted_Uxy".into(),
      key_used: "key_z".into(),
      made_at: 1,
      meta: None,
    }
    .append_to(&mut log)
    .unwrap();
    let tx = Transaction::new(&log, first);
    assert_eq!(tx.changes(), "a\"b");
    assert_eq!(tx.meta().unwrap(), "m\n");
    assert_eq!(
      tx.json(),
      r#"{"changes":"a\"b","madeAt":1,"meta":"m\n","privacy":"trusting"}"#
    );
    let tx = Transaction::new(&log, second);
    assert_eq!(tx.changes(), "encrypted_Uxy");
    assert!(tx.meta().is_none());
    assert_eq!(tx.privacy(), Privacy::Private);
  }
}
