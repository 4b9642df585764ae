//! Answers waited for by sequence number, with one timer per book for
//! their deadlines ([`sweep`]) instead of a task and a timer a message: the
//! `submit_sm` an upstream link sent, waiting for the SMSC's answer, and the
//! receipts an ESME session was sent, waiting for the ESME's.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, Weak};

use tokio::sync::Notify;
use tokio::time::Instant;

/// The waiters of one link or session, by sequence number, and the
/// deadlines of those that have one in the order they were added (so in
/// deadline order, as every deadline is the same time after sending);
/// those answered meanwhile are dropped from the front as it is reached.
/// A waiter given up is dropped: its `Drop` sends whatever answer is owed.
pub(crate) struct Book<W> {
    waiters: chanrac::hash::Map<u32, W>,
    deadlines: VecDeque<(Instant, u32)>,
    /// Nothing will be answered any more (the reader ended).
    closed: bool,
    /// The sweeper waits to be woken (nothing to watch).
    sweeper_idle: bool,
}

impl<W> Default for Book<W> {
    fn default() -> Self {
        Book {
            waiters: chanrac::hash::Map::default(),
            deadlines: VecDeque::new(),
            closed: false,
            sweeper_idle: false,
        }
    }
}

impl<W> Book<W> {
    /// Adds `w`, waiting for the answer to `seq`, given up at `until`
    /// (`None`: it keeps its own time). Whether the sweeper must be woken
    /// (`Notify::notify_one` on the book's `wake`, once the lock is let go).
    pub(crate) fn insert(&mut self, seq: u32, w: W, until: Option<Instant>) -> bool {
        self.trim();
        self.waiters.insert(seq, w);
        match until {
            Some(at) => {
                self.deadlines.push_back((at, seq));
                std::mem::take(&mut self.sweeper_idle)
            }
            None => false,
        }
    }

    /// Takes the waiter for the answer to `seq`.
    pub(crate) fn take(&mut self, seq: u32) -> Option<W> {
        self.waiters.remove(&seq)
    }

    /// The reader ended: nothing will be answered any more.
    pub(crate) fn is_closed(&self) -> bool {
        self.closed
    }

    /// Closes the book and hands back every waiter left (to drop outside
    /// the lock); the sweeper ends.
    pub(crate) fn close(&mut self) -> chanrac::hash::Map<u32, W> {
        self.closed = true;
        self.deadlines.clear();
        std::mem::take(&mut self.waiters)
    }

    /// Drops the deadlines of waiters answered already from the front.
    fn trim(&mut self) {
        while let Some(&(_, seq)) = self.deadlines.front() {
            if self.waiters.contains_key(&seq) {
                break;
            }
            self.deadlines.pop_front();
        }
    }

    /// Moves every waiter whose deadline is `now` or earlier to `expired`;
    /// the next deadline, or `None` (the sweeper is then idle until woken).
    fn expire(&mut self, now: Instant, expired: &mut Vec<W>) -> Option<Instant> {
        loop {
            self.trim();
            match self.deadlines.front() {
                Some(&(at, seq)) if at <= now => {
                    self.deadlines.pop_front();
                    expired.extend(self.waiters.remove(&seq));
                }
                Some(&(at, _)) => return Some(at),
                None => {
                    self.sweeper_idle = true;
                    return None;
                }
            }
        }
    }
}

/// The one timer of the book `book(owner)`: drops each waiter whose
/// deadline passed (outside the lock and without holding the owner: a
/// waiter's answer may take a while), as it passes; sleeps until the next
/// deadline or until `wake` is notified. Ends when the owner is gone or
/// the book is closed.
pub(crate) async fn sweep<T, W>(
    owner: Weak<T>,
    wake: Arc<Notify>,
    book: fn(&T) -> &Mutex<Book<W>>,
) {
    loop {
        let next = {
            let Some(o) = owner.upgrade() else {
                return;
            };
            let mut expired = Vec::new();
            let next = {
                let Ok(mut b) = book(&o).lock() else {
                    return;
                };
                if b.closed {
                    return;
                }
                b.expire(Instant::now(), &mut expired)
            };
            drop(o);
            drop(expired);
            next
        };
        match next {
            Some(at) => tokio::time::sleep_until(at).await,
            None => wake.notified().await,
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    /// A waiter that records when it is dropped.
    struct Flag(Arc<std::sync::atomic::AtomicBool>);

    impl Drop for Flag {
        fn drop(&mut self) {
            self.0.store(true, std::sync::atomic::Ordering::Release);
        }
    }

    struct Owner {
        book: Mutex<Book<Flag>>,
    }

    fn book(o: &Owner) -> &Mutex<Book<Flag>> {
        &o.book
    }

    /// Waiters past their deadline are dropped by the sweeper, in time
    /// order; one answered first, or one without a deadline, is not.
    #[tokio::test(start_paused = true)]
    async fn the_sweeper_gives_up_waiters_at_their_deadlines() {
        use std::sync::atomic::{AtomicBool, Ordering};
        let owner = Arc::new(Owner {
            book: Mutex::default(),
        });
        let wake = Arc::new(Notify::new());
        tokio::spawn(sweep(Arc::downgrade(&owner), wake.clone(), book));
        tokio::task::yield_now().await;
        let flags: Vec<Arc<AtomicBool>> = (0..4).map(|_| Arc::default()).collect();
        let t0 = Instant::now();
        for (seq, (f, until)) in flags
            .iter()
            .zip([Some(1), Some(2), Some(3), None])
            .enumerate()
        {
            let until = until.map(|s| t0 + std::time::Duration::from_secs(s));
            let seq = u32::try_from(seq).unwrap();
            if owner
                .book
                .lock()
                .unwrap()
                .insert(seq, Flag(f.clone()), until)
            {
                wake.notify_one();
            }
        }
        // Answered before its deadline: taken, not given up.
        let answered = owner.book.lock().unwrap().take(1);
        tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
        let dropped = |f: &[Arc<AtomicBool>]| -> Vec<bool> {
            f.iter().map(|f| f.load(Ordering::Acquire)).collect()
        };
        assert_eq!(dropped(&flags), [true, false, false, false]);
        tokio::time::sleep(std::time::Duration::from_secs(2)).await;
        assert_eq!(dropped(&flags), [true, false, true, false]);
        drop(answered);
        assert!(flags[1].load(Ordering::Acquire));
        // The one without a deadline waits until the book closes.
        let left = owner.book.lock().unwrap().close();
        assert!(!flags[3].load(Ordering::Acquire));
        drop(left);
        assert!(flags[3].load(Ordering::Acquire));
    }
}
