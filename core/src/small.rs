//! Sorting and map building for the short lists this crate and the client handle (tens of entries: a transfer's
//! history, a status's successors, the resume records of one endpoint), without std's bulk algorithms: the
//! standard stable sort (driftsort) and `BTreeMap: FromIterator` (which sorts, then bulk-builds) are each
//! instantiated per element type, a few KB of wasm apiece — 35 KB of the client's wasm before wasm-opt for eight
//! instances (twiggy, 2026-12-01). Behaviour is the standard one: the sort is stable, and a repeated key keeps
//! its last value.

use std::cmp::Ordering;
use std::collections::BTreeMap;

/// Stable insertion sort by `cmp`: quadratic, for short slices only.
pub fn sort_by<T>(v: &mut [T], mut cmp: impl FnMut(&T, &T) -> Ordering) {
    for i in 1..v.len() {
        let mut j = i;
        while j > 0 && cmp(&v[j - 1], &v[j]) == Ordering::Greater {
            v.swap(j - 1, j);
            j -= 1;
        }
    }
}

/// `iter.collect::<BTreeMap<_, _>>()` by insertion.
pub fn map<K: Ord, V>(iter: impl IntoIterator<Item = (K, V)>) -> BTreeMap<K, V> {
    let mut m = BTreeMap::new();
    for (k, v) in iter {
        m.insert(k, v);
    }
    m
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sorts_stably_like_std() {
        let items: Vec<(u8, usize)> = (0..200usize).map(|i| (((i * 7919) % 13) as u8, i)).collect();
        let mut ours = items.clone();
        sort_by(&mut ours, |a, b| a.0.cmp(&b.0));
        let mut std_sorted = items;
        std_sorted.sort_by_key(|e| e.0);
        assert_eq!(ours, std_sorted);
    }

    #[test]
    fn map_keeps_the_last_value_of_a_repeated_key() {
        let m = map([("b", 1), ("a", 2), ("b", 3)]);
        assert_eq!(m, [("a", 2), ("b", 3)].into_iter().collect());
    }
}
