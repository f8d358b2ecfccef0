//! A fast path for the transaction batches cojson sends.
//!
//! cojson sends `JSON.stringify` of an array of flat transaction objects. Their string values are
//! then already escaped exactly as the canonical form escapes them, so they can be copied into the
//! session log as they are, without unescaping and escaping again (serde's path spends most of
//! `addTransactions` doing that). This scanner accepts only that plain shape: an array of objects
//! whose values are strings, integers, `true`, `false` or `null`, with every string escaped
//! canonically and no escaped keys. For anything else it returns `None`, and the caller parses with
//! serde, which also produces every error message; for what it accepts it gives exactly serde's
//! result (tested below, and by the `parse_batch` fuzz target).

use super::transaction::{Fields, Privacy, Text};
use std::borrow::Cow;

/// Bytes that end a run of plain string contents: `"`, `\` and control characters.
static SPECIAL: [bool; 256] = {
  let mut table = [false; 256];
  let mut i = 0;
  while i < 0x20 {
    table[i] = true;
    i += 1;
  }
  table[b'"' as usize] = true;
  table[b'\\' as usize] = true;
  table
};

/// The characters of the two-character escapes `JSON.stringify` writes: `\" \\ \b \f \n \r \t`.
static SHORT_ESCAPE: [bool; 256] = {
  let mut table = [false; 256];
  table[b'"' as usize] = true;
  table[b'\\' as usize] = true;
  table[b'b' as usize] = true;
  table[b'f' as usize] = true;
  table[b'n' as usize] = true;
  table[b'r' as usize] = true;
  table[b't' as usize] = true;
  table
};

struct Scanner<'a> {
  text: &'a str,
  bytes: &'a [u8],
  pos: usize,
}

