//! Clocks and sleeps: the monotonic clock advances across a sleep (which std does with a
//! `subscribe-duration` pollable and `block`), `poll` on two timers wakes for the earlier
//! only, and the wall clock is past 2020.

#[path = "../raw.rs"]
mod raw;

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

fn main() {
    let t = Instant::now();
    std::thread::sleep(Duration::from_millis(50));
    let slept = t.elapsed();
    assert!(slept >= Duration::from_millis(50), "{slept:?}");
    assert!(slept < Duration::from_secs(5), "{slept:?}");
    println!("ok sleep");

    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap();
    assert!(now.as_secs() > 1_600_000_000, "{now:?}");
    println!("ok wall-clock");

    let t = Instant::now();
    let soon = raw::subscribe_duration(20_000_000);
    let late = raw::subscribe_duration(10_000_000_000);
    assert!(!raw::ready(late));
    let ready = raw::poll(&[late, soon]);
    assert_eq!(ready, [1]);
    let waited = t.elapsed();
    assert!(waited >= Duration::from_millis(20) && waited < Duration::from_secs(5), "{waited:?}");
    assert!(raw::ready(soon));
    raw::drop_pollable(soon);
    raw::drop_pollable(late);
    println!("ok poll");
}
