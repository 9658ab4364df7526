//! The tier-up controller of one module (`TierUnit`): told by the interpreter when a
//! function or loop is hot (`interp::hotness::TierUp`), it compiles the function, or an
//! on-stack-replacement entry for the loop, on the engine's compile threads (or at once
//! with `TierUpConfig::synchronous`) and publishes the result in the module's slot
//! table, which every instance in every store reads.
//!
//! Each function is compiled at most once (`FuncState`); a failure (a function
//! Cranelift cannot compile) leaves it interpreted. Compiled code is owned here and
//! freed with the module (a compile running then finishes first; queued jobs of a
//! dropped module are skipped).

use super::worker::CompilePool;
use crate::engine::Engine;
use crate::interp::hotness::TierUp;
use crate::interp::ops::NO_OSR;
use crate::jit::{self, CompiledModule, JitOptions, OsrEntry};
use crate::module::{DefinedFuncIndex, ModuleInfo};
use crate::vm::{FuncSlots, VMArrayCallFn, VMOffsets, VMSharedTypeIndex};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU8, AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};

/// Where a function is in tier-up.
#[repr(u8)]
#[derive(Copy, Clone, PartialEq, Eq)]
enum FuncState {
    Interpreted = 0,
    Queued = 1,
    Compiled = 2,
    Failed = 3,
}

/// The OSR entry of one function.
enum OsrState {
    Queued,
    Ready(OsrEntry),
    Failed,
}

/// A tier-up request, for the compile threads. It does not keep its module alive: the
/// job of a module dropped meanwhile is skipped.
pub(crate) enum Job {
    /// Compile function `d`.
    Func(Weak<TierUnit>, DefinedFuncIndex),
    /// Compile the OSR entry of `d`.
    Osr(Weak<TierUnit>, DefinedFuncIndex),
}

/// What one module's tier-up needs and owns.
pub(crate) struct TierUnit {
    this: Weak<TierUnit>,
    engine: Engine,
    info: Arc<ModuleInfo>,
    offsets: VMOffsets,
    sig_ids: Box<[VMSharedTypeIndex]>,
    options: JitOptions,
    slots: Arc<FuncSlots>,
    state: Box<[AtomicU8]>,
    /// Nanoseconds spent compiling each function (itself and its OSR entries).
    compile_nanos: Box<[AtomicU64]>,
    osr: Mutex<HashMap<u32, OsrState>>,
    /// How often each function's OSR entry was used.
    osr_uses: Box<[AtomicU32]>,
    /// The compiled code: owns the executable memory `slots` and OSR entries point to.
    code: Mutex<Vec<CompiledModule>>,
}

impl TierUnit {
    pub(crate) fn new(
        engine: &Engine,
        info: Arc<ModuleInfo>,
        offsets: VMOffsets,
        sig_ids: Box<[VMSharedTypeIndex]>,
        slots: Arc<FuncSlots>,
    ) -> Arc<TierUnit> {
        let n = info.num_defined_funcs() as usize;
        Arc::new_cyclic(|this| TierUnit {
            this: this.clone(),
            engine: engine.clone(),
            options: JitOptions {
                fuel: engine.config().consume_fuel,
            },
            info,
            offsets,
            sig_ids,
            slots,
            state: (0..n).map(|_| AtomicU8::new(0)).collect(),
            compile_nanos: (0..n).map(|_| AtomicU64::new(0)).collect(),
            osr: Mutex::new(HashMap::new()),
            osr_uses: (0..n).map(|_| AtomicU32::new(0)).collect(),
            code: Mutex::new(Vec::new()),
        })
    }

    /// Time spent compiling `d` (and its OSR entries), if any was.
    pub(crate) fn compile_time(&self, d: DefinedFuncIndex) -> Option<Duration> {
        let nanos = self.compile_nanos[d.index()].load(Ordering::Relaxed);
        (nanos > 0).then(|| Duration::from_nanos(nanos))
    }

    fn config(&self) -> &crate::engine::TierUpConfig {
        &self.engine.config().tier_up
    }

    /// Moves `d` from `from` to `to`; `false` if it was not in `from`.
    fn transition(&self, d: DefinedFuncIndex, from: FuncState, to: FuncState) -> bool {
        self.state[d.index()]
            .compare_exchange(from as u8, to as u8, Ordering::AcqRel, Ordering::Acquire)
            .is_ok()
    }

    /// Runs `job` now or queues it; `false` if the queue refused it.
    fn request(&self, job: Job) -> bool {
        if self.config().synchronous {
            run_jobs(vec![job]);
            return true;
        }
        let pool = self
            .engine
            .tiers()
            .compile_pool
            .get_or_init(|| CompilePool::new(self.config().workers));
        pool.submit(job)
    }

