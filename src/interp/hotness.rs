//! What the interpreter tells a tier-up controller: per-function hotness budgets, spent
//! on calls and on loop iterations, and the controller's hooks for when one runs out.
//!
//! The call budget is a per-module counter (shared by every instance of the module, in
//! every store and thread) that counts down; reaching zero takes the one cold branch to
//! the controller. The counters are atomics updated with a plain load and store, not a
//! read-modify-write: an update lost to a race only delays tier-up a little, and the
//! hot path stays two ordinary instructions. The loop budget is per instance, in the
//! function's `VMFuncCounters` (a running loop belongs to one instance, and a loop
//! header then costs one subtraction); its refill value is here.

use crate::module::DefinedFuncIndex;
use crate::vm::VMArrayCallFn;
use std::sync::Arc;
use std::sync::atomic::{AtomicI32, Ordering::Relaxed};

/// The decisions the interpreter leaves to the tier-up controller (`tiering`).
pub trait TierUp: Send + Sync {
    /// Defined function `d` used up its call budget. Returns `false` to be asked again
    /// after another budget of calls (the request could not be taken now).
    fn hot_call(&self, d: DefinedFuncIndex) -> bool;

    /// A loop of `d`, at wasm offset `at` (or `ops::NO_OSR`), used up `d`'s loop budget
    /// in a running call; `calls` is how often this instance called `d` so far. Returns
    /// `d`'s on-stack-replacement entry when it is compiled and enters this loop: an
    /// array-call-shaped function that takes the function's locals (and `at` as its
    /// last argument) and returns its results, continuing the call from the loop header
    /// natively.
    fn hot_loop(&self, d: DefinedFuncIndex, at: u32, calls: u64) -> Option<VMArrayCallFn>;
}

/// When functions are hot: budgets in calls and loop iterations, and who is told.
#[derive(Clone)]
pub struct TierUpPolicy {
    /// Calls before the controller hears of a function (`i32::MAX`: never).
    pub call_budget: i32,
    /// Loop iterations (per function, over all its calls) before the controller hears
    /// of a loop (`i32::MAX`: never).
    pub loop_budget: i32,
    /// The controller, if any.
    pub controller: Option<Arc<dyn TierUp>>,
}

impl TierUpPolicy {
    /// No tier-up: budgets never run out in practice.
    pub fn none() -> TierUpPolicy {
        TierUpPolicy {
            call_budget: i32::MAX,
            loop_budget: i32::MAX,
            controller: None,
        }
    }
}

/// The call budget of one function.
pub struct Hotness {
    calls: AtomicI32,
}

impl Hotness {
    /// Spends one call; `true` when the budget ran out.
    #[inline(always)]
    pub fn tick_call(&self) -> bool {
        let left = self.calls.load(Relaxed).wrapping_sub(1);
        self.calls.store(left, Relaxed);
        left < 0
    }
}

/// The budgets of a module's defined functions and the policy that refills them.
pub struct HotnessTable {
    budgets: Box<[Hotness]>,
    policy: TierUpPolicy,
}

impl HotnessTable {
    /// Full budgets for `n` functions.
    pub fn new(n: u32, policy: TierUpPolicy) -> HotnessTable {
        let budgets = (0..n)
            .map(|_| Hotness {
                calls: AtomicI32::new(policy.call_budget),
            })
            .collect();
        HotnessTable { budgets, policy }
    }

    /// The first function's budgets, for `InstCache`.
    pub fn as_ptr(&self) -> *const Hotness {
        self.budgets.as_ptr()
    }

    /// `d`'s call budget ran out: tells the controller, and refills the budget (fully
    /// when the controller took the request, since it will not need to hear again).
    #[cold]
    #[inline(never)]
    pub fn hot_call(&self, d: u32) {
        let h = &self.budgets[d as usize];
        // Refill first: other threads running `d` meanwhile must not call in too.
        h.calls.store(i32::MAX, Relaxed);
        let taken = match &self.policy.controller {
            Some(c) => c.hot_call(DefinedFuncIndex::from_u32(d)),
            None => true,
        };
        if !taken {
            h.calls.store(self.policy.call_budget.max(1), Relaxed);
        }
    }

    /// What a loop budget is refilled to: a loop whose entry is still being compiled
    /// asks again after another budget of iterations.
    pub fn loop_budget(&self) -> i64 {
        match self.policy.controller {
            Some(_) => i64::from(self.policy.loop_budget.max(1)),
            None => i64::MAX,
        }
    }

    /// `d`'s loop budget ran out at the loop at `at` (in its `calls`th call): the loop's
    /// OSR entry if there is one now.
    #[cold]
    #[inline(never)]
    pub fn hot_loop(&self, d: u32, at: u32, calls: u64) -> Option<VMArrayCallFn> {
        self.policy
            .controller
            .as_ref()
            .and_then(|c| c.hot_loop(DefinedFuncIndex::from_u32(d), at, calls))
    }
}
