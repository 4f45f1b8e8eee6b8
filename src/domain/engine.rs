//! The call queue's rule, decided here and performed by the shell (`state::engine`): one job's
//! queued calls start in the order asked, as long as their provider host has fewer calls in
//! flight than its limit (rate limits differ by provider, so a slow or strict host never holds back another).
//! A call may go ahead of the queue (`push_front`: the next step of work under way, a call the
//! person asked for by hand), and one
//! job's queued calls leave together (`drain_where`); the batch calls of several jobs take
//! turns (`start_by`). Pure: no clock, no IO; tested natively.
use crate::domain::sorted::SortedMap;
use std::collections::VecDeque;

/// Most calls at once to one host, whatever its setting.
pub const MAX_PER_HOST: u32 = 16;

/// A queue of calls keyed by `K` (e.g. (model slot, case id)), each bound for a host.
#[derive(Debug, Clone, PartialEq)]
pub struct Scheduler<K> {
    queue: VecDeque<(K, String)>,
    /// How many calls at the head of `queue` went there by `push_front` (in the order pushed).
    ahead: usize,
    in_flight: SortedMap<String, u32>,
    /// The limit of a host with no limit of its own (1..=[`MAX_PER_HOST`]).
    default_limit: u32,
    limits: SortedMap<String, u32>,
    /// The batch call started last at each host: its job's turn there is over
    /// ([`Scheduler::start_by`]).
    last_batch: SortedMap<String, K>,
}

impl<K: Clone + PartialEq> Scheduler<K> {
    /// An empty queue whose hosts take `default_limit` calls at once (clamped to
    /// 1..=[`MAX_PER_HOST`]).
    pub fn new(default_limit: u32) -> Self {
        Self {
            queue: VecDeque::new(),
            ahead: 0,
            in_flight: SortedMap::new(),
            default_limit: default_limit.clamp(1, MAX_PER_HOST),
            limits: SortedMap::new(),
            last_batch: SortedMap::new(),
        }
    }

    /// Sets the limit of hosts without one of their own (clamped to 1..=[`MAX_PER_HOST`]);
    /// calls in flight are not stopped when it drops, only no new one starts above it.
    pub fn set_default_limit(&mut self, n: u32) {
        self.default_limit = n.clamp(1, MAX_PER_HOST);
    }

    /// Sets one host's own limit (clamped to 1..=[`MAX_PER_HOST`]); `None` returns it to the
    /// default.
    pub fn set_limit(&mut self, host: &str, n: Option<u32>) {
        match n {
            Some(n) => {
                self.limits
                    .insert(host.to_owned(), n.clamp(1, MAX_PER_HOST));
            }
            None => {
                self.limits.remove(host);
            }
        }
    }

    /// Sets every host's own limit at once (each clamped to 1..=[`MAX_PER_HOST`]): a host not
    /// in `limits` goes back to the default.
    pub fn set_limits(&mut self, limits: &SortedMap<String, u32>) {
        self.limits = limits
            .iter()
            .map(|(h, n)| (h.clone(), (*n).clamp(1, MAX_PER_HOST)))
            .collect();
    }

    /// The limit that applies to `host`.
    pub fn limit(&self, host: &str) -> u32 {
        self.limits.get(host).copied().unwrap_or(self.default_limit)
    }

    /// Queues a call for `host`; `false` (nothing queued) when `key` is queued already.
    pub fn push(&mut self, key: K, host: &str) -> bool {
        if self.is_queued(&key) {
            return false;
        }
        self.queue.push_back((key, host.to_owned()));
        true
    }

    /// Queues a call for `host` ahead of every call queued by [`Scheduler::push`], after those
    /// queued ahead before it (first come, first served among them): the next step of work already under
    /// way (a judge call at another host than its answer's), or a call the person asked for by
    /// hand and waits for (Generate, Reflexion on a case), so a long queue of batch work does
    /// not hold it back. `false` when `key` is queued already.
    pub fn push_front(&mut self, key: K, host: &str) -> bool {
        if self.is_queued(&key) {
            return false;
        }
        self.queue.insert(self.ahead, (key, host.to_owned()));
        self.ahead += 1;
        true
    }

