//! CoValue headers: structural validation and the canonical form whose hash is the CoValue id.
//!
//! The canonical form is cojson's own: `stableStringify` of the header object (sorted keys, JS
//! number formatting). For every header cojson makes this is byte-for-byte what 0.20.19 printed;
//! unlike 0.20.19 it keeps unknown fields, does not invent `"meta":null`, and prints numbers as
//! JavaScript does, so the id always matches the one cojson computes (`idforHeader`).

use crate::blake3;
use crate::encoding::{prefix, prefixed_base58};
use crate::error::{Code, Error, Result};
use crate::json;
use serde_json::{Map, Value};

fn invalid(message: impl std::fmt::Display) -> Error {
  Error::new(Code::InvalidHeader, format!("Invalid header JSON: {message}"))
}

fn expect_string(map: &Map<String, Value>, field: &str, context: &str) -> Result<()> {
  match map.get(field) {
    Some(Value::String(_)) => Ok(()),
    Some(_) => Err(invalid(format_args!("`{context}{field}` must be a string"))),
    None => Err(invalid(format_args!("missing field `{context}{field}`"))),
  }
}

fn validate_ruleset(ruleset: &Value) -> Result<()> {
  let map = ruleset
    .as_object()
    .ok_or_else(|| invalid("`ruleset` must be an object"))?;
  match map.get("type").and_then(Value::as_str) {
    Some("group") => expect_string(map, "initialAdmin", "ruleset."),
    Some("ownedByGroup") => {
      expect_string(map, "group", "ruleset.")?;
      match map.get("restrictDeletion") {
        None | Some(Value::Null) | Some(Value::Bool(_)) => Ok(()),
        Some(_) => Err(invalid("`ruleset.restrictDeletion` must be a boolean")),
      }
    }
    Some("unsafeAllowAll") => Ok(()),
    _ => Err(invalid(
      "`ruleset.type` must be \"group\", \"ownedByGroup\" or \"unsafeAllowAll\"",
    )),
  }
}

fn validate_uniqueness(uniqueness: Option<&Value>, skip_verify: bool) -> Result<()> {
  match uniqueness {
    None => Err(invalid("missing field `uniqueness`")),
    Some(Value::String(_) | Value::Bool(_) | Value::Null) => Ok(()),
    Some(Value::Number(n)) if n.is_i64() => Ok(()),
    Some(Value::Object(map)) => {
      if !map.values().all(Value::is_string) {
        return Err(invalid("`uniqueness` object values must be strings"));
      }
      if !skip_verify && map.contains_key("") {
        return Err(Error::new(
          Code::InvalidUniqueness,
          "Invalid uniqueness: Object keys cannot be empty",
        ));
      }
      Ok(())
    }
    Some(_) => Err(invalid(
      "`uniqueness` must be a string, a boolean, null, an integer or an object of strings",
    )),
  }
}

/// Stands in for a lone UTF-16 surrogate while the header is a Rust string: JavaScript strings may
/// hold one (`JSON.stringify` writes it as `\udXXX`), Rust strings cannot.
const LONE_SURROGATE_MARK: char = '\u{10FFFF}';

/// Replaces each escaped lone surrogate `\udXXX` of a JSON text by the mark and its four hex
/// digits, so that serde can parse it; `None` if there is none.
fn protect_lone_surrogates(json: &str) -> Option<String> {
  let bytes = json.as_bytes();
  let unit_at = |i: usize| -> Option<u16> {
    if bytes.get(i) != Some(&b'\\') || bytes.get(i + 1) != Some(&b'u') {
      return None;
    }
    u16::from_str_radix(json.get(i + 2..i + 6)?, 16).ok()
  };
  let mut out: Option<String> = None;
  let mut copied = 0;
  let mut i = 0;
  while i < bytes.len() {
    if bytes[i] != b'\\' {
      i += 1;
      continue;
    }
    match unit_at(i) {
      Some(0xd800..=0xdbff) if matches!(unit_at(i + 6), Some(0xdc00..=0xdfff)) => i += 12,
      Some(unit @ 0xd800..=0xdfff) => {
        let out = out.get_or_insert_with(|| String::with_capacity(json.len()));
        out.push_str(&json[copied..i]);
        out.push(LONE_SURROGATE_MARK);
        out.push_str(&format!("{unit:04x}"));
        i += 6;
        copied = i;
      }
      // Any other escape: skip the backslash and the escaped character.
      _ => i += 2,
    }
  }
  out.map(|mut out| {
    out.push_str(json.get(copied..).unwrap_or_default());
    out
  })
}

