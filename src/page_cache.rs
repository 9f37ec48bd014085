//! Pages already rendered, served again while nothing they show can have
//! changed.
//!
//! An executive reloads the same few pages before a meeting; each view used
//! to read and render everything again. A page is now kept under a key that
//! changes whenever anything it shows may have changed:
//!
//! - **the session** that asked: the page carries the viewer's name, seats
//!   and CSRF token, so no page is ever shown to another session;
//! - **the organisation's audit head** (the newest entry of its audit
//!   chain), read with the session on every request: every change is audited
//!   in the transaction that makes it, and the chain's lock, held until
//!   commit, hands out sequence numbers in commit order, so a newer head
//!   means a newer commit and a page stored under the current head holds
//!   every committed change;
//! - **the minute** by the app's clock: deadlines, "due in" wording and the
//!   health badge move with time, not only with writes;
//! - **the URL**, query included.
//!
//! Only what a different key cannot reach is shared between requests, the
//! session is still checked against PostgreSQL first, and another instance
//! without the page simply renders it: the cache saves work and holds no
//! state anyone needs. It is bounded in bytes: two generations, the older
//! dropped whole when the newer fills half the budget, so the pages in use
//! stay and the rest age out.
//!
//! When the key moves on (a change, the next minute) while many requests
//! for the same page are in flight, one of them renders it and the others
//! wait for that page ([`PageCache::flight`]) rather than all rendering it
//! at once.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use tokio::sync::OnceCell;

use axum::body::Bytes;
use axum::http::HeaderMap;
use chrono::{DateTime, Utc};
use uuid::Uuid;

/// What identifies one rendered page.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Key {
    /// The session that asked for it.
    pub session: Uuid,
    /// The organisation's audit head when it was asked for.
    pub audit_head: i64,
    /// The user's unread notifications (marking them read is no audited
    /// change, yet the header shows the count).
    pub unread: i64,
    /// The minute, by the app's clock.
    pub minute: i64,
    /// Path and query.
    pub uri: Box<str>,
}

impl Key {
    /// The key of `uri` as `session` sees it at `now`.
    pub fn new(session: Uuid, audit_head: i64, unread: i64, now: DateTime<Utc>, uri: &str) -> Self {
        Key {
            session,
            audit_head,
            unread,
            minute: now.timestamp().div_euclid(60),
            uri: uri.into(),
        }
    }
}

/// A rendered page: its headers and body.
#[derive(Debug)]
pub struct Stored {
    /// The handler's headers (content type and the like).
    pub headers: HeaderMap,
    pub body: Bytes,
    /// Where the body holds a one-time form key ([`crate::web::once`]):
    /// each serving writes a fresh one there.
    pub once_at: Vec<usize>,
}

/// What a kept page costs besides its body: the key, the headers and the
/// maps' entries, roughly.
const OVERHEAD_BYTES: usize = 256;

impl Stored {
    fn bytes(&self) -> usize {
        self.body.len() + OVERHEAD_BYTES
    }
}

#[derive(Debug, Default)]
struct Generations {
    newer: HashMap<Key, Arc<Stored>>,
    newer_bytes: usize,
    older: HashMap<Key, Arc<Stored>>,
}

/// A page being rendered: every request for its key waits on the same cell.
pub type Flight = Arc<OnceCell<Arc<Stored>>>;

/// The cache. Cheap to share; a budget of zero turns it off.
#[derive(Debug)]
pub struct PageCache {
    budget: usize,
    generations: Mutex<Generations>,
    in_flight: Mutex<HashMap<Key, Flight>>,
}

impl PageCache {
    /// A cache that holds at most about `budget` bytes of pages.
    pub fn new(budget: usize) -> Self {
        PageCache {
            budget,
            generations: Mutex::new(Generations::default()),
            in_flight: Mutex::new(HashMap::new()),
        }
    }

    /// Whether pages are kept at all.
    pub fn is_on(&self) -> bool {
        self.budget > 0
    }

    /// The page stored under `key`, if any.
    pub fn get(&self, key: &Key) -> Option<Arc<Stored>> {
        let mut generations = self.generations.lock().ok()?;
        if let Some(page) = generations.newer.get(key) {
            return Some(Arc::clone(page));
        }
        let page = generations.older.remove(key)?;
        generations.keep(key.clone(), Arc::clone(&page), self.budget);
        Some(page)
    }

    /// Stores a page under `key`.
    pub fn put(&self, key: Key, page: Arc<Stored>) {
        if !self.is_on() || page.bytes() > self.budget / 2 {
            return;
        }
        if let Ok(mut generations) = self.generations.lock() {
            generations.keep(key, page, self.budget);
        }
    }

    /// Joins the rendering of `key` under way, or starts one: the first
    /// request to reach the cell renders, the others wait for its page.
    /// The flight ends when the request that started it is dropped, however
    /// it ends (a client that hangs up included), so no flight outlives its
    /// requests; a request that only joined leaves it to the others.
    pub fn board(&self, key: &Key) -> Boarding<'_> {
        use std::collections::hash_map::Entry;
        let (flight, started) = match self.in_flight.lock() {
            Ok(mut flights) => match flights.entry(key.clone()) {
                Entry::Occupied(entry) => (Arc::clone(entry.get()), false),
                Entry::Vacant(entry) => (Arc::clone(entry.insert(Flight::default())), true),
            },
            Err(_) => (Flight::default(), false),
        };
        Boarding {
            cache: self,
            key: key.clone(),
            flight,
            started,
        }
    }
}

/// A request's place in the rendering of a page; see [`PageCache::board`].
pub struct Boarding<'a> {
    cache: &'a PageCache,
    key: Key,
    /// The rendering every request for the key waits on.
    pub flight: Flight,
    /// Whether this request put the flight there (and so ends it).
    started: bool,
}

