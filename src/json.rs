//! JSON output exactly as JavaScript writes it: `JSON.stringify` string escaping, `Number`'s
//! `toString`, and cojson's `stableStringify` (keys sorted by UTF-16 code units).

use serde_json::Value;

/// Appends `s` as a JSON string literal, escaped exactly as `JSON.stringify` does: `"` and `\`,
/// `\b \f \n \r \t`, other control characters as `\u00xx` (lowercase hex); everything else,
/// U+2028/U+2029 and DEL included, is written as is.
pub fn push_string(out: &mut String, s: &str) {
  out.push('"');
  if !s.bytes().any(needs_escape) {
    out.push_str(s);
  } else {
    let mut start = 0;
    for (i, b) in s.bytes().enumerate() {
      if !needs_escape(b) {
        continue;
      }
      out.push_str(&s[start..i]);
      match b {
        b'"' => out.push_str("\\\""),
        b'\\' => out.push_str("\\\\"),
        b'\n' => out.push_str("\\n"),
        b'\r' => out.push_str("\\r"),
        b'\t' => out.push_str("\\t"),
        0x08 => out.push_str("\\b"),
        0x0c => out.push_str("\\f"),
        _ => {
          const HEX: &[u8; 16] = b"0123456789abcdef";
          out.push_str("\\u00");
          out.push(HEX[(b >> 4) as usize] as char);
          out.push(HEX[(b & 15) as usize] as char);
        }
      }
      start = i + 1;
    }
    out.push_str(&s[start..]);
  }
  out.push('"');
}

#[inline]
fn needs_escape(b: u8) -> bool {
  b < 0x20 || b == b'"' || b == b'\\'
}

/// `String(x)` for a JS number (ECMAScript Number::toString, via `ryu-js`); non-finite numbers
/// give `null`, as `JSON.stringify` writes them.
pub fn push_number(out: &mut String, x: f64) {
  if x.is_finite() {
    out.push_str(ryu_js::Buffer::new().format_finite(x));
  } else {
    out.push_str("null");
  }
}

/// How `push_stable` writes strings that start with `encrypted_U` or `binary_U`.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Prefixed {
  /// Between quotes, unescaped, exactly as cojson's `stableStringify` does (what hashes cover).
  Raw,
  /// Escaped like every other string (always valid JSON).
  Escaped,
}

/// Appends `value` as cojson's `stableStringify` writes it: object keys sorted (JS default sort,
/// i.e. by UTF-16 code units), numbers as JS prints them (every JSON number is a JS double), and
/// strings that start with `encrypted_U` or `binary_U` as `prefixed` says.
pub fn push_stable(out: &mut String, value: &Value, prefixed: Prefixed) {
  match value {
    Value::Null => out.push_str("null"),
    Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
    Value::Number(n) => push_number(out, n.as_f64().unwrap_or(f64::NAN)),
    Value::String(s) => {
      if prefixed == Prefixed::Raw && (s.starts_with("encrypted_U") || s.starts_with("binary_U")) {
        out.push('"');
        out.push_str(s);
        out.push('"');
      } else {
        push_string(out, s);
      }
    }
    Value::Array(items) => {
      out.push('[');
      for (i, item) in items.iter().enumerate() {
        if i > 0 {
          out.push(',');
        }
        push_stable(out, item, prefixed);
      }
      out.push(']');
    }
    Value::Object(map) => {
      let mut keys: Vec<&String> = map.keys().collect();
      keys.sort_by(|a, b| a.encode_utf16().cmp(b.encode_utf16()));
      out.push('{');
      for (i, key) in keys.iter().enumerate() {
        if i > 0 {
          out.push(',');
        }
        push_string(out, key);
        out.push(':');
        push_stable(out, &map[*key], prefixed);
      }
      out.push('}');
    }
  }
}

/// `stableStringify` of a parsed JSON value.
pub fn stable_stringify(value: &Value, prefixed: Prefixed) -> String {
  let mut out = String::new();
  push_stable(&mut out, value, prefixed);
  out
}

#[cfg(test)]
mod tests {
  use super::*;

  fn number(x: f64) -> String {
    let mut s = String::new();
    push_number(&mut s, x);
    s
  }

  #[test]
  fn numbers_print_like_javascript() {
    // Expected values are what `String(x)` gives in JavaScript.
    let cases: [(f64, &str); 16] = [
      (0.0, "0"),
      (-0.0, "0"),
      (1.0, "1"),
      (-1.5, "-1.5"),
      (123.456, "123.456"),
      (1e20, "100000000000000000000"),
      (1e21, "1e+21"),
      (1.2345678901234567e20, "123456789012345670000"),
      (0.1, "0.1"),
      (1e-6, "0.000001"),
      (1e-7, "1e-7"),
      (1.5e-7, "1.5e-7"),
      (2f64.powi(53), "9007199254740992"),
      (1.7976931348623157e308, "1.7976931348623157e+308"),
      (5e-324, "5e-324"),
      (1700000000000.0, "1700000000000"),
    ];
    for (x, expected) in cases {
      assert_eq!(number(x), expected, "{x:e}");
    }
    assert_eq!(number(f64::NAN), "null");
  }

  #[test]
  fn strings_escape_like_json_stringify() {
    let mut s = String::new();
    push_string(&mut s, "a\"b\\c\n\u{1}\u{1f}\u{7f}\u{2028}é/");
    assert_eq!(s, "\"a\\\"b\\\\c\\n\\u0001\\u001f\u{7f}\u{2028}é/\"");
  }

  #[test]
  fn stable_sorts_by_utf16_and_keeps_encrypted_strings_raw() {
    let v: Value =
      serde_json::from_str(r#"{"b":1,"a":[true,null,"x\n"],"\uff61":1,"😀":2,"e":"encrypted_U\n"}"#).unwrap();
    // U+1F600 is a surrogate pair (0xD83D…), which sorts before U+FF61 in UTF-16.
    assert_eq!(
      stable_stringify(&v, Prefixed::Raw),
      "{\"a\":[true,null,\"x\\n\"],\"b\":1,\"e\":\"encrypted_U\n\",\"😀\":2,\"｡\":1}"
    );
  }
}
