//! Releasing concurrent work at one instant, for the race tests.

use std::future::Future;
use std::sync::Arc;

use tokio::sync::Barrier;

/// Runs both futures on their own tasks, released together by a barrier (use a
/// multi-threaded test runtime so they truly run at once).
pub async fn together<A, B>(a: A, b: B) -> (A::Output, B::Output)
where
    A: Future + Send + 'static,
    B: Future + Send + 'static,
    A::Output: Send + 'static,
    B::Output: Send + 'static,
{
    let barrier = Arc::new(Barrier::new(2));
    let (for_a, for_b) = (barrier.clone(), barrier);
    let a = tokio::spawn(async move {
        for_a.wait().await;
        a.await
    });
    let b = tokio::spawn(async move {
        for_b.wait().await;
        b.await
    });
    (
        a.await.expect("the first task"),
        b.await.expect("the second task"),
    )
}

/// Runs every future on its own task, all released together by one barrier.
pub async fn all_together<F>(futures: Vec<F>) -> Vec<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    let barrier = Arc::new(Barrier::new(futures.len()));
    let tasks: Vec<_> = futures
        .into_iter()
        .map(|future| {
            let barrier = barrier.clone();
            tokio::spawn(async move {
                barrier.wait().await;
                future.await
            })
        })
        .collect();
    let mut outputs = Vec::with_capacity(tasks.len());
    for task in tasks {
        outputs.push(task.await.expect("a racing task"));
    }
    outputs
}
