//! Lines up this instance's requests that write to one hot row (the reserve requests of
//! a ticket type: the seat line; the scans at an event's door: the door line) and serves
//! them in batches.
//!
//! While one batch's transaction runs, the requests arriving meanwhile wait in line; the
//! next batch takes them all (up to a limit), so one transaction — and one commit, the
//! cost that bounds an on-sale spike or a door rush — serves many requests, and the
//! requests of one instance never wait for each other's locks (nor lose optimistic-lock
//! races to each other). Other instances still race, and the database decides.

use std::collections::HashMap;
use std::future::Future;
use std::hash::Hash;
use std::sync::{Arc, Mutex};

use tokio::sync::{Mutex as AsyncMutex, oneshot};

type Waiting<Req, Res> = Mutex<Vec<(Req, oneshot::Sender<Res>)>>;

struct Line<Req, Res> {
    waiting: Waiting<Req, Res>,
    turn: Arc<AsyncMutex<()>>,
}

pub struct BatchLine<Key, Req, Res> {
    lines: Mutex<HashMap<Key, Arc<Line<Req, Res>>>>,
    max_batch: usize,
}

impl<Key: Hash + Eq, Req: 'static, Res: 'static> BatchLine<Key, Req, Res> {
    pub fn new(max_batch: usize) -> BatchLine<Key, Req, Res> {
        BatchLine {
            lines: Mutex::new(HashMap::new()),
            max_batch: max_batch.max(1),
        }
    }

    fn line(&self, key: Key) -> Arc<Line<Req, Res>> {
        let mut lines = self.lines.lock().unwrap_or_else(|p| p.into_inner());
        lines
            .entry(key)
            .or_insert_with(|| {
                Arc::new(Line {
                    waiting: Mutex::new(Vec::new()),
                    turn: Arc::new(AsyncMutex::new(())),
                })
            })
            .clone()
    }

    /// Queues `request` in the line of `key` and waits for its answer. Whoever gets the
    /// turn serves everything waiting, batch by batch, with `serve` (which answers its
    /// requests in order); `None` only if the answer was lost (a serving task panicked).
    pub async fn submit<F, Fut>(&self, key: Key, request: Req, mut serve: F) -> Option<Res>
    where
        F: FnMut(Vec<Req>) -> Fut + 'static,
        Fut: Future<Output = Vec<Res>> + 'static,
    {
        let line = self.line(key);
        let (reply, mut answer) = oneshot::channel();
        line.waiting
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push((request, reply));
        let turn = line.turn.clone().lock_owned().await;
        if let Ok(result) = answer.try_recv() {
            return Some(result);
        }
        let max_batch = self.max_batch;
        // Served in a task of its own, holding the turn, so a client that goes away does
        // not abandon the others in its batch.
        let server = tokio::task::spawn_local(async move {
            let _turn = turn;
            loop {
                let batch: Vec<_> = {
                    let mut waiting = line.waiting.lock().unwrap_or_else(|p| p.into_inner());
                    let n = waiting.len().min(max_batch);
                    waiting.drain(..n).collect()
                };
                if batch.is_empty() {
                    break;
                }
                let (requests, replies): (Vec<_>, Vec<_>) = batch.into_iter().unzip();
                let results = serve(requests).await;
                for (reply, result) in replies.into_iter().zip(results) {
                    let _ = reply.send(result);
                }
            }
        });
        let _ = server.await;
        answer.await.ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::RefCell;
    use std::rc::Rc;

    #[tokio::test]
    async fn requests_that_wait_together_are_served_in_one_batch() {
        tokio::task::LocalSet::new().run_until(together()).await;
    }

    async fn together() {
        let line: Rc<BatchLine<i32, u32, u32>> = Rc::new(BatchLine::new(100));
        let batches = Rc::new(RefCell::new(Vec::new()));
        let submit = |n: u32| {
            let (line, batches) = (line.clone(), batches.clone());
            async move {
                line.submit(7, n, move |requests: Vec<u32>| {
                    batches.borrow_mut().push(requests.clone());
                    async move {
                        tokio::task::yield_now().await;
                        requests.iter().map(|r| r * 10).collect()
                    }
                })
                .await
            }
        };
        let answers = futures_util::future::join_all((1..=5).map(submit)).await;
        assert_eq!(
            answers,
            vec![Some(10), Some(20), Some(30), Some(40), Some(50)]
        );
        let batches = batches.borrow();
        assert_eq!(batches.iter().map(Vec::len).sum::<usize>(), 5);
        assert!(
            batches.len() < 5,
            "later requests were served together: {batches:?}"
        );
    }

    #[tokio::test]
    async fn a_batch_never_exceeds_the_limit() {
        tokio::task::LocalSet::new().run_until(limited()).await;
    }

    async fn limited() {
        let line: Rc<BatchLine<i32, u32, u32>> = Rc::new(BatchLine::new(2));
        let largest = Rc::new(RefCell::new(0));
        let answers = futures_util::future::join_all((0..7).map(|n| {
            let (line, largest) = (line.clone(), largest.clone());
            async move {
                line.submit(1, n, move |requests: Vec<u32>| {
                    let mut largest = largest.borrow_mut();
                    *largest = (*largest).max(requests.len());
                    async move { requests }
                })
                .await
            }
        }))
        .await;
        assert_eq!(answers, (0..7).map(Some).collect::<Vec<_>>());
        assert!(*largest.borrow() <= 2);
    }
}
