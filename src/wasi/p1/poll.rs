//! `poll_oneoff`: waits for clock timeouts and descriptor readiness. Files, pipes and
//! standard streams are always ready (reads and writes on them do not wait for a peer
//! the guest could be waiting on instead), so a poll with a ready descriptor returns at
//! once and a poll of clocks alone sleeps until the earliest deadline.

use super::Cx;
use super::misc::now;
use super::types::{Errno, WasiResult, errno};
use crate::wasi::table::{Input, Kind};
use std::time::{Duration, Instant};

const EVENTTYPE_CLOCK: u8 = 0;
const EVENTTYPE_FD_READ: u8 = 1;
const EVENTTYPE_FD_WRITE: u8 = 2;
/// `subclockflags`: the timeout is an absolute time of the clock.
const ABSTIME: u16 = 1;

/// An event to report: `(userdata, error, type, nbytes)`.
type Event = (u64, Errno, u8, u64);

pub(super) fn poll_oneoff(cx: &mut Cx<'_>, subs: u32, events: u32, n: u32, out: u32) -> WasiResult {
    if n == 0 {
        return Err(errno::INVAL.into());
    }
    let size = n.checked_mul(48).ok_or(errno::FAULT)?;
    cx.mem.bytes(subs, size)?;
    cx.mem
        .bytes(events, n.checked_mul(32).ok_or(errno::FAULT)?)?;
    let mut ready: Vec<Event> = Vec::new();
    // The earliest clock deadline, and every clock subscription with its deadline.
    let mut clocks: Vec<(u64, Instant)> = Vec::new();
    for i in 0..n {
        let at = subs + i * 48;
        let userdata = cx.mem.u64(at)?;
        match cx.mem.u8(at + 8)? {
            EVENTTYPE_CLOCK => {
                let id = cx.mem.u32(at + 16)?;
                let timeout = cx.mem.u64(at + 24)?;
                let flags = cx.mem.u16(at + 40)?;
                match deadline(cx, id, timeout, flags) {
                    Ok(when) => clocks.push((userdata, when)),
                    Err(e) => ready.push((userdata, e, EVENTTYPE_CLOCK, 0)),
                }
            }
            ty @ (EVENTTYPE_FD_READ | EVENTTYPE_FD_WRITE) => {
                let fd = cx.mem.u32(at + 16)?;
                ready.push(fd_event(cx, userdata, ty, fd));
            }
            _ => return Err(errno::INVAL.into()),
        }
    }
    if ready.is_empty() {
        if let Some(first) = clocks.iter().map(|c| c.1).min() {
            let wait = first.saturating_duration_since(Instant::now());
            std::thread::sleep(wait);
        }
        let now = Instant::now();
        for (userdata, when) in clocks {
            if when <= now {
                ready.push((userdata, 0, EVENTTYPE_CLOCK, 0));
            }
        }
    }
    for (i, (userdata, error, ty, nbytes)) in ready.iter().enumerate() {
        let mut b = [0u8; 32];
        b[0..8].copy_from_slice(&userdata.to_le_bytes());
        b[8..10].copy_from_slice(&error.to_le_bytes());
        b[10] = *ty;
        b[16..24].copy_from_slice(&nbytes.to_le_bytes());
        cx.mem.put(events + i as u32 * 32, &b)?;
    }
    cx.mem.put_u32(out, ready.len() as u32)?;
    Ok(())
}

/// When a clock subscription fires, as an `Instant`.
fn deadline(cx: &Cx<'_>, id: u32, timeout: u64, flags: u16) -> Result<Instant, Errno> {
    let current = now(cx, id)?;
    let wait = match flags & ABSTIME != 0 {
        true => timeout.saturating_sub(current),
        false => timeout,
    };
    let start = Instant::now();
    Ok(start
        .checked_add(Duration::from_nanos(wait))
        .unwrap_or(start + Duration::from_secs(86400 * 365)))
}

/// The readiness event of descriptor `fd` for reading or writing.
fn fd_event(cx: &Cx<'_>, userdata: u64, ty: u8, fd: u32) -> Event {
    let Ok(entry) = cx.ctx.table.get(fd) else {
        return (userdata, errno::BADF, ty, 0);
    };
    let nbytes = match (&entry.kind, ty) {
        (Kind::File(f), EVENTTYPE_FD_READ) => {
            let size = f.metadata().map_or(0, |m| m.len());
            let pos = system_interface::fs::FileIoExt::stream_position(f).unwrap_or(size);
            size.saturating_sub(pos)
        }
        (Kind::Input(Input::Pipe(p, pos)), EVENTTYPE_FD_READ) => {
            p.bytes.len().saturating_sub(*pos) as u64
        }
        (Kind::Dir(_), _) => return (userdata, errno::BADF, ty, 0),
        _ => 0,
    };
    (userdata, 0, ty, nbytes)
}
