//! Expensive requests (exports, explanations over long periods, evaluations and previews) run
//! apart from everybody else's: each person may have a few running at once (one more answers
//! 429), and they run on threads of their own, so that a rep downloading four spreadsheets at
//! once does not hold up the pages of the rest of the company.

use crate::error::WebError;
use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};

/// Default of how many expensive requests one account may have running at once.
pub const PER_USER: usize = 2;
/// Threads that run expensive requests.
const THREADS: usize = 2;

/// The expensive requests running now, by account.
#[derive(Debug)]
pub struct HeavyWork {
    per_user: usize,
    running: Arc<Mutex<HashMap<i64, usize>>>,
}

impl Default for HeavyWork {
    fn default() -> Self {
        HeavyWork::new(PER_USER)
    }
}

/// One expensive request under way; dropping it ends it.
#[derive(Debug)]
pub struct HeavyPermit {
    user: i64,
    running: Arc<Mutex<HashMap<i64, usize>>>,
}

impl HeavyWork {
    /// At most `per_user` expensive requests per account at once.
    pub fn new(per_user: usize) -> Self {
        HeavyWork {
            per_user: per_user.max(1),
            running: Arc::default(),
        }
    }

    /// Starts an expensive request of `user`, or refuses it (429) when they already have the
    /// most they may have running.
    pub fn enter(&self, user: i64) -> Result<HeavyPermit, WebError> {
        let mut running = self.running.lock().unwrap_or_else(|p| p.into_inner());
        let mine = running.entry(user).or_default();
        if *mine >= self.per_user {
            return Err(WebError::TooBusy {
                running: self.per_user,
            });
        }
        *mine += 1;
        Ok(HeavyPermit {
            user,
            running: self.running.clone(),
        })
    }
}

impl Drop for HeavyPermit {
    fn drop(&mut self) {
        let mut running = self.running.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(n) = running.get_mut(&self.user) {
            *n -= 1;
            if *n == 0 {
                running.remove(&self.user);
            }
        }
    }
}

/// Runs `work` on the threads of expensive requests and waits for it. The runtime lives as
/// long as the process, so database connections opened on it stay usable afterwards.
pub async fn apart<T: Send + 'static>(
    work: impl Future<Output = T> + Send + 'static,
) -> Result<T, WebError> {
    static HEAVY: std::sync::OnceLock<Option<tokio::runtime::Runtime>> = std::sync::OnceLock::new();
    let runtime = HEAVY.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(THREADS)
            .thread_name("kaohe-heavy")
            .enable_all()
            .build()
            .inspect_err(|e| tracing::warn!(error = %e, "no runtime of its own for heavy work"))
            .ok()
    });
    let handle = match runtime {
        Some(r) => r.spawn(work),
        None => tokio::spawn(work),
    };
    handle
        .await
        .map_err(|e| WebError::Internal(format!("heavy work did not finish: {e}")))
}

impl crate::AppState {
    /// Runs `work` as one of `user`'s expensive requests ([`HeavyWork::enter`], [`apart`]).
    pub async fn run_heavy<T: Send + 'static>(
        &self,
        user: i64,
        work: impl Future<Output = T> + Send + 'static,
    ) -> Result<T, WebError> {
        let permit = self.heavy.enter(user)?;
        apart(async move {
            let _permit = permit;
            work.await
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_person_gets_as_many_permits_as_allowed_and_one_more_after_one_ends() {
        let work = HeavyWork::new(2);
        let a = work.enter(7).unwrap();
        let _b = work.enter(7).unwrap();
        assert!(matches!(
            work.enter(7),
            Err(WebError::TooBusy { running: 2 })
        ));
        // Somebody else is not held up by person 7.
        let _c = work.enter(8).unwrap();
        drop(a);
        assert!(work.enter(7).is_ok());
    }
}
