//! SessionMap construction from arbitrary header JSON: no panic; an accepted header's id is the
//! hash of its canonical form, and the canonical form is a fixed point.
#![no_main]
use cojson_core_napi::session_map::{canonical_header, id_for_header, SessionMap};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
  let Ok(header) = std::str::from_utf8(data) else { return };
  let _ = SessionMap::new("co_zFuzz", header, None, true);
  if let Ok(canonical) = canonical_header(header, false) {
    assert_eq!(canonical_header(&canonical, false).as_deref(), Ok(canonical.as_str()));
    let id = id_for_header(&canonical);
    let map = SessionMap::new(&id, header, None, false).unwrap();
    assert_eq!(map.header(), canonical);
  }
});
