//! The maps of names the loader keeps (names seen, files read): std's
//! HashMap with a fixed FNV-1a hasher instead of RandomState's SipHash.
//! A configuration is local and trusted, so seeding against hash flooding
//! buys nothing, and RandomState costs its own code and the getrandom
//! path (issue 17: size).

use core::hash::{BuildHasherDefault, Hasher};
use std::collections::HashMap;

pub type Map<K, V> = HashMap<K, V, BuildHasherDefault<Fnv>>;

/// FNV-1a, 64 bits.
pub struct Fnv(u64);

impl Default for Fnv {
    fn default() -> Fnv {
        Fnv(0xcbf2_9ce4_8422_2325)
    }
}

impl Hasher for Fnv {
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3);
        }
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fnv1a_known_values() {
        let hash = |s: &[u8]| {
            let mut h = Fnv::default();
            h.write(s);
            h.finish()
        };
        assert_eq!(hash(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(hash(b"a"), 0xaf63_dc4c_8601_ec8c);
        let mut m: Map<&str, u8> = Map::default();
        m.insert("vi_1", 1);
        m.insert("vi_2", 2);
        assert_eq!(
            (m.get("vi_1"), m.get("vi_2"), m.get("vi_3")),
            (Some(&1), Some(&2), None)
        );
    }
}
