//! Helpers shared by the unit tests.

/// Bytes from hex (test vectors).
pub fn unhex(s: &str) -> Vec<u8> {
  (0..s.len())
    .step_by(2)
    .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
    .collect()
}

/// A fixed-size array from hex.
pub fn unhex_array<const N: usize>(s: &str) -> [u8; N] {
  unhex(s).try_into().unwrap()
}

/// A xorshift64 generator seeded from `COJSON_TEST_SEED` when set (to reproduce a run), else from
/// `default`; the seed is printed so that a failure can be replayed.
pub fn rng(test: &str, default: u64) -> impl FnMut() -> u64 {
  let mut state = std::env::var("COJSON_TEST_SEED")
    .ok()
    .and_then(|s| s.parse::<u64>().ok())
    .unwrap_or(default)
    .max(1);
  println!("{test}: seed {state} (reproduce with COJSON_TEST_SEED={state})");
  move || {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    state
  }
}
