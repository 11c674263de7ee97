//! The maps of names the loader keeps (names seen, files read): a Vec of
//! pairs kept sorted by key, searched by halves. A configuration holds
//! tens to hundreds of names, where this is as quick as a hash table, and
//! it costs a fraction of hashbrown's code per key type (issue 17: size).

use core::cmp::Ordering;

/// Keys in order (of their bytes: a `str`'s order), each at most once.
pub struct Map<K, V> {
    pairs: Vec<(K, V)>,
}

impl<K, V> Default for Map<K, V> {
    fn default() -> Self {
        Map { pairs: Vec::new() }
    }
}

impl<K: AsRef<[u8]>, V> Map<K, V> {
    /// Where `key` is (Ok) or would go (Err).
    fn find(&self, key: &[u8]) -> Result<usize, usize> {
        search(self.pairs.len(), key, &|i| {
            self.pairs.get(i).map_or(&[][..], |(k, _)| k.as_ref())
        })
    }

    pub fn get<Q: AsRef<[u8]> + ?Sized>(&self, key: &Q) -> Option<&V> {
        let i = self.find(key.as_ref()).ok()?;
        self.pairs.get(i).map(|(_, v)| v)
    }

    /// Sets `key` to `value` (the value it had, if any, dropped: no
    /// caller wants it; size: issue 17).
    pub fn insert(&mut self, key: K, value: V) {
        match self.find(key.as_ref()) {
            Ok(i) => {
                if let Some((_, v)) = self.pairs.get_mut(i) {
                    *v = value;
                }
            }
            Err(i) => self.pairs.insert(i, (key, value)),
        }
    }

    /// The value `key` already has; None, and `key` set to `value`, when
    /// it has none: the first one kept, with one search (a `get` and then
    /// an `insert` searched twice).
    pub fn first_or_insert(&mut self, key: K, value: V) -> Option<&V> {
        match self.find(key.as_ref()) {
            Ok(i) => self.pairs.get(i).map(|(_, v)| v),
            Err(i) => {
                self.pairs.insert(i, (key, value));
                None
            }
        }
    }
}

/// The search by halves of [`Map::find`] among `len` keys, `key_at`
/// giving the i-th: one copy for every map, not one per key type (size:
/// issue 17).
pub(super) fn search<'a>(
    len: usize,
    key: &[u8],
    key_at: &dyn Fn(usize) -> &'a [u8],
) -> Result<usize, usize> {
    let (mut lo, mut hi) = (0, len);
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        match key_at(mid).cmp(key) {
            Ordering::Less => lo = mid + 1,
            Ordering::Greater => hi = mid,
            Ordering::Equal => return Ok(mid),
        }
    }
    Err(lo)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn get_and_insert() {
        let mut m: Map<&str, u8> = Map::default();
        m.insert("vi_2", 2);
        m.insert("vi_1", 1);
        m.insert("vi_3", 3);
        assert_eq!(
            (m.get("vi_1"), m.get("vi_2"), m.get("vi_3"), m.get("vi_0")),
            (Some(&1), Some(&2), Some(&3), None)
        );
        m.insert("vi_2", 20);
        assert_eq!(m.get("vi_2"), Some(&20));
        m.insert("vi_4", 4);
        assert_eq!(m.get("vi_4"), Some(&4));
        // The first value kept, a new key added.
        assert_eq!(m.first_or_insert("vi_4", 40), Some(&4));
        assert_eq!(m.first_or_insert("vi_5", 5), None);
        assert_eq!((m.get("vi_4"), m.get("vi_5")), (Some(&4), Some(&5)));
        let mut t: Map<Vec<u8>, u8> = Map::default();
        t.insert(b"eth1".to_vec(), 1);
        t.insert(b"eth0".to_vec(), 0);
        assert_eq!((t.get(b"eth0"), t.get(b"eth1")), (Some(&0), Some(&1)));
        assert_eq!(t.get(b"eth"), None);
    }
}
