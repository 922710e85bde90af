//! Password hashing on its own small, bounded pool of threads, apart from the blocking
//! threads every database call runs on: a flood of log-ins can keep these threads busy,
//! but never a page view's or a hold's database call waiting behind a hash.
//!
//! `PASSWORD_HASHING_THREADS` threads (default: the cores) take jobs from a queue of
//! `PASSWORD_HASHING_QUEUE` places (default: four per thread). A job that finds every
//! thread busy and every place taken is refused at once (`AppError::Unavailable`: a 503
//! with `Retry-After`), never left to wait: a flood gets quick refusals, not a stall.
//! No job holds a pooled database connection: callers read what they need first, hash,
//! then write.

use std::panic::AssertUnwindSafe;
use std::sync::atomic::AtomicI64;
use std::sync::{Arc, Mutex, mpsc};

use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::gauge::Gauge;

use crate::domain::accounts::account;
use crate::error::AppError;

type Job = Box<dyn FnOnce() + Send + 'static>;

/// What a refused job is told (the same words as an exhausted database pool).
const BUSY: &str = "The shop is very busy right now. Please try again in a moment.";

/// The counts the pool keeps, shared with `/metrics`.
#[derive(Debug, Clone, Default)]
pub struct HashingMetrics {
    /// Jobs run to the end.
    pub done: Counter,
    /// Jobs refused because every thread and every place in the queue was taken.
    pub refused: Counter,
    /// Jobs waiting for a thread.
    pub waiting: Gauge<i64, AtomicI64>,
    /// Jobs running.
    pub running: Gauge<i64, AtomicI64>,
}

/// Counts a job as running until it ends, panics included.
struct Running<'a>(&'a Gauge<i64, AtomicI64>);

impl<'a> Running<'a> {
    fn start(gauge: &'a Gauge<i64, AtomicI64>) -> Running<'a> {
        gauge.inc();
        Running(gauge)
    }
}

impl Drop for Running<'_> {
    fn drop(&mut self) {
        self.0.dec();
    }
}

/// The pool. Dropping it ends its threads once their jobs are done.
pub struct PasswordHashing {
    jobs: mpsc::SyncSender<Job>,
    metrics: HashingMetrics,
    threads: usize,
    queue: usize,
}

impl std::fmt::Debug for PasswordHashing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PasswordHashing")
            .field("threads", &self.threads)
            .field("queue", &self.queue)
            .finish_non_exhaustive()
    }
}

impl PasswordHashing {
    /// Starts `threads` threads (at least one) behind a queue of `queue` places (at least
    /// one).
    pub fn start(
        threads: usize,
        queue: usize,
        metrics: HashingMetrics,
    ) -> std::io::Result<PasswordHashing> {
        let threads = threads.max(1);
        // At least one place: with none (a rendezvous) a job would be refused while the
        // only idle thread is between two jobs.
        let (jobs, taken) = mpsc::sync_channel::<Job>(queue.max(1));
        let taken = Arc::new(Mutex::new(taken));
        for n in 0..threads {
            let taken = Arc::clone(&taken);
            std::thread::Builder::new()
                .name(format!("password-hash-{n}"))
                .spawn(move || {
                    loop {
                        let next = taken.lock().unwrap_or_else(|p| p.into_inner()).recv();
                        let Ok(job) = next else {
                            // The pool was dropped: no more jobs will come.
                            return;
                        };
                        // A job that panics loses its own answer, never the thread.
                        let _ = std::panic::catch_unwind(AssertUnwindSafe(job));
                    }
                })?;
        }
        Ok(PasswordHashing {
            jobs,
            metrics,
            threads,
            queue,
        })
    }

