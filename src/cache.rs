//! Small bounded caches of derived key material, one set per JS thread.
//!
//! Deriving an Ed25519 signing key, decompressing a public key or running an X25519 exchange costs
//! 10–60 µs; a Jazz worker does it with the same few keys over and over. Each cache holds at most
//! [`CAPACITY`] entries and evicts the oldest first. Entries are looked up by a *tag*: a BLAKE3 MAC of
//! the input under a per-process random key, so the map's keys never hold secret material; values
//! that are secret zeroize themselves when evicted or dropped (`ZeroizeOnDrop` types or `Zeroizing`),
//! in the fixed slot where they were stored.

use std::collections::HashMap;
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
///
/// Values live in fixed slots: one allocation of `capacity` slots, made when the first value is
/// stored and never grown (so never moved), filled in order and then reused in ring order.
/// Evicting a value overwrites its slot, which drops (and so zeroizes) the old value in place: no
/// copy of a value is left in memory the way a hash table's rehash or removal leaves one. The index
/// from tags to slots holds only tags (MACs) and slot numbers.
pub struct BoundedCache<V> {
  index: HashMap<Tag, usize>,
  slots: Vec<(Tag, V)>,
  /// The slot the next value takes once every slot is filled.
  next: usize,
  capacity: usize,
}

impl<V> BoundedCache<V> {
  pub fn new(capacity: usize) -> Self {
    BoundedCache {
      index: HashMap::new(),
      slots: Vec::new(),
      next: 0,
      capacity: capacity.max(1),
    }
  }

  #[cfg(test)]
  pub fn get(&self, key: &Tag) -> Option<&V> {
    let &i = self.index.get(key)?;
    self.slots.get(i).map(|(_, v)| v)
  }

  #[cfg(test)]
  pub fn len(&self) -> usize {
    self.index.len()
  }

  /// Stores a value for a tag the index does not hold, evicting the oldest once full; returns its
  /// slot.
  fn put(&mut self, key: Tag, value: V) -> usize {
    let i = if self.slots.len() < self.capacity {
      // All slots at once: a push within capacity never reallocates, so values never move.
      self.slots.reserve_exact(self.capacity - self.slots.len());
      self.slots.push((key, value));
      self.slots.len() - 1
    } else {
      let i = self.next;
      self.next = (i + 1) % self.capacity;
      let slot = &mut self.slots[i];
      self.index.remove(&slot.0);
      // Assigning drops the evicted value where it lies.
      *slot = (key, value);
      i
    };
    self.index.insert(key, i);
    i
  }

  /// Inserts (or replaces) a value, evicting the oldest entry once the cache is full.
  #[cfg(test)]
  pub fn insert(&mut self, key: Tag, value: V) {
    match self.index.get(&key) {
      Some(&i) => self.slots[i] = (key, value),
      None => {
        self.put(key, value);
      }
    }
  }

  /// Returns the cached value for `key`, computing and inserting it with `make` on a miss.
  /// A failed `make` changes nothing.
  pub fn get_or_try_insert<E>(&mut self, key: Tag, make: impl FnOnce() -> Result<V, E>) -> Result<&V, E> {
    let i = match self.index.get(&key) {
      Some(&i) => i,
      None => {
        let value = make()?;
        self.put(key, value)
      }
    };
    // Every index entry names a filled slot (`put` is the only writer of both).
    Ok(&self.slots[i].1)
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

  /// Values stay where they were first stored: the slots are allocated once and reused in place.
  #[test]
  fn values_never_move() {
    let mut cache: BoundedCache<[u8; 32]> = BoundedCache::new(64);
    let mut addresses = std::collections::HashSet::new();
    for i in 0..1000u32 {
      let key = tag(b"t", &[&i.to_le_bytes()]);
      let value = cache.get_or_try_insert::<()>(key, || Ok([i as u8; 32])).unwrap();
      addresses.insert(value.as_ptr() as usize);
      assert_eq!(value[0], i as u8);
    }
    assert_eq!(addresses.len(), 64, "1,000 values in 64 fixed slots");
    assert_eq!(cache.len(), 64);
    assert!(cache.get(&tag(b"t", &[&999u32.to_le_bytes()])).is_some());
    assert!(
      cache.get(&tag(b"t", &[&935u32.to_le_bytes()])).is_none(),
      "oldest evicted first"
    );
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
