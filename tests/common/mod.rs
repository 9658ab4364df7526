//! What several test suites share.

use tierwasm::{Config, Engine, Tier};

/// One engine per tier this build has: each test runs on all of them.
pub fn engines() -> Vec<Engine> {
    let mut tiers = vec![Tier::Interp];
    if cfg!(feature = "jit") {
        tiers.push(Tier::Jit);
    }
    tiers
        .into_iter()
        .map(|t| {
            let mut c = Config::new();
            c.tier(t);
            Engine::new(&c).unwrap()
        })
        .collect()
}
