//! Preview-1 functions on open descriptors (`fd_*`): reading and writing streams and
//! files, seeking, stat, flags, rights, preopen names, directory listing, renumbering.

use super::Cx;
use super::types::{Errno, Filestat, Mem, WasiResult, errno, fdflags, file_type, filetype};
use crate::wasi::table::{Kind, rights};
use std::io::{Read, SeekFrom, Write};
use system_interface::fs::{Advice, FdFlags, FileIoExt, GetSetFdFlags};

pub(super) fn fd_advise(
    cx: &mut Cx<'_>,
    fd: u32,
    offset: u64,
    len: u64,
    advice: u32,
) -> WasiResult {
    let advice = match advice {
        0 | 5 => Advice::Normal,
        1 => Advice::Sequential,
        2 => Advice::Random,
        3 => Advice::WillNeed,
        4 => Advice::DontNeed,
        _ => return Err(errno::INVAL.into()),
    };
    let file = cx.ctx.table.file(fd, rights::FD_ADVISE)?;
    file.advise(offset, len, advice)?;
    Ok(())
}

pub(super) fn fd_allocate(cx: &mut Cx<'_>, fd: u32, offset: u64, len: u64) -> WasiResult {
    let file = cx.ctx.table.file(fd, rights::FD_ALLOCATE)?;
    offset.checked_add(len).ok_or(errno::FBIG)?;
    file.allocate(offset, len)?;
    Ok(())
}

pub(super) fn fd_close(cx: &mut Cx<'_>, fd: u32) -> WasiResult {
    cx.ctx.table.remove(fd)?;
    Ok(())
}

pub(super) fn fd_datasync(cx: &mut Cx<'_>, fd: u32) -> WasiResult {
    sync(cx, fd, rights::FD_DATASYNC, true)
}

pub(super) fn fd_sync(cx: &mut Cx<'_>, fd: u32) -> WasiResult {
    sync(cx, fd, rights::FD_SYNC, false)
}

fn sync(cx: &mut Cx<'_>, fd: u32, right: u64, data_only: bool) -> WasiResult {
    let entry = cx.ctx.table.get(fd)?;
    entry.need(right)?;
    match &entry.kind {
        Kind::File(f) if data_only => f.sync_data()?,
        Kind::File(f) => f.sync_all()?,
        Kind::Dir(_) => {}
        _ => return Err(errno::INVAL.into()),
    }
    Ok(())
}

/// The file type a descriptor reports.
fn kind_type(kind: &Kind) -> Result<u8, Errno> {
    Ok(match kind {
        Kind::Input(_) | Kind::Output(_) => filetype::CHARACTER_DEVICE,
        Kind::Dir(_) => filetype::DIRECTORY,
        Kind::File(f) => file_type(
            &f.metadata()
                .map_err(|e| super::types::io_errno(&e))?
                .file_type(),
        ),
    })
}

pub(super) fn fd_fdstat_get(cx: &mut Cx<'_>, fd: u32, out: u32) -> WasiResult {
    let entry = cx.ctx.table.get(fd)?;
    let mut b = [0u8; 24];
    b[0] = kind_type(&entry.kind)?;
    b[2..4].copy_from_slice(&entry.flags.to_le_bytes());
    b[8..16].copy_from_slice(&entry.base.to_le_bytes());
    b[16..24].copy_from_slice(&entry.inheriting.to_le_bytes());
    cx.mem.put(out, &b)?;
    Ok(())
}

pub(super) fn fd_fdstat_set_flags(cx: &mut Cx<'_>, fd: u32, flags: u32) -> WasiResult {
    let flags = u16::try_from(flags).map_err(|_| errno::INVAL)?;
    let entry = cx.ctx.table.get_mut(fd)?;
    entry.need(rights::FD_FDSTAT_SET_FLAGS)?;
    if flags & (fdflags::DSYNC | fdflags::RSYNC | fdflags::SYNC) != 0 {
        return Err(errno::NOTSUP.into());
    }
    if let Kind::File(f) = &mut entry.kind {
        let mut host = FdFlags::empty();
        host.set(FdFlags::APPEND, flags & fdflags::APPEND != 0);
        host.set(FdFlags::NONBLOCK, flags & fdflags::NONBLOCK != 0);
        let set = (*f).new_set_fd_flags(host)?;
        f.set_fd_flags(set)?;
    }
    entry.flags = flags;
    Ok(())
}