    /// Compiles the functions `ds` together and publishes them; compile failures leave
    /// them interpreted (a unit that fails is retried one function at a time, so one
    /// function Cranelift cannot compile does not keep the others back).
    fn compile_funcs(&self, ds: &[DefinedFuncIndex]) {
        let start = Instant::now();
        let compiled = self.engine.tiers().stubs().and_then(|stubs| {
            jit::compile_module(
                &self.info,
                &self.offsets,
                &self.sig_ids,
                &self.options,
                stubs,
                (jit::CompileThreads::Caller, jit::ArrayEntries::All),
                |d| ds.iter().any(|x| x.as_u32() == d),
            )
        });
        let compiled = match compiled {
            Ok(c) => c,
            Err(_) if ds.len() > 1 => {
                for d in ds {
                    self.compile_funcs(&[*d]);
                }
                return;
            }
            Err(_) => {
                self.state[ds[0].index()].store(FuncState::Failed as u8, Ordering::Release);
                return;
            }
        };
        let each = start.elapsed().as_nanos() as u64 / ds.len() as u64;
        // The stack limit keeps room for the largest frame before code with it runs.
        self.engine.tiers().note_frame(compiled.largest_frame);
        for d in ds {
            if let Some(entry) = compiled.funcs[d.index()] {
                self.slots.publish(*d, entry);
            }
            self.compile_nanos[d.index()].fetch_add(each.max(1), Ordering::Relaxed);
            self.state[d.index()].store(FuncState::Compiled as u8, Ordering::Release);
        }
        self.code
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(compiled);
    }

    /// Compiles the OSR entry of `d` and makes it available.
    fn compile_osr(&self, d: DefinedFuncIndex) {
        let start = Instant::now();
        let compiled = self.engine.tiers().stubs().and_then(|stubs| {
            jit::compile_osr(
                &self.info,
                &self.offsets,
                &self.sig_ids,
                &self.options,
                stubs,
                d,
            )
        });
        let state = match compiled {
            Ok(c) => {
                self.engine.tiers().note_frame(c.largest_frame);
                let entry = c.osr.clone().expect("an OSR compile has an entry");
                self.code.lock().unwrap_or_else(|p| p.into_inner()).push(c);
                let nanos = start.elapsed().as_nanos() as u64;
                self.compile_nanos[d.index()].fetch_add(nanos.max(1), Ordering::Relaxed);
                OsrState::Ready(entry)
            }
            Err(_) => OsrState::Failed,
        };
        self.osr
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(d.as_u32(), state);
    }

    /// `d`'s OSR entry if it is compiled and enters the loop at `at`.
    fn osr_entry(&self, d: DefinedFuncIndex, at: u32) -> Option<VMArrayCallFn> {
        match self
            .osr
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(&d.as_u32())
        {
            Some(OsrState::Ready(e)) if e.loops.contains(&at) => Some(e.entry),
            _ => None,
        }
    }
}

impl TierUp for TierUnit {
    fn hot_call(&self, d: DefinedFuncIndex) -> bool {
        if !self.transition(d, FuncState::Interpreted, FuncState::Queued) {
            return true;
        }
        if self.request(Job::Func(self.this.clone(), d)) {
            return true;
        }
        self.transition(d, FuncState::Queued, FuncState::Interpreted);
        false
    }

    /// A hot loop in a function called more than once gets the whole function compiled
    /// (the next call runs it); only if the call is still looping when that is done does
    /// it move by OSR. A hot loop in a first call (a `main`) moves by OSR at once, and
    /// the function is compiled whole only when its OSR entry is used a second time.
    /// OSR entries are compiled once per function. The whole function is compiled too
    /// when OSR cannot carry the call (OSR off, a loop it cannot enter, an entry that
    /// failed). Testing OSR alone (`call_threshold` = `u32::MAX`) never compiles whole
    /// functions.
    fn hot_loop(&self, d: DefinedFuncIndex, at: u32, calls: u64) -> Option<VMArrayCallFn> {
        let config = self.config();
        let whole_first = config.call_threshold != u32::MAX
            && calls > 1
            && self.state[d.index()].load(Ordering::Acquire) != FuncState::Compiled as u8;
        if whole_first {
            self.hot_call(d);
            return None;
        }
        let mut compile_whole = !config.osr || at == NO_OSR;
        let mut entry = None;
        if !compile_whole {
            let mut entries = self.osr.lock().unwrap_or_else(|p| p.into_inner());
            match entries.get(&d.as_u32()) {
                Some(OsrState::Ready(e)) => {
                    entry = e.loops.contains(&at).then_some(e.entry);
                    let uses = self.osr_uses[d.index()].fetch_add(1, Ordering::Relaxed);
                    compile_whole = entry.is_none() || uses >= 1;
                }
                Some(OsrState::Failed) => compile_whole = true,
                Some(OsrState::Queued) => {}
                None => {
                    entries.insert(d.as_u32(), OsrState::Queued);
                    drop(entries);
                    if !self.request(Job::Osr(self.this.clone(), d)) {
                        self.osr
                            .lock()
                            .unwrap_or_else(|p| p.into_inner())
                            .remove(&d.as_u32());
                    }
                    // A synchronous compile is done by now.
                    entry = self.osr_entry(d, at);
                }
            }
        }
        if compile_whole && config.call_threshold != u32::MAX {
            self.hot_call(d);
        }
        entry
    }
}

/// Runs a batch of jobs (those of modules still alive): the function jobs of each unit
/// compile together.
pub(crate) fn run_jobs(batch: Vec<Job>) {
    let mut funcs: Vec<(Arc<TierUnit>, Vec<DefinedFuncIndex>)> = Vec::new();
    for job in batch {
        match job {
            Job::Osr(unit, d) => {
                if let Some(unit) = unit.upgrade() {
                    unit.compile_osr(d);
                }
            }
            Job::Func(unit, d) => {
                let Some(unit) = unit.upgrade() else {
                    continue;
                };
                match funcs.iter_mut().find(|(u, _)| Arc::ptr_eq(u, &unit)) {
                    Some((_, ds)) => ds.push(d),
                    None => funcs.push((unit, vec![d])),
                }
            }
        }
    }
    for (unit, ds) in funcs {
        unit.compile_funcs(&ds);
    }
}
