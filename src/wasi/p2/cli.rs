//! `wasi:cli`: environment (arguments, variables), exit, the standard streams (the
//! context's descriptors 0–2, shared with preview 1) and the terminal interfaces (a
//! stream is a terminal when it is the host's and the host's is one).

use super::io::{InputStream, OutputStream};
use super::{GetCtx, func, iface, push, resource};
use crate::component::{Linker, Resource};
use crate::wasi::table::{Input, Kind, Output};
use crate::wasi::{I32Exit, WasiCtx};
use anyhow::Result;
use std::io::IsTerminal;

/// `wasi:cli/terminal-input.terminal-input` (it has no methods).
pub(crate) struct TerminalInput;
/// `wasi:cli/terminal-output.terminal-output` (it has no methods).
pub(crate) struct TerminalOutput;

/// True if descriptor `fd` of the context is the host's stream and that is a terminal.
fn is_terminal(ctx: &WasiCtx, fd: u32) -> bool {
    match ctx.table.get(fd).map(|e| &e.kind) {
        Ok(Kind::Input(Input::Inherit)) => std::io::stdin().is_terminal(),
        Ok(Kind::Output(Output::Stdout)) => std::io::stdout().is_terminal(),
        Ok(Kind::Output(Output::Stderr)) => std::io::stderr().is_terminal(),
        _ => false,
    }
}

pub(super) fn add<T: 'static>(linker: &mut Linker<T>, get: impl GetCtx<T>) -> Result<()> {
    let mut i = iface(linker, "cli/environment")?;
    func(&mut i, "get-environment", get, |ctx, ()| {
        Ok((ctx.env.clone(),))
    })?;
    func(&mut i, "get-arguments", get, |ctx, ()| {
        Ok((ctx.args.clone(),))
    })?;
    func(&mut i, "initial-cwd", get, |_, ()| Ok((None::<String>,)))?;

    let mut i = iface(linker, "cli/exit")?;
    i.func_wrap("exit", |_, (status,): (Result<(), ()>,)| -> Result<()> {
        Err(anyhow::Error::new(I32Exit(i32::from(status.is_err()))))
    })?;
    i.func_wrap("exit-with-code", |_, (code,): (u8,)| -> Result<()> {
        Err(anyhow::Error::new(I32Exit(i32::from(code))))
    })?;

    let mut i = iface(linker, "cli/stdin")?;
    resource::<T, InputStream>(&mut i, "input-stream", get)?;
    func(&mut i, "get-stdin", get, |ctx, ()| {
        Ok((push(ctx, InputStream::Stdin)?,))
    })?;
    for (name, fd) in [("stdout", 1), ("stderr", 2)] {
        let mut i = iface(linker, &format!("cli/{name}"))?;
        resource::<T, OutputStream>(&mut i, "output-stream", get)?;
        func(&mut i, &format!("get-{name}"), get, move |ctx, ()| {
            Ok((push(ctx, OutputStream::Stdio(fd))?,))
        })?;
    }

    let mut i = iface(linker, "cli/terminal-input")?;
    resource::<T, TerminalInput>(&mut i, "terminal-input", get)?;
    let mut i = iface(linker, "cli/terminal-output")?;
    resource::<T, TerminalOutput>(&mut i, "terminal-output", get)?;
    let mut i = iface(linker, "cli/terminal-stdin")?;
    resource::<T, TerminalInput>(&mut i, "terminal-input", get)?;
    func(&mut i, "get-terminal-stdin", get, |ctx, ()| {
        let t: Option<Resource<TerminalInput>> = match is_terminal(ctx, 0) {
            true => Some(push(ctx, TerminalInput)?),
            false => None,
        };
        Ok((t,))
    })?;
    for (name, fd) in [("stdout", 1), ("stderr", 2)] {
        let mut i = iface(linker, &format!("cli/terminal-{name}"))?;
        resource::<T, TerminalOutput>(&mut i, "terminal-output", get)?;
        func(
            &mut i,
            &format!("get-terminal-{name}"),
            get,
            move |ctx, ()| {
                let t: Option<Resource<TerminalOutput>> = match is_terminal(ctx, fd) {
                    true => Some(push(ctx, TerminalOutput)?),
                    false => None,
                };
                Ok((t,))
            },
        )?;
    }
    Ok(())
}