/// A value of the plain shape.
enum Scalar<'a> {
  Str { raw: &'a str, len: usize },
  Int(&'a str),
  Literal,
  Null,
}

impl<'a> Scanner<'a> {
  fn skip_ws(&mut self) {
    while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.bytes.get(self.pos) {
      self.pos += 1;
    }
  }

  fn peek(&mut self) -> Option<u8> {
    self.skip_ws();
    self.bytes.get(self.pos).copied()
  }

  fn eat(&mut self, b: u8) -> Option<()> {
    (self.peek()? == b).then(|| self.pos += 1)
  }

  /// A string literal whose escapes are canonical (`JSON.stringify`'s): returns the contents and
  /// the unescaped byte length.
  fn string(&mut self) -> Option<(&'a str, usize)> {
    self.eat(b'"')?;
    let start = self.pos;
    // Bytes the escapes add beyond the text they stand for.
    let mut overhead = 0;
    loop {
      // Skip plain bytes in a tight loop; stop at a quote, a backslash or a control character.
      let rest = self.bytes.get(self.pos..)?;
      self.pos += rest.iter().position(|&b| SPECIAL[b as usize])?;
      match self.bytes[self.pos] {
        b'"' => break,
        b'\\' => match *self.bytes.get(self.pos + 1)? {
          c if SHORT_ESCAPE[c as usize] => {
            self.pos += 2;
            overhead += 1;
          }
          b'u' => {
            // Only control characters without a short form are written as \u00xx (lowercase).
            let hex = self.bytes.get(self.pos + 2..self.pos + 6)?;
            let digit = |c: u8| match c {
              b'0'..=b'9' => Some(c - b'0'),
              b'a'..=b'f' => Some(c - b'a' + 10),
              _ => None,
            };
            if hex[0] != b'0' || hex[1] != b'0' {
              return None;
            }
            let value = digit(hex[2])? * 16 + digit(hex[3])?;
            if value >= 0x20 || matches!(value, 0x08 | 0x09 | 0x0a | 0x0c | 0x0d) {
              return None;
            }
            self.pos += 6;
            overhead += 5;
          }
          _ => return None,
        },
        // A raw control character: invalid JSON, for serde to report.
        _ => return None,
      }
    }
    let raw = self.text.get(start..self.pos)?;
    self.pos += 1;
    Some((raw, raw.len() - overhead))
  }

  fn scalar(&mut self) -> Option<Scalar<'a>> {
    match self.peek()? {
      b'"' => self.string().map(|(raw, len)| Scalar::Str { raw, len }),
      b'0'..=b'9' => {
        let start = self.pos;
        while let Some(b'0'..=b'9') = self.bytes.get(self.pos) {
          self.pos += 1;
        }
        let digits = self.text.get(start..self.pos)?;
        // Leading zeros, fractions and exponents: leave them to serde.
        if (digits.len() > 1 && digits.starts_with('0')) || matches!(self.bytes.get(self.pos), Some(b'.' | b'e' | b'E'))
        {
          return None;
        }
        Some(Scalar::Int(digits))
      }
      b't' => self.literal("true").map(|_| Scalar::Literal),
      b'f' => self.literal("false").map(|_| Scalar::Literal),
      b'n' => self.literal("null").map(|_| Scalar::Null),
      _ => None,
    }
  }

  fn literal(&mut self, word: &str) -> Option<()> {
    let end = self.pos + word.len();
    (self.bytes.get(self.pos..end)? == word.as_bytes()).then(|| self.pos = end)
  }

  /// One transaction object.
  fn transaction(&mut self) -> Option<Fields<'a>> {
    self.eat(b'{')?;
    // Known fields, in the order of `FIELDS`; a repeated known field is left to serde (an error).
    const FIELDS: [&str; 6] = ["encryptedChanges", "keyUsed", "changes", "madeAt", "meta", "privacy"];
    let mut found: [Option<Scalar<'a>>; 6] = Default::default();
    if self.peek()? != b'}' {
      loop {
        let (key, _) = self.string()?;
        if key.contains('\\') {
          return None;
        }
        self.eat(b':')?;
        let value = self.scalar()?;
        if let Some(slot) = FIELDS.iter().position(|f| *f == key) {
          if found[slot].is_some() {
            return None;
          }
          found[slot] = Some(value);
        }
        match self.peek()? {
          b',' => self.pos += 1,
          b'}' => break,
          _ => return None,
        }
      }
    }
    self.pos += 1;
    let [encrypted_changes, key_used, changes, made_at, meta, privacy] = found;
    let made_at = match made_at? {
      Scalar::Int(digits) => digits.parse::<u64>().ok()?,
      _ => return None,
    };
    if !matches!(privacy?, Scalar::Str { .. }) {
      return None;
    }
    let meta = match meta {
      None | Some(Scalar::Null) => None,
      Some(Scalar::Str { raw, len }) => Some(Text::Escaped { raw, len }),
      Some(_) => return None,
    };
    match (encrypted_changes, key_used, changes) {
      (
        Some(Scalar::Str { raw, len }),
        Some(Scalar::Str {
          raw: key_raw,
          len: key_len,
        }),
        _,
      ) => Some(Fields {
        privacy: Privacy::Private,
        changes: Text::Escaped { raw, len },
        key_used: Text::Escaped {
          raw: key_raw,
          len: key_len,
        },
        made_at,
        meta,
      }),
      (_, _, Some(Scalar::Str { raw, len })) => Some(Fields {
        privacy: Privacy::Trusting,
        changes: Text::Escaped { raw, len },
        key_used: Text::Plain(Cow::Borrowed("")),
        made_at,
        meta,
      }),
      _ => None,
    }
  }
}

/// Parses a batch of the plain shape; `None` means "use the general parser".
pub fn scan_batch(text: &str) -> Option<Vec<Fields<'_>>> {
  let mut scanner = Scanner {
    text,
    bytes: text.as_bytes(),
    pos: 0,
  };
  scanner.eat(b'[')?;
  let mut out = Vec::new();
  if scanner.peek()? != b']' {
    loop {
      out.push(scanner.transaction()?);
      match scanner.peek()? {
        b',' => scanner.pos += 1,
        b']' => break,
        _ => return None,
      }
    }
  }
  scanner.pos += 1;
  scanner.skip_ws();
  (scanner.pos == text.len()).then_some(out)
}

#[cfg(test)]
mod tests {
  use super::super::batch::{parse_batch_serde, render};
  use super::*;

