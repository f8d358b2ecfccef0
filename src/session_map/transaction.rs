//! Transactions: the canonical JSON that is stored, hashed and signed, and access to the fields of
//! a stored transaction. (Parsing what peers send is in `batch` and `scan`.)
//!
//! Canonical form (keys in this order, compact, strings escaped as `JSON.stringify` does):
//! * private: `{"encryptedChanges":…,"keyUsed":…,"madeAt":…,"meta"?:…,"privacy":"private"}`
//! * trusting: `{"changes":…,"madeAt":…,"meta"?:…,"privacy":"trusting"}`

use crate::error::{Code, Error, Result};
use crate::json;
use std::borrow::Cow;

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

/// A string field value: plain text to be escaped when written, or the contents of a JSON string
/// literal that is already escaped exactly as `JSON.stringify` would escape it (copied as is).
#[derive(Clone, Debug)]
pub enum Text<'a> {
  Plain(Cow<'a, str>),
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
    Text::Plain(Cow::Borrowed(s))
  }
}

/// The field values of a transaction: a local write's, or one parsed from a peer's batch, before
/// it is written out in canonical form.
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
fn push_field(out: &mut String, text: &Text) -> Result<(u32, u32)> {
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
        let changes = push_field(log, &self.changes)?;
        log.push_str(",\"keyUsed\":");
        push_field(log, &self.key_used)?;
        changes
      }
      Privacy::Trusting => {
        log.push_str("{\"changes\":");
        push_field(log, &self.changes)?
      }
    };
    log.push_str(",\"madeAt\":");
    log.push_str(itoa::Buffer::new().format(self.made_at));
    let meta = match &self.meta {
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

#[cfg(test)]
mod tests {
  use super::*;

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