pub(super) fn fd_fdstat_set_rights(
    cx: &mut Cx<'_>,
    fd: u32,
    base: u64,
    inheriting: u64,
) -> WasiResult {
    let entry = cx.ctx.table.get_mut(fd)?;
    if base & !entry.base != 0 || inheriting & !entry.inheriting != 0 {
        return Err(errno::NOTCAPABLE.into());
    }
    entry.base = base;
    entry.inheriting = inheriting;
    Ok(())
}

pub(super) fn fd_filestat_get(cx: &mut Cx<'_>, fd: u32, out: u32) -> WasiResult {
    let entry = cx.ctx.table.get(fd)?;
    entry.need(rights::FD_FILESTAT_GET)?;
    let stat = match &entry.kind {
        Kind::File(f) => Filestat::of(&f.metadata()?),
        Kind::Dir(d) => Filestat::of(&d.dir_metadata()?),
        Kind::Input(_) | Kind::Output(_) => Filestat {
            dev: 0,
            ino: 0,
            filetype: filetype::CHARACTER_DEVICE,
            nlink: 0,
            size: 0,
            atim: 0,
            mtim: 0,
            ctim: 0,
        },
    };
    stat.write(&mut cx.mem, out)?;
    Ok(())
}

pub(super) fn fd_filestat_set_size(cx: &mut Cx<'_>, fd: u32, size: u64) -> WasiResult {
    let file = cx.ctx.table.file(fd, rights::FD_FILESTAT_SET_SIZE)?;
    file.set_len(size)?;
    Ok(())
}

/// The new access and modification times `fst_flags` asks for; `EINVAL` when a time is
/// both given and "now".
pub(super) fn times(
    atim: u64,
    mtim: u64,
    fst: u32,
) -> Result<
    (
        Option<fs_set_times::SystemTimeSpec>,
        Option<fs_set_times::SystemTimeSpec>,
    ),
    Errno,
> {
    use fs_set_times::SystemTimeSpec as S;
    let one = |t: u64, set: u32, now: u32| -> Result<Option<S>, Errno> {
        match (fst & set != 0, fst & now != 0) {
            (true, true) => Err(errno::INVAL),
            (true, false) => Ok(Some(S::Absolute(
                std::time::UNIX_EPOCH + std::time::Duration::from_nanos(t),
            ))),
            (false, true) => Ok(Some(S::SymbolicNow)),
            (false, false) => Ok(None),
        }
    };
    if fst & !0xf != 0 {
        return Err(errno::INVAL);
    }
    Ok((one(atim, 1, 2)?, one(mtim, 4, 8)?))
}

pub(super) fn fd_filestat_set_times(
    cx: &mut Cx<'_>,
    fd: u32,
    atim: u64,
    mtim: u64,
    fst: u32,
) -> WasiResult {
    use fs_set_times::SetTimes;
    let (a, m) = times(atim, mtim, fst)?;
    let entry = cx.ctx.table.get(fd)?;
    entry.need(rights::FD_FILESTAT_SET_TIMES)?;
    match &entry.kind {
        Kind::File(f) => f.set_times(a, m)?,
        Kind::Dir(d) => d.set_times(a, m)?,
        _ => return Err(errno::BADF.into()),
    }
    Ok(())
}