    /// Runs `work` on the pool and waits for its answer; refused at once when the pool
    /// and its queue are full.
    pub async fn run<T, F>(&self, work: F) -> Result<T, AppError>
    where
        T: Send + 'static,
        F: FnOnce() -> T + Send + 'static,
    {
        let (answer, answered) = tokio::sync::oneshot::channel();
        let metrics = self.metrics.clone();
        let job: Job = Box::new(move || {
            metrics.waiting.dec();
            // The job stops counting as running before its caller hears the answer, so
            // a caller that got its answer never sees its own job still running.
            let result = {
                let _running = Running::start(&metrics.running);
                work()
            };
            metrics.done.inc();
            // The caller may have gone (the client hung up): nothing to tell.
            let _ = answer.send(result);
        });
        self.metrics.waiting.inc();
        if self.jobs.try_send(job).is_err() {
            self.metrics.waiting.dec();
            self.metrics.refused.inc();
            return Err(AppError::Unavailable(BUSY.into()));
        }
        answered
            .await
            .map_err(|_| AppError::Internal("a password hashing job failed".into()))
    }

    /// A bcrypt hash of `password` at `cost`.
    pub async fn hash(&self, password: &str, cost: u32) -> Result<String, AppError> {
        let password = password.to_owned();
        self.run(move || account::hash_password(&password, cost))
            .await?
    }

    /// Whether `password` matches `hash`. Without a hash (no such account) the same work
    /// is done against a stand-in, so a wrong email and a wrong password take as long.
    pub async fn verify(
        &self,
        password: &str,
        hash: Option<String>,
        cost: u32,
    ) -> Result<bool, AppError> {
        let password = password.to_owned();
        self.run(move || account::verify_password(&password, hash.as_deref(), cost))
            .await?
    }

    /// Jobs run to the end since start (tests: a refused log-in costs no hash).
    pub fn hashed(&self) -> u64 {
        self.metrics.done.get()
    }

    /// Jobs refused because the pool was full.
    pub fn refused(&self) -> u64 {
        self.metrics.refused.get()
    }

    /// Jobs running now.
    pub fn running(&self) -> i64 {
        self.metrics.running.get()
    }

    /// Jobs waiting for a thread now.
    pub fn waiting(&self) -> i64 {
        self.metrics.waiting.get()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_full_pool_refuses_at_once_and_takes_work_again_when_free() {
        let pool = PasswordHashing::start(1, 1, HashingMetrics::default()).unwrap();
        let pool = Arc::new(pool);
        let (release, wait) = std::sync::mpsc::channel::<()>();
        let wait = Arc::new(Mutex::new(wait));
        let mut blocked = Vec::new();
        // The first job runs (the thread took it), the second waits in the queue.
        for (running, waiting) in [(1, 0), (1, 1)] {
            let (on_pool, wait) = (Arc::clone(&pool), Arc::clone(&wait));
            blocked.push(tokio::spawn(async move {
                on_pool
                    .run(move || {
                        let _ = wait.lock().unwrap().recv();
                    })
                    .await
            }));
            let settled = async {
                while (pool.running(), pool.waiting()) != (running, waiting) {
                    tokio::task::yield_now().await;
                }
            };
            tokio::time::timeout(std::time::Duration::from_secs(10), settled)
                .await
                .expect("the job reached the pool");
        }
        let refused = pool.run(|| 1).await;
        assert!(matches!(refused, Err(AppError::Unavailable(_))));
        assert_eq!(pool.refused(), 1);
        release.send(()).unwrap();
        release.send(()).unwrap();
        for job in blocked {
            job.await.unwrap().unwrap();
        }
        assert_eq!(pool.run(|| 2).await.unwrap(), 2);
        assert_eq!(pool.hashed(), 3);
        // The thread counts itself idle just after it hands the answer back.
        let idle = async {
            while (pool.running(), pool.waiting()) != (0, 0) {
                tokio::task::yield_now().await;
            }
        };
        tokio::time::timeout(std::time::Duration::from_secs(10), idle)
            .await
            .expect("the pool is idle again");
    }

    #[tokio::test]
    async fn a_job_that_panics_leaves_the_thread_working() {
        // One place in the queue: a job waits there until the thread takes it.
        let pool = PasswordHashing::start(1, 1, HashingMetrics::default()).unwrap();
        let failed = pool.run(|| -> u8 { panic!("boom") }).await;
        assert!(matches!(failed, Err(AppError::Internal(_))));
        assert_eq!(
            pool.running(),
            0,
            "the panicked job no longer counts as running"
        );
        assert_eq!(pool.run(|| 7).await.unwrap(), 7, "the thread works on");
    }
}
