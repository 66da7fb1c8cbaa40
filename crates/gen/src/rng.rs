//! A thin, fast wrapper over ChaCha8: the generator draws tens of millions of numbers, so the
//! helpers avoid rejection loops and floating point where an integer compare does.

use rand::{RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Deterministic random numbers: one seed and one stream number give one sequence forever
/// (ChaCha8's output is specified, unlike `StdRng`'s, which may change between rand versions).
pub(crate) struct Rng(ChaCha8Rng);

impl Rng {
    /// The sequence for `seed` on `stream` (independent streams for the organisation and the days).
    pub(crate) fn new(seed: u64, stream: u64) -> Self {
        let mut r = ChaCha8Rng::seed_from_u64(seed);
        r.set_stream(stream);
        Rng(r)
    }

    #[inline]
    pub(crate) fn u32(&mut self) -> u32 {
        self.0.next_u32()
    }

    /// Uniform in `0..n` (`n > 0`). Multiply-shift instead of rejection: the bias is below
    /// 2^-32 · n, irrelevant for synthetic data and twice as fast.
    #[inline]
    pub(crate) fn below(&mut self, n: u32) -> u32 {
        ((u64::from(self.u32()) * u64::from(n)) >> 32) as u32
    }

    /// Uniform in `lo..=hi`.
    #[inline]
    pub(crate) fn range(&mut self, lo: i64, hi: i64) -> i64 {
        debug_assert!(lo <= hi);
        let span = (hi - lo + 1) as u64;
        if span <= u64::from(u32::MAX) {
            lo + i64::from(self.below(span as u32))
        } else {
            lo + (self.0.next_u64() % span) as i64
        }
    }

    /// Uniform in `[0, 1)`.
    #[inline]
    pub(crate) fn f64(&mut self) -> f64 {
        f64::from(self.u32()) * (1.0 / 4_294_967_296.0)
    }

    /// True with probability `p`.
    #[inline]
    pub(crate) fn chance(&mut self, p: f64) -> bool {
        self.f64() < p
    }

    /// One element of a non-empty slice.
    #[inline]
    pub(crate) fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u32) as usize]
    }

    /// Roughly normal (Irwin–Hall with 4 uniforms), mean 0, standard deviation 1.
    pub(crate) fn normal(&mut self) -> f64 {
        let s: f64 = (0..4).map(|_| self.f64()).sum();
        (s - 2.0) * (3.0f64).sqrt()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_and_stream_give_the_same_numbers_and_bounds_hold() {
        let (mut a, mut b) = (Rng::new(7, 1), Rng::new(7, 1));
        assert!((0..100).all(|_| a.u32() == b.u32()));
        let mut c = Rng::new(7, 2);
        assert_ne!(
            (0..4).map(|_| a.u32()).collect::<Vec<_>>(),
            (0..4).map(|_| c.u32()).collect::<Vec<_>>()
        );
        for _ in 0..10_000 {
            assert!(a.below(7) < 7);
            let r = a.range(-3, 3);
            assert!((-3..=3).contains(&r));
            assert!((0.0..1.0).contains(&a.f64()));
        }
    }
}
