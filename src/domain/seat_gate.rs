//! Queues this instance's writers of one ticket type, so that during an on-sale spike
//! they do not all lose the optimistic-lock race to each other.
//!
//! The lock_version check stays the guard (other instances still race, and lose
//! cleanly); the gate only turns a thundering herd into an orderly line per instance.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use tokio::sync::{Mutex as AsyncMutex, OwnedMutexGuard};

#[derive(Debug, Clone, Default)]
pub struct SeatGate {
    lines: Arc<Mutex<HashMap<i32, Arc<AsyncMutex<()>>>>>,
}

impl SeatGate {
    /// Waits for this ticket type's turn; the turn ends when the guard is dropped.
    pub async fn enter(&self, ticket_schema_id: i32) -> OwnedMutexGuard<()> {
        let line = {
            let mut lines = self
                .lines
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            lines.entry(ticket_schema_id).or_default().clone()
        };
        line.lock_owned().await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn one_turn_at_a_time_per_ticket_type() {
        let gate = SeatGate::default();
        let first = gate.enter(1).await;
        let other_type = gate.enter(2).await;
        let waiting = gate.enter(1);
        tokio::pin!(waiting);
        assert!(futures_util::poll!(waiting.as_mut()).is_pending());
        drop(first);
        let _second = waiting.await;
        drop(other_type);
    }
}