impl Drop for Boarding<'_> {
    fn drop(&mut self) {
        if !self.started {
            return;
        }
        if let Ok(mut flights) = self.cache.in_flight.lock()
            && flights
                .get(&self.key)
                .is_some_and(|flight| Arc::ptr_eq(flight, &self.flight))
        {
            flights.remove(&self.key);
        }
    }
}

impl Generations {
    fn keep(&mut self, key: Key, page: Arc<Stored>, budget: usize) {
        if self.newer_bytes + page.bytes() > budget / 2 {
            self.older = std::mem::take(&mut self.newer);
            self.newer_bytes = 0;
        }
        self.newer_bytes += page.bytes();
        if let Some(replaced) = self.newer.insert(key, page) {
            self.newer_bytes -= replaced.bytes();
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn key(uri: &str, head: i64) -> Key {
        let now = Utc.with_ymd_and_hms(2026, 11, 16, 9, 0, 30).unwrap();
        Key::new(Uuid::nil(), head, 0, now, uri)
    }

    /// How many bytes of pages are held (both generations).
    fn held_bytes(cache: &PageCache) -> usize {
        let generations = cache.generations.lock().unwrap();
        generations.newer_bytes + generations.older.values().map(|p| p.bytes()).sum::<usize>()
    }

    fn page(size: usize) -> Arc<Stored> {
        Arc::new(Stored {
            headers: HeaderMap::new(),
            body: Bytes::from(vec![b'x'; size]),
            once_at: Vec::new(),
        })
    }

    #[test]
    fn a_stored_page_comes_back_under_its_own_key_only() {
        let cache = PageCache::new(1 << 20);
        cache.put(key("/a", 7), page(10));
        assert_eq!(cache.get(&key("/a", 7)).unwrap().body.len(), 10);
        assert!(cache.get(&key("/a", 8)).is_none(), "a newer audit head");
        assert!(cache.get(&key("/b", 7)).is_none(), "another page");
        let later = Utc.with_ymd_and_hms(2026, 11, 16, 9, 1, 0).unwrap();
        assert!(
            cache
                .get(&Key::new(Uuid::nil(), 7, 0, later, "/a"))
                .is_none(),
            "the next minute"
        );
        let other = Key::new(Uuid::from_u128(1), 7, 0, later, "/a");
        assert!(cache.get(&other).is_none(), "another session");
    }

    #[test]
    fn the_cache_stays_within_its_budget_and_keeps_what_is_used() {
        let cache = PageCache::new(100_000);
        cache.put(key("/used", 1), page(1_000));
        for n in 0..1_000 {
            cache.put(key(&format!("/page/{n}"), 1), page(1_000));
            assert!(cache.get(&key("/used", 1)).is_some(), "after {n} pages");
        }
        assert!(held_bytes(&cache) <= 100_000, "{}", held_bytes(&cache));
        assert!(cache.get(&key("/page/0", 1)).is_none(), "aged out");
    }

    #[tokio::test]
    async fn requests_for_a_page_being_rendered_wait_for_that_rendering() {
        let cache = Arc::new(PageCache::new(1 << 20));
        let renders = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let mut tasks = Vec::new();
        for _ in 0..16 {
            let (cache, renders) = (Arc::clone(&cache), Arc::clone(&renders));
            tasks.push(tokio::spawn(async move {
                let boarding = cache.board(&key("/slow", 3));
                let page = boarding
                    .flight
                    .get_or_init(|| async {
                        renders.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
                        page(5)
                    })
                    .await
                    .clone();
                page.body.len()
            }));
        }
        for task in tasks {
            assert_eq!(task.await.unwrap(), 5);
        }
        assert_eq!(renders.load(std::sync::atomic::Ordering::SeqCst), 1);
        assert!(
            cache.in_flight.lock().unwrap().is_empty(),
            "every flight ended"
        );
        // A request dropped mid-flight (its client hung up) ends it too.
        let boarding = cache.board(&key("/abandoned", 3));
        assert_eq!(cache.in_flight.lock().unwrap().len(), 1);
        drop(boarding);
        assert!(cache.in_flight.lock().unwrap().is_empty());
    }

    #[test]
    fn a_flight_is_ended_only_by_the_request_that_started_it() {
        let cache = PageCache::new(1 << 20);
        let started = cache.board(&key("/a", 1));
        let joined = cache.board(&key("/a", 1));
        assert!(Arc::ptr_eq(&started.flight, &joined.flight));
        // A request that joined and hangs up leaves the flight to the others.
        drop(joined);
        let later = cache.board(&key("/a", 1));
        assert!(Arc::ptr_eq(&started.flight, &later.flight));
        drop(later);
        drop(started);
        assert!(cache.in_flight.lock().unwrap().is_empty());
        // Once it has ended, a request still holding the old flight does not
        // end the next one.
        let old = cache.board(&key("/b", 1));
        let waiting = cache.board(&key("/b", 1));
        drop(old);
        let next = cache.board(&key("/b", 1));
        assert!(!Arc::ptr_eq(&waiting.flight, &next.flight));
        drop(waiting);
        assert_eq!(
            cache.in_flight.lock().unwrap().len(),
            1,
            "the next flight stays"
        );
        drop(next);
        assert!(cache.in_flight.lock().unwrap().is_empty());
    }

    #[test]
    fn a_budget_of_zero_keeps_nothing() {
        let cache = PageCache::new(0);
        cache.put(key("/a", 1), page(10));
        assert!(cache.get(&key("/a", 1)).is_none());
        assert!(!cache.is_on());
    }
}