/// Whether the JSON text holds U+10FFFF itself (raw or escaped), which the mark cannot stand beside.
fn holds_mark(json: &str) -> bool {
  json.contains(LONE_SURROGATE_MARK) || json.to_ascii_lowercase().contains("\\udbff\\udfff")
}

/// Turns the marks back into the escapes `JSON.stringify` writes.
fn restore_lone_surrogates(canonical: &str) -> String {
  let mut out = String::with_capacity(canonical.len());
  let mut rest = canonical;
  while let Some(at) = rest.find(LONE_SURROGATE_MARK) {
    out.push_str(&rest[..at]);
    let after = &rest[at + LONE_SURROGATE_MARK.len_utf8()..];
    match after.get(..4) {
      Some(hex) if hex.bytes().all(|b| b.is_ascii_hexdigit()) => {
        out.push_str("\\u");
        out.push_str(hex);
        rest = &after[4..];
      }
      _ => {
        out.push(LONE_SURROGATE_MARK);
        rest = after;
      }
    }
  }
  out.push_str(rest);
  out
}

/// A validated header in canonical form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CanonicalHeader {
  /// cojson's `stableStringify` of the header, byte for byte: what the CoValue id hashes.
  pub hashed: String,
  /// The same with every string escaped, so always valid JSON: what `getHeader()` returns. It
  /// differs from `hashed` only where a string starting with `encrypted_U` or `binary_U` holds a
  /// character JSON escapes (cojson writes those strings unescaped).
  pub json: String,
}

/// Validates a header and returns its canonical forms.
pub fn canonical_header(header_json: &str, skip_verify: bool) -> Result<CanonicalHeader> {
  let forms = match protect_lone_surrogates(header_json) {
    Some(_) if holds_mark(header_json) => {
      return Err(invalid(
        "a header with both lone UTF-16 surrogates and U+10FFFF is not supported",
      ));
    }
    Some(protected) => canonical_header_parsed(&protected, skip_verify)?.map(|c| restore_lone_surrogates(&c)),
    None => canonical_header_parsed(header_json, skip_verify)?,
  };
  let [hashed, json] = forms;
  Ok(CanonicalHeader { hashed, json })
}

/// The header's own fields and those of its ruleset: 0.20.19 parses them into structs, where a
/// repeated field is an error; repeated keys elsewhere (in `meta`, in a `uniqueness` object, unknown
/// fields) keep the last value, as `JSON.parse` does.
const HEADER_FIELDS: &[&str] = &["createdAt", "meta", "ruleset", "type", "uniqueness"];
const RULESET_FIELDS: &[&str] = &["group", "initialAdmin", "restrictDeletion", "type"];

/// Parses a JSON value like `serde_json::Value`, except that in an object a repeated key among
/// `fields` is an error, and the value of `nested.0` is parsed with the fields `nested.1`.
#[derive(Clone, Copy)]
struct StrictFields {
  fields: &'static [&'static str],
  nested: Option<(&'static str, &'static [&'static str])>,
}

impl<'de> serde::de::DeserializeSeed<'de> for StrictFields {
  type Value = Value;

  fn deserialize<D: serde::Deserializer<'de>>(self, deserializer: D) -> std::result::Result<Value, D::Error> {
    deserializer.deserialize_any(self)
  }
}

impl<'de> serde::de::Visitor<'de> for StrictFields {
  type Value = Value;

  fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
    f.write_str("any JSON value")
  }
  fn visit_bool<E>(self, v: bool) -> std::result::Result<Value, E> {
    Ok(Value::Bool(v))
  }
  fn visit_i64<E>(self, v: i64) -> std::result::Result<Value, E> {
    Ok(Value::from(v))
  }
  fn visit_u64<E>(self, v: u64) -> std::result::Result<Value, E> {
    Ok(Value::from(v))
  }
  fn visit_f64<E>(self, v: f64) -> std::result::Result<Value, E> {
    Ok(Value::from(v))
  }
  fn visit_str<E>(self, v: &str) -> std::result::Result<Value, E> {
    Ok(Value::String(v.to_owned()))
  }
  fn visit_string<E>(self, v: String) -> std::result::Result<Value, E> {
    Ok(Value::String(v))
  }
  fn visit_unit<E>(self) -> std::result::Result<Value, E> {
    Ok(Value::Null)
  }
  fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> std::result::Result<Value, A::Error> {
    let mut items = Vec::new();
    while let Some(item) = seq.next_element::<Value>()? {
      items.push(item);
    }
    Ok(Value::Array(items))
  }
  fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> std::result::Result<Value, A::Error> {
    let mut out = Map::new();
    while let Some(key) = map.next_key::<String>()? {
      // Reported at the repeated key, as serde's derived structs do.
      if let Some(field) = self.fields.iter().find(|f| **f == key) {
        if out.contains_key(*field) {
          return Err(serde::de::Error::duplicate_field(field));
        }
      }
      let value = match self.nested {
        Some((name, fields)) if key == name => map.next_value_seed(StrictFields { fields, nested: None })?,
        _ => map.next_value::<Value>()?,
      };
      out.insert(key, value);
    }
    Ok(Value::Object(out))
  }
}

fn canonical_header_parsed(header_json: &str, skip_verify: bool) -> Result<[String; 2]> {
  let strict = StrictFields {
    fields: HEADER_FIELDS,
    nested: Some(("ruleset", RULESET_FIELDS)),
  };
  let mut deserializer = serde_json::Deserializer::from_str(header_json);
  let value = serde::de::DeserializeSeed::deserialize(strict, &mut deserializer).map_err(invalid)?;
  deserializer.end().map_err(invalid)?;
  let map = value
    .as_object()
    .ok_or_else(|| invalid("the header must be a JSON object"))?;
  expect_string(map, "type", "")?;
  validate_ruleset(map.get("ruleset").ok_or_else(|| invalid("missing field `ruleset`"))?)?;
  validate_uniqueness(map.get("uniqueness"), skip_verify)?;
  match map.get("createdAt") {
    None | Some(Value::Null) | Some(Value::String(_)) => {}
    Some(_) => return Err(invalid("`createdAt` must be a string or null")),
  }
  let hashed = json::stable_stringify(&value, json::Prefixed::Raw);
  // The forms differ only through strings starting with `encrypted_U` / `binary_U`, which
  // ordinary headers do not hold: write the escaped form only when one may be there.
  let escaped = if hashed.contains("encrypted_U") || hashed.contains("binary_U") {
    json::stable_stringify(&value, json::Prefixed::Escaped)
  } else {
    hashed.clone()
  };
  Ok([hashed, escaped])
}

/// `co_z<base58 of the first 19 bytes of BLAKE3(canonical header)>`.
pub fn id_for_header(canonical: &str) -> String {
  prefixed_base58(prefix::CO_ID, &blake3::short_digest(canonical.as_bytes()))
}

#[cfg(test)]
mod tests {
  use super::*;

  const EXAMPLE: &str = r#"{"createdAt":"2024-01-01T00:00:00.000Z","meta":null,"ruleset":{"type":"unsafeAllowAll"},"type":"comap","uniqueness":"zUnique123"}"#;

