//! The engine's compile threads: a bounded queue of tier-up jobs and the threads that
//! take them, started on the first job. A thread takes every job waiting when it wakes,
//! so that functions found hot together compile in one unit (and call each other
//! directly).

use super::controller::{Job, run_jobs};
use std::sync::mpsc::{Receiver, SyncSender, TrySendError, sync_channel};
use std::sync::{Arc, Mutex};

/// Jobs waiting at most; a request beyond it is refused and asked again later.
const QUEUE: usize = 1024;

/// The compile threads of an engine. Dropping it (with the engine) closes the queue;
/// the threads finish the jobs already queued and exit.
pub(crate) struct CompilePool {
    queue: SyncSender<Job>,
}

impl CompilePool {
    /// Starts `workers` threads (0: one less than the machine's cores, at least one,
    /// at most four).
    pub(crate) fn new(workers: usize) -> CompilePool {
        let workers = if workers == 0 {
            std::thread::available_parallelism()
                .map_or(1, |n| n.get())
                .saturating_sub(1)
                .clamp(1, 4)
        } else {
            workers
        };
        let (queue, jobs) = sync_channel(QUEUE);
        let jobs = Arc::new(Mutex::new(jobs));
        for i in 0..workers {
            let jobs = jobs.clone();
            // A pool that cannot start a thread leaves hot code interpreted: requests
            // wait in the queue until it is full, then are refused.
            let _ = std::thread::Builder::new()
                .name(format!("tierwasm-compile-{i}"))
                .spawn(move || work(&jobs));
        }
        CompilePool { queue }
    }

    /// Queues `job`; `false` when the queue is full.
    pub(crate) fn submit(&self, job: Job) -> bool {
        match self.queue.try_send(job) {
            Ok(()) => true,
            Err(TrySendError::Full(_)) | Err(TrySendError::Disconnected(_)) => false,
        }
    }
}

/// One compile thread: waits for a job, takes whatever else is waiting, compiles.
fn work(jobs: &Mutex<Receiver<Job>>) {
    loop {
        let batch = {
            let jobs = jobs.lock().unwrap_or_else(|p| p.into_inner());
            let Ok(first) = jobs.recv() else {
                return;
            };
            let mut batch = vec![first];
            batch.extend(jobs.try_iter());
            batch
        };
        run_jobs(batch);
    }
}
