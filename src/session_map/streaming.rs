//! The streaming known state: transaction counts that peers announced (`expectContentUntil`) and
//! that have not all arrived yet.
//!
//! Every operation costs time linear in its own input, never in the product of the announced and
//! the known sessions: the targets are a hash map, and the number of targets still above the known
//! count is kept up to date, so the state is dropped the moment the last one arrives without a
//! scan per write.

use indexmap::IndexMap;

/// Announced counts above the known state, in the order they were first announced.
#[derive(Default)]
pub(super) struct Streaming {
  targets: IndexMap<String, u32>,
  /// How many targets are still above their session's known count.
  uncovered: usize,
}

impl Streaming {
  /// Merges announced counts: each one above the session's known count (`known(id)`, 0 for an
  /// unknown session) raises that session's target. Returns `None` if nothing was above.
  pub(super) fn merge(
    current: Option<Streaming>,
    announced: IndexMap<String, u32>,
    known: impl Fn(&str) -> u32,
  ) -> Option<Streaming> {
    let mut state = current;
    for (id, count) in announced {
      let have = known(&id);
      if count <= have {
        continue;
      }
      let streaming = state.get_or_insert_with(Streaming::default);
      let target = streaming.targets.entry(id).or_insert(0);
      if *target <= have {
        streaming.uncovered += 1;
      }
      *target = (*target).max(count);
    }
    state
  }

  /// Records that a session's known count went from `before` to `after` (counts only grow);
  /// returns whether targets are still uncovered.
  pub(super) fn advance(&mut self, id: &str, before: u32, after: u32) -> bool {
    if let Some(&target) = self.targets.get(id) {
      if before < target && after >= target {
        self.uncovered -= 1;
      }
    }
    self.uncovered > 0
  }

  /// The target for a session, if one was announced.
  pub(super) fn target(&self, id: &str) -> Option<u32> {
    self.targets.get(id).copied()
  }

  /// The announced targets, in announcement order.
  pub(super) fn targets(&self) -> impl Iterator<Item = (&str, u32)> {
    self.targets.iter().map(|(id, &count)| (id.as_str(), count))
  }
}

#[cfg(test)]
mod tests {
  use super::*;

  fn announced(pairs: &[(&str, u32)]) -> IndexMap<String, u32> {
    pairs.iter().map(|&(id, n)| (id.to_owned(), n)).collect()
  }

  #[test]
  fn keeps_only_counts_above_the_known_state_and_tracks_coverage() {
    let known = |id: &str| if id == "a" { 2 } else { 0 };
    assert!(Streaming::merge(None, announced(&[("a", 2), ("b", 0)]), known).is_none());
    let mut s = Streaming::merge(None, announced(&[("a", 3), ("b", 1), ("c", 0)]), known).unwrap();
    assert_eq!(s.targets().collect::<Vec<_>>(), vec![("a", 3), ("b", 1)]);
    assert_eq!(s.uncovered, 2);
    // Raising an uncovered target does not count it twice; a lower announcement changes nothing.
    s = Streaming::merge(Some(s), announced(&[("a", 5), ("b", 0)]), known).unwrap();
    assert_eq!((s.target("a"), s.target("b"), s.uncovered), (Some(5), Some(1), 2));
    assert!(s.advance("a", 2, 4), "a is at 4 of 5");
    assert!(s.advance("a", 4, 6), "b has not arrived");
    assert!(!s.advance("b", 0, 1));
    assert!(!s.advance("z", 0, 9), "an unannounced session changes nothing");
  }

  #[test]
  fn a_covered_target_announced_again_is_uncovered_again() {
    let mut s = Streaming::merge(None, announced(&[("a", 1)]), |_| 0).unwrap();
    assert!(!s.advance("a", 0, 1));
    s = Streaming::merge(Some(s), announced(&[("a", 3)]), |_| 1).unwrap();
    assert_eq!((s.target("a"), s.uncovered), (Some(3), 1));
  }
}