  #[test]
  fn worked_example_id() {
    let canonical = canonical_header(EXAMPLE, false).unwrap().json;
    assert_eq!(canonical, EXAMPLE);
    assert_eq!(id_for_header(&canonical), "co_zZo6gaxUzJk7pNhaa5XHy4d43Z2");
  }

  #[test]
  fn prefixed_strings_are_hashed_raw_but_returned_escaped() {
    // cojson's stableStringify writes strings starting with binary_U / encrypted_U unescaped, so
    // the id hashes raw text (here not even valid JSON); getHeader() stays valid JSON.
    let header = r#"{"ruleset":{"type":"unsafeAllowAll"},"type":"comap","uniqueness":"binary_U\"x\n"}"#;
    let forms = canonical_header(header, false).unwrap();
    assert_eq!(
      forms.hashed,
      "{\"ruleset\":{\"type\":\"unsafeAllowAll\"},\"type\":\"comap\",\"uniqueness\":\"binary_U\"x\n\"}"
    );
    assert_eq!(forms.json, header);
    assert_eq!(canonical_header(&forms.json, false).unwrap(), forms);
  }

  #[test]
  fn canonical_form_is_stable_stringify() {
    let reordered = r#"{ "uniqueness": "zUnique123", "type": "comap", "ruleset": {"type": "unsafeAllowAll"}, "meta": null, "createdAt": "2024-01-01T00:00:00.000Z" }"#;
    assert_eq!(canonical_header(reordered, false).unwrap().json, EXAMPLE);
    let extra = r#"{"type":"comap","ruleset":{"type":"ownedByGroup","group":"co_zG","restrictDeletion":null},"uniqueness":{"b":"2","a":"1"},"x":1e21}"#;
    assert_eq!(
      canonical_header(extra, false).unwrap().json,
      r#"{"ruleset":{"group":"co_zG","restrictDeletion":null,"type":"ownedByGroup"},"type":"comap","uniqueness":{"a":"1","b":"2"},"x":1e+21}"#
    );
  }

  #[test]
  fn lone_surrogates_survive_as_javascript_writes_them() {
    // What JSON.stringify gives for {meta: {a: "x\ud800y", b: "\udfff"}, …} (lone surrogates),
    // next to a valid pair and an escaped backslash followed by "ud800".
    let header = r#"{"meta":{"b":"\udfff","a":"x\ud800y","c":"\ud83d\ude00","d":"\\ud800"},"ruleset":{"type":"unsafeAllowAll"},"type":"comap","uniqueness":"zX"}"#;
    let canonical = canonical_header(header, false).unwrap().json;
    assert_eq!(
      canonical,
      r#"{"meta":{"a":"x\ud800y","b":"\udfff","c":"😀","d":"\\ud800"},"ruleset":{"type":"unsafeAllowAll"},"type":"comap","uniqueness":"zX"}"#
    );
    assert_eq!(canonical_header(&canonical, false).unwrap().json, canonical);
    // U+10FFFF (raw or escaped) beside a lone surrogate cannot be told from the mark: refused.
    for mark in ["\u{10FFFF}c111", r"\udbff\udfffc111"] {
      let header = format!(
        r#"{{"meta":{{"a":"\ud800","b":"{mark}"}},"ruleset":{{"type":"unsafeAllowAll"}},"type":"comap","uniqueness":"z"}}"#
      );
      assert_eq!(canonical_header(&header, true).unwrap_err().code, Code::InvalidHeader);
    }
  }

