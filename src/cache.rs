//! Small bounded caches of derived key material, one set per JS thread.
//!
//! Deriving an Ed25519 signing key, decompressing a public key or running an X25519 exchange costs
//! 10–60 µs; a Jazz worker does it with the same few keys over and over. Each cache holds at most
//! [`CAPACITY`] entries and evicts the oldest first. Entries are looked up by a *tag*: a BLAKE3 MAC of
//! the input under a per-process random key, so the map's keys never hold secret material; values
//! that are secret zeroize themselves when evicted or dropped (`ZeroizeOnDrop` types or `Zeroizing`).

use std::collections::hash_map::Entry;
use std::collections::{HashMap, VecDeque};
use std::sync::OnceLock;

/// Maximum number of entries per cache.
pub const CAPACITY: usize = 512;

/// A 32-byte lookup tag.
pub type Tag = [u8; 32];

fn tag_key() -> &'static [u8; 32] {
  static KEY: OnceLock<[u8; 32]> = OnceLock::new();
  KEY.get_or_init(|| {
    let mut key = [0u8; 32];
    if getrandom::getrandom(&mut key).is_err() {
      // Without OS randomness the tags are still collision-resistant (plain BLAKE3); they only
      // lose unpredictability, which nothing here depends on for correctness.
      key = *::blake3::hash(b"cojson-core-napi cache tag fallback key").as_bytes();
    }
    key
  })
}

/// Tag for a tuple of byte strings within a domain (length-prefixed, so `("ab","c") != ("a","bc")`).
pub fn tag(domain: &[u8], parts: &[&[u8]]) -> Tag {
  let mut hasher = ::blake3::Hasher::new_keyed(tag_key());
  hasher.update(&(domain.len() as u64).to_le_bytes());
  hasher.update(domain);
  for part in parts {
    hasher.update(&(part.len() as u64).to_le_bytes());
    hasher.update(part);
  }
  *hasher.finalize().as_bytes()
}

/// A first-in-first-out bounded map from tags to values.
pub struct BoundedCache<V> {
  map: HashMap<Tag, V>,
  order: VecDeque<Tag>,
  capacity: usize,
}

impl<V> BoundedCache<V> {
  pub fn new(capacity: usize) -> Self {
    BoundedCache {
      map: HashMap::new(),
      order: VecDeque::new(),
      capacity: capacity.max(1),
    }
  }

  pub fn get(&self, key: &Tag) -> Option<&V> {
    self.map.get(key)
  }

  pub fn len(&self) -> usize {
    self.map.len()
  }

  pub fn is_empty(&self) -> bool {
    self.map.is_empty()
  }

  fn make_room(&mut self, key: &Tag) {
    if self.map.contains_key(key) {
      return;
    }
    while self.map.len() >= self.capacity {
      match self.order.pop_front() {
        Some(oldest) => {
          self.map.remove(&oldest);
        }
        None => break,
      }
    }
  }

  /// Inserts (or replaces) a value, evicting the oldest entries beyond capacity.
  pub fn insert(&mut self, key: Tag, value: V) {
    self.make_room(&key);
    if self.map.insert(key, value).is_none() {
      self.order.push_back(key);
    }
  }

  /// Returns the cached value for `key`, computing and inserting it with `make` on a miss.
  /// A failed `make` inserts nothing (it may have evicted the oldest entry to make room).
  pub fn get_or_try_insert<E>(&mut self, key: Tag, make: impl FnOnce() -> Result<V, E>) -> Result<&V, E> {
    self.make_room(&key);
    match self.map.entry(key) {
      Entry::Occupied(entry) => Ok(entry.into_mut()),
      Entry::Vacant(entry) => {
        let value = make()?;
        self.order.push_back(key);
        Ok(entry.insert(value))
      }
    }
  }
}

#[cfg(test)]
mod tests {
  use super::*;
  use std::cell::Cell;
  use std::rc::Rc;

  struct DropCounter(Rc<Cell<usize>>);
  impl Drop for DropCounter {
    fn drop(&mut self) {
      self.0.set(self.0.get() + 1);
    }
  }

  #[test]
  fn evicts_oldest_and_drops_values() {
    let drops = Rc::new(Cell::new(0));
    let mut cache = BoundedCache::new(2);
    for i in 0..5u8 {
      cache.insert(tag(b"t", &[&[i]]), DropCounter(drops.clone()));
    }
    assert_eq!(cache.len(), 2);
    assert_eq!(drops.get(), 3);
    assert!(cache.get(&tag(b"t", &[&[4]])).is_some());
    assert!(cache.get(&tag(b"t", &[&[0]])).is_none());
  }

  #[test]
  fn tags_separate_parts_and_domains() {
    assert_ne!(tag(b"d", &[b"ab", b"c"]), tag(b"d", &[b"a", b"bc"]));
    assert_ne!(tag(b"d1", &[b"x"]), tag(b"d2", &[b"x"]));
    assert_eq!(tag(b"d", &[b"x"]), tag(b"d", &[b"x"]));
  }

  #[test]
  fn get_or_try_insert_computes_once() {
    let mut cache: BoundedCache<u32> = BoundedCache::new(4);
    let calls = Cell::new(0);
    for _ in 0..3 {
      let v = cache
        .get_or_try_insert::<()>(tag(b"x", &[]), || {
          calls.set(calls.get() + 1);
          Ok(7)
        })
        .unwrap();
      assert_eq!(*v, 7);
    }
    assert_eq!(calls.get(), 1);
    assert!(cache.get_or_try_insert::<&str>(tag(b"y", &[]), || Err("no")).is_err());
    assert_eq!(cache.len(), 1);
  }
}