    /// Takes out of the queue the calls `drop` picks (one job's, on its cancel), in queue order;
    /// the others keep their places. Calls in flight are not touched.
    pub fn drain_where(&mut self, mut drop: impl FnMut(&K) -> bool) -> Vec<K> {
        let mut dropped = Vec::new();
        let mut kept = VecDeque::with_capacity(self.queue.len());
        let mut ahead = 0;
        for (i, (k, host)) in self.queue.drain(..).enumerate() {
            if drop(&k) {
                dropped.push(k);
            } else {
                ahead += usize::from(i < self.ahead);
                kept.push_back((k, host));
            }
        }
        self.queue = kept;
        self.ahead = ahead;
        dropped
    }

    /// Whether `key` waits in the queue.
    pub fn is_queued(&self, key: &K) -> bool {
        self.queue.iter().any(|(k, _)| k == key)
    }

    /// The calls to start now, in the order they were queued: each queued call whose host is
    /// under its limit, counted as in flight from here until [`Scheduler::finished`].
    pub fn start(&mut self) -> Vec<(K, String)> {
        self.start_by(|_| ())
    }

    /// [`Scheduler::start`] with the batch calls (those queued by [`Scheduler::push`]) of
    /// several jobs taking turns at each host: `group` names a call's job, and at a host the
    /// n-th waiting call of each job comes before the (n+1)-th of any, starting with the job
    /// after the one whose batch call started last at that host (jobs in the order their first
    /// waiting call there was queued; turns carry over from one start to the next). So an
    /// optimizer started during a long run shares the host with the run instead of waiting for
    /// all of its cases. Calls queued ahead go first, in their order; one job's calls keep
    /// theirs.
    pub fn start_by<G: PartialEq>(&mut self, group: impl Fn(&K) -> G) -> Vec<(K, String)> {
        // Per host: the waiting batch calls by job, in the order of their first waiting call.
        let mut hosts: Vec<(&str, Vec<(G, Vec<usize>)>)> = Vec::new();
        for (i, (k, host)) in self.queue.iter().enumerate().skip(self.ahead) {
            let at = match hosts.iter().position(|(h, _)| *h == host.as_str()) {
                Some(p) => p,
                None => {
                    hosts.push((host.as_str(), Vec::new()));
                    hosts.len() - 1
                }
            };
            let jobs = &mut hosts[at].1;
            let g = group(k);
            match jobs.iter_mut().find(|(j, _)| *j == g) {
                Some((_, calls)) => calls.push(i),
                None => jobs.push((g, vec![i])),
            }
        }
        // Ahead calls first, then at each host the n-th call of every job before the (n+1)-th
        // of any, the job after the one served last there first.
        let mut order: Vec<(usize, usize)> = (0..self.ahead.min(self.queue.len()))
            .map(|i| (0, i))
            .collect();
        for (host, jobs) in &mut hosts {
            if let Some(last) = self.last_batch.get(*host) {
                let last = group(last);
                if let Some(p) = jobs.iter().position(|(j, _)| *j == last) {
                    let n = jobs.len();
                    jobs.rotate_left((p + 1) % n);
                }
            }
            let n_jobs = jobs.len();
            for (turn, (_, calls)) in jobs.iter().enumerate() {
                for (n, &i) in calls.iter().enumerate() {
                    order.push((1 + n * n_jobs + turn, i));
                }
            }
        }
        drop(hosts);
        crate::domain::order::sort(&mut order);
        let mut take = vec![false; self.queue.len()];
        for &(_, i) in &order {
            let host = &self.queue[i].1;
            let going = self.in_flight.get(host).copied().unwrap_or(0);
            if going < self.limit(host) {
                *self.in_flight.entry(host.clone()).or_default() += 1;
                take[i] = true;
            }
        }
        // The started calls in the order they were taken; the others keep their places.
        let mut by_place: Vec<Option<(K, String)>> = self.queue.drain(..).map(Some).collect();
        let batch_from = self.ahead;
        let started: Vec<(K, String)> = order
            .iter()
            .filter(|(_, i)| take[*i])
            .filter_map(|(_, i)| by_place[*i].take())
            .collect();
        let n_ahead_started = order
            .iter()
            .filter(|(_, i)| take[*i] && *i < batch_from)
            .count();
        for (k, host) in &started[n_ahead_started..] {
            self.last_batch.insert(host.clone(), k.clone());
        }
        let mut ahead = 0;
        for (i, slot) in by_place.into_iter().enumerate() {
            if let Some(call) = slot {
                ahead += usize::from(i < self.ahead);
                self.queue.push_back(call);
            }
        }
        self.ahead = ahead;
        started
    }