  /// A repeated field of the header or of its ruleset is an error, as in 0.20.19 (which parses them
  /// into structs); elsewhere the last value counts, as with `JSON.parse` (and in 0.20.19).
  #[test]
  fn duplicate_fields() {
    let rejected = [
      (
        r#"{"type":"comap","type":"colist","ruleset":{"type":"unsafeAllowAll"},"uniqueness":"z"}"#,
        "type",
      ),
      (
        r#"{"createdAt":"x","createdAt":"y","type":"comap","ruleset":{"type":"unsafeAllowAll"},"uniqueness":"z"}"#,
        "createdAt",
      ),
      (
        r#"{"type":"comap","meta":1,"meta":2,"ruleset":{"type":"unsafeAllowAll"},"uniqueness":"z"}"#,
        "meta",
      ),
      (
        r#"{"type":"comap","ruleset":{"type":"unsafeAllowAll"},"ruleset":{"type":"unsafeAllowAll"},"uniqueness":"z"}"#,
        "ruleset",
      ),
      (
        r#"{"type":"comap","ruleset":{"type":"unsafeAllowAll"},"uniqueness":"z","uniqueness":"y"}"#,
        "uniqueness",
      ),
      (
        r#"{"type":"comap","ruleset":{"type":"unsafeAllowAll","type":"unsafeAllowAll"},"uniqueness":"z"}"#,
        "type",
      ),
      (
        r#"{"type":"comap","ruleset":{"type":"ownedByGroup","group":"co_zA","group":"co_zB"},"uniqueness":"z"}"#,
        "group",
      ),
    ];
    for (json, field) in rejected {
      let err = canonical_header(json, true).unwrap_err();
      assert_eq!(err.code, Code::InvalidHeader, "{json}");
      assert!(
        err
          .message
          .starts_with(&format!("Invalid header JSON: duplicate field `{field}`")),
        "{}",
        err.message
      );
    }
    let kept = [
      (
        r#"{"type":"comap","ruleset":{"type":"unsafeAllowAll"},"meta":{"a":1,"a":2},"uniqueness":"z"}"#,
        r#""meta":{"a":2}"#,
      ),
      (
        r#"{"type":"comap","ruleset":{"type":"unsafeAllowAll"},"uniqueness":{"a":"1","a":"2"}}"#,
        r#""uniqueness":{"a":"2"}"#,
      ),
      (
        r#"{"type":"comap","ruleset":{"type":"unsafeAllowAll"},"uniqueness":"z","x":1,"x":2}"#,
        r#""x":2"#,
      ),
      (
        r#"{"type":"comap","ruleset":{"type":"unsafeAllowAll","x":1,"x":2},"uniqueness":"z"}"#,
        r#""x":2"#,
      ),
    ];
    for (json, part) in kept {
      assert!(canonical_header(json, true).unwrap().json.contains(part), "{json}");
    }
    assert!(canonical_header(
      r#"{"type":"comap","ruleset":{"type":"unsafeAllowAll"},"uniqueness":"z"} x"#,
      true
    )
    .is_err());
  }

  #[test]
  fn invalid_headers() {
    let cases = [
      ("", Code::InvalidHeader),
      ("[]", Code::InvalidHeader),
      (r#"{"type":"comap","uniqueness":null}"#, Code::InvalidHeader),
      (
        r#"{"type":"comap","ruleset":{"type":"nope"},"uniqueness":null}"#,
        Code::InvalidHeader,
      ),
      (
        r#"{"type":"comap","ruleset":{"type":"group"},"uniqueness":null}"#,
        Code::InvalidHeader,
      ),
      (
        r#"{"type":"comap","ruleset":{"type":"unsafeAllowAll"},"uniqueness":1.5}"#,
        Code::InvalidHeader,
      ),
      (
        r#"{"type":"comap","ruleset":{"type":"unsafeAllowAll"}}"#,
        Code::InvalidHeader,
      ),
      (
        r#"{"type":5,"ruleset":{"type":"unsafeAllowAll"},"uniqueness":null}"#,
        Code::InvalidHeader,
      ),
      (
        r#"{"type":"comap","ruleset":{"type":"unsafeAllowAll"},"uniqueness":{"":"x"}}"#,
        Code::InvalidUniqueness,
      ),
    ];
    for (json, code) in cases {
      assert_eq!(canonical_header(json, false).unwrap_err().code, code, "{json}");
    }
    assert!(canonical_header(
      r#"{"type":"comap","ruleset":{"type":"unsafeAllowAll"},"uniqueness":{"":"x"}}"#,
      true
    )
    .is_ok());
  }
}
