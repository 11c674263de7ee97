//! The maps of names the loader keeps (names seen, files read): a Vec of
//! pairs kept sorted by key, searched by halves. A configuration holds
//! tens to hundreds of names, where this is as quick as a hash table, and
//! it costs a fraction of hashbrown's code per key type (issue 17: size).

use core::borrow::Borrow;

/// Keys in order, each at most once.
pub struct Map<K, V> {
    pairs: Vec<(K, V)>,
}

impl<K, V> Default for Map<K, V> {
    fn default() -> Self {
        Map { pairs: Vec::new() }
    }
}

impl<K: Ord, V> Map<K, V> {
    /// Where `key` is (Ok) or would go (Err).
    fn find<Q: Ord + ?Sized>(&self, key: &Q) -> Result<usize, usize>
    where
        K: Borrow<Q>,
    {
        self.pairs.binary_search_by(|(k, _)| k.borrow().cmp(key))
    }

    pub fn get<Q: Ord + ?Sized>(&self, key: &Q) -> Option<&V>
    where
        K: Borrow<Q>,
    {
        let i = self.find(key).ok()?;
        self.pairs.get(i).map(|(_, v)| v)
    }

    /// Sets `key` to `value`; the value it had, if any.
    pub fn insert(&mut self, key: K, value: V) -> Option<V> {
        match self.find(&key) {
            Ok(i) => self
                .pairs
                .get_mut(i)
                .map(|(_, v)| core::mem::replace(v, value)),
            Err(i) => {
                self.pairs.insert(i, (key, value));
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn get_and_insert() {
        let mut m: Map<&str, u8> = Map::default();
        assert_eq!(m.insert("vi_2", 2), None);
        assert_eq!(m.insert("vi_1", 1), None);
        assert_eq!(m.insert("vi_3", 3), None);
        assert_eq!(
            (m.get("vi_1"), m.get("vi_2"), m.get("vi_3"), m.get("vi_0")),
            (Some(&1), Some(&2), Some(&3), None)
        );
        assert_eq!(m.insert("vi_2", 20), Some(2));
        assert_eq!(m.get("vi_2"), Some(&20));
        assert_eq!(m.insert("vi_4", 4), None);
        assert_eq!(m.get("vi_4"), Some(&4));
        let mut t: Map<(&str, u8, bool), u8> = Map::default();
        t.insert(("eth0", 1, false), 1);
        t.insert(("eth0", 1, true), 2);
        assert_eq!(t.get(&("eth0", 1, true)), Some(&2));
        assert_eq!(t.get(&("eth1", 1, true)), None);
    }
}