pub(super) fn fd_pread(
    cx: &mut Cx<'_>,
    fd: u32,
    iovs: u32,
    n: u32,
    offset: u64,
    out: u32,
) -> WasiResult {
    let iovs = cx.mem.iovecs(iovs, n)?;
    let file = cx.ctx.table.file(fd, rights::FD_READ | rights::FD_SEEK)?;
    let mut total = 0u64;
    for (ptr, len) in iovs {
        let buf = cx.mem.bytes_mut(ptr, len)?;
        let got = file.read_at(buf, offset + total)?;
        total += got as u64;
        if got < len as usize {
            break;
        }
    }
    cx.mem.put_u32(out, total as u32)?;
    Ok(())
}

pub(super) fn fd_pwrite(
    cx: &mut Cx<'_>,
    fd: u32,
    iovs: u32,
    n: u32,
    offset: u64,
    out: u32,
) -> WasiResult {
    let iovs = cx.mem.iovecs(iovs, n)?;
    let file = cx.ctx.table.file(fd, rights::FD_WRITE | rights::FD_SEEK)?;
    let mut total = 0u64;
    for (ptr, len) in iovs {
        let buf = cx.mem.bytes(ptr, len)?;
        file.write_all_at(buf, offset + total)?;
        total += u64::from(len);
    }
    cx.mem.put_u32(out, total as u32)?;
    Ok(())
}

/// The guest path of preopen `fd`.
fn preopen_name(cx: &Cx<'_>, fd: u32) -> Result<String, Errno> {
    cx.ctx.table.get(fd)?.preopen.clone().ok_or(errno::BADF)
}

pub(super) fn fd_prestat_get(cx: &mut Cx<'_>, fd: u32, out: u32) -> WasiResult {
    let name = preopen_name(cx, fd)?;
    cx.mem.put_u32(out, 0)?; // tag 0: a directory
    cx.mem.put_u32(out.wrapping_add(4), name.len() as u32)?;
    Ok(())
}

pub(super) fn fd_prestat_dir_name(cx: &mut Cx<'_>, fd: u32, buf: u32, len: u32) -> WasiResult {
    let name = preopen_name(cx, fd)?;
    if (len as usize) < name.len() {
        return Err(errno::NAMETOOLONG.into());
    }
    cx.mem.put(buf, name.as_bytes())?;
    Ok(())
}

pub(super) fn fd_read(cx: &mut Cx<'_>, fd: u32, iovs: u32, n: u32, out: u32) -> WasiResult {
    let iovs = cx.mem.iovecs(iovs, n)?;
    let entry = cx.ctx.table.get_mut(fd)?;
    entry.need(rights::FD_READ)?;
    let mut total = 0usize;
    for (ptr, len) in iovs {
        let buf = cx.mem.bytes_mut(ptr, len)?;
        let got = match &mut entry.kind {
            Kind::Input(input) => input.read(buf)?,
            Kind::File(f) => {
                let mut f: &cap_std::fs::File = f;
                f.read(buf)?
            }
            Kind::Dir(_) => return Err(errno::ISDIR.into()),
            Kind::Output(_) => return Err(errno::BADF.into()),
        };
        total += got;
        if got < len as usize {
            break;
        }
    }
    cx.mem.put_u32(out, total as u32)?;
    Ok(())
}

pub(super) fn fd_write(cx: &mut Cx<'_>, fd: u32, iovs: u32, n: u32, out: u32) -> WasiResult {
    let iovs = cx.mem.iovecs(iovs, n)?;
    let entry = cx.ctx.table.get_mut(fd)?;
    entry.need(rights::FD_WRITE)?;
    let total = write_iovs(&mut entry.kind, &cx.mem, &iovs)?;
    cx.mem.put_u32(out, total as u32)?;
    Ok(())
}

/// Writes every buffer of `iovs` to the stream or file `kind`; the byte count.
fn write_iovs(
    kind: &mut Kind,
    mem: &Mem<'_>,
    iovs: &[(u32, u32)],
) -> Result<usize, super::types::Fail> {
    let bufs = iovs
        .iter()
        .map(|&(ptr, len)| mem.bytes(ptr, len))
        .collect::<Result<Vec<&[u8]>, Errno>>()?;
    let total = bufs.iter().map(|b| b.len()).sum();
    match kind {
        Kind::Output(out) => out.write_all(&bufs)?,
        Kind::File(f) => {
            let mut f: &cap_std::fs::File = f;
            for b in &bufs {
                f.write_all(b)?;
            }
        }
        Kind::Dir(_) => return Err(errno::ISDIR.into()),
        Kind::Input(_) => return Err(errno::BADF.into()),
    }
    Ok(total)
}