  /// The fast path either declines or agrees with serde exactly.
  fn check(input: &str) -> bool {
    let slow = parse_batch_serde(input);
    match scan_batch(input) {
      Some(fast) => {
        let slow = slow.unwrap_or_else(|e| panic!("fast path accepted what serde rejects ({e}): {input}"));
        assert_eq!(render(&fast), render(&slow), "{input}");
        true
      }
      None => false,
    }
  }

  #[test]
  fn accepts_what_cojson_sends() {
    assert!(check(
      r#"[{"privacy":"trusting","madeAt":1700000000000,"changes":"[{\"op\":\"set\",\"key\":\"a\\\\b\",\"value\":\"\n\u001f\"}]"}]"#
    ));
    assert!(check(
      r#"[{"privacy":"private","madeAt":0,"encryptedChanges":"encrypted_Uab-_==","keyUsed":"key_z1","meta":"encrypted_Ux"}]"#
    ));
    assert!(!check(
      r#" [ { "changes" : "é\u2028" , "madeAt" : 18446744073709551615 , "privacy" : "x" , "meta" : null , "other" : [ ] } ] "#
    ));
    assert!(check(" [ { \"changes\" : \"é\u{2028}\\u0000\" ,\n\"madeAt\" : 18446744073709551615 , \"privacy\" : \"x\" , \"meta\" : null } ]\t"));
    assert!(check("[]"));
    assert!(check(
      r#"[{"changes":"x","madeAt":1,"privacy":"p","extra":true,"n":null,"k":12}]"#
    ));
  }

  #[test]
  fn declines_everything_unusual() {
    for input in [
      r#"[{"changes":"\/","madeAt":1,"privacy":"p"}]"#,
      r#"[{"changes":"\u00e9","madeAt":1,"privacy":"p"}]"#,
      r#"[{"changes":"\u000A","madeAt":1,"privacy":"p"}]"#,
      r#"[{"changes":"\u0008","madeAt":1,"privacy":"p"}]"#,
      r#"[{"changes":"x","madeAt":1.0,"privacy":"p"}]"#,
      r#"[{"changes":"x","madeAt":-1,"privacy":"p"}]"#,
      r#"[{"changes":"x","madeAt":01,"privacy":"p"}]"#,
      r#"[{"changes":"x","madeAt":18446744073709551616,"privacy":"p"}]"#,
      r#"[{"changes":"x","changes":"y","madeAt":1,"privacy":"p"}]"#,
      r#"[{"chang\u0065s":"x","madeAt":1,"privacy":"p"}]"#,
      r#"[{"changes":"x","madeAt":1,"privacy":5}]"#,
      r#"[{"changes":"x","madeAt":1,"privacy":"p","meta":1}]"#,
      r#"[{"changes":"x","madeAt":1,"privacy":"p"}] x"#,
      r#"[{"changes":"x","madeAt":1,"privacy":"p"},]"#,
      "[{\"changes\":\"a\u{1}\",\"madeAt\":1,\"privacy\":\"p\"}]",
      r#"{"changes":"x"}"#,
    ] {
      assert!(!check(input), "{input}");
    }
  }

  #[test]
  fn agrees_with_serde_on_mutated_batches() {
    let base = r#"[{"privacy":"trusting","madeAt":17,"changes":"[{\"a\":\"b\\n\"}]","meta":"m"},{"encryptedChanges":"encrypted_U-_=","keyUsed":"key_z","madeAt":0,"privacy":"private"}]"#;
    let alphabet: &[u8] = b"\"\\{}[],:0123456789abcdefnrtu. \n-e";
    let mut next = crate::test_support::rng("agrees_with_serde_on_mutated_batches", 0x9e37_79b9_7f4a_7c15);
    let mut accepted = 0;
    for _ in 0..20_000 {
      let mut bytes = base.as_bytes().to_vec();
      for _ in 0..(1 + next() % 3) {
        let i = (next() as usize) % bytes.len();
        match next() % 3 {
          0 => bytes[i] = alphabet[(next() as usize) % alphabet.len()],
          1 => {
            bytes.remove(i);
          }
          _ => bytes.insert(i, alphabet[(next() as usize) % alphabet.len()]),
        }
      }
      if let Ok(input) = String::from_utf8(bytes) {
        accepted += usize::from(check(&input));
      }
    }
    assert!(
      accepted > 100,
      "the mutations should keep some batches valid ({accepted})"
    );
  }
}