    /// A call to `host` ended (answered, failed or stopped): its place is free.
    pub fn finished(&mut self, host: &str) {
        if let Some(n) = self.in_flight.get_mut(host) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                self.in_flight.remove(host);
            }
        }
    }

    /// Empties the queue (calls in flight go on until stopped); returns what was queued.
    pub fn drain(&mut self) -> Vec<K> {
        self.ahead = 0;
        self.queue.drain(..).map(|(k, _)| k).collect()
    }

    /// Calls waiting to start.
    pub fn queued(&self) -> usize {
        self.queue.len()
    }

    /// Calls in flight, to every host.
    pub fn in_flight(&self) -> u32 {
        self.in_flight.values().sum()
    }

    /// Calls in flight to one host.
    pub fn in_flight_to(&self, host: &str) -> u32 {
        self.in_flight.get(host).copied().unwrap_or(0)
    }

    /// Nothing queued and nothing in flight.
    pub fn idle(&self) -> bool {
        self.queue.is_empty() && self.in_flight.is_empty()
    }
}

/// "At once" when the person has not set it: calls at once to one provider host.
pub const DEFAULT_PER_HOST: u32 = 4;

/// The person's limits of calls at once as saved in the browser, read back: `at_once`, the
/// saved "At once" (a whole number as text), and `hosts`, the hosts' own limits (a JSON object
/// of host to whole number). Each limit is kept within 1..=[`MAX_PER_HOST`]. Gives "At once"
/// ([`DEFAULT_PER_HOST`] when not saved), the hosts' limits, and what could not be read, in the
/// page's words (that part is left at its default, nothing else is lost).
pub fn read_limits(
    at_once: Option<&str>,
    hosts: Option<&str>,
) -> (u32, SortedMap<String, u32>, Vec<String>) {
    let mut lost = Vec::new();
    let clamp = |n: u32| n.clamp(1, MAX_PER_HOST);
    let at_once = match at_once.map(|s| s.trim().parse::<u32>()) {
        None => DEFAULT_PER_HOST,
        Some(Ok(n)) => clamp(n),
        Some(Err(_)) => {
            lost.push(format!(
                "The saved number of calls at once could not be read, so the default ({DEFAULT_PER_HOST}) is used."
            ));
            DEFAULT_PER_HOST
        }
    };
    let hosts = match hosts.map(serde_json::from_str::<SortedMap<String, u32>>) {
        None => Default::default(),
        Some(Ok(m)) => m.into_iter().map(|(h, n)| (h, clamp(n))).collect(),
        Some(Err(_)) => {
            lost.push(
                "The saved limits of calls at once for each model's host could not be read, so those hosts use \"At once\"."
                    .to_owned(),
            );
            Default::default()
        }
    };
    (at_once, hosts, lost)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_host_gets_up_to_its_own_limit_and_a_full_host_holds_back_no_other() {
        let mut s: Scheduler<(usize, u32)> = Scheduler::new(2);
        s.set_limit("slow.example", Some(1));
        for id in 1..=3 {
            assert!(s.push((0, id), "slow.example"));
        }
        for id in 1..=3 {
            assert!(s.push((1, id), "fast.example"));
        }
        assert!(!s.push((1, 2), "fast.example"), "queued once");
        let first = s.start();
        assert_eq!(
            first.iter().map(|(k, _)| *k).collect::<Vec<_>>(),
            vec![(0, 1), (1, 1), (1, 2)],
            "the slow host's second call waits; the fast host's calls do not wait behind it"
        );
        assert_eq!(
            (
                s.in_flight_to("slow.example"),
                s.in_flight_to("fast.example")
            ),
            (1, 2)
        );
        assert!(s.start().is_empty(), "both hosts are full");
        s.finished("fast.example");
        assert_eq!(s.start(), vec![((1, 3), "fast.example".to_owned())]);
        s.finished("slow.example");
        assert_eq!(s.start(), vec![((0, 2), "slow.example".to_owned())]);
        assert_eq!((s.queued(), s.in_flight()), (1, 3));
        // Cancel: the queue empties, calls in flight are left to be stopped by the shell.
        assert_eq!(s.drain(), vec![(0, 3)]);
        for h in ["slow.example", "fast.example", "fast.example"] {
            s.finished(h);
        }
        assert!(s.idle());
        // A finish for a host with nothing in flight does not underflow.
        s.finished("slow.example");
        assert!(s.idle());
    }

    #[test]
    fn a_next_step_goes_first_and_a_cancel_takes_out_only_its_own_jobs_calls() {
        // Keys: (job, call). One host, one call at a time.
        let mut s: Scheduler<(char, u32)> = Scheduler::new(1);
        for n in 1..=3 {
            assert!(s.push(('r', n), "h"));
        }
        assert!(s.push(('l', 1), "h"));
        assert_eq!(s.start(), vec![(('r', 1), "h".to_owned())]);
        // The answer of r1 came: its judge call goes before the queued answers; a call asked
        // for by hand after it goes after it, still before the answers (first come, first
        // served among the calls that go ahead).
        assert!(s.push_front(('j', 1), "h"));
        assert!(!s.push_front(('j', 1), "h"), "queued once");
        assert!(s.push_front(('g', 1), "h"));
        s.finished("h");
        assert_eq!(s.start(), vec![(('j', 1), "h".to_owned())]);
        s.finished("h");
        assert_eq!(s.start(), vec![(('g', 1), "h".to_owned())]);
        // A new one ahead goes before the queued answers again.
        assert!(s.push_front(('g', 2), "h"));
        s.finished("h");
        assert_eq!(s.start(), vec![(('g', 2), "h".to_owned())]);
        // Cancel of job r: its queued calls leave, the loop's call keeps its place.
        assert_eq!(
            s.drain_where(|(job, _)| *job == 'r'),
            vec![('r', 2), ('r', 3)]
        );
        assert_eq!(s.queued(), 1);
        assert!(s.start().is_empty(), "the host is still full");
        s.finished("h");
        assert_eq!(s.start(), vec![(('l', 1), "h".to_owned())]);
        s.finished("h");
        assert!(s.idle());
    }

    #[test]
    fn calls_ahead_keep_their_order_through_a_cancel_and_a_full_host() {
        let mut s: Scheduler<(char, u32)> = Scheduler::new(1);
        s.push(('r', 1), "h");
        assert_eq!(s.start().len(), 1);
        s.push(('r', 2), "h");
        for k in [('a', 1), ('b', 1), ('a', 2)] {
            assert!(s.push_front(k, "h"));
        }
        assert!(s.start().is_empty(), "the host is full");
        assert_eq!(s.drain_where(|(j, _)| *j == 'b'), vec![('b', 1)]);
        assert!(s.push_front(('c', 1), "h"));
        for want in [('a', 1), ('a', 2), ('c', 1), ('r', 2)] {
            s.finished("h");
            assert_eq!(s.start(), vec![(want, "h".to_owned())]);
        }
    }

    #[test]
    fn limits_are_clamped_and_a_lower_limit_applies_to_the_next_start() {
        let mut s: Scheduler<u32> = Scheduler::new(0);
        assert_eq!(s.limit("h"), 1);
        s.set_default_limit(99);
        assert_eq!(s.limit("h"), MAX_PER_HOST);
        for id in 0..20 {
            s.push(id, "h");
        }
        assert_eq!(s.start().len(), 16);
        s.set_default_limit(4);
        for _ in 0..13 {
            s.finished("h");
        }
        // 3 still in flight against a limit of 4: one more starts.
        assert_eq!(s.start().len(), 1);
        s.set_limit("h", Some(8));
        assert_eq!(s.start().len(), 3);
        s.set_limit("h", None);
        assert_eq!(s.limit("h"), 4);
    }

    #[test]
    fn the_limits_read_back_as_saved_and_damage_falls_back_and_is_said() {
        let (n, hosts, lost) = read_limits(None, None);
        assert_eq!((n, hosts.len(), lost.len()), (DEFAULT_PER_HOST, 0, 0));
        let (n, hosts, lost) = read_limits(Some("2"), Some(r#"{"api.groq.com":1,"x":99}"#));
        assert_eq!(n, 2);
        assert_eq!(hosts.get("api.groq.com"), Some(&1));
        assert_eq!(hosts.get("x"), Some(&MAX_PER_HOST), "kept within bounds");
        assert!(lost.is_empty());
        assert_eq!(read_limits(Some("0"), None).0, 1);
        let (n, hosts, lost) = read_limits(Some("four"), Some("{broken"));
        assert_eq!((n, hosts.len()), (DEFAULT_PER_HOST, 0));
        assert_eq!(lost.len(), 2, "{lost:?}");
        assert!(
            lost[0].contains("(4)") && lost[1].contains("\"At once\""),
            "{lost:?}"
        );
    }

    // Tryout 13, M2: an optimizer started during a long run made no call until every queued
    // case of the run had been answered (its line said "scoring your prompt" all the while).
    #[test]
    fn the_batch_calls_of_two_jobs_take_turns_and_each_keeps_its_order() {
        let mut s: Scheduler<(char, u32)> = Scheduler::new(1);
        for n in 1..=6 {
            s.push(('r', n), "h");
        }
        let job = |k: &(char, u32)| k.0;
        assert_eq!(s.start_by(job), vec![(('r', 1), "h".to_owned())]);
        for n in 1..=2 {
            s.push(('l', n), "h");
        }
        // A call asked ahead still goes first.
        s.push_front(('g', 1), "h");
        let mut order = Vec::new();
        while s.queued() > 0 {
            s.finished("h");
            order.extend(s.start_by(job).into_iter().map(|(k, _)| k));
        }
        assert_eq!(
            order,
            vec![
                ('g', 1),
                ('l', 1),
                ('r', 2),
                ('l', 2),
                ('r', 3),
                ('r', 4),
                ('r', 5),
                ('r', 6)
            ]
        );
        // Several places free at once: taken in turn too, and hosts still hold their limits.
        let mut s: Scheduler<(char, u32)> = Scheduler::new(3);
        s.set_limits(&SortedMap::from([("slow".to_owned(), 1)]));
        for n in 1..=3 {
            s.push(('r', n), "h");
        }
        s.push(('l', 1), "h");
        s.push(('l', 2), "slow");
        s.push(('l', 3), "slow");
        let started: Vec<_> = s.start_by(job).into_iter().map(|(k, _)| k).collect();
        // In turn at each host: r1, l1, r2 at "h"; l2 at "slow".
        assert_eq!(started, vec![('r', 1), ('l', 2), ('l', 1), ('r', 2)]);
        assert_eq!(s.queued(), 2);
        // Limits set at once replace the earlier ones: "slow" is back to the default.
        s.set_limits(&SortedMap::new());
        assert_eq!(s.limit("slow"), 3);
    }

    // Review: turns were taken across hosts, so a loop with calls at two hosts lost its turn at
    // the busy one whenever one of its calls started at the other.
    #[test]
    fn turns_are_taken_at_each_host() {
        let mut s: Scheduler<(char, u32)> = Scheduler::new(1);
        let job = |k: &(char, u32)| k.0;
        for n in 1..=4 {
            s.push(('r', n), "a");
        }
        assert_eq!(s.start_by(job), vec![(('r', 1), "a".to_owned())]);
        s.push(('l', 1), "a");
        s.push(('l', 2), "b");
        s.push(('l', 3), "a");
        // The loop's call at "b" starts at once; at "a" the run went last, so the loop is next.
        assert_eq!(s.start_by(job), vec![(('l', 2), "b".to_owned())]);
        s.finished("a");
        assert_eq!(s.start_by(job), vec![(('l', 1), "a".to_owned())]);
        s.finished("a");
        assert_eq!(s.start_by(job), vec![(('r', 2), "a".to_owned())]);
        s.finished("a");
        assert_eq!(s.start_by(job), vec![(('l', 3), "a".to_owned())]);
    }
}
