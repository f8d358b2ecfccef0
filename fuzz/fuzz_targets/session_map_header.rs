//! SessionMap construction from arbitrary header JSON: no panic; an accepted header's id is the
//! hash of its cojson form, `getHeader()` is valid JSON and a fixed point.
#![no_main]
use cojson_core_napi::session_map::{fuzz_canonical_header as canonical_header, id_for_header, SessionMap};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
  let Ok(header) = std::str::from_utf8(data) else { return };
  let _ = SessionMap::new("co_zFuzz", header, None, true);
  if let Ok(forms) = canonical_header(header, false) {
    assert_eq!(canonical_header(&forms.json, false), Ok(forms.clone()));
    let id = id_for_header(&forms.hashed);
    let map = SessionMap::new(&id, header, None, false).unwrap();
    assert_eq!(map.header(), forms.json);
  }
});
