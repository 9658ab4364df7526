//! Running a `wasi:cli/command` component: find its `wasi:cli/run` export, call `run`,
//! and turn the outcome (returned `ok`/`err`, or `exit` called) into an exit code.

use crate::AsContextMut;
use crate::component::{Component, Func, Instance, Linker};
use crate::wasi::I32Exit;
use anyhow::{Result, anyhow};

/// The `run` function a command component exports (`wasi:cli/run@0.2.x#run`).
pub fn run_func(
    store: impl crate::AsContext,
    component: &Component,
    instance: &Instance,
) -> Result<Func> {
    let store = store.as_context();
    component
        .exports()
        .into_iter()
        .filter(|(n, _)| n.starts_with("wasi:cli/run@"))
        .find_map(|(n, _)| instance.get_func(store, &format!("{n}#run")))
        .ok_or_else(|| {
            anyhow!("the component exports no `wasi:cli/run` interface: it is not a command")
        })
}

/// Instantiates `component` with `linker` (which has WASI, from
/// [`add_to_linker`](super::add_to_linker)) and runs it as a command: the exit code is
/// 0 when `run` returns `ok`, 1 for `err`, or what the program passed to `exit`. A trap
/// is an error.
pub fn run<T: 'static>(
    linker: &Linker<T>,
    mut store: impl AsContextMut<Data = T>,
    component: &Component,
) -> Result<i32> {
    let instance = linker.instantiate(&mut store, component)?;
    let func = run_func(&store, component, &instance)?;
    let run = func.typed::<(), (Result<(), ()>,)>(&store)?;
    exit_code(run.call(&mut store, ()).map(|(r,)| r))
}

/// The exit code of a finished `run` (or of another call that may have exited).
pub fn exit_code(outcome: Result<Result<(), ()>>) -> Result<i32> {
    match outcome {
        Ok(Ok(())) => Ok(0),
        Ok(Err(())) => Ok(1),
        Err(e) => match e.downcast_ref::<I32Exit>() {
            Some(exit) => Ok(exit.0),
            None => Err(e),
        },
    }
}
