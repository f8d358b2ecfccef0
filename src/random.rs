//! Operating-system randomness.

use crate::error::{Code, Error, Result};
use zeroize::Zeroizing;

/// `N` bytes from the OS CSPRNG, zeroized when dropped.
pub fn bytes<const N: usize>() -> Result<Zeroizing<[u8; N]>> {
  let mut out = Zeroizing::new([0u8; N]);
  fill(&mut out[..])?;
  Ok(out)
}

/// Fills `buf` from the OS CSPRNG.
pub fn fill(buf: &mut [u8]) -> Result<()> {
  getrandom::getrandom(buf).map_err(|e| {
    Error::new(
      Code::RandomUnavailable,
      format!("the operating system's random generator failed: {e}"),
    )
  })
}
