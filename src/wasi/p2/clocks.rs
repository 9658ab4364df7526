//! `wasi:clocks`: the monotonic clock (nanoseconds since the context was made, and
//! pollables for an instant or a duration) and the wall clock.

use super::io::{Pollable, after};
use super::{GetCtx, datetime, func, iface, push, resource};
use crate::component::{Linker, Val};
use anyhow::Result;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

pub(super) fn add<T: 'static>(linker: &mut Linker<T>, get: impl GetCtx<T>) -> Result<()> {
    let mut i = iface(linker, "clocks/monotonic-clock")?;
    resource::<T, Pollable>(&mut i, "pollable", get)?;
    func(&mut i, "now", get, |ctx, ()| {
        Ok((ctx.start.elapsed().as_nanos().min(u64::MAX.into()) as u64,))
    })?;
    func(&mut i, "resolution", get, |_, ()| Ok((1u64,)))?;
    func(&mut i, "subscribe-instant", get, |ctx, (when,): (u64,)| {
        let p = match ctx.start.checked_add(Duration::from_nanos(when)) {
            Some(t) => Pollable::At(t),
            None => after(Duration::MAX),
        };
        Ok((push(ctx, p)?,))
    })?;
    func(&mut i, "subscribe-duration", get, |ctx, (d,): (u64,)| {
        Ok((push(ctx, after(Duration::from_nanos(d)))?,))
    })?;

    let mut i = iface(linker, "clocks/wall-clock")?;
    func(&mut i, "now", get, |_, ()| {
        let d = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default();
        Ok((datetime(d),))
    })?;
    func(&mut i, "resolution", get, |_, ()| -> Result<(Val,)> {
        Ok((datetime(Duration::from_nanos(1)),))
    })?;
    Ok(())
}