pub(super) fn fd_readdir(
    cx: &mut Cx<'_>,
    fd: u32,
    buf: u32,
    len: u32,
    cookie: u64,
    out: u32,
) -> WasiResult {
    let (dir, _) = cx.ctx.table.dir(fd, rights::FD_READDIR)?;
    // "." and "..", then the entries, in the host's order (stable between calls).
    let ino = |m: std::io::Result<cap_std::fs::Metadata>| {
        m.map_or(0, |m| cap_fs_ext::MetadataExt::ino(&m))
    };
    let mut entries = vec![
        (
            ".".to_string(),
            ino(dir.dir_metadata()),
            filetype::DIRECTORY,
        ),
        ("..".to_string(), 0, filetype::DIRECTORY),
    ];
    for e in dir.entries()? {
        let e = e?;
        let name = e.file_name().into_string().map_err(|_| errno::ILSEQ)?;
        let ty = e.file_type().map_or(filetype::UNKNOWN, |t| file_type(&t));
        entries.push((name, ino(e.metadata()), ty));
    }
    let mut bytes = Vec::new();
    for (i, (name, ino, ty)) in entries
        .iter()
        .enumerate()
        .skip(cookie.min(usize::MAX as u64) as usize)
    {
        if bytes.len() >= len as usize {
            break;
        }
        bytes.extend_from_slice(&(i as u64 + 1).to_le_bytes());
        bytes.extend_from_slice(&ino.to_le_bytes());
        bytes.extend_from_slice(&(name.len() as u32).to_le_bytes());
        bytes.extend_from_slice(&[*ty, 0, 0, 0]);
        bytes.extend_from_slice(name.as_bytes());
    }
    bytes.truncate(len as usize);
    cx.mem.put(buf, &bytes)?;
    cx.mem.put_u32(out, bytes.len() as u32)?;
    Ok(())
}

pub(super) fn fd_renumber(cx: &mut Cx<'_>, from: u32, to: u32) -> WasiResult {
    let table = &mut cx.ctx.table;
    table.get(from)?;
    table.get(to)?;
    if from != to {
        let entry = table.remove(from)?;
        table.insert_at(to, entry);
    }
    Ok(())
}

pub(super) fn fd_seek(cx: &mut Cx<'_>, fd: u32, offset: i64, whence: u32, out: u32) -> WasiResult {
    let pos = match whence {
        0 => SeekFrom::Start(u64::try_from(offset).map_err(|_| errno::INVAL)?),
        1 => SeekFrom::Current(offset),
        2 => SeekFrom::End(offset),
        _ => return Err(errno::INVAL.into()),
    };
    let want = match pos {
        SeekFrom::Current(0) => rights::FD_TELL,
        _ => rights::FD_SEEK,
    };
    let new = seek(cx, fd, pos, want)?;
    cx.mem.put_u64(out, new)?;
    Ok(())
}

pub(super) fn fd_tell(cx: &mut Cx<'_>, fd: u32, out: u32) -> WasiResult {
    let pos = seek(cx, fd, SeekFrom::Current(0), rights::FD_TELL)?;
    cx.mem.put_u64(out, pos)?;
    Ok(())
}

fn seek(cx: &Cx<'_>, fd: u32, pos: SeekFrom, want: u64) -> Result<u64, Errno> {
    let entry = cx.ctx.table.get(fd)?;
    match &entry.kind {
        Kind::File(f) => {
            entry.need(want)?;
            FileIoExt::seek(f, pos).map_err(|e| super::types::io_errno(&e))
        }
        Kind::Dir(_) => Err(errno::ISDIR),
        _ => Err(errno::SPIPE),
    }
}
