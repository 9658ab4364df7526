//! What several test suites share.

use tierwasm::{Config, Engine, Tier, TierUpConfig};

/// One engine per tier this build has: each test runs on all of them. `Tier::Auto` is
/// set to tier up as early as it can (every function and lowering compiled at its first
/// call, every loop entered by OSR the first time it is reached, synchronously), so
/// that the tests run across the tier switch.
#[allow(dead_code, reason = "not every suite that shares this module uses it")]
pub fn engines() -> Vec<Engine> {
    let mut configs = vec![config(Tier::Interp)];
    if cfg!(feature = "jit") {
        configs.push(config(Tier::Jit));
        configs.push(eager_auto());
    }
    configs.iter().map(|c| Engine::new(c).unwrap()).collect()
}

fn config(t: Tier) -> Config {
    let mut c = Config::new();
    c.tier(t);
    c
}

/// `Tier::Auto` tiering up at the first call and loop iteration, synchronously.
#[allow(dead_code, reason = "not every suite that shares this module uses it")]
pub fn eager_auto() -> Config {
    let mut c = config(Tier::Auto);
    c.tier_up(TierUpConfig {
        call_threshold: 0,
        loop_threshold: 0,
        osr: true,
        synchronous: true,
        workers: 1,
    });
    c
}
