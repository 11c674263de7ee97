//! A value set once and kept for the life of the process: a leaked Box
//! behind an atomic pointer. std's OnceLock costs some 600-700 bytes of
//! MIPS code per type for what one compare-exchange does here (issue 17:
//! size).

use core::ptr::null_mut;
use core::sync::atomic::{AtomicPtr, Ordering};

/// Empty until [`Leaked::set`]; then the same value for ever.
pub struct Leaked<T>(AtomicPtr<T>);

impl<T: Sync> Leaked<T> {
    pub const fn empty() -> Leaked<T> {
        Leaked(AtomicPtr::new(null_mut()))
    }

    /// The value, once set.
    pub fn get(&self) -> Option<&'static T> {
        let p = self.0.load(Ordering::Acquire);
        // SAFETY: a non-null pointer here is a leaked Box, never freed or
        // written again (see set).
        (!p.is_null()).then(|| unsafe { &*p })
    }

    /// Keep `value` unless a value is kept already (the first one set
    /// wins, whoever sets it); the value kept either way.
    pub fn set(&self, value: T) -> &'static T {
        let new = Box::into_raw(Box::new(value));
        match (self.0).compare_exchange(null_mut(), new, Ordering::AcqRel, Ordering::Acquire) {
            // SAFETY: `new` is leaked from here on: never freed or written.
            Ok(_) => unsafe { &*new },
            Err(first) => {
                // Set first by another thread (tests): ours was never shared.
                // SAFETY: `new` came from Box::into_raw just above.
                drop(unsafe { Box::from_raw(new) });
                // SAFETY: `first` is a leaked Box, as above.
                unsafe { &*first }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_value_set_is_kept() {
        static V: Leaked<String> = Leaked::empty();
        assert!(V.get().is_none());
        assert_eq!(V.set("a".to_string()), "a");
        assert_eq!(V.set("b".to_string()), "a");
        assert_eq!(V.get().map(String::as_str), Some("a"));
    }
}
